package org.conceptscope.heads;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.train.GraphNetwork;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * The Bi-ICE head as a TensorFlow graph on a frozen feature map [N, h, w, c]. Patches are
 * embedded (E = X Wp, d dimensions), K concept embeddings C score every patch
 * (S = E C^T / sqrt(d), C with its mean over concepts removed), and the interaction runs both ways: concepts gather from patches
 * (A = softmax over patches) and patches broadcast to concepts (B = softmax over concepts).
 * Concept k's activation is sum_p A_kp B_pk ReLU(S_pk): a patch counts for a concept when the
 * concept attends to it and it chooses that concept. Logits are a non-negative combination of the
 * (non-negative) activations, so every contribution is present evidence, never evidence by
 * absence. Training adds an L1 penalty on the concepts' directions in channel space (sparsity). Elementwise
 * products stand in for the batched matrix products of the paper (their graph gradients are not
 * available from Java). The interaction runs {@code iterations} rounds (see the constructor).
 * Names: features, biice/assignment (B), logits, probabilities.
 */
final class BiIceGraph extends GraphNetwork {


	BiIceGraph(Graph g, int h, int w, int c, int d, int k, int classes, double sparsity, Map<String, FloatTensor> init) {
		this(g, h, w, c, d, k, classes, sparsity, 1, init);
	}

	/**
	 * With {@code iterations} rounds of bidirectional binding: in each round, after the layer norms,
	 * concepts compete for the patches (B, softmax over concepts) and take in the weighted mean of
	 * the patches they win (C_k = LN(C_k) + sum_p B_pk LN(E_p) / sum_p B_pk, then centred again over
	 * concepts), and patches receive the updated concepts they choose (E_p = LN(E_p) + sum_k B_pk
	 * LN(C_k)); scores, attention A (softmax over patches) and assignment B of the last round give the
	 * activations. One round is the static interaction.
	 */
	BiIceGraph(Graph g, int h, int w, int c, int d, int k, int classes, double sparsity, int iterations, Map<String, FloatTensor> init) {
		Ops tf = Ops.create(g);
		input = tf.withName("features").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, h, w, c)));
		Ops scope = tf.withSubScope("biice");
		// no patch bias: an empty patch embeds to 0 and scores 0 for every concept, so concepts must respond to content
		Variable<TFloat32> wp = var(scope, "patch_kernel", init), concepts = var(scope, "concepts", init),
			wc = var(scope, "classifier", init), bc = var(scope, "bias", init);
		int p = h * w;
		Operand<TFloat32> x = tf.reshape(input, tf.constant(new long[] { -1, c }));
		Operand<TFloat32> e = tf.linalg.matMul(x, wp); // [N*P, d]
		Operand<TFloat32> cRead = tf.identity(concepts);
		// B (softmax over concepts) ignores a component shared by all concepts; removing the mean fixes that freedom, else a
		// concept could point mostly at another class's channel and still win only on its own class's patches
		Operand<TFloat32> centred = scope.withName("centred_concepts").math.sub(cRead,
			tf.math.mean(cRead, tf.constant(0), org.tensorflow.op.math.Mean.keepDims(true)));
		// per image: patches [N, P, 1, d] and concepts [N or 1, 1, K, d]; products and sums stand in for batched matrix products
		Operand<TFloat32> patches = tf.reshape(e, tf.constant(new long[] { -1, p, 1, d }));
		Operand<TFloat32> cs = tf.reshape(centred, tf.constant(new long[] { 1, 1, k, d }));
		Operand<TFloat32> s3 = null, assignment = null, attention = null;
		for (int round = 0; round < iterations; round++) {
			// both sides layer-normalised before they meet (as the authors' concept binding does): scores stay within
			// +-sqrt(d) whatever the rounds add, so no softmax saturates to exact zeros
			Operand<TFloat32> pn = layerNorm(tf, patches, 3), cn = layerNorm(tf, cs, 3);
			s3 = tf.math.mul(tf.sum(tf.math.mul(pn, cn), tf.constant(3)), tf.constant((float) (1 / Math.sqrt(d)))); // [N, P, K]
			boolean last = round == iterations - 1;
			assignment = (last ? scope.withName("assignment") : tf).nn.softmax(s3); // B: over concepts
			Operand<TFloat32> sT = tf.linalg.transpose(s3, tf.constant(new int[] { 0, 2, 1 })); // [N, K, P]
			attention = tf.linalg.transpose((last ? scope.withName("attention") : tf).nn.softmax(sT), tf.constant(new int[] { 0, 2, 1 }));
			if (last) break;
			// binding: concepts compete for the patches (B, normalised over concepts) and take in the weighted mean of the
			// patches they win (weights B renormalised over patches), then centred again
			Operand<TFloat32> won = tf.math.div(assignment, tf.math.add(tf.sum(assignment, tf.constant(1),
				org.tensorflow.op.core.Sum.keepDims(true)), tf.constant(EPSILON))); // [N, P, K]
			Operand<TFloat32> gathered = tf.sum(tf.math.mul(tf.expandDims(won, tf.constant(3)), pn), tf.constant(1),
				org.tensorflow.op.core.Sum.keepDims(true)); // [N, 1, K, d]
			Operand<TFloat32> updated = tf.math.add(cn, gathered);
			cs = tf.math.sub(updated, tf.math.mean(updated, tf.constant(2), org.tensorflow.op.math.Mean.keepDims(true)));
			// broadcast: patches receive the (normalised) updated concepts they choose
			Operand<TFloat32> received = tf.sum(tf.math.mul(tf.expandDims(assignment, tf.constant(3)), layerNorm(tf, cs, 3)), tf.constant(2),
				org.tensorflow.op.core.Sum.keepDims(true)); // [N, P, 1, d]
			patches = tf.math.add(pn, received);
		}
		Operand<TFloat32> activation = scope.withName("activation").sum(tf.math.mul(tf.math.mul(attention, assignment), tf.nn.relu(s3)),
			tf.constant(1)); // [N, K]
		Operand<TFloat32> wRead = tf.identity(wc); // a value, not the ref: see InfoDisentGraph
		logits = tf.withName("logits").nn.biasAdd(tf.linalg.matMul(activation, tf.math.mul(wRead, wRead)), bc);
		probabilities = tf.withName("probabilities").nn.softmax(logits);
		if (sparsity > 0) {
			// L1 on each concept's direction in the backbone's channel space (Wp LN(C_k): scores are linear in a patch's features along it): a concept uses the few channels that carry
			// it, so leftovers of the start (components that no longer change the decision) decay instead of staying
			Operand<TFloat32> u = tf.linalg.matMul(tf.identity(wp), layerNorm(tf, centred, 1), org.tensorflow.op.linalg.MatMul.transposeB(true)); // [c, K]
			penalty = tf.math.mul(tf.constant((float) sparsity), tf.math.mean(tf.math.abs(u), tf.constant(new int[] { 0, 1 })));
		}
	}

	/** Small constant of the layer norms and the weighted mean (the Java head uses the same). */
	static final float EPSILON = 1e-5f;

	/** x minus its mean over the last axis, divided by its standard deviation (plus EPSILON): a layer norm without gain or bias. */
	private static Operand<TFloat32> layerNorm(Ops tf, Operand<TFloat32> x, int axis) {
		Operand<TFloat32> xc = tf.math.sub(x, tf.math.mean(x, tf.constant(axis), org.tensorflow.op.math.Mean.keepDims(true)));
		Operand<TFloat32> var = tf.math.mean(tf.math.mul(xc, xc), tf.constant(axis), org.tensorflow.op.math.Mean.keepDims(true));
		return tf.math.div(xc, tf.math.sqrt(tf.math.add(var, tf.constant(EPSILON))));
	}

	private Variable<TFloat32> var(Ops scope, String name, Map<String, FloatTensor> init) {
		Variable<TFloat32> v = scope.withName(name).variable(InfoDisentGraph.constant(scope, init.get(name)));
		variables.put(name, v);
		return v;
	}

	/** Initial values drawn from {@code r} (a stream of its own: the batches and the held-out split have theirs). */
	static Map<String, FloatTensor> initialWeights(int c, int d, int k, int classes, SplittableRandom r) {
		Map<String, FloatTensor> m = new LinkedHashMap<>();
		m.put("patch_kernel", gaussian(r, Math.sqrt(1.0 / c), c, d));
		m.put("concepts", gaussian(r, 1, k, d));
		FloatTensor wc = FloatTensor.zeros(k, classes);
		for (int i = 0; i < wc.size(); i++) wc.data()[i] = (float) (0.2 + 0.2 * r.nextDouble());
		m.put("classifier", wc);
		m.put("bias", FloatTensor.zeros(classes));
		return m;
	}

	private static FloatTensor gaussian(SplittableRandom r, double std, long... shape) {
		FloatTensor t = FloatTensor.zeros(shape);
		for (int i = 0; i < t.size(); i++) t.data()[i] = (float) (r.nextGaussian() * std);
		return t;
	}




}
