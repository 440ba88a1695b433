package org.conceptscope.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import org.conceptscope.attribution.GuidedGradient;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.verify.ResidualModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Operand;
import org.tensorflow.op.core.Squeeze;
import org.tensorflow.op.core.Sum;
import org.tensorflow.op.nn.FusedBatchNorm;
import org.tensorflow.op.nn.LeakyRelu;
import org.tensorflow.types.TFloat32;

/**
 * ConceptScope's own backward pass ({@link BackwardGraph}) against two independent computations:
 * with the ordinary ReLU rule it must equal TensorFlow's registered gradient on every rule it has
 * (one network uses them all, plus the bundled models and an inlined Keras-style graph); with the
 * Guided Backpropagation and DeconvNet rules it must equal a layer-by-layer computation that uses
 * TensorFlow's own gradients between ReLUs (relu-free segments, fed and fetched as layers) and
 * applies the ReLU rule in Java in between.
 */
class ReluBackwardTest {

	@TempDir
	static Path tmp;

	static FloatTensor images(TensorFlowClassifier m, int n, long seed, float offset) {
		long[] s = m.signature().input().shape();
		Random r = new Random(seed);
		FloatTensor t = FloatTensor.zeros(n, s[1], s[2], s[3]);
		for (int i = 0; i < t.size(); i++) t.data()[i] = r.nextFloat() + offset;
		return t;
	}

	static FloatTensor weights(int n, int k, long seed) {
		Random r = new Random(seed);
		FloatTensor w = FloatTensor.zeros(n, k);
		for (int i = 0; i < w.size(); i++) w.data()[i] = (float) r.nextGaussian();
		return w;
	}

	static void assertClose(FloatTensor want, FloatTensor got, String what) {
		assertEquals(java.util.Arrays.toString(want.shape()), java.util.Arrays.toString(got.shape()), what);
		double scale = 0;
		for (float v : want.data()) scale = Math.max(scale, Math.abs(v));
		assertTrue(scale > 0, what + ": the reference is all zero, which would test nothing");
		for (int i = 0; i < want.size(); i++) {
			assertEquals(want.data()[i], got.data()[i], 1e-4 * scale + 1e-7, what + " at " + i);
		}
	}

	static void assertOrdinaryMatchesTensorFlow(TensorFlowClassifier m, String what) {
		FloatTensor x = images(m, 3, 5, -0.3f);
		FloatTensor w = weights(3, m.numClasses(), 6);
		assertClose(m.inputGradient(x, w), m.builtInputGradient(x, w, ReluBackward.ORDINARY), what);
	}

	@Test
	void ordinaryRuleIsTensorFlowsGradientOnTheBundledModels() {
		for (String name : List.of("known-answer", "ct-tissue", "ihc-stain")) {
			try (TensorFlowClassifier m = TensorFlowClassifier.load(BundledModels.dir(name))) {
				assertOrdinaryMatchesTensorFlow(m, name);
			}
		}
	}

	@Test
	void ordinaryRuleIsTensorFlowsGradientOnAnInlinedKerasGraph() throws Exception {
		Path dir = tmp.resolve("keras");
		TestGraphs.kerasStyle(dir, 3, 12);
		try (TensorFlowClassifier m = TensorFlowClassifier.load(dir, LoadOptions.defaults().withWorkDir(tmp))) {
			assertTrue(m.inlinedCalls() > 0);
			assertOrdinaryMatchesTensorFlow(m, "keras-style");
		}
	}

	/** One network through every operation the backward pass has a rule for. Input [N, 10, 10, 3], 3 classes. */
	static void exportEveryRule(Path dir, long seed) {
		ResidualModel.export(dir, seed, 10, 3, (tf, g, x, r) -> {
			Operand<TFloat32> c1 = tf.withName("bias").nn.biasAdd(ResidualModel.conv(tf, "conv", x, ResidualModel.random(r, 108, 0.5),
				new long[] { 3, 3, 3, 4 }, 1, "SAME"), ResidualModel.constant(tf, new long[] { 4 }, ResidualModel.random(r, 4, 0.2)));
			float[] var = new float[4];
			for (int i = 0; i < 4; i++) var[i] = 0.5f + r.nextFloat();
			Operand<TFloat32> bn = tf.withName("bn").nn.fusedBatchNorm(c1, ResidualModel.constant(tf, new long[] { 4 }, ResidualModel.random(r, 4, 1)),
				ResidualModel.constant(tf, new long[] { 4 }, ResidualModel.random(r, 4, 0.1)), ResidualModel.constant(tf, new long[] { 4 },
					ResidualModel.random(r, 4, 0.1)), ResidualModel.constant(tf, new long[] { 4 }, var), FusedBatchNorm.isTraining(false),
				FusedBatchNorm.epsilon(1e-3f)).y();
			Operand<TFloat32> p1 = ResidualModel.pool(g, "MaxPool", tf.withName("relu").nn.relu(bn), 2, 2, "VALID");
			Operand<TFloat32> dw = tf.withName("depthwise").nn.depthwiseConv2dNative(p1, ResidualModel.constant(tf, new long[] { 3, 3, 4, 1 },
				ResidualModel.random(r, 36, 0.6)), List.of(1L, 1L, 1L, 1L), "SAME");
			Operand<TFloat32> r6 = tf.withName("relu6").nn.relu6(tf.withName("scale").math.mul(dw, tf.constant(3f)));
			Operand<TFloat32> pad = g.opBuilder("Pad", "pad", g.baseScope()).addInput(r6.asOutput())
				.addInput(tf.constant(new int[][] { { 0, 0 }, { 1, 1 }, { 1, 1 }, { 0, 0 } }).asOutput()).build().output(0);
			Operand<TFloat32> av = tf.withName("avg").nn.avgPool(pad, List.of(1L, 3L, 3L, 1L), List.of(1L, 2L, 2L, 1L), "SAME");
			Operand<TFloat32> leaky = tf.withName("leaky").nn.leakyRelu(tf.withName("shift").math.sub(av, ResidualModel.constant(tf, new long[] { 4 },
				new float[] { 0.5f, 1, -0.5f, 0 })), LeakyRelu.alpha(0.2f));
			Operand<TFloat32> branch = tf.withName("tanh").math.tanh(ResidualModel.conv(tf, "conv_b", av, ResidualModel.random(r, 16, 0.7),
				new long[] { 1, 1, 4, 4 }, 1, "SAME"));
			Operand<TFloat32> cat = tf.withName("concat").concat(List.of(leaky, branch), tf.constant(-1));
			Operand<TFloat32> res = tf.withName("residual").math.add(cat, tf.withName("sigmoid").math.sigmoid(ResidualModel.conv(tf, "conv_c", cat,
				ResidualModel.random(r, 64, 0.5), new long[] { 1, 1, 8, 8 }, 1, "SAME")));
			Operand<TFloat32> flipped = tf.withName("flip").math.sub(tf.constant(1f), tf.withName("elu").nn.elu(res));
			Operand<TFloat32> halved = tf.withName("half").math.realDiv(tf.withName("softplus").math.softplus(flipped), tf.constant(2f));
			Operand<TFloat32> mean = tf.withName("gap").math.mean(halved, tf.constant(new int[] { 1, 2 }));
			Operand<TFloat32> sum = tf.withName("squeeze").squeeze(tf.withName("sum").sum(tf.withName("selu").nn.selu(res), tf.constant(new int[] { 1, 2 }),
				Sum.keepDims(true)), Squeeze.axis(List.of(1L, 2L)));
			Operand<TFloat32> mix = g.opBuilder("AddV2", "mix", g.baseScope()).addInput(tf.withName("expand").expandDims(mean, tf.constant(1)).asOutput())
				.addInput(tf.withName("neg").math.neg(tf.math.mul(tf.expandDims(sum, tf.constant(1)), tf.constant(0.1f))).asOutput()).build().output(0);
			Operand<TFloat32> features = tf.withName("features").reshape(mix, tf.constant(new int[] { -1, 8 }));
			Operand<TFloat32> dense = tf.withName("dense").linalg.matMul(features, ResidualModel.constant(tf, new long[] { 3, 8 }, ResidualModel.random(r, 24, 1)),
				org.tensorflow.op.linalg.MatMul.transposeB(true));
			return tf.withName("logits").nn.biasAdd(dense, ResidualModel.constant(tf, new long[] { 3 }, ResidualModel.random(r, 3, 0.1)));
		});
	}

	@Test
	void ordinaryRuleIsTensorFlowsGradientThroughEveryRule() {
		Path dir = tmp.resolve("every-rule");
		exportEveryRule(dir, 12);
		try (TensorFlowClassifier m = TensorFlowClassifier.load(dir)) {
			java.util.Set<String> missing = new java.util.TreeSet<>(BackwardGraph.SUPPORTED);
			m.graphDef().getNodeList().forEach(n -> missing.remove(n.getOp()));
			// FusedBatchNorm (v1) shares V3's rule, PadV2 Pad's, Snapshot Identity's; the Keras-style graph has IdentityN
			assertEquals(java.util.Set.of("FusedBatchNorm", "IdentityN", "PadV2", "Snapshot"), missing);
			assertOrdinaryMatchesTensorFlow(m, "every rule");
			// the guided rules run through the same network and differ from the gradient
			FloatTensor x = images(m, 2, 1, -0.3f), w = weights(2, 3, 2);
			FloatTensor guided = m.inputGradient(x, w, ReluBackward.GUIDED), deconv = m.inputGradient(x, w, ReluBackward.DECONVNET);
			assertTrue(!java.util.Arrays.equals(guided.data(), deconv.data()) && !java.util.Arrays.equals(guided.data(), m.inputGradient(x, w).data()));
		}
	}

	@Test
	void anOperationWithoutARuleIsNamedBeforeAnythingRuns() {
		Path dir = tmp.resolve("square");
		ResidualModel.export(dir, 3, 6, 1, (tf, g, x, r) -> tf.withName("logits").linalg.matMul(tf.withName("flat").reshape(
			tf.withName("squared").math.square(x), tf.constant(new int[] { -1, 36 })), ResidualModel.constant(tf, new long[] { 36, 2 },
				ResidualModel.random(r, 72, 1))));
		try (TensorFlowClassifier m = TensorFlowClassifier.load(dir)) {
			IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
				() -> m.inputGradient(images(m, 1, 1, 0), weights(1, 2, 1), ReluBackward.GUIDED));
			assertTrue(e.getMessage().contains("Square") && e.getMessage().contains("'squared'"), e.getMessage());
		}
	}

	/**
	 * A network whose only nonlinearity is swish (x sigmoid(x), EfficientNet's activation) or
	 * LeakyReLU: the guided rules change nothing there, so the "guided" map would silently be the
	 * plain gradient (it was, before the refusal); both rules are refused in one sentence naming the
	 * activation and the methods that read the plain gradient, while the ordinary gradient still runs.
	 */
	@Test
	void aPathWithoutReluIsRefusedInsteadOfGivingThePlainGradient() {
		for (String act : List.of("swish", "leaky")) {
			Path dir = tmp.resolve("no-relu-" + act);
			ResidualModel.export(dir, 4, 8, 3, (tf, g, x, r) -> {
				Operand<TFloat32> c = ResidualModel.conv(tf, "conv", x, ResidualModel.random(r, 108, 0.5), new long[] { 3, 3, 3, 4 }, 1, "SAME");
				Operand<TFloat32> a = act.equals("swish") ? tf.withName("swish").math.mul(c, tf.withName("gate").math.sigmoid(c))
					: tf.withName("leaky").nn.leakyRelu(c, LeakyRelu.alpha(0.1f));
				Operand<TFloat32> mean = tf.withName("gap").math.mean(a, tf.constant(new int[] { 1, 2 }));
				return tf.withName("logits").linalg.matMul(mean, ResidualModel.constant(tf, new long[] { 4, 2 }, ResidualModel.random(r, 8, 1)));
			});
			try (TensorFlowClassifier m = TensorFlowClassifier.load(dir)) {
				FloatTensor x = images(m, 2, 3, -0.5f), w = weights(2, 2, 4);
				assertOrdinaryMatchesTensorFlow(m, act);
				for (ReluBackward rule : List.of(ReluBackward.GUIDED, ReluBackward.DECONVNET)) {
					IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.inputGradient(x, w, rule), act + " " + rule);
					String want = act.equals("swish") ? "Sigmoid" : "LeakyRelu";
					assertTrue(e.getMessage().startsWith(rule.label()) && e.getMessage().contains(want) && e.getMessage().contains("Saliency"),
						e.getMessage());
					// The method's checkRuns, which commands and the batch runner call before reading any image,
					// refuses with the same sentence (it used to pass, and the refusal came at the first batch).
					GuidedGradient method = new GuidedGradient(rule);
					IllegalArgumentException early = assertThrows(IllegalArgumentException.class, () -> method.checkRuns(m), act + " " + rule);
					assertEquals(e.getMessage(), early.getMessage());
					IllegalArgumentException viaOperator = assertThrows(IllegalArgumentException.class,
						() -> method.checkRuns(OperatorClassifier.of(m, TargetOperator.classLogit())), act + " " + rule);
					assertEquals(e.getMessage(), viaOperator.getMessage());
				}
			}
		}
	}

	/**
	 * The chain CNNs the project trains (conv, bias, ReLU, average pooling blocks, then a dense
	 * head): from the logits back to the last ReLU, between ReLUs, and from the first ReLU's input
	 * back to the image there is no ReLU, so TensorFlow's own gradients of those segments, chained
	 * with the ReLU rule applied in Java, give the guided gradient independently.
	 */
	@Test
	void guidedRulesMatchALayerByLayerComputation() {
		for (String name : List.of("ct-tissue", "ihc-stain", "known-answer")) {
			try (TensorFlowClassifier m = TensorFlowClassifier.load(BundledModels.dir(name))) {
				int blocks = (int) m.layers().stream().filter(l -> l.opType().equals("Relu")).count();
				assertTrue(blocks >= 2, name + " has " + blocks + " ReLU layers");
				FloatTensor x = images(m, 3, 11, -0.4f);
				FloatTensor w = weights(3, m.numClasses(), 12);
				for (ReluBackward rule : List.of(ReluBackward.GUIDED, ReluBackward.DECONVNET)) {
					assertClose(layerByLayer(m, x, w, rule, blocks), m.inputGradient(x, w, rule), name + " " + rule);
				}
			}
		}
	}

	static FloatTensor layerByLayer(TensorFlowClassifier m, FloatTensor x, FloatTensor w, ReluBackward rule, int blocks) {
		String last = "conv" + blocks + "/relu";
		FloatTensor g = m.gradientFromLayer(last, m.activations(x, last), w);
		for (int b = blocks; b >= 1; b--) {
			String pre = "conv" + b + "/bias_add";
			float[] a = m.activations(x, pre).data(), gv = g.data().clone();
			for (int i = 0; i < gv.length; i++) {
				float positive = Math.max(gv[i], 0);
				gv[i] = rule == ReluBackward.GUIDED ? (a[i] > 0 ? positive : 0) : positive;
			}
			FloatTensor up = new FloatTensor(g.shape(), gv);
			if (b == 1) return m.layerInputGradient(x, pre, up);
			String below = "conv" + (b - 1) + "/relu";
			g = m.layerToLayerGradient(below, m.activations(x, below), pre, up);
		}
		throw new IllegalStateException();
	}
}
