package org.conceptscope.fiji;

import org.conceptscope.fiji.run.Models;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.conceptscope.attribution.Attribution;
import org.conceptscope.fiji.MacroRunner.Macro;
import org.conceptscope.mechanistic.SrdAttribution;
import org.conceptscope.metrics.Deletion;
import org.conceptscope.metrics.MetricResult;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sharing Ratio Decomposition as an Attribution method and as the method Evaluate Explanation scores,
 * picked by method=srd in macros run in ImageJ 1.x's interpreter, headless, on the bundled IHC stack:
 * the saved maps are SRD's (Han et al. 2024) computed here on the same slices, and the deletion AUCs
 * are those of those maps.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SrdMenuMacrosTest {

	@TempDir
	static Path work;

	private final Path testImages = TestFiles.testImages();
	private Map<String, String> logs;

	@BeforeAll
	void runMacros() throws Exception {
		String open = "setBatchMode(true); open('" + stack() + "');\n";
		Map<String, Macro> runs = new LinkedHashMap<>();
		runs.put("attribution", new Macro(open + "run('Attribution...', 'model=[" + model() + "] method=srd target=DAB-positive"
			+ " output=image save_dir=[" + work.resolve("attribution") + "]');\n", ""));
		runs.put("evaluate", new Macro(open + "run('Evaluate Explanation...', 'model=[" + model() + "] method=srd metric=deletion"
			+ " target=DAB-positive save_dir=[" + work.resolve("evaluate") + "]');\n", ""));
		logs = MacroRunner.run(runs, work);
	}

	@Test
	void attributionSavesTheSrdMapsOfEverySlice() throws Exception {
		assertFalse(logs.get("attribution").contains("Error"), logs.get("attribution"));
		Path dir = work.resolve("attribution");
		List<String> maps = TestFiles.names(dir).stream().filter(n -> n.endsWith(".tif")).toList();
		assertEquals(1, maps.size(), TestFiles.names(dir).toString());
		ImagePlus saved = IJ.openImage(dir.resolve(maps.get(0)).toString());
		assertEquals(12, saved.getStackSize(), "one map per slice");
		try (TensorFlowClassifier model = TensorFlowClassifier.load(model())) {
			FloatTensor x = Models.input(IJ.openImage(stack().toString()), model).tensor();
			int[] targets = new int[12];
			java.util.Arrays.fill(targets, 2);
			Attribution want = new SrdAttribution().explain(model, x, targets, Progress.NONE);
			double scale = 0;
			for (float v : want.maps().data()) scale = Math.max(scale, Math.abs(v));
			assertTrue(scale > 0);
			for (int z = 0; z < 12; z++) {
				float[] plane = (float[]) saved.getStack().getPixels(z + 1);
				for (int p = 0; p < plane.length; p++) assertEquals(want.maps().data()[z * 1024 + p], plane[p], 1e-6 * scale, "slice " + (z + 1));
			}
		}
	}

	@Test
	void evaluateExplanationScoresTheSrdMaps() throws Exception {
		assertFalse(logs.get("evaluate").contains("Error"), logs.get("evaluate"));
		Path csvFile = work.resolve("evaluate").resolve("ihc-heldout-patches-srd-deletion.csv");
		List<List<String>> csv = Csv.parse(Files.readString(csvFile));
		assertEquals(1 + 12 + 1, csv.size(), "header, one row per slice, the mean");
		try (TensorFlowClassifier model = TensorFlowClassifier.load(model())) {
			FloatTensor x = Models.input(IJ.openImage(stack().toString()), model).tensor();
			int[] targets = new int[12];
			java.util.Arrays.fill(targets, 2);
			Attribution srd = new SrdAttribution().explain(model, x, targets, Progress.NONE);
			// the command's defaults: 10 steps (Xplique's), baseline 0, ties ordered by seed 42
			MetricResult want = new Deletion(10, org.conceptscope.metrics.Reference.constant(0f), Deletion.DEFAULT_BATCH, 42)
				.evaluate(model, x, srd, Progress.NONE);
			for (int z = 1; z <= 12; z++) {
				assertEquals("srd", csv.get(z).get(4));
				assertEquals(want.values()[z - 1], Double.parseDouble(csv.get(z).get(6)), 1e-5, "slice " + z);
			}
		}
	}

	private Path stack() {
		return testImages.resolve("images").resolve("ihc-heldout-patches.tif");
	}

	private Path model() {
		return testImages.resolve("models").resolve("ihc-stain");
	}
}
