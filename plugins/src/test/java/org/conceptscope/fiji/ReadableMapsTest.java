package org.conceptscope.fiji;

import org.conceptscope.fiji.write.HeatOverlay;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.CompositeImage;
import ij.IJ;
import ij.ImagePlus;
import ij.gui.ImageRoi;
import ij.gui.Overlay;
import ij.process.LUT;

import java.nio.file.Path;

import org.conceptscope.fiji.run.AttributionResult;
import org.conceptscope.fiji.run.AttributionRun;
import org.conceptscope.fiji.run.AttributionSettings;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.Test;

/**
 * Results that read right: signed maps with a diverging LUT white at zero over a symmetric range,
 * unsigned maps with Fire from zero; the heat map drawn over the image as a translucent overlay
 * while its channel stays for measurement; per-channel display ranges.
 */
class ReadableMapsTest {

	private final Path testImages = TestFiles.testImages();

	private AttributionResult run(String method, double opacity) throws Exception {
		ImagePlus ihc = IJ.openImage(testImages.resolve("images/ihc-heldout-patches.tif").toString());
		ImagePlus first = new ij.plugin.SubstackMaker().makeSubstack(ihc, "1-4");
		return AttributionRun.run(first, new AttributionSettings().model(testImages.resolve("models/ihc-stain")).method(method)
			.opacity(opacity), Progress.NONE);
	}

	@Test
	void signedMapsAreDivergingAndCentredOnZero() throws Exception {
		AttributionResult r = run("integrated_gradients", 0.5);
		CompositeImage ci = (CompositeImage) r.image();
		LUT lut = ci.getChannelLut(4);
		assertEquals(-lut.max, lut.min, 1e-9, "a symmetric range");
		double largest = 0;
		for (int b = 0; b < r.explanation().size(); b++) for (float v : r.explanation().map(b)) largest = Math.max(largest, Math.abs(v));
		assertEquals(largest, lut.max, 1e-6 * largest, "the range reaches the largest magnitude of the maps");
		// Zero sits in the middle of the LUT, and the middle is white; the ends are blue and red.
		for (int i : new int[] { 127, 128 }) {
			int rgb = lut.getRGB(i);
			for (int shift : new int[] { 0, 8, 16 }) assertTrue(((rgb >> shift) & 0xff) >= 250, "white at zero (" + Integer.toHexString(rgb) + ")");
		}
		assertEquals(0xff, lut.getRGB(0) & 0xff, "blue for the most negative");
		assertEquals(0xff, (lut.getRGB(255) >> 16) & 0xff, "red for the most positive");
		assertEquals(0, lut.getRGB(255) & 0xff);
	}

	@Test
	void unsignedMapsAreFireFromZero() throws Exception {
		AttributionResult r = run("saliency", 0.5);
		LUT lut = ((CompositeImage) r.image()).getChannelLut(4);
		assertEquals(0, lut.min, 0);
		assertEquals(0, lut.getRGB(0) & 0xffffff, "Fire starts black");
	}

	@Test
	void theHeatMapIsATranslucentOverlayAndItsChannelStays() throws Exception {
		AttributionResult r = run("saliency", 0.4);
		CompositeImage ci = (CompositeImage) r.image();
		assertEquals("1110", ci.getActiveChannels()[0] ? activeString(ci) : "", "image channels shown, the map channel hidden");
		Overlay o = ci.getOverlay();
		int images = 0;
		for (int i = 0; i < o.size(); i++) {
			if (o.get(i) instanceof ImageRoi roi) {
				images++;
				assertEquals(0.4, roi.getOpacity(), 1e-6);
				assertEquals(0, roi.getCPosition(), "over every channel");
				assertEquals(HeatOverlay.NAME, roi.getName());
			}
		}
		assertEquals(4, images, "one overlay per slice");
		// The map channel still holds the map values, for measurement.
		float[] channel = (float[]) ci.getStack().getProcessor(ci.getStackIndex(4, 2, 1)).getPixels();
		float[] map = r.explanation().map(1);
		for (int i = 0; i < map.length; i++) assertEquals(map[i], channel[i], 0f);
		// The overlay's colour is the map through its LUT: the brightest map pixel gets the LUT's last colour.
		int at = 0;
		for (int i = 1; i < map.length; i++) if (map[i] > map[at]) at = i;
		ImageRoi second = null;
		for (int i = 0; i < o.size(); i++) if (o.get(i) instanceof ImageRoi roi && roi.getZPosition() == 2) second = roi;
		LUT lut = ci.getChannelLut(4);
		int index = (int) Math.min(255, Math.floor(256 * (map[at] - lut.min) / (lut.max - lut.min)));
		int got = ((int[]) second.getProcessor().getPixels())[at] & 0xffffff;
		boolean near = false; // ImageJ's float-to-byte scaling rounds: the entry or its neighbour
		for (int i = Math.max(0, index - 1); i <= Math.min(255, index + 1); i++) near |= (lut.getRGB(i) & 0xffffff) == got;
		assertTrue(near, "overlay colour " + Integer.toHexString(got) + " is the LUT's entry " + index);

		AttributionResult none = run("saliency", 0);
		CompositeImage plain = (CompositeImage) none.image();
		assertEquals("1111", activeString(plain), "opacity 0: the map shown as a channel");
		for (int i = 0; i < plain.getOverlay().size(); i++) assertTrue(!(plain.getOverlay().get(i) instanceof ImageRoi));
	}

	private static String activeString(CompositeImage ci) {
		StringBuilder s = new StringBuilder();
		for (boolean b : ci.getActiveChannels()) s.append(b ? '1' : '0');
		return s.substring(0, ci.getNChannels());
	}
}
