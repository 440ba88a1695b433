package org.conceptscope.fiji.param;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

import org.conceptscope.registry.Parameter;
import org.conceptscope.registry.Range;

/**
 * The SciJava inputs of a command, generated from its declarations: one annotated field per key
 * (named by the key, since Fiji records a SciJava input under its field name; the declared label,
 * help, choices, bounds and default; never persisted, so a headless run or a macro never depends
 * on what a dialog was last set to), and an {@code inputs()} method giving them by key for
 * {@link CommandSpec#inputs}. The command's source keeps the block between two markers;
 * CommandSourcesTest fails when it is not what the declarations give and rewrites it with
 * {@code CONCEPTSCOPE_WRITE_DOCS=1}. (SciJava's DynamicCommand would add inputs at run time, but
 * CommandService.run returns no future for it, which {@code --run} waits on.)
 */
public final class SciJavaInputs {

	public static final String BEGIN = "\t// <inputs: generated from org.conceptscope.fiji.param.CommandSpecs; edit the declarations, not"
		+ " these fields (CommandSourcesTest rewrites them with CONCEPTSCOPE_WRITE_DOCS=1)>",
		END = "\t// </inputs>";

	private SciJavaInputs() {}

	/** The block, markers included. */
	public static String block(CommandSpec spec) {
		StringBuilder b = new StringBuilder(BEGIN).append('\n');
		CommandSpecs.ImageInput image = CommandSpecs.imageInput(spec);
		if (image != null) {
			// invisible: Fiji's recorder leaves it out (image=<title> would not replay in ImageJ 1.x, whose plugin has no such key)
			b.append("\t@Parameter(label = ").append(quote(image.label())).append(", required = false, visibility = org.scijava.ItemVisibility.INVISIBLE,")
				.append(" description = ")
				.append(quote(image.help())).append(")\n\tij.ImagePlus image;\n\n");
		}
		for (Parameter p : spec.parameters().list()) {
			b.append('\t').append(annotation(spec, p)).append('\n');
			b.append("\tprivate ").append(javaType(p)).append(' ').append(p.key()).append(initialiser(p)).append(";\n\n");
		}
		b.append("\t/** The inputs by key, for {@link org.conceptscope.fiji.param.CommandSpec#inputs}. */\n");
		b.append("\tfinal java.util.Map<String, Object> inputs() {\n");
		b.append("\t\tjava.util.Map<String, Object> in = new java.util.LinkedHashMap<>();\n");
		for (Parameter p : spec.parameters().list()) b.append("\t\tin.put(\"").append(p.key()).append("\", ").append(p.key()).append(");\n");
		b.append("\t\treturn in;\n\t}\n");
		return b.append(END).toString();
	}

	/** The package and simple name of the generated file holding every command's inputs. */
	public static final String PACKAGE = "org.conceptscope.fiji.command", FILE = "CommandInputs";

	/**
	 * The one generated source of every command's SciJava inputs: per command an abstract
	 * {@code ContextCommand} named {@code names.get(spec)} holding {@link #block}, which the command
	 * extends (SciJava finds {@code @Parameter} fields of superclasses, before the command's own: so the
	 * current image, when the command reads one, is generated here too, to stay the dialog's first input).
	 */
	public static String file(List<CommandSpec> specs, java.util.Map<CommandSpec, String> names) {
		StringBuilder f = new StringBuilder("package ").append(PACKAGE).append(";\n\n");
		f.append("import org.scijava.command.ContextCommand;\nimport org.scijava.plugin.Parameter;\nimport org.scijava.widget.FileWidget;\n\n");
		f.append("/**\n * Every command's SciJava inputs (Fiji menus, {@code --run}, recording), generated from\n");
		f.append(" * {@link org.conceptscope.fiji.param.CommandSpecs} by {@link org.conceptscope.fiji.param.SciJavaInputs}: one field per key,\n");
		f.append(" * named by the key (Fiji records an input under its field name). Do not edit: CommandSourcesTest\n");
		f.append(" * fails when this file is stale and rewrites it with CONCEPTSCOPE_WRITE_DOCS=1.\n */\n");
		f.append("final class ").append(FILE).append(" {\n\n\tprivate ").append(FILE).append("() {}\n");
		for (CommandSpec spec : specs) {
			f.append("\n\t/** The inputs of {@code ").append(spec.title()).append("}. */\n");
			f.append("\tabstract static class ").append(names.get(spec)).append(" extends ContextCommand {\n\n");
			for (String line : block(spec).split("\n", -1)) f.append(line.isEmpty() ? "" : "\t" + line).append('\n');
			f.append("\t}\n");
		}
		return f.append("}\n").toString();
	}

	/** The source with its block replaced by the generated one. */
	public static String update(String source, CommandSpec spec, String file) {
		int b = source.indexOf(BEGIN), e = source.indexOf(END);
		if (b < 0 || e < b) throw new IllegalStateException(file + " has no generated inputs block (" + BEGIN.trim() + " ... " + END.trim() + ").");
		return source.substring(0, b) + block(spec) + source.substring(e + END.length());
	}

	static String annotation(CommandSpec spec, Parameter p) {
		List<String> a = new ArrayList<>();
		String label = p.methods().isEmpty() ? p.label() : p.label() + " (" + CommandSpecs.usedBy(p) + ")";
		a.add("label = " + quote(label));
		a.add("persist = false");
		// a path or text left out is the command's own sentence to say (a model is always needed)
		if (!p.key().equals(CommandSpecs.MODEL.key()) && (p.type().path() || p.type() == Parameter.Type.TEXT)) a.add("required = false");
		if (p.type() == Parameter.Type.FOLDER) a.add("style = FileWidget.DIRECTORY_STYLE");
		if (p.type() == Parameter.Type.FILE) a.add("style = FileWidget.OPEN_STYLE");
		if (p.type() == Parameter.Type.CHOICE) a.add("choices = { " + String.join(", ", p.choices().stream().map(SciJavaInputs::quote).toList()) + " }");
		Range r = p.range();
		if (r != null && Double.isFinite(r.min())) a.add("min = \"" + bound(p, r.minInclusive() ? r.min() : r.min() + step(r), true) + "\"");
		if (r != null && Double.isFinite(r.max())) a.add("max = \"" + bound(p, r.maxInclusive() ? r.max() : r.max() - step(r), false) + "\"");
		String description = p.help().isEmpty() ? "" : ",\n\t\tdescription = " + quote(p.help());
		return "@Parameter(" + String.join(", ", a) + description + ")";
	}

	/** A widget's bounds are inclusive: an open end of a range is a small step inside it (0.001 of (0, 1]). */
	private static double step(Range r) {
		return Double.isFinite(r.min()) && Double.isFinite(r.max()) ? (r.max() - r.min()) / 1000 : 1e-6;
	}

	/** A bound as text; whole-number bounds rounded inwards. */
	private static String bound(Parameter p, double v, boolean minimum) {
		if (p.type() == Parameter.Type.INTEGER || p.type() == Parameter.Type.LONG) return Long.toString((long) (minimum ? Math.ceil(v) : Math.floor(v)));
		return BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
	}

	static String javaType(Parameter p) {
		return switch (p.type()) {
			case FOLDER, FILE -> "java.io.File";
			case FLAG -> "boolean";
			case INTEGER -> "int";
			case LONG -> "long";
			case NUMBER -> "double";
			case TEXT, CHOICE -> "String";
		};
	}

	private static String initialiser(Parameter p) {
		Object d = p.defaultValue();
		if (p.type().path() || d == null) return "";
		return " = " + switch (p.type()) {
			case LONG -> ((Number) d).longValue() + "L";
			case NUMBER -> Double.toString(((Number) d).doubleValue());
			case TEXT, CHOICE -> quote(d.toString());
			default -> d.toString();
		};
	}

	/** A Java string literal (non-ASCII as unicode escapes). */
	static String quote(String s) {
		StringBuilder q = new StringBuilder("\"");
		for (char c : s.toCharArray()) {
			if (c == '"' || c == '\\') q.append('\\').append(c);
			else if (c < 0x20 || c > 0x7e) q.append(String.format("\\u%04x", (int) c));
			else q.append(c);
		}
		return q.append('"').toString();
	}
}
