package org.conceptscope.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;

import org.conceptscope.tensor.FloatTensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.SavedModel;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.types.TFloat32;

/**
 * Multi-label SavedModels (a Sigmoid output, as Keras writes {@code Dense(k, activation="sigmoid")})
 * and the choice of signature. Known answers are computed here from the model's definition:
 * z = flatten(x) W + b, probabilities sigmoid(z), d z_k / d x = column k of W.
 */
class SigmoidOutputTest {

	@TempDir
	static Path tmp;

	/** W [4, 3]: flattened 2x2 image to 3 labels. */
	static final float[] W = { 0.5f, -1f, 2f, 1.5f, 0.25f, -0.5f, -2f, 1f, 0.75f, 1f, -0.5f, 0.1f };
	/** Label 0 is confidently on: its sigmoid saturates, the case where explaining after the sigmoid fails. */
	static final float[] B = { 9f, 0f, -1f };

	static GraphDef classifierGraph(boolean sigmoid) {
		try (Graph g = new Graph()) {
			Ops tf = Ops.create(g);
			var in = tf.withName("input").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 2, 2, 1)));
			var flat = tf.withName("flat").reshape(in, tf.constant(new long[] { -1, 4 }));
			var w = tf.withName("kernel").constant(new float[][] { { W[0], W[1], W[2] }, { W[3], W[4], W[5] }, { W[6], W[7], W[8] },
				{ W[9], W[10], W[11] } });
			var z = tf.withName("dense").math.add(tf.withName("matmul").linalg.matMul(flat, w), tf.withName("bias").constant(B));
			// Keras ends the signature in an Identity of the activation
			tf.withName("output").identity(sigmoid ? tf.withName("sigmoid").math.sigmoid(z) : z);
			return g.toGraphDef();
		}
	}

	static float[] referenceLogits(FloatTensor x) {
		int n = (int) x.dim(0);
		float[] z = new float[n * 3];
		for (int i = 0; i < n; i++) for (int k = 0; k < 3; k++) {
			double s = B[k];
			for (int p = 0; p < 4; p++) s += (double) x.data()[i * 4 + p] * W[p * 3 + k];
			z[i * 3 + k] = (float) s;
		}
		return z;
	}

	static FloatTensor image(long seed, int n) {
		Random r = new Random(seed);
		FloatTensor x = FloatTensor.zeros(n, 2, 2, 1);
		for (int i = 0; i < x.size(); i++) x.data()[i] = r.nextFloat();
		return x;
	}

	@Test
	void aSigmoidModelIsExplainedOnItsLogitsAndItsProbabilitiesAreTheSigmoidOutputs() throws Exception {
		Path dir = tmp.resolve("multi-label");
		TestGraphs.writeSavedModel(dir, classifierGraph(true), "input:0", Shape.of(-1, 2, 2, 1), Map.of("output_0", "output:0"), null);
		try (TensorFlowClassifier m = TensorFlowClassifier.load(dir, LoadOptions.defaults().withWorkDir(tmp.resolve("work")))) {
			FloatTensor x = image(3, 5);
			float[] z = referenceLogits(x);
			assertTrue(m.isMultiLabel());
			assertEquals("dense:0", m.signature().logits().tensorName(), "explained before the sigmoid");
			assertArrayEquals(z, m.logits(x).data(), 1e-5f, "the logits are z, not sigmoid(z)");
			float[] p = new float[z.length];
			for (int i = 0; i < z.length; i++) p[i] = (float) (1 / (1 + Math.exp(-z[i])));
			float[] probs = m.probabilities(x).data();
			assertArrayEquals(p, probs, 1e-6f, "each label's probability is its own sigmoid, not a softmax over the labels");
			assertTrue(probs[0] + probs[1] + probs[2] > 1.05f, "multi-label probabilities need not sum to 1: " + (probs[0] + probs[1] + probs[2]));
			// the gradient of the confident label's logit is column 0 of W, whatever x: not sigmoid'(z) W, which is ~1e-4 W
			FloatTensor g = m.inputGradient(image(4, 1), FloatTensor.oneHot(new int[] { 0 }, 3));
			assertArrayEquals(new float[] { W[0], W[3], W[6], W[9] }, g.data(), 1e-6f);
			// the predicted label is unchanged: sigmoid is monotonic
			assertEquals(0, argmax(m.logits(image(4, 1)).data()));
		}
	}

	@Test
	void aSoftmaxFreeLinearModelKeepsTheSoftmaxOfItsLogits() throws Exception {
		Path dir = tmp.resolve("linear");
		TestGraphs.writeSavedModel(dir, classifierGraph(false), "input:0", Shape.of(-1, 2, 2, 1), Map.of("output_0", "output:0"), null);
		try (TensorFlowClassifier m = TensorFlowClassifier.load(dir, LoadOptions.defaults().withWorkDir(tmp.resolve("work")))) {
			assertFalse(m.isMultiLabel());
			FloatTensor x = image(5, 2);
			float[] z = referenceLogits(x), probs = m.probabilities(x).data();
			for (int i = 0; i < 2; i++) {
				double sum = 0;
				for (int k = 0; k < 3; k++) sum += Math.exp(z[i * 3 + k]);
				for (int k = 0; k < 3; k++) assertEquals(Math.exp(z[i * 3 + k]) / sum, probs[i * 3 + k], 1e-6);
			}
		}
	}

	@Test
	void aSigmoidSegmentationMapsProbabilitiesAreItsOutputNotASoftmaxOverChannels() throws Exception {
		Path dir = tmp.resolve("sigmoid-map");
		GraphDef graph;
		try (Graph g = new Graph()) {
			Ops tf = Ops.create(g);
			var in = tf.withName("input").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 4, 4, 1)));
			// channel c = sigmoid(a_c x + b_c)
			var z = tf.withName("z").math.add(tf.math.mul(in, tf.constant(new float[] { 3f, -2f })), tf.constant(new float[] { -1f, 0.5f }));
			tf.withName("output").identity(tf.withName("sigmoid").math.sigmoid(z));
			graph = g.toGraphDef();
		}
		TestGraphs.writeSavedModel(dir, graph, "input:0", Shape.of(-1, 4, 4, 1), Map.of("output_0", "output:0"), null);
		try (TensorFlowClassifier m = TensorFlowClassifier.load(dir, LoadOptions.defaults().withWorkDir(tmp.resolve("work")))) {
			assertTrue(m.isDense());
			FloatTensor x = FloatTensor.zeros(1, 4, 4, 1);
			Random r = new Random(6);
			for (int i = 0; i < x.size(); i++) x.data()[i] = r.nextFloat();
			float[] want = new float[16 * 2];
			for (int p = 0; p < 16; p++) {
				float v = x.data()[p];
				want[p * 2] = (float) (1 / (1 + Math.exp(-(3 * v - 1))));
				want[p * 2 + 1] = (float) (1 / (1 + Math.exp(-(-2 * v + 0.5))));
			}
			// a dense model is explained on its [0, 1] output (as with softmax maps), and that output is its probabilities
			assertArrayEquals(want, m.outputs(x).data(), 1e-6f);
			assertArrayEquals(want, m.probabilities(x).data(), 1e-6f);
			assertTrue(m.mapHoldsProbabilities());
		}
	}

	@Test
	void twoSignaturesWithoutServingDefaultAreRefusedAndASingleOneIsTaken() throws Exception {
		Path one = tmp.resolve("one-signature"), two = tmp.resolve("two-signatures");
		TestGraphs.writeSavedModel(one, classifierGraph(false), "input:0", Shape.of(-1, 2, 2, 1), Map.of("logits", "output:0"), null);
		renameSignature(one, "predict", false);
		try (TensorFlowClassifier m = TensorFlowClassifier.load(one, LoadOptions.defaults().withWorkDir(tmp.resolve("work")))) {
			assertEquals("predict", m.signature().key());
			assertArrayEquals(referenceLogits(image(7, 1)), m.logits(image(7, 1)).data(), 1e-5f);
		}
		TestGraphs.writeSavedModel(two, classifierGraph(false), "input:0", Shape.of(-1, 2, 2, 1), Map.of("logits", "output:0"), null);
		renameSignature(two, "predict", true);
		ModelLoadException e = assertThrows(ModelLoadException.class,
			() -> TensorFlowClassifier.load(two, LoadOptions.defaults().withWorkDir(tmp.resolve("work"))).close());
		String msg = e.getMessage();
		for (String part : new String[] { two.resolve("saved_model.pb").toString(), "'serving_default'", "2 others (embed, predict)",
			"re-export" }) {
			assertTrue(msg.contains(part), "'" + part + "' in: " + msg);
		}
	}

	/** Renames serving_default to {@code key}, and with {@code second} adds an "embed" signature (the flattened image). */
	static void renameSignature(Path dir, String key, boolean second) throws Exception {
		Path pb = dir.resolve("saved_model.pb");
		SavedModel saved = SavedModel.parseFrom(Files.readAllBytes(pb));
		MetaGraphDef.Builder meta = saved.getMetaGraphs(0).toBuilder();
		SignatureDef sig = meta.getSignatureDefOrThrow("serving_default");
		meta.removeSignatureDef("serving_default").putSignatureDef(key, sig);
		if (second) {
			meta.putSignatureDef("embed", sig.toBuilder().clearOutputs().putOutputs("features",
				org.tensorflow.proto.TensorInfo.newBuilder().setName("flat:0").setDtype(org.tensorflow.proto.DataType.DT_FLOAT).build()).build());
		}
		Files.write(pb, saved.toBuilder().setMetaGraphs(0, meta).build().toByteArray());
	}

	static int argmax(float[] v) {
		int best = 0;
		for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
		return best;
	}
}
