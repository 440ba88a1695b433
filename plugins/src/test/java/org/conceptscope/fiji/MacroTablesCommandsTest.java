package org.conceptscope.fiji;

import static org.conceptscope.fiji.MacroTablesTest.check;
import static org.conceptscope.fiji.MacroTablesTest.csv;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.conceptscope.fiji.MacroRunner.Macro;
import org.conceptscope.fiji.run.Demo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link MacroTablesTest} for the other commands with a table: Concept Discovery (and its holistic table), Concept
 * Localization, Concept Importance, Sharing Ratio Decomposition, Concept Graph, Train Interpretable Head, Explain with Head, TCAV (testing
 * concepts and scoring a bank), Nearest Examples (neighbours and prototypes) and Evaluate Explanation's mege_reco (MeGe and
 * ReCo of saliency and random maps, two models of 20 training steps on the IHC patches). One macro runs them all on the
 * bundled small models with few steps; each table is read back cell by cell, by its documented title with a display in batch mode,
 * from Results headless, and compared with the CSV the command saved.
 */
class MacroTablesCommandsTest {

	@TempDir
	Path dir;

	private final Path testImages = TestFiles.testImages();
	private final Path ihc = testImages.resolve("models/ihc-stain"), knownAnswer = testImages.resolve("models/known-answer"),
		stack = testImages.resolve(Demo.IMAGE);

	/** The documented titles: the result image's title and -results, or a fixed one. */
	private static final String DISCOVERY = "Concept importance", HOLISTIC = "Holistic concepts",
		LOCALIZATION = "ihc-heldout-patches-concepts-results", IMPORTANCE = "Concept importance (gradient)",
		SRD = "ihc-heldout-patches-srd-results", ACCURACY = "Head accuracy", HEAD = "ihc-heldout-patches-infodisent-results", TCAV = "TCAV",
		NEAREST = "Nearest examples", PROTOTYPES = "Prototypes", GRAPH = "Concept graph edges", MEGE = "mege_reco";

	/** The inputs: IHC patches in class subfolders (head, examples); known-answer images for TCAV. */
	private Path classes, tcavClass, tcavConcepts, tcavRandom;

	private void inputs() throws Exception {
		classes = dir.resolve("ihc-classes");
		org.conceptscope.testmodels.LabelledPatchFolders.ihcFiles(classes, 8);
		tcavClass = TcavMacrosTest.folder(dir.resolve("class"), 8, 128, 120, 5);
		tcavConcepts = dir.resolve("concepts");
		TcavMacrosTest.folder(tcavConcepts.resolve("bright R_1"), 6, 70, 180, 1);
		TcavMacrosTest.folder(tcavConcepts.resolve("noise"), 6, 256, 0, 2);
		tcavRandom = TcavMacrosTest.folder(dir.resolve("random"), 16, 256, 0, 4);
	}

	/**
	 * Every command, each followed by READ(name, title), which the two tests replace by their reader; a title of a result
	 * image is the macro's getTitle() right after the command, as docs/fiji.md tells a macro to find it.
	 */
	private String commands(Path out) {
		String m = "model=[" + ihc + "] ";
		// a first slice labelled as an image sequence labels its planes: the tables keep the text 0001
		return "open('" + stack + "');\nstack = getImageID();\nsetSlice(1);\nsetMetadata('Label', '0001');\n"
			+ "run('Concept Discovery...', '" + m + "layer=conv2/relu target=DAB-positive patch=16 stride=8 concepts=3 seed=42 designs=8 examples=3"
			+ " HOLISTIC save_dir=[" + out.resolve("d") + "]');\nREAD('discovery', '" + DISCOVERY + "');\nOTHER('holistic', '" + HOLISTIC + "');\n"
			+ "selectImage(stack);\nrun('Concept Localization...', '" + m + "concepts=[" + out.resolve("d/concepts.json") + "] top_fraction=0.1 save_dir=["
			+ out.resolve("l") + "]');\nREAD('localization', getTitle() + '-results');\n"
			+ "selectImage(stack);\nrun('Concept Importance...', '" + m + "concepts=[" + out.resolve("d/concepts.json") + "] estimator=gradient save_dir=["
			+ out.resolve("i") + "]');\nREAD('importance', '" + IMPORTANCE + "');\n"
			+ "selectImage(stack);\nrun('Sharing Ratio Decomposition...', '" + m + "target=predicted save_dir=[" + out.resolve("s")
			+ "]');\nREAD('srd', getTitle() + '-results');\n"
			+ "selectImage(stack);\nrun('Concept Graph...', '" + m + "layers=[conv2/relu,conv3/relu] scope=class target=DAB-positive concepts=2 samples=50"
			+ " seed=42 steps=8 examples=2 save_dir=[" + out.resolve("g") + "]');\nREAD('graph', '" + GRAPH + "');\n"
			+ "run('Train Interpretable Head...', '" + m + "folder=[" + classes + "] head=infodisent steps=20 prototypes=2 save_dir=["
			+ out.resolve("h") + "]');\nREAD('accuracy', '" + ACCURACY + "');\n"
			+ "selectImage(stack);\nrun('Explain with Head...', '" + m + "head=[" + out.resolve("h/head") + "] save_dir=[" + out.resolve("x")
			+ "]');\nREAD('head', getTitle() + '-results');\n"
			+ "run('TCAV...', 'model=[" + knownAnswer + "] folder=[" + tcavClass + "] concepts=[" + tcavConcepts + "] random=[" + tcavRandom
			+ "] target=[region B] layers=[conv2/relu] runs=4 save_dir=[" + out.resolve("t") + "]');\nREAD('tcav', '" + TCAV + "');\n"
			+ "run('TCAV...', 'model=[" + knownAnswer + "] folder=[" + tcavClass + "] cavs=[" + out.resolve("t/cavs.json") + "] target=[region B] save_dir=["
			+ out.resolve("c") + "]');\nREAD('scores', '" + TCAV + "');\n"
			+ "selectImage(stack);\nrun('Nearest Examples...', '" + m + "folder=[" + classes + "] neighbours=2 prototypes=1 save_dir=[" + out.resolve("n")
			+ "]');\nREAD('nearest', '" + NEAREST + "');\nOTHER('prototypes', '" + PROTOTYPES + "');\n"
			+ "run('Nearest Examples...', '" + m + "folder=[" + classes + "] neighbours=0 prototypes=1 save_dir=[" + out.resolve("p")
			+ "]');\nREAD('prototypes only', '" + PROTOTYPES + "');\n"
			// mege_reco needs no image: a labelled folder, the fewest folds and training steps
			+ "run('Evaluate Explanation...', '" + m + "metric=mege_reco folder=[" + classes + "] methods=saliency,random folds=2 training_steps=20 seed=5"
			+ " save_dir=[" + out.resolve("e") + "]');\nREAD('mege', '" + MEGE + "');\n";
	}

	/** Reads by title as {@link MacroTablesTest#BY_TITLE}, under the name of its command run, and says which title it read. */
	private static final String NAMED = """
		function named(name, t) {
			File.append('title\\t' + name + '\\t' + t, report);
			byTitle(t);
			File.append('read\\t' + name + '\\t' + t, report);
		}
		function namedResults(name, t) {
			File.append('title\\t' + name + '\\t' + t, report);
			fromResults(t);
		}
		""";

	@Test
	void aBatchModeMacroWithADisplayReadsEveryCommandsTablesByTheirTitles() throws Exception {
		XServer.assumeAvailable();
		inputs();
		Path out = Files.createDirectories(dir.resolve("out")), report = out.resolve("read.tsv");
		String macro = MacroTablesTest.header(report) + "setBatchMode(true);\n"
			+ commands(out).replace("HOLISTIC", "holistic=true").replace("READ(", "named(").replace("OTHER(", "named(")
			+ "File.append('done', report);\n" + MacroTablesTest.BY_TITLE + NAMED;
		String log = MacroTablesTest.runWithDisplay(dir, macro, 8);
		List<String> lines = Files.exists(report) ? Files.readAllLines(report) : List.of();
		assertTrue(lines.contains("done"), "the macro ran to its end: " + lines + "\n" + log);
		checkAll(lines, out, true);
	}

	@Test
	void aHeadlessMacroReadsEachCommandsMainTableFromResults() throws Exception {
		inputs();
		Path out = Files.createDirectories(dir.resolve("out")), report = out.resolve("read.tsv");
		String macro = MacroTablesTest.header(report) + "setBatchMode(true);\n"
			+ commands(out).replace(" HOLISTIC", "").replace("READ(", "namedResults(").replaceAll("OTHER\\([^\\n]*\\n", "")
			+ "File.append('done', report);\n" + MacroTablesTest.FROM_RESULTS + NAMED;
		Map<String, Macro> runs = new LinkedHashMap<>();
		runs.put("headless", new Macro(macro, ""));
		String log = MacroRunner.run(runs, dir).get("headless");
		List<String> lines = Files.exists(report) ? Files.readAllLines(report) : List.of();
		assertTrue(lines.contains("done"), "the macro ran to its end: " + lines + "\n" + log);
		checkAll(lines, out, false);
	}

	/** The lines read for one run of a command (a title may be read twice: TCAV, Prototypes), and the title it was read by. */
	private static List<String> section(List<String> lines, String name) {
		int from = lines.indexOf(lines.stream().filter(l -> l.startsWith("title\t" + name + "\t")).findFirst()
			.orElseThrow(() -> new AssertionError(name + " was not read: " + lines)));
		int to = from + 1;
		while (to < lines.size() && !lines.get(to).startsWith("title\t")) to++;
		return lines.subList(from, to);
	}

	private static void checkAll(List<String> lines, Path out, boolean display) throws Exception {
		Map<String, Object[]> expected = new LinkedHashMap<>();
		expected.put("discovery", new Object[] { DISCOVERY, out.resolve("d/importance.csv"), 3 });
		if (display) expected.put("holistic", new Object[] { HOLISTIC, out.resolve("d/holistic.csv"), 3 });
		expected.put("localization", new Object[] { LOCALIZATION, out.resolve("l/ihc-heldout-patches-concepts-results.csv"), 12 });
		expected.put("importance", new Object[] { IMPORTANCE, csv(out.resolve("i"), "-importance-gradient.csv"), 3 });
		expected.put("srd", new Object[] { SRD, out.resolve("s/ihc-heldout-patches-srd-results.csv"), 13 });
		expected.put("graph", new Object[] { GRAPH, out.resolve("g/concept-graph.csv"), -1 });
		expected.put("accuracy", new Object[] { ACCURACY, out.resolve("h/accuracy.csv"), -1 });
		expected.put("head", new Object[] { HEAD, out.resolve("x/ihc-heldout-patches-infodisent-results.csv"), -1 });
		expected.put("tcav", new Object[] { TCAV, out.resolve("t/tcav.csv"), 2 });
		expected.put("scores", new Object[] { TCAV, out.resolve("c/tcav-scores.csv"), 2 });
		expected.put("nearest", new Object[] { NEAREST, out.resolve("n/ihc-heldout-patches-nearest.csv"), 24 });
		if (display) expected.put("prototypes", new Object[] { PROTOTYPES, out.resolve("n/prototypes.csv"), 3 });
		expected.put("prototypes only", new Object[] { PROTOTYPES, out.resolve("p/prototypes.csv"), 3 });
		expected.put("mege", new Object[] { MEGE, out.resolve("e/ihc-classes-mege_reco.csv"), 2 });
		for (String table : List.of("l/ihc-heldout-patches-concepts-results.csv", "s/ihc-heldout-patches-srd-results.csv",
			"x/ihc-heldout-patches-infodisent-results.csv")) {
			List<List<String>> rows = Csv.parse(Files.readString(out.resolve(table)));
			assertEquals("0001", rows.get(1).get(rows.get(0).indexOf("label")), table + ": the first slice's label, text that parses as 1");
		}
		for (Map.Entry<String, Object[]> e : expected.entrySet()) {
			List<String> read = section(lines, e.getKey());
			String title = (String) e.getValue()[0];
			assertEquals("title\t" + e.getKey() + "\t" + title, read.get(0), e.getKey() + ": the table's title is the documented one");
			// headless every line says Results' contents; name them by the title, as check() reads them
			check(read, title, (Path) e.getValue()[1], (int) e.getValue()[2]);
		}
	}
}
