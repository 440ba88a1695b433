package org.conceptscope.fiji;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;
import ij.io.FileSaver;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.conceptscope.fiji.MacroRunner.Macro;
import org.conceptscope.testmodels.LabelledPatchFolders;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bundled macros as a user reruns them: each macro of {@code macros/}, run a second time into the same save_dir
 * through ImageJ 1.x's macro interpreter (child JVMs, {@link MacroRunner}), is refused with the advice naming
 * {@code overwrite=true}; run again with {@code overwrite=true}, as that advice says, it replaces every file the first
 * run wrote (each file of save_dir overwritten with a mark before the rerun); the refused rerun leaves every file as it
 * was (size, modification time and SHA-256). On the smallest inputs the macros accept: one 32×32 IHC
 * patch, one 16×16 CT patch, five labelled patches per class. batch_folder.ijm has this check in MacrosTest;
 * concept_graph.ijm and evaluate_mege_reco.ijm (about 10 s and 25 s more
 * on these inputs) are left out to keep the default test run short: they passed this check when it was written.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BundledMacrosOverwriteTest {

	@TempDir
	static Path work;

	/** The sentence every command refuses an existing output file with, after the file's path. */
	private static final String ADVICE = " already exists (an earlier run's output): choose another save_dir, or tick 'Overwrite files in save_dir'"
		+ " (overwrite=true) to replace it; nothing was changed.";

	/** Per macro, in run order (a bank and a head come from earlier macros): its arguments without save_dir. */
	private final Map<String, String> arguments = new LinkedHashMap<>();
	private Map<String, String> logs;

	@BeforeAll
	void runEachMacroThreeTimes() throws Exception {
		Path images = TestFiles.testImages().resolve("images"), models = TestFiles.testImages().resolve("models");
		Path ihc = firstSlice(images.resolve("ihc-heldout-patches.tif"), work.resolve("ihc-one.tif"));
		Path ct = firstSlice(images.resolve("ct-heldout-patches.tif"), work.resolve("ct-one.tif"));
		Path labelled = LabelledPatchFolders.ihc(work.resolve("labelled"), 5);
		List<Path> classes;
		try (Stream<Path> l = Files.list(labelled)) {
			classes = l.filter(Files::isDirectory).sorted().toList();
		}
		// TCAV: two classes as concepts, the third as counterexamples, tested on the first (as RealImageJTest)
		Path concepts = work.resolve("tcav-concepts");
		for (Path c : classes.subList(0, 2)) {
			Path to = Files.createDirectories(concepts.resolve(c.getFileName().toString()));
			try (Stream<Path> l = Files.list(c)) {
				for (Path f : l.toList()) Files.copy(f, to.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
			}
		}
		String m = "model=[" + models.resolve("ihc-stain") + "] ", img = "image=[" + ihc + "] " + m;
		String bank = "concepts=[" + out("concept_discovery").resolve("concepts.json") + "] ";
		arguments.put("model_info", "model=[" + models.resolve("ct-tissue") + "]");
		arguments.put("attribution_example", img);
		arguments.put("attribution_eva", "image=[" + ct + "] model=[" + models.resolve("ct-tissue") + "] bounds=interval");
		arguments.put("concept_discovery", img);
		arguments.put("concept_localization", img + bank);
		arguments.put("concept_importance", img + bank);
		arguments.put("evaluate_explanation", img);
		arguments.put("sharing_ratio_decomposition", img);
		arguments.put("train_interpretable_head", "folder=[" + labelled + "] " + m);
		arguments.put("explain_with_head", img + "head=[" + out("train_interpretable_head").resolve("head") + "]");
		arguments.put("feature_visualization", img + "recipe=simple");
		arguments.put("nearest_examples", img + "folder=[" + labelled + "]");
		arguments.put("tcav", "folder=[" + classes.get(0) + "] concepts=[" + concepts + "] random=[" + classes.get(2) + "] " + m + "runs=2");

		// three child JVMs: every first run, every refused rerun, every rerun with overwrite=true; each save_dir's files
		// recorded after the first and after the second
		Map<String, Macro> firsts = new LinkedHashMap<>(), agains = new LinkedHashMap<>(), runs = new LinkedHashMap<>();
		for (Map.Entry<String, String> e : arguments.entrySet()) {
			Path macro = TestFiles.macros().resolve(e.getKey() + ".ijm"), dir = out(e.getKey());
			String args = e.getValue() + " save_dir=[" + dir + "]";
			firsts.put(e.getKey() + " first", new Macro(Files.readString(macro), args));
			agains.put(e.getKey() + " again", new Macro(Files.readString(macro), args));
			// every file of the first run marked, so that the rerun with the advice's overwrite=true must replace each
			runs.put(e.getKey() + " overwrite", new Macro("marked = mark('" + dir + "/');\nprint('marked ' + marked);\nrunMacro('" + macro
				+ "', '" + args + " overwrite=true');\nprint('done');\n" + MARK, ""));
		}
		logs = new LinkedHashMap<>(MacroRunner.run(firsts, work));
		for (String name : arguments.keySet()) written.put(name, state(out(name)));
		logs.putAll(MacroRunner.run(agains, work));
		for (String name : arguments.keySet()) refused.put(name, state(out(name)));
		logs.putAll(MacroRunner.run(runs, work));
	}

	/** Per macro, each file its first run wrote: its size, modification time and SHA-256. */
	private final Map<String, Map<Path, String>> written = new LinkedHashMap<>();
	/** The same after the refused rerun. */
	private final Map<String, Map<Path, String>> refused = new LinkedHashMap<>();

	private static Map<Path, String> state(Path dir) throws IOException {
		Map<Path, String> out = new LinkedHashMap<>();
		for (Path f : files(dir)) {
			try {
				byte[] sha = java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f));
				out.put(f, Files.size(f) + " " + Files.getLastModifiedTime(f).toInstant() + " " + java.util.HexFormat.of().formatHex(sha));
			} catch (java.security.NoSuchAlgorithmException e) {
				throw new IllegalStateException(e);
			}
		}
		return out;
	}

	/**
	 * Writes "mark" over every file of a folder; returns how many. Not into subfolders: a trained head's folder whose
	 * conceptscope.json is not ConceptScope's is, rightly, not replaced even with overwrite.
	 */
	private static final String MARK = "function mark(dir) {\n\tn = 0;\n\tlist = getFileList(dir);\n\tfor (i = 0; i < list.length; i++) {\n"
		+ "\t\tif (!endsWith(list[i], '/')) { File.saveString('mark', dir + list[i]); n++; }\n\t}\n\treturn n;\n}\n";

	private static Path firstSlice(Path stack, Path file) {
		ImagePlus one = new ImagePlus(file.getFileName().toString(), IJ.openImage(stack.toString()).getStack().getProcessor(1));
		assertTrue(new FileSaver(one).saveAsTiff(file.toString()), file.toString());
		return file;
	}

	private static Path out(String macro) {
		return work.resolve("out").resolve(macro);
	}

	/** One test per macro. */
	@TestFactory
	Stream<DynamicTest> eachMacro() {
		return arguments.keySet().stream().map(m -> DynamicTest.dynamicTest(m + ".ijm", () -> rerunIsRefusedThenOverwriteTrueReplaces(m)));
	}

	private void rerunIsRefusedThenOverwriteTrueReplaces(String macro) throws IOException {
		Path dir = out(macro);
		String first = logs.get(macro + " first"), again = logs.get(macro + " again"), overwrite = logs.get(macro + " overwrite");
		assertFalse(first.contains("Error") || first.contains("Exception"), first);
		List<Path> files = files(dir);
		assertFalse(files.isEmpty(), macro + " wrote its files:\n" + first);

		assertTrue(again.contains(ADVICE), "the rerun is refused with the overwrite advice:\n" + again);
		String named = again.substring(0, again.indexOf(ADVICE));
		assertTrue(named.contains(dir + java.io.File.separator), "the advice names what the first run wrote:\n" + again);
		assertEquals(written.get(macro), refused.get(macro),
			"the refused rerun changed nothing (each file's size, time and SHA-256):\n" + again);

		String marked = "marked " + topLevel(dir).size();
		assertTrue(overwrite.lines().anyMatch(marked::equals), "a line '" + marked + "':\n" + overwrite);
		assertFalse(overwrite.contains(ADVICE) || overwrite.contains("Error") || overwrite.contains("Exception"), overwrite);
		assertTrue(overwrite.contains("done"), overwrite);
		assertEquals(files, files(dir), "the rerun writes the same files, nothing else");
		List<Path> left = new ArrayList<>();
		for (Path f : topLevel(dir)) if (Files.size(f) == 4 && Files.readString(f).equals("mark")) left.add(f);
		assertEquals(List.of(), left, "overwrite=true replaces every file of the first run");
	}

	private static List<Path> topLevel(Path dir) throws IOException {
		try (Stream<Path> s = Files.list(dir)) {
			return s.filter(Files::isRegularFile).sorted().toList();
		}
	}

	/** The files under a folder, its subfolders' too, sorted. */
	private static List<Path> files(Path dir) throws IOException {
		try (Stream<Path> s = Files.walk(dir)) {
			return s.filter(Files::isRegularFile).sorted().toList();
		}
	}
}
