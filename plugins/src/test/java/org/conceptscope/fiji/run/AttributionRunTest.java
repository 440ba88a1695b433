package org.conceptscope.fiji.run;

import org.conceptscope.fiji.TestFiles;
import org.conceptscope.fiji.write.MapLuts;
import org.conceptscope.fiji.write.ResultsCsvWriter;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;
import ij.plugin.SubstackMaker;

import java.awt.event.KeyEvent;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicInteger;

import org.conceptscope.fiji.display.ImageJProgress;
import org.conceptscope.model.CountingClassifier;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shared code behind both Attribution entry points, on the bundled model and stacks. */
class AttributionRunTest {

	@TempDir
	Path dir;

	private final Path testImages = TestFiles.testImages();

	/**
	 * The passes line counts the channels the model reads: an 8-bit palette image given to the three-channel IHC model is its three
	 * colours, so per-channel Sobol has 3 x 16 cells, as it computes, not the file's one channel's 16.
	 */
	@Test
	void aPaletteImagesPassesLineCountsTheModelsThreeChannels() throws Exception {
		ij.process.ByteProcessor ip = new ij.process.ByteProcessor(32, 32);
		byte[] r = new byte[256], g = new byte[256], b = new byte[256];
		for (int i = 0; i < 256; i++) {
			r[i] = (byte) i;
			g[i] = (byte) (255 - i);
			b[i] = (byte) (i / 2);
		}
		ip.setColorModel(new java.awt.image.IndexColorModel(8, 256, r, g, b));
		ImagePlus palette = new ImagePlus("palette", ip);
		org.conceptscope.attribution.SobolAttribution sobol = new org.conceptscope.attribution.SobolAttribution(4, 8,
			org.conceptscope.attribution.MaskedImage.constant(0), true, 1);
		try (org.conceptscope.model.Classifier model = Models.open(testImages.resolve("models/ihc-stain"))) {
			String line = AttributionRun.passesLine(model, palette, sobol, 0.25);
			assertTrue(line.contains("(Sobol: 8 designs x (48 cells + 2))"), line);
		}
	}

	/**
	 * Kernel SHAP on superpixels makes 2^m passes for a slice of m superpixels when every coalition fits in the samples, and SLIC
	 * decides m from each slice's pixels: the line counts every slice's own superpixels before the work, and that is what the
	 * model then scores (a counting wrapper around the IHC model; each slice's one classification pass aside).
	 */
	@Test
	void kernelShapOnSuperpixelsAnnouncesEachSlicesOwnCount() throws Exception {
		ImagePlus patches = ihc();
		AttributionSettings s = settings("ihc-stain").method("kernel_shap").segments("slic").superpixels(6).samples(40);
		org.conceptscope.attribution.AttributionMethod shap = AttributionMethods.create(s);
		try (CountingClassifier model = new CountingClassifier(Models.open(testImages.resolve(
			"models/ihc-stain")))) {
			String line = AttributionRun.passesLine(model, patches, shap, 0.25);
			java.util.regex.Matcher m = java.util.regex.Pattern.compile("^ConceptScope Attribution: 12 images \\(kernel_shap: one per sample, or"
				+ " 2\\^m for an image of m superpixels when every coalition fits in them, counted on each image's superpixels\\): (\\d+) model"
				+ " passes\\.$").matcher(line);
			assertTrue(m.find(), line);
			long announced = Long.parseLong(m.group(1));
			assertTrue(announced < 12 * 40, line + ": some slices have few enough superpixels for every coalition (the superpixels wanted, 6, would say 40 each)");
			Explainer.explain(model, patches, shap, 2, "ihc-stain", Progress.NONE);
			assertEquals(announced + 12, model.images(CountingClassifier.Kind.LOGITS), "the images the model scored: the announced passes and one per slice to classify it");
		}
	}

	@Test
	void separateMapImageWithOverlayAndTableWhileTheInputStaysUntouched() throws IOException {
		ImagePlus imp = ihc();
		Object[] before = pixels(imp);
		AttributionSettings s = settings("ihc-stain").method("gradient_x_input").output("image").topFraction(0.2);
		AttributionResult r = AttributionRun.run(imp, s, Progress.NONE);

		for (int i = 0; i < before.length; i++) assertArrayEquals((int[]) before[i], (int[]) imp.getStack().getPixels(i + 1));
		assertFalse(imp.changes, "the user's image is not marked as changed");
		ImagePlus map = r.image();
		assertEquals("ihc-heldout-patches-gradient_x_input-map", map.getTitle());
		assertEquals(1, map.getNChannels());
		assertEquals(12, map.getNSlices());
		assertEquals(32, map.getBitDepth());
		// Gradient x Input is signed: a diverging LUT (MapLuts) over a range symmetric about zero, not Fire.
		assertEquals(MapLuts.diverging().getRGB(0), map.getProcessor().getLut().getRGB(0));
		assertEquals(-map.getDisplayRangeMax(), map.getDisplayRangeMin(), 1e-12);
		for (int b = 0; b < 12; b++) assertArrayEquals(r.explanation().map(b), (float[]) map.getStack().getPixels(b + 1));
		assertEquals(12, map.getOverlay().size());
		assertEquals(12, r.rois().size());
		assertEquals("0.200000", r.rois().get(0).getProperty("top_fraction"));
		assertEquals(12, r.table().size());
		assertEquals(ResultsCsvWriter.header(r.explanation()), java.util.List.of(r.table().getHeadings()));
		assertEquals(r.explanation().className(r.explanation().predicted(0)), r.table().getStringValue("predicted", 0));
		assertTrue(r.written().isEmpty(), "no save_dir, no files");
		assertTrue(((String) map.getProperty("Info")).contains("options=" + s.toMacroOptions() + "\n"));
	}

	@Test
	void everyMethodNameRunsThroughTheSettings() throws IOException {
		ImagePlus two = new SubstackMaker().makeSubstack(ihc(), "1-2");
		for (String method : AttributionMethods.NAMES) {
			// Kernel SHAP's regression needs segments + 2 samples (16 cells: 18), and refuses fewer
			int samples = method.equals("kernel_shap") ? 18 : 8;
			AttributionSettings s = settings("ihc-stain").method(method).samples(samples).steps(4).designs(4).grid(4).patch(8).stride(8);
			AttributionResult r = AttributionRun.run(two, s, Progress.NONE);
			assertEquals(method, r.explanation().method());
			assertEquals(method, r.table().getStringValue("method", 1));
			for (float v : r.explanation().attribution().maps().data()) assertTrue(Float.isFinite(v), method + " gives finite maps");
			if (method.equals("kernel_shap")) {
				// efficiency in the table: the segment values add up to f(slice) - f(fully replaced slice)
				for (int row = 0; row < 2; row++) {
					double change = r.table().getValue("score_change", row), gap = r.table().getValue("completeness_gap", row);
					assertTrue(Double.isFinite(change) && Math.abs(gap) <= 1e-3 * Math.abs(change) + 1e-4, "slice " + row + ": change " + change + ", gap " + gap);
					assertEquals(r.table().getValue("attribution_sum", row) - change, gap, 1e-6 * (1 + Math.abs(change)));
				}
			}
		}
	}

	@Test
	void aNamedTargetClassIsExplainedOnEverySlice() throws IOException {
		AttributionResult r = AttributionRun.run(ihc(), settings("ihc-stain").target("dab-positive"), Progress.NONE);
		for (int b = 0; b < 12; b++) assertEquals("DAB-positive", r.explanation().className(r.explanation().target(b)));
	}

	@Test
	void savesTheImageRoisAndTableNamedAfterTheImageAndMethod() throws IOException {
		AttributionResult r = AttributionRun.run(ihc(), settings("ihc-stain").saveDir(dir.resolve("new/sub")), Progress.NONE);
		Path out = dir.resolve("new/sub");
		assertEquals(java.util.List.of(out.resolve("ihc-heldout-patches-saliency.tif"),
			out.resolve("ihc-heldout-patches-saliency-RoiSet.zip"), out.resolve("ihc-heldout-patches-saliency-results.csv")),
			r.written());
		ImagePlus reopened = IJ.openImage(r.written().get(0).toString());
		assertTrue(((String) reopened.getProperty("Info")).contains("options=model=["), "the replay line survives the TIFF: " + reopened.getProperty("Info"));
		assertEquals(12, reopened.getOverlay().size(), "the overlay survives the TIFF");
	}

	/**
	 * Both outputs into one folder: each TIFF keeps a RoiSet named after it whose ROIs sit where its overlay's do. The two
	 * share the results table, so the second run is refused without overwrite (the first's files kept) and replaces it with.
	 */
	@Test
	void channelAndImageOutputsInOneFolderKeepARoiSetThatFitsEachTiff() throws IOException {
		Path out = dir.resolve("both");
		AttributionRun.run(ihc(), settings("ihc-stain").output("channel").saveDir(out), Progress.NONE);
		String base = "ihc-heldout-patches-saliency";
		java.util.List<String> first = TestFiles.names(out);
		IllegalArgumentException refused = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
			() -> AttributionRun.run(ihc(), settings("ihc-stain").output("image").saveDir(out), Progress.NONE));
		assertTrue(refused.getMessage().startsWith(out.resolve(base + "-results.csv") + " already exists (an earlier run's output)"), refused.getMessage());
		assertEquals(first, TestFiles.names(out), "nothing written");
		AttributionRun.run(ihc(), settings("ihc-stain").output("image").saveDir(out).overwrite(true), Progress.NONE);
		assertEquals(java.util.List.of(base + "-RoiSet.zip", base + "-map-RoiSet.zip", base + "-map.tif", base + "-results.csv", base + ".tif"),
			TestFiles.names(out));
		for (String tiff : java.util.List.of(base, base + "-map")) {
			ImagePlus reopened = IJ.openImage(out.resolve(tiff + ".tif").toString());
			java.util.List<ij.gui.Roi> zip = org.conceptscope.fiji.RoiZip.read(AttributionOutputs.roiSetOf(out.resolve(tiff + ".tif")));
			ij.gui.Roi[] overlay = reopened.getOverlay().toArray();
			assertEquals(overlay.length, zip.size(), tiff);
			for (int i = 0; i < zip.size(); i++) {
				ij.gui.Roi a = zip.get(i), b = overlay[i];
				String where = tiff + " ROI " + (i + 1);
				assertEquals(b.getName(), a.getName(), where);
				assertEquals(java.util.List.of(b.getCPosition(), b.getZPosition(), b.getTPosition(), b.getPosition()),
					java.util.List.of(a.getCPosition(), a.getZPosition(), a.getTPosition(), a.getPosition()), where);
			}
		}
		ij.gui.Roi inComposite = org.conceptscope.fiji.RoiZip.read(out.resolve(base + "-RoiSet.zip")).get(1);
		ij.gui.Roi inMaps = org.conceptscope.fiji.RoiZip.read(out.resolve(base + "-map-RoiSet.zip")).get(1);
		assertEquals(java.util.List.of(true, 2, 0), java.util.List.of(inComposite.hasHyperStackPosition(), inComposite.getZPosition(),
			inComposite.getPosition()), "output=channel: slice 2 of the composite hyperstack");
		assertEquals(java.util.List.of(false, 2), java.util.List.of(inMaps.hasHyperStackPosition(), inMaps.getPosition()),
			"output=image: plane 2 of a plain stack, by stack index");
	}

	@Test
	void cancellingStopsTheRunAndWritesNothing() {
		AtomicInteger calls = new AtomicInteger();
		Progress cancelAtOnce = (done, total, message) -> calls.incrementAndGet() < 0;
		Path out = dir.resolve("cancelled");
		assertThrows(CancellationException.class,
			() -> AttributionRun.run(ihc(), settings("ihc-stain").method("smoothgrad").saveDir(out), cancelAtOnce));
		assertEquals(1, calls.get(), "stopped at the first progress report");
		assertFalse(Files.exists(out));
	}

	@Test
	void escapeCancelsTheImageJProgressAndANewRunStartsClean() {
		ImageJProgress progress = new ImageJProgress("test");
		assertTrue(progress.report(1, 10, "saliency"));
		IJ.setKeyDown(KeyEvent.VK_ESCAPE);
		assertFalse(progress.report(2, 10, "saliency"), "Esc cancels");
		assertTrue(new ImageJProgress("next").report(1, 10, "saliency"), "a new run clears the earlier Esc");
	}

	@Test
	void inputsAUserCanFixAreReportedWithWhatToDo() {
		ImagePlus ihc = ihc();
		String size = assertThrows(IllegalArgumentException.class,
			() -> AttributionRun.run(ihc, settings("ct-tissue"), Progress.NONE)).getMessage();
		// A 32x32 image is tiled for the 16x16 CT model (no size refusal), and its three channels are refused before any tile runs.
		assertTrue(size.startsWith("'" + ihc.getTitle() + "' has 3 channel(s), but the model takes 1 (an RGB image has 3, a composite one per channel):"
			+ " give images of the kind the model was trained on (Image > Type > 8-bit makes a grey image of an RGB one)."), size);
		String layer = assertThrows(IllegalArgumentException.class,
			() -> AttributionRun.run(ihc, settings("ihc-stain").method("gradcam").layer("conv9"), Progress.NONE)).getMessage();
		assertTrue(layer.startsWith("Unknown layer 'conv9' for Grad-CAM. Spatial layers: [conv1/conv2d, "), layer);
		String noImage = assertThrows(IllegalArgumentException.class,
			() -> AttributionRun.run(null, settings("ihc-stain"), Progress.NONE)).getMessage();
		assertTrue(noImage.startsWith("No image is open: open an image or stack first (File > Open)"), noImage);
		String model = assertThrows(RuntimeException.class,
			() -> AttributionRun.run(ihc, settings("ihc-stain").model(dir), Progress.NONE)).getMessage();
		assertTrue(model.contains("is not a TensorFlow SavedModel: it has no saved_model.pb"), model);
	}

	@Test
	void theRecordedOptionsReplayToTheSameSettings() {
		AttributionSettings s = settings("ihc-stain").method("sobol").target("soft tissue").seed(7).grid(5).designs(12)
			.blurSigma(1.5).perChannel(true).output("image").topFraction(0.25).saveDir(dir.resolve("with space"));
		AttributionSettings replayed = AttributionSettings.parse(s.toMacroOptions());
		assertEquals(s.toMacroOptions(), replayed.toMacroOptions());
		assertEquals(dir.resolve("with space"), replayed.saveDir());
		assertEquals("soft tissue", replayed.target());
		assertTrue(replayed.perChannel());
	}

	private ImagePlus ihc() {
		return IJ.openImage(testImages.resolve("images/ihc-heldout-patches.tif").toString());
	}

	private AttributionSettings settings(String model) {
		return new AttributionSettings().model(testImages.resolve("models").resolve(model));
	}

	private static Object[] pixels(ImagePlus imp) {
		Object[] out = new Object[imp.getStackSize()];
		for (int i = 0; i < out.length; i++) out[i] = ((int[]) imp.getStack().getPixels(i + 1)).clone();
		return out;
	}
}
