package org.conceptscope.fiji.param;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * ImageJ 1.x macro options ({@code key=value key=[value with spaces] flag}) read with exact
 * keys. {@link ij.Macro#getValue} finds "steps=" inside "training_steps=" and ignores typos;
 * here every key must be one the command knows, so a misspelt key fails instead of silently
 * falling back to a default. A bare word is a checkbox that is on, as ImageJ records it. The values
 * stay text: a command's values are typed by its declarations ({@link CommandSpec#parse}); this
 * checks the keys of a macro's own arguments ({@code MacroCalls.checkArguments}).
 */
public final class MacroOptions {

	private final Map<String, String> values;

	private MacroOptions(Map<String, String> values) {
		this.values = values;
	}

	/**
	 * @param command the command's name, for messages
	 * @param keys every key the command accepts
	 */
	public static MacroOptions parse(String options, String command, List<String> keys) {
		Map<String, String> values = new LinkedHashMap<>();
		OptionText.scan(options, command, (key, value) -> put(values, key, value, command, keys));
		return new MacroOptions(values);
	}

	/**
	 * Command-line arguments, one {@code key=value} per argument (the shell has already split
	 * them, so a value may hold spaces, '=' or ']'), or a bare {@code key} for a checkbox that is
	 * on; the same keys, checks and messages as macro options.
	 */
	public static MacroOptions ofArguments(String[] args, String command, List<String> keys) {
		Map<String, String> values = new LinkedHashMap<>();
		OptionText.scan(args, (key, value) -> put(values, key, value, command, keys));
		return new MacroOptions(values);
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
}
