package org.conceptscope.concepts;

import java.util.Random;
import java.util.concurrent.CancellationException;

import org.conceptscope.util.Progress;

/**
 * Non-negative matrix factorisation A (n x c) ~ U (n x k) W (k x c) by multiplicative updates
 * (Lee and Seung 2001) on the Frobenius loss. Seeded random start scaled to the data; stops when
 * the relative error improves by less than {@code tolerance} or after {@code maxIterations}.
 * Rows of W are the concepts (directions in activation space), U the coefficients.
 */
public final class Nmf {

	private static final double EPS = 1e-12;

	/** Factors and the relative reconstruction error ||A - UW||_F / ||A||_F. */
	public record Result(double[][] u, double[][] w, double relativeError, int iterations) {}

	private Nmf() {}

	public static Result factorise(double[][] a, int rank, long seed, double tolerance, int maxIterations, Progress progress) {
		int n = a.length;
		if (n == 0) throw new IllegalArgumentException("NMF needs at least one row of activations.");
		int c = a[0].length;
		if (rank < 1 || rank > Math.min(n, c)) {
			throw new IllegalArgumentException("The number of concepts (NMF rank) must be between 1 and min(rows, channels) = " + Math.min(n, c)
				+ " (" + n + " rows of " + c + " channels), got concepts=" + rank + ".");
		}
		double mean = 0, norm = 0;
		for (double[] row : a) {
			if (row.length != c) throw new IllegalArgumentException("All activation rows must have " + c + " values.");
			for (double v : row) {
				if (v < 0 || !Double.isFinite(v)) {
					throw new IllegalArgumentException("NMF needs finite non-negative activations; found " + v
						+ ". Choose a layer after a ReLU, or clip the activations.");
				}
				mean += v;
				norm += v * v;
			}
		}
		mean /= (double) n * c;
		norm = Math.sqrt(norm);
		if (norm == 0) throw new IllegalArgumentException("All activations are zero: this layer carries nothing to factorise.");
		Random rnd = new Random(seed);
		double scale = Math.sqrt(mean / rank);
		double[][] u = new double[n][rank], w = new double[rank][c];
		for (double[] row : u) for (int j = 0; j < rank; j++) row[j] = scale * (0.1 + rnd.nextDouble());
		for (double[] row : w) for (int j = 0; j < c; j++) row[j] = scale * (0.1 + rnd.nextDouble());
		double previous = Double.POSITIVE_INFINITY, error = previous;
		int it = 0;
		while (it < maxIterations) {
			it++;
			updateW(a, u, w);
			updateU(a, u, w);
			if (it % 10 == 0 || it == maxIterations) {
				error = error(a, u, w) / norm;
				if (!progress.report(it, maxIterations, "NMF iteration " + it)) throw new CancellationException("NMF cancelled at iteration " + it + ".");
				if (previous - error < tolerance * Math.max(previous, EPS)) break;
				previous = error;
			}
		}
		if (it % 10 != 0) error = error(a, u, w) / norm;
		return new Result(u, w, error, it);
	}

	/** W <- W * (U^T A) / (U^T U W). */
	private static void updateW(double[][] a, double[][] u, double[][] w) {
		int n = a.length, c = a[0].length, k = w.length;
		double[][] uta = new double[k][c], utu = new double[k][k];
		for (int i = 0; i < n; i++) {
			for (int p = 0; p < k; p++) {
				double up = u[i][p];
				if (up == 0) continue;
				for (int j = 0; j < c; j++) uta[p][j] += up * a[i][j];
				for (int q = 0; q < k; q++) utu[p][q] += up * u[i][q];
			}
		}
		for (int p = 0; p < k; p++) {
			for (int j = 0; j < c; j++) {
				double den = 0;
				for (int q = 0; q < k; q++) den += utu[p][q] * w[q][j];
				w[p][j] *= uta[p][j] / (den + EPS);
			}
		}
	}

	/** U <- U * (A W^T) / (U W W^T). */
	private static void updateU(double[][] a, double[][] u, double[][] w) {
		int n = a.length, c = a[0].length, k = w.length;
		double[][] wwt = gram(w);
		for (int i = 0; i < n; i++) {
			double[] awt = new double[k];
			for (int p = 0; p < k; p++) for (int j = 0; j < c; j++) awt[p] += a[i][j] * w[p][j];
			double[] old = u[i].clone();
			for (int p = 0; p < k; p++) {
				double den = 0;
				for (int q = 0; q < k; q++) den += old[q] * wwt[q][p];
				u[i][p] = old[p] * awt[p] / (den + EPS);
			}
		}
	}

	static double[][] gram(double[][] w) {
		int k = w.length;
		double[][] g = new double[k][k];
		for (int p = 0; p < k; p++) for (int q = p; q < k; q++) {
			double s = 0;
			for (int j = 0; j < w[p].length; j++) s += w[p][j] * w[q][j];
			g[p][q] = g[q][p] = s;
		}
		return g;
	}

	static double error(double[][] a, double[][] u, double[][] w) {
		double e = 0;
		for (int i = 0; i < a.length; i++) {
			for (int j = 0; j < a[i].length; j++) {
				double r = a[i][j];
				for (int p = 0; p < w.length; p++) r -= u[i][p] * w[p][j];
				e += r * r;
			}
		}
		return Math.sqrt(e);
	}
}
