package org.conceptscope.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.junit.jupiter.api.Test;

/**
 * Products and squared distances read by feature, for any number and range of points (groups of
 * four, a last smaller one filled up), any first row, and a set against itself, are each pair's
 * plain sum in double in index order, to the bit (each square added with one rounding where the
 * JVM has fused multiply-add): the vector loops across rows change nothing but the speed.
 */
class FeatureColumnsTest {

	/** Values of both signs, zeros of both signs, equal values, tiny and huge ones, an infinity, odd counts. */
	private static float[] values(Random r, int count) {
		float[] special = { 0f, -0f, 1f, -1f, Float.MIN_VALUE, -Float.MIN_VALUE, 1e-30f, 3e38f, -3e38f, Float.POSITIVE_INFINITY, 16777217f, 0.1f };
		float[] a = new float[count];
		for (int i = 0; i < count; i++) {
			int kind = r.nextInt(4);
			a[i] = kind == 0 ? special[r.nextInt(special.length)] : kind == 1 ? (float) (r.nextGaussian() * 1e4) : (float) r.nextGaussian();
		}
		return a;
	}

	/** The reference: one pair's sums over the features in index order, from +0, each term added as the kernels add it. */
	private static double[] plainSums(float[] x, int q, float[] y, int j, int d) {
		double s2 = 0, s = 0;
		for (int k = 0; k < d; k++) {
			double e = (double) x[q * d + k] - y[j * d + k];
			s2 = FeatureColumns.FUSED ? Math.fma(e, e, s2) : s2 + e * e;
			s += (double) x[q * d + k] * y[j * d + k];
		}
		return new double[] { s2, s };
	}

	/** Points first..last-1 in groups of four, each group taken from the rows or from the columns of the points' set. */
	private static void inGroups(float[] x, FeatureColumns byFeature, int first, int last, int d, boolean fromColumns, java.util.function.BiConsumer<FeatureColumns.Group, Integer> each) {
		for (int q = first; q < last; q += FeatureColumns.GROUP) {
			int end = Math.min(last, q + FeatureColumns.GROUP);
			each.accept(fromColumns ? byFeature.group(q, end) : FeatureColumns.Group.ofRows(x, q, end, d), q);
		}
	}

	@Test
	void everyPairIsItsPlainSumToTheBit() {
		Random r = new Random(21);
		for (int[] size : new int[][] { { 1, 1, 1 }, { 3, 9, 5 }, { 4, 13, 64 }, { 9, 8, 300 }, { 6, 1, 17 }, { 7, 11, 31 } }) {
			int points = size[0], n = size[1], d = size[2];
			float[] x = values(r, points * d), y = values(r, n * d);
			FeatureColumns rows = FeatureColumns.of(y, n, d), px = FeatureColumns.of(x, points, d);
			for (boolean fromColumns : new boolean[] { false, true }) {
				// all the points, and a middle range of them (a group need not start at point 0)
				for (int[] range : new int[][] { { 0, points }, { points / 3, points - points / 3 } }) {
					int first = range[0], last = range[1];
					for (int from : new int[] { 0, n / 2, n }) {
						double[][] dist = new double[points][n], dots = new double[points][n];
						inGroups(x, px, first, last, d, fromColumns, (g, q) -> {
							rows.squaredDistances(g, from, java.util.Arrays.copyOfRange(dist, q, q + g.size()));
							rows.dots(g, from, java.util.Arrays.copyOfRange(dots, q, q + g.size()));
						});
						for (int q = first; q < last; q++) {
							for (int j = from; j < n; j++) {
								double[] want = plainSums(x, q, y, j, d);
								String at = points + " points (" + first + ".." + last + (fromColumns ? ", from columns" : ", from rows") + "), " + n + " rows of " + d
									+ ", from " + from + ", pair " + q + "," + j;
								assertEquals(Double.doubleToLongBits(want[0]), Double.doubleToLongBits(dist[q][j]), "distance, " + at);
								assertEquals(Double.doubleToLongBits(want[1]), Double.doubleToLongBits(dots[q][j]), "dot, " + at);
							}
							for (int j = 0; j < from; j++) assertEquals(0.0, dist[q][j], "rows before 'from' are left alone");
						}
					}
				}
			}
			// a set against itself: its own rows as the points
			double[][] self = new double[n][n], selfDots = new double[n][n];
			inGroups(y, rows, 0, n, d, true, (g, q) -> {
				rows.squaredDistances(g, 0, java.util.Arrays.copyOfRange(self, q, q + g.size()));
				rows.dots(g, 0, java.util.Arrays.copyOfRange(selfDots, q, q + g.size()));
			});
			for (int i = 0; i < n; i++) {
				for (int j = 0; j < n; j++) {
					double[] want = plainSums(y, i, y, j, d);
					assertEquals(Double.doubleToLongBits(want[0]), Double.doubleToLongBits(self[i][j]), "self distance " + i + "," + j);
					assertEquals(Double.doubleToLongBits(want[1]), Double.doubleToLongBits(selfDots[i][j]), "self dot " + i + "," + j);
				}
			}
		}
	}

	/**
	 * Points mostly 0 (ReLU activations, their gradients): the features where all the points are 0
	 * are skipped, the sums unchanged to the bit, and a 0 times an infinity is still NaN.
	 */
	@Test
	void skippedZerosChangeNoSum() {
		Random r = new Random(22);
		int points = 7, n = 9, d = 200;
		float[] x = new float[points * d], y = values(r, n * d);
		for (int k = 0; k < d; k += 3) for (int q = 0; q < points; q++) x[q * d + k] = r.nextBoolean() ? (float) r.nextGaussian() : -0f;
		// where every point is 0: rows 2 and 5 are laid out eight rows at a time, row 8 alone
		y[5 * d + 1] = Float.POSITIVE_INFINITY;
		y[2 * d + 7] = Float.NaN;
		y[8 * d + 4] = Float.NEGATIVE_INFINITY;
		FeatureColumns rows = FeatureColumns.of(y, n, d), px = FeatureColumns.of(x, points, d);
		for (boolean fromColumns : new boolean[] { false, true }) {
			double[][] dots = new double[points][n];
			inGroups(x, px, 0, points, d, fromColumns, (g, q) -> rows.dots(g, 0, java.util.Arrays.copyOfRange(dots, q, q + g.size())));
			for (int q = 0; q < points; q++) {
				for (int j = 0; j < n; j++) {
					double s = 0;
					for (int k = 0; k < d; k++) s += (double) x[q * d + k] * y[j * d + k];
					assertEquals(Double.doubleToLongBits(s), Double.doubleToLongBits(dots[q][j]), "pair " + q + "," + j);
				}
				for (int j : new int[] { 2, 5, 8 }) assertTrue(Double.isNaN(dots[q][j]), "0 times infinity or NaN, row " + j);
			}
		}
	}

	/** A weighted sum of rows read down the columns is, to the bit, the rows added one after the other; rows of weight 0 add nothing, not even an infinity's NaN. */
	@Test
	void combinationsAreTheRowsAddedInOrder() {
		Random r = new Random(23);
		for (int[] size : new int[][] { { 1, 1 }, { 5, 3 }, { 9, 17 }, { 12, 64 } }) {
			int n = size[0], d = size[1];
			float[] y = values(r, n * d);
			y[d - 1] = Float.POSITIVE_INFINITY; // row 0, whose weight is 0
			double[] weights = new double[n + 2];
			for (int j = 0; j < weights.length; j++) weights[j] = j == 2 || j % 3 == 1 ? 0 : r.nextGaussian();
			double[] start = new double[d], got = new double[d], want = new double[d];
			for (int k = 0; k < d; k++) start[k] = got[k] = want[k] = r.nextGaussian();
			FeatureColumns.of(y, n, d).addCombination(weights, 2, got);
			for (int j = 0; j < n; j++) {
				if (weights[2 + j] == 0) continue;
				for (int k = 0; k < d; k++) want[k] += weights[2 + j] * y[j * d + k];
			}
			for (int k = 0; k < d; k++) assertEquals(Double.doubleToLongBits(want[k]), Double.doubleToLongBits(got[k]), n + " rows of " + d + ", feature " + k);
		}
	}

	/** The build runs these tests once more with -XX:-UseFMA and says so: the plain kernels must then be the ones that run. */
	@Test
	void theKernelsAreTheOnesTheJvmRunsFast() {
		String expected = System.getProperty("conceptscope.test.fused");
		if (expected != null) assertEquals(Boolean.parseBoolean(expected), FeatureColumns.FUSED, "fused multiply-add as the JVM was started");
		// where it is on, Math.fma is one instruction: the fused kernels' products are still exact for floats
		assertEquals(Math.fma(3f, 1.1f, 0.0), (double) 3f * 1.1f, 0.0);
	}

	@Test
	void mismatchedSizesAreRefused() {
		FeatureColumns rows = FeatureColumns.of(new float[12], 3, 4);
		float[] two = new float[8];
		assertThrows(IllegalArgumentException.class, () -> rows.dots(FeatureColumns.Group.ofRows(new float[6], 0, 2, 3), 0, new double[][] { new double[3], new double[3] }),
			"points of another width");
		assertThrows(IllegalArgumentException.class, () -> rows.dots(FeatureColumns.Group.ofRows(two, 0, 1, 4), 0, new double[][] { new double[2] }), "an output shorter than the rows");
		assertThrows(IllegalArgumentException.class, () -> rows.dots(FeatureColumns.Group.ofRows(two, 0, 1, 4), 4, new double[][] { new double[3] }), "rows from past the end");
		assertThrows(IllegalArgumentException.class, () -> rows.dots(FeatureColumns.Group.ofRows(two, 0, 2, 4), 0, new double[][] { new double[3] }), "fewer outputs than points");
		assertThrows(IllegalArgumentException.class, () -> FeatureColumns.Group.ofRows(two, 1, 3, 4), "points past the end");
		assertThrows(IllegalArgumentException.class, () -> FeatureColumns.Group.ofRows(new float[24], 0, 6, 4), "more than a group");
		assertThrows(IllegalArgumentException.class, () -> rows.group(2, 4), "rows past the end of the set");
		assertThrows(IllegalArgumentException.class, () -> FeatureColumns.of(new float[11], 3, 4));
	}
}
