package org.conceptscope.model;

/**
 * The value range a model declares for its input, in the units its network takes (after the preprocessing ConceptScope
 * applies), with where it comes from; or, when the model declares a range that cannot be put in those units, NaN ends
 * and why in {@code source}. Ranges that differ between channels (a range per channel, or one range through a per-channel
 * normalisation) are kept per channel in {@code channelLo} and {@code channelHi}, {@code lo} and {@code hi} then spanning
 * them all; both are null for one range.
 *
 * @param source a short phrase for the Info and the Log, e.g. "declared by the package's input 'raw' data.range [0, 255]
 *               through its preprocessing"
 */
public record InputValueRange(double lo, double hi, String source, double[] channelLo, double[] channelHi) {

	/** One range for every channel. */
	public InputValueRange(double lo, double hi, String source) {
		this(lo, hi, source, null, null);
	}

	/** A range per channel, channel c's {@code [lo[c], hi[c]]}. */
	public static InputValueRange perChannel(double[] lo, double[] hi, String source) {
		if (lo.length != hi.length || lo.length == 0) throw new IllegalArgumentException("One lower and one upper end per channel.");
		double min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY;
		for (int c = 0; c < lo.length; c++) {
			min = Math.min(min, lo[c]);
			max = Math.max(max, hi[c]);
		}
		return new InputValueRange(min, max, source, lo.clone(), hi.clone());
	}

	/** Whether the range differs between channels. */
	public boolean isPerChannel() {
		return channelLo != null;
	}

	/** A declared range that cannot be used, and why. */
	public static InputValueRange unusable(String why) {
		return new InputValueRange(Double.NaN, Double.NaN, why);
	}

	/** Both ends finite, the smaller first (for every channel): a range the input's values can be put in. */
	public boolean usable() {
		if (!usable(lo, hi)) return false;
		for (int c = 0; channelLo != null && c < channelLo.length; c++) if (!usable(channelLo[c], channelHi[c])) return false;
		return true;
	}

	/** Whether [lo, hi] is a range values can be put in: both ends finite, the smaller first. */
	public static boolean usable(double lo, double hi) {
		return Double.isFinite(lo) && Double.isFinite(hi) && lo < hi;
	}
}
