package org.conceptscope.fiji;

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

import org.conceptscope.fiji.MacroRunner.Macro;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * attribution_eva.ijm (EVA with CROWN and with interval bounds) on the bundled CT stack and
 * evaluate_mege_reco.ijm (twice, same seed) on a folder of real labelled IHC patches, end to end
 * through ImageJ 1.x's macro interpreter, headless, in one child JVM ({@link MacroRunner}); the
 * tests read back every file. Also the messages for a folder whose subfolder is not a class, a
 * mege_reco run without a folder and unknown bounds.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VerificationMacrosTest {

	@TempDir
	static Path work;

	private final Path testImages = TestFiles.testImages(), macros = TestFiles.macros();
	private Map<String, String> logs;
	private Path labelled;

	@BeforeAll
	void runMacrosInImageJ() throws Exception {
		labelled = org.conceptscope.testmodels.LabelledPatchFolders.ihc(work.resolve("ihc-labelled"), 16);
		Path wrong = Files.createDirectories(work.resolve("wrong-labels"));
		org.conceptscope.testmodels.LabelledPatchFolders.ihc(wrong, 4);
		Files.move(wrong.resolve("hematoxylin"), wrong.resolve("mitochondria"));

		Map<String, Macro> runs = new LinkedHashMap<>();
		String ct = "image=[" + testImages.resolve("images/ct-heldout-patches.tif") + "] model=[" + model("ct-tissue") + "]";
		runs.put("eva crown", new Macro(macro("attribution_eva.ijm"), ct + " save_dir=[" + work.resolve("eva-crown") + "] bounds=crown"));
		runs.put("eva interval", new Macro(macro("attribution_eva.ijm"), ct + " save_dir=[" + work.resolve("eva-interval")
			+ "] bounds=interval"));
		String mege = "folder=[" + labelled + "] model=[" + model("ihc-stain") + "] training_steps=100";
		runs.put("mege", new Macro(macro("evaluate_mege_reco.ijm"), mege + " save_dir=[" + work.resolve("mege-1") + "]"));
		runs.put("mege again", new Macro(macro("evaluate_mege_reco.ijm"), mege + " save_dir=[" + work.resolve("mege-2") + "]"));
		runs.put("not a class", new Macro("run('Evaluate Explanation...', 'model=[" + model("ihc-stain") + "] metric=mege_reco folder=["
			+ wrong + "] save_dir=[" + work.resolve("not-written") + "]');\nprint('still running');\n", ""));
		runs.put("no folder", new Macro("run('Evaluate Explanation...', 'model=[" + model("ihc-stain") + "] metric=mege_reco');\n", ""));
		runs.put("bad bounds", new Macro("setBatchMode(true); open('" + testImages.resolve("images/ct-heldout-patches.tif")
			+ "');\nrun('Attribution...', 'model=[" + model("ct-tissue") + "] method=eva bounds=zonotope');\n", ""));
		logs = MacroRunner.run(runs, work);
	}

	@Test
	void evaWritesMapsRoisAndVerifiedBoundsOrderedAroundTheMargin() throws IOException {
		String base = "ct-heldout-patches-eva";
		for (String run : List.of("eva crown", "eva interval")) {
			assertFalse(logs.get(run).contains("Error"), logs.get(run));
			// said before the wait: the whole ball and each of the 8 x 8 cells, per slice
			assertTrue(logs.get(run).contains("ConceptScope Attribution: 12 images, 65 bound computations each (EVA: the whole ball and one per"
				+ " cell of the 8 x 8 grid): 780 bound computations through the model."), logs.get(run));
			Path out = work.resolve(run.replace(' ', '-'));
			assertEquals(List.of(base + "-RoiSet.zip", base + "-results.csv", base + ".tif"), TestFiles.names(out));
			ImagePlus heat = IJ.openImage(out.resolve(base + ".tif").toString());
			assertEquals(1 + 1, heat.getNChannels(), "CT values + the EVA map");
			assertEquals(12, heat.getNSlices());
			double total = 0;
			for (int z = 1; z <= 12; z++) {
				float[] map = (float[]) heat.getStack().getPixels(heat.getStackIndex(2, z, 1));
				for (int y = 0; y < 16; y++) for (int x = 0; x < 16; x++) {
					float v = map[y * 16 + x];
					assertTrue(v >= 0, "fixing a cell never lowers the verified bound: " + v);
					assertEquals(map[(y / 2 * 2) * 16 + x / 2 * 2], v, 0, "one value per cell of the 8 x 8 grid (2 x 2 pixels)");
					total += v;
				}
			}
			assertTrue(total > 0, run + ": some cells matter");
			assertTrue(((String) heat.getProperty("Info")).contains("method=eva") && ((String) heat.getProperty("Info"))
				.contains("bounds=" + run.substring(4)), "the replay line names the bounds");
			List<Roi> rois = RoiZip.read(out.resolve(base + "-RoiSet.zip"));
			assertEquals(12, rois.size());
			for (int z = 1; z <= 12; z++) assertTrue(rois.get(z - 1).getName().startsWith("eva; "), rois.get(z - 1).getName());
		}
		List<double[]> crown = bounds(work.resolve("eva-crown").resolve(base + "-results.csv"));
		List<double[]> interval = bounds(work.resolve("eva-interval").resolve(base + "-results.csv"));
		double crownWidth = 0, intervalWidth = 0;
		for (int z = 0; z < 12; z++) {
			double[] c = crown.get(z), i = interval.get(z);
			assertEquals(c[0], i[0], 1e-6, "the same margin at the unperturbed slice");
			assertTrue(c[1] <= c[0] && c[0] <= c[2], "slice " + (z + 1) + ": lower <= margin <= upper (crown) " + java.util.Arrays.toString(c));
			assertTrue(i[1] <= i[0] && i[0] <= i[2], "slice " + (z + 1) + ": lower <= margin <= upper (interval) " + java.util.Arrays.toString(i));
			assertTrue(c[1] >= i[1] - 1e-9 && c[2] <= i[2] + 1e-9, "CROWN is never looser than intervals");
			crownWidth += c[2] - c[1];
			intervalWidth += i[2] - i[1];
		}
		assertTrue(crownWidth < intervalWidth, "CROWN tighter on average: " + crownWidth / 12 + " vs " + intervalWidth / 12);
		assertTrue(logs.get("bad bounds").contains("Unknown bounds 'zonotope': use bounds=interval (fast) or bounds=crown"),
			logs.get("bad bounds"));
	}

	/** margin, margin_lower_bound, margin_upper_bound per slice; also checks the other columns. */
	private static List<double[]> bounds(Path csv) throws IOException {
		List<List<String>> rows = Csv.parse(Files.readString(csv));
		List<String> h = rows.get(0);
		assertEquals(List.of("margin", "margin_lower_bound", "margin_upper_bound", "rounding_slack", "verified"), h.subList(h.size() - 5, h.size()));
		assertEquals(1 + 12, rows.size());
		List<double[]> out = new ArrayList<>();
		for (List<String> r : rows.subList(1, rows.size())) {
			assertEquals("eva", r.get(h.indexOf("method")));
			assertEquals(r.get(h.indexOf("predicted")), r.get(h.indexOf("target")));
			double margin = Double.parseDouble(r.get(h.indexOf("margin")));
			assertTrue(margin >= 0, "the margin of the predicted class is not negative: " + margin);
			double lower = Double.parseDouble(r.get(h.indexOf("margin_lower_bound"))), slack = Double.parseDouble(r.get(h.indexOf("rounding_slack")));
			assertTrue(slack > 0 && slack < 1e-2, "float32 rounding slack " + slack);
			assertEquals(lower > 0 ? "1" : "0", r.get(h.indexOf("verified")), "verified exactly when the float32 lower bound is above 0");
			out.add(new double[] { margin, Double.parseDouble(r.get(h.indexOf("margin_lower_bound"))),
				Double.parseDouble(r.get(h.indexOf("margin_upper_bound"))) });
		}
		return out;
	}

	@Test
	void megeAndRecoLieInTheUnitIntervalRankSaliencyAboveRandomAndAreSeeded() throws IOException {
		assertFalse(logs.get("mege").contains("Error"), logs.get("mege"));
		assertEquals(List.of("ihc-labelled-mege_reco.csv"), TestFiles.names(work.resolve("mege-1")));
		List<List<String>> first = Csv.parse(Files.readString(work.resolve("mege-1/ihc-labelled-mege_reco.csv")));
		List<List<String>> again = Csv.parse(Files.readString(work.resolve("mege-2/ihc-labelled-mege_reco.csv")));
		assertEquals(List.of("method", "mege", "reco", "same_pairs", "different_pairs", "undefined_pairs", "fold_1_accuracy", "fold_2_accuracy",
			"fold_3_accuracy", "fold_4_accuracy"), first.get(0));
		assertEquals(1 + 3, first.size(), "one row per method");
		assertEquals(List.of("saliency", "integrated_gradients", "random"), first.subList(1, 4).stream().map(r -> r.get(0)).toList());
		for (List<String> r : first.subList(1, 4)) {
			double mege = Double.parseDouble(r.get(1)), reco = Double.parseDouble(r.get(2));
			assertTrue(mege >= 0.5 && mege <= 1 && reco >= 0 && reco <= 1, r.toString()); // distance sqrt(1 - |rho|) in [0, 1]
			int same = Integer.parseInt(r.get(3)), different = Integer.parseInt(r.get(4)), undefined = Integer.parseInt(r.get(5));
			// 48 images, each compared with the 3 models that trained on it; gradient and random maps are never constant
			assertTrue(same > 0 && same + different <= 48 * 3, r.toString());
			assertEquals(0, undefined, r.toString());
			for (int f = 6; f < 10; f++) {
				double acc = Double.parseDouble(r.get(f));
				assertTrue(acc >= 0 && acc <= 1, r.toString());
			}
			assertEquals(first.get(1).subList(3, 10), r.subList(3, 10), "the same models and pairs for every method");
		}
		double accuracy = 0;
		for (int f = 6; f < 10; f++) accuracy += Double.parseDouble(first.get(1).get(f)) / 4;
		// 100 steps on 36 patches: far from the bundled model's 0.9, but above the 1/3 of guessing
		assertTrue(accuracy > 0.45, "the fold models learned something: mean held-out accuracy " + accuracy);
		double saliency = Double.parseDouble(first.get(1).get(1)), random = Double.parseDouble(first.get(3).get(1));
		assertTrue(saliency > random, "MeGe of saliency " + saliency + " above random maps " + random);
		assertEquals(first, again, "same seed: the same models, maps and table");
		assertTrue(logs.get("mege").contains("ConceptScope mege_reco: saliency MeGe "), logs.get("mege"));
	}

	@Test
	void labelledFoldersAreCheckedAgainstTheModelsClasses() {
		String bad = logs.get("not a class");
		assertTrue(bad.contains("The subfolder 'mitochondria' of " + work.resolve("wrong-labels") + " is not a class of the model: name"
			+ " each subfolder after one of its classes (background, hematoxylin, DAB-positive)."), bad);
		assertFalse(bad.contains("still running"), "the macro is aborted");
		assertFalse(Files.exists(work.resolve("not-written")));
		String none = logs.get("no folder");
		assertTrue(none.contains("mege_reco needs labelled images: set folder=[a folder with one subfolder of images per class"), none);
	}

	private String macro(String name) throws IOException {
		return Files.readString(macros.resolve(name));
	}

	private Path model(String name) {
		return testImages.resolve("models").resolve(name);
	}
}
