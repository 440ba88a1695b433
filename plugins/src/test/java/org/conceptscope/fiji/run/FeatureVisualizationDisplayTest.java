package org.conceptscope.fiji.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ij.CompositeImage;
import ij.ImagePlus;

import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.visualization.Maco;
import org.junit.jupiter.api.Test;

/** The transparency channel is shown as Xplique's plot_maco shows its alpha: from 0 to its 80th percentile, the values unclipped. */
class FeatureVisualizationDisplayTest {

	/**
	 * Transparency (i / 99)^2 for i = 0..99: numpy's 80th percentile lies at rank 0.8 x 99 = 79.2,
	 * between 79^2 and 80^2: (6241 + 0.2 x 159) / 9801.
	 */
	@Test
	void transparencyIsShownUpToItsEightiethPercentile() {
		float[] alpha = new float[100], image = new float[100];
		for (int i = 0; i < 100; i++) alpha[(i * 37) % 100] = (float) (i * i / 9801.0); // not in order
		Maco.Result r = new Maco.Result(new FloatTensor(new long[] { 1, 10, 10, 1 }, image), new FloatTensor(new long[] { 1, 10, 10 }, alpha),
			new double[] { 0 }, 0, 0);
		ImagePlus imp = FeatureVisualizationRun.image(r, "t");
		CompositeImage ci = (CompositeImage) imp;
		assertEquals(0, ci.getChannelLut(2).min, 0);
		assertEquals((6241 + 0.2 * 159) / 9801, ci.getChannelLut(2).max, 1e-6);
		assertArrayEquals(alpha, (float[]) imp.getStack().getPixels(2), "the values are not clipped");
	}
}
