package org.conceptscope.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import org.conceptscope.attribution.Attribution;
import org.conceptscope.metrics.IhcPatches;
import org.conceptscope.model.BundledModels;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/** Verified bounds are about TensorFlow's float32 computation, not only about the exact function of its weights. */
class RoundingErrorTest {

	/**
	 * A ball of radius 0 is one input: its exact-arithmetic bounds are the exact margin, which
	 * TensorFlow's float32 margin misses by rounding. The reported bounds must contain TensorFlow's
	 * margin itself, with no tolerance, on every image of the bundled CNNs and the batch-norm /
	 * residual model; and the slack, a worst case over every summation order and every sign of the
	 * errors, must stay below 1 % of the logits so that the bounds stay useful.
	 */
	@Test
	void boundsContainTensorFlowsOwnMarginAtAPoint(@TempDir Path tmp) throws Exception {
		ResidualModel.export(tmp.resolve("residual"), 3);
		FloatTensor ct = IntervalBoundsTest.random(7, 4, 16, 16, 1);
		for (int i = 0; i < ct.size(); i++) ct.data()[i] = 2.4f * ct.data()[i] - 1f;
		List<Object[]> cases = List.of(new Object[] { BundledModels.dir("ihc-stain"), IhcPatches.load(6) },
			new Object[] { BundledModels.dir("ct-tissue"), ct }, new Object[] { tmp.resolve("residual"), IntervalBoundsTest.random(8, 4, 8, 8, 2) });
		for (Object[] c : cases) {
			try (TensorFlowClassifier m = TensorFlowClassifier.load((Path) c[0])) {
				FloatTensor images = (FloatTensor) c[1];
				FloatTensor logits = m.logits(images);
				int k = m.numClasses();
				for (int i = 0; i < images.dim(0); i++) {
					FloatTensor x = images.slice(i);
					int t = logits.argmaxRows()[i];
					double tf = MarginBounds.margin(java.util.Arrays.copyOfRange(logits.data(), i * k, (i + 1) * k), t);
					for (BoundMethod method : BoundMethod.values()) {
						MarginBounds.Bounds b = Verification.marginBounds(m, x, t, 0, method);
						assertTrue(b.lower() <= tf && tf <= b.upper(), c[0] + " image " + i + " " + method + ": TensorFlow's margin " + tf
							+ " outside " + b);
						double scale = 0;
						for (int j = 0; j < k; j++) scale = Math.max(scale, Math.abs(logits.get(i, j)));
						assertTrue((b.upper() - b.lower()) / 2 < 1e-2 * (1 + scale), c[0] + ": the slack " + (b.upper() - b.lower()) / 2
							+ " is a small fraction of logits of " + scale);
					}
				}
			}
		}
	}

	/**
	 * Known answer: logits = x W over 16 inputs of 1, W = 1 except one entry of class 1, 1 - 2^-20.
	 * The exact margin of class 0 is 2^-20 > 0, but float32 sums of 16 terms may be off by
	 * gamma_20 * 16 each: the slack is gamma_20 (16 + 16 - 2^-20), the float32 lower bound is
	 * negative, and EVA does not call the image verified although its exact lower bound is positive.
	 */
	@Test
	void aMarginBelowTheRoundingSlackIsNotVerified(@TempDir Path tmp) throws Exception {
		float[] w = new float[32];
		java.util.Arrays.fill(w, 1);
		w[15 * 2 + 1] = 1 - 0x1p-20f;
		ResidualModel.export(tmp.resolve("dense"), 0, 4, 1, (tf, g, x, r) -> {
			Operand<TFloat32> flat = tf.withName("flat").reshape(x, tf.constant(new long[] { -1, 16 }));
			return tf.withName("logits").linalg.matMul(flat, ResidualModel.constant(tf, new long[] { 16, 2 }, w));
		});
		try (TensorFlowClassifier m = TensorFlowClassifier.load(tmp.resolve("dense"))) {
			FloatTensor x = new FloatTensor(new long[] { 1, 4, 4, 1 }, filled(16, 1));
			GraphProgram p = GraphProgram.of(m);
			Box point = Verification.ball(x, 0, null);
			java.util.Map<String, Box> v = Verification.nodeBounds(p, point, BoundMethod.INTERVAL, Progress.NONE);
			MarginBounds.Bounds exact = Verification.margin(p, v, 0, BoundMethod.INTERVAL);
			assertEquals(0x1p-20, exact.lower(), 1e-18, "the exact margin");
			double gamma20 = 20 * 0x1p-24 / (1 - 20 * 0x1p-24);
			assertEquals(gamma20 * (32 - 0x1p-20), RoundingError.marginSlack(p, v, 0), 1e-18);
			MarginBounds.Bounds float32 = Verification.float32Margin(p, v, 0, BoundMethod.INTERVAL);
			assertTrue(float32.lower() < 0 && float32.upper() > 2 * 0x1p-20, float32.toString());
			Attribution a = new Eva(1e-9, 1).explain(m, x, new int[] { 0 }, Progress.NONE);
			Eva.VerifiedMargin vm = Eva.verifiedMargins(a).get(0);
			assertFalse(vm.verified(), "exact lower bound positive, but within rounding of 0: " + vm);
			assertTrue(vm.lower() + vm.roundingSlack() > 0, "the exact bound alone would have claimed it: " + vm);
			assertTrue(vm.lower() <= vm.margin() && vm.margin() <= vm.upper(), vm.toString());
		}
	}

	static float[] filled(int n, float v) {
		float[] a = new float[n];
		java.util.Arrays.fill(a, v);
		return a;
	}
}
