package org.conceptscope.fiji.run;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.conceptscope.attribution.AttributionMethod;

/** Turns the {@code target} text into a class index of the model, or "predicted". */
public final class TargetClass {

	private TargetClass() {}

	/**
	 * "predicted" (any case) gives {@link AttributionMethod#PREDICTED}; otherwise a class name
	 * (exact, else case-insensitive when that is unambiguous) or a class index. Names win over
	 * indices, so a class literally named "1" is found by its name.
	 */
	public static int parse(String target, List<String> classNames) {
		String t = target == null ? "" : target.trim();
		if (t.equalsIgnoreCase(AttributionSettings.PREDICTED)) return AttributionMethod.PREDICTED;
		int exact = classNames.indexOf(t);
		if (exact >= 0) return exact;
		List<Integer> ignoringCase = new ArrayList<>();
		for (int k = 0; k < classNames.size(); k++) {
			if (classNames.get(k).toLowerCase(Locale.ROOT).equals(t.toLowerCase(Locale.ROOT))) ignoringCase.add(k);
		}
		if (ignoringCase.size() == 1) return ignoringCase.get(0);
		try {
			int k = Integer.parseInt(t);
			if (k >= 0 && k < classNames.size()) return k;
		} catch (NumberFormatException e) {
			// not an index either: reported below
		}
		throw new IllegalArgumentException("Target '" + t + "' is not a class of this model: use " + AttributionSettings.TARGET
			+ "=" + AttributionSettings.PREDICTED + ", a class name " + quoted(classNames) + " or an index 0.."
			+ (classNames.size() - 1) + ".");
	}

	/**
	 * A class named as {@link #parse} names it, for commands that have no prediction to use (the refusal
	 * offers the names and indices only).
	 *
	 * @param extra other forms the target may take, for the refusal (e.g. "part k"), or empty
	 */
	public static int parseClass(String target, List<String> classNames, String extra) {
		String t = target == null ? "" : target.trim();
		int named = classNames.indexOf(t); // a class literally named "predicted" is a class here
		if (named >= 0) return named;
		if (!t.equalsIgnoreCase(AttributionSettings.PREDICTED)) {
			try {
				return parse(t, classNames);
			} catch (IllegalArgumentException e) {
				// refused below, without "predicted"
			}
		}
		throw new IllegalArgumentException("Target '" + t + "' is not a class of this model: use " + AttributionSettings.TARGET
			+ "=[a class name " + quoted(classNames) + "] or an index 0.." + (classNames.size() - 1) + (extra.isEmpty() ? "" : ", or " + extra)
			+ ".");
	}

	private static String quoted(List<String> names) {
		List<String> q = new ArrayList<>();
		for (String n : names) q.add("'" + n + "'");
		return "(" + String.join(", ", q) + ")";
	}
}
