package org.conceptscope.fiji.param;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.conceptscope.registry.Family;
import org.conceptscope.registry.Parameter;
import org.conceptscope.registry.Parameters;
import org.conceptscope.registry.Values;

/**
 * One command's parameters, declared once: the menu label (which is also the macro command
 * name), a title for messages, the docs page, its parameters in dialog order, the keys a run
 * cannot do without, and, for commands that pick a method, the key that picks it and the registry
 * family it picks from. Macro parsing, validation and the docs' tables come from here.
 *
 * @param command the menu label and macro command name ("Attribution...")
 * @param title the name in messages ("Attribution")
 * @param page the docs page under docs/commands/ ("attribution.md")
 * @param methodKey the key that picks a method (null: none); only that method's parameters are checked
 */
public record CommandSpec(String command, String title, String page, Parameters parameters, Set<String> required, String methodKey,
	Family family) {

	public CommandSpec {
		required = Set.copyOf(required);
		for (String k : required) parameters.get(k);
		if (methodKey != null) parameters.get(methodKey);
	}

	public List<String> keys() {
		return parameters.keys();
	}

	/**
	 * Every key a macro line may give this command: {@link CommandSpecs#IMAGE} first for a command
	 * that reads an image ({@link CommandSpecs#imageInput}), then the declared keys.
	 */
	public List<String> macroKeys() {
		if (CommandSpecs.imageInput(this) == null) return keys();
		List<String> all = new ArrayList<>();
		all.add(CommandSpecs.IMAGE);
		all.addAll(keys());
		return List.copyOf(all);
	}

	public Parameter get(String key) {
		return parameters.get(key);
	}

	/** The docs page's address relative to the repository root. */
	public String docsPath() {
		return "docs/commands/" + page;
	}

	/** Whether a run uses this parameter given the chosen method (parameters of other methods are ignored). */
	public boolean uses(Parameter p, Values values) {
		if (methodKey == null || p.methods().isEmpty()) return true;
		return p.usedBy(values.text(methodKey));
	}

	/**
	 * Every problem of these values, one sentence each: values out of type, range or choices, for
	 * the parameters the chosen method uses. (Missing required keys are the command's own check:
	 * its sentence says what the key must hold.)
	 */
	public List<String> problems(Values values) {
		List<String> out = new ArrayList<>();
		for (Parameter p : parameters.list()) {
			if (!uses(p, values)) continue;
			Object v = values.get(p.key());
			if (v == null && (p.type().path() || p.type() == Parameter.Type.TEXT)) continue;
			p.problem(v).ifPresent(out::add);
		}
		return out;
	}

	/**
	 * Values from macro options ({@code key=value key=[value with spaces] flag}); unknown keys,
	 * repeated keys, unparsable values and values out of range are all reported in one message.
	 */
	public Values parse(String options) {
		return values(OptionText.macro(options, this));
	}

	/** Values from command-line arguments, one {@code key=value} each (a value may hold spaces, '=' and ']'). */
	public Values parseArguments(String[] args) {
		return values(OptionText.arguments(args, this));
	}

	/**
	 * Values from a SciJava command's inputs by key (generated from these declarations: a File
	 * left out, empty or blank is unset), checked as a macro line's are.
	 */
	public Values inputs(Map<String, Object> inputs) {
		Map<String, String> text = new LinkedHashMap<>();
		for (Map.Entry<String, Object> e : inputs.entrySet()) {
			Object v = e.getValue();
			if (v instanceof java.io.File f) text.put(e.getKey(), f.getPath());
			else if (v != null) text.put(e.getKey(), v.toString());
		}
		return values(text);
	}

	/**
	 * Typed values from key=value text. Every problem (unknown keys, text that is no value, values
	 * out of range or choices) is listed in one message; when the only problem is a value out of
	 * range or choices, the command's own check reports it (its sentence says more), so these
	 * values are returned.
	 */
	public Values values(Map<String, String> text) {
		List<String> problems = new ArrayList<>();
		Map<String, Object> typed = new LinkedHashMap<>();
		Set<String> unreadable = new HashSet<>();
		for (Map.Entry<String, String> e : text.entrySet()) {
			Parameter p = parameters.find(e.getKey()).orElse(null);
			if (p == null) {
				problems.add(unknownKey(e.getKey()));
				continue;
			}
			try {
				typed.put(p.key(), p.parse(e.getValue()));
			} catch (IllegalArgumentException x) {
				problems.add(x.getMessage());
				unreadable.add(p.key());
			}
		}
		Values v = parameters.values(typed);
		boolean onlyOutOfRange = problems.isEmpty();
		for (String problem : problems(v)) if (unreadable.stream().noneMatch(k -> problem.startsWith(k + " "))) problems.add(problem);
		if (onlyOutOfRange && problems.size() == 1) return v;
		fail(problems);
		return v;
	}

	/**
	 * The message for a key this command does not have. Like every sentence here it does not name
	 * the command: the reporter puts the name before it ({@link org.conceptscope.fiji.run.Failures}).
	 */
	public String unknownKey(String key) {
		return "Unknown option '" + key + "'; the keys are: " + String.join(" ", macroKeys()) + ".";
	}

	/** @throws IllegalArgumentException with every problem, one per line, when there is any */
	public void fail(List<String> problems) {
		if (problems.isEmpty()) return;
		if (problems.size() == 1) throw new IllegalArgumentException(problems.get(0));
		throw new IllegalArgumentException(problems.size() + " problems:\n- " + String.join("\n- ", problems));
	}
}
