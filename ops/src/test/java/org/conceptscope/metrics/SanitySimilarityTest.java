package org.conceptscope.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The sanity check's similarities and the seeding of the random weights, without a model. */
class SanitySimilarityTest {

	static float[] a(int h, int w) {
		float[] m = new float[h * w];
		for (int y = 0; y < h; y++) {
			for (int x = 0; x < w; x++) m[y * w + x] = (float) (Math.sin(0.7 * x) * Math.cos(0.3 * y) + 0.1 * x);
		}
		return m;
	}

	@Test
	void aMapIsIdenticalToItselfAndToItsNegationInAbsoluteValue() {
		float[] m = a(13, 15), neg = new float[m.length];
		for (int p = 0; p < m.length; p++) neg[p] = -m[p];
		SanityCheck.Similarity same = SanityCheck.similarity(m, m, 13, 15);
		assertEquals(1, same.spearmanAbs(), 1e-12);
		assertEquals(1, same.spearman(), 1e-12);
		assertEquals(1, same.ssim(), 1e-12);
		SanityCheck.Similarity flipped = SanityCheck.similarity(m, neg, 13, 15);
		assertEquals(1, flipped.spearmanAbs(), 1e-12, "the absolute maps are the same");
		assertEquals(-1, flipped.spearman(), 1e-12, "the signed maps rank in reverse");
		assertEquals(1, flipped.ssim(), 1e-12, "SSIM is of the absolute maps");
	}

	/**
	 * SSIM of the absolute maps min-max scaled to [0, 1] against a reference computed apart with
	 * scipy: skimage.metrics.structural_similarity's algorithm (gaussian_filter, sigma 1.5, truncate
	 * 3.5, data_range 1, use_sample_covariance False, the 5-pixel border cropped) on 13 x 15 maps,
	 * a as above and b = 0.8 a + 0.3 cos(0.9 y + 0.4 x) (in float32): 0.6449670982298862.
	 */
	@Test
	void ssimMatchesAnIndependentReference() {
		int h = 13, w = 15;
		float[] a = a(h, w), b = new float[h * w];
		for (int y = 0; y < h; y++) {
			for (int x = 0; x < w; x++) b[y * w + x] = (float) (0.8 * a[y * w + x] + 0.3 * Math.cos(0.9 * y + 0.4 * x));
		}
		assertEquals(0.6449670982298862, SanityCheck.similarity(a, b, h, w).ssim(), 2e-6);
	}

	/**
	 * The HOG similarity (Adebayo et al.: Pearson correlation of the HOGs of the two maps) against scikit-image 0.19.3's
	 * skimage.feature.hog with its defaults (9 orientations, 8 x 8 pixels per cell, 3 x 3 cells per block, L2-Hys) on the
	 * absolute maps min-max scaled to [0, 1] (float32, then float64 for hog), 32 x 30 maps a and b as above: 162 features
	 * (2 x 1 blocks), the first 0.1538970269483481, the 101st 0.0657942992588065, the sum 13.189756719496245, and
	 * numpy.corrcoef of the two HOGs 0.5055899810527069 (skimage sums a cell in float32, hence the tolerance).
	 */
	@Test
	void hogMatchesScikitImage() {
		int h = 32, w = 30;
		float[] a = a(h, w), b = new float[h * w];
		for (int y = 0; y < h; y++) {
			for (int x = 0; x < w; x++) b[y * w + x] = (float) (0.8 * a[y * w + x] + 0.3 * Math.cos(0.9 * y + 0.4 * x));
		}
		double[] abs = new double[a.length];
		for (int p = 0; p < a.length; p++) abs[p] = Math.abs(a[p]);
		double[] f = Hog.features(SanityCheck.unit(abs), h, w);
		assertEquals(162, f.length);
		assertEquals(0.1538970269483481, f[0], 1e-6);
		assertEquals(0.0657942992588065, f[100], 1e-6);
		double sum = 0;
		for (double v : f) sum += v;
		assertEquals(13.189756719496245, sum, 1e-5);
		assertEquals(0.5055899810527069, SanityCheck.similarity(a, b, h, w).hog(), 1e-6);
		assertEquals(1, SanityCheck.similarity(a, a, h, w).hog(), 1e-12, "a map is its own HOG");
		assertTrue(Double.isNaN(SanityCheck.similarity(a(13, 15), a(13, 15), 13, 15).hog()), "under 24 x 24 pixels there is no HOG block");
	}

	/**
	 * Neighbouring variable names must get unrelated random values. The old seeding,
	 * java.util.Random(seed * 1000003 + name.hashCode()), gave names differing in their last
	 * character consecutive seeds: their first Gaussians had the same sign 96 % of the time.
	 */
	@Test
	void neighbouringVariablesGetUncorrelatedStreams() {
		int names = 400, n = 256;
		double[][] g = new double[names][];
		for (int i = 0; i < names; i++) g[i] = RandomizedWeights.gaussian(42, "w" + (char) (0x100 + i), n);
		int agree = 0;
		double r = 0;
		double[] first = new double[names - 1], next = new double[names - 1];
		for (int i = 0; i + 1 < names; i++) {
			if (Math.signum(g[i][0]) == Math.signum(g[i + 1][0])) agree++;
			first[i] = g[i][0];
			next[i] = g[i + 1][0];
			r += Pearson.correlation(g[i], g[i + 1]);
		}
		double share = agree / (double) (names - 1);
		// 399 fair coins: standard deviation 0.025
		assertTrue(share > 0.4 && share < 0.6, "first draws of neighbouring names share their sign " + share + " of the time");
		assertTrue(Math.abs(Pearson.correlation(first, next)) < 0.2, "first draws correlate " + Pearson.correlation(first, next));
		assertTrue(Math.abs(r / (names - 1)) < 0.02, "mean correlation of neighbouring streams " + r / (names - 1));
		// the same name and seed give the same values; another seed other values
		assertEquals(g[7][5], RandomizedWeights.gaussian(42, "w" + (char) (0x107), n)[5]);
		assertTrue(Math.abs(Pearson.correlation(g[7], RandomizedWeights.gaussian(43, "w" + (char) (0x107), n))) < 0.3);
	}
}
