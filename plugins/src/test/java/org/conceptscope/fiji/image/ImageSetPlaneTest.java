package org.conceptscope.fiji.image;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ij.CompositeImage;
import ij.ImagePlus;
import ij.ImageStack;
import ij.process.ShortProcessor;

import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * The displayable plane of a set's entry (what atlas and montage crops show) of a two-channel 16-bit
 * composite is its first channel with that channel's display range, whichever channel the user has
 * selected (the image's own display range is the selected channel's); the user's image keeps its
 * selection and ranges.
 */
class ImageSetPlaneTest {

	@Test
	void aCompositesPlaneHasItsFirstChannelsRangeWhicheverChannelIsSelected() {
		ImageStack stack = new ImageStack(4, 3);
		for (int c = 0; c < 2; c++) {
			ShortProcessor ip = new ShortProcessor(4, 3);
			ip.set(c == 0 ? 300 : 30000);
			stack.addSlice(ip);
		}
		ImagePlus imp = new ImagePlus("two channels", stack);
		imp.setDimensions(2, 1, 1);
		CompositeImage ci = new CompositeImage(imp, CompositeImage.COMPOSITE);
		ci.setC(1);
		ci.setDisplayRange(0, 500);
		ci.setC(2);
		ci.setDisplayRange(0, 40000);
		assertEquals(40000, ci.getDisplayRangeMax(), "the image's range is the selected channel's");
		ij.process.ImageProcessor plane = new ImageSet(List.of(ci)).plane(0);
		assertEquals(300, plane.get(0, 0), "channel 1");
		assertEquals(0, plane.getMin());
		assertEquals(500, plane.getMax(), "channel 1's display range, not the selected channel 2's");
		assertEquals(2, ci.getC(), "the user's selection is kept");
		assertEquals(40000, ci.getDisplayRangeMax());
	}
}
