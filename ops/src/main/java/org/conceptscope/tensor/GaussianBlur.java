package org.conceptscope.tensor;

/** Separable Gaussian blur of one HWC image, per channel, with mirrored borders. */
public final class GaussianBlur {

	private GaussianBlur() {}

	public static float[] blur(float[] hwc, int h, int w, int c, double sigma) {
		if (!(sigma > 0)) return hwc.clone();
		int r = Math.max(1, (int) Math.ceil(3 * sigma));
		float[] k = new float[2 * r + 1];
		double sum = 0;
		for (int i = -r; i <= r; i++) sum += k[i + r] = (float) Math.exp(-i * i / (2 * sigma * sigma));
		for (int i = 0; i < k.length; i++) k[i] /= (float) sum;
		float[] tmp = new float[hwc.length], out = new float[hwc.length];
		for (int y = 0; y < h; y++) {
			for (int x = 0; x < w; x++) {
				for (int ch = 0; ch < c; ch++) {
					float s = 0;
					for (int i = -r; i <= r; i++) s += k[i + r] * hwc[(y * w + mirror(x + i, w)) * c + ch];
					tmp[(y * w + x) * c + ch] = s;
				}
			}
		}
		for (int y = 0; y < h; y++) {
			for (int x = 0; x < w; x++) {
				for (int ch = 0; ch < c; ch++) {
					float s = 0;
					for (int i = -r; i <= r; i++) s += k[i + r] * tmp[(mirror(y + i, h) * w + x) * c + ch];
					out[(y * w + x) * c + ch] = s;
				}
			}
		}
		return out;
	}

	private static int mirror(int i, int n) {
		if (n == 1) return 0;
		int period = 2 * (n - 1);
		i = Math.floorMod(i, period);
		return i < n ? i : period - i;
	}
}
