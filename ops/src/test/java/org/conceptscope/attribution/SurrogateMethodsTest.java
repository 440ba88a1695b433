package org.conceptscope.attribution;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.Random;

import org.conceptscope.model.BundledModels;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * LIME, Kernel SHAP and their segmentations on the known-answer model, whose class-1 logit is the
 * sum of the pixels in R_1: with the replacement 0 the logit of a perturbed copy is exactly linear
 * in the kept segments, coefficient = the image's sum over the segment's part of R_1. A weighted
 * least-squares fit of an exactly linear function recovers its coefficients whatever the weights,
 * so Kernel SHAP (ordinary least squares) and LIME without its ridge penalty must return them.
 */
class SurrogateMethodsTest {

	static TensorFlowClassifier model;
	static FloatTensor image;

	@BeforeAll
	static void load() {
		KnownAnswerMethodsTest.load();
		model = KnownAnswerMethodsTest.model;
		image = KnownAnswerMethodsTest.image;
	}

	@AfterAll
	static void close() {
		KnownAnswerMethodsTest.close();
	}

	/** Per segment: the image's sum over the segment's pixels inside R_1 (the exact linear coefficient). */
	static double[] exactCoefficients(Segments s) {
		double[] c = new double[s.count()];
		for (int y = 0; y < 32; y++) {
			for (int x = 0; x < 32; x++) if (KnownAnswerSaliencyTest.inside(1, x, y)) c[s.label(y, x)] += image.get(0, y, x, 0);
		}
		return c;
	}

	static void assertExact(AttributionMethod m, Segments s) {
		FloatTensor map = m.explain(model, image, new int[] { 1 }, Progress.NONE).maps();
		double[] want = exactCoefficients(s);
		for (int y = 0; y < 32; y++) {
			for (int x = 0; x < 32; x++) {
				assertEquals(want[s.label(y, x)], map.get(0, y, x), 2e-3, m.name() + " at (" + x + ", " + y + ")");
			}
		}
	}

	@Test
	void kernelShapRecoversTheAdditiveModelExactly() {
		assertExact(new KernelShap(256, Segmentation.grid(8), MaskedImage.constant(0), 1), Segments.grid(32, 32, 1, 8));
		Segments slic = Slic.segment(image.data(), 32, 32, 1, 16, 0.1);
		assertExact(new KernelShap(256, Segmentation.slic(16, 0.1), MaskedImage.constant(0), 2), slic);
		assertExact(new KernelShap(256, Segmentation.grid(8), MaskedImage.constant(0), 1, TargetScore.LOGIT, true), Segments.grid(32, 32, 1, 8));
	}

	/**
	 * The exact-efficiency option (the paper's infinite endpoint weights, as the shap library solves them) on a real,
	 * non-linear model: with every coalition of 4 segments enumerated the values are the Shapley values computed from
	 * their definition (every coalition's logit, weights |S|! (m - |S| - 1)! / m!); sampled (25 segments, 200
	 * samples) they add up to the score change to double rounding, where Captum's 10^6 weight (the default) leaves a
	 * gap of the order of 10^-5, and both give the same values to that order.
	 */
	@Test
	void kernelShapWithExactEfficiencyGivesTheShapleyValuesAndAddsUpToRounding() {
		try (TensorFlowClassifier ihc = TensorFlowClassifier.load(BundledModels.dir("ihc-stain"))) {
			long[] in = ihc.signature().input().shape();
			int h = (int) in[1], w = (int) in[2], c = (int) in[3];
			Random r = new Random(7);
			FloatTensor x = FloatTensor.zeros(1, h, w, c);
			for (int i = 0; i < x.size(); i++) x.data()[i] = r.nextFloat();
			int target = 1;
			float[] replaced = MaskedImage.blur(2).replacement(x.data(), h, w, c);

			// the Shapley values of the 4 grid cells from their definition
			Segments cells = Segments.grid(h, w, c, 2);
			int m = cells.count();
			assertEquals(4, m);
			FloatTensor copies = FloatTensor.zeros(1 << m, h, w, c);
			for (int code = 0; code < 1 << m; code++) {
				for (int y = 0; y < h; y++) {
					for (int xx = 0; xx < w; xx++) {
						boolean kept = (code >>> cells.label(y, xx) & 1) != 0;
						for (int ch = 0; ch < c; ch++) {
							int p = (y * w + xx) * c + ch;
							copies.data()[code * h * w * c + p] = kept ? x.data()[p] : replaced[p];
						}
					}
				}
			}
			FloatTensor logits = ihc.logits(copies);
			double[] shapley = new double[m];
			for (int i = 0; i < m; i++) {
				for (int code = 0; code < 1 << m; code++) {
					if ((code >>> i & 1) != 0) continue;
					int k = Integer.bitCount(code);
					double weight = factorial(k) * factorial(m - k - 1) / factorial(m);
					shapley[i] += weight * (logits.get(code | 1 << i, target) - logits.get(code, target));
				}
			}
			Attribution exact = new KernelShap(16, Segmentation.grid(2), MaskedImage.blur(2), 3, TargetScore.LOGIT, true)
				.explain(ihc, x, new int[] { target }, Progress.NONE);
			double scale = 1 + Arrays.stream(shapley).map(Math::abs).max().orElse(0);
			for (int y = 0; y < h; y++) {
				for (int xx = 0; xx < w; xx++) {
					assertEquals(shapley[cells.label(y, xx)], exact.maps().get(0, y, xx), 1e-5 * scale, "Shapley value at (" + xx + ", " + y + ")");
				}
			}
			assertEquals("exact", exact.metadata().get("efficiency"));

			// sampled: 25 cells, 200 samples
			Attribution captum = new KernelShap(200, Segmentation.grid(5), MaskedImage.blur(2), 3).explain(ihc, x, new int[] { target }, Progress.NONE);
			Attribution held = new KernelShap(200, Segmentation.grid(5), MaskedImage.blur(2), 3, TargetScore.LOGIT, true)
				.explain(ihc, x, new int[] { target }, Progress.NONE);
			double change = Double.parseDouble(Attribution.items(held.metadata().get("score_change")).get(0));
			double heldGap = Double.parseDouble(Attribution.items(held.metadata().get("completeness_gap")).get(0));
			double captumGap = Double.parseDouble(Attribution.items(captum.metadata().get("completeness_gap")).get(0));
			assertTrue(Math.abs(change) > 1e-3, "the blur changes the score: " + change);
			assertTrue(Math.abs(heldGap) <= 1e-12 * Math.abs(change), "exact efficiency: gap " + heldGap + " of a change of " + change);
			assertTrue(Math.abs(captumGap) > 1e-9 * Math.abs(change), "Captum's 10^6 weights leave a gap: " + captumGap + " of " + change);
			assertTrue(Math.abs(captumGap) <= 1e-3 * Math.abs(change), "Captum's gap is small: " + captumGap + " of " + change);
			double largest = 0;
			for (int i = 0; i < h * w; i++) largest = Math.max(largest, Math.abs(held.maps().data()[i]));
			for (int i = 0; i < h * w; i++) {
				assertEquals(held.maps().data()[i], captum.maps().data()[i], 1e-3 * largest, "the same regression in the limit, pixel " + i);
			}
			assertFalse(captum.metadata().containsKey("efficiency"), "the default's metadata are unchanged");
		}
	}

	private static double factorial(int n) {
		double f = 1;
		for (int i = 2; i <= n; i++) f *= i;
		return f;
	}

	@Test
	void limeWithoutRidgeRecoversTheAdditiveModelExactly() {
		for (Lime.Distance d : Lime.Distance.values()) {
			assertExact(new Lime(256, Segmentation.grid(8), MaskedImage.constant(0), 0.5, d, d == Lime.Distance.EUCLIDEAN ? 3 : 0.25, 0, 1,
				TargetScore.LOGIT), Segments.grid(32, 32, 1, 8));
		}
	}

	/**
	 * With its default ridge penalty LIME shrinks the coefficients and mixes them through chance
	 * correlations between samples, which fade as samples outnumber segments (here 16 per segment);
	 * its mass stays on the evidence.
	 */
	@Test
	void limeWithDefaultsFindsTheEvidence() {
		KnownAnswerMethodsTest.check(new Lime(1024, Segmentation.grid(8), MaskedImage.constant(0), 1), 0.95);
		KnownAnswerMethodsTest.check(new Lime(256, Segmentation.slic(16, 0.1), MaskedImage.constant(0), 1), 0.95);
		KnownAnswerMethodsTest.check(new KernelShap(KernelShap.DEFAULT_SAMPLES, Segmentation.slic(64, 0.1), MaskedImage.constant(0), 1), 0.99);
	}

	/**
	 * Efficiency on a real, non-linear model: the Shapley values add up to the score of the image
	 * minus the score of the fully replaced image (the two samples of near-infinite weight).
	 */
	@Test
	void kernelShapValuesAddUpOnARealModel() {
		try (TensorFlowClassifier ihc = TensorFlowClassifier.load(BundledModels.dir("ihc-stain"))) {
			long[] in = ihc.signature().input().shape();
			Random r = new Random(4);
			FloatTensor x = FloatTensor.zeros(2, in[1], in[2], in[3]);
			for (int i = 0; i < x.size(); i++) x.data()[i] = r.nextFloat();
			int[] targets = { 0, 1 };
			Attribution a = new KernelShap(200, Segmentation.slic(24, 0.1), MaskedImage.blur(2), 3).explain(ihc, x, targets, Progress.NONE);
			for (int i = 0; i < 2; i++) {
				FloatTensor xi = x.slice(i);
				float[] blurred = MaskedImage.blur(2).replacement(xi.data(), (int) in[1], (int) in[2], (int) in[3]);
				double drop = ihc.logits(xi).get(0, targets[i]) - ihc.logits(new FloatTensor(xi.shape(), blurred)).get(0, targets[i]);
				Segments s = Slic.segment(xi.data(), (int) in[1], (int) in[2], (int) in[3], 24, 0.1);
				double sum = 0;
				boolean[] seen = new boolean[s.count()];
				for (int y = 0; y < in[1]; y++) {
					for (int xx = 0; xx < in[2]; xx++) {
						if (!seen[s.label(y, xx)]) {
							seen[s.label(y, xx)] = true;
							sum += a.maps().get(i, y, xx);
						}
					}
				}
				assertEquals(drop, sum, 1e-3 * Math.abs(drop) + 1e-3, "image " + i);
				// the metadata report it per image (the results table's completeness columns): the change recomputed from the
				// model's logits, the values' sum from the map's segments, and a gap of the order of the 10^6 endpoint weights'
				double change = Double.parseDouble(Attribution.items(a.metadata().get("score_change")).get(i));
				double reported = Double.parseDouble(Attribution.items(a.metadata().get("attribution_sum")).get(i));
				double gap = Double.parseDouble(Attribution.items(a.metadata().get("completeness_gap")).get(i));
				assertEquals(drop, change, 1e-4 * (1 + Math.abs(drop)), "image " + i);
				assertEquals(sum, reported, 1e-5 * (1 + Math.abs(sum)), "image " + i);
				assertEquals(reported - change, gap, 1e-12 * (1 + Math.abs(change)), "image " + i);
				assertTrue(Math.abs(sum - drop) <= 1e-4 * Math.abs(drop) + 1e-5, "efficiency, image " + i + ": values sum to " + sum + ", f(x) - f(replaced) = "
					+ drop + ", gap " + gap);
				assertEquals(Math.abs(gap) / Math.abs(change), Completeness.of(a).get(i).relativeGap(), 1e-12, "image " + i);
			}
			assertEquals(java.util.List.of("segments", "attribution_sum", "score_change", "completeness_gap"),
				new KernelShap(200, Segmentation.slic(24, 0.1), MaskedImage.blur(2), 3).perImageKeys());
			// LIME claims no efficiency: no such metadata
			Attribution lime = new Lime(40, Segmentation.grid(2), MaskedImage.constant(0), 3).explain(ihc, x.slice(0), new int[] { 0 }, Progress.NONE);
			assertFalse(lime.metadata().containsKey("completeness_gap"), lime.metadata().toString());
			assertTrue(Completeness.of(lime).isEmpty());
		}
	}

	@Test
	void samplesComeFromTheSeed() {
		AttributionMethod[][] triples = {
			{ new Lime(64, Segmentation.grid(4), MaskedImage.constant(0), 5), new Lime(64, Segmentation.grid(4), MaskedImage.constant(0), 5),
				new Lime(64, Segmentation.grid(4), MaskedImage.constant(0), 6) },
			{ new KernelShap(24, Segmentation.grid(4), MaskedImage.blur(1), 5), new KernelShap(24, Segmentation.grid(4), MaskedImage.blur(1), 5),
				new KernelShap(24, Segmentation.grid(4), MaskedImage.blur(1), 6) } };
		FloatTensor noisy = KnownAnswerSaliencyTest.noise(1, 8);
		for (AttributionMethod[] t : triples) {
			float[] a = t[0].explain(model, noisy, new int[] { 1 }, Progress.NONE).maps().data();
			float[] b = t[1].explain(model, noisy, new int[] { 1 }, Progress.NONE).maps().data();
			float[] c = t[2].explain(model, noisy, new int[] { 1 }, Progress.NONE).maps().data();
			assertArrayEquals(a, b, t[0].name() + ": same seed, same map");
			assertFalse(Arrays.equals(a, c), t[0].name() + ": another seed, another map");
		}
	}

	/** Kernel SHAP's subset sizes follow p(k) ~ 1 / (k (M - k)): the Shapley kernel realised by sampling. */
	@Test
	void kernelShapDrawsSubsetSizesFromTheShapleyKernel() {
		KernelShap ks = new KernelShap(3, Segmentation.grid(2), MaskedImage.constant(0), 9);
		int m = 6, n = 60_000;
		int[] counts = new int[m + 1];
		boolean[] z = new boolean[m];
		for (int j = 2; j < n + 2; j++) {
			Arrays.fill(z, false);
			ks.draw(j, new java.util.SplittableRandom(j * 31L), z);
			int k = 0;
			for (boolean b : z) if (b) k++;
			counts[k]++;
		}
		double total = 0;
		for (int k = 1; k < m; k++) total += 1.0 / (k * (m - k));
		assertEquals(0, counts[0]);
		assertEquals(0, counts[m]);
		for (int k = 1; k < m; k++) {
			double p = 1.0 / (k * (m - k)) / total;
			assertEquals(p, counts[k] / (double) n, 4 * Math.sqrt(p * (1 - p) / n), "k = " + k);
		}
		boolean[] all = new boolean[m], none = new boolean[m];
		ks.draw(0, new java.util.SplittableRandom(1), all);
		ks.draw(1, new java.util.SplittableRandom(1), none);
		for (int j = 0; j < m; j++) {
			assertTrue(all[j]);
			assertFalse(none[j]);
		}
	}

	/** On the known-answer image (R_1 at 0.9, the rest at most 0.05) every superpixel lies inside R_1 or outside it. */
	@Test
	void slicFollowsTheEvidenceEdges() {
		for (int wanted : new int[] { 9, 16, 40 }) {
			Segments s = Slic.segment(image.data(), 32, 32, 1, wanted, 0.1);
			assertTrue(s.count() >= wanted / 2 && s.count() <= 2 * wanted, wanted + " wanted, " + s.count() + " made");
			int[] inside = new int[s.count()], outside = new int[s.count()];
			for (int y = 0; y < 32; y++) {
				for (int x = 0; x < 32; x++) {
					if (KnownAnswerSaliencyTest.inside(1, x, y)) inside[s.label(y, x)]++;
					else outside[s.label(y, x)]++;
				}
			}
			for (int j = 0; j < s.count(); j++) assertTrue(inside[j] == 0 || outside[j] == 0, "superpixel " + j + " of " + wanted + " straddles R_1");
			assertConnected(s);
		}
	}

	/** A constant image has no edges: SLIC returns its seed grid, ny x nx superpixels of about S x S pixels. */
	@Test
	void slicOnAConstantImageIsItsSeedGrid() {
		float[] flat = new float[48 * 64 * 2];
		Arrays.fill(flat, 0.3f);
		Segments s = Slic.segment(flat, 48, 64, 2, 12, 0.1);
		assertEquals(12, s.count()); // S = 16: 3 rows of 4
		for (int j = 0; j < 12; j++) assertEquals(256, s.size(j), 1e-9, "superpixel " + j);
		assertConnected(s);
	}

	static void assertConnected(Segments s) {
		int h = s.height(), w = s.width();
		boolean[] seen = new boolean[h * w];
		boolean[] labelSeen = new boolean[s.count()];
		for (int start = 0; start < h * w; start++) {
			if (seen[start]) continue;
			int label = s.label(start / w, start % w);
			assertFalse(labelSeen[label], "superpixel " + label + " is in several pieces");
			labelSeen[label] = true;
			Deque<Integer> todo = new ArrayDeque<>();
			todo.add(start);
			seen[start] = true;
			while (!todo.isEmpty()) {
				int p = todo.poll(), y = p / w, x = p % w;
				int[][] nb = { { y, x - 1 }, { y, x + 1 }, { y - 1, x }, { y + 1, x } };
				for (int[] q : nb) {
					if (q[0] < 0 || q[1] < 0 || q[0] >= h || q[1] >= w) continue;
					int qi = q[0] * w + q[1];
					if (!seen[qi] && s.label(q[0], q[1]) == label) {
						seen[qi] = true;
						todo.add(qi);
					}
				}
			}
		}
	}

	/** ForGrad keeps what lies within the bandwidth of zero frequency and removes the rest: a known sum of waves. */
	@Test
	void forGradKeepsLowFrequenciesOnly() {
		int h = 32, w = 40;
		float[] map = new float[h * w], want = new float[h * w];
		for (int y = 0; y < h; y++) {
			for (int x = 0; x < w; x++) {
				double low = 1 + 0.5 * Math.cos(2 * Math.PI * 2 * x / w) + 0.2 * Math.sin(2 * Math.PI * 3 * y / h);
				map[y * w + x] = (float) (low + 0.3 * Math.cos(2 * Math.PI * 12 * y / h) + 0.1 * Math.cos(2 * Math.PI * 15 * x / w));
				want[y * w + x] = (float) low;
			}
		}
		// disc of radius 5 on the 32-pixel scale: (0, 2 * 32/40) and (3, 0) pass, (12, 0) and (0, 15 * 32/40) do not
		assertArrayEquals(want, ForGrad.filter(map, 1, h, w, 5), 1e-5f);
		assertEquals(ForGrad.defaultBandwidth(224, 224), 15);
		assertEquals(ForGrad.defaultBandwidth(32, 64), 2);
	}

	/**
	 * The filter computes only the spectrum's kept rows and columns, and uses that a real map's
	 * spectrum is conjugate-symmetric; on random maps of odd, even and rectangular sizes, from one
	 * kept frequency to all of them, and at 224 pixels with the default bandwidth, it equals the
	 * full transform, mask and inverse transform.
	 */
	@Test
	void forGradsPrunedTransformEqualsTheFullOne() {
		java.util.Random r = new java.util.Random(17);
		int[][] sizes = { { 16, 16 }, { 17, 23 }, { 32, 12 }, { 9, 9 }, { 224, 224 } };
		for (int[] size : sizes) {
			int h = size[0], w = size[1];
			for (int sigma : h == 224 ? new int[] { ForGrad.defaultBandwidth(h, w) } : new int[] { 1, 2, 5, Math.min(h, w) }) {
				float[] maps = new float[2 * h * w];
				for (int i = 0; i < maps.length; i++) maps[i] = (float) r.nextGaussian();
				float[] got = ForGrad.filter(maps, 2, h, w, sigma);
				boolean[] keep = ForGrad.lowPass(h, w, sigma);
				org.conceptscope.visualization.Dft2d dft = new org.conceptscope.visualization.Dft2d(h, w);
				for (int i = 0; i < 2; i++) {
					double[] re = new double[h * w], im = new double[h * w];
					for (int p = 0; p < h * w; p++) re[p] = Math.abs(maps[i * h * w + p]);
					dft.transform(re, im, -1);
					for (int p = 0; p < h * w; p++) if (!keep[p]) re[p] = im[p] = 0;
					dft.transform(re, im, +1);
					for (int p = 0; p < h * w; p++) {
						assertEquals(Math.hypot(re[p], im[p]) / (h * w), got[i * h * w + p], 1e-5, h + "x" + w + ", sigma " + sigma + " at " + p);
					}
				}
			}
		}
	}

	/**
	 * On the known-answer model a low-pass filtered Saliency map still peaks on the evidence: its
	 * largest value lies in R_1 and most of its mass near it.
	 */
	@Test
	void forGradSaliencyPeaksOnTheEvidence() {
		ForGrad f = new ForGrad(new Saliency(), 8);
		Attribution a = f.explain(model, image, new int[] { 1 }, Progress.NONE);
		assertEquals("saliency_forgrad", a.metadata().get("method"));
		FloatTensor m = a.maps();
		int best = 0;
		for (int p = 1; p < 1024; p++) if (m.data()[p] > m.data()[best]) best = p;
		assertTrue(KnownAnswerSaliencyTest.inside(1, best % 32, best / 32), "ForGrad's maximum at " + best % 32 + ", " + best / 32);
		assertTrue(KnownAnswerMethodsTest.shareNearEvidence(m) > 0.6, "ForGrad mass near the evidence " + KnownAnswerMethodsTest.shareNearEvidence(m));
	}
}
