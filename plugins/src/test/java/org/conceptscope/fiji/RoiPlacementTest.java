package org.conceptscope.fiji;

import org.conceptscope.fiji.write.ConceptMapsWriter;
import org.conceptscope.fiji.image.Explanation;
import org.conceptscope.fiji.write.HeatmapWriter;
import org.conceptscope.fiji.write.MapChannels;
import org.conceptscope.fiji.image.RoiPositions;
import org.conceptscope.fiji.write.RoiWriter;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.CompositeImage;
import ij.IJ;
import ij.ImagePlus;
import ij.gui.Overlay;
import ij.gui.Roi;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.conceptscope.fiji.run.AttributionOutputs;
import org.conceptscope.fiji.run.AttributionResult;
import org.conceptscope.fiji.run.AttributionSettings;
import org.conceptscope.tensor.FloatTensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ROIs land on their own plane (and, for several maps, their own channel) as ImageJ 1.54p draws
 * them: read back from the saved RoiSet.zip and TIFF overlay, and drawn by ImageJ itself
 * ({@code ImagePlus.flatten} with the ROI against without it) on every plane. A plain stack takes
 * ROIs by stack index: a (c, z, t) position there is drawn on every slice.
 */
class RoiPlacementTest {

	static final int W = 10, H = 10, N = 4;

	@TempDir
	Path dir;

	@Test
	void mapImageOfAZStackDrawsEachSlicesRoiOnThatSliceOnly() throws IOException {
		Explanation e = SyntheticExplanations.rgbRamp(W, H, N);
		AttributionResult r = AttributionOutputs.save(AttributionOutputs.build(e, new AttributionSettings().output("image")), dir);
		ImagePlus map = IJ.openImage(dir.resolve("ramp-ramp-map.tif").toString());
		assertEquals(N, map.getStackSize());
		assertFalse(map.isHyperStack(), "one channel, slices only: a plain stack");
		List<Roi> zip = RoiZip.read(dir.resolve("ramp-ramp-map-RoiSet.zip"));
		Overlay overlay = map.getOverlay();
		assertEquals(N, zip.size());
		assertEquals(N, overlay.size());
		for (int z = 1; z <= N; z++) {
			for (Roi roi : List.of(zip.get(z - 1), overlay.get(z - 1))) {
				assertFalse(roi.hasHyperStackPosition(), roi.getName());
				assertEquals(z, roi.getPosition(), roi.getName() + ": its stack index");
			}
			for (int p = 1; p <= N; p++) assertEquals(p == z, drawnOn(map, overlay.get(z - 1), 1, p, 1), "ROI " + z + " on slice " + p);
		}
		assertEquals(N, r.rois().size());
	}

	@Test
	void severalMapsSitOnTheirChannelOfTheCompositeAndTheirSlice() throws IOException {
		ImagePlus rgb = SyntheticExplanations.rgbRamp(W, H, N).image();
		int k = 3;
		FloatTensor maps = squares(k);
		List<String> labels = List.of("concept 1", "concept 2", "concept 3");
		CompositeImage out = MapChannels.build(rgb, maps, List.of("c1", "c2", "c3"), "ramp-concepts", true);
		List<Roi> rois = ConceptMapsWriter.rois(rgb, maps, labels, "DAB-positive", 0.05, out);
		out.setOverlay(ConceptMapsWriter.overlay(rois));
		Path tif = dir.resolve("concepts.tif"), zip = dir.resolve("concepts-RoiSet.zip");
		HeatmapWriter.save(out, tif);
		RoiWriter.save(rois, zip);
		ImagePlus back = IJ.openImage(tif.toString());
		assertEquals(3 + k, back.getNChannels());
		((CompositeImage) back).setMode(IJ.COLOR); // one channel at a time, so a channel's ROIs show alone
		List<Roi> read = RoiZip.read(zip);
		assertEquals(N * k, read.size());
		for (int i = 0; i < read.size(); i++) {
			int z = i / k + 1, q = i % k;
			Roi roi = read.get(i), shown = back.getOverlay().get(i);
			assertEquals("concept " + (q + 1) + "; DAB-positive; slice=" + z, roi.getName());
			for (Roi r : List.of(roi, shown)) {
				assertTrue(r.hasHyperStackPosition());
				assertEquals(List.of(3 + q + 1, z, 1), List.of(r.getCPosition(), r.getZPosition(), r.getTPosition()),
					"R, G, B, then concept " + (q + 1));
			}
			for (int c = 1; c <= 3 + k; c++) {
				for (int p = 1; p <= N; p++) {
					assertEquals(c == 3 + q + 1 && p == z, drawnOn(back, shown, c, p, 1), roi.getName() + " on channel " + c + ", slice " + p);
				}
			}
		}
	}

	@Test
	void oneMapAloneOnAZStackAndRoiManagerCopiesForThePlainInputTakeStackIndices() {
		ImagePlus rgb = SyntheticExplanations.rgbRamp(W, H, N).image();
		FloatTensor one = squares(1);
		CompositeImage alone = MapChannels.build(rgb, one, List.of("c1"), "ramp-concepts-map", false);
		List<Roi> rois = ConceptMapsWriter.rois(rgb, one, List.of("concept 1"), "x", 0.05, alone);
		for (int z = 1; z <= N; z++) {
			assertFalse(rois.get(z - 1).hasHyperStackPosition());
			assertEquals(z, rois.get(z - 1).getPosition());
		}
		// the ROIs of a composite, copied for the user's plain RGB stack (what the ROI Manager gets while it is current)
		CompositeImage composite = MapChannels.build(rgb, squares(2), List.of("a", "b"), "t", true);
		List<Roi> onComposite = ConceptMapsWriter.rois(rgb, squares(2), List.of("concept 1", "concept 2"), "x", 0.05, composite);
		List<Roi> copies = RoiPositions.copies(onComposite, composite, rgb);
		for (int i = 0; i < copies.size(); i++) {
			int z = i / 2 + 1;
			assertFalse(copies.get(i).hasHyperStackPosition());
			assertEquals(z, copies.get(i).getPosition());
			for (int p = 1; p <= N; p++) assertEquals(p == z, drawnOn(rgb, copies.get(i), 1, p, 1), "copy " + i + " on slice " + p);
			assertEquals(4 + i % 2, onComposite.get(i).getCPosition(), "the composite's own ROIs keep their channel");
		}
	}

	@Test
	void moreChannelsThanImageJOverlaysOpenInColorModeWithALogNote() {
		ImagePlus rgb = SyntheticExplanations.rgbRamp(W, H, 2).image();
		CompositeImage[] built = new CompositeImage[2];
		assertEquals("", Printed.during(() -> built[0] = MapChannels.build(rgb, squares(5, 2), names(5), "eight", true)));
		String note = Printed.during(() -> built[1] = MapChannels.build(rgb, squares(6, 2), names(6), "nine", true)); // headless, IJ.log prints
		CompositeImage eight = built[0], nine = built[1];
		assertEquals(8, eight.getNChannels());
		assertEquals(IJ.COMPOSITE, eight.getMode());
		assertEquals(9, nine.getNChannels());
		assertEquals(IJ.COLOR, nine.getMode());
		assertTrue(note.contains("ConceptScope: nine has 9 channels, more than the 8 ImageJ overlays as a composite, so it opens in"
			+ " color mode"), note);
	}

	/** k maps [N, H, W, k]: map q of slice b is 1 on a 2 x 2 square at its own place, 0 elsewhere. */
	static FloatTensor squares(int k) {
		return squares(k, N);
	}

	static FloatTensor squares(int k, int n) {
		float[] d = new float[n * H * W * k];
		for (int b = 0; b < n; b++) {
			for (int q = 0; q < k; q++) {
				int x0 = (2 * q + b) % (W - 1), y0 = (3 * q + b) % (H - 1);
				for (int y = y0; y < y0 + 2; y++) for (int x = x0; x < x0 + 2; x++) d[((b * H + y) * W + x) * k + q] = 1;
			}
		}
		return new FloatTensor(new long[] { n, H, W, k }, d);
	}

	static List<String> names(int k) {
		List<String> out = new ArrayList<>();
		for (int q = 1; q <= k; q++) out.add("map " + q);
		return out;
	}

	/** Whether ImageJ draws the ROI as overlay at (c, z, t): the flattened plane with it differs from the one without. */
	static boolean drawnOn(ImagePlus imp, Roi roi, int c, int z, int t) {
		Overlay saved = imp.getOverlay();
		try {
			imp.setPosition(c, z, t);
			Roi copy = (Roi) roi.clone();
			copy.setStrokeColor(Color.GREEN);
			imp.setOverlay(new Overlay(copy));
			int[] with = (int[]) imp.flatten().getProcessor().getPixels();
			imp.setOverlay(new Overlay());
			int[] without = (int[]) imp.flatten().getProcessor().getPixels();
			return !Arrays.equals(with, without);
		} finally {
			imp.setOverlay(saved);
		}
	}
}
