package org.conceptscope.fiji;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;
import ij.gui.Roi;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.conceptscope.concepts.ConceptAttributionMaps;
import org.conceptscope.concepts.ConceptBank;
import org.conceptscope.fiji.MacroRunner.Macro;
import org.conceptscope.fiji.run.Models;
import org.conceptscope.fiji.write.MapChannels;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Concept attribution maps of any image (Fel et al. 2023, holistic concepts) from Concept Localization's
 * {@code concept_maps} key, run as users run it: Concept Discovery on the IHC held-out patches, then
 * run("Concept Localization...", "... concept_maps=...") in ImageJ 1.x's macro interpreter, headless, on
 * the patch stack (the model's size), on a 96x96 crop of scikit-image's ihc.png (tiled) and on its
 * 32x32 corner. Known answers: the stack's concept channels are ConceptAttributionMaps computed here
 * on the same slices; the table's coefficient means are the concept scores s_k; where one tile alone
 * covers the crop (its corner) the crop's map is the corner window's own map; a wrong value gets one
 * sentence.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConceptAttributionLocalizationTest {

	@TempDir
	static Path work;

	private final Path patches = TestFiles.testImages().resolve("images/ihc-heldout-patches.tif");
	private final Path ihc = TestFiles.testImages().resolve("images/ihc.png");
	private final Path model = TestFiles.testImages().resolve("models/ihc-stain");
	private Map<String, String> logs;
	private ConceptBank bank;

	@BeforeAll
	void runTheMacros() throws Exception {
		Path concepts = work.resolve("discovery/concepts.json");
		String localize = "run('Concept Localization...', 'model=[" + model + "] concepts=[" + concepts + "]";
		Map<String, Macro> runs = new LinkedHashMap<>();
		runs.put("discovery", new Macro("setBatchMode(true);\nopen('" + patches + "');\nrun('Concept Discovery...', 'model=[" + model
			+ "] concepts=3 designs=4 examples=2 save_dir=[" + work.resolve("discovery") + "]');\n", ""));
		runs.put("localize", new Macro("setBatchMode(true);\nopen('" + patches + "');\n" + localize + " concept_maps=gradient_x_input save_dir=["
			+ work.resolve("stack") + "]');\n"
			+ "open('" + ihc + "');\nmakeRectangle(0, 0, 96, 96);\nrun('Duplicate...', 'title=crop');\nid = getImageID();\n"
			+ localize + " concept_maps=saliency output=image save_dir=[" + work.resolve("crop") + "]');\n"
			+ "selectImage(id);\nmakeRectangle(0, 0, 32, 32);\nrun('Duplicate...', 'title=corner');\n"
			+ localize + " concept_maps=saliency output=image save_dir=[" + work.resolve("corner") + "]');\n", ""));
		runs.put("bad", new Macro("setBatchMode(true);\nopen('" + patches + "');\n" + localize + " concept_maps=gradient save_dir=["
			+ work.resolve("bad") + "]');\n", ""));
		logs = MacroRunner.run(runs, work);
		bank = ConceptBank.load(concepts);
	}

	@Test
	void theStacksConceptChannelsAreTheConceptAttributionMapsOfItsSlices() throws Exception {
		assertFalse(logs.get("localize").contains("Error"), logs.get("localize"));
		ImagePlus imp = IJ.openImage(patches.toString());
		ImagePlus maps = IJ.openImage(work.resolve("stack/ihc-heldout-patches-concepts.tif").toString());
		int k = bank.size();
		try (TensorFlowClassifier m = TensorFlowClassifier.load(model)) {
			FloatTensor x = Models.input(imp, m).tensor();
			int n = (int) x.dim(0);
			FloatTensor expected = ConceptAttributionMaps.maps(m, bank, x, ConceptAttributionMaps.Rule.GRADIENT_X_INPUT, Progress.NONE);
			assertEquals(3 + k, maps.getNChannels(), "R, G, B, then one channel per concept");
			assertEquals(n, maps.getNSlices());
			double scale = 0;
			boolean negative = false;
			for (float v : expected.data()) {
				scale = Math.max(scale, Math.abs(v));
				negative |= v < 0;
			}
			assertTrue(scale > 0 && negative, "signed gradient x input maps, not coefficients");
			for (int i = 0; i < n; i++) for (int q = 0; q < k; q++) {
				float[] plane = (float[]) maps.getStack().getPixels(maps.getStackIndex(4 + q, i + 1, 1));
				float[] want = MapChannels.map(expected, i, q);
				for (int p = 0; p < plane.length; p++) assertEquals(want[p], plane[p], 1e-6 * scale, "slice " + (i + 1) + " concept " + (q + 1));
			}
			List<Roi> rois = RoiZip.read(work.resolve("stack/ihc-heldout-patches-concepts-RoiSet.zip"));
			assertTrue(rois.size() >= n, "a ROI per slice and concept present: " + rois.size());
			assertEquals(rois.size(), maps.getOverlay().size(), "the ROIs also travel as the TIFF's overlay");
			// the table keeps the coefficients: their mean over the layer's positions is each concept's score s_k
			double[][] scores = ConceptAttributionMaps.scores(m, bank, x);
			List<List<String>> csv = Csv.parse(Files.readString(work.resolve("stack/ihc-heldout-patches-concepts-results.csv")));
			assertEquals(n + 1, csv.size());
			for (int i = 0; i < n; i++) for (int q = 0; q < k; q++) {
				int col = csv.get(0).indexOf("concept_" + (q + 1) + "_mean");
				assertEquals(scores[i][q], Double.parseDouble(csv.get(i + 1).get(col)), 1e-5 * Math.max(1, Math.abs(scores[i][q])));
			}
			assertTrue(String.valueOf(maps.getProperty("Info")).contains("concept_maps=gradient_x_input"), "recorded in the options");
		}
	}

	@Test
	void aLargerImageIsExplainedTileByTileAndItsCornerIsTheCornerWindowsOwnMap() throws Exception {
		ImagePlus crop = IJ.openImage(work.resolve("crop/crop-concepts-map.tif").toString());
		ImagePlus corner = IJ.openImage(work.resolve("corner/corner-concepts-map.tif").toString());
		int k = bank.size();
		assertEquals(k, crop.getNChannels());
		assertEquals(96, crop.getWidth());
		assertEquals(32, corner.getWidth());
		for (int q = 1; q <= k; q++) {
			float[] whole = (float[]) crop.getStack().getPixels(crop.getStackIndex(q, 1, 1));
			float[] own = (float[]) corner.getStack().getPixels(corner.getStackIndex(q, 1, 1));
			double max = 0;
			for (float v : whole) {
				assertTrue(v >= 0 && Float.isFinite(v), "saliency is a largest absolute gradient: " + v);
				max = Math.max(max, v);
			}
			assertTrue(max > 0, "concept " + q + " has a gradient somewhere");
			for (int y = 0; y < 16; y++) {
				for (int x = 0; x < 16; x++) {
					float want = own[y * 32 + x];
					assertEquals(want, whole[y * 96 + x], 1e-5 * Math.max(1e-3, Math.abs(want)), "concept " + q + " at (" + x + ", " + y + ")");
				}
			}
		}
	}

	@Test
	void anUnknownKindGetsOneSentence() {
		String log = logs.get("bad");
		assertTrue(log.contains("Unknown concept_maps 'gradient': use concept_maps=coefficients"), log);
		assertFalse(Files.exists(work.resolve("bad")), "nothing written");
	}
}
