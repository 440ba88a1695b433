package org.conceptscope.attribution;

/**
 * Weighted least squares with an intercept and an optional ridge penalty on the coefficients
 * (not on the intercept), for binary features: minimises sum_i w_i (y_i - b - z_i . beta)^2 +
 * alpha |beta|^2, which is what scikit-learn's Ridge and LinearRegression fit with sample
 * weights. Solved through the centred normal equations by Cholesky; when they are singular
 * (fewer distinct samples than features, alpha 0) a vanishing ridge picks the smallest solution,
 * as a least-squares solver would.
 */
final class WeightedLinearFit {

	/** Coefficients per feature and the intercept. */
	record Result(double[] coefficients, double intercept) {}

	private WeightedLinearFit() {}

	static Result fit(boolean[][] z, float[] y, double[] weights, double alpha) {
		int n = z.length, m = n == 0 ? 0 : z[0].length;
		if (y.length != n || weights.length != n) throw new IllegalArgumentException(n + " samples, " + y.length + " targets, " + weights.length + " weights.");
		double sw = 0, my = 0;
		double[] mz = new double[m];
		for (int i = 0; i < n; i++) {
			double wi = weights[i];
			sw += wi;
			my += wi * y[i];
			for (int j = 0; j < m; j++) if (z[i][j]) mz[j] += wi;
		}
		if (!(sw > 0)) throw new IllegalArgumentException("The sample weights sum to " + sw + "; at least one sample needs a positive weight.");
		my /= sw;
		for (int j = 0; j < m; j++) mz[j] /= sw;
		// A = sum w z z' - sw mz mz' (+ alpha I), b = sum w z (y - my) - 0: only the kept features of each sample are visited
		double[][] a = new double[m][m];
		double[] b = new double[m];
		int[] on = new int[m];
		for (int i = 0; i < n; i++) {
			double wi = weights[i], r = wi * (y[i] - my);
			int k = 0;
			for (int j = 0; j < m; j++) if (z[i][j]) on[k++] = j;
			for (int p = 0; p < k; p++) {
				double[] row = a[on[p]];
				b[on[p]] += r;
				for (int q = 0; q < k; q++) row[on[q]] += wi;
			}
		}
		double trace = 0;
		for (int p = 0; p < m; p++) {
			for (int q = 0; q < m; q++) a[p][q] -= sw * mz[p] * mz[q];
			a[p][p] += alpha;
			trace += a[p][p];
		}
		double jitter = 0, scale = Math.max(trace / Math.max(1, m), 1e-300);
		for (int attempt = 0; attempt < 40; attempt++) {
			double[] beta = solveCholesky(a, b, jitter);
			if (beta != null) {
				double intercept = my;
				for (int j = 0; j < m; j++) intercept -= beta[j] * mz[j];
				return new Result(beta, intercept);
			}
			jitter = jitter == 0 ? 1e-12 * scale : jitter * 10;
		}
		throw new IllegalStateException("The linear surrogate could not be fitted: its normal equations stay singular.");
	}

	/** Solves (A + jitter I) x = b, or null when that matrix is not positive definite. */
	private static double[] solveCholesky(double[][] a, double[] b, double jitter) {
		int m = b.length;
		double[][] l = new double[m][m];
		for (int i = 0; i < m; i++) {
			for (int j = 0; j <= i; j++) {
				double s = a[i][j] + (i == j ? jitter : 0);
				for (int k = 0; k < j; k++) s -= l[i][k] * l[j][k];
				if (i == j) {
					if (!(s > 1e-13 * Math.max(1, Math.abs(a[i][i])))) return null;
					l[i][i] = Math.sqrt(s);
				} else {
					l[i][j] = s / l[j][j];
				}
			}
		}
		double[] x = new double[m];
		for (int i = 0; i < m; i++) {
			double s = b[i];
			for (int k = 0; k < i; k++) s -= l[i][k] * x[k];
			x[i] = s / l[i][i];
		}
		for (int i = m - 1; i >= 0; i--) {
			double s = x[i];
			for (int k = i + 1; k < m; k++) s -= l[k][i] * x[k];
			x[i] = s / l[i][i];
		}
		return x;
	}
}
