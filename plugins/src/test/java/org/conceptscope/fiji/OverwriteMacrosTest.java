package org.conceptscope.fiji;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.conceptscope.fiji.MacroRunner.Macro;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rerun into the save_dir of an earlier run, as a macro does it (ImageJ 1.x's macro interpreter in a child JVM):
 * Attribution and Model Info, whose files are named after the image, the method or the model, refuse it before any work
 * in one sentence naming the file, and the earlier files keep their bytes; with overwrite the run replaces them; a run
 * whose names differ (another method) writes beside them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OverwriteMacrosTest {

	@TempDir
	static Path work;

	private Map<String, String> logs;
	private Path again, replaced, info;

	@BeforeAll
	void runMacrosInImageJ() throws Exception {
		Path image = TestFiles.testImages().resolve("images").resolve("ihc-heldout-patches.tif");
		Path model = TestFiles.testImages().resolve("models").resolve("ihc-stain");
		again = work.resolve("again");
		replaced = work.resolve("replaced");
		info = work.resolve("info");
		String attribution = "setBatchMode(true); open('" + image + "');\nrun('Attribution...', 'model=[" + model
			+ "] method=%s top_fraction=%s save_dir=[%s]%s');\n";
		Map<String, Macro> runs = new LinkedHashMap<>();
		runs.put("first", new Macro(String.format(attribution, "saliency", "0.1", again, "") + "File.copy('"
			+ again.resolve("ihc-heldout-patches-saliency.tif") + "', '" + work.resolve("first.tif") + "');\nFile.copy('"
			+ again.resolve("ihc-heldout-patches-saliency-RoiSet.zip") + "', '" + work.resolve("first-RoiSet.zip") + "');\nclose('*');\n", ""));
		// other settings of the same method: the same names, so refused
		runs.put("again", new Macro(String.format(attribution, "saliency", "0.3", again, "") + "print('still running');\n", ""));
		// another method: other names, written beside the first run's
		runs.put("other method", new Macro(String.format(attribution, "gradient_x_input", "0.1", again, "") + "close('*');\n", ""));
		runs.put("replaced first", new Macro(String.format(attribution, "saliency", "0.1", replaced, "") + "close('*');\n", ""));
		runs.put("replaced", new Macro(String.format(attribution, "saliency", "0.3", replaced, " overwrite") + "close('*');\n", ""));
		String modelInfo = "run('Model Info...', 'model=[" + model + "] save_dir=[" + info + "]%s');\n";
		runs.put("info", new Macro(String.format(modelInfo, "") + String.format(modelInfo, " overwrite") + "print('replaced');\n"
			+ String.format(modelInfo, "") + "print('still running');\n", ""));
		logs = MacroRunner.run(runs, work);
	}

	/** The one sentence a rerun into an earlier run's save_dir gets, naming the first of its files there. */
	static String refusal(Path file) {
		return file + " already exists (an earlier run's output): choose another save_dir, or tick 'Overwrite files in save_dir'"
			+ " (overwrite=true) to replace it; nothing was changed.";
	}

	@Test
	void anAttributionRerunIsRefusedBeforeAnyWorkAndTheFirstFilesKeepTheirBytes() throws IOException {
		assertFalse(logs.get("first").contains("Error"), logs.get("first"));
		String log = logs.get("again");
		assertTrue(log.contains(refusal(again.resolve("ihc-heldout-patches-saliency.tif"))), log);
		assertFalse(log.contains("still running"), log);
		assertTrue(Arrays.equals(Files.readAllBytes(work.resolve("first.tif")), Files.readAllBytes(again.resolve("ihc-heldout-patches-saliency.tif"))),
			"the first run's map keeps its bytes");
		assertTrue(Arrays.equals(Files.readAllBytes(work.resolve("first-RoiSet.zip")),
			Files.readAllBytes(again.resolve("ihc-heldout-patches-saliency-RoiSet.zip"))), "the first run's ROIs keep their bytes");
		assertFalse(logs.get("other method").contains("Error"), logs.get("other method"));
		assertEquals(List.of("ihc-heldout-patches-gradient_x_input-RoiSet.zip", "ihc-heldout-patches-gradient_x_input-results.csv",
			"ihc-heldout-patches-gradient_x_input.tif", "ihc-heldout-patches-saliency-RoiSet.zip", "ihc-heldout-patches-saliency-results.csv",
			"ihc-heldout-patches-saliency.tif"), TestFiles.names(again), "another method's files beside the first's, nothing else");
	}

	@Test
	void overwriteReplacesAnAttributionRunsFiles() throws IOException {
		assertFalse(logs.get("replaced first").contains("Error"), logs.get("replaced first"));
		assertFalse(logs.get("replaced").contains("Error"), logs.get("replaced"));
		assertEquals(List.of("ihc-heldout-patches-saliency-RoiSet.zip", "ihc-heldout-patches-saliency-results.csv",
			"ihc-heldout-patches-saliency.tif"), TestFiles.names(replaced), "no half-written file left");
		ImagePlus map = IJ.openImage(replaced.resolve("ihc-heldout-patches-saliency.tif").toString());
		String options = (String) map.getProperty("Info");
		assertTrue(options.contains("top_fraction=0.3"), "the second run's map replaced the first's: " + options);
		assertTrue(options.contains("overwrite=true"), "the options that replay it say so: " + options);
		assertFalse(Arrays.equals(Files.readAllBytes(work.resolve("first-RoiSet.zip")),
			Files.readAllBytes(replaced.resolve("ihc-heldout-patches-saliency-RoiSet.zip"))), "the top 30 %, not the top 10 %, outlined");
	}

	@Test
	void modelInfoIntoItsOwnFolderAgainNeedsOverwrite() {
		String log = logs.get("info");
		assertTrue(log.contains("replaced"), "overwrite writes the report again: " + log);
		assertTrue(log.contains(refusal(info.resolve("ihc-stain-info.txt"))), log);
		assertFalse(log.contains("still running"), log);
		assertEquals(List.of("ihc-stain-info.txt", "ihc-stain-layers.csv"), TestFiles.names(info));
	}
}
