package org.conceptscope.mechanistic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;
import org.conceptscope.verify.ResidualModel;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Operand;
import org.tensorflow.op.math.Mean;
import org.tensorflow.types.TFloat32;

/**
 * SRD through a product with a constant written either way round, a sum of two feature maps with broadcasting, and the
 * memory check: known answers on real SavedModels (input 4x4x1, 2 classes, no biases), and one-sentence refusals before
 * any work.
 */
class SrdOperationsTest {

	static final float[] K = { 0.8f, -0.6f }, C = { 1.5f, -0.5f };

	static FloatTensor image() {
		float[] x = new float[16];
		for (int i = 0; i < 16; i++) x[i] = i % 3 == 0 ? -0.4f - 0.05f * i : 0.1f + 0.07f * i;
		return new FloatTensor(new long[] { 1, 4, 4, 1 }, x);
	}

	/**
	 * conv 1x1 (1 -> 2, weights K), ReLU, times the constant C per channel (written C * x or x * C), global mean = logits:
	 * logit t = mean over pixels of C_t relu(K_t x). Each pixel is its ReLU PFV's only input, so its relevance is its own
	 * term C_t relu(K_t x_p) / 16, the same whichever way round the product is written.
	 */
	@Test
	void aProductWithAConstantPassesRelevanceToTheFeatureMapEitherWayRound(@TempDir Path tmp) {
		for (boolean constantFirst : new boolean[] { true, false }) {
			Path dir = tmp.resolve(constantFirst ? "first" : "second");
			ResidualModel.export(dir, 0, 4, 1, (tf, g, x, r) -> {
				Operand<TFloat32> relu = tf.withName("relu").nn.relu(ResidualModel.conv(tf, "conv", x, K, new long[] { 1, 1, 1, 2 }, 1, "SAME"));
				Operand<TFloat32> c = ResidualModel.constant(tf, new long[] { 2 }, C);
				Operand<TFloat32> scaled = constantFirst ? tf.withName("scale").math.mul(c, relu) : tf.withName("scale").math.mul(relu, c);
				return tf.withName("logits").math.mean(scaled, tf.constant(new int[] { 1, 2 }));
			});
			FloatTensor x = image();
			try (TensorFlowClassifier m = TensorFlowClassifier.load(dir)) {
				SharingRatioDecomposition srd = new SharingRatioDecomposition(m);
				for (int t = 0; t < 2; t++) {
					SharingRatioDecomposition.Decomposition d = srd.classRelevance(x, t);
					double sum = 0;
					for (int p = 0; p < 16; p++) {
						double want = C[t] * Math.max(0, K[t] * x.data()[p]) / 16;
						assertEquals(want, d.map().data()[p], 1e-6, "constant first " + constantFirst + ", class " + t + ", pixel " + p);
						sum += d.map().data()[p];
					}
					assertEquals(m.logits(x).get(0, t), sum, 1e-5, "the map sums to the logit");
					assertEquals(0, d.biasRelevance(), 1e-9);
				}
			}
		}
	}

	/**
	 * f = conv 1x1 (1 -> 2, weights K), g = its global mean kept as [1, 1, 1, 2], s = f + g (g broadcast to every position),
	 * logits = mean of s = 2 * mean of f. Relevance of class t at position q of s is s_q[t] / 16, shared f_q[t] / 16 to f and
	 * g[t] / 16 to g; g's total g[t] goes back to f as f_p[t] / 16: pixel p gets f_p[t] / 8 = K_t x_p / 8.
	 */
	@Test
	void aSumWithAFeatureVectorBroadcastOverPositionsIsShared(@TempDir Path tmp) {
		ResidualModel.export(tmp.resolve("m"), 0, 4, 1, (tf, g, x, r) -> {
			Operand<TFloat32> f = ResidualModel.conv(tf, "conv", x, K, new long[] { 1, 1, 1, 2 }, 1, "SAME");
			Operand<TFloat32> pooled = tf.withName("pooled").math.mean(f, tf.constant(new int[] { 1, 2 }), Mean.keepDims(true));
			Operand<TFloat32> sum = tf.withName("sum").math.add(f, pooled);
			return tf.withName("logits").math.mean(sum, tf.constant(new int[] { 1, 2 }));
		});
		FloatTensor x = image();
		try (TensorFlowClassifier m = TensorFlowClassifier.load(tmp.resolve("m"))) {
			SharingRatioDecomposition srd = new SharingRatioDecomposition(m);
			for (int t = 0; t < 2; t++) {
				SharingRatioDecomposition.Decomposition d = srd.classRelevance(x, t);
				for (int p = 0; p < 16; p++) assertEquals(K[t] * x.data()[p] / 8, d.map().data()[p], 1e-6, "class " + t + ", pixel " + p);
				assertEquals(0, d.conservationError(), 1e-6);
			}
		}
	}

	/** A sum of maps whose shapes broadcast along one spatial axis only has no PFV-wise sharing: refused in one sentence. */
	@Test
	void aSumBroadcastAlongOneAxisIsRefusedBeforeAnyWork(@TempDir Path tmp) {
		ResidualModel.export(tmp.resolve("m"), 0, 4, 1, (tf, g, x, r) -> {
			Operand<TFloat32> f = ResidualModel.conv(tf, "conv", x, K, new long[] { 1, 1, 1, 2 }, 1, "SAME");
			Operand<TFloat32> rows = tf.withName("rows").math.mean(f, tf.constant(new int[] { 2 }), Mean.keepDims(true));
			Operand<TFloat32> sum = tf.withName("sum").math.add(f, rows);
			return tf.withName("logits").math.mean(sum, tf.constant(new int[] { 1, 2 }));
		});
		try (TensorFlowClassifier m = TensorFlowClassifier.load(tmp.resolve("m"))) {
			UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
				() -> new SharingRatioDecomposition(m).classRelevance(image(), 0));
			assertTrue(e.getMessage().startsWith("SRD does not support Add (node 'sum'), which adds tensors of shapes [1, 4, 4, 2] [1, 4, 1, 2]"),
				e.getMessage());
		}
	}

	/**
	 * A model whose forward pass in double precision takes far more than the test's heap (a 4096 x 4096 input, 16 channels:
	 * some 9 GB) is refused in one sentence before any work by the decomposition, the SRD command's analysis and
	 * Attribution's early check, instead of failing out of memory half-way.
	 */
	@Test
	void aDecompositionThatCannotFitInTheHeapIsRefusedFirst(@TempDir Path tmp) {
		int size = 4096;
		ResidualModel.export(tmp.resolve("big"), 0, size, 1, (tf, g, x, r) -> {
			Operand<TFloat32> relu = tf.withName("relu").nn.relu(ResidualModel.conv(tf, "conv", x, ResidualModel.random(r, 9 * 16, 0.5),
				new long[] { 3, 3, 1, 16 }, 1, "SAME"));
			Operand<TFloat32> pooled = tf.withName("gap").math.mean(relu, tf.constant(new int[] { 1, 2 }));
			return tf.withName("logits").linalg.matMul(pooled, ResidualModel.constant(tf, new long[] { 16, 2 }, ResidualModel.random(r, 32, 1)));
		});
		try (TensorFlowClassifier m = TensorFlowClassifier.load(tmp.resolve("big"))) {
			long pixels = (long) size * size, need = SharingRatioDecomposition.bytesNeeded(m, size, size);
			long values = pixels * (1 + 16 + 16); // the input, the convolution, the ReLU
			assertTrue(need >= 16 * values && need <= 16 * (values + 100) + 8 * 4 * pixels, "estimate " + need);
			Assumptions.assumeTrue(need > Runtime.getRuntime().maxMemory(), "the test's heap holds the whole pass");
			FloatTensor x = FloatTensor.zeros(1, size, size, 1);
			SharingRatioDecomposition srd = new SharingRatioDecomposition(m);
			IllegalStateException e = assertThrows(IllegalStateException.class, () -> srd.classRelevance(x, 0));
			assertTrue(e.getMessage().startsWith("SRD needs about " + (need + (1 << 20) - 1) / (1 << 20) + " MB of Java heap for one 4096 x 4096"
				+ " image of this model") && e.getMessage().contains("Edit > Options > Memory & Threads"), e.getMessage());
			assertThrows(IllegalStateException.class, () -> srd.effectiveReceptiveField(x, "relu", 0));
			assertThrows(IllegalStateException.class, () -> SharingRatioAnalysis.run(m, x, 0, null, 1f, Progress.NONE));
			assertThrows(IllegalStateException.class, () -> new SrdAttribution().checkRuns(m));
		}
	}

	/** The rule itself: refused when the need is above what is left, accepted at exactly what is left. */
	@Test
	void theMemoryRuleComparesTheNeedWithWhatIsLeft() {
		SharingRatioDecomposition.checkMemory(100L << 20, 100L << 20, 8, 8);
		IllegalStateException e = assertThrows(IllegalStateException.class, () -> SharingRatioDecomposition.checkMemory(100L << 20, 99L << 20, 8, 8));
		assertTrue(e.getMessage().contains("100 MB") && e.getMessage().contains("99 MB are left"), e.getMessage());
	}
}
