package org.conceptscope.mechanistic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Random;

import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.verify.ResidualModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Operand;
import org.tensorflow.op.math.Mean;
import org.tensorflow.types.TFloat32;

/**
 * SRD starts from one class whatever head computes the logits: a dense layer after a global mean, a global mean of a
 * 1x1-convolution map (fully convolutional), or a global mean, 1x1 convolution and reshape (MobileNet / SqueezeNet
 * style). Each is a real SavedModel on one trunk, conv 3x3 SAME (1 -> 2) + bias, ReLU, input 4x4x1, 3 classes, and each
 * class's map is checked against SRD's definition computed here with plain loops: the class channel followed down to
 * the last linear layer, a global mean read by a dense layer (or 1x1 conv) shared as one linear layer with it, and
 * every bias spread over the contributions in proportion to their norms (the authors' {@code bias_bunbae}).
 */
class SrdHeadsTest {

	static final Random R = new Random(5);
	static final float[] K = ResidualModel.random(R, 18, 0.6), B = { 0.05f, -0.1f };
	static final float[] W = ResidualModel.random(R, 6, 1.0), BH = { 0.03f, -0.02f, 0.1f };
	static final float[] X = new float[16];
	static {
		for (int i = 0; i < 16; i++) X[i] = 0.1f + 0.9f * R.nextFloat();
	}

	enum Head { DENSE, MEAN, CONV }

	static Operand<TFloat32> trunk(org.tensorflow.op.Ops tf, Operand<TFloat32> x) {
		Operand<TFloat32> conv = ResidualModel.conv(tf, "conv", x, K, new long[] { 3, 3, 1, 2 }, 1, "SAME");
		return tf.withName("relu").nn.relu(tf.withName("bias").nn.biasAdd(conv, ResidualModel.constant(tf, new long[] { 2 }, B)));
	}

	static void export(Path dir, Head head) {
		ResidualModel.export(dir, 0, 4, 1, (tf, g, x, r) -> {
			Operand<TFloat32> relu = trunk(tf, x);
			switch (head) {
				case DENSE -> {
					Operand<TFloat32> pooled = tf.withName("gap").math.mean(relu, tf.constant(new int[] { 1, 2 }));
					return tf.withName("logits").nn.biasAdd(tf.withName("dense").linalg.matMul(pooled, ResidualModel.constant(tf, new long[] { 2, 3 }, W)),
						ResidualModel.constant(tf, new long[] { 3 }, BH));
				}
				case MEAN -> {
					Operand<TFloat32> map = tf.withName("head_bias").nn.biasAdd(ResidualModel.conv(tf, "head", relu, W, new long[] { 1, 1, 2, 3 }, 1, "SAME"),
						ResidualModel.constant(tf, new long[] { 3 }, BH));
					return tf.withName("logits").math.mean(map, tf.constant(new int[] { 1, 2 }));
				}
				default -> {
					Operand<TFloat32> pooled = tf.withName("gap").math.mean(relu, tf.constant(new int[] { 1, 2 }), Mean.keepDims(true));
					Operand<TFloat32> conv = tf.withName("head_bias").nn.biasAdd(ResidualModel.conv(tf, "head", pooled, W, new long[] { 1, 1, 2, 3 }, 1,
						"SAME"), ResidualModel.constant(tf, new long[] { 3 }, BH));
					return tf.withName("logits").reshape(conv, tf.constant(new long[] { -1, 3 }));
				}
			}
		});
	}

	/** The trunk's pre-activations z0[q][c] and ReLU outputs a0[q][c], in double. */
	static double[][][] forward() {
		double[][] z0 = new double[16][2], a0 = new double[16][2];
		for (int q = 0; q < 16; q++) for (int c = 0; c < 2; c++) {
			double s = B[c];
			for (int dy = 0; dy < 3; dy++) for (int dx = 0; dx < 3; dx++) {
				int sy = q / 4 + dy - 1, sx = q % 4 + dx - 1;
				if (sy >= 0 && sy < 4 && sx >= 0 && sx < 4) s += X[sy * 4 + sx] * K[(dy * 3 + dx) * 2 + c];
			}
			z0[q][c] = s;
			a0[q][c] = Math.max(0, s);
		}
		return new double[][][] { z0, a0 };
	}

	/** Expected relevance of class t at the ReLU's 16 PFVs, and [16] the logit, [17] the relevance no input carries. */
	static double[] atRelu(Head head, int t, double[][] a0) {
		double[] r = new double[18];
		if (head == Head.MEAN) {
			// the logit is the mean of the class channel of the head's map: position q holds z[q][t] / 16 of it, which its
			// only input PFV (the ReLU at q) carries whole, bias included, unless it contributes nothing there
			for (int q = 0; q < 16; q++) {
				double c = a0[q][0] * W[t] + a0[q][1] * W[3 + t], z = c + BH[t];
				r[16] += z / 16;
				if (c != 0) r[q] = z / 16;
				else r[17] += z / 16;
			}
			return r;
		}
		// dense (or 1x1 conv) after the mean: position q contributes (W^T a0[q])[t] / 16; the bias spreads by |contribution|
		double[] c = new double[16];
		double total = 0, sum = 0;
		for (int q = 0; q < 16; q++) {
			c[q] = (a0[q][0] * W[t] + a0[q][1] * W[3 + t]) / 16;
			total += Math.abs(c[q]);
			sum += c[q];
		}
		for (int q = 0; q < 16; q++) r[q] = c[q] + BH[t] * Math.abs(c[q]) / total;
		r[16] = sum + BH[t];
		return r;
	}

	/** The trunk's convolution shares each ReLU PFV's relevance with the pixels: projections, the bias spread by norms. */
	static double[] toPixels(double[] rRelu, double[][] z0) {
		double[] pix = new double[16];
		for (int q = 0; q < 16; q++) {
			double zz = z0[q][0] * z0[q][0] + z0[q][1] * z0[q][1];
			double[] mu = new double[16], norm = new double[16];
			double shared = 0, total = 0;
			for (int dy = 0; dy < 3; dy++) for (int dx = 0; dx < 3; dx++) {
				int sy = q / 4 + dy - 1, sx = q % 4 + dx - 1;
				if (sy < 0 || sy >= 4 || sx < 0 || sx >= 4) continue;
				int p = sy * 4 + sx;
				double c0 = X[p] * K[(dy * 3 + dx) * 2], c1 = X[p] * K[(dy * 3 + dx) * 2 + 1];
				mu[p] = (c0 * z0[q][0] + c1 * z0[q][1]) / zz;
				norm[p] = Math.hypot(c0, c1);
				shared += mu[p];
				total += norm[p];
			}
			for (int p = 0; p < 16; p++) pix[p] += (mu[p] + norm[p] / total * (1 - shared)) * rRelu[q];
		}
		return pix;
	}

	static FloatTensor image() {
		return new FloatTensor(new long[] { 1, 4, 4, 1 }, X.clone());
	}

	@Test
	void eachClassOfADenseHeadAfterTheMeanHasItsOwnMap(@TempDir Path tmp) {
		check(tmp, Head.DENSE);
	}

	@Test
	void eachClassOfAGlobalMeanOfAConvMapHasItsOwnMap(@TempDir Path tmp) {
		check(tmp, Head.MEAN);
	}

	@Test
	void eachClassOfAMeanConvAndReshapeHeadHasItsOwnMap(@TempDir Path tmp) {
		check(tmp, Head.CONV);
	}

	private void check(Path tmp, Head head) {
		export(tmp.resolve("m"), head);
		double[][][] f = forward();
		try (TensorFlowClassifier m = TensorFlowClassifier.load(tmp.resolve("m"))) {
			SharingRatioDecomposition srd = new SharingRatioDecomposition(m);
			float[][] maps = new float[3][];
			for (int t = 0; t < 3; t++) {
				double[] relu = atRelu(head, t, f[1]);
				double logit = m.logits(image()).get(0, t);
				assertEquals(relu[16], logit, 1e-5, head + ": the forward pass written out, class " + t);
				double[] pix = toPixels(relu, f[0]);
				SharingRatioDecomposition.Decomposition d = srd.classRelevance(image(), t);
				assertEquals(logit, d.start(), 1e-6);
				double sum = 0;
				for (int p = 0; p < 16; p++) {
					assertEquals(pix[p], d.map().data()[p], 1e-5 * (1 + Math.abs(pix[p])), head + ", class " + t + ", pixel " + p);
					sum += d.map().data()[p];
				}
				assertEquals(relu[17], d.biasRelevance(), 1e-6, head + ": relevance no input carries (a PFV fed by the bias alone)");
				assertEquals(logit, sum + d.biasRelevance(), 1e-5 * (1 + Math.abs(logit)), head + ": conservation, class " + t);
				if (head != Head.MEAN) assertEquals(logit, sum, 1e-5 * (1 + Math.abs(logit)), head + ": the map alone sums to the logit");
				// started at the ReLU: each PFV's share of the class
				float[] layer = srd.classRelevanceAt(image(), t, "relu").data();
				for (int q = 0; q < 16; q++) assertEquals(relu[q], layer[q], 1e-5 * (1 + Math.abs(relu[q])), head + ", ReLU PFV " + q);
				maps[t] = d.map().data();
			}
			double peak = 0;
			for (float v : maps[1]) peak = Math.max(peak, Math.abs(v));
			assertTrue(peak > 1e-3, head + ": class 1 has a map");
			double least = 1; // a map shared class-blind would be one map scaled: |cos| = 1 for every pair of classes
			for (int i = 0; i < 3; i++) for (int j = i + 1; j < 3; j++) {
				double dot = 0, ni = 0, nj = 0;
				for (int p = 0; p < 16; p++) {
					dot += maps[i][p] * maps[j][p];
					ni += maps[i][p] * maps[i][p];
					nj += maps[j][p] * maps[j][p];
				}
				least = Math.min(least, Math.abs(dot) / Math.sqrt(ni * nj));
			}
			assertTrue(least < 0.99, head + ": the classes' maps are not one map scaled, least |cos| " + least);
		}
	}

	/** Logits that join two class maps (a concatenation on the class axis) are refused in one sentence, before any sharing. */
	@Test
	void aHeadThatJoinsTheClassAxisIsRefusedBeforeAnyWork(@TempDir Path tmp) {
		ResidualModel.export(tmp.resolve("joined"), 0, 4, 1, (tf, g, x, r) -> {
			Operand<TFloat32> relu = trunk(tf, x);
			Operand<TFloat32> a = tf.withName("mean_a").math.mean(relu, tf.constant(new int[] { 1, 2 }));
			Operand<TFloat32> b = tf.withName("max_b").math.mean(tf.withName("relu_b").nn.relu(relu), tf.constant(new int[] { 1, 2 }));
			return tf.withName("logits").concat(java.util.List.of(a, b), tf.constant(1));
		});
		try (TensorFlowClassifier m = TensorFlowClassifier.load(tmp.resolve("joined"))) {
			SharingRatioDecomposition srd = new SharingRatioDecomposition(m);
			UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, () -> srd.classRelevance(image(), 1));
			assertTrue(e.getMessage().contains("ConcatV2 (node 'logits')") && e.getMessage().contains("class axis"), e.getMessage());
			assertThrows(UnsupportedOperationException.class, () -> new SrdAttribution().checkRuns(m), "Attribution refuses it up front");
		}
	}
}
