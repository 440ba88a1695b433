package org.conceptscope.fiji.image;

import ij.ImagePlus;

/** Slice labels of ImageJ images, for tables and summaries. */
public final class SliceLabels {

	private SliceLabels() {}

	/**
	 * The label of (slice, frame), first line only: ImageJ keeps whole headers (e.g. DICOM) after a
	 * newline in slice labels. Empty when there is none.
	 */
	public static String of(ImagePlus imp, int slice, int frame) {
		String label = raw(imp, slice, frame);
		if (label == null) return "";
		int nl = label.indexOf('\n');
		return (nl < 0 ? label : label.substring(0, nl)).trim();
	}

	/**
	 * The whole label of (slice, frame), null when none. A multichannel image labels planes, not
	 * slices: its label is the one every channel's plane shares; where the channels' labels differ,
	 * the (c=1, slice, frame) plane's, unless channel 1 carries one label on every slice and frame
	 * (then it names the channel, as Red, Green, Blue or DAPI do, and is no slice's label).
	 */
	public static String raw(ImagePlus imp, int slice, int frame) {
		if (imp.getStackSize() == 1) {
			Object property = imp.getProperty("Label");
			return property instanceof String s && !s.isEmpty() ? s : null;
		}
		String first = imp.getStack().getSliceLabel(ImagePlusTensors.stackIndex(imp, 1, slice, frame));
		if (first == null || first.isEmpty()) return null;
		boolean shared = true;
		for (int c = 2; c <= imp.getNChannels() && shared; c++) {
			shared = first.equals(imp.getStack().getSliceLabel(ImagePlusTensors.stackIndex(imp, c, slice, frame)));
		}
		return shared || !namesChannel(imp, first) ? first : null;
	}

	/** Whether channel 1's planes all carry {@code label} (true for one plane per channel: nothing tells them apart). */
	private static boolean namesChannel(ImagePlus imp, String label) {
		for (int t = 1; t <= imp.getNFrames(); t++) {
			for (int z = 1; z <= imp.getNSlices(); z++) {
				if (!label.equals(imp.getStack().getSliceLabel(ImagePlusTensors.stackIndex(imp, 1, z, t)))) return false;
			}
		}
		return true;
	}

	/** The label of channel c's plane at (slice, frame), whole; for an image of one channel (or RGB) the slice's. */
	public static String ofChannel(ImagePlus imp, int c, int slice, int frame) {
		if (imp.getNChannels() <= 1 || imp.getStackSize() == 1) return raw(imp, slice, frame);
		String label = imp.getStack().getSliceLabel(ImagePlusTensors.stackIndex(imp, c + 1, slice, frame));
		return label == null || label.isEmpty() ? null : label;
	}
}
