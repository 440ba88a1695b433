package org.conceptscope.fiji;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;
import ij.gui.Overlay;
import ij.io.FileSaver;
import ij.process.ByteProcessor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.conceptscope.fiji.MacroRunner.Macro;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nearest Examples run as a macro does, through ImageJ 1.x's macro interpreter in a child JVM, on
 * the known-answer model, whose layer conv2/relu is the image itself (identity convolutions, ReLU
 * of non-negative pixels): distances there are pixel distances, computed here without the model.
 * The cases are copies of two training images, so each one's nearest example is its source at
 * distance 0; per-class prototypes come from their own class subfolder. macros/nearest_examples.ijm
 * run with an argument writes the same tables.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ExamplesMacrosTest {

	@TempDir
	static Path work;

	private Map<String, String> logs;
	private Path training, out;
	private final ByteProcessor[][] pixels = new ByteProcessor[2][10];

	@BeforeAll
	void runMacrosInImageJ() throws Exception {
		training = work.resolve("training");
		Random r = new Random(5);
		String[] classes = { "region A", "region B" };
		for (int k = 0; k < 2; k++) {
			Path dir = Files.createDirectories(training.resolve(classes[k]));
			for (int i = 0; i < 10; i++) {
				ByteProcessor ip = new ByteProcessor(32, 32);
				for (int p = 0; p < 1024; p++) ip.set(p, r.nextInt(256));
				pixels[k][i] = ip;
				Path f = dir.resolve((k == 0 ? "a" : "b") + i + ".tif");
				assertTrue(new FileSaver(new ImagePlus(f.getFileName().toString(), ip)).saveAsTiff(f.toString()));
			}
		}
		ImageStack cases = new ImageStack(32, 32);
		cases.addSlice("copy of a3", pixels[0][3].duplicate());
		cases.addSlice("copy of b7", pixels[1][7].duplicate());
		Path stack = work.resolve("cases.tif");
		assertTrue(new FileSaver(new ImagePlus("cases.tif", cases)).saveAsTiffStack(stack.toString()));
		Path model = TestFiles.testImages().resolve("models").resolve("known-answer");
		out = work.resolve("out");
		Map<String, Macro> runs = new LinkedHashMap<>();
		runs.put("examples", new Macro("setBatchMode(true); open('" + stack + "');\nrun('Nearest Examples...', 'model=[" + model + "] folder=["
			+ training + "] layer=conv2/relu neighbours=4 prototypes=2 save_dir=[" + out + "]');\n", ""));
		runs.put("nothing", new Macro("setBatchMode(true);\nrun('Nearest Examples...', 'model=[" + model + "] folder=[" + training
			+ "] neighbours=0 prototypes=0 save_dir=[" + work.resolve("bad") + "]');\nprint('still running');\n", ""));
		runs.put("macro", new Macro(Files.readString(TestFiles.macros().resolve("nearest_examples.ijm")), "image=[" + stack + "] model=[" + model
			+ "] folder=[" + training + "] layer=conv2/relu neighbours=4 prototypes=2 save_dir=[" + work.resolve("macro") + "]"));
		// a rerun into one folder: refused before any work without overwrite (the first run's files kept), replacing them with it
		String prototypes = "setBatchMode(true);\nrun('Nearest Examples...', 'model=[" + model + "] folder=[" + training
			+ "] layer=conv2/relu neighbours=0 prototypes=%d save_dir=[%s]%s');\n";
		runs.put("first", new Macro(String.format(prototypes, 2, work.resolve("again"), "") + "File.copy('" + work.resolve("again/prototypes.tif")
			+ "', '" + work.resolve("first-prototypes.tif") + "');\n", ""));
		runs.put("again", new Macro(String.format(prototypes, 3, work.resolve("again"), "") + "print('still running');\n", ""));
		runs.put("replaced first", new Macro(String.format(prototypes, 2, work.resolve("replaced"), ""), ""));
		runs.put("replaced", new Macro(String.format(prototypes, 3, work.resolve("replaced"), " overwrite"), ""));
		logs = MacroRunner.run(runs, work);
	}

	/** macros/nearest_examples.ijm, as a user runs it with an argument, writes what the recorded command writes. */
	@Test
	void theMacroFileWritesTheSameTables() throws IOException {
		assertFalse(logs.get("macro").contains("Error"), logs.get("macro"));
		Path macro = work.resolve("macro");
		assertEquals(List.of("cases-nearest.csv", "cases-nearest.tif", "prototypes.csv", "prototypes.tif"), TestFiles.names(macro));
		for (String table : List.of("cases-nearest.csv", "prototypes.csv")) {
			assertEquals(Files.readString(out.resolve(table)), Files.readString(macro.resolve(table)), table);
		}
	}

	static double distance(ByteProcessor a, ByteProcessor b) {
		double s = 0;
		for (int p = 0; p < 1024; p++) {
			double d = (a.get(p) - b.get(p)) / 255.0; // unit_range normalisation
			s += d * d;
		}
		return Math.sqrt(s);
	}

	@Test
	void eachCaseFindsItsSourceAndThePixelNearestOthers() throws IOException {
		assertFalse(logs.get("examples").contains("Error"), logs.get("examples"));
		assertEquals(List.of("cases-nearest.csv", "cases-nearest.tif", "prototypes.csv", "prototypes.tif"), TestFiles.names(out));
		List<List<String>> csv = Csv.parse(Files.readString(out.resolve("cases-nearest.csv")));
		assertEquals(List.of("case", "rank", "example", "distance"), csv.get(0));
		assertEquals(1 + 2 * 4, csv.size());
		ByteProcessor[] sources = { pixels[0][3], pixels[1][7] };
		for (int c = 0; c < 2; c++) {
			List<String> first = csv.get(1 + 4 * c);
			assertEquals(List.of("cases.tif slice " + (c + 1), "1", (c == 0 ? "region A/a3.tif" : "region B/b7.tif") + " slice 1"),
				first.subList(0, 3), "an example named by its path in the folder");
			assertEquals(0, Double.parseDouble(first.get(3)), 1e-6);
			double previous = 0;
			for (int q = 0; q < 4; q++) {
				List<String> row = csv.get(1 + 4 * c + q);
				String file = row.get(2).substring(row.get(2).indexOf('/') + 1, row.get(2).indexOf(".tif"));
				ByteProcessor example = pixels[file.startsWith("a") ? 0 : 1][Integer.parseInt(file.substring(1))];
				double d = Double.parseDouble(row.get(3));
				assertEquals(distance(sources[c], example), d, 1e-4, row.toString());
				assertTrue(d >= previous, "nearest first");
				previous = d;
			}
		}
		ImagePlus montage = IJ.openImage(out.resolve("cases-nearest.tif").toString());
		Overlay o = montage.getOverlay();
		assertEquals(2 * (1 + 4), o.size(), "per slice: the slice and its 4 nearest examples");
	}

	@Test
	void prototypesOfEachClassComeFromItsSubfolder() throws IOException {
		List<List<String>> csv = Csv.parse(Files.readString(out.resolve("prototypes.csv")));
		assertEquals(List.of("class", "rank", "example", "objective"), csv.get(0));
		assertEquals(1 + 2 * 2, csv.size());
		for (List<String> row : csv.subList(1, csv.size())) {
			assertTrue(row.get(2).startsWith(row.get(0) + "/" + (row.get(0).equals("region A") ? "a" : "b")), row.toString());
		}
	}

	@Test
	void nothingToDoIsOneSentence() {
		String bad = logs.get("nothing");
		assertTrue(bad.contains("Nothing to do: set neighbours"), bad);
		assertFalse(bad.contains("still running"));
		assertFalse(Files.exists(work.resolve("bad")));
	}

	/**
	 * A second run into the folder of a first is refused before any work, in one sentence naming the file, and the
	 * first run's files keep their bytes; with overwrite it replaces them.
	 */
	@Test
	void aRerunIntoTheSameFolderIsRefusedUnlessOverwrite() throws IOException {
		assertFalse(logs.get("first").contains("Error"), logs.get("first"));
		String again = logs.get("again");
		assertTrue(again.contains(work.resolve("again").resolve("prototypes.tif") + " already exists (an earlier run's output): choose another"
			+ " save_dir, or tick 'Overwrite files in save_dir' (overwrite=true) to replace it; nothing was changed."), again);
		assertFalse(again.contains("still running"));
		assertFalse(again.contains("ConceptScope nearest examples"), "refused before any work: " + again);
		assertEquals(List.of("prototypes.csv", "prototypes.tif"), TestFiles.names(work.resolve("again")));
		assertTrue(java.util.Arrays.equals(Files.readAllBytes(work.resolve("first-prototypes.tif")),
			Files.readAllBytes(work.resolve("again").resolve("prototypes.tif"))), "the first run's file is unchanged");
		assertEquals(Files.readString(out.resolve("prototypes.csv")), Files.readString(work.resolve("again").resolve("prototypes.csv")),
			"the first run's table (2 prototypes per class, as the first test's run) is unchanged");
		assertFalse(logs.get("replaced").contains("Error"), logs.get("replaced"));
		List<List<String>> csv = Csv.parse(Files.readString(work.resolve("replaced").resolve("prototypes.csv")));
		assertEquals(1 + 2 * 3, csv.size(), "overwrite: the second run's 3 prototypes per class replaced the first's 2");
		assertEquals(List.of("prototypes.csv", "prototypes.tif"), TestFiles.names(work.resolve("replaced")), "no half-written file left");
	}
}
