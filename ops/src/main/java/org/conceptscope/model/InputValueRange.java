package org.conceptscope.model;

/**
 * The value range a model declares for its input, in the units its network takes (after the preprocessing ConceptScope
 * applies), with where it comes from; or, when the model declares a range that cannot be put in those units, NaN ends
 * and why in {@code source}.
 *
 * @param source a short phrase for the Info and the Log, e.g. "declared by the package's input 'raw' data.range [0, 255]
 *               through its preprocessing"
 */
public record InputValueRange(double lo, double hi, String source) {

	/** A declared range that cannot be used, and why. */
	public static InputValueRange unusable(String why) {
		return new InputValueRange(Double.NaN, Double.NaN, why);
	}

	/** Both ends finite, the smaller first: a range the input's values can be put in. */
	public boolean usable() {
		return usable(lo, hi);
	}

	/** Whether [lo, hi] is a range values can be put in: both ends finite, the smaller first. */
	public static boolean usable(double lo, double hi) {
		return Double.isFinite(lo) && Double.isFinite(hi) && lo < hi;
	}
}
