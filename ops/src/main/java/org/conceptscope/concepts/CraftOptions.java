package org.conceptscope.concepts;

/**
 * Parameters of CRAFT concept extraction: the layer that splits the model, square crops of
 * {@code patch} pixels every {@code stride} pixels (each resized to the model input), the number
 * of concepts, the NMF seed, tolerance and iteration cap, and how many example crops to keep per
 * concept for the atlas.
 */
public record CraftOptions(String layer, int patch, int stride, int rank, long seed, double tolerance, int maxIterations,
	int examplesPerConcept) {

	public CraftOptions {
		if (layer == null || layer.isBlank()) throw new IllegalArgumentException("Choose the layer that splits the model.");
		if (patch < 2 || stride < 1) throw new IllegalArgumentException("Crops need patch >= 2 and stride >= 1 pixels.");
		if (rank < 1) throw new IllegalArgumentException("Extract at least one concept.");
		if (!(tolerance >= 0) || maxIterations < 1) throw new IllegalArgumentException("NMF needs tolerance >= 0 and at least one iteration.");
		if (examplesPerConcept < 0) throw new IllegalArgumentException("The number of examples per concept cannot be negative.");
	}

	/** Defaults of the CRAFT paper's spirit at microscopy patch scale: 10 concepts, 500 NMF iterations. */
	public static CraftOptions of(String layer, int patch, int stride) {
		return new CraftOptions(layer, patch, stride, 10, 0, 1e-4, 500, 8);
	}
}
