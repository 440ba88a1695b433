package org.conceptscope.attribution;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;

import org.conceptscope.metrics.IhcPatches;
import org.conceptscope.model.BundledModels;
import org.conceptscope.model.Classifier;
import org.conceptscope.model.Classifiers;
import org.conceptscope.tensor.FloatTensor;
import org.junit.jupiter.api.Test;

/**
 * HSIC's two ways to its estimator (the output kernel as a truncated series, {@link HsicAttribution#bySeries}, and pair by
 * pair, {@link HsicAttribution#byPairs}) against Xplique's binary estimator written out from its definition here,
 * sum(H K H o H L H) / m per cell, on the scores of real models at the bench's size (512 designs at grid 8), on tied scores
 * with a zero median, on unbalanced designs and at the widest spread the series takes.
 */
class HsicEstimatorTest {

	/**
	 * The definition, O(m^2) per cell: sum(HKH o HLH) = trace(HKH HLH) = trace(K HLH) (H symmetric and idempotent), so the
	 * estimate is sum_ab K_ab (HLH)_ab / m, with (HLH)_ab = L_ab - r_a / m - r_b / m + T / m^2 (r L's row sums, T its sum),
	 * K_ab = 1 + 1/2 - (u_a - u_b)^2, L_ab = exp(-(y_a - y_b)^2 / (2 w^2)), the score differences in double, every sum
	 * compensated (Kahan).
	 */
	static double[] definition(boolean[][] on, float[] y, int cells) {
		int m = y.length;
		double w = HsicAttribution.bandwidth(y);
		double[][] l = new double[m][m];
		double[] r = new double[m];
		Kahan total = new Kahan();
		for (int a = 0; a < m; a++) {
			Kahan row = new Kahan();
			for (int b = 0; b < m; b++) {
				double d = (double) y[a] - (double) y[b];
				l[a][b] = Math.exp(-d * d / (2 * w * w));
				row.add(l[a][b]);
			}
			r[a] = row.sum();
			total.add(r[a]);
		}
		double t = total.sum();
		double[][] centred = new double[m][m];
		for (int a = 0; a < m; a++) for (int b = 0; b < m; b++) centred[a][b] = l[a][b] - r[a] / m - r[b] / m + t / ((double) m * m);
		double[] out = new double[cells];
		for (int j = 0; j < cells; j++) {
			Kahan s = new Kahan();
			for (int a = 0; a < m; a++) {
				for (int b = 0; b < m; b++) {
					double du = (on[a][j] ? 1 : 0) - (on[b][j] ? 1 : 0);
					s.add((1.5 - du * du) * centred[a][b]);
				}
			}
			out[j] = s.sum() / m;
		}
		return out;
	}

	static final class Kahan {
		private double sum, compensation;

		void add(double v) {
			double t = v - compensation, u = sum + t;
			compensation = (u - sum) - t;
			sum = u;
		}

		double sum() {
			return sum;
		}
	}

	/** |got - want| <= tolerance x the largest |want| of the grid, cell by cell. */
	static void assertClose(double[] want, double[] got, double tolerance, String what) {
		double max = Arrays.stream(want).map(Math::abs).max().orElse(0);
		for (int j = 0; j < want.length; j++) {
			assertEquals(want[j], got[j], tolerance * max, what + ", cell " + j + " of " + Arrays.toString(want));
		}
	}

	/** The scores of the target logit over the 512 designs of a grid-8 HSIC run (seed 1), masked cells set to 0, one call. */
	static float[] scores(Classifier model, FloatTensor image, boolean[][] on, int grid) {
		int h = (int) image.dim(1), w = (int) image.dim(2), c = (int) image.dim(3), m = on.length;
		float[] x = image.data();
		GridCells lattice = new GridCells(h, w, c, grid);
		FloatTensor batch = FloatTensor.zeros(m, h, w, c);
		for (int s = 0; s < m; s++) {
			System.arraycopy(x, 0, batch.data(), s * x.length, x.length);
			for (int j = 0; j < grid * grid; j++) {
				if (on[s][j]) continue;
				int[] runs = lattice.runs(j);
				for (int k = 0; k < runs.length; k += 2) Arrays.fill(batch.data(), s * x.length + runs[k], s * x.length + runs[k + 1], 0f);
			}
		}
		int target = model.logits(image).argmaxRows()[0];
		FloatTensor logits = model.logits(batch);
		int classes = (int) logits.dim(1);
		float[] y = new float[m];
		for (int s = 0; s < m; s++) y[s] = logits.data()[s * classes + target];
		return y;
	}

	static FloatTensor uniform(int n, int h, int w, int c, long seed) {
		Random r = new Random(seed);
		FloatTensor t = FloatTensor.zeros(n, h, w, c);
		for (int i = 0; i < t.size(); i++) t.data()[i] = r.nextFloat();
		return t;
	}

	@Test
	void estimatorOnRealModelsScoresIsTheDefinition() {
		boolean[][] on = new HsicAttribution(8, 512, MaskedImage.constant(0), 1).designs(64);
		int series = 0;
		for (String name : new String[] { "ihc-stain", "ct-tissue", "known-answer" }) {
			try (Classifier model = Classifiers.open(BundledModels.dir(name))) {
				long[] in = model.signature().input().shape();
				// real IHC patches; the bench's uniform images on the others
				FloatTensor images = name.equals("ihc-stain") ? IhcPatches.load(2) : uniform(2, (int) in[1], (int) in[2], (int) in[3], 42);
				for (int i = 0; i < images.dim(0); i++) {
					float[] y = scores(model, images.slice(i), on, 8);
					double inverse = 1 / HsicAttribution.bandwidth(y);
					int terms = HsicAttribution.seriesTerms(y, inverse);
					double[] want = definition(on, y, 64), got = HsicAttribution.hsicPerCell(on, y, 64);
					assertClose(want, HsicAttribution.byPairs(on, y, 64, inverse, true), 1e-10, name + " image " + i + ", pairs");
					if (terms > 0) {
						series++;
						assertArrayEquals(HsicAttribution.bySeries(on, y, 64, inverse, terms), got, name + ": the estimator takes the series");
						assertClose(want, got, 1e-12, name + " image " + i + ", series of " + terms + " terms");
					} else {
						assertClose(want, got, 1e-10, name + " image " + i + ", pairs");
					}
				}
			}
		}
		// the second IHC patch's scores spread over 15 widths around a median of 0.1: 180 terms, the pairs at 512 samples
		assertEquals(5, series, "every image but one takes the series");
	}

	@Test
	void tiedScoresWithAZeroMedianAndUnbalancedCells() {
		// 40 % of the scores exactly 0 and the median 0 (the width falls back to the median |y - y'|), the rest on a few levels;
		// cell j on in 20 % to 75 % of the samples
		Random r = new Random(21);
		int m = 400, cells = 12;
		boolean[][] on = new boolean[m][cells];
		float[] y = new float[m];
		for (int a = 0; a < m; a++) {
			for (int j = 0; j < cells; j++) on[a][j] = r.nextDouble() < 0.2 + 0.05 * j;
			double u = r.nextDouble();
			y[a] = u < 0.4 ? 0f : u < 0.55 ? -1f : Math.round(2 * (1 + (on[a][5] ? 1 : 0) + r.nextGaussian())) / 2f;
		}
		float[] sorted = y.clone();
		Arrays.sort(sorted);
		assertEquals(0f, sorted[m / 2 - 1]);
		assertEquals(0f, sorted[m / 2]);
		double inverse = 1 / HsicAttribution.bandwidth(y);
		int terms = HsicAttribution.seriesTerms(y, inverse);
		assertTrue(terms > 0, "the series takes these scores");
		double[] want = definition(on, y, cells);
		assertClose(want, HsicAttribution.bySeries(on, y, cells, inverse, terms), 1e-12, "series");
		assertClose(want, HsicAttribution.byPairs(on, y, cells, inverse, false), 1e-10, "pairs");
		int best = 0;
		for (int j = 1; j < cells; j++) if (want[j] > want[best]) best = j;
		assertEquals(5, best, "the cell that drives the scores");
	}

	@Test
	void widestSpreadTheSeriesTakesAndOneWiderThanThat() {
		// scores spread over 8 kernel widths (|x| <= 4 around the mid-range) at 512 samples, over 16 (|x| <= 8, the series'
		// limit) at 1100 samples, then over 18
		Random r = new Random(5);
		int cells = 6;
		for (double span : new double[] { 8, 15.999, 18 }) {
			int m = span < 10 ? 512 : 1100;
			boolean[][] on = new boolean[m][cells];
			for (int a = 0; a < m; a++) for (int j = 0; j < cells; j++) on[a][j] = r.nextBoolean();
			float[] y = new float[m];
			// half the scores below the middle one, half above, from its value - span / 2 to its value + span / 2
			for (int a = 0; a < m; a++) y[a] = (float) (span / 2 * (on[a][2] ? r.nextDouble() : -r.nextDouble()));
			y[0] = (float) (-span / 2);
			y[1] = (float) (span / 2);
			float[] sorted = y.clone();
			Arrays.sort(sorted);
			// shifted so that the median, hence the kernel width, is 1
			float shift = 1 - (sorted[m / 2 - 1] + sorted[m / 2]) / 2f;
			for (int a = 0; a < m; a++) y[a] += shift;
			double inverse = 1 / HsicAttribution.bandwidth(y);
			assertEquals(1.0, 1 / inverse, 1e-6);
			int terms = HsicAttribution.seriesTerms(y, inverse);
			double[] want = definition(on, y, cells);
			if (span < 17) {
				assertTrue(terms >= (span < 10 ? 60 : 200) && 5 * terms <= m, terms + " terms");
				assertClose(want, HsicAttribution.bySeries(on, y, cells, inverse, terms), 1e-12, "series over " + span + " widths");
			} else {
				assertEquals(0, terms, "wider than the series takes");
			}
			assertClose(want, HsicAttribution.hsicPerCell(on, y, cells), 1e-10, "estimator, spread " + span);
		}
	}

	@Test
	void equalScoresGiveZeroAndFewSamplesTakeThePairs() {
		boolean[][] on = new HsicAttribution(4, 256, MaskedImage.constant(0), 3).designs(16);
		float[] y = new float[256];
		Arrays.fill(y, 2.5f);
		for (double v : HsicAttribution.hsicPerCell(on, y, 16)) assertEquals(0, v, 1e-15);
		// 24 samples: the series' terms would cost more than the pairs
		float[] few = new float[24];
		for (int a = 0; a < few.length; a++) few[a] = 1 + a / 24f;
		assertEquals(0, HsicAttribution.seriesTerms(few, 1 / HsicAttribution.bandwidth(few)));
	}
}
