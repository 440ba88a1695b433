package org.conceptscope.attribution;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

	/**
	 * The completeness check is reported (as Captum's convergence delta): per image the target's
	 * f(x) - f(x0) and the map's sum minus it, computed here from the model's logits; one step
	 * leaves a far larger gap than 256, so the user can tell when to raise steps.
	 */
	@Test
	void integratedGradientsReportTheirCompletenessGap() {
		FloatTensor x = random(1, 2, 32, 32, 3);
		int[] targets = { 2, 1 };
		FloatTensor fx = ihc.logits(x), f0 = ihc.logits(FloatTensor.zeros(2, 32, 32, 3));
		double[] gaps = new double[2];
		for (int steps : new int[] { 256, 1 }) {
			Attribution a = new IntegratedGradients(steps, 0f).explain(ihc, x, targets, Progress.NONE);
			java.util.List<String> change = Attribution.items(a.metadata().get("score_change"));
			java.util.List<String> gap = Attribution.items(a.metadata().get("completeness_gap"));
			for (int i = 0; i < 2; i++) {
				double delta = fx.get(i, targets[i]) - f0.get(i, targets[i]);
				assertEquals(delta, Double.parseDouble(change.get(i)), 1e-4 * (1 + Math.abs(delta)), steps + " steps, image " + i);
				assertEquals(sum(a.maps(), i) - delta, Double.parseDouble(gap.get(i)), 1e-4 * (1 + Math.abs(delta)), steps + " steps, image " + i);
				if (steps == 256) gaps[i] = Math.abs(Double.parseDouble(gap.get(i)));
				else assertTrue(Math.abs(Double.parseDouble(gap.get(i))) > 5 * gaps[i] + 1e-6, "one step is cruder than 256: " + gap + " vs " + gaps[i]);
			}
			// the results columns' values: the map's sum (summed here), the change and their relative gap
			java.util.List<Completeness.Check> checks = Completeness.of(a);
			assertEquals(2, checks.size());
			for (int i = 0; i < 2; i++) {
				double delta = fx.get(i, targets[i]) - f0.get(i, targets[i]), s = sum(a.maps(), i);
				assertEquals(s, checks.get(i).attributionSum(), 1e-6 * (1 + Math.abs(s)), steps + " steps, image " + i);
				assertEquals(Math.abs(s - delta) / Math.abs(delta), checks.get(i).relativeGap(), 1e-4, steps + " steps, image " + i);
			}
			assertEquals(java.util.List.of("attribution_sum", "score_change", "completeness_gap"), new IntegratedGradients(steps, 0f).perImageKeys());
			// a FORGrad-filtered map (|.|, low-pass) no longer sums to the change: no completeness values for it
			ForGrad forgrad = new ForGrad(new IntegratedGradients(steps, 0f), 0);
			Attribution filtered = forgrad.explain(ihc, x, targets, Progress.NONE);
			assertTrue(Completeness.of(filtered).isEmpty());
			// its Info says whose values they are: IG's own map's, under unfiltered_ names, never as the filtered map's
			for (String key : java.util.List.of("attribution_sum", "score_change", "completeness_gap")) {
				assertFalse(filtered.metadata().containsKey(key), key + " would describe the filtered map: " + filtered.metadata());
				assertEquals(a.metadata().get(key), filtered.metadata().get("unfiltered_" + key), key);
			}
			double filteredSum = sum(filtered.maps(), 0);
			assertTrue(Math.abs(filteredSum - Double.parseDouble(Attribution.items(a.metadata().get("attribution_sum")).get(0))) > 1e-3 * Math.abs(filteredSum),
				"the filtered |map| sums to another value than IG's map: " + filteredSum + " vs " + a.metadata().get("attribution_sum"));
			assertEquals(java.util.List.of("unfiltered_attribution_sum", "unfiltered_score_change", "unfiltered_completeness_gap"), forgrad.perImageKeys());
			assertEquals("[" + gap.get(1) + "]", filtered.range(1, 2, forgrad.perImageKeys(), ihc.classNames()).metadata().get("unfiltered_completeness_gap"));
			assertEquals("[" + gap.get(1) + "]", a.range(1, 2, new IntegratedGradients(steps, 0f).perImageKeys(), ihc.classNames()).metadata().get("completeness_gap"));
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
