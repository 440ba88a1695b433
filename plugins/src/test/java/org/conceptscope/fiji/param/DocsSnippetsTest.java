package org.conceptscope.fiji.param;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * Every command line the documentation shows uses keys its command has, with values it accepts: the
 * macro lines ({@code run("Attribution...", "...")}) of the README, docs/ and macros/ (a macro's
 * variables stand for values, which only the run checks: MacrosTest runs the macros), the headless
 * {@code --run "Command..." "key='value',..."} lines and the batch runner's {@code java -jar} lines.
 * A key renamed in CommandSpecs, or a misspelt key in a page, fails here, not in a user's macro.
 */
class DocsSnippetsTest {

	private static final Pattern RUN = Pattern.compile("\\brun\\(\\s*\"([^\"]+)\"\\s*,");
	private static final Pattern CONSOLE_RUN = Pattern.compile("--run\\s+(?:\"([^\"]+)\"|(org\\.conceptscope\\.[\\w.]+))\\s+\"([^\"]*)\"");
	private static final Pattern BATCH_JAR = Pattern.compile("java\\s+(?:-\\S+\\s+)*-jar\\s+\\S*(?:ConceptScope_-\\*\\.jar|conceptscope-batch\\.jar)((?:[ \\t]+(?:\\\\\\n)?[ \\t]*[^\\s`]+)*)");

	/** The documentation's text files: README.md, CONTRIBUTING.md, every page of docs/, macros/ and its README. */
	static List<Path> documents() throws IOException {
		Path root = DocsTablesTest.repository();
		List<Path> out = new ArrayList<>(List.of(root.resolve("README.md"), root.resolve("CONTRIBUTING.md")));
		for (String folder : List.of("docs", "macros")) {
			try (Stream<Path> s = Files.walk(root.resolve(folder))) {
				s.filter(p -> p.toString().endsWith(".md") || p.toString().endsWith(".ijm")).sorted().forEach(out::add);
			}
		}
		return out;
	}

	/**
	 * The options argument of a macro's {@code run("Command", <options>)} from {@code from} (just after
	 * the comma): its string literals as written, each other operand (a variable, a call) as a value
	 * placeholder when it stands inside a value and as a space between keys otherwise; null when the
	 * argument is not complete text (no closing parenthesis).
	 */
	static Options options(String text, int from) {
		StringBuilder b = new StringBuilder();
		boolean literal = true;
		int i = from;
		while (i < text.length()) {
			char c = text.charAt(i);
			if (Character.isWhitespace(c) || c == '+') {
				i++;
			} else if (c == ')') {
				return new Options(b.toString(), literal);
			} else if (c == '"') {
				int e = i + 1;
				StringBuilder s = new StringBuilder();
				while (e < text.length() && text.charAt(e) != '"') {
					if (text.charAt(e) == '\\' && e + 1 < text.length()) e++;
					s.append(text.charAt(e++));
				}
				if (e >= text.length()) return null;
				b.append(s);
				i = e + 1;
			} else {
				// an expression up to the next top-level '+' or the closing parenthesis
				int depth = 0, e = i;
				while (e < text.length()) {
					char d = text.charAt(e);
					if (d == '(') depth++;
					else if (d == ')' && depth-- == 0) break;
					else if (d == '+' && depth == 0) break;
					else if (d == '"') e = text.indexOf('"', e + 1);
					if (e < 0) return null;
					e++;
				}
				boolean insideValue = b.length() > 0 && !Character.isWhitespace(b.charAt(b.length() - 1)) && b.charAt(b.length() - 1) != ']';
				b.append(insideValue ? "0" : " ");
				literal = false;
				i = e;
			}
		}
		return null;
	}

	record Options(String text, boolean literal) {}

	private static boolean placeholder(String options) {
		return options.contains("...") || options.contains("key=value");
	}

	@Test
	void everyMacroLineUsesKeysAndValuesOfItsCommand() throws IOException {
		List<String> problems = new ArrayList<>();
		int checked = 0;
		for (Path doc : documents()) {
			String text = Files.readString(doc, StandardCharsets.UTF_8);
			Matcher m = RUN.matcher(text);
			while (m.find()) {
				CommandSpec spec = CommandSpecs.ALL.stream().filter(s -> s.command().equals(m.group(1))).findFirst().orElse(null);
				if (spec == null) continue; // an ImageJ command ("Select None", ...)
				Options o = options(text, m.end());
				String where = DocsTablesTest.repository().relativize(doc) + ": run(\"" + m.group(1) + "\", ...)";
				if (o == null || placeholder(o.text())) continue;
				checked++;
				try {
					if (o.literal()) {
						spec.parse(o.text());
					} else {
						for (String key : OptionText.macro(o.text(), spec).keySet()) {
							if (spec.parameters().find(key).isEmpty()) problems.add(where + ": " + spec.unknownKey(key));
						}
					}
				} catch (IllegalArgumentException x) {
					problems.add(where + ": " + x.getMessage());
				}
			}
		}
		assertEquals(List.of(), problems, "macro lines of the documentation that their command refuses");
		assertTrue(checked >= 20, "found only " + checked + " macro lines: the scan no longer finds them");
	}

	/** SciJava's {@code --run} arguments: {@code key=value} or {@code key='value, with commas'}, comma-separated. */
	static Map<String, String> consoleArguments(String args) {
		Map<String, String> out = new LinkedHashMap<>();
		int i = 0;
		while (i < args.length()) {
			int eq = args.indexOf('=', i);
			if (eq < 0) throw new IllegalArgumentException("'" + args.substring(i) + "' is no key=value");
			String key = args.substring(i, eq).trim();
			int e;
			String value;
			if (eq + 1 < args.length() && args.charAt(eq + 1) == '\'') {
				e = args.indexOf('\'', eq + 2);
				if (e < 0) throw new IllegalArgumentException("the quote of " + key + " is never closed");
				value = args.substring(eq + 2, e);
				e++;
			} else {
				e = args.indexOf(',', eq);
				if (e < 0) e = args.length();
				value = args.substring(eq + 1, e);
			}
			out.put(key, value);
			i = e < args.length() && args.charAt(e) == ',' ? e + 1 : e;
		}
		return out;
	}

	@Test
	void everyHeadlessRunUsesKeysAndValuesOfItsCommand() throws Exception {
		List<String> problems = new ArrayList<>();
		int checked = 0;
		for (Path doc : documents()) {
			Matcher m = CONSOLE_RUN.matcher(Files.readString(doc, StandardCharsets.UTF_8));
			while (m.find()) {
				String where = DocsTablesTest.repository().relativize(doc) + ": --run " + (m.group(1) != null ? m.group(1) : m.group(2));
				String label = m.group(1);
				if (label == null) {
					org.scijava.plugin.Plugin plugin = Class.forName(m.group(2)).getAnnotation(org.scijava.plugin.Plugin.class);
					label = plugin.menuPath().substring(plugin.menuPath().lastIndexOf('>') + 1);
				}
				String l = label;
				CommandSpec spec = CommandSpecs.ALL.stream().filter(s -> s.command().equals(l)).findFirst().orElse(null);
				if (spec == null) {
					problems.add(where + ": no ConceptScope command has this name");
					continue;
				}
				if (placeholder(m.group(3))) continue;
				checked++;
				try {
					Map<String, String> args = consoleArguments(m.group(3));
					if (args.remove("image") != null && CommandSpecs.imageInput(spec) == null) problems.add(where + ": " + spec.title() + " reads no image");
					spec.values(args);
				} catch (IllegalArgumentException x) {
					problems.add(where + ": " + x.getMessage());
				}
			}
		}
		assertEquals(List.of(), problems, "--run lines of the documentation that their command refuses");
		assertTrue(checked >= 10, "found only " + checked + " --run lines: the scan no longer finds them");
	}

	@Test
	void everyBatchRunnerLineUsesKeysAndValuesOfTheRunner() throws IOException {
		List<String> problems = new ArrayList<>();
		int checked = 0;
		for (Path doc : documents()) {
			Matcher m = BATCH_JAR.matcher(Files.readString(doc, StandardCharsets.UTF_8));
			while (m.find()) {
				List<String> args = new ArrayList<>();
				for (String w : m.group(1).replace("\\\n", " ").trim().split("\\s+")) {
					if (!w.isEmpty() && !w.equals("...") && !w.endsWith("=...") && !w.endsWith("...)")) args.add(w);
				}
				if (args.isEmpty()) continue;
				checked++;
				try {
					CommandSpecs.BATCH.parseArguments(args.toArray(String[]::new));
				} catch (IllegalArgumentException x) {
					problems.add(DocsTablesTest.repository().relativize(doc) + ": java -jar ... " + String.join(" ", args) + ": " + x.getMessage());
				}
			}
		}
		assertEquals(List.of(), problems, "batch-runner lines of the documentation that the runner refuses");
		assertTrue(checked >= 3, "found only " + checked + " batch-runner lines: the scan no longer finds them");
	}

	/** The scans themselves: a misspelt key is found in each form. */
	@Test
	void aMisspeltKeyIsFoundInEachForm() {
		String macro = "run(\"Attribution...\", \"model=[\" + model + \"] methd=sobol grid=\" + g + \" save_dir=[\" + dir + File.separator + \"x]\");";
		Matcher m = RUN.matcher(macro);
		assertTrue(m.find());
		Options o = options(macro, m.end());
		assertEquals("model=[0] methd=sobol grid=0 save_dir=[00x]", o.text());
		assertEquals(false, o.literal());
		assertEquals(List.of("model", "methd", "grid", "save_dir"), List.copyOf(OptionText.macro(o.text(), CommandSpecs.ATTRIBUTION).keySet()));
		assertEquals(true, CommandSpecs.ATTRIBUTION.parameters().find("methd").isEmpty());

		Map<String, String> args = consoleArguments("image='/data/a b.tif',layers='conv2/relu,conv3/relu',concepts=4");
		assertEquals(Map.of("image", "/data/a b.tif", "layers", "conv2/relu,conv3/relu", "concepts", "4"), args);

		Matcher j = BATCH_JAR.matcher("java -Xmx8g -jar plugins/ConceptScope_-*.jar input=/a.tif model=/m \\\n    save_dir=/r metod=sobol\n\nnext");
		assertTrue(j.find());
		assertEquals(List.of("input=/a.tif", "model=/m", "save_dir=/r", "metod=sobol"), List.of(j.group(1).replace("\\\n", " ").trim().split("\\s+")));
	}
}
