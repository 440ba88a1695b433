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

	/** Spectrum of one channel of an image [1, H, W, C]: |DFT| and the real part of the DC term. */
	static double[] dftMagnitude(FloatTensor image, int ch, double[] dcOut) {
		int h = (int) image.dim(1), w = (int) image.dim(2), c = (int) image.dim(3);
		double[] re = new double[h * w], im = new double[h * w];
		for (int p = 0; p < h * w; p++) re[p] = image.data()[p * c + ch];
		new Dft2d(h, w).transform(re, im, -1);
		dcOut[ch] = re[0];
		double[] m = new double[h * w];
		for (int p = 0; p < h * w; p++) m[p] = Math.hypot(re[p], im[p]);
		return m;
	}

	/**
	 * The magnitude really is fixed: after optimisation, |DFT(image)| equals the references' mean
	 * magnitude spectrum at every frequency of every channel (odd and even sizes: Nyquist rows and
	 * columns), and a reference set with a negative mean gives an image with that negative mean.
	 */
	@Test
	void imageKeepsTheMagnitudeSpectrumAndTheSignedMean() {
		try (TensorFlowClassifier m = TensorFlowClassifier.load(BundledModels.dir("ct-tissue"))) {
			long[] in = m.signature().input().shape();
			int h = (int) in[1], w = (int) in[2], c = (int) in[3];
			Random r = new Random(3);
			FloatTensor refs = FloatTensor.zeros(3, h, w, c);
			// CT in HU/1000 around -0.4 (mostly soft tissue and air): a clearly negative mean
			for (int i = 0; i < refs.size(); i++) refs.data()[i] = (float) (-0.4 + 0.3 * r.nextGaussian());
			double[][] mag = Maco.magnitude(refs);
			Maco.Result a = new Maco(30, 0.1, 0.8, 5).visualize(m, mag, 0, Progress.NONE);
			double[] dc = new double[c];
			double meanRefs = 0, meanImage = 0;
			for (float v : refs.data()) meanRefs += v / refs.size();
			for (float v : a.image().data()) meanImage += v / a.image().size();
			assertTrue(meanRefs < -0.3, "references' mean " + meanRefs);
			assertEquals(meanRefs, meanImage, 1e-4, "the image keeps the references' signed mean");
			for (int ch = 0; ch < c; ch++) {
				double[] got = dftMagnitude(a.image(), ch, dc);
				double max = 0;
				for (double v : mag[ch]) max = Math.max(max, Math.abs(v));
				for (int p = 0; p < h * w; p++) {
					double want = Math.abs(mag[ch][p]);
					assertEquals(want, got[p], 1e-4 * want + 1e-6 * max, "channel " + ch + " frequency (" + p / w + ", " + p % w + ")");
				}
				assertTrue(dc[ch] < 0, "DC term of channel " + ch + " is negative: " + dc[ch]);
			}
		}
	}

	/** The same on an odd-sized spectrum (no Nyquist frequency) and an even one, without a model: the parametrisation itself. */
	@Test
	void hermitianPhaseGivesARealImageWithTheGivenMagnitude() {
		for (int[] size : new int[][] { { 6, 8 }, { 5, 7 }, { 6, 5 } }) {
			int h = size[0], w = size[1];
			Random r = new Random(h * 31 + w);
			FloatTensor refs = FloatTensor.zeros(2, h, w, 1);
			for (int i = 0; i < refs.size(); i++) refs.data()[i] = (float) r.nextGaussian() - 0.5f;
			double[] mag = Maco.magnitude(refs)[0];
			Maco.Spectrum s = new Maco.Spectrum(h, w, mag);
			double[] phase = s.initialPhase(new Random(1));
			for (int p = 0; p < phase.length; p++) if (s.isFree(p)) phase[p] += r.nextGaussian(); // anywhere on the torus
			s.enforce(phase);
			double[] x = s.image(phase);
			double[] re = x.clone(), im = new double[h * w];
			new Dft2d(h, w).transform(re, im, -1);
			for (int p = 0; p < h * w; p++) assertEquals(Math.abs(mag[p]), Math.hypot(re[p], im[p]), 1e-9 * (1 + Math.abs(mag[p])), h + "x" + w + " at " + p);
			assertEquals(mag[0], re[0], 1e-9 * (1 + Math.abs(mag[0])), "signed DC");
		}
	}

	/** dL/dphi of the free phases against central finite differences of L(x(phi)) for a fixed linear L = <g, x>. */
	@Test
	void phaseGradientMatchesFiniteDifferences() {
		for (int[] size : new int[][] { { 6, 8 }, { 5, 7 } }) {
			int h = size[0], w = size[1];
			Random r = new Random(9);
			FloatTensor refs = FloatTensor.zeros(2, h, w, 1);
			for (int i = 0; i < refs.size(); i++) refs.data()[i] = r.nextFloat();
			Maco.Spectrum s = new Maco.Spectrum(h, w, Maco.magnitude(refs)[0]);
			double[] phase = s.initialPhase(new Random(2));
			double[] g = new double[h * w];
			for (int i = 0; i < g.length; i++) g[i] = r.nextGaussian();
			double[] grad = s.gradient(phase, g);
			int free = 0;
			for (int p = 0; p < h * w; p++) {
				if (!s.isFree(p)) {
					assertEquals(0, grad[p], 0, "phase " + p + " is tied to its conjugate or fixed");
					continue;
				}
				free++;
				double e = 1e-6;
				double[] up = phase.clone(), down = phase.clone();
				up[p] += e;
				down[p] -= e;
				s.enforce(up);
				s.enforce(down);
				double fd = (dot(g, s.image(up)) - dot(g, s.image(down))) / (2 * e);
				assertEquals(fd, grad[p], 1e-6 * (1 + Math.abs(fd)), h + "x" + w + " phase " + p);
			}
			// one free phase per conjugate pair: (HW - self-conjugate) / 2
			int self = (h % 2 == 0 ? 2 : 1) * (w % 2 == 0 ? 2 : 1);
			assertEquals((h * w - self) / 2, free);
		}
	}

	static double dot(double[] a, double[] b) {
		double s = 0;
		for (int i = 0; i < a.length; i++) s += a[i] * b[i];
		return s;
	}

	static double mean(double[] v, int from, int to) {
		double s = 0;
		for (int i = from; i < to; i++) s += v[i];
		return s / (to - from);
	}
}
