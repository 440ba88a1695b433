package org.conceptscope.fiji.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import ij.ImagePlus;
import ij.ImageStack;
import ij.process.ByteProcessor;
import ij.process.ColorProcessor;

import java.util.List;

import org.conceptscope.fiji.write.MapChannels;
import org.conceptscope.tensor.FloatTensor;
import org.junit.jupiter.api.Test;

/**
 * Labels of multichannel images name planes: Red, Green and Blue name a composite's channels, so
 * they stay on their channels in a result and are not any slice's label (every channel was labelled
 * Red, and so was the table's row).
 */
class SliceLabelsTest {

	/** c channels x z slices of 4 x 3 pixels, plane (c, z) labelled by {@code label}. */
	private static ImagePlus composite(int channels, int slices, java.util.function.BiFunction<Integer, Integer, String> label) {
		ImageStack s = new ImageStack(4, 3);
		for (int z = 1; z <= slices; z++) {
			for (int c = 1; c <= channels; c++) {
				ByteProcessor p = new ByteProcessor(4, 3);
				p.set(10 * c + z);
				s.addSlice(label.apply(c, z), p);
			}
		}
		ImagePlus imp = new ImagePlus("composite", s);
		imp.setDimensions(channels, slices, 1);
		return imp;
	}

	@Test
	void channelNamesAreNotSliceLabels() {
		List<String> rgb = List.of("Red", "Green", "Blue");
		ImagePlus imp = composite(3, 2, (c, z) -> rgb.get(c - 1));
		assertEquals("", SliceLabels.of(imp, 1, 1));
		assertNull(SliceLabels.raw(imp, 2, 1));
		for (int c = 0; c < 3; c++) assertEquals(rgb.get(c), SliceLabels.ofChannel(imp, c, 2, 1));

		ImagePlus out = MapChannels.build(imp, FloatTensor.zeros(2, 3, 4, 1), List.of("saliency: tumour"), "out", true);
		for (int z = 1; z <= 2; z++) {
			for (int c = 1; c <= 3; c++) assertEquals(rgb.get(c - 1), out.getStack().getSliceLabel(out.getStackIndex(c, z, 1)), "c" + c + " z" + z);
			assertEquals("saliency: tumour", out.getStack().getSliceLabel(out.getStackIndex(4, z, 1)));
		}
	}

	@Test
	void planeLabelsThatDifferOverSlicesGiveTheFirstChannelsAndOnePlanePerChannelNamesChannels() {
		ImagePlus planes = composite(2, 3, (c, z) -> "c" + c + "-z" + z);
		for (int z = 1; z <= 3; z++) assertEquals("c1-z" + z, SliceLabels.of(planes, z, 1));
		assertNull(SliceLabels.raw(composite(2, 1, (c, z) -> c == 1 ? "DAPI" : "GFP"), 1, 1), "one plane per channel: channel names");
		assertEquals("c1-z2", SliceLabels.raw(composite(2, 3, (c, z) -> c == 1 ? "c1-z" + z : null), 2, 1), "channel 2 unlabelled");
	}

	@Test
	void aLabelEveryChannelSharesIsTheSlicesAndDicomHeadersAreCutToTheirFirstLine() {
		ImagePlus imp = composite(2, 2, (c, z) -> "cell " + z + "\nheader line");
		assertEquals("cell 2", SliceLabels.of(imp, 2, 1));
		assertEquals("cell 1\nheader line", SliceLabels.raw(imp, 1, 1));
		ImagePlus rgb = new ImagePlus("rgb", new ColorProcessor(4, 3));
		rgb.setProperty("Label", "patch 7");
		assertEquals("patch 7", SliceLabels.of(rgb, 1, 1));
		assertEquals("patch 7", SliceLabels.ofChannel(rgb, 2, 1, 1), "an RGB plane's label is the slice's for each of R, G, B");
	}
}
