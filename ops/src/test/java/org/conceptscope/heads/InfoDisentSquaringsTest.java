package org.conceptscope.heads;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;

import org.conceptscope.model.TensorFlowEngine;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Gradients;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * The graph's exponential multiplies only the s squarings it needs: squaring j's product has c
 * rows where j < s and none past s (before, every graph computed all 14 squarings, those past s
 * multiplying by I: at c = 512 most of a training step), and evaluates its Taylor polynomial with 5
 * products (Paterson-Stockmeyer) instead of Horner's 11. Its values and its gradient equal those
 * of the exponential that squared 14 times after Horner (written out below as it was), to float rounding, for
 * skew parts that need no squaring, a few and many; it is orthogonal to 1e-5, equals the Java
 * (double) exponential, and its gradient is the derivative of the Java exponential (central
 * differences along a random direction).
 */
class InfoDisentSquaringsTest {

	/** The exponential as the graph built it before: all 14 squarings, T + m_j (T T - T) with m_j 1 where j < s, else 0. */
	static Operand<TFloat32> allSquarings(Ops tf, Operand<TFloat32> a, int c) {
		float[] e = new float[c * c];
		for (int i = 0; i < c; i++) e[i * c + i] = 1;
		Operand<TFloat32> eye = tf.constant(Shape.of(c, c), DataBuffers.of(e));
		Operand<TFloat32> norm = tf.math.sqrt(tf.sum(tf.math.mul(a, a), tf.constant(new int[] { 0, 1 })));
		Operand<TFloat32> log2 = tf.math.div(tf.math.log(tf.math.maximum(tf.math.div(norm, tf.constant((float) InfoDisentGraph.SCALED_NORM)),
			tf.constant(1f))), tf.constant((float) Math.log(2)));
		Operand<TFloat32> s = tf.stopGradient(tf.math.minimum(tf.math.ceil(log2), tf.constant((float) InfoDisentGraph.MAX_SQUARINGS)));
		Operand<TFloat32> b = tf.math.mul(a, tf.stopGradient(tf.math.pow(tf.constant(2f), tf.math.neg(s))));
		Operand<TFloat32> t = tf.math.add(eye, tf.math.mul(b, tf.constant(1f / InfoDisentGraph.TAYLOR_DEGREE)));
		for (int k = InfoDisentGraph.TAYLOR_DEGREE - 1; k >= 1; k--) t = tf.math.add(eye, tf.math.mul(tf.linalg.matMul(b, t), tf.constant(1f / k)));
		for (int j = 0; j < InfoDisentGraph.MAX_SQUARINGS; j++) {
			Operand<TFloat32> m = tf.stopGradient(tf.math.minimum(tf.math.maximum(tf.math.sub(s, tf.constant((float) j)), tf.constant(0f)),
				tf.constant(1f)));
			t = tf.math.add(t, tf.math.mul(m, tf.math.sub(tf.linalg.matMul(t, t), t)));
		}
		Operand<TFloat32> tt = tf.linalg.matMul(t, t, org.tensorflow.op.linalg.MatMul.transposeA(true));
		return tf.linalg.matMul(t, tf.math.mul(tf.math.sub(tf.math.mul(eye, tf.constant(3f)), tt), tf.constant(0.5f)));
	}

	/** Q, dL/dA for L = sum(Q * G), and the rows of each squaring's product (new graph only), of one exponential in the graph. */
	record Run(double[][] q, double[][] gradient, long[] rows) {}

	static Run run(double[][] a, double[][] g, boolean old) {
		int c = a.length;
		TensorFlowEngine.start();
		try (Graph graph = new Graph()) {
			Ops tf = Ops.create(graph);
			Placeholder<TFloat32> in = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(c, c)));
			Operand<TFloat32> q = old ? allSquarings(tf, in, c) : InfoDisentGraph.exponential(tf, in, c);
			Operand<TFloat32> loss = tf.sum(tf.math.mul(q, tf.constant(Shape.of(c, c), DataBuffers.of(flat(g)))), tf.constant(new int[] { 0, 1 }));
			Gradients d = tf.gradients(loss, List.of(in));
			try (Session s = new Session(graph); TFloat32 at = TFloat32.tensorOf(Shape.of(c, c), DataBuffers.of(flat(a)))) {
				Session.Runner r = s.runner().feed(in, at).fetch(q).fetch(d.dy(0));
				if (!old) for (int j = 0; j < InfoDisentGraph.MAX_SQUARINGS; j++) r.fetch(InfoDisentGraph.SQUARING + j);
				try (Result res = r.run()) {
					long[] rows = new long[old ? 0 : InfoDisentGraph.MAX_SQUARINGS];
					for (int j = 0; j < rows.length; j++) rows[j] = res.get(2 + j).shape().size(0);
					return new Run(matrix((TFloat32) res.get(0), c), matrix((TFloat32) res.get(1), c), rows);
				}
			}
		}
	}

	static float[] flat(double[][] m) {
		int c = m.length;
		float[] f = new float[c * c];
		for (int i = 0; i < c; i++) for (int j = 0; j < c; j++) f[i * c + j] = (float) m[i][j];
		return f;
	}

	static double[][] matrix(TFloat32 t, int c) {
		double[][] m = new double[c][c];
		for (int i = 0; i < c; i++) for (int j = 0; j < c; j++) m[i][j] = t.getFloat(i, j);
		return m;
	}

	/** A random skew-symmetric matrix of Frobenius norm {@code norm}, its entries floats. */
	static double[][] skew(int c, double norm, long seed) {
		Random r = new Random(seed);
		double[][] a = new double[c][c];
		double n2 = 0;
		for (int i = 0; i < c; i++) for (int j = i + 1; j < c; j++) {
			a[i][j] = r.nextGaussian();
			n2 += 2 * a[i][j] * a[i][j];
		}
		double f = n2 == 0 ? 0 : norm / Math.sqrt(n2);
		for (int i = 0; i < c; i++) for (int j = i + 1; j < c; j++) {
			a[i][j] = (float) (a[i][j] * f);
			a[j][i] = -a[i][j];
		}
		return a;
	}

	static double frobenius(double[][] a) {
		double s = 0;
		for (double[] row : a) for (double v : row) s += v * v;
		return Math.sqrt(s);
	}

	static double maxAbs(double[][] a) {
		double m = 0;
		for (double[] row : a) for (double v : row) m = Math.max(m, Math.abs(v));
		return m;
	}

	static double maxDiff(double[][] a, double[][] b) {
		double m = 0;
		for (int i = 0; i < a.length; i++) for (int j = 0; j < a.length; j++) m = Math.max(m, Math.abs(a[i][j] - b[i][j]));
		return m;
	}

	/** sum(exp(A) * G) in Java (double), with s squarings. */
	static double javaLoss(double[][] a, double[][] g, int s) {
		double[][] q = InfoDisentGraph.exponential(a, s);
		double l = 0;
		for (int i = 0; i < a.length; i++) for (int j = 0; j < a.length; j++) l += q[i][j] * g[i][j];
		return l;
	}

	@Test
	void onlyTheNeededSquaringsAreMultipliedWithTheOldValuesAndGradients() {
		int c = 48;
		double[][] g = new double[c][c];
		Random r = new Random(11);
		for (int i = 0; i < c; i++) for (int j = 0; j < c; j++) g[i][j] = r.nextGaussian();
		// Frobenius norms needing 0 squarings (A = 0 and |A| = 1.5), 2 (|A| = 7) and 12 (|A| = 6000, entries of about 125)
		double[] norms = { 0, 1.5, 7, 6000 };
		int[] squarings = { 0, 0, 2, 12 };
		for (int n = 0; n < norms.length; n++) {
			double[][] a = skew(c, norms[n], 3 + n);
			int s = InfoDisentGraph.squarings(frobenius(a));
			assertEquals(squarings[n], s, "squarings at norm " + norms[n]);
			Run now = run(a, g, false), before = run(a, g, true);
			String at = "norm " + norms[n] + " (" + s + " squarings): ";
			for (int j = 0; j < InfoDisentGraph.MAX_SQUARINGS; j++) {
				assertEquals(j < s ? c : 0, now.rows()[j], at + "rows of squaring " + j + "'s product");
			}
			assertTrue(InfoDisentRotationTest.orthogonalityError(now.q()) < 1e-5, at + "|Q^T Q - I| " + InfoDisentRotationTest.orthogonalityError(
				now.q()));
			double[][] java = InfoDisentGraph.exponential(a, s);
			double qDiff = maxDiff(now.q(), before.q()), gDiff = maxDiff(now.gradient(), before.gradient()) / maxAbs(before.gradient());
			System.out.println("InfoDisentSquaringsTest " + at + "max |Q - Q_before| " + qDiff + ", |Q - Q_java| " + maxDiff(now.q(), java)
				+ " (before: " + maxDiff(before.q(), java) + "), gradient relative difference " + gDiff);
			if (norms[n] == 0) { // Q = I exactly, as training starts
				assertEquals(0, qDiff, at + "Q");
				assertEquals(0, maxDiff(now.q(), java), at + "Q = I");
				assertEquals(0, gDiff, at + "gradient");
			}
			assertTrue(qDiff < (s < 5 ? 1e-6 : 1e-4), at + "max |Q - Q_before| " + qDiff);
			assertTrue(maxDiff(now.q(), java) < (s < 5 ? 1e-6 : 1e-4), at + "max |Q - Q_java| " + maxDiff(now.q(), java));
			assertTrue(gDiff < (s < 5 ? 1e-5 : 1e-3), at + "gradient: largest difference relative to its largest entry " + gDiff);
			// the gradient is the derivative: along a random skew direction D, <dL/dA, D> = (L(A + hD) - L(A - hD)) / 2h (Java, double)
			double[][] dir = skew(c, 1, 99);
			double h = 1e-4, directional = 0;
			for (int i = 0; i < c; i++) for (int j = 0; j < c; j++) directional += now.gradient()[i][j] * dir[i][j];
			double[][] plus = new double[c][c], minus = new double[c][c];
			for (int i = 0; i < c; i++) for (int j = 0; j < c; j++) {
				plus[i][j] = a[i][j] + h * dir[i][j];
				minus[i][j] = a[i][j] - h * dir[i][j];
			}
			double expected = (javaLoss(plus, g, s) - javaLoss(minus, g, s)) / (2 * h);
			assertEquals(expected, directional, 1e-3 * Math.max(1, Math.abs(expected)), at + "directional derivative");
		}
	}
}
