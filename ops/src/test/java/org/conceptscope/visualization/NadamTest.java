package org.conceptscope.visualization;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** MACO's optimizer is Keras's Nadam (Xplique's tf.keras.optimizers.Nadam), momentum schedule included. */
class NadamTest {

	/**
	 * Three steps of one parameter with gradients 2, -0.5, 0.25 at rate 1. By hand, step 1: u1 =
	 * 0.9 (1 - 0.5 * 0.96) = 0.468, u2 = 0.9 (1 - 0.5 * 0.96^2) = 0.48528, m = 0.2, v = 0.004,
	 * m^ = u2 m / (1 - u1 u2) + (1 - u1) g / (1 - u1) = 0.097056 / 0.77288896 + 2 = 2.12557561,
	 * v^ = v / 0.001 = 4, increment m^ / (2 + 1e-7) = 1.06278775 (Dozat's form with a constant
	 * momentum 0.9 gave 1.474). Steps 2 and 3 are Keras's update_step evaluated in double precision.
	 * A second parameter keeps its own moments.
	 */
	@Test
	void threeStepsAreKerasNadam() {
		Nadam nadam = new Nadam(1.0, 2, 3);
		double[] g = { 2, -0.5, 0.25 }, want = { 1.062787750169383, -0.17795085216714768, 0.18248454416979187 };
		for (int t = 0; t < 3; t++) {
			nadam.nextStep();
			assertEquals(want[t], nadam.increment(0, 1, g[t]), 1e-12, "step " + (t + 1));
			if (t == 0) assertEquals(want[0], nadam.increment(1, 2, 2), 1e-12, "another parameter with the same gradient: its own moments");
		}
		Nadam half = new Nadam(0.5, 1, 1);
		half.nextStep();
		assertEquals(0.5 * 1.062787750169383, half.increment(0, 0, 2), 1e-12, "the rate scales the increment");
	}
}
