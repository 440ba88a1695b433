package org.conceptscope.heads;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.train.GraphNetwork;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * The InfoDisent head as a TensorFlow graph on a frozen backbone's feature map [N, h, w, c]:
 * an orthogonal projection Q of every position's feature vector (a product of an even number
 * m >= c of Householder reflections, so Q is orthogonal by construction whatever the trained
 * values; pairs start equal, so training starts from Q = I, the backbone's own channels), per channel the
 * strongest positive evidence minus the strongest negative evidence
 * (max ReLU(p) - max ReLU(-p) over positions), and a non-negative linear classifier (squared
 * weights). Names: features, infodisent/projected, infodisent/evidence, logits, probabilities.
 * <p>
 * An even number of reflections gives det Q = +1 (SO(c)), so flipping the sign of a single part
 * is not reachable, and no fixed number of reflections could reach both components of O(c) by
 * gradient steps (one extra reflection would only swap them and lose Q = I as the start). It is
 * not needed: evidence is odd in p (e(-p) = -e(p)), and under the softmax a non-negative weight
 * vector w_j. on -e_j gives the same class probabilities as (max w_j. - w_j.) on +e_j plus a shift
 * common to all classes, so every decision function of O(c) is one of SO(c). What the sign
 * changes is the reading: a part whose evidence is negative for class k shows up as a part that
 * speaks against the other classes (InfoDisentTest trains such a target).
 */
final class InfoDisentGraph extends GraphNetwork {


	InfoDisentGraph(Graph g, int h, int w, int c, int classes, Map<String, FloatTensor> initial) {
		Ops tf = Ops.create(g);
		input = tf.withName("features").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, h, w, c)));
		Ops scope = tf.withSubScope("infodisent");
		Operand<TFloat32> q = scope.withName("identity").constant(Shape.of(c, c), DataBuffers.of(eye(c)));
		for (int i = 0; i < reflections(c); i++) {
			Variable<TFloat32> var = scope.withName("householder_" + i).variable(constant(tf, initial.get("householder_" + i)));
			variables.put("householder_" + i, var);
			// read the ref-typed variable first: TensorFlow's C++ Square gradient crashes the JVM on a VariableV2 output
			Operand<TFloat32> v = tf.identity(var);
			// Q <- Q (I - 2 v v^T / v^T v) = Q - 2 (Q v) v^T / (v^T v)
			Operand<TFloat32> qv = tf.linalg.matMul(q, v);
			Operand<TFloat32> vtv = tf.sum(tf.math.mul(v, v), tf.constant(new int[] { 0, 1 }));
			Operand<TFloat32> outer = tf.linalg.matMul(qv, v, org.tensorflow.op.linalg.MatMul.transposeB(true));
			q = tf.math.sub(q, tf.math.div(tf.math.mul(tf.constant(2f), outer), vtv));
		}
		Operand<TFloat32> flat = tf.reshape(input, tf.constant(new long[] { -1, c }));
		Operand<TFloat32> projected = scope.withName("projected").reshape(tf.linalg.matMul(flat, scope.withName("q").identity(q)),
			tf.constant(new long[] { -1, (long) h * w, c }));
		Operand<TFloat32> pos = tf.max(tf.nn.relu(projected), tf.constant(1));
		Operand<TFloat32> neg = tf.max(tf.nn.relu(tf.math.neg(projected)), tf.constant(1));
		Operand<TFloat32> evidence = scope.withName("evidence").math.sub(pos, neg);
		Variable<TFloat32> wRaw = scope.withName("classifier").variable(constant(tf, initial.get("classifier")));
		Variable<TFloat32> bias = scope.withName("bias").variable(constant(tf, initial.get("bias")));
		variables.put("classifier", wRaw);
		variables.put("bias", bias);
		Operand<TFloat32> wRead = tf.identity(wRaw);
		logits = tf.withName("logits").nn.biasAdd(tf.linalg.matMul(evidence, tf.math.mul(wRead, wRead)), bias);
		probabilities = tf.withName("probabilities").nn.softmax(logits);
	}

	/** Number of reflections: c rounded up to even (a product of reflections in equal pairs is the identity). */
	static int reflections(int c) {
		return c % 2 == 0 ? c : c + 1;
	}

	static Map<String, FloatTensor> initialWeights(int c, int classes, long seed) {
		Random r = new Random(seed);
		Map<String, FloatTensor> m = new LinkedHashMap<>();
		for (int i = 0; i < reflections(c); i += 2) {
			FloatTensor v = FloatTensor.zeros(c, 1);
			for (int j = 0; j < c; j++) v.data()[j] = (float) r.nextGaussian();
			m.put("householder_" + i, v);
			m.put("householder_" + (i + 1), v.copy());
		}
		FloatTensor w = FloatTensor.zeros(c, classes);
		for (int i = 0; i < w.size(); i++) w.data()[i] = (float) (0.1 + 0.1 * r.nextDouble());
		m.put("classifier", w);
		m.put("bias", FloatTensor.zeros(classes));
		return m;
	}

	/** Q in Java from the Householder vectors: the same product the graph computes. */
	static double[][] projection(Map<String, FloatTensor> weights, int c) {
		double[][] q = new double[c][c];
		for (int i = 0; i < c; i++) q[i][i] = 1;
		for (int i = 0; i < reflections(c); i++) {
			float[] v = weights.get("householder_" + i).data();
			double vtv = 0;
			for (float x : v) vtv += x * x;
			double[] qv = new double[c];
			for (int r = 0; r < c; r++) for (int k = 0; k < c; k++) qv[r] += q[r][k] * v[k];
			for (int r = 0; r < c; r++) for (int k = 0; k < c; k++) q[r][k] -= 2 * qv[r] * v[k] / vtv;
		}
		return q;
	}

	private static float[] eye(int c) {
		float[] e = new float[c * c];
		for (int i = 0; i < c; i++) e[i * c + i] = 1;
		return e;
	}

	static Operand<TFloat32> constant(Ops tf, FloatTensor t) {
		if (t == null) throw new IllegalArgumentException("Missing initial value.");
		return tf.constant(Shape.of(t.shape()), DataBuffers.of(Arrays.copyOf(t.data(), t.size())));
	}




}
