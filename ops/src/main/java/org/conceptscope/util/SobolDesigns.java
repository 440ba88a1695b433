package org.conceptscope.util;

import java.util.Random;

import org.apache.commons.math3.random.SobolSequenceGenerator;

/**
 * Quasi-Monte Carlo designs for total-order Sobol indices (Saltelli's scheme): matrices A and B
 * of {@code designs} points in [0,1)^d from a 2d-dimensional Sobol sequence with a seeded random
 * shift modulo 1 (Cranley-Patterson rotation), and the Jansen estimator over the outputs of A,
 * B and the d matrices C_j (A with column j taken from B).
 */
public final class SobolDesigns {

	/** Largest d: commons-math3 ships direction numbers for 1000 dimensions, and we need 2d. */
	public static final int MAX_DIMENSIONS = 500;

	public final double[][] a, b;
	public final int designs, dims;

	public SobolDesigns(int dims, int designs, long seed) {
		if (dims < 1 || dims > MAX_DIMENSIONS) {
			throw new IllegalArgumentException("Sobol designs support 1.." + MAX_DIMENSIONS + " dimensions, got " + dims + ".");
		}
		if (designs < 2) throw new IllegalArgumentException("Sobol indices need at least 2 designs, got " + designs + ".");
		Limits.passes("Sobol indices", "designs", designs); // designs * (dims + 2) evaluations then stay within an int
		this.dims = dims;
		this.designs = designs;
		SobolSequenceGenerator gen = new SobolSequenceGenerator(2 * dims);
		gen.nextVector(); // the first point is all zeros
		double[] shift = new double[2 * dims];
		Random rnd = new Random(seed);
		for (int j = 0; j < shift.length; j++) shift[j] = rnd.nextDouble();
		a = new double[designs][dims];
		b = new double[designs][dims];
		for (int i = 0; i < designs; i++) {
			double[] v = gen.nextVector();
			for (int j = 0; j < dims; j++) {
				a[i][j] = (v[j] + shift[j]) % 1.0;
				b[i][j] = (v[dims + j] + shift[dims + j]) % 1.0;
			}
		}
	}

	/** Number of model evaluations: A, B and one C_j per dimension. */
	public int evaluations() {
		return designs * (dims + 2);
	}

	/**
	 * Design point {@code index} in evaluation order: rows 0..N-1 are A, N..2N-1 are B, then N rows
	 * of each C_j. Writes the d values into {@code out}.
	 */
	public void point(int index, double[] out) {
		int block = index / designs, row = index % designs;
		double[] base = block == 1 ? b[row] : a[row];
		System.arraycopy(base, 0, out, 0, dims);
		if (block >= 2) out[block - 2] = b[row][block - 2];
	}

	/** ST_j = mean over designs of (f(A) - f(C_j))^2 / (2 Var f), Var over the A and B outputs; all 0 when f is constant. */
	public double[] totalOrder(float[] scores) {
		if (scores.length != evaluations()) throw new IllegalArgumentException("Expected " + evaluations() + " scores, got " + scores.length + ".");
		double mean = 0;
		for (int r = 0; r < 2 * designs; r++) mean += scores[r];
		mean /= 2 * designs;
		double var = 0;
		for (int r = 0; r < 2 * designs; r++) var += (scores[r] - mean) * (scores[r] - mean);
		var /= 2 * designs - 1;
		double[] st = new double[dims];
		if (var <= 1e-12) return st;
		for (int j = 0; j < dims; j++) {
			double s = 0;
			for (int r = 0; r < designs; r++) {
				double diff = scores[r] - scores[(2 + j) * designs + r];
				s += diff * diff;
			}
			st[j] = s / (2.0 * designs) / var;
		}
		return st;
	}
}
