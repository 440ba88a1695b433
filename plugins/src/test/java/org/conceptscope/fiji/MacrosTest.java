package org.conceptscope.fiji;

import org.conceptscope.fiji.image.ImagePlusTensors;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;
import ij.gui.Overlay;
import ij.gui.Roi;
import ij.plugin.SubstackMaker;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.conceptscope.fiji.MacroRunner.Macro;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The macros of macros/ run end to end through the real ImageJ 1.x macro interpreter, headless,
 * with ConceptScope installed as a plugin jar (see {@link HeadlessImageJ1}), on the bundled real
 * stacks. All macros run once, in one child JVM ({@link MacroRunner} says why), before the tests;
 * each test then reads back what its macro wrote: the TIFF (image channels + heat-map channel,
 * ROIs as overlay), the RoiSet.zip through ImageJ's RoiDecoder, the CSV (one row per slice), and
 * what the macro printed. Predictions are checked against the slices' own labels (the true class
 * of each patch), not against a second TensorFlow run.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MacrosTest {

	@TempDir
	static Path work;

	private final Path testImages = TestFiles.testImages(), macros = TestFiles.macros();
	private Map<String, String> logs;

	@BeforeAll
	void runAllMacrosInImageJ() throws Exception {
		Map<String, Macro> runs = new LinkedHashMap<>();
		// upsampling=bilinear: the maps below are checked non-negative, which bilinear interpolation of the (non-negative) total
		// indices keeps; the default, bicubic as Xplique, may dip slightly below 0 (UpsamplingMacroTest)
		runs.put("ihc", new Macro(macro("attribution_example.ijm"), "image=[" + image("ihc-heldout-patches.tif") + "] model=["
			+ model("ihc-stain") + "] save_dir=[" + work.resolve("ihc-example") + "] upsampling=bilinear"));
		runs.put("ct", new Macro(macro("attribution_example.ijm"), "image=[" + image("ct-heldout-patches.tif") + "] model=["
			+ model("ct-tissue") + "] save_dir=[" + work.resolve("ct-example") + "] upsampling=bilinear"));
		runs.put("info", new Macro(macro("model_info.ijm"), "model=[" + model("ct-tissue") + "] save_dir=["
			+ work.resolve("model-info") + "]"));
		runs.put("batch", new Macro(macro("batch_folder.ijm"), "input=[" + batchInput() + "] model=[" + model("ihc-stain")
			+ "] save_dir=[" + work.resolve("batch-out") + "] method=integrated_gradients"));
		// the macro again into the same folder: the model's report is written again (overwrite), the image already explained is
		// skipped with the sentence naming its file, which keeps its bytes (snapshot before the rerun)
		Path rerunIn = Files.createDirectories(work.resolve("rerun-in")), rerunOut = work.resolve("rerun-out");
		Files.copy(work.resolve("batch-in").resolve("first-five.tif"), rerunIn.resolve("first-five.tif"));
		String rerun = "input=[" + rerunIn + "] model=[" + model("ihc-stain") + "] save_dir=[" + rerunOut + "] method=saliency";
		runs.put("rerun first", new Macro(macro("batch_folder.ijm"), rerun));
		runs.put("rerun again", new Macro("File.copy('" + rerunOut.resolve("first-five-saliency.tif") + "', '" + work.resolve("first-five-first.tif")
			+ "');\nrunMacro('" + macros.resolve("batch_folder.ijm") + "', '" + rerun + "');\n", ""));
		// the refusal's advice, overwrite=true, into a folder of its own: the image is explained again, its files replaced
		// (a mark written over its CSV before the rerun is gone); and model_info.ijm rerun with a bare overwrite
		Path againOut = work.resolve("overwrite-out");
		String again = "input=[" + rerunIn + "] model=[" + model("ihc-stain") + "] save_dir=[" + againOut + "] method=saliency";
		runs.put("overwrite first", new Macro(macro("batch_folder.ijm"), again));
		runs.put("overwrite again", new Macro("File.saveString('mark', '" + againOut.resolve("first-five-saliency-results.csv") + "');\nrunMacro('"
			+ macros.resolve("batch_folder.ijm") + "', '" + again + " overwrite=true');\n", ""));
		runs.put("info again", new Macro(macro("model_info.ijm"), "model=[" + model("ct-tissue") + "] save_dir=[" + work.resolve("model-info")
			+ "] overwrite"));
		// a misspelt key and a key given twice: refused before the model's report is written (Model Info ran first)
		runs.put("batch typo", new Macro(macro("batch_folder.ijm"), "input=[" + work.resolve("batch-in") + "] model=[" + model("ihc-stain")
			+ "] save_dir=[" + work.resolve("batch-typo") + "] methd=saliency"));
		runs.put("batch twice", new Macro(macro("batch_folder.ijm"), "input=[" + work.resolve("batch-in") + "] model=[" + model("ihc-stain")
			+ "] save_dir=[" + work.resolve("batch-twice") + "] method=saliency method=rise"));
		String open = "setBatchMode(true); open('" + image("ihc-heldout-patches.tif") + "');\n";
		runs.put("bad model", new Macro(open + "run('Attribution...', 'model=[" + work.resolve("no-such-model")
			+ "] method=saliency save_dir=[" + work.resolve("bad-model") + "]');\nprint('still running');\n", ""));
		runs.put("no image", new Macro("run('Attribution...', 'model=[" + model("ihc-stain") + "]');", ""));
		runs.put("typo", new Macro(open + "run('Attribution...', 'model=[" + model("ihc-stain") + "] stepz=3');", ""));
		runs.put("bad target", new Macro(open + "run('Attribution...', 'model=[" + model("ihc-stain")
			+ "] target=mitochondria');", ""));
		logs = MacroRunner.run(runs, work);
	}

	/** A folder with the IHC stack, a 5-slice substack of it, slices saved as patch.png, patch.jpg and shot.JPEG, a file that is not an image and three bad images. */
	private Path batchInput() throws IOException {
		Path input = Files.createDirectories(work.resolve("batch-in"));
		Files.copy(image("ihc-heldout-patches.tif"), input.resolve("ihc-heldout-patches.tif"));
		ImagePlus firstFive = new SubstackMaker().makeSubstack(IJ.openImage(image("ihc-heldout-patches.tif").toString()), "1-5");
		IJ.saveAsTiff(firstFive, input.resolve("first-five.tif").toString());
		Files.writeString(input.resolve("notes.txt"), "not an image");
		// JPEG as the batch runner takes it (any case), and two images of one name, whose results must not replace each other
		ImagePlus stack = IJ.openImage(image("ihc-heldout-patches.tif").toString());
		for (int z = 1; z <= 3; z++) {
			ImagePlus one = new ImagePlus("patch", stack.getStack().getProcessor(z));
			ij.io.FileSaver saver = new ij.io.FileSaver(one);
			assertTrue(z == 1 ? saver.saveAsPng(input.resolve("patch.png").toString())
				: saver.saveAsJpeg(input.resolve(z == 2 ? "patch.jpg" : "shot.JPEG").toString()), "slice " + z + " saved");
		}
		// two bad images the run must go past: a grayscale CT slice (the IHC model takes RGB) and an empty TIFF
		Files.copy(image("CT_small.dcm"), input.resolve("b-ct.dcm"));
		Files.write(input.resolve("c-empty.tif"), new byte[0]);
		// and a named pipe with an image's name: opening it would wait for a writer for ever
		Process fifo = new ProcessBuilder("mkfifo", input.resolve("d-pipe.tif").toString()).inheritIO().start();
		try {
			assertEquals(0, fifo.waitFor(), "mkfifo");
		} catch (InterruptedException e) {
			throw new IOException(e);
		}
		return input;
	}

	@Test
	void attributionExampleExplainsEveryIhcSliceWithSobol() throws IOException {
		Path out = work.resolve("ihc-example");
		assertFalse(logs.get("ihc").contains("Error"), logs.get("ihc"));
		// said before the wait: designs x (grid^2 + 2) per slice, 32 x (64 + 2)
		assertTrue(logs.get("ihc").contains("ConceptScope Attribution: 12 images, 2112 model passes each (Sobol: 32 designs x (64 cells + 2)):"
			+ " 25344 model passes."), logs.get("ihc"));
		String base = "ihc-heldout-patches-sobol";
		assertEquals(List.of(base + "-RoiSet.zip", base + "-results.csv", base + ".tif"), TestFiles.names(out));

		ImagePlus original = IJ.openImage(image("ihc-heldout-patches.tif").toString());
		ImagePlus heat = IJ.openImage(out.resolve(base + ".tif").toString());
		assertEquals(3 + 1, heat.getNChannels(), "R, G, B + the heat-map channel");
		assertEquals(12, heat.getNSlices());
		assertPixelsKept(original, heat);
		assertMapsNonNegativeAndInformative(heat, 4);
		assertTrue(((String) heat.getProperty("Info")).contains("options=model=[" + model("ihc-stain") + "] method=sobol"),
			"the replay line is kept with the image");
		assertOverlayHasOneRoiPerSlice(heat.getOverlay(), 12);

		List<Roi> rois = RoiZip.read(out.resolve(base + "-RoiSet.zip"));
		assertEquals(12, rois.size());
		List<List<String>> csv = csv(out.resolve(base + "-results.csv"));
		assertEquals(1 + 12, csv.size(), "header + one row per slice");
		int correct = 0;
		for (int z = 1; z <= 12; z++) {
			List<String> row = csv.get(z);
			assertEquals(Integer.toString(z), row.get(0));
			assertEquals("sobol", row.get(csv.get(0).indexOf("method")));
			String predicted = row.get(3), label = row.get(2);
			assertEquals(predicted, row.get(csv.get(0).indexOf("target")), "target=predicted");
			assertEquals("sobol; " + predicted + "; slice=" + z, rois.get(z - 1).getName());
			assertEquals(z, rois.get(z - 1).getZPosition());
			if (label.startsWith(predicted + " #")) correct++;
		}
		// the macro printed each slice's numbers, read from the command's table (headless: Results), as in the CSV
		java.util.regex.Matcher printed = java.util.regex.Pattern.compile("(?m)^slice (\\d+): (.+), map_max (\\S+)$").matcher(logs.get("ihc"));
		int lines = 0;
		for (; printed.find(); lines++) {
			List<String> row = csv.get(Integer.parseInt(printed.group(1)));
			assertEquals(row.get(3), printed.group(2), "slice " + printed.group(1) + ": predicted");
			assertEquals(Double.parseDouble(row.get(csv.get(0).indexOf("map_max"))), Double.parseDouble(printed.group(3)), 1e-6,
				"slice " + printed.group(1) + ": map_max");
		}
		assertEquals(12, lines, "one printed line per slice: " + logs.get("ihc"));
		// The model card reports 0.895 held-out accuracy; 10 of these 12 patches is well below chance of failing.
		assertTrue(correct >= 10, correct + " of 12 predictions match the patch labels");
	}

	@Test
	void attributionOnTheCtStackWritesOneGrayChannelPlusTheMap() throws IOException {
		Path out = work.resolve("ct-example");
		assertFalse(logs.get("ct").contains("Error"), logs.get("ct"));
		String base = "ct-heldout-patches-sobol";
		ImagePlus heat = IJ.openImage(out.resolve(base + ".tif").toString());
		assertEquals(1 + 1, heat.getNChannels(), "CT values + the heat-map channel");
		assertEquals(12, heat.getNSlices());
		assertPixelsKept(IJ.openImage(image("ct-heldout-patches.tif").toString()), heat);
		assertMapsNonNegativeAndInformative(heat, 2);
		assertEquals(12, RoiZip.read(out.resolve(base + "-RoiSet.zip")).size());
		List<List<String>> csv = csv(out.resolve(base + "-results.csv"));
		assertEquals(List.of("slice", "frame", "label", "predicted", "p_air", "p_soft tissue", "p_bone", "target", "method",
			"map_max", "map_mean"), csv.get(0));
		assertEquals(1 + 12, csv.size());
		long correct = csv.stream().skip(1).filter(r -> r.get(2).startsWith(r.get(3) + " #")).count();
		assertTrue(correct >= 10, correct + " of 12 CT predictions match the patch labels (model card: 0.986)");
	}

	@Test
	void modelInfoMacroWritesSignatureClassesAndLayers() throws IOException {
		Path out = work.resolve("model-info");
		String log = logs.get("info");
		assertFalse(log.contains("Error"), log);
		assertEquals(List.of("ct-tissue-info.txt", "ct-tissue-layers.csv"), TestFiles.names(out));
		String info = Files.readString(out.resolve("ct-tissue-info.txt"));
		assertTrue(info.contains("Model: CT tissue classifier (ct-tissue)"), info);
		assertTrue(info.contains("Input: ") && info.contains("[-1, 16, 16, 1]"), info);
		assertTrue(info.contains("Normalisation: affine(0.0,1000.0)"), info);
		assertTrue(info.contains("Classes (3):\n  0  air\n  1  soft tissue\n  2  bone\n"), info);
		assertTrue(log.contains("Classes (3):"), "Model Info prints to the Log (stdout headless)");
		List<List<String>> layers = csv(out.resolve("ct-tissue-layers.csv"));
		assertEquals(List.of("layer", "op", "shape", "spatial"), layers.get(0));
		assertTrue(layers.size() > 2, "at least two layers");
		assertTrue(layers.stream().skip(1).anyMatch(r -> r.get(3).equals("true") && r.get(2).startsWith("[-1, ")),
			"a spatial layer for Grad-CAM: " + layers);
	}

	@Test
	void batchMacroExplainsEveryImageOfAFolderAndSkipsOtherFiles() throws IOException {
		Path out = work.resolve("batch-out");
		assertTrue(logs.get("batch").contains("ConceptScope batch: 5 image(s) explained, 3 skipped"), logs.get("batch"));
		List<List<String>> summary = csv(out.resolve("batch-summary.csv"));
		assertEquals(List.of("file", "status", "reason", "title"), summary.get(0));
		assertEquals(List.of("b-ct.dcm", "c-empty.tif", "d-pipe.tif", "first-five.tif", "ihc-heldout-patches.tif", "patch.jpg", "patch.png",
			"shot.JPEG"), summary.subList(1, summary.size()).stream().map(r -> r.get(0)).toList(), "one row per image, in folder order");
		assertEquals("skipped", summary.get(1).get(1));
		assertTrue(summary.get(1).get(2).startsWith("'b-ct.dcm' has 1 channel(s), but the model takes 3") && summary.get(1).get(2).contains("RGB Color"),
			"the model refuses the CT slice in a sentence that says how to make it RGB: " + summary.get(1));
		assertEquals("skipped", summary.get(2).get(1));
		assertTrue(summary.get(2).get(2).contains("c-empty.tif is empty (0 bytes), so it holds no image"), "named, with what to do: " + summary.get(2));
		assertEquals("skipped", summary.get(3).get(1));
		assertTrue(summary.get(3).get(2).contains("d-pipe.tif is not a regular file (a pipe"), "the pipe is skipped, not waited on: " + summary.get(3));
		assertEquals(List.of("explained", "", "first-five"), summary.get(4).subList(1, 4));
		// patch.jpg and patch.png keep their extension in their results' names; the others are named as before
		assertEquals(List.of("explained", "", "patch_jpg"), summary.get(6).subList(1, 4));
		assertEquals(List.of("explained", "", "patch_png"), summary.get(7).subList(1, 4));
		assertEquals(List.of("explained", "", "shot"), summary.get(8).subList(1, 4));
		String ig = "-integrated_gradients";
		List<String> expected = new java.util.ArrayList<>(List.of("batch-summary.csv", "ihc-stain-info.txt", "ihc-stain-layers.csv"));
		for (String title : List.of("first-five", "ihc-heldout-patches", "patch_jpg", "patch_png", "shot")) {
			expected.addAll(List.of(title + ig + "-RoiSet.zip", title + ig + "-results.csv", title + ig + ".tif"));
		}
		java.util.Collections.sort(expected);
		assertEquals(expected, TestFiles.names(out), "every explained image's results (and the model's report, from Model Info run first)");
		// each of the two 'patch' images has its own results: slice 1 (PNG, lossless) and slice 2 (JPEG) of the stack
		List<List<String>> stack = csv(out.resolve("ihc-heldout-patches-integrated_gradients-results.csv"));
		List<List<String>> png = csv(out.resolve("patch_png-integrated_gradients-results.csv"));
		int predicted = stack.get(0).indexOf("predicted");
		assertEquals(stack.get(1).get(predicted), png.get(1).get(predicted), "patch.png is slice 1");
		ImagePlus pngMap = IJ.openImage(out.resolve("patch_png-integrated_gradients.tif").toString());
		ImagePlus jpgMap = IJ.openImage(out.resolve("patch_jpg-integrated_gradients.tif").toString());
		assertFalse(java.util.Arrays.equals((float[]) pngMap.getStack().getProcessor(pngMap.getStackIndex(4, 1, 1)).convertToFloat().getPixels(),
			(float[]) jpgMap.getStack().getProcessor(jpgMap.getStackIndex(4, 1, 1)).convertToFloat().getPixels()), "two images, two maps");
		assertEquals(1 + 5, csv(out.resolve("first-five-integrated_gradients-results.csv")).size());
		assertEquals(1 + 12, csv(out.resolve("ihc-heldout-patches-integrated_gradients-results.csv")).size());
		ImagePlus five = IJ.openImage(out.resolve("first-five-integrated_gradients.tif").toString());
		assertEquals(4, five.getNChannels());
		assertEquals(5, five.getNSlices());
		assertEquals(5, RoiZip.read(out.resolve("first-five-integrated_gradients-RoiSet.zip")).size());
		// The same slices in both files got the same maps: each stack slice is explained on its own.
		// Numbers agree to float rounding only: TensorFlow's kernels block a batch of 5 and of 12 differently.
		List<List<String>> all = csv(out.resolve("ihc-heldout-patches-integrated_gradients-results.csv"));
		List<List<String>> part = csv(out.resolve("first-five-integrated_gradients-results.csv"));
		for (int z = 1; z <= 5; z++) sameRow(all.get(z), part.get(z), "slice " + z, all.get(0));
	}

	/** batch_folder.ijm rerun into its folder skips the image already explained, naming its file, and keeps its bytes. */
	@Test
	void batchMacroRerunIntoItsFolderSkipsWhatIsThere() throws IOException {
		Path out = work.resolve("rerun-out");
		assertTrue(logs.get("rerun first").contains("ConceptScope batch: 1 image(s) explained, 0 skipped"), logs.get("rerun first"));
		String again = logs.get("rerun again");
		assertTrue(again.contains("ConceptScope batch: 0 image(s) explained, 1 skipped"), again);
		List<List<String>> summary = csv(out.resolve("batch-summary.csv"));
		assertEquals("skipped", summary.get(1).get(1));
		assertTrue(summary.get(1).get(2).contains(out.resolve("first-five-saliency.tif") + " already exists (an earlier run's output)"),
			summary.get(1).toString());
		assertTrue(java.util.Arrays.equals(Files.readAllBytes(work.resolve("first-five-first.tif")), Files.readAllBytes(out.resolve("first-five-saliency.tif"))),
			"the first run's map keeps its bytes");
		assertEquals(List.of("batch-summary.csv", "first-five-saliency-RoiSet.zip", "first-five-saliency-results.csv", "first-five-saliency.tif",
			"ihc-stain-info.txt", "ihc-stain-layers.csv"), TestFiles.names(out));
	}

	/** overwrite, which the refusal advises, is a key of the macros that write to save_dir and passed on: the rerun replaces the files. */
	@Test
	void batchAndModelInfoMacrosTakeOverwriteAndReplaceTheirFiles() throws IOException {
		Path out = work.resolve("overwrite-out");
		assertTrue(logs.get("overwrite first").contains("ConceptScope batch: 1 image(s) explained, 0 skipped"), logs.get("overwrite first"));
		String again = logs.get("overwrite again");
		assertFalse(again.contains("has no option"), again);
		assertTrue(again.contains("ConceptScope batch: 1 image(s) explained, 0 skipped"), again);
		assertEquals("explained", csv(out.resolve("batch-summary.csv")).get(1).get(1));
		List<List<String>> results = csv(out.resolve("first-five-saliency-results.csv"));
		assertEquals(1 + 5, results.size(), "the mark is replaced by the header and one row per slice: " + results);
		String info = logs.get("info again");
		assertFalse(info.contains("has no option") || info.contains("already exists"), info);
		assertTrue(info.contains("Classes (3):"), info);
	}

	/**
	 * Text cells equal, number cells equal within 1e-5 relative (float rounding of different batch sizes); Integrated
	 * Gradients' completeness gap (a difference of two sums) and relative gap to the rounding of the sums they come from.
	 */
	private static void sameRow(List<String> expected, List<String> actual, String what, List<String> header) {
		assertEquals(expected.size(), actual.size(), what);
		int change = header.indexOf("score_change");
		for (int i = 0; i < expected.size(); i++) {
			String e = expected.get(i), a = actual.get(i);
			String column = i < header.size() ? header.get(i) : "";
			if (e.matches("-?[0-9.]+(E-?[0-9]+)?") && e.contains(".")) {
				double x = Double.parseDouble(e), y = Double.parseDouble(a);
				double tolerance = column.equals("completeness_gap") ? 1e-4 * (1 + Math.abs(Double.parseDouble(expected.get(change))))
					: column.equals("relative_gap") ? 1e-4 : 1e-5 * Math.max(1e-3, Math.abs(x));
				assertEquals(x, y, tolerance, what + ", column " + i + ": " + expected + " vs " + actual);
			} else {
				assertEquals(e, a, what + ", column " + i);
			}
		}
	}

	@Test
	void aRecordedLineWithABadModelFolderStopsTheMacroWithAClearMessage() {
		Path out = work.resolve("bad-model");
		String log = logs.get("bad model");
		assertTrue(log.contains("The model folder " + work.resolve("no-such-model") + " does not exist: give the path of a TensorFlow SavedModel"
			+ " folder (the one holding saved_model.pb), a bioimage.io package (its .zip, its rdf.yaml or the folder holding it), a TorchScript"
			+ " file (.pt, with its conceptscope.json beside it) or an ONNX file (.onnx)."), log);
		assertFalse(log.contains("still running"), "the macro is aborted, a batch does not go on without results");
		assertFalse(Files.exists(out), "nothing was written");
	}

	@Test
	void theBatchMacroRefusesAnUnknownOrRepeatedKeyBeforeAnyWork() {
		String typo = logs.get("batch typo");
		assertTrue(typo.contains("batch_folder.ijm has no option 'methd'; its keys are: input model save_dir method target overwrite."), typo);
		assertFalse(Files.exists(work.resolve("batch-typo")), "nothing is written, not even the model's report");
		String twice = logs.get("batch twice");
		assertTrue(twice.contains("batch_folder.ijm: 'method' is given twice."), twice);
		assertFalse(Files.exists(work.resolve("batch-twice")), "nothing is written");
	}

	@Test
	void unknownKeysMissingImagesAndUnknownClassesAreReportedByName() {
		String noImage = logs.get("no image");
		assertTrue(noImage.contains("No image is open: open an image or stack first"), noImage);
		String typo = logs.get("typo");
		assertTrue(typo.contains("Unknown option 'stepz'; the keys are: image model method target"), typo);
		String target = logs.get("bad target");
		assertTrue(target.contains("Target 'mitochondria' is not a class of this model: use target=predicted, a class name"
			+ " ('background', 'hematoxylin', 'DAB-positive') or an index 0..2."), target);
	}

	private String macro(String name) throws IOException {
		return Files.readString(macros.resolve(name));
	}

	private Path image(String name) {
		return testImages.resolve("images").resolve(name);
	}

	private Path model(String name) {
		return testImages.resolve("models").resolve(name);
	}

	private static List<List<String>> csv(Path file) throws IOException {
		return Csv.parse(Files.readString(file));
	}

	/** The first channels of the heat-map image hold the original's values, slice by slice. */
	private static void assertPixelsKept(ImagePlus original, ImagePlus heat) {
		int channels = heat.getNChannels() - 1, plane = original.getWidth() * original.getHeight();
		for (int z = 1; z <= original.getStackSize(); z++) {
			for (int c = 0; c < channels; c++) {
				float[] expected = ImagePlusTensors.plane(original, c, z - 1);
				float[] got = (float[]) heat.getStack().getPixels(heat.getStackIndex(c + 1, z, 1));
				for (int i = 0; i < plane; i++) assertEquals(expected[i], got[i], 0, "slice " + z + " channel " + (c + 1));
			}
		}
	}

	/** Sobol total indices and IG maps here: finite everywhere, and each slice's map is not constant. */
	private static void assertMapsNonNegativeAndInformative(ImagePlus heat, int mapChannel) {
		for (int z = 1; z <= heat.getNSlices(); z++) {
			float[] map = (float[]) heat.getStack().getPixels(heat.getStackIndex(mapChannel, z, 1));
			float min = Float.MAX_VALUE, max = -Float.MAX_VALUE;
			for (float v : map) {
				assertTrue(Float.isFinite(v), "finite map values on slice " + z);
				min = Math.min(min, v);
				max = Math.max(max, v);
			}
			assertTrue(min >= -1e-6f, "total Sobol indices are not negative, slice " + z + ": " + min);
			assertTrue(max > min, "slice " + z + " has an informative map");
		}
	}

	private static void assertOverlayHasOneRoiPerSlice(Overlay overlay, int slices) {
		assertTrue(overlay != null, "the ROIs travel with the TIFF as its overlay");
		assertEquals(slices, overlay.size());
		for (int z = 1; z <= slices; z++) assertEquals(z, overlay.get(z - 1).getZPosition());
	}
}
