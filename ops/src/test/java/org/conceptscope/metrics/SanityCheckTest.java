package org.conceptscope.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.CancellationException;

import org.conceptscope.attribution.AttributionMethod;
import org.conceptscope.attribution.Saliency;
import org.conceptscope.model.BundledModels;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Weight randomisation of the real IHC model and the Spearman sanity check of Saliency. */
class SanityCheckTest {

	static TensorFlowClassifier ihc;
	static FloatTensor x;
	static int[] predicted;

	@BeforeAll
	static void load() {
		ihc = TensorFlowClassifier.load(BundledModels.dir("ihc-stain"));
		x = IhcPatches.load(16);
		predicted = new int[16];
		Arrays.fill(predicted, AttributionMethod.PREDICTED);
	}

	@AfterAll
	static void close() {
		ihc.close();
	}

	static double rms(float[] v) {
		double s = 0;
		for (float f : v) s += (double) f * f;
		return Math.sqrt(s / v.length);
	}

	@Test
	void randomisingAllWeightsChangesTheCopyAndNotTheOriginal() {
		FloatTensor before = ihc.logits(x);
		float[] kernel = ihc.variable("conv2/kernel").data();
		try (TensorFlowClassifier random = RandomizedWeights.copy(ihc, ihc.variables(), 42)) {
			float[] after = random.logits(x).data();
			double maxDiff = 0;
			for (int i = 0; i < after.length; i++) maxDiff = Math.max(maxDiff, Math.abs(after[i] - before.data()[i]));
			assertTrue(maxDiff > 1, "randomised logits differ by at most " + maxDiff);
			float[] randomKernel = random.variable("conv2/kernel").data();
			assertFalse(Arrays.equals(kernel, randomKernel));
			assertEquals(rms(kernel), rms(randomKernel), 0.1 * rms(kernel), "the random weights keep the layer's scale");
			assertArrayEquals(before.data(), ihc.logits(x).data(), "the original model computes what it computed before");
			assertArrayEquals(kernel, ihc.variable("conv2/kernel").data());
		}
		assertArrayEquals(before.data(), ihc.logits(x).data(), "closing the copy leaves the original working");
	}

	@Test
	void sameSeedSameWeights() {
		try (TensorFlowClassifier a = RandomizedWeights.copy(ihc, ihc.variables(), 7);
			TensorFlowClassifier b = RandomizedWeights.copy(ihc, ihc.variables(), 7);
			TensorFlowClassifier c = RandomizedWeights.copy(ihc, ihc.variables(), 8)) {
			assertArrayEquals(a.logits(x).data(), b.logits(x).data());
			assertFalse(Arrays.equals(a.logits(x).data(), c.logits(x).data()));
			// a variable gets the same random values whichever subset it is randomised in (cascades are consistent)
			try (TensorFlowClassifier top = RandomizedWeights.copy(ihc, ihc.variables().subList(0, 2), 7)) {
				assertArrayEquals(a.variable("dense/kernel").data(), top.variable("dense/kernel").data());
				assertArrayEquals(ihc.variable("conv1/kernel").data(), top.variable("conv1/kernel").data(), "lower layers untouched");
			}
		}
	}

	/**
	 * Saliency depends on the weights: its maps on a fully randomised model rank pixels differently. How much depends on
	 * the draw: mean Spearman 0.52 with seed 42, from 0.12 to 0.44 with seeds 1 to 5 (against 1 for the model itself).
	 */
	@Test
	void saliencyOfARandomisedModelIsDifferent() {
		try (TensorFlowClassifier random = RandomizedWeights.copy(ihc, ihc.variables(), 42)) {
			MetricResult r = new SanityCheck(new Saliency()).evaluate(ihc, random, x, predicted, Progress.NONE);
			assertTrue(r.mean() < 0.6, "mean Spearman " + r.mean() + " " + Arrays.toString(r.values()));
			assertArrayEquals(ihc.logits(x).argmaxRows(), r.targets(), "both models explain the original's prediction");
			assertEquals("saliency", r.metadata().get("method"));
		}
	}

	/**
	 * Known answers of the cascade: nothing randomised gives identical maps (correlation 1); the last bias alone
	 * cannot change an input gradient (d logit / d x does not depend on it), so also 1; the last kernel does change it.
	 */
	@Test
	void emptyAndBiasOnlyRandomisationKeepTheMaps() {
		SanityCheck check = new SanityCheck(new Saliency());
		try (TensorFlowClassifier none = RandomizedWeights.copy(ihc, List.of(), 1);
			TensorFlowClassifier bias = RandomizedWeights.copy(ihc, List.of("dense/bias"), 1);
			TensorFlowClassifier kernel = RandomizedWeights.copy(ihc, List.of("dense/kernel"), 1)) {
			for (double v : check.evaluate(ihc, none, x, predicted, Progress.NONE).values()) assertEquals(1.0, v, 1e-9);
			for (double v : check.evaluate(ihc, bias, x, predicted, Progress.NONE).values()) assertEquals(1.0, v, 1e-4);
			double top = check.evaluate(ihc, kernel, x, predicted, Progress.NONE).mean();
			assertTrue(top < 0.95, "randomising the dense kernel: mean Spearman " + top);
		}
	}

	/**
	 * A constant map has no ranks: that image scores 0, stays in the mean and is counted, as in MuFidelity. The
	 * method here gives every pixel its index + 1 on the first model it explains; on the second, image 0's map is flat
	 * and the others are unchanged (correlation 1).
	 */
	@Test
	void aConstantMapScoresZeroAndIsCounted() {
		int n = 4;
		FloatTensor images = FloatTensor.zeros(n, 4, 4, 3);
		int[] calls = { 0 };
		AttributionMethod method = new AttributionMethod() {
			@Override
			public String name() {
				return "ramp";
			}

			@Override
			public org.conceptscope.attribution.Attribution explain(org.conceptscope.model.Classifier c, FloatTensor x, int[] t, Progress p) {
				boolean second = calls[0]++ > 0;
				FloatTensor m = FloatTensor.zeros(x.dim(0), 4, 4);
				for (int i = 0; i < x.dim(0); i++) {
					for (int k = 0; k < 16; k++) m.data()[i * 16 + k] = second && i == 0 ? 1 : k + 1;
				}
				return new org.conceptscope.attribution.Attribution(m, t, java.util.Map.of("method", "ramp"));
			}
		};
		MetricResult r = new SanityCheck(method).evaluate(ihc, ihc, images, new int[n], Progress.NONE);
		assertArrayEquals(new double[] { 0, 1, 1, 1 }, r.values(), 1e-12);
		assertEquals(3 / 4.0, r.mean(), 1e-12, "the flat map counts in the mean");
		assertEquals("1", r.metadata().get("undefined"));
	}

	@Test
	void spearmanIsRankBased() {
		double[] a = { 1, 2, 3, 4, 5 };
		assertEquals(1, Spearman.correlation(a, new double[] { 10, 20, 300, 4000, 50000 }), 1e-12, "any increasing transform");
		assertEquals(-1, Spearman.correlation(a, new double[] { 5, 4, 3, 2, 1 }), 1e-12);
		// ties share their mean rank: ranks (1.5, 1.5, 3) vs (1, 2, 3)
		assertEquals(Math.sqrt(3) / 2, Spearman.correlation(new double[] { 0, 0, 1 }, new double[] { 1, 2, 3 }), 1e-12);
	}

	@Test
	void cancelsAndRefusesUnknownVariables() {
		try (TensorFlowClassifier none = RandomizedWeights.copy(ihc, List.of(), 1)) {
			assertThrows(CancellationException.class,
				() -> new SanityCheck(new Saliency()).evaluate(ihc, none, x, predicted, (done, total, m) -> false));
		}
		var e = assertThrows(IllegalArgumentException.class, () -> RandomizedWeights.copy(ihc, List.of("conv9/kernel"), 1));
		assertTrue(e.getMessage().contains("conv9/kernel") && e.getMessage().contains("dense/kernel"), e.getMessage());
	}

	static double mean(double[] v) {
		return Arrays.stream(v).average().orElseThrow();
	}

	/**
	 * The cascade (Adebayo et al. section 4): one step per layer, the layer nearest the logits first, each step adding
	 * one layer to the randomised ones; its last step is the full randomisation, value for value; the maps drift away
	 * from the original's (low Spearman and SSIM at the end); progress counts up to its total.
	 */
	@Test
	void cascadeRandomisesFromTheTopAndEndsAtTheFullRandomisation() {
		List<long[]> reports = new ArrayList<>();
		SanityCheck.Layerwise c = SanityCheck.cascade(ihc, x, predicted, new Saliency(), 42, (d, t, m) -> reports.add(new long[] { d, t }));
		List<String> layers = new ArrayList<>(SanityCheck.layers(ihc.variables()).keySet());
		assertEquals(layers, c.steps().stream().map(SanityCheck.Step::layer).toList());
		assertEquals("dense", layers.get(0), "the logits' layer first: " + layers);
		assertTrue(layers.size() >= 3, "one step per layer: " + layers);
		for (int k = 0; k < layers.size(); k++) {
			List<String> above = layers.subList(0, k + 1), r = c.steps().get(k).randomized();
			assertTrue(r.stream().allMatch(v -> above.contains(v.substring(0, v.lastIndexOf('/')))), "step " + k + " randomises " + r);
			assertTrue(k == 0 || r.containsAll(c.steps().get(k - 1).randomized()), "each step adds a layer");
		}
		SanityCheck.Step last = c.steps().get(layers.size() - 1);
		assertEquals(new HashSet<>(ihc.variables()), new HashSet<>(last.randomized()));
		MetricResult full = SanityCheck.randomizing(42).evaluate(ihc, x, predicted, new Saliency(), Progress.NONE);
		assertArrayEquals(full.values(), last.spearmanAbs(), 1e-12, "the last step is the full randomisation");
		assertArrayEquals(full.values(), c.result().values(), 1e-12);
		assertEquals(Double.parseDouble(full.metadata().get("mean_ssim")), mean(last.ssim()), 1e-12);
		// seeds 1 to 5 end at mean Spearman 0.12 to 0.44 and mean SSIM 0.03 to 0.12
		assertTrue(mean(last.spearmanAbs()) < 0.6, "mean Spearman at the end " + mean(last.spearmanAbs()));
		assertTrue(mean(last.ssim()) < 0.3, "mean SSIM at the end " + mean(last.ssim()));
		assertTrue(mean(last.ssim()) < mean(c.steps().get(0).ssim()), "more randomised layers, less similar maps");
		for (SanityCheck.Step s : c.steps()) {
			for (double v : s.ssim()) assertTrue(v >= -1 && v <= 1, s.layer() + " SSIM " + v);
			assertTrue(mean(s.spearmanAbs()) < 0.95, s.layer() + ": randomising it and the layers above changes the maps");
		}
		double total = reports.get(reports.size() - 1)[1];
		double previous = -1;
		for (long[] r : reports) {
			double f = r[0] / (double) r[1];
			assertTrue(f >= previous - 1e-12 && f <= 1, "progress goes forward: " + f + " after " + previous);
			previous = f;
		}
		assertEquals(1.0, previous, 1e-12, "progress ends at its total " + total);
		// cancelled as the second layer is about to be randomised
		assertThrows(CancellationException.class, () -> SanityCheck.cascade(ihc, x, predicted, new Saliency(), 42,
			(d, t, m) -> m == null || !m.startsWith("randomising " + layers.get(1))));
	}
}
