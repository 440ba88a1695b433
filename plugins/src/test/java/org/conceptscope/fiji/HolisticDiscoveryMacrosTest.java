package org.conceptscope.fiji;

import org.conceptscope.fiji.write.MapChannels;
import org.conceptscope.fiji.run.Models;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;
import ij.gui.Roi;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.conceptscope.concepts.ConceptAttributionMaps;
import org.conceptscope.concepts.ConceptBank;
import org.conceptscope.concepts.HolisticConcepts;
import org.conceptscope.fiji.MacroRunner.Macro;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.testmodels.LabelledPatchFolders;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Concept Discovery's holistic outputs (Fel et al. 2023) and its CRAFT run per class over a data set
 * (Xplique's CraftManager), run as a user runs them: run("Concept Discovery...", ...) in ImageJ 1.x's
 * macro interpreter, headless, on the bundled IHC stack and on a folder of real labelled ihc.png
 * patches (one subfolder per class). The files are read back and checked against the ops computed
 * here on the same images: the maps of the saved bank, prevalence and reliability from the labels.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HolisticDiscoveryMacrosTest {

	@TempDir
	static Path work;

	private final Path testImages = TestFiles.testImages();
	private Map<String, String> logs;
	private Map<Path, Integer> labelled;
	private Path holistic, perClass, data;

	@BeforeAll
	void runMacrosInImageJ() throws Exception {
		holistic = work.resolve("holistic");
		perClass = work.resolve("per-class");
		data = work.resolve("data");
		labelled = LabelledPatchFolders.ihcFiles(data, 6);
		String open = "setBatchMode(true); open('" + stack() + "');\n";
		Map<String, Macro> runs = new LinkedHashMap<>();
		runs.put("holistic", new Macro(open + "run('Concept Discovery...', 'model=[" + model() + "] layer=conv2/relu target=DAB-positive"
			+ " concepts=3 designs=8 holistic save_dir=[" + holistic + "]');\n", ""));
		runs.put("per class", new Macro("setBatchMode(true);\nrun('Concept Discovery...', 'model=[" + model() + "] folder=[" + data
			+ "] layer=conv2/relu concepts=3 designs=8 per_class=true save_dir=[" + perClass + "]');\n", ""));
		runs.put("per class without folder", new Macro(open + "run('Concept Discovery...', 'model=[" + model()
			+ "] per_class=true save_dir=[" + work.resolve("nothing") + "]');\nprint('still running');\n", ""));
		logs = MacroRunner.run(runs, work);
	}

	@Test
	void holisticOutputsAreTheOpsOfTheSavedBankOnTheStack() throws IOException {
		assertFalse(logs.get("holistic").contains("Error"), logs.get("holistic"));
		assertEquals(List.of("atlas.tif", "concept-importance-maps.tif", "concept-maps-RoiSet.zip", "concept-maps.tif", "concepts.json",
			"holistic.csv", "importance.csv", "importance.png"), TestFiles.names(holistic));
		ConceptBank bank = ConceptBank.load(holistic.resolve("concepts.json"));
		ImagePlus imp = IJ.openImage(stack().toString());
		try (TensorFlowClassifier model = TensorFlowClassifier.load(model())) {
			FloatTensor x = Models.input(imp, model).tensor();
			int n = (int) x.dim(0), k = bank.size();
			FloatTensor expected = ConceptAttributionMaps.maps(model, bank, x, ConceptAttributionMaps.Rule.GRADIENT_X_INPUT,
				org.conceptscope.util.Progress.NONE);
			ImagePlus maps = IJ.openImage(holistic.resolve("concept-maps.tif").toString());
			assertEquals(3 + k, maps.getNChannels(), "R, G, B, then one channel per concept");
			assertEquals(n, maps.getNSlices());
			double scale = 0;
			for (float v : expected.data()) scale = Math.max(scale, Math.abs(v));
			assertTrue(scale > 0, "the maps are not all zero");
			for (int i = 0; i < n; i++) for (int q = 0; q < k; q++) {
				float[] plane = (float[]) maps.getStack().getPixels(maps.getStackIndex(4 + q, i + 1, 1));
				float[] want = MapChannels.map(expected, i, q);
				for (int p = 0; p < plane.length; p++) assertEquals(want[p], plane[p], 1e-6 * scale, "slice " + (i + 1) + " concept " + (q + 1));
			}
			List<Roi> rois = RoiZip.read(holistic.resolve("concept-maps-RoiSet.zip"));
			assertTrue(rois.size() >= n, "ROIs of the concepts' top fractions: " + rois.size());
			assertEquals(rois.size(), maps.getOverlay().size(), "the ROIs also travel as the TIFF's overlay");

			HolisticConcepts.Summary s = HolisticConcepts.summarize(model, bank, x, HolisticConcepts.predictedAs(model, x, bank.classIndex));
			List<List<String>> csv = Csv.parse(Files.readString(holistic.resolve("holistic.csv")));
			assertEquals(List.of("concept", "importance", "prevalence", "reliability", "local_importance"), csv.get(0));
			double prevalence = 0;
			for (int q = 0; q < k; q++) {
				List<String> row = csv.get(q + 1);
				assertEquals(bank.importance[q], Double.parseDouble(row.get(1)), 1e-5 * Math.max(1, Math.abs(bank.importance[q])));
				assertEquals(s.prevalence()[q], Double.parseDouble(row.get(2)), 1e-5);
				assertEquals(s.reliability()[q], Double.parseDouble(row.get(3)), 1e-5);
				prevalence += Double.parseDouble(row.get(2));
			}
			assertEquals(1, prevalence, 1e-4, "every slice has one dominant concept");
			ImagePlus importance = IJ.openImage(holistic.resolve("concept-importance-maps.tif").toString());
			assertEquals(3 + k, importance.getNChannels());
		}
	}

	@Test
	void perClassRunsOneCraftPerPredictedClassWithReliabilityFromTheLabels() throws IOException {
		assertFalse(logs.get("per class").contains("Error"), logs.get("per class"));
		try (TensorFlowClassifier model = TensorFlowClassifier.load(model())) {
			List<String> classes = model.classNames();
			List<List<Integer>> predictedAs = new ArrayList<>();
			for (int c = 0; c < classes.size(); c++) predictedAs.add(new ArrayList<>());
			List<FloatTensor> inputs = new ArrayList<>();
			List<Integer> labels = new ArrayList<>();
			for (Map.Entry<Path, Integer> e : labelled.entrySet()) {
				FloatTensor x = Models.input(IJ.openImage(e.getKey().toString()), model).tensor();
				predictedAs.get(model.logits(x).argmaxRows()[0]).add(inputs.size());
				inputs.add(x);
				labels.add(e.getValue());
			}
			List<List<String>> summary = Csv.parse(Files.readString(perClass.resolve("classes.csv")));
			assertEquals(List.of("class", "images", "concepts", "most_important_concept", "reconstruction_error", "clipped_fraction", "note"),
				summary.get(0));
			assertEquals(1 + 3, summary.size(), "every class of the labels");
			int found = 0;
			for (int c = 0; c < classes.size(); c++) {
				List<String> row = summary.get(1 + c);
				assertEquals(classes.get(c), row.get(0));
				List<Integer> idx = predictedAs.get(c);
				assertEquals(Integer.toString(idx.size()), row.get(1), "images predicted as " + classes.get(c));
				if (idx.isEmpty()) continue;
				found++;
				Path dir = perClass.resolve(classes.get(c));
				ConceptBank bank = ConceptBank.load(dir.resolve("concepts.json"));
				assertEquals(c, bank.classIndex);
				assertEquals(3, bank.size());
				FloatTensor x = FloatTensor.concat(idx.stream().map(inputs::get).toList());
				double[] correct = idx.stream().mapToDouble(i -> labels.get(i) == bank.classIndex ? 1 : 0).toArray();
				HolisticConcepts.Summary s = HolisticConcepts.summarize(model, bank, x, correct);
				List<List<String>> csv = Csv.parse(Files.readString(dir.resolve("holistic.csv")));
				for (int q = 0; q < 3; q++) {
					assertEquals(s.prevalence()[q], Double.parseDouble(csv.get(q + 1).get(2)), 1e-5, classes.get(c) + " concept " + (q + 1));
					assertEquals(s.reliability()[q], Double.parseDouble(csv.get(q + 1).get(3)), 1e-5, classes.get(c) + " concept " + (q + 1));
				}
				ImagePlus maps = IJ.openImage(dir.resolve("concept-maps.tif").toString());
				assertEquals(idx.size(), maps.getNSlices(), "one slice per image of the class");
				// the atlas names each crop's image by its path in the folder ("hematoxylin/a.tif slice 1", once), as a ROI name
				// writes it (RoiWriter.part: "hematoxylin-a.tif slice 1")
				java.util.Set<String> names = new java.util.HashSet<>();
				for (Path file : labelled.keySet()) {
					names.add(org.conceptscope.fiji.write.RoiWriter.part(file.getParent().getFileName() + "/" + file.getFileName() + " slice 1"));
				}
				for (ij.gui.Roi roi : IJ.openImage(dir.resolve("atlas.tif").toString()).getOverlay().toArray()) {
					String where = roi.getName().split(org.conceptscope.fiji.write.RoiWriter.SEPARATOR)[2];
					assertTrue(names.contains(where), roi.getName());
				}
			}
			assertTrue(found >= 2, "the labelled patches are predicted as at least two classes");
		}
		String refused = logs.get("per class without folder");
		assertTrue(refused.contains("per_class=true explains a data set: set folder="), refused);
		assertFalse(refused.contains("still running"), "the macro is aborted");
		assertFalse(Files.exists(work.resolve("nothing")), "nothing written");
	}

	private Path stack() {
		return testImages.resolve("images").resolve("ihc-heldout-patches.tif");
	}

	private Path model() {
		return testImages.resolve("models").resolve("ihc-stain");
	}
}
