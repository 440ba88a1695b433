package org.conceptscope.fiji;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.conceptscope.fiji.MacroRunner.Macro;
import org.conceptscope.fiji.run.Demo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A macro that loops over stacks collects ConceptScope's numbers from its tables, as it does ImageJ's own Measure results.
 * With a display, in batch mode (setBatchMode(true)), each table is reachable by its documented title through Table.size,
 * Table.get, Table.getString, Table.getColumn and getResult(column, row, title), exactly as in the GUI, and the user's own
 * "Results" table is left as it was. Headless, ImageJ 1.x keeps no titled table (a table lives in a TextWindow, which cannot
 * exist there), so a command run from a macro puts its table in the Results table, where nResults, getResult and
 * Table.get(column, row, "Results") read it. Either way the values read are the ones the command saved in its CSV.
 */
class MacroTablesTest {

	@TempDir
	Path dir;

	private final Path testImages = TestFiles.testImages();
	private final Path model = testImages.resolve("models/ihc-stain"), stack = testImages.resolve(Demo.IMAGE);

	/** The commands run, each with its table's title and the CSV it saved (the glob of its name). */
	private static final String ATTRIBUTION = "ihc-heldout-patches-saliency-results", EVALUATION = "saliency deletion",
		LAYERS = "ihc-stain layers";

	private String commands(Path out) {
		return "run('Attribution...', 'model=[" + model + "] method=saliency target=predicted top_fraction=0.1 save_dir=[" + out.resolve("a")
			+ "]');\n" + "READ_ATTRIBUTION\n"
			+ "selectImage(stack);\nrun('Evaluate Explanation...', 'model=[" + model + "] method=saliency metric=deletion steps=8 save_dir=["
			+ out.resolve("e") + "]');\n" + "READ_EVALUATION\n"
			+ "run('Model Info...', 'model=[" + model + "] save_dir=[" + out.resolve("m") + "]');\n" + "READ_LAYERS\n";
	}

	@Test
	void aBatchModeMacroWithADisplayReadsEveryTableByItsTitleAndKeepsTheUsersResults() throws Exception {
		XServer.assumeAvailable();
		Path out = Files.createDirectories(dir.resolve("out")), report = out.resolve("read.tsv");
		String macro = header(report) + "setBatchMode(true);\n"
			// the user's own measurement, in the Results table before ConceptScope runs
			+ "open('" + stack + "');\nstack = getImageID();\nrun('Set Measurements...', 'mean redirect=None decimal=3');\nrun('Measure');\n"
			+ "mine = getResult('Mean', 0);\n"
			+ commands(out).replace("READ_ATTRIBUTION", "byTitle('" + ATTRIBUTION + "');").replace("READ_EVALUATION", "byTitle('" + EVALUATION + "');")
				.replace("READ_LAYERS", "byTitle('" + LAYERS + "');")
			+ "File.append('results\\t' + nResults + '\\t' + d2s(getResult('Mean', 0) - mine, 9), report);\n"
			+ "File.append('done', report);\n"
			+ BY_TITLE;
		String log = runWithDisplay(macro);
		List<String> lines = Files.exists(report) ? Files.readAllLines(report) : List.of();
		assertTrue(lines.contains("done"), "the macro ran to its end: " + lines + "\n" + log);
		check(lines, out);
		assertTrue(lines.contains("results\t1\t0.000000000"), "the user's Measure row is still the only row of Results: " + lines);
	}

	/**
	 * macros/batch_folder.ijm with a display: each image's table is a window, closed once its image is done, so a
	 * folder of many images does not leave a window per image (the numbers are in save_dir's CSVs).
	 */
	@Test
	void theFolderMacroWithADisplayLeavesNoTableWindowPerImage() throws Exception {
		XServer.assumeAvailable();
		Path input = Files.createDirectories(dir.resolve("in")), out = dir.resolve("batch"), report = dir.resolve("windows.txt");
		Files.copy(stack, input.resolve("a.tif"));
		Files.copy(stack, input.resolve("b.tif"));
		String macro = "runMacro('" + TestFiles.macros().resolve("batch_folder.ijm") + "', 'input=[" + input + "] model=[" + model + "] save_dir=["
			+ out + "] method=saliency');\nFile.saveString('windows:' + String.join(getList('window.titles'), ';'), '" + report + "');\n";
		String log = runWithDisplay(macro);
		String windows = Files.exists(report) ? Files.readString(report) : "(the macro did not end)";
		assertTrue(windows.startsWith("windows:"), windows + "\n" + log);
		assertTrue(Files.size(out.resolve("a-saliency-results.csv")) > 0 && Files.size(out.resolve("b-saliency-results.csv")) > 0,
			"both images were explained: " + TestFiles.names(out) + "\n" + log);
		assertFalse(windows.contains("-results"), "no image's table window is left open: " + windows);
	}

	/** Runs the macro in ImageJ 1.x with a display (Xvfb), ConceptScope installed from a plugins folder; the child's console. */
	private String runWithDisplay(String macro) throws Exception {
		return runWithDisplay(dir, macro, 4);
	}

	/** {@link #runWithDisplay(String)} in this folder, the macro given this many minutes. */
	static String runWithDisplay(Path dir, String macro, int minutes) throws Exception {
		Path macroFile = Files.writeString(dir.resolve("tables.ijm"), macro), console = dir.resolve("child.txt");
		try (XServer server = XServer.start(dir.resolve("xvfb.txt"))) {
			server.runImageJ(dir, MacroTablesChild.class, List.of(macroFile.toString(), Integer.toString(minutes * 60 - 40)), console, minutes);
			return Files.readString(console);
		}
	}


	@Test
	void aHeadlessMacroReadsEachCommandsTableFromResults() throws Exception {
		Path out = Files.createDirectories(dir.resolve("out")), report = out.resolve("read.tsv");
		String macro = header(report) + "setBatchMode(true);\n" + "open('" + stack + "');\nstack = getImageID();\n"
			+ commands(out).replace("READ_ATTRIBUTION", "fromResults('" + ATTRIBUTION + "');")
				.replace("READ_EVALUATION", "fromResults('" + EVALUATION + "');").replace("READ_LAYERS", "fromResults('" + LAYERS + "');")
			+ "File.append('done', report);\n" + FROM_RESULTS;
		Map<String, Macro> runs = new LinkedHashMap<>();
		runs.put("headless", new Macro(macro, ""));
		String log = MacroRunner.run(runs, dir).get("headless");
		List<String> lines = Files.exists(report) ? Files.readAllLines(report) : List.of();
		assertTrue(lines.contains("done"), "the macro ran to its end: " + lines + "\n" + log);
		check(lines, out);
	}

	static String header(Path report) {
		return "var report = '" + report + "';\nFile.saveString('', report);\n";
	}

	/** Reads a table by its title, as a macro does with a display; says so when there is none. */
	static final String BY_TITLE = """
		function byTitle(t) {
			out = report;
			if (!isOpen(t)) { File.append('missing\\t' + t + '\\t' + String.join(getList('window.titles'), ';'), out); return; }
			n = Table.size(t);
			File.append('size\\t' + t + '\\t' + n, out);
			File.append('headings\\t' + t + '\\t' + Table.headings(t), out);
			h = split(Table.headings(t), '\\t');
			for (c = 0; c < h.length; c++) {
				if (h[c] == ' ' || h[c] == '') continue;
				column = Table.getColumn(h[c], t);
				for (r = 0; r < n; r++) {
					File.append('cell\\t' + t + '\\t' + h[c] + '\\t' + r + '\\t' + d2s(Table.get(h[c], r, t), -9) + '\\t' + Table.getString(h[c], r, t), out);
					File.append('also\\t' + t + '\\t' + h[c] + '\\t' + r + '\\t' + d2s(getResult(h[c], r, t), -9) + '\\t' + column[r], out);
				}
			}
		}
		""";

	/** Reads the Results table, as a headless macro must: nResults, getResult, getResultString, Table.get(..., "Results"). */
	static final String FROM_RESULTS = """
		function fromResults(t) {
			out = report;
			n = nResults;
			File.append('size\\t' + t + '\\t' + n, out);
			File.append('headings\\t' + t + '\\t' + String.getResultsHeadings, out);
			h = split(String.getResultsHeadings, '\\t');
			for (c = 0; c < h.length; c++) {
				if (h[c] == ' ' || h[c] == '') continue;
				for (r = 0; r < n; r++) {
					File.append('cell\\t' + t + '\\t' + h[c] + '\\t' + r + '\\t' + d2s(getResult(h[c], r), -9) + '\\t' + getResultString(h[c], r), out);
					File.append('also\\t' + t + '\\t' + h[c] + '\\t' + r + '\\t' + d2s(Table.get(h[c], r, 'Results'), -9) + '\\t' + Table.getString(h[c], r, 'Results'), out);
				}
			}
		}
		""";

	/** Every cell of each command's CSV was read back from its table, with the same value. */
	private void check(List<String> lines, Path out) throws IOException {
		check(lines, ATTRIBUTION, csv(out.resolve("a"), "-results.csv"), 12);
		check(lines, EVALUATION, csv(out.resolve("e"), "-saliency-deletion.csv"), 13);
		check(lines, LAYERS, csv(out.resolve("m"), "-layers.csv"), -1);
	}

	static void check(List<String> lines, String title, Path csvFile, int rows) throws IOException {
		List<List<String>> csv = Csv.parse(Files.readString(csvFile));
		List<String> header = csv.get(0);
		String size = lines.stream().filter(l -> l.startsWith("size\t" + title + "\t") || l.startsWith("missing\t" + title + "\t")).findFirst()
			.orElse("(not read)");
		assertEquals("size\t" + title + "\t" + (csv.size() - 1), size, title + ": the macro finds the table with one row per CSV row");
		if (rows > 0) assertEquals(rows, csv.size() - 1, title);
		String headings = lines.stream().filter(l -> l.startsWith("headings\t" + title + "\t")).findFirst().orElse("(not read)");
		// the table's columns are the CSV's, in its order, and no other (no row-number column " ", which saveAs would write)
		assertEquals("headings\t" + title + "\t" + String.join("\t", header), headings.replaceAll("\t+$", ""), title + ": the table's columns");
		Map<String, String[]> cells = new LinkedHashMap<>();
		for (String l : lines) {
			String[] f = l.split("\t", -1);
			if ((f[0].equals("cell") || f[0].equals("also")) && f[1].equals(title)) cells.put(f[0] + "\t" + f[2] + "\t" + f[3], f);
		}
		List<String> wrong = new ArrayList<>();
		int numbers = 0;
		for (int r = 1; r < csv.size(); r++) {
			for (int c = 0; c < header.size(); c++) {
				String expected = csv.get(r).get(c);
				for (String how : List.of("cell", "also")) {
					String[] read = cells.get(how + "\t" + header.get(c) + "\t" + (r - 1));
					if (read == null) {
						wrong.add(how + " " + header.get(c) + "[" + (r - 1) + "] not read");
						continue;
					}
					// text (a label "0001", a class name) must read back as the CSV's text, not as a number it parses to
					Double value = org.conceptscope.fiji.write.ResultsTables.isNumber(expected) ? number(expected) : null;
					boolean same;
					if (value != null && !Double.isNaN(number(read[4]) == null ? Double.NaN : number(read[4]))) {
						// 10 significant digits (d2s(v, -9)): a table value rounded to a float or to the table's decimals differs
						same = Math.abs(number(read[4]) - value) <= 1e-300 + 1e-9 * Math.abs(value);
						numbers++;
					} else {
						same = expected.equals(read[5]) || (value != null && number(read[5]) != null
							&& Math.abs(number(read[5]) - value) <= 1e-300 + 1e-9 * Math.abs(value));
					}
					if (!same) wrong.add(how + " " + header.get(c) + "[" + (r - 1) + "]: CSV " + expected + ", read " + read[4] + " / " + read[5]);
				}
			}
		}
		assertTrue(wrong.isEmpty(), title + ": " + wrong);
		if (!title.equals(LAYERS)) assertTrue(numbers > 2 * (csv.size() - 1), title + ": numbers were read back as numbers: " + numbers);
	}

	private static Double number(String s) {
		try {
			return Double.parseDouble(s);
		} catch (NumberFormatException e) {
			return null;
		}
	}

	static Path csv(Path folder, String suffix) throws IOException {
		List<String> found = TestFiles.names(folder).stream().filter(n -> n.endsWith(suffix)).toList();
		assertEquals(1, found.size(), folder + ": " + TestFiles.names(folder));
		return folder.resolve(found.get(0));
	}
}
