package org.conceptscope.fiji.param;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * ImageJ 1.x macro options ({@code key=value key=[value with spaces] flag}) read with exact
 * keys. {@link ij.Macro#getValue} finds "steps=" inside "training_steps=" and ignores typos;
 * here every key must be one the command knows, so a misspelt key fails instead of silently
 * falling back to a default. A bare word is a checkbox that is on, as ImageJ records it.
 */
public final class MacroOptions {

	private final String command;
	private final Map<String, String> values;

	private MacroOptions(String command, Map<String, String> values) {
		this.command = command;
		this.values = values;
	}

	/**
	 * @param command the command's name, for messages
	 * @param keys every key the command accepts
	 */
	public static MacroOptions parse(String options, String command, List<String> keys) {
		Map<String, String> values = new LinkedHashMap<>();
		OptionText.scan(options, command, (key, value) -> put(values, key, value, command, keys));
		return new MacroOptions(command, values);
	}

	/**
	 * Command-line arguments, one {@code key=value} per argument (the shell has already split
	 * them, so a value may hold spaces, '=' or ']'), or a bare {@code key} for a checkbox that is
	 * on; the same keys, checks and messages as macro options.
	 */
	public static MacroOptions ofArguments(String[] args, String command, List<String> keys) {
		Map<String, String> values = new LinkedHashMap<>();
		OptionText.scan(args, (key, value) -> put(values, key, value, command, keys));
		return new MacroOptions(command, values);
	}

	private static void put(Map<String, String> values, String key, String value, String command, List<String> keys) {
		if (!keys.contains(key)) {
			throw new IllegalArgumentException(command + " has no option '" + key + "'; its keys are: " + String.join(" ", keys) + ".");
		}
		if (values.put(key, value) != null) throw new IllegalArgumentException(command + ": '" + key + "' is given twice.");
	}

	/** The keys given, in order, with their text values (a bare key has the value "true"). */
	public Map<String, String> values() {
		return java.util.Collections.unmodifiableMap(values);
	}

	public boolean has(String key) {
		return values.containsKey(key);
	}

	public String text(String key, String fallback) {
		return values.getOrDefault(key, fallback);
	}

	/** A path, or null when the key is absent or empty. */
	public Path path(String key) {
		String v = values.get(key);
		return v == null || v.isBlank() ? null : Path.of(v.trim());
	}

	public int integer(String key, int fallback) {
		String v = values.get(key);
		if (v == null) return fallback;
		try {
			return Integer.parseInt(v.trim());
		} catch (NumberFormatException e) {
			// Recorded numeric fields may carry a decimal point ("8.0"): accept whole numbers written so.
			double d = number(key, v);
			if (d != Math.rint(d) || Math.abs(d) > Integer.MAX_VALUE) throw notA("whole number", key, v);
			return (int) d;
		}
	}

	public long whole(String key, long fallback) {
		String v = values.get(key);
		if (v == null) return fallback;
		try {
			return Long.parseLong(v.trim());
		} catch (NumberFormatException e) {
			double d = number(key, v);
			if (d != Math.rint(d) || Math.abs(d) > 9.007199254740992E15) throw notA("whole number", key, v);
			return (long) d;
		}
	}

	public double decimal(String key, double fallback) {
		String v = values.get(key);
		return v == null ? fallback : number(key, v);
	}

	/** A bare key or key=true is on, key=false is off; an absent key gives the fallback. */
	public boolean flag(String key, boolean fallback) {
		String v = values.get(key);
		if (v == null) return fallback;
		if (v.equalsIgnoreCase("true")) return true;
		if (v.equalsIgnoreCase("false")) return false;
		throw notA("true or false", key, v);
	}

	private double number(String key, String v) {
		try {
			return Double.parseDouble(v.trim());
		} catch (NumberFormatException e) {
			throw notA("number", key, v);
		}
	}

	private IllegalArgumentException notA(String what, String key, String v) {
		return new IllegalArgumentException(command + ": " + key + " must be a " + what + ", got '" + v + "'.");
	}
}
