package org.conceptscope.fiji.param;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The text of options, split into keys and values, not yet typed: ImageJ 1.x macro options
 * ({@code key=value key=[value with spaces] flag}) and command-line arguments (one
 * {@code key=value} per argument). Keys are read exactly: {@link ij.Macro#getValue} would find
 * "steps=" inside "training_steps=". A bare word is a checkbox that is on ("true"), as ImageJ
 * records it.
 */
public final class OptionText {

	private OptionText() {}

	/**
	 * The sentences do not name the command: the reporter puts its name before them.
	 *
	 * @throws IllegalArgumentException for an unclosed bracket or a key given twice (unknown keys are
	 *         left to {@link CommandSpec#values}, which reports them with every other problem)
	 */
	public static Map<String, String> macro(String options, CommandSpec spec) {
		Map<String, String> values = new LinkedHashMap<>();
		scan(options, null, (key, value) -> put(values, key, value));
		return values;
	}

	/**
	 * Each {@code key=value}, {@code key=[value with spaces]} or bare {@code key} (value "true") in
	 * order, keys in lower case: {@link org.conceptscope.registry.OptionScanner}, which the ops'
	 * {@code options} input reads with too.
	 *
	 * @param command the command's name, for the message; null for a command's own options (the reporter names it)
	 * @throws IllegalArgumentException for a '[' never closed
	 */
	public static void scan(String options, String command, java.util.function.BiConsumer<String, String> each) {
		org.conceptscope.registry.OptionScanner.scan(options, command, each);
	}

	/**
	 * The one reader of command-line arguments (the shell has split them, so a value may hold
	 * spaces, '=' or ']'): each {@code key=value}, or a bare {@code key} (value "true"), keys in
	 * lower case; empty keys skipped.
	 */
	public static void scan(String[] args, java.util.function.BiConsumer<String, String> each) {
		for (String arg : args) {
			int eq = arg.indexOf('=');
			String key = (eq < 0 ? arg : arg.substring(0, eq)).trim().toLowerCase(Locale.ROOT);
			if (!key.isEmpty()) each.accept(key, eq < 0 ? "true" : arg.substring(eq + 1));
		}
	}

	/** A number as macro options write it: a whole number without decimals ({@code 16}), any other as Java reads it back ({@code 0.1}). */
	public static String number(double v) {
		return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
	}

	/** Command-line arguments: the shell has split them, so a value may hold spaces, '=' or ']'. */
	public static Map<String, String> arguments(String[] args, CommandSpec spec) {
		Map<String, String> values = new LinkedHashMap<>();
		scan(args, (key, value) -> put(values, key, value));
		return values;
	}

	/** Unknown keys are kept: {@link CommandSpec#values} reports them together with every other problem. */
	private static void put(Map<String, String> values, String key, String value) {
		if (values.put(key, value) != null) throw new IllegalArgumentException("'" + key + "' is given twice: give each key once.");
	}

	/**
	 * Values as a macro writes them: {@code key=value}, bracketed when empty or holding spaces; a
	 * path always bracketed; an unset path left out; flags as {@code key=true} or {@code key=false} when not
	 * at their default, left out at it (Fiji's legacy layer reads only key=value).
	 */
	public static String write(CommandSpec spec, org.conceptscope.registry.Values values) {
		StringBuilder o = new StringBuilder();
		for (org.conceptscope.registry.Parameter p : spec.parameters().list()) {
			Object v = values.get(p.key());
			if (p.type().path()) {
				if (v != null) o.append(p.key()).append("=[").append(v).append("] ");
				continue;
			}
			if (p.type() == org.conceptscope.registry.Parameter.Type.FLAG) {
				boolean on = Boolean.TRUE.equals(v);
				if (on != Boolean.TRUE.equals(p.defaultValue())) o.append(p.key()).append('=').append(on).append(' ');
				continue;
			}
			String t = v instanceof Double d ? number(d) : v == null ? "" : v.toString();
			boolean bracket = t.isEmpty() || t.chars().anyMatch(Character::isWhitespace);
			o.append(p.key()).append('=').append(bracket ? "[" + t + "]" : t).append(' ');
		}
		return o.toString().trim();
	}
}
