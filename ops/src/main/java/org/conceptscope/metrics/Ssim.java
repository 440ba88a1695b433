package org.conceptscope.metrics;

/**
 * Structural similarity (Wang et al. 2004) of two single-channel images as TensorFlow's
 * tf.image.ssim computes it, which Xplique's RandomLogit uses: an 11x11 Gaussian window of sigma
 * 1.5 (narrowed to the image, odd), valid positions only, K1 = 0.01, K2 = 0.03, the dynamic range L
 * the spread of both images together; the mean of the SSIM map. Two images with no spread at all
 * have SSIM 1 (Xplique's rule).
 */
final class Ssim {

	private Ssim() {}

	static double of(float[] a, float[] b, int h, int w) {
		float min = Float.POSITIVE_INFINITY, max = Float.NEGATIVE_INFINITY;
		for (int p = 0; p < a.length; p++) {
			min = Math.min(min, Math.min(a[p], b[p]));
			max = Math.max(max, Math.max(a[p], b[p]));
		}
		double range = max - min;
		if (!(range > 0)) return 1;
		int size = Math.min(11, Math.min(h, w));
		if (size % 2 == 0) size--;
		double[] g = new double[size];
		double total = 0;
		for (int i = 0; i < size; i++) {
			double d = i - (size - 1) / 2.0;
			total += g[i] = Math.exp(-d * d / (2 * 1.5 * 1.5));
		}
		for (int i = 0; i < size; i++) g[i] /= total;
		double c1 = Math.pow(0.01 * range, 2), c2 = Math.pow(0.03 * range, 2);
		double sum = 0;
		int positions = 0;
		for (int y = 0; y + size <= h; y++) {
			for (int x = 0; x + size <= w; x++) {
				double ma = 0, mb = 0, aa = 0, bb = 0, ab = 0;
				for (int i = 0; i < size; i++) {
					for (int j = 0; j < size; j++) {
						double k = g[i] * g[j], u = a[(y + i) * w + x + j], v = b[(y + i) * w + x + j];
						ma += k * u;
						mb += k * v;
						aa += k * u * u;
						bb += k * v * v;
						ab += k * u * v;
					}
				}
				double luminance = (2 * ma * mb + c1) / (ma * ma + mb * mb + c1);
				double structure = (2 * (ab - ma * mb) + c2) / (aa - ma * ma + bb - mb * mb + c2);
				sum += luminance * structure;
				positions++;
			}
		}
		return sum / positions;
	}
}
