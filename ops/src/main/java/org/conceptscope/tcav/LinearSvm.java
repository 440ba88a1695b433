package org.conceptscope.tcav;

import java.util.SplittableRandom;

/**
 * A linear SVM trained by stochastic gradient descent on the hinge loss with an L2 penalty, as
 * scikit-learn's SGDClassifier does it by default (which Kim et al.'s TCAV code, Xplique and Captum
 * use for CAVs): penalty alpha = 0.01, the "optimal" learning rate 1 / (alpha (t + t0)) with
 * Bottou's t0, an unpenalised intercept, samples shuffled every epoch (from the seed), stopping
 * when the epoch's loss has not improved by tol = 1e-3 for 5 epochs, or after 1000 epochs.
 * Labels are +1 and -1.
 * <p>
 * The same SGD run in kernel (dual) form: the weights start at 0, each step adds a multiple of one
 * training row and the penalty only rescales them, so w = scale * sum_i c_i x_i at every step, and
 * the margin of row r is b + scale * f_r with f_r = sum_i c_i (x_i . x_r) over the training rows:
 * an update of c_k adds its step times row k of the dot products to f (O(n), and only when the
 * hinge is active), a step without update costs O(1), where the primal form costs O(d) per step for
 * d features. Same shuffles, learning rates, updates and stopping rule as the primal form, hence
 * the same weights up to rounding; the caller builds w = sum_i c_i x_i once.
 */
final class LinearSvm {

	static final double ALPHA = 0.01, TOL = 1e-3;
	static final int MAX_EPOCHS = 1000, NO_CHANGE_EPOCHS = 5;

	/**
	 * The fit: w = sum_i coefficients[i] x_i over the training rows, and the intercept.
	 */
	record Model(double[] coefficients, double intercept) {

		/** The decision value of a row, given its dot products with the training rows (at dots[from..]). */
		double decision(double[] dots, int from) {
			double s = intercept;
			for (int i = 0; i < coefficients.length; i++) s += coefficients[i] * dots[from + i];
			return s;
		}
	}

	private LinearSvm() {}

	/**
	 * @param dots dot products (in double) of the n training rows with each other, in the order the
	 *        caller lists them in: row r's at dots[r * n .. r * n + n - 1] (a symmetric matrix)
	 * @param labels the training rows' labels, +1 or -1
	 */
	static Model fit(double[] dots, int[] labels, long seed) {
		int n = labels.length;
		if ((long) n * n > dots.length) throw new IllegalArgumentException(n + " training rows need " + (long) n * n + " products, got " + dots.length + ".");
		double[] c = new double[n];
		// f[r] = sum_i c_i (x_i . x_r) for the training rows, kept up to date at each update, so a margin costs O(1)
		double[] f = new double[n];
		double b = 0, scale = 1; // w = scale * sum c_i x_i, so the penalty's shrink costs O(1)
		double typw = Math.sqrt(1 / Math.sqrt(ALPHA));
		double t0 = 1 / (typw * ALPHA);
		SplittableRandom rnd = new SplittableRandom(seed);
		int[] order = new int[n];
		for (int i = 0; i < n; i++) order[i] = i;
		double best = Double.POSITIVE_INFINITY;
		int stale = 0;
		long t = 1;
		// each step's learning rate and penalty shrink depend on the step count only: made for an
		// epoch ahead, outside the chain of dependent steps (which a division in it would lengthen)
		double[] eta = new double[n], shrink = new double[n], steps = new double[n];
		for (int s = 0; s < n; s++) steps[s] = s; // step counts as doubles (exact), so that the rates' loop is all double and vectorises
		for (int epoch = 0; epoch < MAX_EPOCHS; epoch++) {
			for (int i = n - 1; i > 0; i--) {
				int k = rnd.nextInt(i + 1), tmp = order[i];
				order[i] = order[k];
				order[k] = tmp;
			}
			double done = t; // exact: t counts steps, far below 2^53
			for (int s = 0; s < n; s++) eta[s] = 1 / (ALPHA * (t0 + (done + steps[s]) - 1));
			for (int s = 0; s < n; s++) shrink[s] = Math.max(0, 1 - eta[s] * ALPHA);
			double loss = 0;
			for (int s = 0; s < n; s++) {
				int r = order[s];
				double margin = labels[r] * (b + scale * f[r]);
				if (!(margin >= 1)) loss += 1 - margin; // the hinge max(0, 1 - margin), NaN kept
				// scikit-learn's order: the margin with the weights as they are, the penalty's shrink, then the hinge's step
				scale *= shrink[s];
				if (scale < 1e-9) { // fold the scale back in before it underflows
					for (int i = 0; i < n; i++) {
						c[i] *= scale;
						f[i] *= scale;
					}
					scale = 1;
				}
				if (margin <= 1) { // scikit-learn's hinge steps at a margin of exactly 1 too
					double step = eta[s] * labels[r] / scale;
					c[r] += step;
					// f[i] += step * (x_i . x_r), from row r of the products (they are symmetric)
					int row = r * n;
					for (int i = 0; i < n; i++) f[i] += step * dots[row + i];
					b += eta[s] * labels[r];
				}
			}
			t += n;
			// scikit-learn compares the summed hinge loss of the epoch (without the penalty)
			if (loss > best - TOL * n) {
				if (++stale >= NO_CHANGE_EPOCHS) break;
			} else {
				stale = 0;
			}
			best = Math.min(best, loss);
		}
		for (int i = 0; i < n; i++) c[i] *= scale;
		return new Model(c, b);
	}
}
