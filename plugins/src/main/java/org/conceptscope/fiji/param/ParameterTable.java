package org.conceptscope.fiji.param;

import java.util.Locale;

import org.conceptscope.registry.Parameter;

/**
 * A command's parameter table for its docs page, generated from its declarations: key, default,
 * meaning (for a method's parameter, the methods that use it first). The page keeps it between
 * two markers; DocsTablesTest fails when a page's table is not what the declarations give.
 */
public final class ParameterTable {

	public static final String BEGIN = "<!-- parameters: generated from org.conceptscope.fiji.param.CommandSpecs; edit the declarations,"
		+ " not this table (DocsTablesTest rewrites it with -Dconceptscope.docs.write=true) -->";
	public static final String END = "<!-- /parameters -->";

	private ParameterTable() {}

	/** The Markdown table, header and one row per key in dialog order. */
	public static String markdown(CommandSpec spec) {
		StringBuilder t = new StringBuilder("| key | default | meaning |\n| --- | --- | --- |\n");
		for (Parameter p : spec.parameters().list()) {
			String meaning = spec.methodKey() != null && !p.methods().isEmpty() ? String.join(", ", p.methods()) + ": " + p.help() : p.help();
			if (p.bound() != null) meaning += "; " + p.bound().describe() + ", checked before any work";
			t.append("| `").append(p.key()).append("` | ").append(defaultText(spec, p)).append(" | ").append(meaning).append(" |\n");
		}
		return t.toString();
	}

	static String defaultText(CommandSpec spec, Parameter p) {
		if (spec.required().contains(p.key())) return "(required)";
		Object d = p.defaultValue();
		if (d == null || d.toString().isEmpty()) return "empty";
		if (d instanceof Boolean b) return b ? "on" : "off";
		if (d instanceof String s) return "`" + s + "`";
		if (d instanceof Double v) return OptionText.number(v);
		return d.toString();
	}

	/**
	 * The page with its table replaced by the generated one: between the markers, or, on a page
	 * without them, the first table whose header is {@code | key | default | meaning |}.
	 */
	public static String update(String page, CommandSpec spec) {
		String block = BEGIN + "\n" + markdown(spec) + END;
		int b = page.indexOf(BEGIN);
		if (b >= 0) {
			int e = page.indexOf(END, b);
			if (e < 0) throw new IllegalStateException(spec.docsPath() + " opens the generated table but never closes it (" + END + ").");
			return page.substring(0, b) + block + page.substring(e + END.length());
		}
		int h = page.indexOf("| key | default | meaning |");
		if (h < 0) throw new IllegalStateException(spec.docsPath() + " has no parameter table to replace.");
		int end = h;
		while (end < page.length()) {
			int nl = page.indexOf('\n', end);
			if (nl < 0) {
				end = page.length();
				break;
			}
			if (nl + 1 >= page.length() || page.charAt(nl + 1) != '|') {
				end = nl;
				break;
			}
			end = nl + 1;
		}
		return page.substring(0, h) + block + page.substring(end);
	}
}
