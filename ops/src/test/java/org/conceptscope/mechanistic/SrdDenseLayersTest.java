package org.conceptscope.mechanistic;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.Random;

import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.verify.ResidualModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * SRD through hidden dense layers (issue 19): a hidden dense layer's output is one pointwise
 * feature vector, and each input PFV gets the share &lt;c_p, z&gt; / |z|^2 of it, as for a
 * convolution, plus the layer's bias spread over the contributions by their norms; the output
 * layer shares the target's logit alone. Checked against the
 * definition computed here with plain loops on a hand-built network:
 * conv 3x3 SAME (1 -> 2) + bias, ReLU, flatten, dense 32 -> 3 + bias, ReLU, dense 3 -> 2 + bias.
 */
class SrdDenseLayersTest {

	@Test
	void hiddenDenseLayerSharesByProjectionOnItsPreActivationVector(@TempDir Path tmp) {
		Random r = new Random(21);
		float[] k = ResidualModel.random(r, 18, 0.6), b = { 0.05f, -0.1f };
		float[] w1 = ResidualModel.random(r, 32 * 3, 0.5), b1 = { 0.1f, 0.2f, -0.05f };
		float[] w2 = ResidualModel.random(r, 6, 1.0), b2 = { 0.03f, -0.02f };
		ResidualModel.export(tmp.resolve("dense"), 0, 4, 1, (tf, g, x, rr) -> {
			Operand<TFloat32> conv = ResidualModel.conv(tf, "conv", x, k, new long[] { 3, 3, 1, 2 }, 1, "SAME");
			Operand<TFloat32> relu = tf.withName("relu").nn.relu(tf.withName("bias").nn.biasAdd(conv, ResidualModel.constant(tf, new long[] { 2 }, b)));
			Operand<TFloat32> flat = tf.withName("flat").reshape(relu, tf.constant(new long[] { -1, 32 }));
			Operand<TFloat32> hidden = tf.withName("hidden").nn.biasAdd(tf.withName("fc1").linalg.matMul(flat, ResidualModel.constant(tf, new long[] { 32, 3 }, w1)),
				ResidualModel.constant(tf, new long[] { 3 }, b1));
			Operand<TFloat32> h = tf.withName("fc1_relu").nn.relu(hidden);
			return tf.withName("logits").nn.biasAdd(tf.withName("fc2").linalg.matMul(h, ResidualModel.constant(tf, new long[] { 3, 2 }, w2)),
				ResidualModel.constant(tf, new long[] { 2 }, b2));
		});
		float[] xf = new float[16];
		for (int i = 0; i < 16; i++) xf[i] = 0.1f + 0.9f * r.nextFloat();
		FloatTensor image = new FloatTensor(new long[] { 1, 4, 4, 1 }, xf);

		// forward pass in double
		double[][] z0 = new double[16][2], a0 = new double[16][2];
		for (int q = 0; q < 16; q++) {
			for (int co = 0; co < 2; co++) {
				double s = b[co];
				for (int dy = 0; dy < 3; dy++) for (int dx = 0; dx < 3; dx++) {
					int sy = q / 4 + dy - 1, sx = q % 4 + dx - 1;
					if (sy >= 0 && sy < 4 && sx >= 0 && sx < 4) s += xf[sy * 4 + sx] * k[(dy * 3 + dx) * 2 + co];
				}
				z0[q][co] = s;
				a0[q][co] = Math.max(0, s);
			}
		}
		double[] z1 = new double[3], a1 = new double[3];
		for (int u = 0; u < 3; u++) {
			z1[u] = b1[u];
			for (int i = 0; i < 32; i++) z1[u] += a0[i / 2][i % 2] * w1[i * 3 + u];
			a1[u] = Math.max(0, z1[u]);
		}
		try (TensorFlowClassifier m = TensorFlowClassifier.load(tmp.resolve("dense"))) {
			SharingRatioDecomposition srd = new SharingRatioDecomposition(m);
			for (int t = 0; t < 2; t++) {
				double logit = b2[t];
				for (int u = 0; u < 3; u++) logit += a1[u] * w2[u * 2 + t];
				assertEquals(logit, m.logits(image).get(0, t), 1e-4, "the forward pass written out");
				// output layer: the hidden PFV is its only input, so it carries the whole logit (its bias spread over it)
				double rHidden = logit;
				// hidden dense layer: one PFV z1; input PFV p (a flattened conv position, 2 channels); the bias b1 spread over
				// the contributions in proportion to their norms
				double zz1 = z1[0] * z1[0] + z1[1] * z1[1] + z1[2] * z1[2];
				double[] mu1 = new double[16], norm1 = new double[16];
				double shared1 = 0, total1 = 0;
				for (int p = 0; p < 16; p++) {
					double proj = 0, nn = 0;
					for (int u = 0; u < 3; u++) {
						double c = 0;
						for (int ch = 0; ch < 2; ch++) c += a0[p][ch] * w1[(p * 2 + ch) * 3 + u];
						proj += c * z1[u];
						nn += c * c;
					}
					mu1[p] = proj / zz1;
					norm1[p] = Math.sqrt(nn);
					shared1 += mu1[p];
					total1 += norm1[p];
				}
				double[] rConv = new double[16];
				for (int p = 0; p < 16; p++) rConv[p] = (mu1[p] + norm1[p] / total1 * (1 - shared1)) * rHidden;
				// conv layer: PFV q (2 channels, pre-activation z0[q]); input PFV = pixel; the bias b spread the same way
				double[] pix = new double[16];
				for (int q = 0; q < 16; q++) {
					double zz = z0[q][0] * z0[q][0] + z0[q][1] * z0[q][1];
					double[] mu = new double[16], norm = new double[16];
					double shared = 0, total = 0;
					for (int dy = 0; dy < 3; dy++) for (int dx = 0; dx < 3; dx++) {
						int sy = q / 4 + dy - 1, sx = q % 4 + dx - 1;
						if (sy < 0 || sy >= 4 || sx < 0 || sx >= 4) continue;
						double proj = 0, nn = 0;
						for (int co = 0; co < 2; co++) {
							double c = xf[sy * 4 + sx] * k[(dy * 3 + dx) * 2 + co];
							proj += c * z0[q][co];
							nn += c * c;
						}
						mu[sy * 4 + sx] = proj / zz;
						norm[sy * 4 + sx] = Math.sqrt(nn);
						shared += proj / zz;
						total += Math.sqrt(nn);
					}
					for (int p = 0; p < 16; p++) pix[p] += (mu[p] + norm[p] / total * (1 - shared)) * rConv[q];
				}
				SharingRatioDecomposition.Decomposition d = srd.classRelevance(image, t);
				for (int p = 0; p < 16; p++) assertEquals(pix[p], d.map().data()[p], 1e-4 * (1 + Math.abs(pix[p])), "class " + t + " pixel " + p);
				assertEquals(0, d.conservationError(), 1e-6 * (1 + Math.abs(logit)));
				// started at the conv layer's PFVs ("relu"): the map is rConv, which carries the whole logit (the biases above it
				// spread over it)
				SharingRatioDecomposition.Decomposition atRelu = srd.classRelevance(image, t, "relu");
				assertEquals(4, atRelu.map().dim(1));
				double explained = 0;
				for (int p = 0; p < 16; p++) {
					assertEquals(rConv[p], atRelu.map().data()[p], 1e-4 * (1 + Math.abs(rConv[p])), "class " + t + ", relu PFV " + p);
					explained += rConv[p];
				}
				assertEquals(logit, atRelu.start(), 1e-4 * (1 + Math.abs(logit)));
				assertEquals(logit, explained, 1e-4 * (1 + Math.abs(logit)), "the layer's PFVs carry the logit");
				assertEquals(0, atRelu.biasRelevance(), 1e-9, "nothing is left above the layer");
				assertEquals(0, atRelu.conservationError(), 1e-4 * (1 + Math.abs(logit)));
				// the same through the registry key and the op (the layer is the image's size here: no resampling)
				FloatTensor viaKey = org.conceptscope.registry.Registry.attribution("srd", java.util.Map.of(SrdAttribution.START_LAYER, "relu"))
					.explain(m, image, new int[] { t }, org.conceptscope.util.Progress.NONE).maps();
				for (int p = 0; p < 16; p++) assertEquals(rConv[p], viaKey.data()[p], 1e-4 * (1 + Math.abs(rConv[p])), "start_layer=relu, PFV " + p);
				net.imglib2.RandomAccessibleInterval<net.imglib2.type.numeric.real.FloatType> op = org.conceptscope.ops.AttributionOps.srd(m,
					net.imglib2.img.array.ArrayImgs.floats(xf, 4, 4), t, "relu", null);
				net.imglib2.RandomAccess<net.imglib2.type.numeric.real.FloatType> ra = op.randomAccess();
				for (int p = 0; p < 16; p++) {
					ra.setPosition(new long[] { p % 4, p / 4 });
					assertEquals(rConv[p], ra.get().get(), 1e-4 * (1 + Math.abs(rConv[p])), "op explain.attribution.srd with startLayer, PFV " + p);
				}
				// the SRD command's analysis: the same decomposition, spread over the image (here one pixel per cell)
				SharingRatioAnalysis.Slice slice = SharingRatioAnalysis.run(m, image, t, "relu", null, 1f, org.conceptscope.util.Progress.NONE)
					.slices().get(0);
				for (int p = 0; p < 16; p++) assertEquals(rConv[p], slice.relevance().map().data()[p], 1e-4 * (1 + Math.abs(rConv[p])));
			}
		}
	}

	/**
	 * SRD maps are attribution maps like any other: on the known-answer model (no biases, logit 1 =
	 * sum of x over R_1) they equal the decomposition, sum to the logit at the pixels and at an
	 * intermediate layer, and deletion (Evaluate Explanation's metric) scores them below a random map.
	 */
	@Test
	void srdMapsAreAttributionsThatMetricsCanScore() {
		try (TensorFlowClassifier m = TensorFlowClassifier.load(org.conceptscope.model.BundledModels.dir("known-answer"))) {
			FloatTensor x = SharingRatioDecompositionTest.random(7, 2, 32, 32, 1);
			int[] targets = { 1, 0 };
			org.conceptscope.attribution.Attribution a = new SrdAttribution().explain(m, x, targets, org.conceptscope.util.Progress.NONE);
			assertEquals("srd", a.metadata().get("method"));
			for (int i = 0; i < 2; i++) {
				FloatTensor direct = new SharingRatioDecomposition(m).classRelevance(x.slice(i), targets[i]).map();
				double sum = 0;
				for (int p = 0; p < 1024; p++) {
					assertEquals(direct.data()[p], a.maps().data()[i * 1024 + p], 0f);
					sum += direct.data()[p];
				}
				double logit = m.logits(x.slice(i)).get(0, targets[i]);
				assertEquals(logit, sum, 1e-3 * Math.abs(logit));
				FloatTensor atLayer = new SharingRatioDecomposition(m).classRelevanceAt(x.slice(i), targets[i], "conv2/relu");
				double layerSum = 0;
				for (float v : atLayer.data()) layerSum += v;
				assertEquals(logit, layerSum, 1e-3 * Math.abs(logit), "relevance is conserved at the layer too");
			}
			org.conceptscope.attribution.Attribution coarse = new SrdAttribution("conv2/relu").explain(m, x, targets, org.conceptscope.util.Progress.NONE);
			assertEquals(32, coarse.maps().dim(2));
			org.conceptscope.metrics.Deletion deletion = new org.conceptscope.metrics.Deletion(8, 0f);
			double srd = deletion.evaluate(m, x, a, org.conceptscope.util.Progress.NONE).mean();
			Random r = new Random(1);
			float[] noise = new float[2 * 1024];
			for (int p = 0; p < noise.length; p++) noise[p] = r.nextFloat();
			double random = deletion.evaluate(m, x, new org.conceptscope.attribution.Attribution(new FloatTensor(new long[] { 2, 32, 32 }, noise), targets,
				java.util.Map.of("method", "random")), org.conceptscope.util.Progress.NONE).mean();
			assertEquals(true, srd < random, "deletion AUC: SRD " + srd + ", random " + random);
		}
	}
}
