package org.conceptscope.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.concurrent.CancellationException;

import org.conceptscope.attribution.Attribution;
import org.conceptscope.attribution.TargetScore;
import org.conceptscope.attribution.AttributionMethod;
import org.conceptscope.attribution.GradientTimesInput;
import org.conceptscope.model.BundledModels;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Limits;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** MuFidelity: exact on the linear known-answer model, informative on the real IHC model, seeded. */
class MuFidelityTest {

	static TensorFlowClassifier known, ihc;
	static final int[] TARGETS = { 0, 1, 1, 0 };

	@BeforeAll
	static void load() {
		known = TensorFlowClassifier.load(BundledModels.dir("known-answer"));
		ihc = TensorFlowClassifier.load(BundledModels.dir("ihc-stain"));
	}

	@AfterAll
	static void close() {
		known.close();
		ihc.close();
	}

	/**
	 * logit k is linear: setting a subset S to 0 drops it by the sum of x over S inside R_k, which is the sum of the
	 * exact map (x inside R_k) over S. The correlation is 1 up to float rounding; a random map's is not.
	 */
	@Test
	void exactMapOfALinearModelCorrelatesPerfectly() {
		FloatTensor x = KnownAnswer.images(TARGETS, 1);
		Attribution exact = KnownAnswer.maps(x, TARGETS, true, false, 2, "exact");
		MuFidelity mu = new MuFidelity(8, 0.2, 64, 0f, 3, TargetScore.LOGIT);
		MetricResult good = mu.evaluate(known, x, exact, Progress.NONE);
		MetricResult random = mu.evaluate(known, x, KnownAnswer.random(4, 32, 32, TARGETS, 4), Progress.NONE);
		for (int i = 0; i < TARGETS.length; i++) {
			assertTrue(good.values()[i] > 0.99, "image " + i + ": " + good.values()[i]);
			assertTrue(random.values()[i] < 0.6, "image " + i + ": random map " + random.values()[i]);
		}
		assertTrue(random.mean() < 0.5 && good.mean() > 0.99, "exact " + good.mean() + ", random " + random.mean());
		assertEquals("logit", good.metadata().get("score"));
		assertEquals("3", good.metadata().get("seed"));
	}

	/**
	 * A baseline that makes the linear model's logits overflow gives infinite score drops: refused in one
	 * sentence (their ranks gave a finite, meaningless correlation).
	 */
	@Test
	void infiniteScoreDropsAreRefused() {
		FloatTensor x = KnownAnswer.images(TARGETS, 1);
		Attribution exact = KnownAnswer.maps(x, TARGETS, true, false, 2, "exact");
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
			() -> new MuFidelity(8, 0.2, 16, 3e38f, 3, TargetScore.LOGIT).evaluate(known, x, exact, Progress.NONE));
		assertTrue(e.getMessage().startsWith("The model gives NaN or infinite scores for image 1 with cells set to the baseline 3.0E38"), e.getMessage());
	}

	/** On 16 held-out IHC patches, Gradient x Input (relative to the same zero baseline) beats a random map clearly. */
	@Test
	void gradientTimesInputBeatsRandomOnRealPatches() {
		FloatTensor x = IhcPatches.load(16);
		int[] predicted = new int[16];
		Arrays.fill(predicted, AttributionMethod.PREDICTED);
		Attribution gxi = new GradientTimesInput().explain(ihc, x, predicted, Progress.NONE);
		MuFidelity mu = new MuFidelity(8, 0.2, 64, 0f, 5, TargetScore.LOGIT);
		double g = mu.evaluate(ihc, x, gxi, Progress.NONE).mean();
		double r = mu.evaluate(ihc, x, KnownAnswer.random(16, 32, 32, gxi.targets(), 6), Progress.NONE).mean();
		assertTrue(g > r + 0.3, "MuFidelity: gradient x input " + g + ", random " + r);
	}

	@Test
	void sameSeedSameValuesOtherSeedOtherValues() {
		FloatTensor x = IhcPatches.load(3);
		Attribution gxi = new GradientTimesInput().explain(ihc, x, new int[] { 0, 1, 2 }, Progress.NONE);
		double[] a = new MuFidelity(6, 0.3, 20, 0f, 11, TargetScore.PROBABILITY).evaluate(ihc, x, gxi, Progress.NONE).values();
		double[] b = new MuFidelity(6, 0.3, 20, 0f, 11, TargetScore.PROBABILITY).evaluate(ihc, x, gxi, Progress.NONE).values();
		double[] c = new MuFidelity(6, 0.3, 20, 0f, 12, TargetScore.PROBABILITY).evaluate(ihc, x, gxi, Progress.NONE).values();
		assertArrayEquals(a, b);
		assertFalse(Arrays.equals(a, c));
	}

	@Test
	void subsetsRemoveTheRequestedNumberOfCells() {
		boolean[][] masks = GridSubsets.masks(4, 8, 8, 3, 10, 1);
		for (boolean[] m : masks) {
			int count = 0;
			for (boolean b : m) if (b) count++;
			assertEquals(3 * 4, count, "3 cells of 2x2 pixels");
		}
		assertTrue(Double.isNaN(Pearson.correlation(new double[] { 1, 1, 1 }, new double[] { 1, 2, 3 })), "constant series: undefined");
		assertEquals(-1, Pearson.correlation(new double[] { 1, 2, 3 }, new double[] { 6, 4, 2 }), 1e-12);
	}

	@Test
	void cancelsAndRefusesBadParameters() {
		FloatTensor x = KnownAnswer.images(TARGETS, 7);
		Attribution exact = KnownAnswer.maps(x, TARGETS, true, false, 8, "exact");
		assertThrows(CancellationException.class,
			() -> new MuFidelity(8, 0.2, 64, 0f, 1, TargetScore.LOGIT).evaluate(known, x, exact, (done, total, m) -> done < 100));
		assertThrows(IllegalArgumentException.class, () -> new MuFidelity(1, 0.2, 64, 0f, 1, TargetScore.LOGIT));
		assertThrows(IllegalArgumentException.class, () -> new MuFidelity(8, 1.0, 64, 0f, 1, TargetScore.LOGIT));
		assertThrows(IllegalArgumentException.class, () -> new MuFidelity(8, 0.2, 1, 0f, 1, TargetScore.LOGIT));
		var e = assertThrows(IllegalArgumentException.class,
			() -> new MuFidelity(33, 0.2, 8, 0f, 1, TargetScore.LOGIT).evaluate(known, x, exact, Progress.NONE));
		assertTrue(e.getMessage().contains("MuFidelity's grid=33 does not fit the model's input of 32 x 32 pixels") && e.getMessage().contains("give grid=32 or less"),
			e.getMessage());
		var big = assertThrows(IllegalArgumentException.class, () -> new MuFidelity(Limits.MAX_GRID + 1, 0.2, 8, 0f, 1, TargetScore.LOGIT));
		assertTrue(big.getMessage().contains("MuFidelity: grid=" + (Limits.MAX_GRID + 1)), big.getMessage());
	}
}
