package org.conceptscope.mechanistic;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Random;

import org.conceptscope.model.BundledModels;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.verify.ResidualModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Operand;
import org.tensorflow.op.nn.FusedBatchNorm;
import org.tensorflow.types.TFloat32;

class SharingRatioDecompositionTest {

	static FloatTensor random(long seed, long... shape) {
		Random r = new Random(seed);
		FloatTensor t = FloatTensor.zeros(shape);
		for (int i = 0; i < t.size(); i++) t.data()[i] = r.nextFloat();
		return t;
	}

	/** Relevance is conserved step by step: input relevance plus the bias shares equals the logit. */
	@Test
	void relevanceIsConservedOnARealCnn() {
		try (TensorFlowClassifier m = TensorFlowClassifier.load(BundledModels.dir("ihc-stain"))) {
			SharingRatioDecomposition srd = new SharingRatioDecomposition(m);
			for (int k = 0; k < 3; k++) {
				FloatTensor x = random(k, 1, 32, 32, 3);
				SharingRatioDecomposition.Decomposition d = srd.classRelevance(x, k);
				assertEquals(m.logits(x).get(0, k), d.start(), 1e-4, "starts from the logit");
				assertEquals(0, d.conservationError(), 1e-9 * (1 + Math.abs(d.start())), "class " + k);
			}
		}
	}

	/** Known answer: logit_1 = sum of x over R_1 with no bias, so SRD's map is x inside R_1 and 0 elsewhere. */
	@Test
	void knownAnswerModelGivesTheInputInsideTheEvidence() {
		try (TensorFlowClassifier m = TensorFlowClassifier.load(BundledModels.dir("known-answer"))) {
			FloatTensor x = random(7, 1, 32, 32, 1);
			SharingRatioDecomposition.Decomposition d = new SharingRatioDecomposition(m).classRelevance(x, 1);
			for (int y = 0; y < 32; y++) for (int xx = 0; xx < 32; xx++) {
				boolean inside = xx >= 18 && xx < 26 && y >= 20 && y < 28;
				assertEquals(inside ? x.get(0, y, xx, 0) : 0f, d.map().get(0, y, xx), 1e-5);
			}
			assertEquals(0, d.biasRelevance(), 1e-9);
		}
	}

	/**
	 * conv1 (3x3) -> pool (2) -> conv2 (3x3): a conv2/relu PFV at (qy, qx) of the 16x16 map sees
	 * input pixels 2q-3 .. 2q+4 on each axis. Its ERF must stay inside, and carry relevance 1.
	 */
	@Test
	void effectiveReceptiveFieldLiesInsideTheTrueReceptiveField() {
		try (TensorFlowClassifier m = TensorFlowClassifier.load(BundledModels.dir("ihc-stain"))) {
			SharingRatioDecomposition srd = new SharingRatioDecomposition(m);
			FloatTensor x = random(3, 1, 32, 32, 3);
			int qy = 7, qx = 4;
			SharingRatioDecomposition.Decomposition d = srd.effectiveReceptiveField(x, "conv2/relu", qy * 16 + qx);
			double inside = 0;
			for (int y = 0; y < 32; y++) for (int xx = 0; xx < 32; xx++) {
				float v = d.map().get(0, y, xx);
				boolean in = y >= 2 * qy - 3 && y <= 2 * qy + 4 && xx >= 2 * qx - 3 && xx <= 2 * qx + 4;
				if (!in) assertEquals(0f, v, 0f, "relevance outside the receptive field at " + xx + "," + y);
				else inside += v;
			}
			assertTrue(Math.abs(inside) > 0, "the PFV's relevance reaches the pixels");
			assertEquals(0, d.conservationError(), 1e-7, "conserved up to double rounding");
		}
	}

	// A hand-built network: conv 3x3 SAME (1 -> 2 channels) + bias, batch norm with a different
	// scale per channel, ReLU, max pool 2x2, a residual 1x1-conv + ReLU branch joined by Add, global
	// mean, dense + bias. Input 4x4x1.
	static final float[] K1 = { 0.5f, -0.2f, 0.3f, 0.1f, 0.8f, 0.2f, -0.1f, 0.4f, 0.6f, -0.3f, 0.2f, 0.7f, 0.1f, -0.4f, 0.9f, 0.3f, 0.2f, 0.5f };
	static final float[] B1 = { 0.1f, -0.05f }, GAMMA = { 1.5f, 0.4f }, BETA = { 0.2f, -0.1f }, MEAN = { 0.05f, -0.2f },
		VAR = { 0.8f, 2.5f }, KB = { 0.6f, -0.3f, 0.2f, 0.9f }, WD = { 1.2f, -0.7f, 0.4f, 0.8f }, BD = { 0.05f, -0.02f };
	static final float EPS = 1e-3f;

	static void exportHandBuilt(Path dir) {
		ResidualModel.export(dir, 0, 4, 1, (tf, g, x, r) -> {
			Operand<TFloat32> conv = ResidualModel.conv(tf, "conv", x, K1, new long[] { 3, 3, 1, 2 }, 1, "SAME");
			Operand<TFloat32> bias = tf.withName("bias").nn.biasAdd(conv, ResidualModel.constant(tf, new long[] { 2 }, B1));
			FusedBatchNorm<TFloat32, TFloat32> bn = tf.withName("bn").nn.fusedBatchNorm(bias, ResidualModel.constant(tf, new long[] { 2 }, GAMMA),
				ResidualModel.constant(tf, new long[] { 2 }, BETA), ResidualModel.constant(tf, new long[] { 2 }, MEAN),
				ResidualModel.constant(tf, new long[] { 2 }, VAR), FusedBatchNorm.isTraining(false), FusedBatchNorm.epsilon(EPS));
			Operand<TFloat32> pooled = ResidualModel.pool(g, "MaxPool", tf.withName("relu").nn.relu(bn.y()), 2, 2, "VALID");
			Operand<TFloat32> branch = tf.withName("branch_relu").nn.relu(ResidualModel.conv(tf, "branch", pooled, KB, new long[] { 1, 1, 2, 2 },
				1, "SAME"));
			Operand<TFloat32> sum = tf.withName("residual").math.add(pooled, branch);
			Operand<TFloat32> mean = tf.withName("gap").math.mean(sum, tf.constant(new int[] { 1, 2 }));
			Operand<TFloat32> dense = tf.withName("dense").linalg.matMul(mean, ResidualModel.constant(tf, new long[] { 2, 2 }, WD));
			return tf.withName("logits").nn.biasAdd(dense, ResidualModel.constant(tf, new long[] { 2 }, BD));
		});
	}

	static double dot(double[] a, double[] b) {
		double s = 0;
		for (int i = 0; i < a.length; i++) s += a[i] * b[i];
		return s;
	}

	/**
	 * SRD's layer-level ratio on the hand-built network, computed here from the definition with
	 * plain loops: mu_pq = &lt;c_pq, z_q&gt; / |z_q|^2, z_q the pre-activation PFV (for conv + bias +
	 * BN the BN output) and c_pq what input PFV p adds to it (for conv + BN: a * (W x_p), a the BN
	 * scale per channel: batch norm folded into the convolution, shared once), plus the layer's bias
	 * spread over the contributions in proportion to |c_pq| (the authors' code); the global mean and
	 * the dense layer after it are one linear layer. The production decomposition must give the same
	 * input relevance, and nothing left to the biases.
	 */
	@Test
	void batchNormIsFoldedIntoItsConvolutionAndSharedOnce(@TempDir Path tmp) throws Exception {
		exportHandBuilt(tmp.resolve("hand"));
		Random rnd = new Random(12);
		float[] xf = new float[16];
		for (int i = 0; i < 16; i++) xf[i] = 0.2f + 0.8f * rnd.nextFloat();
		FloatTensor image = new FloatTensor(new long[] { 1, 4, 4, 1 }, xf);
		double[] x = new double[16];
		for (int i = 0; i < 16; i++) x[i] = xf[i];
		// forward pass in double
		double[] a = new double[2];
		for (int c = 0; c < 2; c++) a[c] = GAMMA[c] / Math.sqrt((double) VAR[c] + EPS);
		double[][] bn = new double[16][2]; // BN output = pre-activation of relu, per position
		for (int qy = 0; qy < 4; qy++) for (int qx = 0; qx < 4; qx++) for (int c = 0; c < 2; c++) {
			double v = B1[c];
			for (int dy = 0; dy < 3; dy++) for (int dx = 0; dx < 3; dx++) {
				int sy = qy + dy - 1, sx = qx + dx - 1;
				if (sy >= 0 && sy < 4 && sx >= 0 && sx < 4) v += K1[(dy * 3 + dx) * 2 + c] * x[sy * 4 + sx];
			}
			bn[qy * 4 + qx][c] = a[c] * (v - MEAN[c]) + BETA[c];
		}
		double[][] relu = new double[16][2];
		for (int p = 0; p < 16; p++) for (int c = 0; c < 2; c++) relu[p][c] = Math.max(0, bn[p][c]);
		double[][] pool = new double[4][2];
		int[][] argmax = new int[4][2];
		for (int q = 0; q < 4; q++) for (int c = 0; c < 2; c++) {
			int qy = q / 2, qx = q % 2, best = -1;
			for (int dy = 0; dy < 2; dy++) for (int dx = 0; dx < 2; dx++) {
				int p = (2 * qy + dy) * 4 + 2 * qx + dx;
				if (best < 0 || relu[p][c] > relu[best][c]) best = p;
			}
			argmax[q][c] = best;
			pool[q][c] = relu[best][c];
		}
		double[][] branchPre = new double[4][2], sum = new double[4][2];
		for (int q = 0; q < 4; q++) for (int c = 0; c < 2; c++) {
			branchPre[q][c] = pool[q][0] * KB[c] + pool[q][1] * KB[2 + c];
		}
		for (int q = 0; q < 4; q++) for (int c = 0; c < 2; c++) sum[q][c] = pool[q][c] + Math.max(0, branchPre[q][c]);
		double[] mean = new double[2];
		for (int q = 0; q < 4; q++) for (int c = 0; c < 2; c++) mean[c] += sum[q][c] / 4;
		double[] logits = new double[2];
		for (int k = 0; k < 2; k++) logits[k] = mean[0] * WD[k] + mean[1] * WD[2 + k] + BD[k];
		int t = logits[1] > logits[0] ? 1 : 0;

		// relevance, top down, by the definition; every bias is spread over its layer's contributions by their norms
		// the global mean and the dense layer are one linear layer: position q of the sum contributes c_q = (sum_q . W_t) / 4
		double[] cSum = new double[4], rSum = new double[4];
		double cTotal = 0;
		for (int q = 0; q < 4; q++) {
			cSum[q] = (sum[q][0] * WD[t] + sum[q][1] * WD[2 + t]) / 4;
			cTotal += Math.abs(cSum[q]);
		}
		for (int q = 0; q < 4; q++) rSum[q] = cSum[q] + BD[t] * Math.abs(cSum[q]) / cTotal;
		double[] rPool = new double[4];
		for (int q = 0; q < 4; q++) {
			double[] branch = { Math.max(0, branchPre[q][0]), Math.max(0, branchPre[q][1]) };
			double zz = dot(sum[q], sum[q]);
			rPool[q] += dot(pool[q], sum[q]) / zz * rSum[q];
			double rBranch = dot(branch, sum[q]) / zz * rSum[q];
			// 1x1 conv without bias: its only input PFV contributes the whole pre-activation, ratio 1
			rPool[q] += rBranch;
		}
		double[] rBn = new double[16];
		for (int q = 0; q < 4; q++) {
			double zz = dot(pool[q], pool[q]);
			for (int dy = 0; dy < 2; dy++) for (int dx = 0; dx < 2; dx++) {
				int p = (2 * (q / 2) + dy) * 4 + 2 * (q % 2) + dx;
				double[] c = new double[2];
				for (int ch = 0; ch < 2; ch++) c[ch] = argmax[q][ch] == p ? relu[p][ch] : 0;
				rBn[p] += dot(c, pool[q]) / zz * rPool[q];
			}
		}
		double[] rInput = new double[16];
		for (int q = 0; q < 16; q++) {
			int qy = q / 4, qx = q % 4;
			double zz = dot(bn[q], bn[q]);
			double[] mu = new double[16], norm = new double[16];
			double shared = 0, total = 0;
			for (int dy = 0; dy < 3; dy++) for (int dx = 0; dx < 3; dx++) {
				int sy = qy + dy - 1, sx = qx + dx - 1;
				if (sy < 0 || sy >= 4 || sx < 0 || sx >= 4) continue;
				double[] c = new double[2];
				for (int ch = 0; ch < 2; ch++) c[ch] = a[ch] * K1[(dy * 3 + dx) * 2 + ch] * x[sy * 4 + sx];
				mu[sy * 4 + sx] = dot(c, bn[q]) / zz;
				norm[sy * 4 + sx] = Math.sqrt(dot(c, c));
				shared += mu[sy * 4 + sx];
				total += norm[sy * 4 + sx];
			}
			// the layer's bias (conv bias through the batch norm, and its offset) spread by the contributions' norms
			for (int p = 0; p < 16; p++) rInput[p] += (mu[p] + norm[p] / total * (1 - shared)) * rBn[q];
		}
		double inputTotal = 0;
		for (double v : rInput) inputTotal += v;
		assertEquals(logits[t], inputTotal, 1e-9 * (1 + Math.abs(logits[t])), "the definition conserves the logit at the pixels");

		try (TensorFlowClassifier m = TensorFlowClassifier.load(tmp.resolve("hand"))) {
			for (int k = 0; k < 2; k++) assertEquals(logits[k], m.logits(image).get(0, k), 1e-5, "the hand forward pass is the model's");
			SharingRatioDecomposition.Decomposition d = new SharingRatioDecomposition(m).classRelevance(image, t);
			assertEquals(logits[t], d.start(), 1e-12);
			for (int p = 0; p < 16; p++) assertEquals(rInput[p], d.map().data()[p], 1e-6 * (1 + Math.abs(rInput[p])), "pixel " + p);
			assertEquals(0, d.biasRelevance(), 1e-9 * (1 + Math.abs(logits[t])), "every PFV has a contributing input: no relevance is left");
		}
	}

	/**
	 * Known answer on the known-answer model (identity convolutions with ReLU, logit k = sum over R_k):
	 * under an image's ReLU pattern a blank image of value f gives logit k = f * (pixels of R_k that
	 * are positive in the image). Image 1: R_0 all 0.1, half of R_1 at 1 (class 1; gated 64 f vs 32 f:
	 * class 0, disagreement); image 2: R_0 all 1, 48 pixels of R_1 at 0.1 (class 0; gated 64 f vs
	 * 48 f: agreement). Agreement over both: exactly 1/2.
	 */
	@Test
	void activationPatternPredictionKnownAnswer() {
		try (TensorFlowClassifier m = TensorFlowClassifier.load(BundledModels.dir("known-answer"))) {
			FloatTensor a = FloatTensor.zeros(1, 32, 32, 1), b = FloatTensor.zeros(1, 32, 32, 1);
			int n = 0;
			for (int y = 0; y < 8; y++) for (int x = 0; x < 8; x++) {
				a.set(0.1f, 0, 4 + y, 4 + x, 0);
				b.set(1f, 0, 4 + y, 4 + x, 0);
				if ((y + x) % 2 == 0) a.set(1f, 0, 20 + y, 18 + x, 0);
				if (n++ < 48) b.set(0.1f, 0, 20 + y, 18 + x, 0);
			}
			ActivationPatternPrediction apop = new ActivationPatternPrediction(m);
			FloatTensor blank = FloatTensor.zeros(1, 32, 32, 1);
			java.util.Arrays.fill(blank.data(), 0.7f);
			assertArrayEquals(new double[] { 0.7f * 64, 0.7f * 32 }, apop.gatedLogits(a, blank), 1e-4);
			assertArrayEquals(new double[] { 0.7f * 64, 0.7f * 48 }, apop.gatedLogits(b, blank), 1e-4);
			assertEquals(1, m.logits(a).argmaxRows()[0]);
			assertEquals(0, m.logits(b).argmaxRows()[0]);
			assertEquals(0.5, apop.agreement(FloatTensor.concat(java.util.List.of(a, b)), 0.7f), 0);
		}
	}

	/**
	 * ReLU6 is gated by its piece too: off (pre <= 0) gives 0, linear gives the replacement's value,
	 * saturated (pre >= 6) gives 6. A model relu6(x) -> dense, an image with pre-activations -1, 3, 8.
	 */
	@Test
	void activationPatternPredictionGatesReluSix(@TempDir Path tmp) throws Exception {
		Random r = new Random(2);
		float[] w = ResidualModel.random(r, 32, 1);
		ResidualModel.export(tmp.resolve("six"), 0, 4, 1, (tf, g, x, rr) -> {
			Operand<TFloat32> flat = tf.withName("flat").reshape(tf.withName("six").nn.relu6(x), tf.constant(new long[] { -1, 16 }));
			return tf.withName("logits").linalg.matMul(flat, ResidualModel.constant(tf, new long[] { 16, 2 }, w));
		});
		try (TensorFlowClassifier m = TensorFlowClassifier.load(tmp.resolve("six"))) {
			float[] pre = new float[16], rep = new float[16];
			double[] expected = new double[2];
			for (int p = 0; p < 16; p++) {
				pre[p] = new float[] { -1, 3, 8 }[p % 3];
				rep[p] = 0.25f + p * 0.5f; // crosses 6 too: the gate, not ReLU6 of the replacement, decides
				double gated = pre[p] <= 0 ? 0 : pre[p] >= 6 ? 6 : rep[p];
				for (int k = 0; k < 2; k++) expected[k] += gated * w[p * 2 + k];
			}
			double[] got = new ActivationPatternPrediction(m).gatedLogits(new FloatTensor(new long[] { 1, 4, 4, 1 }, pre),
				new FloatTensor(new long[] { 1, 4, 4, 1 }, rep));
			assertArrayEquals(expected, got, 1e-9);
		}
	}

	/** APOP with the real image as its own replacement is the ordinary forward pass; agreement is a fraction. */
	@Test
	void activationPatternPrediction() {
		try (TensorFlowClassifier m = TensorFlowClassifier.load(BundledModels.dir("ihc-stain"))) {
			ActivationPatternPrediction apop = new ActivationPatternPrediction(m);
			FloatTensor x = random(4, 1, 32, 32, 3);
			double[] gated = apop.gatedLogits(x, x);
			for (int k = 0; k < 3; k++) assertEquals(m.logits(x).get(0, k), gated[k], 1e-4);
			double agreement = apop.agreement(random(5, 6, 32, 32, 3), 1f);
			assertTrue(agreement >= 0 && agreement <= 1);
		}
	}
}
