package org.conceptscope.fiji.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import ij.ImagePlus;
import ij.process.ByteProcessor;

import org.junit.jupiter.api.Test;

/**
 * Result names keep what tells images apart: two Bio-Formats series of one file, or two titles differing after
 * a space, give two names (ImageJ's short title gives one, so a macro over them overwrote the first's files).
 */
class ImageTitlesTest {

	private static String base(String title) {
		return ImageTitles.base(new ImagePlus(title, new ByteProcessor(2, 2)));
	}

	@Test
	void seriesAndTitlesWithSpacesStayApart() {
		assertEquals("exp", new ImagePlus("exp.lif - Series001", new ByteProcessor(2, 2)).getShortTitle(), "what ImageJ gives both series");
		assertNotEquals(base("exp.lif - Series001"), base("exp.lif - Series002"));
		assertEquals("exp.lif - Series001", base("exp.lif - Series001"));
		assertEquals("Sample A", base("Sample A"));
		assertEquals("a b", base("a b.tif"));
	}

	@Test
	void aFileExtensionGoesAsImageJTakesItOff() {
		assertEquals("ihc-heldout-patches", base("ihc-heldout-patches.tif"));
		assertEquals("x.y", base("x.y.TIF"));
		assertEquals("cells", base("cells.ome.tif"));
		assertEquals("exp", base("exp.czi"), "a microscope's file of one image, opened by Bio-Formats");
		assertEquals("slide", base("slide.ND2"));
		assertEquals("ct", base("ct.dcm"));
		assertEquals("image", base(""));
		assertEquals(".tif", base(".tif"), "nothing but an extension is kept as it is");
		assertEquals("cells", ImageTitles.base("cells.ome.tif", "images"), "a file name, as the batch runner names its outputs");
		assertEquals("images", ImageTitles.base("", "images"));
	}
}
