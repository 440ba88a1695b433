package org.conceptscope.heads;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Java's double exponential (the Q saved with a trained InfoDisent head) evaluates the degree-12
 * Taylor polynomial by Paterson and Stockmeyer in powers of B^4, as the graph, with 5 matrix
 * products where Horner took 11: its Q equals Horner's (written out below as the code was before
 * 7 December 2026) to double rounding, with 0, a few and many squarings, is orthogonal to double
 * rounding, and at a small norm equals a Taylor series of degree 40 summed term by term.
 */
class InfoDisentJavaExponentialTest {

	/** The Java exponential as it was: Horner's 11 products, s squarings, one Newton-Schulz step. */
	static double[][] horner(double[][] a, int s) {
		int c = a.length, degree = InfoDisentGraph.TAYLOR_DEGREE;
		double scale = Math.pow(2, -s);
		double[][] b = new double[c][c], t = new double[c][c];
		for (int i = 0; i < c; i++) for (int j = 0; j < c; j++) {
			b[i][j] = a[i][j] * scale;
			t[i][j] = (i == j ? 1 : 0) + b[i][j] / degree;
		}
		for (int k = degree - 1; k >= 1; k--) {
			t = multiply(b, t);
			for (int i = 0; i < c; i++) for (int j = 0; j < c; j++) t[i][j] = (i == j ? 1 : 0) + t[i][j] / k;
		}
		for (int j = 0; j < s; j++) t = multiply(t, t);
		double[][] tt = multiply(transpose(t), t);
		for (int i = 0; i < c; i++) for (int j = 0; j < c; j++) tt[i][j] = ((i == j ? 3 : 0) - tt[i][j]) / 2;
		return multiply(t, tt);
	}

	/** exp(a) as sum of a^k / k! for k <= 40, term by term (for a small norm: no squaring, no Newton-Schulz). */
	static double[][] series(double[][] a) {
		int c = a.length;
		double[][] sum = new double[c][c], term = new double[c][c];
		for (int i = 0; i < c; i++) sum[i][i] = term[i][i] = 1;
		for (int k = 1; k <= 40; k++) {
			term = multiply(term, a);
			for (int i = 0; i < c; i++) for (int j = 0; j < c; j++) {
				term[i][j] /= k;
				sum[i][j] += term[i][j];
			}
		}
		return sum;
	}

	static double[][] multiply(double[][] x, double[][] y) {
		int n = x.length, inner = y.length, m = y[0].length;
		double[][] out = new double[n][m];
		for (int i = 0; i < n; i++) for (int k = 0; k < inner; k++) for (int j = 0; j < m; j++) out[i][j] += x[i][k] * y[k][j];
		return out;
	}

	static double[][] transpose(double[][] x) {
		double[][] t = new double[x[0].length][x.length];
		for (int i = 0; i < x.length; i++) for (int j = 0; j < x[0].length; j++) t[j][i] = x[i][j];
		return t;
	}

	@Test
	void patersonStockmeyerEqualsHornerToDoubleRounding() {
		int c = 40;
		// Frobenius norms with 0 squarings (0, 0.5, 1.9), a few (7: 2; 100: 6) and many (6000: 12; 40000: the most, 14)
		double[] norms = { 0, 0.5, 1.9, 7, 100, 6000, 40000 };
		int[] squarings = { 0, 0, 0, 2, 6, 12, InfoDisentGraph.MAX_SQUARINGS };
		for (int n = 0; n < norms.length; n++) {
			double[][] a = InfoDisentSquaringsTest.skew(c, norms[n], 31 + n);
			int s = InfoDisentGraph.squarings(InfoDisentSquaringsTest.frobenius(a));
			assertEquals(squarings[n], s, "squarings at norm " + norms[n]);
			double[][] q = InfoDisentGraph.exponential(a, s), old = horner(a, s);
			double diff = InfoDisentSquaringsTest.maxDiff(q, old), orthogonality = InfoDisentRotationTest.orthogonalityError(q);
			String at = "norm " + norms[n] + " (" + s + " squarings): ";
			System.out.println("InfoDisentJavaExponentialTest " + at + "max |Q - Q_horner| " + diff + ", |Q^T Q - I| " + orthogonality
				+ " (Horner's " + InfoDisentRotationTest.orthogonalityError(old) + ")");
			if (norms[n] == 0) assertEquals(0, diff, at + "Q = I exactly");
			// Q's entries are at most 1 in size (Q is orthogonal), so these are relative to its largest entry
			assertTrue(diff <= 1e-12, at + "max |Q - Q_horner| " + diff);
			assertTrue(orthogonality <= 1e-12, at + "|Q^T Q - I| " + orthogonality);
		}
	}

	@Test
	void atASmallNormQIsTheSeriesOfDegreeForty() {
		int c = 24;
		for (double norm : new double[] { 0.1, 0.5 }) {
			double[][] a = InfoDisentSquaringsTest.skew(c, norm, 5);
			assertEquals(0, InfoDisentGraph.squarings(InfoDisentSquaringsTest.frobenius(a)));
			// the degree-12 remainder is about |A|_2^13 / 13!, |A|_2 <= |A|_F / sqrt 2 (2e-16 at |A|_F = 0.5), and Newton-Schulz moves an
			// orthogonal Q by rounding only
			double diff = InfoDisentSquaringsTest.maxDiff(InfoDisentGraph.exponential(a, 0), series(a));
			System.out.println("InfoDisentJavaExponentialTest norm " + norm + ": max |Q - series| " + diff);
			assertTrue(diff <= 1e-14, "norm " + norm + ": max |Q - series| " + diff);
		}
	}
}
