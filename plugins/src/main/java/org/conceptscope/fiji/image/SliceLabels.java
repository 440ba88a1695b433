package org.conceptscope.fiji.image;

import ij.ImagePlus;

/** Slice labels of ImageJ images, for tables and summaries. */
public final class SliceLabels {

	private SliceLabels() {}

	/**
	 * The label of (channel 1, slice, frame), first line only: ImageJ keeps whole headers (e.g.
	 * DICOM) after a newline in slice labels. Empty when there is none.
	 */
	public static String of(ImagePlus imp, int slice, int frame) {
		String label;
		if (imp.getStackSize() == 1) {
			Object property = imp.getProperty("Label");
			label = property instanceof String s ? s : null;
		} else {
			label = imp.getStack().getSliceLabel(ImagePlusTensors.stackIndex(imp, 1, slice, frame));
		}
		if (label == null) return "";
		int nl = label.indexOf('\n');
		return (nl < 0 ? label : label.substring(0, nl)).trim();
	}
}
