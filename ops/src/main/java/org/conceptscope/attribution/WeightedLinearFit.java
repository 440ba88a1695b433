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
		return prepare(z, weights, alpha).solve(y);
	}

	/**
	 * The part of the fit that does not depend on the targets: the weighted means of the features,
	 * the centred normal matrix and its Cholesky factor. Kernel SHAP's weights do not depend on the
	 * image, so one prepared fit serves every image drawn with the same samples; {@link #solve} then
	 * costs one pass over the kept features instead of the normal matrix's sum over their pairs.
	 * {@code prepare(z, w, a).solve(y)} performs exactly the operations of the one-step fit, in the
	 * same order, so it gives the same bits.
	 */
	static Prepared prepare(boolean[][] z, double[] weights, double alpha) {
		int n = z.length, m = n == 0 ? 0 : z[0].length;
		if (weights.length != n) throw new IllegalArgumentException(n + " samples, " + weights.length + " weights.");
		double sw = 0;
		double[] mz = new double[m];
		for (int i = 0; i < n; i++) {
			double wi = weights[i];
			sw += wi;
			for (int j = 0; j < m; j++) if (z[i][j]) mz[j] += wi;
		}
		if (!(sw > 0)) throw new IllegalArgumentException("The sample weights sum to " + sw + "; at least one sample needs a positive weight.");
		for (int j = 0; j < m; j++) mz[j] /= sw;
		// A = sum w z z' - sw mz mz' (+ alpha I): only the kept features of each sample are visited
		double[][] a = new double[m][m];
		int[][] kept = new int[n][];
		int[] on = new int[m];
		for (int i = 0; i < n; i++) {
			double wi = weights[i];
			int k = 0;
			for (int j = 0; j < m; j++) if (z[i][j]) on[k++] = j;
			kept[i] = java.util.Arrays.copyOf(on, k);
			for (int p = 0; p < k; p++) {
				double[] row = a[on[p]];
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
			double[][] l = cholesky(a, jitter);
			if (l != null) return new Prepared(weights.clone(), kept, sw, mz, l);
			jitter = jitter == 0 ? 1e-12 * scale : jitter * 10;
		}
		throw new IllegalStateException("The linear surrogate could not be fitted: its normal equations stay singular.");
	}

	/** A fit waiting for its targets: see {@link WeightedLinearFit#prepare}. Immutable; solve may be called from any thread. */
	static final class Prepared {

		private final double[] weights;
		private final int[][] kept;
		private final double sw;
		private final double[] mz;
		private final double[][] l;

		private Prepared(double[] weights, int[][] kept, double sw, double[] mz, double[][] l) {
			this.weights = weights;
			this.kept = kept;
			this.sw = sw;
			this.mz = mz;
			this.l = l;
		}

		/** The fit to the targets y (one per sample). */
		Result solve(float[] y) {
			int n = kept.length, m = mz.length;
			if (y.length != n) throw new IllegalArgumentException(n + " samples, " + y.length + " targets.");
			double my = 0;
			for (int i = 0; i < n; i++) my += weights[i] * y[i];
			my /= sw;
			// b = sum w z (y - my)
			double[] b = new double[m];
			for (int i = 0; i < n; i++) {
				double r = weights[i] * (y[i] - my);
				for (int j : kept[i]) b[j] += r;
			}
			double[] beta = substitute(l, b);
			double intercept = my;
			for (int j = 0; j < m; j++) intercept -= beta[j] * mz[j];
			return new Result(beta, intercept);
		}
	}

	/** The lower Cholesky factor of A + jitter I, or null when that matrix is not positive definite. */
	private static double[][] cholesky(double[][] a, double jitter) {
		int m = a.length;
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
		return l;
	}

	/** Solves L L' x = b by forward and back substitution. */
	private static double[] substitute(double[][] l, double[] b) {
		int m = b.length;
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
