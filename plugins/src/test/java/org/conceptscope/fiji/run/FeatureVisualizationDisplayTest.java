package org.conceptscope.fiji.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ij.CompositeImage;
import ij.ImagePlus;

import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.visualization.Maco;
import org.junit.jupiter.api.Test;

/**
 * The visualisation is shown as Xplique's plot_maco shows it: all its channels with one range, the 1st to the 99th
 * percentile of their values together; the transparency channel as plot_maco shows its alpha: from 0 to its 80th
 * percentile. The values are not clipped.
 */
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

	/**
	 * Three channels of 100 pixels each: i / 99, 10 i / 99 and 5 + i / 99 (i = 0..99), stored pixel-interleaved and
	 * in no order. Of the 300 values together, numpy's 1st percentile lies at rank 0.01 x 299 = 2.99: the sorted values
	 * begin 0, 0, 1/99, 2/99, so it is (1 + 0.99) / 99. The 99th lies at rank 296.01: the four largest are channel 2's
	 * 960/99, 970/99, 980/99 and 10 (channel 3 stops at 6), so it is (960 + 0.01 x 10) / 99. Every channel shows that
	 * one range; a range per channel (channel 1 from 0 to 1, channel 3 from 5 to 6) changed the colours.
	 */
	@Test
	void colourChannelsShareOneRangeFromTheFirstToTheNinetyNinthPercentile() {
		int n = 100, c = 3;
		float[] image = new float[n * c];
		for (int i = 0; i < n; i++) {
			int p = (i * 37) % n; // not in order
			image[p * c] = (float) (i / 99.0);
			image[p * c + 1] = (float) (10 * i / 99.0);
			image[p * c + 2] = (float) (5 + i / 99.0);
		}
		Maco.Result r = new Maco.Result(new FloatTensor(new long[] { 1, 10, 10, c }, image), new FloatTensor(new long[] { 1, 10, 10 }, new float[n]),
			new double[] { 0 }, 0, 0);
		ImagePlus imp = FeatureVisualizationRun.image(r, "t");
		CompositeImage ci = (CompositeImage) imp;
		for (int ch = 1; ch <= c; ch++) {
			assertEquals(1.99 / 99, ci.getChannelLut(ch).min, 1e-6, "channel " + ch);
			assertEquals(960.1 / 99, ci.getChannelLut(ch).max, 1e-5, "channel " + ch);
		}
		for (int ch = 0; ch < c; ch++) {
			float[] plane = (float[]) imp.getStack().getPixels(ch + 1);
			for (int p = 0; p < n; p++) assertEquals(image[p * c + ch], plane[p], 0, "the values are not clipped");
		}
	}

	/** A constant visualisation (one value v) is shown from v to v + 1, not with an empty range. */
	@Test
	void constantVisualisationGetsARangeOfOne() {
		float[] image = new float[16];
		java.util.Arrays.fill(image, 2.5f);
		Maco.Result r = new Maco.Result(new FloatTensor(new long[] { 1, 4, 4, 1 }, image), new FloatTensor(new long[] { 1, 4, 4 }, new float[16]),
			new double[] { 0 }, 0, 0);
		CompositeImage ci = (CompositeImage) FeatureVisualizationRun.image(r, "t");
		assertEquals(2.5, ci.getChannelLut(1).min, 0);
		assertEquals(3.5, ci.getChannelLut(1).max, 0);
	}

	/**
	 * The scores plot says what a step's score is: the default (reference) recipe's is the mean over the step's crops,
	 * the simple one's one random crop; a head's part or concept is not a logit. The plot said "target logit (random
	 * crop)" for every run.
	 */
	@Test
	void theScoresPlotSaysWhatEachStepScores() {
		ImagePlus plot = FeatureVisualizationRun.plot(new double[] { 1, 2 }, "c", FeatureVisualizationRun.scoreLabel(false, false));
		ij.gui.Plot p = (ij.gui.Plot) plot.getProperty(ij.gui.Plot.PROPERTY_KEY);
		assertEquals("target logit (mean over the step's crops)", p.getLabel('y'));
		assertEquals("target logit (one random crop)", FeatureVisualizationRun.scoreLabel(true, false));
		assertEquals("target score (mean over the step's crops)", FeatureVisualizationRun.scoreLabel(false, true));
	}
}
