package org.conceptscope.tcav;

import java.util.SplittableRandom;

/**
 * The test's reference: LinearSvm's SGD as it was written before the kernel form, in the primal
 * (one weight per feature, each margin O(d)). Kept as it was so the kernel form is checked against
 * an independent computation of the same algorithm.
 * <p>
 * A linear SVM trained by stochastic gradient descent on the hinge loss with an L2 penalty, as
 * scikit-learn's SGDClassifier does it by default (which Kim et al.'s TCAV code, Xplique and Captum
 * use for CAVs): penalty alpha = 0.01, the "optimal" learning rate 1 / (alpha (t + t0)) with
 * Bottou's t0, an unpenalised intercept, samples shuffled every epoch (from the seed), stopping
 * when the epoch's loss has not improved by tol = 1e-3 for 5 epochs, or after 1000 epochs.
 * Labels are +1 and -1.
 */
final class PrimalSgd {

	static final double ALPHA = 0.01, TOL = 1e-3;
	static final int MAX_EPOCHS = 1000, NO_CHANGE_EPOCHS = 5;

	/** Weights per feature and the intercept. */
	record Model(double[] weights, double intercept) {

		double decision(float[] x, int offset) {
			double s = intercept;
			for (int j = 0; j < weights.length; j++) s += weights[j] * x[offset + j];
			return s;
		}
	}

	private PrimalSgd() {}

	/**
	 * @param x rows of {@code d} features, row i at offset i * d
	 * @param rows which rows to train on
	 */
	static Model fit(float[] x, int d, int[] rows, int[] labels, long seed) {
		int n = rows.length;
		double[] w = new double[d];
		double b = 0, scale = 1; // w is stored as scale * w, so the penalty's shrink costs O(1)
		double typw = Math.sqrt(1 / Math.sqrt(ALPHA));
		double t0 = 1 / (typw * ALPHA);
		SplittableRandom rnd = new SplittableRandom(seed);
		int[] order = rows.clone();
		int[] y = new int[x.length / Math.max(1, d)];
		for (int i = 0; i < n; i++) y[rows[i]] = labels[i];
		double best = Double.POSITIVE_INFINITY;
		int stale = 0;
		long t = 1;
		for (int epoch = 0; epoch < MAX_EPOCHS; epoch++) {
			for (int i = n - 1; i > 0; i--) {
				int k = rnd.nextInt(i + 1), tmp = order[i];
				order[i] = order[k];
				order[k] = tmp;
			}
			double loss = 0;
			for (int r : order) {
				double eta = 1 / (ALPHA * (t0 + t - 1));
				int o = r * d;
				double p = b;
				for (int j = 0; j < d; j++) p += scale * w[j] * x[o + j];
				double margin = y[r] * p;
				loss += Math.max(0, 1 - margin);
				if (margin < 1) {
					double step = eta * y[r] / scale;
					for (int j = 0; j < d; j++) w[j] += step * x[o + j];
					b += eta * y[r];
				}
				// the penalty's shrink after the step, as scikit-learn orders them
				scale *= Math.max(0, 1 - eta * ALPHA);
				if (scale < 1e-9) { // fold the scale back in before it underflows
					for (int j = 0; j < d; j++) w[j] *= scale;
					scale = 1;
				}
				t++;
			}
			// scikit-learn compares the summed hinge loss of the epoch (without the penalty)
			if (loss > best - TOL * n) {
				if (++stale >= NO_CHANGE_EPOCHS) break;
			} else {
				stale = 0;
			}
			best = Math.min(best, loss);
		}
		for (int j = 0; j < d; j++) w[j] *= scale;
		return new Model(w, b);
	}
}
