package org.conceptscope.concepts;

/**
 * Non-negative least squares for fixed concepts: the coefficients u >= 0 minimising
 * ||a - u W|| for each row a, by cyclic coordinate descent on the normal equations (the Gram
 * matrix W W^T is computed once and shared by all rows).
 */
public final class Nnls {

	private final double[][] w, gram;
	private final int iterations;

	public Nnls(double[][] w, int iterations) {
		this.w = w;
		this.gram = Nmf.gram(w);
		this.iterations = iterations;
	}

	public Nnls(double[][] w) {
		this(w, 100);
	}

	/** Coefficients of one activation vector. */
	public double[] solve(float[] a, int offset) {
		int k = w.length, c = w[0].length;
		double[] b = new double[k];
		for (int p = 0; p < k; p++) {
			double s = 0;
			for (int j = 0; j < c; j++) s += a[offset + j] * w[p][j];
			b[p] = s;
		}
		double[] u = new double[k];
		for (int it = 0; it < iterations; it++) {
			double change = 0;
			for (int p = 0; p < k; p++) {
				if (gram[p][p] <= 0) continue;
				double grad = b[p];
				for (int q = 0; q < k; q++) grad -= gram[p][q] * u[q];
				double next = Math.max(0, u[p] + grad / gram[p][p]);
				change = Math.max(change, Math.abs(next - u[p]));
				u[p] = next;
			}
			if (change < 1e-9) break;
		}
		return u;
	}
}
