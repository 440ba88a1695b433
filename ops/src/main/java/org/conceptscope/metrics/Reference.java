package org.conceptscope.metrics;

import org.conceptscope.tensor.FloatTensor;

/**
 * What a pixel shows while it is "removed": deletion writes it into the image step by step,
 * insertion starts from it.
 */
public interface Reference {

	/** Reference images for a normalised batch [N, H, W, C], same shape; the batch is not changed. */
	FloatTensor of(FloatTensor images);

	/** Short text for metadata. */
	String describe();

	/** A constant value in normalised input units (0: black after unit_range). */
	static Reference constant(float value) {
		return new ConstantReference(value);
	}

	/** The image blurred with a Gaussian of this sigma in pixels (RISE's insertion start). */
	static Reference blurred(double sigma) {
		return new BlurredReference(sigma);
	}
}
