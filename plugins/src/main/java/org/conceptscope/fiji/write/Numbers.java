package org.conceptscope.fiji.write;

/**
 * The number formats of everything ConceptScope writes, in one place: {@link #number} for every
 * table and CSV (full precision), {@link #property} for the labels of ROIs and images and for
 * messages (6 significant digits, as ImageJ shows them), {@link #brief} for values read in a Log line beside
 * whole numbers, {@link #label} for numbers drawn on pictures;
 * macro options write numbers with {@link org.conceptscope.fiji.param.OptionText#number}. '.' is the
 * decimal point whatever the locale.
 */
public final class Numbers {

	private Numbers() {}

	/**
	 * The shortest text that reads back to the same value: a value a float holds exactly as a float
	 * ({@code 0.1} for 0.1f), otherwise as a double; no digit lost, no float noise added; NaN as {@code NaN}.
	 */
	public static String number(double v) {
		if (Double.isNaN(v)) return "NaN";
		float f = (float) v;
		return f == v ? Float.toString(f) : Double.toString(v);
	}

	/** 3 significant digits, 0 as {@code 0}: numbers drawn on pictures (the calibration bar's range, graph edges, distances). */
	public static String label(double v) {
		return v == 0 ? "0" : String.format(java.util.Locale.ROOT, "%.3g", v);
	}

	/**
	 * 6 significant digits without trailing zeros ({@code 0.123457}, {@code 16}, {@code 1.5e-07}): a Log line's values
	 * that may be whole numbers (a declared range [16, 240]) or measured ones (a percentile); the saved file keeps
	 * every digit ({@link #number}).
	 */
	public static String brief(double v) {
		if (Double.isNaN(v) || Double.isInfinite(v)) return Double.toString(v);
		String s = property(v);
		int e = s.indexOf('e');
		String digits = e < 0 ? s : s.substring(0, e), exponent = e < 0 ? "" : s.substring(e);
		if (digits.indexOf('.') >= 0) digits = digits.replaceAll("0+$", "").replaceAll("\\.$", "");
		return digits + exponent;
	}

	/** 6 significant digits ({@code 0.200000}): ROI and image properties, messages. */
	public static String property(double v) {
		return Double.isNaN(v) ? "NaN" : String.format(java.util.Locale.ROOT, "%.6g", v);
	}
}
