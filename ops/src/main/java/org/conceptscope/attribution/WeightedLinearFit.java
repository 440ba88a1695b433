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

	/** A fit prepared from the samples and their weights, waiting for the targets. */
	interface Solver {
		/** The fit to the targets y (one per sample). */
		Result solve(float[] y);
	}

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
		return new Prepared(weights.clone(), kept, sw, mz, factor(a, trace));
	}

	/**
	 * The Cholesky factor of the normal matrix a (its trace given); when a is singular, of a + a vanishing ridge
	 * (the smallest one that makes it definite), which picks the smallest solution as a least-squares solver would.
	 */
	private static double[][] factor(double[][] a, double trace) {
		int m = a.length;
		double jitter = 0, scale = Math.max(trace / Math.max(1, m), 1e-300);
		for (int attempt = 0; attempt < 40; attempt++) {
			double[][] l = cholesky(a, jitter);
			if (l != null) return l;
			jitter = jitter == 0 ? 1e-12 * scale : jitter * 10;
		}
		throw new IllegalStateException("The linear surrogate could not be fitted: its normal equations stay singular.");
	}

	/**
	 * Kernel SHAP's regression with its two endpoint constraints held exactly, the limit of infinite endpoint weights
	 * (Lundberg and Lee 2017) as the shap library solves it: sample 0 keeps every feature (score f(x)), sample 1 none
	 * (score f(0), the intercept), and the coefficients must add up to f(x) - f(0). The last coefficient is eliminated
	 * (it is f(x) - f(0) minus the others), which leaves a weighted least-squares fit without intercept of
	 * y - f(0) - z_last (f(x) - f(0)) on z_j - z_last (j before the last) over samples 2 onwards; the weights of
	 * samples 0 and 1 are not used (both rows vanish). The coefficients add up to f(x) - f(0) to double rounding.
	 */
	static Solver prepareEfficient(boolean[][] z, double[] weights) {
		int n = z.length, m = n == 0 ? 0 : z[0].length;
		if (weights.length != n) throw new IllegalArgumentException(n + " samples, " + weights.length + " weights.");
		if (n < 2 || m < 1) throw new IllegalArgumentException("The exact efficiency constraint needs the two endpoint samples and a feature.");
		int free = m - 1, last = m - 1;
		// A = sum w x x' with x_j = z_j - z_last, j < last
		double[][] a = new double[free][free];
		double[] x = new double[free];
		for (int i = 2; i < n; i++) {
			double wi = weights[i];
			if (wi == 0) continue;
			double zl = z[i][last] ? 1 : 0;
			for (int j = 0; j < free; j++) x[j] = (z[i][j] ? 1 : 0) - zl;
			for (int p = 0; p < free; p++) {
				if (x[p] == 0) continue;
				double[] row = a[p];
				for (int q = 0; q < free; q++) row[q] += wi * x[p] * x[q];
			}
		}
		double trace = 0;
		for (int p = 0; p < free; p++) trace += a[p][p];
		double[][] l = free == 0 ? new double[0][0] : factor(a, trace);
		boolean[][] samples = z;
		double[] w = weights.clone();
		return y -> {
			if (y.length != n) throw new IllegalArgumentException(n + " samples, " + y.length + " targets.");
			double base = y[1], change = (double) y[0] - y[1];
			double[] b = new double[free];
			for (int i = 2; i < n; i++) {
				if (w[i] == 0) continue;
				boolean zl = samples[i][last];
				double r = w[i] * (y[i] - base - (zl ? change : 0));
				for (int j = 0; j < free; j++) {
					boolean zj = samples[i][j];
					if (zj != zl) b[j] += zj ? r : -r;
				}
			}
			double[] beta = java.util.Arrays.copyOf(free == 0 ? b : substitute(l, b), m);
			double rest = change;
			for (int j = 0; j < free; j++) rest -= beta[j];
			beta[last] = rest;
			return new Result(beta, base);
		};
	}

	/** A fit waiting for its targets: see {@link WeightedLinearFit#prepare}. Immutable; solve may be called from any thread. */
	static final class Prepared implements Solver {

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
		@Override
		public Result solve(float[] y) {
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
