package org.conceptscope.registry;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An ordered set of {@link Parameter}s with unique keys (a family's method parameters, or a
 * command's inputs): lookup, parsing of key=value text and validation that reports every
 * problem at once.
 */
public final class Parameters {

	private final Map<String, Parameter> byKey = new LinkedHashMap<>();

	public Parameters(List<Parameter> parameters) {
		for (Parameter p : parameters) {
			if (byKey.put(p.key(), p) != null) throw new IllegalArgumentException("Parameter key declared twice: " + p.key());
		}
	}

	public static Parameters of(Parameter... parameters) {
		return new Parameters(List.of(parameters));
	}

	/** This set followed by {@code more} (keys must stay unique). */
	public Parameters plus(Parameters more) {
		List<Parameter> all = new ArrayList<>(list());
		all.addAll(more.list());
		return new Parameters(all);
	}

	public List<Parameter> list() {
		return List.copyOf(byKey.values());
	}

	public List<String> keys() {
		return List.copyOf(byKey.keySet());
	}

	public boolean has(String key) {
		return byKey.containsKey(key);
	}

	/** @throws IllegalArgumentException for a key not declared here */
	public Parameter get(String key) {
		Parameter p = byKey.get(key);
		if (p == null) throw new IllegalArgumentException("No parameter '" + key + "': the keys are " + String.join(", ", keys()) + ".");
		return p;
	}

	public Optional<Parameter> find(String key) {
		return Optional.ofNullable(byKey.get(key));
	}

	/** The parameters a method uses (those declared for it and those used by every method), in order. */
	public List<Parameter> usedBy(String method) {
		List<Parameter> out = new ArrayList<>();
		for (Parameter p : byKey.values()) if (p.usedBy(method)) out.add(p);
		return out;
	}

	/** Keys of the parameters declared for this method by name (not those used by every method). */
	public List<String> declaredFor(String method) {
		List<String> out = new ArrayList<>();
		for (Parameter p : byKey.values()) if (p.methods().contains(method)) out.add(p.key());
		return out;
	}

	/**
	 * Typed values from key=value text: unknown keys are reported, missing keys take their
	 * default. Every problem is collected into {@code problems}; the keys with a problem keep their
	 * default.
	 */
	public Values parse(Map<String, String> text, List<String> problems) {
		Map<String, Object> typed = new LinkedHashMap<>();
		for (Map.Entry<String, String> e : text.entrySet()) {
			Parameter p = byKey.get(e.getKey());
			if (p == null) {
				problems.add("Unknown key '" + e.getKey() + "': the keys are " + String.join(", ", keys()) + ".");
				continue;
			}
			try {
				typed.put(p.key(), p.parse(e.getValue()));
			} catch (IllegalArgumentException x) {
				problems.add(x.getMessage());
			}
		}
		return values(typed);
	}

	/**
	 * The given typed values over the defaults; a number of another Java type than the key declares
	 * is converted when nothing is lost (an Integer for a Double or Long key, a whole Double for an
	 * Integer key), others are left for {@link #problems} to report.
	 */
	public Values values(Map<String, ?> given) {
		Map<String, Object> all = new LinkedHashMap<>();
		for (Parameter p : byKey.values()) all.put(p.key(), p.defaultValue());
		for (Map.Entry<String, ?> e : given.entrySet()) {
			Parameter p = byKey.get(e.getKey());
			if (p == null) throw new IllegalArgumentException("No parameter '" + e.getKey() + "': the keys are " + String.join(", ", keys()) + ".");
			all.put(e.getKey(), p.coerce(e.getValue()));
		}
		return new Values(this, all);
	}

	/**
	 * Typed values for {@code method} from typed inputs (a null value: not given) and from option
	 * text in the macros' syntax ({@code per_channel=true upsampling=nearest}), read by
	 * {@link OptionScanner} and typed by {@link Parameter#parse}, so an op reaches every parameter of
	 * its method with the keys and values of the commands. A key in the text must be one the method
	 * uses, given once and not also as a typed input; what is given nowhere takes its default. The
	 * values are not range-checked here: the registry checks them when it builds the method.
	 *
	 * @param where the op (or command) reading the text, for the messages
	 * @throws IllegalArgumentException listing every problem of the text at once
	 */
	public Values values(String method, Map<String, ?> given, String options, String where) {
		Map<String, Object> typed = new LinkedHashMap<>();
		for (Map.Entry<String, ?> e : given.entrySet()) if (e.getValue() != null) typed.put(e.getKey(), e.getValue());
		List<String> problems = new ArrayList<>();
		Map<String, String> text = new LinkedHashMap<>();
		OptionScanner.scan(options, where, (k, v) -> {
			if (text.put(k, v) != null) problems.add(where + ": '" + k + "' is given twice in options; give it once.");
		});
		List<String> usable = new ArrayList<>();
		for (Parameter p : usedBy(method)) usable.add(p.key());
		for (Map.Entry<String, String> e : text.entrySet()) {
			String k = e.getKey();
			if (!usable.contains(k)) {
				problems.add(where + " has no option '" + k + "': its options are " + (usable.isEmpty() ? "none" : String.join(", ", usable)) + ".");
			} else if (typed.containsKey(k)) {
				problems.add(where + ": " + k + " is given both as an input and in options; give it once.");
			} else {
				try {
					typed.put(k, byKey.get(k).parse(e.getValue()));
				} catch (IllegalArgumentException x) {
					problems.add(x.getMessage());
				}
			}
		}
		fail(problems);
		return values(typed);
	}

	/** The defaults. */
	public Values defaults() {
		return values(Map.of());
	}

	/**
	 * Every problem of these values, one sentence each, for the parameters {@code method} uses
	 * (null: all of them); empty when all are fine.
	 */
	public List<String> problems(Values values, String method) {
		List<String> out = new ArrayList<>();
		for (Parameter p : byKey.values()) {
			if (method != null && !p.usedBy(method)) continue;
			p.problem(values.get(p.key())).ifPresent(out::add);
		}
		return Collections.unmodifiableList(out);
	}

	/** @throws IllegalArgumentException listing every problem, one per line, when there is any */
	public static void fail(List<String> problems) {
		if (problems.isEmpty()) return;
		throw new IllegalArgumentException(problems.size() == 1 ? problems.get(0)
			: problems.size() + " problems:\n- " + String.join("\n- ", problems));
	}
}
