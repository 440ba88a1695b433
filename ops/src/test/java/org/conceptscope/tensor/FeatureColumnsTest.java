package org.conceptscope.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.junit.jupiter.api.Test;

/**
 * Products and squared distances read by feature, for any number of points (groups of four and the
 * rest one by one) and any first row, are each pair's plain sum in double in index order, to the
 * bit: the vector loops across rows change nothing but the speed.
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

	@Test
	void everyPairIsItsPlainSumToTheBit() {
		Random r = new Random(21);
		for (int[] size : new int[][] { { 1, 1, 1 }, { 3, 9, 5 }, { 4, 13, 64 }, { 9, 8, 300 }, { 6, 1, 17 } }) {
			int points = size[0], n = size[1], d = size[2];
			float[] x = values(r, points * d), y = values(r, n * d);
			FeatureColumns rows = FeatureColumns.of(y, n, d);
			double[][] p = new double[points][];
			for (int q = 0; q < points; q++) p[q] = FeatureColumns.point(x, q, d);
			for (int from : new int[] { 0, n / 2, n }) {
				double[][] dist = new double[points][n], dots = new double[points][n];
				rows.squaredDistances(p, from, dist);
				rows.dots(p, from, dots);
				for (int q = 0; q < points; q++) {
					for (int j = from; j < n; j++) {
						double s2 = 0, s = 0;
						for (int k = 0; k < d; k++) {
							double e = (double) x[q * d + k] - y[j * d + k];
							s2 += e * e;
							s += (double) x[q * d + k] * y[j * d + k];
						}
						String at = points + " points, " + n + " rows of " + d + ", from " + from + ", pair " + q + "," + j;
						assertEquals(Double.doubleToLongBits(s2), Double.doubleToLongBits(dist[q][j]), "distance, " + at);
						assertEquals(Double.doubleToLongBits(s), Double.doubleToLongBits(dots[q][j]), "dot, " + at);
					}
					for (int j = 0; j < from; j++) assertEquals(0.0, dist[q][j], "rows before 'from' are left alone");
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
		y[5 * d + 1] = Float.POSITIVE_INFINITY; // row 5, feature 1, where every point is 0
		FeatureColumns rows = FeatureColumns.of(y, n, d);
		double[][] p = new double[points][], dots = new double[points][n];
		for (int q = 0; q < points; q++) p[q] = FeatureColumns.point(x, q, d);
		rows.dots(p, 0, dots);
		for (int q = 0; q < points; q++) {
			for (int j = 0; j < n; j++) {
				double s = 0;
				for (int k = 0; k < d; k++) s += (double) x[q * d + k] * y[j * d + k];
				assertEquals(Double.doubleToLongBits(s), Double.doubleToLongBits(dots[q][j]), "pair " + q + "," + j);
			}
			assertTrue(Double.isNaN(dots[q][5]), "0 times infinity");
		}
	}

	@Test
	void mismatchedSizesAreRefused() {
		FeatureColumns rows = FeatureColumns.of(new float[12], 3, 4);
		assertThrows(IllegalArgumentException.class, () -> rows.dots(new double[][] { new double[3] }, 0, new double[][] { new double[3] }));
		assertThrows(IllegalArgumentException.class, () -> rows.dots(new double[][] { new double[4] }, 0, new double[][] { new double[2] }));
		assertThrows(IllegalArgumentException.class, () -> rows.dots(new double[][] { new double[4] }, 4, new double[][] { new double[3] }));
		assertThrows(IllegalArgumentException.class, () -> FeatureColumns.of(new float[11], 3, 4));
	}
}
