package org.conceptscope.attribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;

import org.conceptscope.model.BundledModels;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.tensor.GridUpsampling;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Grid methods as Xplique computes them (issue 19): the per-cell indices are upsampled
 * by interpolation (bilinear by default, bicubic as Xplique on request), so a map holds far more distinct values than cells; HSIC uses Xplique's binary
 * estimator and its output-kernel width (the median of the scores), checked against the
 * estimator written out with full matrices.
 */
class GridMethodsFidelityTest {

	static TensorFlowClassifier model;

	@BeforeAll
	static void load() {
		model = TensorFlowClassifier.load(BundledModels.dir("known-answer"));
	}

	@AfterAll
	static void close() {
		model.close();
	}

	/** The known-answer model's image with bright evidence in R_1 (as in KnownAnswerMethodsTest). */
	static FloatTensor evidenceImage() {
		Random r = new Random(3);
		FloatTensor image = FloatTensor.zeros(1, 32, 32, 1);
		for (int y = 0; y < 32; y++) {
			for (int x = 0; x < 32; x++) image.set(0.05f * r.nextFloat() + (KnownAnswerSaliencyTest.inside(1, x, y) ? 0.9f : 0f), 0, y, x, 0);
		}
		return image;
	}

	static int distinct(FloatTensor maps) {
		Set<Float> values = new HashSet<>();
		for (float v : maps.data()) values.add(v);
		return values.size();
	}

	/** On a real IHC patch with the IHC model (every cell matters a little), as the done-criterion states it. */
	@Test
	void sobolAndHsicMapsAtGrid8On32PixelsHoldMoreThan256Values() {
		try (TensorFlowClassifier ihc = TensorFlowClassifier.load(BundledModels.dir("ihc-stain"))) {
			FloatTensor patch = org.conceptscope.metrics.IhcPatches.load(1);
			int[] t = { AttributionMethod.PREDICTED };
			Attribution sobol = new SobolAttribution(8, 32, MaskedImage.constant(0), false, 1).explain(ihc, patch, t, Progress.NONE);
			Attribution hsic = new HsicAttribution(8, 64, MaskedImage.constant(0), 1).explain(ihc, patch, t, Progress.NONE);
			assertTrue(distinct(sobol.maps()) > 256, "Sobol map values: " + distinct(sobol.maps()));
			assertTrue(distinct(hsic.maps()) > 256, "HSIC map values: " + distinct(hsic.maps()));
			// the default is Xplique's: bicubic for both methods (GSA base explainer: tf.image.resize, method BICUBIC)
			assertEquals("bicubic", sobol.metadata().get("upsampling"));
			assertEquals("bicubic", hsic.metadata().get("upsampling"));
			Attribution bilinear = new SobolAttribution(8, 32, MaskedImage.constant(0), false, 1, TargetScore.LOGIT, GridUpsampling.BILINEAR)
				.explain(ihc, patch, t, Progress.NONE);
			assertEquals("bilinear", bilinear.metadata().get("upsampling"));
			for (float v : bilinear.maps().data()) assertTrue(v >= 0, "bilinear keeps total indices non-negative: " + v);
			assertTrue(distinct(bilinear.maps()) > 256, "Sobol map values, bilinear: " + distinct(bilinear.maps()));
		}
	}

	/**
	 * Sobol and HSIC maps are their per-cell estimates (read from the NEAREST option's blocks, same seed) resized to
	 * the image: BILINEAR with pixel centres aligned, BICUBIC (the default) exactly as TensorFlow's bicubic resize,
	 * which is what Xplique returns. One value per cell (the maps before issue 19) fails both.
	 */
	@Test
	void mapsAreTheCellEstimatesResized() {
		FloatTensor x = evidenceImage();
		int[] t = { 1 };
		for (GridUpsampling up : new GridUpsampling[] { GridUpsampling.BILINEAR, GridUpsampling.BICUBIC }) {
			AttributionMethod[][] pairs = {
				{ new SobolAttribution(8, 16, MaskedImage.constant(0), false, 5, TargetScore.LOGIT, up),
					new SobolAttribution(8, 16, MaskedImage.constant(0), false, 5, TargetScore.LOGIT, GridUpsampling.NEAREST) },
				{ new HsicAttribution(8, 128, MaskedImage.constant(0), 5, TargetScore.LOGIT, up),
					new HsicAttribution(8, 128, MaskedImage.constant(0), 5, TargetScore.LOGIT, GridUpsampling.NEAREST) } };
			for (AttributionMethod[] pair : pairs) {
				FloatTensor map = pair[0].explain(model, x, t, Progress.NONE).maps();
				FloatTensor blocks = pair[1].explain(model, x, t, Progress.NONE).maps();
				double[] cells = new double[64];
				for (int gy = 0; gy < 8; gy++) for (int gx = 0; gx < 8; gx++) cells[gy * 8 + gx] = blocks.get(0, 4 * gy, 4 * gx);
				float[] expected = up == GridUpsampling.BICUBIC ? org.conceptscope.tensor.Bicubic.resize(cells, 8, 8, 32, 32) : bilinear(cells);
				double scale = 0;
				for (double v : cells) scale = Math.max(scale, Math.abs(v));
				for (int p = 0; p < 1024; p++) assertEquals(expected[p], map.data()[p], 1e-5 * scale, pair[0].name() + " " + up.key() + " pixel " + p);
				assertTrue(distinct(map) > 2 * distinct(blocks), pair[0].name() + " " + up.key() + ": " + distinct(map) + " values, cells "
					+ distinct(blocks));
			}
		}
	}

	/**
	 * RISE at grid 8 on 32 x 32: its soft masks (bilinear, randomly shifted) make a map of far more than 256 values, and
	 * the map is the estimator computed here mask by mask: sum_i f(x . M_i) M_i / sum_i M_i (Xplique's normalisation), f the target logit.
	 */
	/**
	 * The masks are independent draws: over 2000 masks every pixel of the soft mask is kept p of the time
	 * on average (within 4 standard errors of a [0, 1] value), at seeds 42 and 0. Masks seeded index apart
	 * by java.util.Random kept the first cell in every mask at seed 42 and in none at seed 0.
	 */
	@Test
	void riseMasksKeepEveryCellAtTheKeepRate() {
		for (long seed : new long[] { 42, 0 }) {
			Rise rise = new Rise(2000, 8, 0.5, seed);
			double[] mean = new double[32 * 32];
			for (int k = 0; k < 2000; k++) {
				float[] m = rise.mask(k, 32, 32);
				for (int p = 0; p < m.length; p++) mean[p] += m[p] / 2000;
			}
			double tolerance = 4 * 0.5 / Math.sqrt(2000);
			for (int p = 0; p < mean.length; p++) assertEquals(0.5, mean[p], tolerance, "seed " + seed + ", pixel (" + p % 32 + ", " + p / 32 + ")");
		}
	}

	@Test
	void riseMapIsTheMaskNormalisedWeightedSumWithManyValues() {
		FloatTensor x = evidenceImage();
		int masks = 64;
		double p = 0.5;
		Rise rise = new Rise(masks, 8, p, 9);
		FloatTensor map = rise.explain(model, x, new int[] { 1 }, Progress.NONE).maps();
		double[] expected = new double[1024], sums = new double[1024];
		for (int k = 0; k < masks; k++) {
			float[] m = rise.mask(k, 32, 32), xs = x.data().clone();
			for (int q = 0; q < 1024; q++) xs[q] *= m[q];
			double f = model.logits(new FloatTensor(new long[] { 1, 32, 32, 1 }, xs)).get(0, 1);
			for (int q = 0; q < 1024; q++) {
				expected[q] += f * m[q];
				sums[q] += m[q];
			}
		}
		for (int q = 0; q < 1024; q++) expected[q] /= sums[q];
		double scale = 0;
		for (double v : expected) scale = Math.max(scale, Math.abs(v));
		for (int q = 0; q < 1024; q++) assertEquals(expected[q], map.data()[q], 1e-4 * scale, "pixel " + q);
		assertTrue(distinct(map) > 256, "RISE map values: " + distinct(map));
	}

	/** Bilinear 8x8 to 32x32 written out: sample position (o + 0.5) / 4 - 0.5 per axis, clamped to the grid. */
	static float[] bilinear(double[] cells) {
		float[] out = new float[1024];
		for (int y = 0; y < 32; y++) {
			double py = Math.max(0, Math.min(7, (y + 0.5) / 4 - 0.5));
			int y0 = (int) Math.floor(py), y1 = Math.min(7, y0 + 1);
			double ty = py - y0;
			for (int x = 0; x < 32; x++) {
				double px = Math.max(0, Math.min(7, (x + 0.5) / 4 - 0.5));
				int x0 = (int) Math.floor(px), x1 = Math.min(7, x0 + 1);
				double tx = px - x0;
				double top = cells[y0 * 8 + x0] * (1 - tx) + cells[y0 * 8 + x1] * tx;
				double bottom = cells[y1 * 8 + x0] * (1 - tx) + cells[y1 * 8 + x1] * tx;
				out[y * 32 + x] = (float) (top * (1 - ty) + bottom * ty);
			}
		}
		return out;
	}

	/** The interpolated map follows the per-cell indices: each cell's block mean stays near its index (known-answer model). */
	@Test
	void interpolatedMapsFollowTheCellIndices() {
		FloatTensor x = evidenceImage();
		Attribution sobol = new SobolAttribution(8, 32, MaskedImage.constant(0), false, 1).explain(model, x, new int[] { 1 }, Progress.NONE);
		// the nearest option paints cells: at most 64 values
		Attribution blocks = new SobolAttribution(8, 32, MaskedImage.constant(0), false, 1, TargetScore.LOGIT, GridUpsampling.NEAREST)
			.explain(model, x, new int[] { 1 }, Progress.NONE);
		assertTrue(distinct(blocks.maps()) <= 64, "nearest: " + distinct(blocks.maps()));
		// the interpolated map: each cell's 4 x 4 block stays
		// close to the cell's own index on average (the block mean is within the neighbours' pull)
		double maxIndex = 0;
		for (float v : blocks.maps().data()) maxIndex = Math.max(maxIndex, v);
		double err = 0;
		for (int gy = 0; gy < 8; gy++) {
			for (int gx = 0; gx < 8; gx++) {
				double mean = 0;
				for (int y = 4 * gy; y < 4 * gy + 4; y++) for (int xx = 4 * gx; xx < 4 * gx + 4; xx++) mean += sobol.maps().get(0, y, xx) / 16;
				err = Math.max(err, Math.abs(mean - blocks.maps().get(0, 4 * gy, 4 * gx)));
			}
		}
		assertTrue(err < 0.5 * maxIndex, "block means follow the cell indices: " + err + " vs max " + maxIndex);
	}

	@Test
	void evaMapsCanBeUpsampledAndDefaultToVerifiedCells() {
		FloatTensor x = evidenceImage();
		Attribution eva = new org.conceptscope.verify.Eva(0.05, 4, org.conceptscope.verify.BoundMethod.INTERVAL, GridUpsampling.BICUBIC)
			.explain(model, x, new int[] { 1 }, Progress.NONE);
		Attribution cells = new org.conceptscope.verify.Eva(0.05, 4).explain(model, x, new int[] { 1 }, Progress.NONE);
		assertTrue(distinct(eva.maps()) > 16, "EVA map values: " + distinct(eva.maps()));
		assertTrue(distinct(cells.maps()) <= 16);
		// the strongest pixel lies in the strongest cell's block or next to it (one cell of interpolation)
		int best = argmax(eva.maps()), bestCell = argmax(cells.maps());
		assertTrue(Math.abs(best / 32 / 8 - bestCell / 32 / 8) <= 1 && Math.abs(best % 32 / 8 - bestCell % 32 / 8) <= 1,
			"bicubic maximum at pixel " + best + ", cell maximum at pixel " + bestCell);
	}

	static int argmax(FloatTensor maps) {
		int best = 0;
		for (int p = 1; p < maps.size(); p++) if (maps.data()[p] > maps.data()[best]) best = p;
		return best;
	}

	@Test
	void hsicOutputWidthIsTheMedianOfTheScores() {
		// the median of the scores (2.0) differs from the median pairwise distance (|dy| median 1.0)
		float[] y = { 1, 2, 3, 10, 1.5f };
		assertEquals(2.0, HsicAttribution.bandwidth(y), 1e-12);
		float[] even = { 4, 1, 3, 2 };
		assertEquals(2.5, HsicAttribution.bandwidth(even), 1e-12, "linear interpolation between the middle scores");
		float[] zeroMedian = { -1, 0, 1 };
		assertEquals(1.0, HsicAttribution.bandwidth(zeroMedian), 1e-12, "a zero median falls back to the median pairwise distance");
	}

	/**
	 * The width each image's map used is in the metadata: images of ones whose removed cells become ones
	 * give every copy the same score, the logit sum w . 1, so the width is its size.
	 */
	@Test
	void hsicRecordsEachImagesOutputKernelWidth() {
		StreamedScoresTest.LinearModel model = new StreamedScoresTest.LinearModel(8 * 8, 2, 16, 3);
		FloatTensor ones = FloatTensor.zeros(2, 8, 8, 1);
		java.util.Arrays.fill(ones.data(), 1f);
		Attribution a = new HsicAttribution(2, 32, MaskedImage.constant(1f), 5).explain(model, ones, new int[] { 1, 1 }, Progress.NONE);
		double sum = 0;
		for (float w : model.weights[1]) sum += w;
		float score = (float) sum;
		String width = String.format(java.util.Locale.ROOT, "%.6g", Math.abs(score));
		assertEquals(width + "," + width, a.metadata().get("output_kernel_width"));
	}

	@Test
	void hsicMatchesXpliquesEstimatorWrittenOutWithMatrices() {
		Random r = new Random(4);
		int m = 24, cells = 5;
		boolean[][] on = new boolean[m][cells];
		float[] y = new float[m];
		for (int a = 0; a < m; a++) {
			for (int j = 0; j < cells; j++) on[a][j] = r.nextBoolean();
			y[a] = (float) (2 + (on[a][0] ? 3 : 0) + (on[a][1] ? 1 : 0) + 0.3 * r.nextGaussian());
		}
		double[] fast = HsicAttribution.hsicPerCell(on, y, cells);
		// width: the median of y (linear interpolation), output kernel exp(-(y - y')^2 / (2 w^2))
		float[] sorted = y.clone();
		java.util.Arrays.sort(sorted);
		double width = ((double) sorted[m / 2 - 1] + sorted[m / 2]) / 2.0;
		double[] reference = hsicByMatrices(on, y, cells, width);
		for (int j = 0; j < cells; j++) assertEquals(reference[j], fast[j], 1e-9 * Math.max(1, Math.abs(reference[j])), "cell " + j);
		for (int j = 1; j < cells; j++) assertTrue(fast[0] > fast[j], "the cell that drives y most comes first: " + java.util.Arrays.toString(fast));
	}

	@Test
	void hsicSplitAcrossCoresEqualsTheMatrixFormulaWithTiedScores() {
		// large enough for the rows to be dealt to several threads; scores with many ties and cells on
		// in unequal numbers of samples (the estimator must not assume balanced designs)
		Random r = new Random(11);
		int m = 160, cells = 12;
		boolean[][] on = new boolean[m][cells];
		float[] y = new float[m];
		for (int a = 0; a < m; a++) {
			for (int j = 0; j < cells; j++) on[a][j] = r.nextDouble() < 0.2 + 0.05 * j;
			y[a] = Math.round(2 * (1 + (on[a][3] ? 2 : 0) + r.nextGaussian())) / 2f;
		}
		double[] fast = HsicAttribution.hsicPerCell(on, y, cells);
		double width = HsicAttribution.bandwidth(y);
		double[] reference = hsicByMatrices(on, y, cells, width);
		for (int j = 0; j < cells; j++) assertEquals(reference[j], fast[j], 1e-9 * Math.max(1, Math.abs(reference[j])), "cell " + j);
		int best = 0;
		for (int j = 1; j < cells; j++) if (fast[j] > fast[best]) best = j;
		assertEquals(3, best, "the cell that drives the scores: " + java.util.Arrays.toString(fast));
	}

	static double[][] mul(double[][] a, double[][] b) {
		int n = a.length;
		double[][] c = new double[n][n];
		for (int i = 0; i < n; i++) for (int k = 0; k < n; k++) for (int j = 0; j < n; j++) c[i][j] += a[i][k] * b[k][j];
		return c;
	}

	/**
	 * Xplique's HSIC estimator by its definition, with full matrices: trace(H K H H L H) / m per cell, K the
	 * input kernel 1 + (1/2 - (u - u')^2) on the cell's on/off vector, L the output RBF kernel of this width.
	 */
	private static double[] hsicByMatrices(boolean[][] on, float[] y, int cells, double width) {
		int m = y.length;
		double[][] hh = new double[m][m];
		for (int a = 0; a < m; a++) for (int b = 0; b < m; b++) hh[a][b] = (a == b ? 1 : 0) - 1.0 / m;
		double[][] l = new double[m][m];
		for (int a = 0; a < m; a++) for (int b = 0; b < m; b++) l[a][b] = Math.exp(-Math.pow((double) y[a] - y[b], 2) / (2 * width * width));
		double[][] lc = mul(mul(hh, l), hh);
		double[] result = new double[cells];
		for (int j = 0; j < cells; j++) {
			double[][] k = new double[m][m];
			for (int a = 0; a < m; a++) {
				for (int b = 0; b < m; b++) {
					double d = (on[a][j] ? 1 : 0) - (on[b][j] ? 1 : 0);
					k[a][b] = 1 + 0.5 - d * d;
				}
			}
			double[][] kc = mul(mul(hh, k), hh);
			double s = 0;
			for (int a = 0; a < m; a++) for (int b = 0; b < m; b++) s += kc[a][b] * lc[b][a];
			result[j] = s / m;
		}
		return result;
	}
}
