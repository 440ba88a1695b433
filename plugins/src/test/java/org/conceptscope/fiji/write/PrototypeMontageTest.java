package org.conceptscope.fiji.write;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ij.ImagePlus;
import ij.gui.Overlay;
import ij.gui.Roi;
import ij.process.ByteProcessor;
import ij.process.ColorProcessor;

import java.awt.Rectangle;
import java.util.List;
import java.util.Random;

import org.conceptscope.fiji.image.ImageSet;
import org.junit.jupiter.api.Test;

/**
 * The montage of example crops on inputs that are not square: a whole 40 x 16 input is a 40 x 16
 * panel (times the replication factor), every montage pixel equal to its source pixel, never a
 * square cut from the input's top left; a rectangular crop shows exactly its region; panels stand
 * in cells of one size.
 */
class PrototypeMontageTest {

	private static ByteProcessor noise(int width, int height, long seed) {
		Random r = new Random(seed);
		ByteProcessor ip = new ByteProcessor(width, height);
		for (int p = 0; p < width * height; p++) ip.set(p, r.nextInt(256));
		return ip;
	}

	/** Every pixel of the panel at {@code panel} is the source pixel at (x0 + px / scale, y0 + py / scale), grey as RGB. */
	private static void assertShows(ColorProcessor montage, Rectangle panel, ByteProcessor source, int x0, int y0, int scale, String what) {
		for (int py = 0; py < panel.height; py++) {
			for (int px = 0; px < panel.width; px++) {
				int v = source.get(x0 + px / scale, y0 + py / scale);
				assertEquals((v << 16) | (v << 8) | v, montage.get(panel.x + px, panel.y + py) & 0xffffff, what + " at " + px + "," + py);
			}
		}
	}

	@Test
	void wholeNonSquareInputsArePanelsOfTheirOwnShape() {
		ByteProcessor a = noise(40, 16, 1), b = noise(40, 16, 2);
		ImageSet images = new ImageSet(List.of(new ImagePlus("a.tif", a), new ImagePlus("b.tif", b)));
		List<PrototypeMontage.Row> rows = List.of(new PrototypeMontage.Row("row", "row",
			List.of(PrototypeMontage.Crop.whole(images, 0, 0.5), PrototypeMontage.Crop.whole(images, 1, 1.5))));
		ImagePlus montage = PrototypeMontage.build(rows, images, "m", "info");
		Overlay o = montage.getOverlay();
		assertEquals(2, o.size());
		int scale = 2; // the longer side, 40, replicated until at least 48
		ColorProcessor pixels = (ColorProcessor) montage.getProcessor();
		ByteProcessor[] sources = { a, b };
		for (int j = 0; j < 2; j++) {
			Roi roi = o.get(j);
			Rectangle r = roi.getBounds();
			assertEquals(new Rectangle(PrototypeMontage.GAP + j * (40 * scale + PrototypeMontage.GAP), PrototypeMontage.GAP + PrototypeMontage.LABEL,
				40 * scale, 16 * scale), r, "the whole input, in its own aspect, one cell after the other");
			assertShows(pixels, r, sources[j], 0, 0, scale, "panel " + (j + 1));
			assertEquals("row; example " + (j + 1) + "; " + (j == 0 ? "a.tif" : "b.tif") + " slice 1; x=0,y=0", roi.getName());
			assertEquals(j == 0 ? "0.500000" : "1.50000", roi.getProperty("score"));
		}
		assertEquals(PrototypeMontage.LABEL + 16 * scale + 2 * PrototypeMontage.GAP, montage.getHeight(),
			"one row as high as the panels, not as wide");
	}

	@Test
	void aRectangularCropShowsExactlyItsRegionAndCellsAreOfOneSize() {
		ByteProcessor tall = noise(12, 30, 3), wide = noise(30, 12, 4);
		ImageSet images = new ImageSet(List.of(new ImagePlus("tall.tif", tall), new ImagePlus("wide.tif", wide)));
		List<PrototypeMontage.Row> rows = List.of(
			new PrototypeMontage.Row("first", "first", List.of(new PrototypeMontage.Crop(0, 2, 5, 7, 20, 1), PrototypeMontage.Crop.whole(images, 1, 2))),
			new PrototypeMontage.Row("second", "second", List.of(PrototypeMontage.Crop.square(1, 20, 1, 9, 3))));
		ImagePlus montage = PrototypeMontage.build(rows, images, "m", "info", "distance", 10);
		// cells: the widest crop (30) by the tallest (20); the longer side 30 needs a factor 2 to reach 48
		int scale = 2, cellW = 30 * scale, cellH = 20 * scale, gap = PrototypeMontage.GAP, label = PrototypeMontage.LABEL;
		int rowHeight = label + cellH + gap;
		assertEquals(gap + 2 * (cellW + gap), montage.getWidth());
		assertEquals(2 * rowHeight + gap, montage.getHeight());
		Overlay o = montage.getOverlay();
		ColorProcessor pixels = (ColorProcessor) montage.getProcessor();
		Rectangle r0 = o.get(0).getBounds(), r1 = o.get(1).getBounds(), r2 = o.get(2).getBounds();
		assertEquals(new Rectangle(gap, gap + label, 7 * scale, 20 * scale), r0);
		assertShows(pixels, r0, tall, 2, 5, scale, "the 7 x 20 crop at (2, 5)");
		assertEquals(new Rectangle(gap + cellW + gap, gap + label, 30 * scale, 12 * scale), r1);
		assertShows(pixels, r1, wide, 0, 0, scale, "the whole 30 x 12 input");
		assertEquals(new Rectangle(gap, rowHeight + gap + label, 9 * scale, 9 * scale), r2);
		assertShows(pixels, r2, wide, 20, 1, scale, "the square concept crop");
		assertEquals("first; example 1; tall.tif slice 1; x=2,y=5", o.get(0).getName());
		assertEquals("3.00000", o.get(2).getProperty("distance"));
	}

	@Test
	void aCropWithoutPixelsIsRefused() {
		assertThrows(IllegalArgumentException.class, () -> new PrototypeMontage.Crop(0, 0, 0, 0, 5, 0));
	}
}
