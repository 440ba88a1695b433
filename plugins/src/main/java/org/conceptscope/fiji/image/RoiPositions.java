package org.conceptscope.fiji.image;

import ij.ImagePlus;
import ij.gui.Roi;

import java.util.ArrayList;
import java.util.List;

/**
 * Where an ROI shows on an image. ImageJ 1.54p draws an overlay ROI, and the ROI Manager selects
 * it, by its channel/slice/frame position only on a hyperstack or an image with more than one
 * channel ({@code ImageCanvas.drawOverlay}); on a plain stack it uses the ROI's stack position
 * alone, and an ROI with only a (c, z, t) position has stack position 0: it shows on every plane.
 * So an ROI of slice z goes to (c, z, t) on hyperstacks and to stack index z (frames: (t-1) * slices
 * + z) on plain stacks.
 */
public final class RoiPositions {

	private RoiPositions() {}

	/** Whether ImageJ places ROIs on this image by (channel, slice, frame) rather than by stack index. */
	public static boolean byChannelSliceFrame(ImagePlus imp) {
		return imp.isHyperStack() || imp.getNChannels() > 1;
	}

	/**
	 * The same for an image not built yet (the batch runner's map TIFF): more than one channel, or
	 * slices and frames both above 1 (ImageJ's hyperstack needs more than three dimensions).
	 */
	public static boolean byChannelSliceFrame(int channels, int slices, int frames) {
		return channels > 1 || (slices > 1 && frames > 1);
	}

	/**
	 * Puts an ROI on its plane of an image.
	 *
	 * @param channel 1-based channel the ROI belongs to, 0 for every channel (ignored on plain stacks)
	 */
	public static Roi place(Roi roi, ImagePlus on, int channel, int slice, int frame) {
		if (byChannelSliceFrame(on)) roi.setPosition(channel, slice, frame);
		else roi.setPosition(on.getStackSize() > 1 ? (frame - 1) * on.getNSlices() + slice : 0);
		return roi;
	}

	/** {@link #place(Roi, ImagePlus, int, int, int)} on an image of these dimensions. */
	public static Roi place(Roi roi, int channels, int slices, int frames, int channel, int slice, int frame) {
		if (byChannelSliceFrame(channels, slices, frames)) roi.setPosition(channel, slice, frame);
		else roi.setPosition(slices * frames > 1 ? (frame - 1) * slices + slice : 0);
		return roi;
	}

	/**
	 * Copies of ROIs placed on {@code from}, placed on the same slice and frame of {@code to} (an
	 * image with the same slices and frames, e.g. the explained image while the ROI Manager gets
	 * the ROIs of its explanation); the channel is kept only when {@code to} is {@code from}.
	 */
	public static List<Roi> copies(List<Roi> rois, ImagePlus from, ImagePlus to) {
		List<Roi> out = new ArrayList<>();
		for (Roi roi : rois) {
			Roi copy = (Roi) roi.clone();
			if (to != null && to != from) {
				int[] czt = position(roi, from);
				if (czt[1] <= to.getNSlices() && czt[2] <= to.getNFrames()) place(copy, to, 0, czt[1], czt[2]);
			}
			out.add(copy);
		}
		return out;
	}

	/** {channel (0 = all), slice, frame} of an ROI placed on an image. */
	public static int[] position(Roi roi, ImagePlus on) {
		if (roi.hasHyperStackPosition()) return new int[] { roi.getCPosition(), Math.max(1, roi.getZPosition()), Math.max(1, roi.getTPosition()) };
		int p = roi.getPosition();
		if (p < 1) return new int[] { 0, 1, 1 };
		int slices = on.getNSlices();
		return new int[] { 0, (p - 1) % slices + 1, (p - 1) / slices + 1 };
	}
}
