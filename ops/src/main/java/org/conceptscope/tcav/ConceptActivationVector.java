package org.conceptscope.tcav;

import java.util.Arrays;

/**
 * A concept activation vector (Kim et al. 2018): the unit direction, in the flattened activations
 * of one layer, that points from counterexamples towards a concept's examples (the normal of a
 * linear classifier separating them), with the held-out accuracy of that classifier.
 */
public record ConceptActivationVector(String concept, String layer, long[] layerShape, float[] direction, double accuracy) {

	public ConceptActivationVector {
		if (concept == null || concept.isBlank()) throw new IllegalArgumentException("A CAV needs the concept's name.");
		if (layer == null || layer.isBlank()) throw new IllegalArgumentException("A CAV needs the layer it lives in.");
		long size = 1;
		for (int i = 1; i < layerShape.length; i++) size *= layerShape[i];
		if (direction.length != size) {
			throw new IllegalArgumentException("The CAV of '" + concept + "' has " + direction.length + " values but layer '" + layer + "' "
				+ Arrays.toString(layerShape) + " has " + size + " per image.");
		}
		layerShape = layerShape.clone();
		direction = direction.clone();
	}

	@Override
	public long[] layerShape() {
		return layerShape.clone();
	}

	@Override
	public float[] direction() {
		return direction.clone();
	}

	/**
	 * The directional derivative of each row of [N, d] gradients along this CAV.
	 *
	 * @throws IllegalArgumentException when the gradients hold another number of values per image than
	 *         the CAV (images of another size than those it was made on, for a model of any size)
	 */
	double[] sensitivities(float[] gradients, int n) {
		int d = direction.length;
		if (gradients.length != (long) n * d) {
			throw new IllegalArgumentException("The CAV of '" + concept + "' was found on images whose layer '" + layer + "' is "
				+ Arrays.toString(layerShape) + ", and these images give it " + gradients.length / Math.max(1, n) + " values each: give images"
				+ " of the size the CAVs were made on.");
		}
		double[] s = new double[n];
		for (int i = 0; i < n; i++) {
			double v = 0;
			for (int j = 0; j < d; j++) v += (double) gradients[i * d + j] * direction[j];
			s[i] = v;
		}
		return s;
	}
}
