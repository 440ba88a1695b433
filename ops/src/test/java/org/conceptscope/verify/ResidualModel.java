package org.conceptscope.verify;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import org.conceptscope.model.TensorFlowEngine;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.SessionFunction;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.nn.FusedBatchNorm;
import org.tensorflow.types.TFloat32;

/**
 * Small CNNs with the op types of common networks that the bundled models lack, built with the
 * TensorFlow Java graph API and seeded random constant weights. {@link #export(Path, long)}: conv +
 * bias, fused batch norm (inference), ReLU, max pooling (the v1 op), a residual 1x1-conv branch
 * joined by Add, global mean, dense; input [N, 8, 8, 2], 3 classes. Also one with every other
 * supported operation and one with an operation bound propagation does not support. Other tests
 * build their own small networks with {@link #export(Path, long, int, int, Network)}.
 */
public final class ResidualModel {

	private ResidualModel() {}

	public static float[] random(Random r, int n, double scale) {
		float[] v = new float[n];
		for (int i = 0; i < n; i++) v[i] = (float) (r.nextGaussian() * scale);
		return v;
	}

	public static Operand<TFloat32> constant(Ops tf, long[] shape, float[] v) {
		return tf.constant(Shape.of(shape), org.tensorflow.ndarray.buffer.DataBuffers.of(v));
	}

	/** What lies between the input [N, size, size, channels] and the logits. */
	public interface Network {
		Operand<TFloat32> logits(Ops tf, Graph g, Placeholder<TFloat32> x, Random r);
	}

	private static void export(Path dir, long seed, int size, Network net) {
		export(dir, seed, size, 2, net);
	}

	/** Builds a network with seeded random constant weights and exports it (input "input", outputs logits and probabilities). */
	public static void export(Path dir, long seed, int size, int channels, Network net) {
		TensorFlowEngine.start();
		Random r = new Random(seed);
		try (Graph g = new Graph()) {
			Ops tf = Ops.create(g);
			Placeholder<TFloat32> x = tf.withName("input").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, size, size, channels)));
			Operand<TFloat32> logits = net.logits(tf, g, x, r);
			Operand<TFloat32> probs = tf.withName("probabilities").nn.softmax(logits);
			try (Session s = new Session(g)) {
				Signature sig = Signature.builder().key("serving_default").input("input", x).output("logits", logits)
					.output("probabilities", probs).build();
				SavedModelBundle.exporter(dir.toString()).withSession(s).withFunction(SessionFunction.create(sig, s)).export();
			} catch (IOException e) {
				throw new java.io.UncheckedIOException(e);
			}
		}
	}

	public static Operand<TFloat32> conv(Ops tf, String name, Operand<TFloat32> in, float[] kernel, long[] shape, long stride, String padding) {
		return tf.withName(name).nn.conv2d(in, constant(tf, shape, kernel), List.of(1L, stride, stride, 1L), padding);
	}

	public static Output<TFloat32> pool(Graph g, String op, Operand<TFloat32> in, long k, long stride, String padding) {
		GraphOperation pool = g.opBuilder(op, "pool", g.baseScope()).addInput(in.asOutput()).setAttr("ksize", new long[] { 1, k, k, 1 })
			.setAttr("strides", new long[] { 1, stride, stride, 1 }).setAttr("padding", padding)
			.setAttr("T", org.tensorflow.proto.DataType.DT_FLOAT).build();
		return pool.output(0);
	}

	/** conv, tanh (node "squash": an operation bound propagation does not know), global mean, dense. Input [N, 8, 8, 2]. */
	static void exportWithTanh(Path dir, long seed) {
		export(dir, seed, 8, (tf, g, x, r) -> {
			Operand<TFloat32> squash = tf.withName("squash").math.tanh(conv(tf, "conv", x, random(r, 72, 0.5), new long[] { 3, 3, 2, 4 }, 1, "SAME"));
			Operand<TFloat32> mean = tf.withName("gap").math.mean(squash, tf.constant(new int[] { 1, 2 }));
			return tf.withName("logits").linalg.matMul(mean, constant(tf, new long[] { 4, 3 }, random(r, 12, 1)));
		});
	}

	/**
	 * The remaining supported operations, with pre-activations large enough to cross both kinks of
	 * ReLU6: conv 3x3 stride 2 VALID, BiasAdd, ReLU6, average pooling 3x3 stride 2 SAME (partial
	 * windows at the border), Mul by a per-channel constant, Sub of a constant, conv 2x2 SAME, ReLU,
	 * constant minus tensor, global mean, MatMul with transpose_b. Input [N, 9, 9, 2], 3 classes.
	 */
	static void exportOddOps(Path dir, long seed) {
		export(dir, seed, 9, (tf, g, x, r) -> {
			Operand<TFloat32> conv = conv(tf, "conv", x, random(r, 72, 1.5), new long[] { 3, 3, 2, 4 }, 2, "VALID");
			Operand<TFloat32> bias = tf.withName("bias").nn.biasAdd(conv, constant(tf, new long[] { 4 }, new float[] { 3, 2, 1, 0 }));
			Output<TFloat32> pooled = pool(g, "AvgPool", tf.withName("relu6").nn.relu6(bias), 3, 2, "SAME");
			Operand<TFloat32> scaled = tf.withName("scale").math.mul(pooled, constant(tf, new long[] { 4 }, new float[] { 1.5f, -2, 0.5f, 1 }));
			Operand<TFloat32> shifted = tf.withName("shift").math.sub(scaled, constant(tf, new long[] { 4 }, new float[] { 1, -1, 0.5f, 2 }));
			Operand<TFloat32> relu = tf.withName("relu").nn.relu(conv(tf, "conv2", shifted, random(r, 48, 0.7), new long[] { 2, 2, 4, 3 }, 1, "SAME"));
			Operand<TFloat32> flipped = tf.withName("flip").math.sub(constant(tf, new long[] { 3 }, new float[] { 2, 3, 1 }), relu);
			Operand<TFloat32> mean = tf.withName("gap").math.mean(flipped, tf.constant(new int[] { 1, 2 }));
			return tf.withName("logits").linalg.matMul(mean, constant(tf, new long[] { 3, 3 }, random(r, 9, 1)),
				org.tensorflow.op.linalg.MatMul.transposeB(true));
		});
	}

	static void export(Path dir, long seed) {
		export(dir, seed, 8, (tf, g, x, r) -> {
			Operand<TFloat32> conv = conv(tf, "conv", x, random(r, 72, 0.5), new long[] { 3, 3, 2, 4 }, 1, "SAME");
			Operand<TFloat32> bias = tf.withName("bias").nn.biasAdd(conv, constant(tf, new long[] { 4 }, random(r, 4, 0.1)));
			float[] var = new float[4];
			for (int i = 0; i < 4; i++) var[i] = 0.5f + r.nextFloat();
			FusedBatchNorm<TFloat32, TFloat32> bn = tf.withName("bn").nn.fusedBatchNorm(bias, constant(tf, new long[] { 4 }, random(r, 4, 1)),
				constant(tf, new long[] { 4 }, random(r, 4, 0.1)), constant(tf, new long[] { 4 }, random(r, 4, 0.1)),
				constant(tf, new long[] { 4 }, var), FusedBatchNorm.isTraining(false), FusedBatchNorm.epsilon(1e-3f));
			Output<TFloat32> pooled = pool(g, "MaxPool", tf.withName("relu").nn.relu(bn.y()), 2, 2, "VALID");
			Operand<TFloat32> branch = tf.withName("branch_relu").nn.relu(conv(tf, "branch", pooled, random(r, 16, 0.5),
				new long[] { 1, 1, 4, 4 }, 1, "SAME"));
			Operand<TFloat32> sum = tf.withName("residual").math.add(pooled, branch);
			Operand<TFloat32> mean = tf.withName("gap").math.mean(sum, tf.constant(new int[] { 1, 2 }));
			Operand<TFloat32> dense = tf.withName("dense").linalg.matMul(mean, constant(tf, new long[] { 4, 3 }, random(r, 12, 1)));
			return tf.withName("logits").nn.biasAdd(dense, constant(tf, new long[] { 3 }, random(r, 3, 0.1)));
		});
	}
}
