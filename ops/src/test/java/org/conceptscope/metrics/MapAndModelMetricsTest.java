package org.conceptscope.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Map;
import java.util.Random;

import org.conceptscope.attribution.Attribution;
import org.conceptscope.attribution.GradientTimesInput;
import org.conceptscope.attribution.RandomBaseline;
import org.conceptscope.attribution.Saliency;
import org.conceptscope.model.BundledModels;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Complexity, Sparseness, Average Drop, Increase in Confidence, Average Stability and Random Logit
 * against their definitions computed independently, on maps and on the known-answer model
 * (logit k = sum over R_k, so every score of a masked or noisy image is known exactly).
 */
class MapAndModelMetricsTest {

	static TensorFlowClassifier known;
	static final int[] TARGETS = { 0, 1, 1 };

	@BeforeAll
	static void load() {
		known = TensorFlowClassifier.load(BundledModels.dir("known-answer"));
	}

	@AfterAll
	static void close() {
		known.close();
	}

	static Attribution maps(float[][] perImage, int h, int w) {
		float[] d = new float[perImage.length * h * w];
		for (int i = 0; i < perImage.length; i++) System.arraycopy(perImage[i], 0, d, i * h * w, h * w);
		int[] t = new int[perImage.length];
		return new Attribution(new FloatTensor(new long[] { perImage.length, h, w }, d), t, Map.of("method", "test"));
	}

	@Test
	void complexityIsTheEntropyOfTheNormalisedMap() {
		float[] uniform = new float[64], single = new float[64], two = new float[64];
		Arrays.fill(uniform, -0.3f); // the absolute value counts
		single[17] = 5;
		two[3] = 1;
		two[9] = -3;
		MetricResult r = new MapStatistics(MapStatistics.Kind.COMPLEXITY).evaluate(maps(new float[][] { uniform, single, two }, 8, 8));
		assertEquals(Math.log(64), r.values()[0], 1e-9);
		assertEquals(0, r.values()[1], 1e-12);
		assertEquals(-(0.25 * Math.log(0.25) + 0.75 * Math.log(0.75)), r.values()[2], 1e-9);
	}

	/** The Gini index by its other definition: the mean absolute difference over all pairs, divided by twice the mean. */
	@Test
	void sparsenessIsTheGiniIndex() {
		Random rnd = new Random(5);
		float[][] m = new float[4][100];
		for (float[] row : m) for (int p = 0; p < row.length; p++) row[p] = (float) (rnd.nextGaussian() * (rnd.nextDouble() < 0.2 ? 5 : 0.2));
		Arrays.fill(m[3], 0);
		m[3][42] = 2;
		MetricResult r = new MapStatistics(MapStatistics.Kind.SPARSENESS).evaluate(maps(m, 10, 10));
		for (int i = 0; i < 3; i++) {
			double sum = 0, pairs = 0;
			for (float a : m[i]) {
				sum += Math.abs(a);
				for (float b : m[i]) pairs += Math.abs(Math.abs(a) - Math.abs(b));
			}
			double mean = sum / 100;
			assertEquals(pairs / (2.0 * 100 * 100 * mean), r.values()[i], 1e-6, "map " + i);
		}
		assertEquals(99 / 100.0, r.values()[3], 1e-9);
	}

	static double softmaxOf(double target, double other) {
		return 1 / (1 + Math.exp(other - target));
	}

	static double sumIn(FloatTensor x, int i, int k, float[] mask) {
		double s = 0;
		for (int y = 0; y < 32; y++) {
			for (int xx = 0; xx < 32; xx++) if (KnownAnswer.inside(k, xx, y)) s += x.get(i, y, xx, 0) * (mask == null ? 1 : mask[y * 32 + xx]);
		}
		return s;
	}

	/**
	 * The exact map (1 on R_t) keeps R_t and blanks the rest, so the target probability can only
	 * rise: drop 0, increase 1. The map of the other square keeps the wrong evidence: the target's
	 * logit falls to 0, and the drop is (p - p') / p with both probabilities from region sums.
	 */
	@Test
	void averageDropAndIncreaseFollowTheMaskedScores() {
		// dimmed so that the probabilities do not saturate at 1 in float32
		FloatTensor x = KnownAnswer.images(TARGETS, 4);
		for (int i = 0; i < x.size(); i++) x.data()[i] *= 0.05f;
		Attribution exact = KnownAnswer.maps(x, TARGETS, false, false, 1, "exact");
		int[] wrong = { 1, 0, 0 };
		Attribution other = new Attribution(KnownAnswer.maps(x, wrong, false, false, 1, "other").maps(), TARGETS, Map.of("method", "other"));
		MaskedConfidence drop = new MaskedConfidence(MaskedConfidence.Kind.AVERAGE_DROP);
		MaskedConfidence increase = new MaskedConfidence(MaskedConfidence.Kind.INCREASE_IN_CONFIDENCE);
		MetricResult goodDrop = drop.evaluate(known, x, exact, Progress.NONE), badDrop = drop.evaluate(known, x, other, Progress.NONE);
		MetricResult goodInc = increase.evaluate(known, x, exact, Progress.NONE), badInc = increase.evaluate(known, x, other, Progress.NONE);
		for (int i = 0; i < TARGETS.length; i++) {
			int t = TARGETS[i], o = 1 - t;
			double p = softmaxOf(sumIn(x, i, t, null), sumIn(x, i, o, null));
			double pKept = softmaxOf(sumIn(x, i, t, null), 0), pWrong = softmaxOf(0, sumIn(x, i, o, null));
			assertTrue(pKept > p && p < 0.99, "p " + p + ", kept " + pKept);
			assertEquals(0, goodDrop.values()[i], 1e-9);
			assertEquals(1, goodInc.values()[i]);
			assertEquals((p - pWrong) / p, badDrop.values()[i], 1e-5, "image " + i);
			assertEquals(0, badInc.values()[i]);
		}
		assertEquals(Arrays.stream(badDrop.values()).average().orElseThrow(), badDrop.mean(), 1e-12);
	}

	/**
	 * A target probability of exactly 0 (the other class's logit 320 above it underflows the softmax)
	 * gives the drop 0, as Xplique's ReLU(Y - O) / (Y + 1e-8), not NaN: whether the map keeps the
	 * target's region (O = 0.5 > Y) or the other one (O = 0 = Y). A third image with Y > 0 still gets
	 * the paper's (Y - O) / Y of the closed-form probabilities.
	 */
	@Test
	void averageDropIsZeroWhenTheTargetProbabilityIsZero() {
		int[] targets = { 0, 0, 0 };
		FloatTensor x = new FloatTensor(new long[] { 3, 32, 32, 1 }, new float[3 * 32 * 32]);
		float[] m = new float[3 * 32 * 32];
		for (int y = 0; y < 32; y++) {
			for (int xx = 0; xx < 32; xx++) {
				boolean r0 = KnownAnswer.inside(0, xx, y), r1 = KnownAnswer.inside(1, xx, y);
				x.set(r1 ? 5f : 0f, 0, y, xx, 0);
				x.set(r1 ? 5f : 0f, 1, y, xx, 0);
				x.set(r0 ? 0.05f : r1 ? 0.03f : 0f, 2, y, xx, 0);
				m[y * 32 + xx] = r0 ? 1 : 0; // image 0: keeps R_0, blanks R_1
				m[32 * 32 + y * 32 + xx] = r1 ? 1 : 0; // image 1: keeps R_1
				m[2 * 32 * 32 + y * 32 + xx] = r1 ? 1 : 0; // image 2: keeps R_1, blanks R_0
			}
		}
		FloatTensor p = known.probabilities(x);
		assertEquals(0f, p.get(0, 0), 0f, "the target probability underflows to 0");
		assertEquals(0f, p.get(1, 0), 0f);
		Attribution a = new Attribution(new FloatTensor(new long[] { 3, 32, 32 }, m), targets, Map.of("method", "test"));
		MetricResult r = new MaskedConfidence(MaskedConfidence.Kind.AVERAGE_DROP).evaluate(known, x, a, Progress.NONE);
		assertEquals(0, r.values()[0], 0, "Y = 0 < O = 0.5");
		assertEquals(0, r.values()[1], 0, "Y = O = 0");
		double y = softmaxOf(64 * 0.05f, 64 * 0.03f), o = softmaxOf(0, 64 * 0.03f);
		assertTrue(y > 0.5 && y < 0.99 && o > 0.05 && o < y, "Y " + y + ", O " + o);
		assertEquals((y - o) / y, r.values()[2], 1e-5);
		assertEquals((0 + 0 + (y - o) / y) / 3, r.mean(), 1e-5, "all three images count in the mean");
	}

	/** Xplique's mask: |map| scaled to [0, 1] per image. */
	@Test
	void theMaskIsTheAbsoluteMapScaledPerImage() {
		float[] m = MaskedConfidence.masks(new FloatTensor(new long[] { 2, 1, 3 }, new float[] { -2, 1, 0.5f, 3, 3, 3 }));
		assertEquals(1f, m[0], 1e-7f);
		assertEquals((1 - 0.5f) / 1.5f, m[1], 1e-7f);
		assertEquals(0f, m[2], 1e-7f);
		assertEquals(0f, m[3], 0f); // a constant map masks everything
	}

	/**
	 * Saliency of the known-answer model is the indicator of R_t wherever the pixel is positive, and
	 * noise in [0, radius) keeps positive pixels positive: every neighbour has the same map, stability
	 * 0. Gradient x Input is x on R_t, so a neighbour's map differs by the noise on R_t: the L2
	 * distance is the norm of the noise over R_t, averaged over the neighbours.
	 */
	@Test
	void averageStabilityIsTheMeanDistanceToTheNeighboursMaps() {
		FloatTensor x = KnownAnswer.images(TARGETS, 7);
		AverageStability stability = new AverageStability(0.1, 6, AverageStability.Distance.L2, 3);
		Attribution sal = new Saliency().explain(known, x, TARGETS, Progress.NONE);
		MetricResult flat = stability.evaluate(known, x, sal, new Saliency(), Progress.NONE);
		for (double v : flat.values()) assertEquals(0, v, 1e-9);
		Attribution gxi = new GradientTimesInput().explain(known, x, TARGETS, Progress.NONE);
		MetricResult moved = stability.evaluate(known, x, gxi, new GradientTimesInput(), Progress.NONE);
		for (int i = 0; i < TARGETS.length; i++) {
			double want = 0;
			for (int s = 0; s < 6; s++) {
				float[] noise = stability.noise(s, 1024);
				double d = 0;
				for (int p = 0; p < 1024; p++) if (KnownAnswer.inside(TARGETS[i], p % 32, p / 32)) d += noise[p] * noise[p];
				want += Math.sqrt(d);
			}
			assertEquals(want / 6, moved.values()[i], 1e-4, "image " + i);
			// 64 values uniform in [0, 0.1): about sqrt(64 * 0.01 / 3) = 0.46
			assertEquals(Math.sqrt(64 * 0.01 / 3), moved.values()[i], 0.05);
		}
	}

	/**
	 * The neighbours' explanation reports its share of the count and stops when asked: a method that reports after each
	 * of its images, 4 neighbours of 3 images, so image i's neighbour k is count i * 4 + k + 1 of 12; stopped at count 2,
	 * within the first image's neighbours.
	 */
	@Test
	void averageStabilityReportsAndStopsWithinAnImagesNeighbours() {
		FloatTensor x = KnownAnswer.images(TARGETS, 7);
		java.util.List<Long> explained = new java.util.ArrayList<>();
		org.conceptscope.attribution.AttributionMethod slow = new org.conceptscope.attribution.AttributionMethod() {
			@Override
			public String name() {
				return "slow";
			}

			@Override
			public Attribution explain(org.conceptscope.model.Classifier c, FloatTensor images, int[] targets, Progress progress) {
				int n = (int) images.dim(0);
				for (int i = 0; i < n; i++) {
					explained.add((long) i);
					if (!progress.report(i + 1, n, "slow")) throw new java.util.concurrent.CancellationException("slow cancelled");
				}
				return new Attribution(FloatTensor.zeros(n, 32, 32), targets, Map.of("method", "slow"));
			}
		};
		AverageStability stability = new AverageStability(0.1, 4, AverageStability.Distance.L2, 3);
		Attribution maps = slow.explain(known, x, TARGETS, Progress.NONE);
		explained.clear();
		java.util.List<String> reports = new java.util.ArrayList<>();
		stability.evaluate(known, x, maps, slow, (d, t, m) -> reports.add(d + "/" + t) || true);
		java.util.List<String> want = new java.util.ArrayList<>();
		for (int i = 0; i < 3; i++) {
			for (int k = 1; k <= 4; k++) want.add((i * 4 + k) + "/12");
			want.add((i * 4 + 4) + "/12"); // the image's own report after its distances
		}
		assertEquals(want, reports);
		explained.clear();
		reports.clear();
		assertThrows(java.util.concurrent.CancellationException.class,
			() -> stability.evaluate(known, x, maps, slow, (d, t, m) -> reports.add(d + "/" + t) && d < 2));
		assertEquals(java.util.List.of("1/12", "2/12"), reports);
		assertEquals(2, explained.size(), "stopped after the first image's second neighbour");
	}

	/**
	 * A neighbour's map with NaN has no distance: the image would drop out of the mean unseen (its
	 * value NaN, FiniteMean skipping it). Refused in one sentence naming the neighbour and the image.
	 */
	@Test
	void averageStabilityRefusesANaNMapOfANeighbour() {
		FloatTensor x = KnownAnswer.images(TARGETS, 7);
		Attribution sal = new Saliency().explain(known, x, TARGETS, Progress.NONE);
		org.conceptscope.attribution.AttributionMethod nanForNoisyInputs = new org.conceptscope.attribution.AttributionMethod() {
			@Override
			public String name() {
				return "fragile";
			}

			@Override
			public Attribution explain(org.conceptscope.model.Classifier c, FloatTensor images, int[] targets, Progress progress) {
				FloatTensor m = new Saliency().explain(c, images, targets, progress).maps();
				float[] d = m.data().clone();
				d[2 * 1024 + 5] = Float.NaN; // neighbour 2
				return new Attribution(new FloatTensor(m.shape(), d), targets, Map.of("method", "fragile"));
			}
		};
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new AverageStability(0.1, 4,
			AverageStability.Distance.L2, 3).evaluate(known, x, sal, nanForNoisyInputs, Progress.NONE));
		assertEquals("The fragile map of noisy neighbour 2 of image 0 contains NaN or infinite values, so its distance to the image's map"
			+ " is undefined: check the model's outputs on inputs with noise up to radius 0.1 (normalised units), or use a smaller radius.",
			e.getMessage());
	}

	/** Saliency's map for the other class is the other square: SSIM well below 1; a class-blind map scores exactly 1. */
	@Test
	void randomLogitSeparatesClassSpecificMaps() {
		FloatTensor x = KnownAnswer.images(TARGETS, 9);
		RandomLogit rl = new RandomLogit(1);
		int[] others = rl.otherClasses(TARGETS, 2);
		for (int i = 0; i < TARGETS.length; i++) assertEquals(1 - TARGETS[i], others[i]);
		MetricResult sal = rl.evaluate(known, x, new Saliency().explain(known, x, TARGETS, Progress.NONE), new Saliency(), Progress.NONE);
		RandomBaseline blind = new RandomBaseline(4);
		MetricResult rnd = rl.evaluate(known, x, blind.explain(known, x, TARGETS, Progress.NONE), blind, Progress.NONE);
		for (int i = 0; i < TARGETS.length; i++) {
			assertTrue(sal.values()[i] < 0.5, "saliency SSIM " + sal.values()[i]);
			assertEquals(1, rnd.values()[i], 1e-9);
		}
		// other classes are uniform over the rest
		int[] many = new RandomLogit(2).otherClasses(new int[3000], 4);
		int[] counts = new int[4];
		for (int k : many) counts[k]++;
		assertEquals(0, counts[0]);
		for (int k = 1; k < 4; k++) assertEquals(1000, counts[k], 4 * Math.sqrt(3000 * (1 / 3.0) * (2 / 3.0)));
	}

	/** A method whose map of the other class holds NaN is refused (its SSIM would drop out of the mean without a word). */
	@Test
	void randomLogitRefusesANaNMapOfTheOtherClass() {
		FloatTensor x = KnownAnswer.images(TARGETS, 9);
		org.conceptscope.attribution.AttributionMethod nanForOthers = new org.conceptscope.attribution.AttributionMethod() {
			@Override
			public String name() {
				return "nan_for_others";
			}

			@Override
			public Attribution explain(org.conceptscope.model.Classifier c, FloatTensor images, int[] targets, Progress progress) {
				FloatTensor m = FloatTensor.zeros(images.dim(0), 32, 32);
				for (int i = 0; i < m.size(); i++) m.data()[i] = i % 7;
				m.data()[1024 + 5] = Float.NaN; // image 1's map
				return new Attribution(m, targets, Map.of("method", "nan_for_others"));
			}
		};
		FloatTensor finite = FloatTensor.zeros(3, 32, 32);
		for (int i = 0; i < finite.size(); i++) finite.data()[i] = i % 5;
		Attribution mine = new Attribution(finite, TARGETS, Map.of("method", "nan_for_others"));
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
			() -> new RandomLogit(1).evaluate(known, x, mine, nanForOthers, Progress.NONE));
		assertEquals("Attribution map 1 (of the other class drawn for that image) contains NaN or infinite values; its similarity with the"
			+ " target's map is undefined (check the model's outputs for that class).", e.getMessage());
	}

	/** SSIM of two constant images has a closed form: the luminance term alone. */
	@Test
	void ssimOfConstantImagesIsTheLuminanceTerm() {
		float[] a = new float[16 * 16], b = new float[16 * 16];
		Arrays.fill(a, 2);
		Arrays.fill(b, 5);
		double c1 = Math.pow(0.01 * 3, 2);
		assertEquals((2 * 2 * 5 + c1) / (4 + 25 + c1), Ssim.of(a, b, 16, 16), 1e-9);
		Random r = new Random(1);
		for (int p = 0; p < a.length; p++) a[p] = r.nextFloat();
		assertEquals(1, Ssim.of(a, a.clone(), 16, 16), 1e-9);
		assertEquals(1, Ssim.of(b, b.clone(), 16, 16), 0);
	}

	/**
	 * The structure term too: SSIM of two textured maps against an independent re-implementation of
	 * tf.image.ssim (numpy and scipy's correlate2d, valid window, 2-D softmax Gaussian, c2 uncompensated),
	 * on a map wider than the 11 x 11 window and on one that narrows it to 5 x 5.
	 */
	@Test
	void ssimOfTexturedMapsMatchesTensorFlowsDefinition() {
		int[][] sizes = { { 13, 17 }, { 8, 6 } };
		double[] want = { 0.17751930295848217, 0.027601644575409822 };
		for (int k = 0; k < 2; k++) {
			int h = sizes[k][0], w = sizes[k][1];
			float[] a = new float[h * w], b = new float[h * w];
			for (int p = 0; p < a.length; p++) {
				a[p] = (float) Math.sin(p * 0.37);
				b[p] = (float) (Math.cos(p * 0.11) + 0.5 * Math.sin(p * 0.37));
			}
			assertEquals(want[k], Ssim.of(a, b, h, w), 1e-6, h + " x " + w);
		}
	}
}
