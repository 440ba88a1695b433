package org.conceptscope.attribution;

import org.conceptscope.tensor.GaussianBlur;

/**
 * What a mask value of 0 puts in place of a pixel: a constant ("inpainting" with a baseline) or
 * the blurred image, which removes detail without inventing an edge at the mask border.
 * out = mask * x + (1 - mask) * replacement.
 */
public record MaskedImage(Kind kind, float value, double blurSigma) {

	public enum Kind {
		CONSTANT, BLUR
	}

	public static MaskedImage constant(float value) {
		return new MaskedImage(Kind.CONSTANT, value, 0);
	}

	public static MaskedImage blur(double sigma) {
		if (!(sigma > 0)) throw new IllegalArgumentException("The blur sigma must be positive, got " + sigma + ".");
		return new MaskedImage(Kind.BLUR, 0, sigma);
	}

	/** The replacement image for one HWC image. */
	float[] replacement(float[] hwc, int h, int w, int c) {
		if (kind == Kind.BLUR) return GaussianBlur.blur(hwc, h, w, c, blurSigma);
		float[] r = new float[hwc.length];
		java.util.Arrays.fill(r, value);
		return r;
	}

	String describe() {
		return kind == Kind.BLUR ? "blur(" + blurSigma + ")" : "constant(" + value + ")";
	}
}
