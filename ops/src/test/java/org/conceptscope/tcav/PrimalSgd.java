package org.conceptscope.tcav;

import java.util.SplittableRandom;

/**
 * The test's reference: scikit-learn's plain SGD loop (_sgd_fast's _plain_sgd with the hinge loss
 * and the L2 penalty) written out in the primal, one weight per feature, with no scale trick: per
 * sample the margin with the current weights, then the penalty's shrink of the weights, then the
 * hinge's step when the margin is at most 1. The kernel form is checked against this independent
 * transcription.
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
		double b = 0;
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
				for (int j = 0; j < d; j++) p += w[j] * x[o + j];
				double margin = y[r] * p;
				loss += Math.max(0, 1 - margin);
				double shrink = Math.max(0, 1 - eta * ALPHA);
				for (int j = 0; j < d; j++) w[j] *= shrink;
				if (margin <= 1) {
					for (int j = 0; j < d; j++) w[j] += eta * y[r] * x[o + j];
					b += eta * y[r];
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
		return new Model(w, b);
	}
}
