package org.conceptscope.fiji;

import org.conceptscope.fiji.run.Models;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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

import org.conceptscope.fiji.MacroRunner.Macro;
import org.conceptscope.model.InputValueRange;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;
import org.conceptscope.visualization.Maco;
import org.conceptscope.visualization.MacoReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Feature Visualization runs MACO's reference recipe by default (Fel et al. 2023, as Xplique's maco):
 * run from a macro on the bundled IHC stack, its canvas is the model input scaled by 512/224, and the
 * saved visualisation, transparency and per-step scores are those of {@link MacoReference} run here
 * with the same spectrum, steps, crops, noise and seed; the scores rise.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FeatureVisualizationRecipeTest {

	@TempDir
	static Path work;

	private final Path testImages = TestFiles.testImages();
	private Map<String, String> logs;

	@BeforeAll
	void runMacros() throws Exception {
		String open = "setBatchMode(true); open('" + stack() + "');\n";
		Map<String, Macro> runs = new LinkedHashMap<>();
		runs.put("reference", new Macro(open + "run('Feature Visualization...', 'model=[" + model() + "] target=[DAB-positive] steps=40"
			+ " seed=7 save_dir=[" + work.resolve("reference") + "]');\n", ""));
		runs.put("bad canvas", new Macro(open + "run('Feature Visualization...', 'model=[" + model() + "] target=[DAB-positive] steps=2"
			+ " canvas=16 save_dir=[" + work.resolve("bad") + "]');\nprint('still running');\n", ""));
		runs.put("calibrated", new Macro(open + "run('Properties...', 'unit=um pixel_width=0.25 pixel_height=0.5');\n"
			+ "run('Feature Visualization...', 'model=[" + model() + "] target=[DAB-positive] steps=2 seed=7 save_dir=["
			+ work.resolve("calibrated") + "]');\n", ""));
		runs.put("declared range", new Macro(open + "run('Feature Visualization...', 'model=[" + model() + "] target=[DAB-positive] steps=3"
			+ " seed=7 values_range=-1,1 save_dir=[" + work.resolve("declared") + "]');\n", ""));
		logs = MacroRunner.run(runs, work);
	}

	@Test
	void theCommandRunsTheReferenceRecipe() throws Exception {
		assertFalse(logs.get("reference").contains("Error"), logs.get("reference"));
		Path dir = work.resolve("reference");
		String base = "ihc-stain-DAB-positive-maco";
		assertEquals(List.of(base + "-scores.csv", base + "-scores.png", base + ".tif"), TestFiles.names(dir));
		ImagePlus saved = IJ.openImage(dir.resolve(base + ".tif").toString());
		int side = (int) Math.round(32 * 512.0 / 224.0);
		assertEquals(side, saved.getWidth(), "the canvas: the input scaled by Xplique's 512/224");
		assertEquals(4, saved.getNChannels(), "R, G, B + transparency");
		try (TensorFlowClassifier model = TensorFlowClassifier.load(model())) {
			FloatTensor refs = Models.input(IJ.openImage(stack().toString()), model).tensor();
			MacoReference.Result want = new MacoReference(40, 1.0, 32, 0.08, 7).visualize(Maco.Objective.classLogit(model, 2),
				MacoReference.reference(refs, side, side), Progress.NONE);
			for (int c = 0; c < 3; c++) {
				float[] plane = (float[]) saved.getStack().getPixels(c + 1);
				for (int p = 0; p < plane.length; p++) assertEquals(want.image().data()[p * 3 + c], plane[p], 1e-6f, "channel " + (c + 1));
			}
			assertArrayEquals(want.transparency().data(), (float[]) saved.getStack().getPixels(4), 1e-6f);
			List<List<String>> csv = Csv.parse(Files.readString(dir.resolve(base + "-scores.csv")));
			assertEquals(1 + 40, csv.size());
			for (int t = 0; t < 40; t++) assertEquals(want.scores()[t], Double.parseDouble(csv.get(t + 1).get(1)), 1e-5 * Math.max(1, Math.abs(want.scores()[t])));
			double first = 0, last = 0;
			for (int t = 0; t < 5; t++) {
				first += want.scores()[t] / 5;
				last += want.scores()[39 - t] / 5;
			}
			assertTrue(last > first, "the mean crop score rises: " + first + " -> " + last);
		}
		assertTrue(String.valueOf(saved.getProperty("Info")).contains("recipe=reference"), String.valueOf(saved.getProperty("Info")));
		String bad = logs.get("bad canvas");
		assertTrue(bad.contains("canvas must be 0 (automatic) or at least the model input"), bad);
		assertFalse(Files.exists(work.resolve("bad")));
	}

	/**
	 * The visualisation has the images' pixels (the reference recipe keeps their textures' cycles per pixel), so it keeps
	 * their pixel size; its three colour channels are shown with one range, the 1st to the 99th percentile of their saved
	 * values together (numpy's rule, computed here), as Xplique's plot_maco shows the image.
	 */
	@Test
	void theVisualisationKeepsThePixelSizeAndShowsItsColoursWithOneRange() {
		assertFalse(logs.get("calibrated").contains("Error"), logs.get("calibrated"));
		ImagePlus saved = IJ.openImage(work.resolve("calibrated").resolve("ihc-stain-DAB-positive-maco.tif").toString());
		assertEquals(0.25, saved.getCalibration().pixelWidth, 1e-12);
		assertEquals(0.5, saved.getCalibration().pixelHeight, 1e-12);
		assertEquals("um", saved.getCalibration().getUnit().replace("\u00b5", "u"));
		int plane = saved.getWidth() * saved.getHeight();
		float[] all = new float[3 * plane];
		for (int c = 0; c < 3; c++) System.arraycopy((float[]) saved.getStack().getPixels(c + 1), 0, all, c * plane, plane);
		java.util.Arrays.sort(all);
		double lo = numpyPercentile(all, 1), hi = numpyPercentile(all, 99);
		assertTrue(hi > lo);
		ij.CompositeImage ci = (ij.CompositeImage) saved;
		for (int c = 1; c <= 3; c++) {
			assertEquals(lo, ci.getChannelLut(c).min, 1e-4 * (hi - lo), "channel " + c);
			assertEquals(hi, ci.getChannelLut(c).max, 1e-4 * (hi - lo), "channel " + c);
		}
	}

	/**
	 * values_range (Xplique's) squashes the canvas into the declared range instead of the images': the saved visualisation
	 * is MacoReference's with a declared range of [-1, 1], its values spread beyond the images' own range, which the
	 * automatic run stays inside; the macro options record the key.
	 */
	@Test
	void aDeclaredValuesRangeIsTheCanvasRange() throws Exception {
		assertFalse(logs.get("declared range").contains("Error"), logs.get("declared range"));
		ImagePlus saved = IJ.openImage(work.resolve("declared").resolve("ihc-stain-DAB-positive-maco.tif").toString());
		int side = saved.getWidth();
		try (TensorFlowClassifier model = TensorFlowClassifier.load(model())) {
			FloatTensor refs = Models.input(IJ.openImage(stack().toString()), model).tensor();
			MacoReference.Reference auto = MacoReference.reference(refs, side, side);
			MacoReference.Result want = new MacoReference(3, 1.0, 32, 0.08, 7).visualize(Maco.Objective.classLogit(model, 2),
				auto.withRange(new InputValueRange(-1, 1, "declared by values_range")), Progress.NONE);
			double min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY;
			for (int c = 0; c < 3; c++) {
				float[] plane = (float[]) saved.getStack().getPixels(c + 1);
				for (int p = 0; p < plane.length; p++) {
					assertEquals(want.image().data()[p * 3 + c], plane[p], 1e-6f, "channel " + (c + 1));
					min = Math.min(min, plane[p]);
					max = Math.max(max, plane[p]);
				}
			}
			assertTrue(min > -1 && max < 1, min + " .. " + max);
			double lo = auto.range().lo(), hi = auto.range().hi();
			assertTrue(min < lo || max > hi, "the declared range, not the images' [" + lo + ", " + hi + "]: " + min + " .. " + max);
		}
		String info = String.valueOf(saved.getProperty("Info"));
		assertTrue(info.contains("values_range=-1,1") && info.contains("\nvalues_range_used=-1,1 (declared by values_range)"), info);
		String auto = String.valueOf(IJ.openImage(work.resolve("reference").resolve("ihc-stain-DAB-positive-maco.tif").toString()).getProperty("Info"));
		assertTrue(auto.contains("(the images' 0.1st to 99.9th percentile)"), auto);
	}

	/** numpy's default percentile of sorted values: linear between the ranks around q / 100 (n - 1). */
	private static double numpyPercentile(float[] sorted, double q) {
		double rank = q / 100 * (sorted.length - 1);
		int below = (int) rank;
		return sorted[below] + (rank - below) * (sorted[Math.min(below + 1, sorted.length - 1)] - sorted[below]);
	}

	private Path stack() {
		return testImages.resolve("images").resolve("ihc-heldout-patches.tif");
	}

	private Path model() {
		return testImages.resolve("models").resolve("ihc-stain");
	}
}
