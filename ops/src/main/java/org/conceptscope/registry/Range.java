package org.conceptscope.registry;

import java.util.Locale;

/**
 * The numbers a parameter accepts: a lower and an upper bound, each inclusive or not, either
 * possibly unbounded (infinite). NaN is never inside.
 */
public record Range(double min, boolean minInclusive, double max, boolean maxInclusive) {

	public static final Range ANY = new Range(Double.NEGATIVE_INFINITY, false, Double.POSITIVE_INFINITY, false);

	/** {@code value >= min}. */
	public static Range atLeast(double min) {
		return new Range(min, true, Double.POSITIVE_INFINITY, false);
	}

	/** {@code value > min}. */
	public static Range above(double min) {
		return new Range(min, false, Double.POSITIVE_INFINITY, false);
	}

	/** {@code min < value <= max}. */
	public static Range aboveUpTo(double min, double max) {
		return new Range(min, false, max, true);
	}

	/** {@code min <= value <= max}. */
	public static Range between(double min, double max) {
		return new Range(min, true, max, true);
	}

	/** {@code min < value < max}. */
	public static Range strictlyBetween(double min, double max) {
		return new Range(min, false, max, false);
	}

	public boolean contains(double v) {
		if (Double.isNaN(v)) return false;
		boolean lo = minInclusive ? v >= min : v > min;
		boolean hi = maxInclusive ? v <= max : v < max;
		return lo && hi;
	}

	/** In words, for messages and the docs: "at least 1", "in (0, 1]", "above 0", "any number". */
	public String describe() {
		boolean lo = Double.isFinite(min), hi = Double.isFinite(max);
		if (!lo && !hi) return "any finite number";
		if (lo && !hi) return (minInclusive ? "at least " : "above ") + format(min);
		if (!lo) return (maxInclusive ? "at most " : "below ") + format(max);
		return "in " + (minInclusive ? "[" : "(") + format(min) + ", " + format(max) + (maxInclusive ? "]" : ")");
	}

	static String format(double v) {
		return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : String.format(Locale.ROOT, "%s", v);
	}
}
