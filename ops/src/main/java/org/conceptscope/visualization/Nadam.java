package org.conceptscope.visualization;

/**
 * Keras's Nadam ({@code tf.keras.optimizers.Nadam}, the optimizer Xplique's {@code maco} runs),
 * as gradient ascent on parameters [rows][cols]: Adam's moments m and v (beta1 0.9, beta2 0.999),
 * and Dozat's Nesterov momentum with Keras's momentum schedule u_t = beta1 (1 - 0.5 * 0.96^t):
 * at step t, m^ = u_{t+1} m / (1 - u_1...u_{t+1}) + (1 - u_t) g / (1 - u_1...u_t),
 * v^ = v / (1 - beta2^t), and the parameter moves by rate m^ / (sqrt(v^) + 1e-7). Keras minimises
 * the loss -objective; m is linear and v quadratic in g, so that is this ascent on the objective.
 */
final class Nadam {

	static final double BETA1 = 0.9, BETA2 = 0.999, EPSILON = 1e-7, DECAY = 0.96;

	private final double rate;
	private final double[][] m, v;
	private int t;
	private double uProduct = 1, u, uNext;

	Nadam(double rate, int rows, int cols) {
		this.rate = rate;
		m = new double[rows][cols];
		v = new double[rows][cols];
	}

	/** Begins the next step: its momentum u_t, the next one's, and their running product (Keras keeps it per step). */
	void nextStep() {
		t++;
		u = BETA1 * (1 - 0.5 * Math.pow(DECAY, t));
		uNext = BETA1 * (1 - 0.5 * Math.pow(DECAY, t + 1));
		uProduct *= u;
	}

	/** Updates the moments of parameter [r][c] with its gradient g (of the objective raised) and returns the parameter's increment. */
	double increment(int r, int c, double g) {
		m[r][c] = BETA1 * m[r][c] + (1 - BETA1) * g;
		v[r][c] = BETA2 * v[r][c] + (1 - BETA2) * g * g;
		double mHat = uNext * m[r][c] / (1 - uProduct * uNext) + (1 - u) * g / (1 - uProduct);
		double vHat = v[r][c] / (1 - Math.pow(BETA2, t));
		return rate * mHat / (Math.sqrt(vHat) + EPSILON);
	}
}
