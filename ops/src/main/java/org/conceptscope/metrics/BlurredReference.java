package org.conceptscope.metrics;

import java.util.Locale;

import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.tensor.GaussianBlur;

/** The images blurred with a Gaussian of {@code sigma} pixels: detail removed, colour kept. */
record BlurredReference(double sigma) implements Reference {

	BlurredReference {
		if (!(sigma > 0) || !Double.isFinite(sigma)) {
			throw new IllegalArgumentException("The blur sigma must be a positive number of pixels, got " + sigma + ".");
		}
	}

	@Override
	public FloatTensor of(FloatTensor images) {
		int n = (int) images.dim(0), h = (int) images.dim(1), w = (int) images.dim(2), c = (int) images.dim(3);
		int per = h * w * c;
		float[] out = new float[images.size()];
		for (int b = 0; b < n; b++) {
			float[] one = java.util.Arrays.copyOfRange(images.data(), b * per, (b + 1) * per);
			System.arraycopy(GaussianBlur.blur(one, h, w, c, sigma), 0, out, b * per, per);
		}
		return new FloatTensor(images.shape(), out);
	}

	@Override
	public String describe() {
		return String.format(Locale.ROOT, "blurred(sigma=%s)", sigma);
	}
}
