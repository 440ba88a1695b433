package org.conceptscope.visualization;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.conceptscope.model.BundledModels;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.Test;

class MacoTest {

	/** The DFT pair is an identity; the crop-resize adjoint satisfies <R x, g> = <x, R^T g>. */
	@Test
	void transformsAndAdjointAreExact() {
		Random r = new Random(1);
		Dft2d dft = new Dft2d(6, 5);
		double[] re = new double[30], im = new double[30], orig = new double[30];
		for (int i = 0; i < 30; i++) orig[i] = re[i] = r.nextDouble();
		dft.transform(re, im, -1);
		dft.transform(re, im, +1);
		for (int i = 0; i < 30; i++) assertEquals(orig[i], re[i] / 30, 1e-9);
		Maco.CropResize cr = new Maco.CropResize(8, 8, 2, 1, 2, 5, 6);
		float[] x = new float[128], g = new float[128];
		for (int i = 0; i < 128; i++) {
			x[i] = r.nextFloat();
			g[i] = r.nextFloat();
		}
		float[] rx = cr.apply(x);
		double[] rtg = cr.adjoint(g);
		double a = 0, b = 0;
		for (int i = 0; i < 128; i++) {
			a += rx[i] * g[i];
			b += x[i] * rtg[i];
		}
		assertEquals(a, b, 1e-4);
	}

	/** On the IHC model, optimising the phase raises the class logit, keeps the mean, and the seed fixes the result. */
	@Test
	void raisesTheTargetScoreAndIsSeeded() {
		try (TensorFlowClassifier m = TensorFlowClassifier.load(BundledModels.dir("ihc-stain"))) {
			Random r = new Random(2);
			FloatTensor refs = FloatTensor.zeros(4, 32, 32, 3);
			for (int i = 0; i < refs.size(); i++) refs.data()[i] = r.nextFloat();
			double[][] mag = Maco.magnitude(refs);
			Maco.Result a = new Maco(60, 0.1, 0.8, 5).visualize(m, mag, 2, Progress.NONE);
			double first = mean(a.scores(), 0, 10), last = mean(a.scores(), 50, 60);
			assertTrue(last > first, "target logit over the first 10 steps " + first + ", last 10 " + last);
			assertTrue(a.finalScore() > a.startScore(), "whole image: " + a.startScore() + " at the start, " + a.finalScore() + " at the end");
			assertEquals(a.finalScore(), m.logits(a.image()).get(0, 2), 1e-4, "the final score is the returned image's");
			Maco.Result b = new Maco(60, 0.1, 0.8, 5).visualize(m, mag, 2, Progress.NONE);
			assertArrayEquals(a.image().data(), b.image().data(), "same seed, same image");
			float max = 0;
			for (float v : a.transparency().data()) max = Math.max(max, v);
			assertEquals(1f, max, 1e-6, "transparency is scaled to [0, 1]");
			// the magnitude is fixed: the image keeps the reference images' mean (the DC term)
			double meanImage = 0, meanRefs = 0;
			for (float v : a.image().data()) meanImage += v / a.image().size();
			for (float v : refs.data()) meanRefs += v / refs.size();
			assertEquals(meanRefs, meanImage, 0.05);
		}
	}

	static double mean(double[] v, int from, int to) {
		double s = 0;
		for (int i = from; i < to; i++) s += v[i];
		return s / (to - from);
	}
}
