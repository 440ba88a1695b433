package org.conceptscope.concepts;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.conceptscope.util.Progress;
import org.junit.jupiter.api.Test;

class NmfTest {

	/** Three patterns over 12 channels, each mostly on its own channels, slightly overlapping. */
	static final double[][] PATTERNS = {
		{ 1, 1, 1, 1, 0.2, 0, 0, 0, 0, 0, 0, 0.1 },
		{ 0, 0, 0.1, 0, 1, 1, 1, 1, 0, 0.3, 0, 0 },
		{ 0.2, 0, 0, 0, 0, 0, 0, 0.1, 1, 1, 1, 1 } };

	static double[][] mixture(int n, long seed) {
		Random r = new Random(seed);
		double[][] a = new double[n][12];
		for (double[] row : a) {
			for (double[] p : PATTERNS) {
				double u = r.nextDouble() < 0.3 ? 0 : -Math.log(1 - r.nextDouble()); // sparse exponential coefficients
				for (int j = 0; j < 12; j++) row[j] += u * p[j];
			}
		}
		return a;
	}

	static double cosine(double[] a, double[] b) {
		double ab = 0, aa = 0, bb = 0;
		for (int i = 0; i < a.length; i++) {
			ab += a[i] * b[i];
			aa += a[i] * a[i];
			bb += b[i] * b[i];
		}
		return ab / Math.sqrt(aa * bb);
	}

	/** Best cosine of each true pattern with the recovered concepts (each concept used once, greedily). */
	static double[] matchedCosines(double[][] truth, double[][] found) {
		boolean[] used = new boolean[found.length];
		double[] best = new double[truth.length];
		for (int t = 0; t < truth.length; t++) {
			int arg = -1;
			for (int f = 0; f < found.length; f++) {
				if (!used[f] && (arg < 0 || cosine(truth[t], found[f]) > cosine(truth[t], found[arg]))) arg = f;
			}
			used[arg] = true;
			best[t] = cosine(truth[t], found[arg]);
		}
		return best;
	}

	@Test
	void recoversKnownPatterns() {
		Nmf.Result r = Nmf.factorise(mixture(300, 1), 3, 7, 1e-6, 2000, Progress.NONE);
		for (double c : matchedCosines(PATTERNS, r.w())) assertTrue(c >= 0.95, "cosine " + c);
		assertTrue(r.relativeError() < 0.05, "reconstruction error " + r.relativeError());
	}

	@Test
	void isSeeded() {
		double[][] a = mixture(50, 2);
		Nmf.Result x = Nmf.factorise(a, 3, 5, 1e-4, 100, Progress.NONE), y = Nmf.factorise(a, 3, 5, 1e-4, 100, Progress.NONE);
		for (int k = 0; k < 3; k++) assertArrayEquals(x.w()[k], y.w()[k]);
		Nmf.Result z = Nmf.factorise(a, 3, 6, 1e-4, 100, Progress.NONE);
		assertTrue(x.w()[0][0] != z.w()[0][0]);
	}

	@Test
	void refusesNegativeOrEmptyInput() {
		double[][] a = mixture(10, 3);
		a[4][2] = -0.5;
		var e = assertThrows(IllegalArgumentException.class, () -> Nmf.factorise(a, 2, 1, 1e-4, 10, Progress.NONE));
		assertTrue(e.getMessage().contains("non-negative"), e.getMessage());
		assertThrows(IllegalArgumentException.class, () -> Nmf.factorise(new double[5][12], 2, 1, 1e-4, 10, Progress.NONE));
		assertThrows(IllegalArgumentException.class, () -> Nmf.factorise(mixture(10, 4), 13, 1, 1e-4, 10, Progress.NONE));
	}

	@Test
	void nnlsRecoversExactCoefficients() {
		double[] u = { 0.7, 0, 2.5 };
		float[] a = new float[12];
		for (int k = 0; k < 3; k++) for (int j = 0; j < 12; j++) a[j] += (float) (u[k] * PATTERNS[k][j]);
		double[] got = new Nnls(PATTERNS, 500).solve(a, 0);
		for (int k = 0; k < 3; k++) assertEquals(u[k], got[k], 1e-4);
	}
}
