package org.conceptscope.fiji;

import org.conceptscope.fiji.image.ImagePlusTensors;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;
import ij.gui.Overlay;
import ij.gui.Roi;
import ij.process.ImageProcessor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.conceptscope.concepts.ConceptBank;
import org.conceptscope.fiji.MacroRunner.Macro;
import org.conceptscope.model.LayerInfo;
import org.conceptscope.model.TensorFlowClassifier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * concept_discovery.ijm then concept_localization.ijm (on the bank the first one saved), and
 * evaluate_explanation.ijm, run end to end through ImageJ 1.x's macro interpreter, headless, in one
 * child JVM ({@link MacroRunner}), on the bundled IHC stack; the tests read back every file they wrote.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConceptMacrosTest {

	@TempDir
	static Path work;

	private final Path testImages = TestFiles.testImages(), macros = TestFiles.macros();
	private Map<String, String> logs;
	private Path discovery, localization;

	@BeforeAll
	void runMacrosInImageJ() throws Exception {
		discovery = work.resolve("discovery");
		localization = work.resolve("localization");
		Map<String, Macro> runs = new LinkedHashMap<>();
		runs.put("discovery", new Macro(macro("concept_discovery.ijm"), "image=[" + stack() + "] model=[" + model()
			+ "] save_dir=[" + discovery + "]"));
		runs.put("localization", new Macro(macro("concept_localization.ijm"), "image=[" + stack() + "] model=[" + model()
			+ "] concepts=[" + discovery.resolve("concepts.json") + "] save_dir=[" + localization + "]"));
		runs.put("importance", new Macro(macro("concept_importance.ijm"), "image=[" + stack() + "] model=[" + model()
			+ "] concepts=[" + discovery.resolve("concepts.json") + "] save_dir=[" + work.resolve("importance") + "]"));
		String open = "setBatchMode(true); open('" + stack() + "');\n";
		// a rerun into the localization's folder (other settings, same names): refused before any work, its files kept (snapshot first)
		String localize = open + "run('Concept Localization...', 'model=[" + model() + "] concepts=[" + discovery.resolve("concepts.json")
			+ "] top_fraction=%s save_dir=[%s]%s');\n";
		runs.put("localization again", new Macro("File.copy('" + localization.resolve("ihc-heldout-patches-concepts.tif") + "', '" + work.resolve("first-concepts.tif")
			+ "');\nFile.copy('" + localization.resolve("ihc-heldout-patches-concepts-RoiSet.zip") + "', '" + work.resolve("first-concepts-RoiSet.zip") + "');\n"
			+ String.format(localize, "0.3", localization, "") + "print('still running');\n", ""));
		runs.put("localization replaced", new Macro(String.format(localize, "0.1", work.resolve("localization-replaced"), "") + "close('*');\n"
			+ String.format(localize, "0.3", work.resolve("localization-replaced"), " overwrite") + "close('*');\n", ""));
		// update_bank into the bank's own folder updates the bank it reads (no earlier output); a rerun is refused (its table
		// is there), with overwrite it replaces them
		Path bankFolder = Files.createDirectories(work.resolve("bank"));
		String update = open + "run('Concept Importance...', 'model=[" + model() + "] concepts=[" + bankFolder.resolve("concepts.json")
			+ "] estimator=gradient update_bank=true save_dir=[" + bankFolder + "]%s');\n";
		runs.put("update bank", new Macro("File.copy('" + discovery.resolve("concepts.json") + "', '" + bankFolder.resolve("concepts.json") + "');\n"
			+ String.format(update, "") + "print('still running');\n", ""));
		runs.put("update bank again", new Macro("File.copy('" + bankFolder.resolve("concepts.json") + "', '" + work.resolve("bank-updated.json")
			+ "');\n" + String.format(update, "") + "print('still running');\n", ""));
		runs.put("update bank overwrite", new Macro("File.copy('" + bankFolder.resolve("concepts.json") + "', '" + work.resolve("bank-refused.json")
			+ "');\n" + String.format(update, " overwrite"), ""));
		runs.put("bad estimator", new Macro(open + "run('Concept Importance...', 'model=[" + model() + "] concepts=["
			+ discovery.resolve("concepts.json") + "] estimator=shapley save_dir=[" + work.resolve("bad-estimator") + "]');\n", ""));
		Files.writeString(work.resolve("not-a-bank.json"), "{\"format\": \"something else\"}");
		runs.put("bad bank", new Macro(open + "run('Concept Localization...', 'model=[" + model() + "] concepts=["
			+ work.resolve("not-a-bank.json") + "] save_dir=[" + work.resolve("bad-bank") + "]');\nprint('still running');\n", ""));
		runs.put("evaluate", new Macro(macro("evaluate_explanation.ijm"), "image=[" + stack() + "] model=[" + model()
			+ "] save_dir=[" + work.resolve("evaluation") + "]"));
		runs.put("bad metric", new Macro(open + "run('Evaluate Explanation...', 'model=[" + model() + "] metric=accuracy');\n", ""));
		runs.put("no save_dir", new Macro(open + "run('Concept Discovery...', 'model=[" + model() + "] concepts=4');\n", ""));
		logs = MacroRunner.run(runs, work);
	}

	@Test
	void discoveryWritesABankOfFourConceptsAtTheLayersChannelCount() throws IOException {
		assertFalse(logs.get("discovery").contains("Error"), logs.get("discovery"));
		assertEquals(List.of("atlas.tif", "concepts.json", "importance.csv", "importance.png"), TestFiles.names(discovery));
		ConceptBank bank = ConceptBank.load(discovery.resolve("concepts.json"));
		assertEquals(4, bank.size());
		assertEquals("conv2/relu", bank.layer);
		assertEquals("DAB-positive", bank.className);
		assertEquals(2, bank.classIndex);
		assertEquals(16, bank.patch);
		try (TensorFlowClassifier model = TensorFlowClassifier.load(model())) {
			LayerInfo layer = model.layers().stream().filter(l -> l.name().equals("conv2/relu")).findFirst().orElseThrow();
			assertEquals(layer.shape()[layer.shape().length - 1], bank.channels(), "one value per channel of conv2/relu");
		}
		assertEquals(4, bank.importance.length, "importance filled in the saved bank");
		double sum = 0;
		for (double v : bank.importance) {
			assertTrue(Double.isFinite(v) && v >= -1e-9, "Sobol total indices are finite and not negative: " + v);
			sum += v;
		}
		assertTrue(sum > 0, "the concepts matter to the class logit: " + sum);
		assertEquals(4, bank.examples.size());
		for (List<ConceptBank.Example> ex : bank.examples) {
			assertEquals(6, ex.size(), "examples=6 per concept");
			for (ConceptBank.Example e : ex) {
				assertTrue(e.image() >= 0 && e.image() < 12 && e.x() + e.size() <= 32 && e.y() + e.size() <= 32, e.toString());
			}
		}

		List<List<String>> csv = Csv.parse(Files.readString(discovery.resolve("importance.csv")));
		assertEquals(List.of("concept", "importance", "examples", "top_coefficient"), csv.get(0));
		assertEquals(1 + 4, csv.size());
		double csvSum = 0;
		for (int c = 1; c <= 4; c++) {
			assertEquals(Integer.toString(c), csv.get(c).get(0));
			double v = Double.parseDouble(csv.get(c).get(1));
			assertEquals(bank.importance[c - 1], v, 1e-5 * Math.max(1, Math.abs(v)), "the CSV and the bank agree");
			csvSum += v;
		}
		assertTrue(csvSum > 0);
		ImagePlus plot = IJ.openImage(discovery.resolve("importance.png").toString());
		assertTrue(plot != null && plot.getWidth() > 100, "the importance plot is a readable PNG");
	}

	@Test
	void theAtlasHasOnePanelPerExampleCutFromTheInputStack() throws IOException {
		ConceptBank bank = ConceptBank.load(discovery.resolve("concepts.json"));
		ImagePlus atlas = IJ.openImage(discovery.resolve("atlas.tif").toString());
		Overlay overlay = atlas.getOverlay();
		assertTrue(overlay != null, "panels are outlined in the overlay");
		assertEquals(4 * 6, overlay.size(), "one panel per example");
		ImagePlus stack = IJ.openImage(stack().toString());
		Pattern name = Pattern.compile("concept (\\d); example (\\d); ihc-heldout-patches\\.tif slice (\\d+); x=(\\d+),y=(\\d+)");
		for (int i = 0; i < overlay.size(); i++) {
			Roi panel = overlay.get(i);
			Matcher m = name.matcher(panel.getName());
			assertTrue(m.matches(), panel.getName());
			int c = Integer.parseInt(m.group(1)), j = Integer.parseInt(m.group(2));
			ConceptBank.Example e = bank.examples.get(c - 1).get(j - 1);
			assertEquals(e.image() + 1, Integer.parseInt(m.group(3)));
			assertEquals(e.x(), Integer.parseInt(m.group(4)));
			// The panel shows the crop, enlarged by pixel replication.
			ImageProcessor source = stack.getStack().getProcessor(e.image() + 1);
			source.setRoi(e.x(), e.y(), e.size(), e.size());
			ImageProcessor crop = source.crop();
			crop.setInterpolationMethod(ImageProcessor.NONE);
			int size = panel.getBounds().width;
			ImageProcessor expected = crop.resize(size, size);
			ImageProcessor atlasPixels = atlas.getProcessor();
			atlasPixels.setRoi(panel.getBounds());
			assertArrayEquals((int[]) expected.getPixels(), (int[]) atlasPixels.crop().getPixels(), panel.getName());
		}
		String info = (String) atlas.getProperty("Info");
		assertTrue(info.contains("concept 1  importance ") && info.contains("layer=conv2/relu"), info);
	}

	@Test
	void localizationAddsOneChannelPerConceptAndNamedRois() throws IOException {
		assertFalse(logs.get("localization").contains("Error"), logs.get("localization"));
		String base = "ihc-heldout-patches-concepts";
		assertEquals(List.of("ihc-heldout-patches-concept-labels.tif", base + "-RoiSet.zip", base + "-results.csv", base + ".tif"),
			TestFiles.names(localization));
		ImagePlus original = IJ.openImage(stack().toString());
		ImagePlus maps = IJ.openImage(localization.resolve(base + ".tif").toString());
		assertEquals(3 + 4, maps.getNChannels(), "R, G, B + one channel per concept");
		assertEquals(12, maps.getNSlices());
		for (int z = 1; z <= 12; z++) {
			for (int c = 0; c < 3; c++) {
				assertArrayEquals(ImagePlusTensors.plane(original, c, z - 1), (float[]) maps.getStack().getPixels(maps.getStackIndex(c + 1, z, 1)),
					"slice " + z + " channel " + (c + 1) + " keeps the image's values");
			}
		}
		double total = 0;
		for (int z = 1; z <= 12; z++) for (int q = 4; q <= 7; q++) {
			for (float v : (float[]) maps.getStack().getPixels(maps.getStackIndex(q, z, 1))) {
				assertTrue(Float.isFinite(v) && v >= -1e-6f, "NNLS coefficients are not negative: " + v);
				total += v;
			}
		}
		assertTrue(total > 0, "the concepts are found somewhere");

		List<Roi> rois = RoiZip.read(localization.resolve(base + "-RoiSet.zip"));
		assertTrue(rois.size() >= 12 && rois.size() <= 48, rois.size() + " ROIs");
		boolean[] sliceHasRoi = new boolean[13];
		Pattern name = Pattern.compile("concept ([1-4]); DAB-positive; slice=(\\d+)");
		for (Roi roi : rois) {
			Matcher m = name.matcher(roi.getName());
			assertTrue(m.matches(), roi.getName());
			assertEquals(Integer.parseInt(m.group(2)), roi.getZPosition());
			assertEquals(3 + Integer.parseInt(m.group(1)), roi.getCPosition(), "R, G, B, then concept k: " + roi.getName());
			assertEquals(m.group(1), roi.getProperty("concept"));
			sliceHasRoi[roi.getZPosition()] = true;
		}
		for (int z = 1; z <= 12; z++) assertTrue(sliceHasRoi[z], "slice " + z + " has concept ROIs");
		assertEquals(rois.size(), maps.getOverlay().size(), "the ROIs also travel as the TIFF's overlay");

		List<List<String>> csv = Csv.parse(Files.readString(localization.resolve(base + "-results.csv")));
		assertEquals(List.of("slice", "frame", "label", "predicted", "concept_1_mean", "concept_1_max", "concept_2_mean",
			"concept_2_max", "concept_3_mean", "concept_3_max", "concept_4_mean", "concept_4_max"), csv.get(0));
		assertEquals(1 + 12, csv.size());
		for (int z = 1; z <= 12; z++) {
			List<String> row = csv.get(z);
			assertEquals(Integer.toString(z), row.get(0));
			for (int q = 0; q < 4; q++) {
				double mean = Double.parseDouble(row.get(4 + 2 * q)), max = Double.parseDouble(row.get(5 + 2 * q));
				assertTrue(mean >= 0 && max >= mean, row.toString());
			}
		}
	}

	@Test
	void importanceBySobolReproducesDiscoveryAndEachEstimatorRanksTheFourConcepts() throws IOException {
		Path out = work.resolve("importance");
		String log = logs.get("importance");
		assertFalse(log.contains("Error"), log);
		assertEquals(List.of("concepts-importance-deletion.csv", "concepts-importance-deletion.png", "concepts-importance-gradient.csv",
			"concepts-importance-gradient.png", "concepts-importance-sobol.csv", "concepts-importance-sobol.png", "concepts.json"),
			TestFiles.names(out));
		ConceptBank discovered = ConceptBank.load(discovery.resolve("concepts.json"));
		Map<String, double[]> byEstimator = new LinkedHashMap<>();
		for (String estimator : List.of("sobol", "gradient", "deletion")) {
			List<List<String>> csv = Csv.parse(Files.readString(out.resolve("concepts-importance-" + estimator + ".csv")));
			assertEquals(List.of("concept", "estimator", "importance", "rank", "bank_importance"), csv.get(0));
			assertEquals(1 + 4, csv.size(), "one row per concept");
			double[] v = new double[4];
			boolean[] ranks = new boolean[5];
			for (int c = 1; c <= 4; c++) {
				List<String> row = csv.get(c);
				assertEquals(Integer.toString(c), row.get(0));
				assertEquals(estimator, row.get(1));
				v[c - 1] = Double.parseDouble(row.get(2));
				assertTrue(Double.isFinite(v[c - 1]), row.toString());
				ranks[Integer.parseInt(row.get(3))] = true;
				assertEquals(discovered.importance[c - 1], Double.parseDouble(row.get(4)), 1e-5 * Math.abs(discovered.importance[c - 1]) + 1e-9,
					"bank_importance is what Concept Discovery stored");
			}
			for (int c = 1; c <= 4; c++) {
				int rank = Integer.parseInt(csv.get(c).get(3));
				int larger = 0;
				for (double w : v) if (w > v[c - 1]) larger++;
				assertEquals(larger + 1, rank, estimator + " rank of concept " + c);
			}
			byEstimator.put(estimator, v);
			ImagePlus plot = IJ.openImage(out.resolve("concepts-importance-" + estimator + ".png").toString());
			assertTrue(plot != null && plot.getWidth() > 100, "the bar plot is a readable PNG");
			assertTrue(log.contains("ConceptScope concept importance (" + estimator + "): 1="), log);
		}
		// Same images, designs and seed as the discovery: the same Sobol indices.
		assertArrayEquals(discovered.importance, byEstimator.get("sobol"), 1e-4, "Sobol importance reproduces Concept Discovery's");
		double maxDrop = Double.NEGATIVE_INFINITY;
		for (double d : byEstimator.get("deletion")) maxDrop = Math.max(maxDrop, d);
		assertTrue(maxDrop > 0, "removing the most important concept lowers the class logit: " + maxDrop);

		ConceptBank updated = ConceptBank.load(out.resolve("concepts.json"));
		assertEquals("sobol", updated.importanceEstimator);
		assertArrayEquals(byEstimator.get("sobol"), updated.importance, 1e-5, "update_bank stores the new importances");
		for (int c = 0; c < 4; c++) assertArrayEquals(discovered.concepts[c], updated.concepts[c], "the concepts themselves are unchanged");
		assertEquals(discovered.examples, updated.examples);

		String bad = logs.get("bad estimator");
		assertTrue(bad.contains("Unknown estimator 'shapley': use sobol (total-order Sobol indices), gradient (gradient x coefficient,"
			+ " one pass) or deletion (logit drop when a concept is removed)."), bad);
		assertFalse(Files.exists(work.resolve("bad-estimator")));
	}

	@Test
	void aFileThatIsNotABankAndAMissingSaveFolderAreReported() {
		String bad = logs.get("bad bank");
		assertTrue(bad.contains("is not a ConceptScope concept bank") && bad.contains("concepts=[concepts.json written by Concept Discovery]"), bad);
		assertFalse(bad.contains("still running"), "the macro is aborted");
		assertFalse(Files.exists(work.resolve("bad-bank")));
		String noSave = logs.get("no save_dir");
		assertTrue(noSave.contains("Headless, the command needs save_dir=[folder]"), noSave);
	}

	@Test
	void deletionOfSaliencyGivesOneAucPerSliceAndTheirMean() throws IOException {
		Path out = work.resolve("evaluation");
		assertFalse(logs.get("evaluate").contains("Error"), logs.get("evaluate"));
		String base = "ihc-heldout-patches-saliency-deletion";
		assertEquals(List.of(base + "-curve.png", base + ".csv"), TestFiles.names(out));
		List<List<String>> csv = Csv.parse(Files.readString(out.resolve(base + ".csv")));
		assertEquals(List.of("slice", "frame", "label", "target", "method", "metric", "value"), csv.get(0));
		assertEquals(1 + 12 + 1, csv.size(), "header, one row per slice, the mean");
		double sum = 0, min = 1, max = 0;
		for (int z = 1; z <= 12; z++) {
			List<String> row = csv.get(z);
			assertEquals(Integer.toString(z), row.get(0));
			assertEquals("saliency", row.get(4));
			double v = Double.parseDouble(row.get(6));
			assertTrue(v >= 0 && v <= 1, "a deletion AUC of probabilities lies in [0, 1]: " + row);
			sum += v;
			min = Math.min(min, v);
			max = Math.max(max, v);
		}
		assertTrue(max > min, "the slices differ: " + min + " .. " + max);
		List<String> mean = csv.get(13);
		assertEquals("mean", mean.get(0));
		assertEquals(sum / 12, Double.parseDouble(mean.get(6)), 1e-5);
		assertTrue(logs.get("evaluate").contains("ConceptScope saliency deletion: mean "), logs.get("evaluate"));
		ImagePlus curve = IJ.openImage(out.resolve(base + "-curve.png").toString());
		assertTrue(curve != null && curve.getWidth() > 100, "the mean curve is a readable PNG");
		String bad = logs.get("bad metric");
		assertTrue(bad.contains("Unknown metric 'accuracy': use one of deletion, insertion, mufidelity, average_drop, increase_in_confidence, complexity, sparseness, stability, random_logit, sanity, mege_reco."), bad);
	}

	private String macro(String name) throws IOException {
		return Files.readString(macros.resolve(name));
	}

	private Path stack() {
		return testImages.resolve("images").resolve("ihc-heldout-patches.tif");
	}

	private Path model() {
		return testImages.resolve("models").resolve("ihc-stain");
	}

	/**
	 * Concept Localization into the folder of an earlier run is refused before any work, in one sentence naming the file,
	 * and the earlier files keep their bytes; with overwrite it replaces them. Concept Importance's update_bank into the
	 * bank's own folder updates the bank without overwrite (the bank it reads is no earlier output); a rerun is refused.
	 */
	@Test
	void aConceptRerunIntoTheSameFolderIsRefusedUnlessOverwrite() throws IOException {
		String log = logs.get("localization again");
		assertTrue(log.contains(localization.resolve("ihc-heldout-patches-concepts.tif") + " already exists (an earlier run's output): choose another"
			+ " save_dir, or tick 'Overwrite files in save_dir' (overwrite=true) to replace it; nothing was changed."), log);
		assertFalse(log.contains("still running"), log);
		assertTrue(java.util.Arrays.equals(Files.readAllBytes(work.resolve("first-concepts.tif")), Files.readAllBytes(localization.resolve("ihc-heldout-patches-concepts.tif"))),
			"the first run's maps keep their bytes");
		assertTrue(java.util.Arrays.equals(Files.readAllBytes(work.resolve("first-concepts-RoiSet.zip")),
			Files.readAllBytes(localization.resolve("ihc-heldout-patches-concepts-RoiSet.zip"))), "the first run's ROIs keep their bytes");

		assertFalse(logs.get("localization replaced").contains("Error"), logs.get("localization replaced"));
		Path replaced = work.resolve("localization-replaced");
		assertEquals(TestFiles.names(localization), TestFiles.names(replaced), "the same files, no half-written one left");
		String info = (String) IJ.openImage(replaced.resolve("ihc-heldout-patches-concepts.tif").toString()).getProperty("Info");
		assertTrue(info.contains("top_fraction=0.3"), "overwrite: the second run's maps replaced the first's: " + info);

		String update = logs.get("update bank");
		Path bank = work.resolve("bank").resolve("concepts.json");
		assertTrue(update.contains("still running") && !update.contains("already exists"), "the bank it reads is no earlier output:\n" + update);
		String again = logs.get("update bank again");
		assertTrue(again.contains(work.resolve("bank").resolve("concepts-importance-gradient.csv") + " already exists (an earlier run's output)"), again);
		assertFalse(again.contains("still running"), again);
		assertEquals(Files.readString(work.resolve("bank-updated.json")), Files.readString(work.resolve("bank-refused.json")),
			"the bank is unchanged after the refused rerun");
		assertEquals(List.of("concepts-importance-gradient.csv", "concepts-importance-gradient.png", "concepts.json"),
			TestFiles.names(work.resolve("bank")), "the refused rerun wrote nothing");
		assertFalse(logs.get("update bank overwrite").contains("Error"), logs.get("update bank overwrite"));
		assertEquals("gradient", ConceptBank.load(bank).importanceEstimator, "overwrite: the bank holds the new importances");
	}
}
