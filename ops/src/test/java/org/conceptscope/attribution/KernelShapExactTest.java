package org.conceptscope.attribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.Test;

/**
 * Kernel SHAP on a score that is not additive in the segments, whose exact Shapley values are
 * computed here from their definition (every coalition, weights |S|! (M - |S| - 1)! / M!): when the
 * samples can hold every coalition, the method enumerates them with the exact kernel weights and
 * returns those values (Lundberg and Lee's Theorem 2), not a sampled estimate.
 */
class KernelShapExactTest {

	/**
	 * Class 0's logit from the sums c_j of the image's grid cells: c_0 c_1 + 2 max(c_2, c_3) + c_0 + (the
	 * product of the other cells' sums): interactions, so LIME-like fits and sampling are not exact.
	 */
	static final class InteractingModel extends StreamedScoresTest.LinearModel {
		final Segments cells;
		final int size;

		InteractingModel(int size, int grid) {
			super(size * size, 2, 64, 1);
			this.size = size;
			cells = Segments.grid(size, size, 1, grid);
		}

		double score(float[] x, int off) {
			double[] c = new double[cells.count()];
			for (int p = 0; p < size * size; p++) c[cells.label(p / size, p % size)] += x[off + p];
			double rest = 1;
			for (int j = 4; j < c.length; j++) rest *= c[j];
			return c[0] * c[1] + 2 * Math.max(c[2], c[3]) + c[0] + (c.length > 4 ? rest : 0);
		}

		@Override
		public synchronized FloatTensor logits(FloatTensor images) {
			int n = (int) images.dim(0), per = images.stride0();
			float[] out = new float[n * 2];
			for (int i = 0; i < n; i++) out[i * 2] = (float) score(images.data(), i * per);
			return new FloatTensor(new long[] { n, 2 }, out);
		}
	}

	/** Exact Shapley values of the cells: the score with the cells outside S set to 0 (the replacement). */
	static double[] shapley(InteractingModel model, float[] image, int size) {
		int m = model.cells.count();
		double[] v = new double[1 << m];
		for (int s = 0; s < 1 << m; s++) {
			float[] copy = image.clone();
			for (int p = 0; p < size * size; p++) if ((s >>> model.cells.label(p / size, p % size) & 1) == 0) copy[p] = 0;
			v[s] = model.score(copy, 0);
		}
		double[] phi = new double[m];
		for (int j = 0; j < m; j++) {
			for (int s = 0; s < 1 << m; s++) {
				if ((s >>> j & 1) != 0) continue;
				int k = Integer.bitCount(s);
				phi[j] += factorial(k) * factorial(m - k - 1) / factorial(m) * (v[s | 1 << j] - v[s]);
			}
		}
		return phi;
	}

	static double factorial(int k) {
		double f = 1;
		for (int i = 2; i <= k; i++) f *= i;
		return f;
	}

	@Test
	void enumeratedCoalitionsGiveTheExactShapleyValuesOfANonAdditiveScore() {
		// 2 x 2 cells (4 segments, 16 coalitions) and 3 x 3 cells (9 segments, 512 coalitions), within the default 800 samples
		for (int grid : new int[] { 2, 3 }) {
			int size = 6;
			InteractingModel model = new InteractingModel(size, grid);
			FloatTensor x = StreamedScoresTest.images(2, size, 1, 30 + grid);
			FloatTensor maps = new KernelShap(KernelShap.DEFAULT_SAMPLES, Segmentation.grid(grid), MaskedImage.constant(0), 3)
				.explain(model, x, new int[] { 0, 0 }, Progress.NONE).maps();
			for (int i = 0; i < 2; i++) {
				double[] phi = shapley(model, x.slice(i).data(), size);
				double largest = 0;
				for (double p : phi) largest = Math.max(largest, Math.abs(p));
				for (int p = 0; p < size * size; p++) {
					int cell = model.cells.label(p / size, p % size);
					assertEquals(phi[cell], maps.get(i, p / size, p % size), 1e-5 * largest, "grid " + grid + ", image " + i + ", cell " + cell);
				}
			}
		}
	}

	@Test
	void coalitionsAreEnumeratedOnlyWhenTheyAllFitInTheSamples() {
		assertTrue(KernelShap.enumerates(9, 800));
		assertFalse(KernelShap.enumerates(10, 800));
		assertTrue(KernelShap.enumerates(4, 16));
		assertFalse(KernelShap.enumerates(4, 15));
		assertFalse(KernelShap.enumerates(64, Integer.MAX_VALUE));
		// every coalition once, the endpoints first; the rest repeat the image with weight 0
		KernelShap ks = new KernelShap(20, Segmentation.grid(2), MaskedImage.constant(0), 1);
		boolean[][] z = new boolean[20][4];
		for (int j = 0; j < 20; j++) ks.draw(j, new java.util.SplittableRandom(j), z[j]);
		java.util.Set<String> seen = new java.util.HashSet<>();
		for (int j = 0; j < 16; j++) assertTrue(seen.add(java.util.Arrays.toString(z[j])), "coalition " + j + " once");
		double[] w = ks.weights(z, null);
		assertEquals(KernelShap.ENDPOINT_WEIGHT, w[0]);
		assertEquals(KernelShap.ENDPOINT_WEIGHT, w[1]);
		for (int j = 0; j < 4; j++) {
			assertTrue(z[0][j]);
			assertFalse(z[1][j]);
		}
		for (int j = 2; j < 16; j++) {
			int k = 0;
			for (boolean b : z[j]) if (b) k++;
			double choose = factorial(4) / (factorial(k) * factorial(4 - k));
			assertEquals(3 / (choose * k * (4 - k)), w[j], 1e-15, "coalition " + j);
		}
		for (int j = 16; j < 20; j++) assertEquals(0, w[j]);
	}

	/**
	 * When every coalition fits in the samples, the samples past the 2^m coalitions repeat the image
	 * with weight 0: they are not scored (at grid 3 and 800 samples, 512 model passes per image, not
	 * 800), and the maps are those of a run whose samples are exactly the 2^m coalitions, to the bit
	 * (weight-0 rows add nothing to the fit). With SLIC the segment count, so the passes, vary per image
	 * in one call; each image's map is that of explaining it alone with 2^m samples.
	 */
	@Test
	void samplesPastTheEnumeratedCoalitionsAreNotScored() {
		FloatTensor x = StreamedScoresTest.images(3, 12, 1, 7);
		int[] targets = { 0, 1, 0 };
		StreamedScoresTest.LinearModel model = new StreamedScoresTest.LinearModel(144, 2, 64, 1);
		Attribution all = new KernelShap(800, Segmentation.grid(3), MaskedImage.constant(0), 5).explain(model, x, targets, Progress.NONE);
		assertEquals(3 * 512, model.calls.stream().mapToInt(Integer::intValue).sum(), "copies scored: " + model.calls);
		assertEquals("800", all.metadata().get("samples"));
		model.calls.clear();
		FloatTensor exact = new KernelShap(512, Segmentation.grid(3), MaskedImage.constant(0), 5).explain(model, x, targets, Progress.NONE).maps();
		org.junit.jupiter.api.Assertions.assertArrayEquals(exact.data(), all.maps().data());
		// not enumerated (2^9 > 100 samples): every sample is scored
		model.calls.clear();
		new KernelShap(100, Segmentation.grid(3), MaskedImage.constant(0), 5).explain(model, x, targets, Progress.NONE);
		assertEquals(3 * 100, model.calls.stream().mapToInt(Integer::intValue).sum());
		// SLIC: a segment count per image (as many here; PerturbedScoresCountsTest varies the count per image)
		model.calls.clear();
		Attribution slic = new KernelShap(800, Segmentation.slic(6, 10), MaskedImage.constant(0), 5).explain(model, x, targets, Progress.NONE);
		int scored = model.calls.stream().mapToInt(Integer::intValue).sum();
		String[] counts = slic.metadata().get("segments").replaceAll("[\\[\\] ]", "").split(",");
		int want = 0;
		java.util.Set<Integer> distinct = new java.util.HashSet<>();
		for (int i = 0; i < 3; i++) {
			int m = Integer.parseInt(counts[i]);
			distinct.add(m);
			int needed = KernelShap.enumerates(m, 800) ? 1 << m : 800;
			want += needed;
			FloatTensor alone = new KernelShap(needed, Segmentation.slic(6, 10), MaskedImage.constant(0), 5)
				.explain(model, x.slice(i), new int[] { targets[i] }, Progress.NONE).maps();
			float[] got = java.util.Arrays.copyOfRange(slic.maps().data(), i * 144, (i + 1) * 144);
			org.junit.jupiter.api.Assertions.assertArrayEquals(alone.data(), got, "image " + i);
		}
		assertEquals(want, scored, "copies scored for segment counts " + java.util.Arrays.toString(counts));
		System.out.println("KernelShap SLIC segment counts " + distinct + ", copies scored " + scored);
	}

	/** Fewer samples than segments + 2 leave the Shapley regression underdetermined: one sentence, before any copy is scored. */
	@Test
	void tooFewSamplesForTheSegmentsAreRefused() {
		FloatTensor x = StreamedScoresTest.images(2, 16, 1, 5);
		StreamedScoresTest.LinearModel model = new StreamedScoresTest.LinearModel(256, 3, 64, 1);
		IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
			() -> new KernelShap(65, Segmentation.grid(8), MaskedImage.constant(0), 1).explain(model, x, new int[] { 0, 1 }, Progress.NONE));
		assertEquals("Kernel SHAP has 65 samples for an image of 64 segments: its regression needs at least segments + 2 = 66 samples, better ten"
			+ " times the segments; give more samples or fewer segments (a smaller grid, fewer superpixels).", e.getMessage());
		assertTrue(model.calls.isEmpty(), "no copy scored: " + model.calls);
		// 66 samples are taken, and the values add up to the score drop (efficiency)
		FloatTensor maps = new KernelShap(66, Segmentation.grid(8), MaskedImage.constant(0), 1).explain(model, x, new int[] { 0, 1 }, Progress.NONE)
			.maps();
		for (int i = 0; i < 2; i++) {
			double sum = 0, drop = 0;
			for (int y = 0; y < 16; y += 2) for (int xx = 0; xx < 16; xx += 2) sum += maps.get(i, y, xx);
			for (int q = 0; q < 256; q++) drop += (double) model.weights[i][q] * x.get(i, q / 16, q % 16, 0);
			assertEquals(drop, sum, 1e-3 * Math.abs(drop) + 1e-4, "image " + i);
		}
	}

	/**
	 * A sentence thrown while the copies are made (on a pool thread) reaches the caller as thrown: ForkJoinTask.get()
	 * rethrows another thread's exception as a copy wrapping it, whose message starts "java.lang.IllegalArgumentException: ".
	 */
	@Test
	void aSentenceThrownWhileMakingCopiesComesBackAsThrown() {
		FloatTensor x = StreamedScoresTest.images(1, 8, 1, 5);
		for (int k = 0; k < 50; k++) {
			IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
				() -> PerturbedScores.stream(new StreamedScoresTest.LinearModel(64, 2, 4, 1), TargetScore.LOGIT, x, new int[] { 0 }, 8, i -> {
					throw new IllegalArgumentException("One sentence.");
				}, Progress.NONE, "test"));
			assertEquals("One sentence.", e.getMessage(), "try " + k);
		}
	}
}
