package org.conceptscope.registry;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

import org.conceptscope.attribution.InputBound;

/**
 * One parameter, declared once: its key (the macro key, the SciJava input name, the batch
 * runner's key, the column of the docs' table), a label in words, its type, default, range or
 * choices, a help sentence, the section it belongs to in a dialog, and the methods that use it
 * (empty: it does not depend on the method). Everything a front end shows or checks about a
 * parameter comes from here.
 * <p>
 * Built with the factories and {@code with...} copies:
 * {@code Parameter.integer("steps", "Steps", 32).range(Range.atLeast(1)).help("...").section("Gradients").methods("integrated_gradients")}.
 *
 * @param defaultValue an Integer, Long, Double, Boolean or String as the type says; null for a path without default
 */
public record Parameter(String key, String label, Type type, Object defaultValue, Range range, List<String> choices, String help,
	String section, List<String> methods, InputBound bound) {

	/** Without an upper bound relative to the image a method makes its maps on. */
	public Parameter(String key, String label, Type type, Object defaultValue, Range range, List<String> choices, String help, String section,
		List<String> methods) {
		this(key, label, type, defaultValue, range, choices, help, section, methods, null);
	}

	/** What values look like; each has one Java type. */
	public enum Type {
		/** Integer. */
		INTEGER,
		/** Long (seeds). */
		LONG,
		/** Double. */
		NUMBER,
		/** Boolean; macros write {@code key=true} or name the key alone. */
		FLAG,
		/** String, free text (may be empty). */
		TEXT,
		/** String, one of {@link Parameter#choices()}. */
		CHOICE,
		/** Path of a folder; null when not given. */
		FOLDER,
		/** Path of a file; null when not given. */
		FILE;

		/** The Java type of a value. */
		public Class<?> javaType() {
			return switch (this) {
				case INTEGER -> Integer.class;
				case LONG -> Long.class;
				case NUMBER -> Double.class;
				case FLAG -> Boolean.class;
				case TEXT, CHOICE -> String.class;
				case FOLDER, FILE -> Path.class;
			};
		}

		public boolean numeric() {
			return this == INTEGER || this == LONG || this == NUMBER;
		}

		public boolean path() {
			return this == FOLDER || this == FILE;
		}
	}

	public Parameter {
		Objects.requireNonNull(key, "key");
		Objects.requireNonNull(type, "type");
		if (!key.matches("[a-z][a-z0-9_]*")) throw new IllegalArgumentException("A parameter key is snake_case (Fiji records lowercased field names): " + key);
		if (defaultValue != null && !type.javaType().isInstance(defaultValue)) {
			throw new IllegalArgumentException("Default of " + key + " is a " + defaultValue.getClass().getSimpleName() + ", not a " + type.javaType().getSimpleName());
		}
		label = label == null ? key : label;
		range = range == null ? Range.ANY : range;
		choices = List.copyOf(choices == null ? List.of() : choices);
		help = help == null ? "" : help;
		section = section == null ? "" : section;
		methods = List.copyOf(methods == null ? List.of() : methods);
		if (type == Type.CHOICE && !choices.contains(defaultValue)) {
			throw new IllegalArgumentException("Default of " + key + " (" + defaultValue + ") is not one of its choices " + choices);
		}
	}

	public static Parameter integer(String key, String label, int defaultValue) {
		return new Parameter(key, label, Type.INTEGER, defaultValue, null, null, null, null, null);
	}

	public static Parameter longInteger(String key, String label, long defaultValue) {
		return new Parameter(key, label, Type.LONG, defaultValue, null, null, null, null, null);
	}

	public static Parameter number(String key, String label, double defaultValue) {
		return new Parameter(key, label, Type.NUMBER, defaultValue, null, null, null, null, null);
	}

	public static Parameter flag(String key, String label, boolean defaultValue) {
		return new Parameter(key, label, Type.FLAG, defaultValue, null, null, null, null, null);
	}

	public static Parameter text(String key, String label, String defaultValue) {
		return new Parameter(key, label, Type.TEXT, defaultValue, null, null, null, null, null);
	}

	public static Parameter choice(String key, String label, String defaultValue, List<String> choices) {
		return new Parameter(key, label, Type.CHOICE, defaultValue, null, choices, null, null, null);
	}

	public static Parameter folder(String key, String label) {
		return new Parameter(key, label, Type.FOLDER, null, null, null, null, null, null);
	}

	public static Parameter file(String key, String label) {
		return new Parameter(key, label, Type.FILE, null, null, null, null, null, null);
	}

	public Parameter range(Range r) {
		return new Parameter(key, label, type, defaultValue, r, choices, help, section, methods, bound);
	}

	/**
	 * An upper bound relative to the image the method makes each map on (the model's input), checked
	 * once the model is known and before any work ({@link org.conceptscope.attribution.AttributionMethod#checkInput}); shown in the docs tables.
	 */
	public Parameter atMost(InputBound b) {
		return new Parameter(key, label, type, defaultValue, range, choices, help, section, methods, b);
	}

	public Parameter help(String h) {
		return new Parameter(key, label, type, defaultValue, range, choices, h, section, methods, bound);
	}

	public Parameter section(String s) {
		return new Parameter(key, label, type, defaultValue, range, choices, help, s, methods, bound);
	}

	public Parameter methods(String... m) {
		return new Parameter(key, label, type, defaultValue, range, choices, help, section, List.of(m), bound);
	}

	/** A copy that does not depend on the method (a command that always uses it). */
	public Parameter anyMethod() {
		return new Parameter(key, label, type, defaultValue, range, choices, help, section, List.of(), bound);
	}

	public Parameter withDefault(Object d) {
		return new Parameter(key, label, type, d, range, choices, help, section, methods, bound);
	}

	/** Whether the method uses this parameter (every method does when none are named). */
	public boolean usedBy(String method) {
		return methods.isEmpty() || methods.contains(method);
	}

	/**
	 * The typed value of a macro or command-line text ({@code "32"}, {@code "0.5"}, {@code "true"},
	 * a path). Empty text gives null for paths and "" for text; whole-number text is accepted for
	 * doubles and {@code 32.0} for integers (GenericDialog records numbers so).
	 *
	 * @throws IllegalArgumentException naming the key when the text is not of the type
	 */
	public Object parse(String text) {
		String t = text == null ? "" : text.trim();
		try {
			return switch (type) {
				case INTEGER -> (int) wholeNumber(t, Integer.MIN_VALUE, Integer.MAX_VALUE);
				case LONG -> wholeNumber(t, Long.MIN_VALUE, Long.MAX_VALUE);
				case NUMBER -> Double.parseDouble(t);
				case FLAG -> {
					if (t.isEmpty() || t.equalsIgnoreCase("true")) yield Boolean.TRUE;
					if (t.equalsIgnoreCase("false")) yield Boolean.FALSE;
					throw new NumberFormatException();
				}
				case TEXT -> t;
				case CHOICE -> t.toLowerCase(Locale.ROOT);
				case FOLDER, FILE -> t.isEmpty() ? null : Path.of(t);
			};
		} catch (NumberFormatException | java.nio.file.InvalidPathException e) {
			String lost = type == Type.FILE || type == Type.FOLDER ? org.conceptscope.util.FileNames.unwritableHint(t) : "";
			if (!lost.isEmpty()) throw new IllegalArgumentException(key + " '" + t + "' cannot be used." + lost);
			// a decimal comma (German, French locales) is refused rather than guessed: 1,000 could be a thousand
			String comma = type == Type.NUMBER && t.matches("[-+]?[0-9]*,[0-9]+") ? ": write decimals with a point, as in " + t.replace(',', '.') : "";
			throw new IllegalArgumentException(key + " must be " + expected() + ", got '" + t + "'" + comma + ".");
		}
	}

	private static long wholeNumber(String t, long min, long max) {
		try {
			long v = Long.parseLong(t);
			if (v < min || v > max) throw new NumberFormatException();
			return v;
		} catch (NumberFormatException e) {
			double d = Double.parseDouble(t);
			if (d != Math.rint(d) || d < min || d > max) throw new NumberFormatException();
			return (long) d;
		}
	}

	/**
	 * The value as this parameter's Java type when a number converts without loss (an Integer for a
	 * NUMBER or LONG key, a whole Double or Long for an INTEGER key); anything else unchanged.
	 */
	Object coerce(Object value) {
		if (!(value instanceof Number n) || type.javaType().isInstance(value)) return value;
		double d = n.doubleValue();
		boolean whole = n instanceof Integer || n instanceof Long || n instanceof Short || n instanceof Byte
			|| (Double.isFinite(d) && d == Math.rint(d) && Math.abs(d) <= 1L << 53);
		return switch (type) {
			case NUMBER -> n instanceof Long l && Math.abs(l) > 1L << 53 ? value : d;
			case LONG -> whole ? (Object) n.longValue() : value;
			case INTEGER -> whole && n.longValue() >= Integer.MIN_VALUE && n.longValue() <= Integer.MAX_VALUE ? (Object) n.intValue() : value;
			default -> value;
		};
	}

	/** What a value must be, in words: "a whole number at least 1", "one of interval, crown", ... */
	public String expected() {
		String r = range.equals(Range.ANY) ? "" : " " + range.describe();
		return switch (type) {
			case INTEGER, LONG -> "a whole number" + r;
			case NUMBER -> "a number" + r;
			case FLAG -> "true or false";
			case TEXT -> "text";
			case CHOICE -> "one of " + String.join(", ", choices);
			case FOLDER -> "a folder";
			case FILE -> "a file";
		};
	}

	/** The problem with a typed value in one sentence naming the key, or empty when it is fine (null is fine for paths and text). */
	public Optional<String> problem(Object value) {
		if (value == null) {
			return type.path() || type == Type.TEXT ? Optional.empty() : Optional.of("No value given for " + key + ": give " + expected() + ".");
		}
		if (!type.javaType().isInstance(value)) return Optional.of(key + " must be " + expected() + ", got '" + value + "'.");
		if (type.numeric()) {
			double d = ((Number) value).doubleValue();
			if (!Double.isFinite(d) || !range.contains(d)) return Optional.of(key + " must be " + expected() + ", got " + Range.format(d) + ".");
		}
		if (type == Type.CHOICE && !choices.contains(value)) {
			return Optional.of("Unknown " + key + " '" + value + "': use one of " + String.join(", ", choices) + ".");
		}
		return Optional.empty();
	}

	/** The default as a macro would write it ("" when none). */
	public String defaultText() {
		if (defaultValue == null) return "";
		if (defaultValue instanceof Double d) return Range.format(d);
		return defaultValue.toString();
	}

	/** Copies of the list with the given keys only, in the list's order. */
	static List<Parameter> only(List<Parameter> all, List<String> keys) {
		List<Parameter> out = new ArrayList<>();
		for (Parameter p : all) if (keys.contains(p.key())) out.add(p);
		return out;
	}
}
