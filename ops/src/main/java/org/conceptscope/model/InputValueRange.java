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

	/**
	 * The per-channel ends are copied in and out (a record's accessors would hand out its own arrays) and compared by value;
	 * both or neither are given, one of each per channel (a channel with one end only would fail later, far from here).
	 */
	public InputValueRange {
		if ((channelLo == null) != (channelHi == null) || channelLo != null && (channelLo.length != channelHi.length || channelLo.length == 0)) {
			throw new IllegalArgumentException("A range per channel needs one lower and one upper end for each channel, got "
				+ (channelLo == null ? "no" : channelLo.length) + " lower and " + (channelHi == null ? "no" : channelHi.length) + " upper ends.");
		}
		channelLo = channelLo == null ? null : channelLo.clone();
		channelHi = channelHi == null ? null : channelHi.clone();
	}

	@Override
	public double[] channelLo() {
		return channelLo == null ? null : channelLo.clone();
	}

	@Override
	public double[] channelHi() {
		return channelHi == null ? null : channelHi.clone();
	}

	@Override
	public boolean equals(Object o) {
		return o instanceof InputValueRange r && Double.compare(lo, r.lo) == 0 && Double.compare(hi, r.hi) == 0
			&& java.util.Objects.equals(source, r.source) && java.util.Arrays.equals(channelLo, r.channelLo)
			&& java.util.Arrays.equals(channelHi, r.channelHi);
	}

	@Override
	public int hashCode() {
		return java.util.Objects.hash(lo, hi, source, java.util.Arrays.hashCode(channelLo), java.util.Arrays.hashCode(channelHi));
	}

	@Override
	public String toString() {
		return "InputValueRange[lo=" + lo + ", hi=" + hi + ", source=" + source + ", channelLo=" + java.util.Arrays.toString(channelLo)
			+ ", channelHi=" + java.util.Arrays.toString(channelHi) + "]";
	}

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
		return new InputValueRange(min, max, source, lo, hi);
	}

	/** Channel c's lower end ({@code lo} for one range). */
	public double lo(int c) {
		return channelLo == null ? lo : channelLo[c];
	}

	/** Channel c's upper end ({@code hi} for one range). */
	public double hi(int c) {
		return channelHi == null ? hi : channelHi[c];
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
