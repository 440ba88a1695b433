package org.conceptscope.metrics;

import java.util.Locale;

import org.conceptscope.tensor.FloatTensor;

/** Separable Gaussian blur of each image and channel, edges clamped; radius 3 sigma. */
record GaussianBlur(double sigma) implements Reference {

	GaussianBlur {
		if (!(sigma > 0) || !Double.isFinite(sigma)) {
			throw new IllegalArgumentException("The blur sigma must be a positive number of pixels, got " + sigma + ".");
		}
	}

	@Override
	public FloatTensor of(FloatTensor images) {
		int n = (int) images.dim(0), h = (int) images.dim(1), w = (int) images.dim(2), c = (int) images.dim(3);
		int r = (int) Math.ceil(3 * sigma);
		double[] k = new double[2 * r + 1];
		double sum = 0;
		for (int i = -r; i <= r; i++) sum += k[i + r] = Math.exp(-i * i / (2 * sigma * sigma));
		for (int i = 0; i < k.length; i++) k[i] /= sum;
		float[] in = images.data(), tmp = new float[in.length], out = new float[in.length];
		for (int b = 0; b < n; b++) {
			int base = b * h * w * c;
			for (int y = 0; y < h; y++) {
				for (int x = 0; x < w; x++) {
					for (int ch = 0; ch < c; ch++) {
						double horizontal = 0;
						for (int i = -r; i <= r; i++) {
							int xx = Math.min(w - 1, Math.max(0, x + i));
							horizontal += k[i + r] * in[base + (y * w + xx) * c + ch];
						}
						tmp[base + (y * w + x) * c + ch] = (float) horizontal;
					}
				}
			}
			for (int y = 0; y < h; y++) {
				for (int x = 0; x < w; x++) {
					for (int ch = 0; ch < c; ch++) {
						double vertical = 0;
						for (int i = -r; i <= r; i++) {
							int yy = Math.min(h - 1, Math.max(0, y + i));
							vertical += k[i + r] * tmp[base + (yy * w + x) * c + ch];
						}
						out[base + (y * w + x) * c + ch] = (float) vertical;
					}
				}
			}
		}
		return new FloatTensor(images.shape(), out);
	}

	@Override
	public String describe() {
		return String.format(Locale.ROOT, "blurred(sigma=%s)", sigma);
	}
}
