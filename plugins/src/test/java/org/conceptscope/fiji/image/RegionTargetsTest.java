package org.conceptscope.fiji.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.ImagePlus;
import ij.ImageStack;
import ij.gui.Line;
import ij.gui.OvalRoi;
import ij.gui.Roi;
import ij.process.ByteProcessor;

import java.util.List;

import org.conceptscope.attribution.RegionExplainer.Region;
import org.junit.jupiter.api.Test;

/**
 * The batch runner's check (before any work) and the regions of an image name the same ROIs the same
 * way and refuse a ROI that is not an area with the same sentence.
 */
class RegionTargetsTest {

	private static final int W = 40, H = 30;

	private static ImagePlus stack(int slices) {
		ImageStack s = new ImageStack(W, H);
		for (int i = 0; i < slices; i++) s.addSlice(new ByteProcessor(W, H));
		return new ImagePlus("cells.tif", s);
	}

	@Test
	void unnamedRoisAreNamedByTheirPlaceAndKeepTheirBoxAndMask() {
		Roi named = new Roi(2, 3, 5, 4), unnamed = new OvalRoi(10, 8, 6, 6);
		named.setName("nucleus");
		List<Roi> rois = List.of(named, unnamed);
		RegionTargets.check(rois, W, H, "RoiSet.zip");
		List<Region> r = RegionTargets.regions(rois, stack(1), "RoiSet.zip");
		assertEquals(List.of("nucleus", "ROI 2"), r.stream().map(Region::name).toList());
		assertEquals(List.of(2, 3, 5, 4), List.of(r.get(0).x(), r.get(0).y(), r.get(0).width(), r.get(0).height()));
		assertEquals(List.of(10, 8, 6, 6), List.of(r.get(1).x(), r.get(1).y(), r.get(1).width(), r.get(1).height()));
		// the oval's mask: its corners are out, its centre is in
		boolean[] m = r.get(1).mask();
		assertEquals(36, m.length);
		assertArrayEquals(new boolean[] { false, true }, new boolean[] { m[0], m[3 * 6 + 3] });
	}

	@Test
	void bothStepsRefuseALineWithTheSameSentence() {
		Roi area = new Roi(2, 3, 5, 4);
		Line line = new Line(1, 1, 20, 15);
		List<Roi> rois = List.of(area, line);
		String want = "The ROI 'ROI 2' of RoiSet.zip is a straight line, not an area; explain area ROIs (rectangle, oval, polygon, freehand).";
		IllegalArgumentException checked = assertThrows(IllegalArgumentException.class, () -> RegionTargets.check(rois, W, H, "RoiSet.zip"));
		assertEquals(want, checked.getMessage());
		IllegalArgumentException regions = assertThrows(IllegalArgumentException.class, () -> RegionTargets.regions(rois, stack(2), "RoiSet.zip"));
		assertEquals(want, regions.getMessage());
	}

	@Test
	void aRoiOutsideTheImagesIsRefusedBeforeWork() {
		Roi far = new Roi(W + 5, 2, 4, 4);
		far.setName("far");
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RegionTargets.check(List.of(far), W, H, "a.zip"));
		assertEquals("The ROI 'far' of a.zip (45, 2, 4x4) lies outside the 40x30 images; check that the ROI file belongs to these images.",
			e.getMessage());
	}

	/** A ROI past the edge becomes its part inside: box and mask cut to the image, one note naming it; one inside is left whole. */
	@Test
	void aRoiPastTheEdgeIsClippedWithItsMask() {
		Roi left = new OvalRoi(-4, 10, 10, 8), inside = new Roi(2, 3, 5, 4);
		left.setName("left");
		List<Roi> rois = List.of(left, inside);
		RegionTargets.check(rois, W, H, "a.zip");
		Region r = RegionTargets.regions(rois, stack(1), "a.zip").get(0);
		assertEquals(List.of(0, 10, 6, 8), List.of(r.x(), r.y(), r.width(), r.height()));
		boolean[] cut = r.mask();
		ij.process.ImageProcessor drawn = left.getMask();
		for (int y = 0; y < 8; y++) for (int x = 0; x < 6; x++) assertEquals(drawn.get(x + 4, y) != 0, cut[y * 6 + x], "pixel " + x + "," + y);
		assertEquals("The ROI 'left' (-4, 10, 10x8 clipped to 0, 10, 6x8) of a.zip reaches past the edge of the 40x30 image: it is explained on"
			+ " its part inside the image, and the table gives those bounds.", RegionTargets.clippedNote(rois, W, H, "a.zip"));
		assertEquals(null, RegionTargets.clippedNote(List.of(inside), W, H, "a.zip"));
	}

	/**
	 * An oval centred outside the image keeps only the rows its inside chord spans: the box is the
	 * bounding box of the mask's pixels inside the image, in the regions and the note alike.
	 */
	@Test
	void anOvalCentredOutsideIsClippedToItsPixelsInside() {
		Roi left = new OvalRoi(-8, 10, 10, 8);
		left.setName("left");
		List<Roi> rois = List.of(left);
		Region r = RegionTargets.regions(rois, stack(1), "a.zip").get(0);
		int[] tight = insideBounds(left);
		assertEquals(List.of(0, tight[1], 2, tight[3]), List.of(r.x(), r.y(), r.width(), r.height()));
		assertTrue(r.height() < 8, "the inside chord is shorter than the oval: " + r.height());
		assertMaskIsDrawn(left, r);
		assertEquals("The ROI 'left' (-8, 10, 10x8 clipped to 0, " + r.y() + ", 2x" + r.height() + ") of a.zip reaches past the edge of the 40x30"
			+ " image: it is explained on its part inside the image, and the table gives those bounds.", RegionTargets.clippedNote(rois, W, H, "a.zip"));
	}

	/** Past the right and bottom edges: an oval shrinks to its pixels inside, a rectangle is its box cut at the edges. */
	@Test
	void aRoiPastTheRightAndBottomEdgesIsClippedToItsPixelsInside() {
		Roi oval = new OvalRoi(W - 3, H - 4, 10, 8), rect = new Roi(W - 3, H - 2, 10, 8);
		List<Region> r = RegionTargets.regions(List.of(oval, rect), stack(1), "a.zip");
		int[] tight = insideBounds(oval);
		assertEquals(List.of(tight[0], tight[1], tight[2], tight[3]), List.of(r.get(0).x(), r.get(0).y(), r.get(0).width(), r.get(0).height()));
		assertTrue(r.get(0).width() * r.get(0).height() < 3 * 4, "the oval's corner inside is smaller than the cut box");
		assertMaskIsDrawn(oval, r.get(0));
		assertEquals(List.of(W - 3, H - 2, 3, 2), List.of(r.get(1).x(), r.get(1).y(), r.get(1).width(), r.get(1).height()));
		assertEquals(null, r.get(1).mask());
	}

	/** The bounding box (x, y, width, height) of a ROI's mask pixels inside the W x H image, counted from ImageJ's own mask. */
	private static int[] insideBounds(Roi roi) {
		java.awt.Rectangle b = roi.getBounds();
		ij.process.ImageProcessor m = roi.getMask();
		int x0 = Integer.MAX_VALUE, y0 = Integer.MAX_VALUE, x1 = -1, y1 = -1;
		for (int y = 0; y < b.height; y++) {
			for (int x = 0; x < b.width; x++) {
				int px = b.x + x, py = b.y + y;
				if (m.get(x, y) == 0 || px < 0 || py < 0 || px >= W || py >= H) continue;
				x0 = Math.min(x0, px);
				y0 = Math.min(y0, py);
				x1 = Math.max(x1, px);
				y1 = Math.max(y1, py);
			}
		}
		return new int[] { x0, y0, x1 - x0 + 1, y1 - y0 + 1 };
	}

	/** The region's mask is the ROI's own mask over the region's box. */
	private static void assertMaskIsDrawn(Roi roi, Region r) {
		java.awt.Rectangle b = roi.getBounds();
		ij.process.ImageProcessor drawn = roi.getMask();
		boolean[] mask = r.mask();
		for (int y = 0; y < r.height(); y++) {
			for (int x = 0; x < r.width(); x++) {
				assertEquals(drawn.get(r.x() + x - b.x, r.y() + y - b.y) != 0, mask[y * r.width() + x], "pixel " + x + "," + y);
			}
		}
	}

	/** A ROI placed beyond the image's planes (another stack's ROI set) is one sentence, by stack index or by (c, z, t). */
	@Test
	void aRoiOnAPlaneTheImageDoesNotHaveIsRefused() {
		Roi byIndex = new Roi(2, 3, 5, 4), byCzt = new Roi(2, 3, 5, 4);
		byIndex.setName("cell");
		byIndex.setPosition(5);
		byCzt.setName("cell");
		byCzt.setPosition(0, 4, 1);
		assertEquals("The ROI 'cell' of RoiSet.zip lies on stack position 5, beyond the 3 slice(s) and 1 frame(s) of 'cells.tif'; check that"
			+ " the ROIs belong to this image.",
			assertThrows(IllegalArgumentException.class, () -> RegionTargets.regions(List.of(byIndex), stack(3), "RoiSet.zip")).getMessage());
		assertEquals("The ROI 'cell' of RoiSet.zip lies on slice 4, frame 1, beyond the 3 slice(s) and 1 frame(s) of 'cells.tif'; check that"
			+ " the ROIs belong to this image.",
			assertThrows(IllegalArgumentException.class, () -> RegionTargets.regions(List.of(byCzt), stack(3), "RoiSet.zip")).getMessage());
		byIndex.setPosition(3);
		assertEquals(List.of(2), RegionTargets.regions(List.of(byIndex), stack(3), "RoiSet.zip").stream().map(Region::image).toList());
		// one image, of one channel or two: every ROI is explained on it, wherever it was drawn
		byIndex.setPosition(5);
		ImagePlus two = stack(2);
		two.setDimensions(2, 1, 1);
		for (ImagePlus one : List.of(stack(1), two)) {
			for (Roi roi : List.of(byIndex, byCzt)) {
				assertEquals(List.of(0), RegionTargets.regions(List.of(roi), one, "RoiSet.zip").stream().map(Region::image).toList());
			}
		}
	}

	@Test
	void aRoiWithoutPositionIsExplainedOnEverySlice() {
		Roi roi = new Roi(2, 3, 5, 4);
		roi.setName("cell");
		List<Region> r = RegionTargets.regions(List.of(roi), stack(3), "the selection");
		assertEquals(List.of("cell @ slice 1", "cell @ slice 2", "cell @ slice 3"), r.stream().map(Region::name).toList());
		assertEquals(List.of(0, 1, 2), r.stream().map(Region::image).toList());
	}
}
