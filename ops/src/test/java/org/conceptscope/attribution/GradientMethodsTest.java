package org.conceptscope.attribution;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CancellationException;

import org.conceptscope.model.BundledModels;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Axioms and known answers for the gradient family on the bundled models. */
class GradientMethodsTest {

	static TensorFlowClassifier ihc, known;

	@BeforeAll
	static void load() {
		ihc = TensorFlowClassifier.load(BundledModels.dir("ihc-stain"));
		known = TensorFlowClassifier.load(BundledModels.dir("known-answer"));
	}

	@AfterAll
	static void close() {
		ihc.close();
		known.close();
	}

	static FloatTensor random(long seed, long... shape) {
		Random r = new Random(seed);
		FloatTensor t = FloatTensor.zeros(shape);
		for (int i = 0; i < t.size(); i++) t.data()[i] = r.nextFloat();
		return t;
	}

	static double sum(FloatTensor t, int i) {
		double s = 0;
		int per = t.stride0();
		for (int p = i * per; p < (i + 1) * per; p++) s += t.data()[p];
		return s;
	}

	/** Completeness: sum of IG = f(x) - f(baseline), within 1 % with 256 midpoint steps. */
	@Test
	void integratedGradientsAreComplete() {
		FloatTensor x = random(1, 2, 32, 32, 3);
		Attribution a = new IntegratedGradients(256, 0f).explain(ihc, x, new int[] { 2, 1 }, Progress.NONE);
		FloatTensor fx = ihc.logits(x), f0 = ihc.logits(FloatTensor.zeros(2, 32, 32, 3));
		for (int i = 0; i < 2; i++) {
			int k = a.targets()[i];
			double delta = fx.get(i, k) - f0.get(i, k);
			assertEquals(delta, sum(a.maps(), i), 0.01 * Math.abs(delta), "image " + i);
		}
	}

	/** On the linear known-answer model, IG and Gradient x Input are both x inside the evidence square. */
	@Test
	void linearModelGivesInputInsideTheEvidenceRegion() {
		FloatTensor x = random(2, 1, 32, 32, 1);
		Attribution ig = new IntegratedGradients(8, 0f).explain(known, x, new int[] { 1 }, Progress.NONE);
		Attribution gxi = new GradientTimesInput().explain(known, x, new int[] { 1 }, Progress.NONE);
		for (int y = 0; y < 32; y++) {
			for (int xx = 0; xx < 32; xx++) {
				float expected = KnownAnswerSaliencyTest.inside(1, xx, y) ? x.get(0, y, xx, 0) : 0f;
				assertEquals(expected, ig.maps().get(0, y, xx), 1e-5);
				assertEquals(expected, gxi.maps().get(0, y, xx), 1e-5);
			}
		}
	}

	@Test
	void noisyGradientsAreSeeded() {
		FloatTensor x = random(3, 2, 32, 32, 3);
		for (NoisyGradients.Statistic s : NoisyGradients.Statistic.values()) {
			float[] a = new NoisyGradients(s, 8, 0.1, 7).explain(ihc, x, new int[] { 0, 2 }, Progress.NONE).maps().data();
			float[] b = new NoisyGradients(s, 8, 0.1, 7).explain(ihc, x, new int[] { 0, 2 }, Progress.NONE).maps().data();
			float[] c = new NoisyGradients(s, 8, 0.1, 8).explain(ihc, x, new int[] { 0, 2 }, Progress.NONE).maps().data();
			assertArrayEquals(a, b, s + ": same seed, same map");
			assertFalse(Arrays.equals(a, c), s + ": another seed, another map");
		}
	}

	/** With no noise SmoothGrad is Saliency and VarGrad is zero. */
	@Test
	void zeroNoiseReducesToTheGradient() {
		FloatTensor x = random(4, 1, 32, 32, 3);
		FloatTensor grad = new Saliency().explain(ihc, x, new int[] { 1 }, Progress.NONE).maps();
		FloatTensor smooth = new NoisyGradients(NoisyGradients.Statistic.SMOOTH_GRAD, 3, 0, 1).explain(ihc, x, new int[] { 1 },
			Progress.NONE).maps();
		FloatTensor var = new NoisyGradients(NoisyGradients.Statistic.VAR_GRAD, 3, 0, 1).explain(ihc, x, new int[] { 1 },
			Progress.NONE).maps();
		assertArrayEquals(grad.data(), smooth.data(), 1e-5f);
		for (float v : var.data()) assertEquals(0f, v, 1e-6f);
	}

	@Test
	void progressCancels() {
		FloatTensor x = random(5, 3, 32, 32, 3);
		assertThrows(CancellationException.class,
			() -> new IntegratedGradients(4, 0f).explain(ihc, x, new int[] { 0, 0, 0 }, (done, total, m) -> done < 2));
	}

	@Test
	void badParametersAreRefused() {
		assertThrows(IllegalArgumentException.class, () -> new IntegratedGradients(0, 0f));
		assertThrows(IllegalArgumentException.class, () -> new NoisyGradients(NoisyGradients.Statistic.SMOOTH_GRAD, 5, -1, 1));
		var e = assertThrows(IllegalArgumentException.class,
			() -> new Saliency().explain(ihc, random(6, 1, 32, 32, 3), new int[] { 7 }, Progress.NONE));
		assertEquals(true, e.getMessage().contains("does not exist"), e.getMessage());
	}
}
