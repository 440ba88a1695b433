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
 * A small CNN with the op types of common networks that the bundled models lack, built with the
 * TensorFlow Java graph API and seeded random constant weights: conv + bias, fused batch norm
 * (inference), ReLU, max pooling (the v1 op), a residual 1x1-conv branch joined by Add, global
 * mean, dense. Input [N, 8, 8, 2], 3 classes.
 */
final class ResidualModel {

	private ResidualModel() {}

	static float[] random(Random r, int n, double scale) {
		float[] v = new float[n];
		for (int i = 0; i < n; i++) v[i] = (float) (r.nextGaussian() * scale);
		return v;
	}

	static Operand<TFloat32> constant(Ops tf, long[] shape, float[] v) {
		return tf.constant(Shape.of(shape), org.tensorflow.ndarray.buffer.DataBuffers.of(v));
	}

	/** conv, tanh (node "squash": an operation bound propagation does not know), global mean, dense. Input [N, 8, 8, 2]. */
	static void exportWithTanh(Path dir, long seed) throws IOException {
		TensorFlowEngine.start();
		Random r = new Random(seed);
		try (Graph g = new Graph()) {
			Ops tf = Ops.create(g);
			Placeholder<TFloat32> x = tf.withName("input").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 8, 8, 2)));
			Operand<TFloat32> conv = tf.withName("conv").nn.conv2d(x, constant(tf, new long[] { 3, 3, 2, 4 }, random(r, 72, 0.5)),
				List.of(1L, 1L, 1L, 1L), "SAME");
			Operand<TFloat32> squash = tf.withName("squash").math.tanh(conv);
			Operand<TFloat32> mean = tf.withName("gap").math.mean(squash, tf.constant(new int[] { 1, 2 }));
			Operand<TFloat32> logits = tf.withName("logits").linalg.matMul(mean, constant(tf, new long[] { 4, 3 }, random(r, 12, 1)));
			save(dir, g, x, logits, tf.withName("probabilities").nn.softmax(logits));
		}
	}

	private static void save(Path dir, Graph g, Placeholder<TFloat32> x, Operand<TFloat32> logits, Operand<TFloat32> probs) {
		try (Session s = new Session(g)) {
			Signature sig = Signature.builder().key("serving_default").input("input", x).output("logits", logits)
				.output("probabilities", probs).build();
			SavedModelBundle.exporter(dir.toString()).withSession(s).withFunction(SessionFunction.create(sig, s)).export();
		} catch (IOException e) {
			throw new java.io.UncheckedIOException(e);
		}
	}

	static void export(Path dir, long seed) throws IOException {
		TensorFlowEngine.start();
		Random r = new Random(seed);
		try (Graph g = new Graph()) {
			Ops tf = Ops.create(g);
			Placeholder<TFloat32> x = tf.withName("input").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 8, 8, 2)));
			Operand<TFloat32> conv = tf.withName("conv").nn.conv2d(x, constant(tf, new long[] { 3, 3, 2, 4 }, random(r, 72, 0.5)),
				List.of(1L, 1L, 1L, 1L), "SAME");
			Operand<TFloat32> bias = tf.withName("bias").nn.biasAdd(conv, constant(tf, new long[] { 4 }, random(r, 4, 0.1)));
			float[] var = new float[4];
			for (int i = 0; i < 4; i++) var[i] = 0.5f + r.nextFloat();
			FusedBatchNorm<TFloat32, TFloat32> bn = tf.withName("bn").nn.fusedBatchNorm(bias, constant(tf, new long[] { 4 }, random(r, 4, 1)),
				constant(tf, new long[] { 4 }, random(r, 4, 0.1)), constant(tf, new long[] { 4 }, random(r, 4, 0.1)),
				constant(tf, new long[] { 4 }, var), FusedBatchNorm.isTraining(false), FusedBatchNorm.epsilon(1e-3f));
			Operand<TFloat32> relu = tf.withName("relu").nn.relu(bn.y());
			GraphOperation pool = g.opBuilder("MaxPool", "pool", g.baseScope()).addInput(relu.asOutput())
				.setAttr("ksize", new long[] { 1, 2, 2, 1 }).setAttr("strides", new long[] { 1, 2, 2, 1 }).setAttr("padding", "VALID")
				.setAttr("T", org.tensorflow.proto.DataType.DT_FLOAT).build();
			Output<TFloat32> pooled = pool.output(0);
			Operand<TFloat32> branch = tf.withName("branch_relu").nn.relu(tf.withName("branch").nn.conv2d(pooled,
				constant(tf, new long[] { 1, 1, 4, 4 }, random(r, 16, 0.5)), List.of(1L, 1L, 1L, 1L), "SAME"));
			Operand<TFloat32> sum = tf.withName("residual").math.add(pooled, branch);
			Operand<TFloat32> mean = tf.withName("gap").math.mean(sum, tf.constant(new int[] { 1, 2 }));
			Operand<TFloat32> dense = tf.withName("dense").linalg.matMul(mean, constant(tf, new long[] { 4, 3 }, random(r, 12, 1)));
			Operand<TFloat32> logits = tf.withName("logits").nn.biasAdd(dense, constant(tf, new long[] { 3 }, random(r, 3, 0.1)));
			Operand<TFloat32> probs = tf.withName("probabilities").nn.softmax(logits);
			save(dir, g, x, logits, probs);
		}
	}
}
