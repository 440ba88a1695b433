package org.conceptscope.fiji.image;

import ij.ImagePlus;

import java.util.List;

/** Slice labels of ImageJ images, for tables and summaries, and the labels of map planes. */
public final class SliceLabels {

	/** The longest short label, as ImageJ's {@code ImageStack.getShortSliceLabel} cuts them. */
	public static final int SHORT = 60;
	/** Between a slice's label and the rest of a map plane's label. */
	private static final String BEFORE_MAP = " \u00b7 ";

	private SliceLabels() {}

	/**
	 * The label of (slice, frame) as ImageJ shows it short ({@link #shorten}); empty when there is none.
	 * A DICOM slice's label is its file name and whole header ({@code CT_small.dcm\n0002,0000 ...},
	 * as ImageJ's Image Sequence importer gives it): its short label is the file name.
	 */
	public static String shortLabel(ImagePlus imp, int slice, int frame) {
		return shorten(raw(imp, slice, frame));
	}

	/** {@link #shortLabel(ImagePlus, int, int)} of batch entry {@code b}'s slice and frame. */
	public static String shortLabel(ImagePlus imp, BatchIndex batches, int b) {
		return shortLabel(imp, batches.slice(b), batches.frame(b));
	}

	/**
	 * A label as ImageJ's {@code ImageStack.getShortSliceLabel} shortens it: the first line, without a
	 * file extension ({@code .tif}, {@code .dcm}; not {@code .001}), at most {@link #SHORT} characters;
	 * empty for null or a label that starts with a line end (a header with no name before it).
	 */
	public static String shorten(String label) {
		if (label == null) return "";
		int nl = label.indexOf('\n');
		if (nl == 0) return "";
		String s = nl > 0 ? label.substring(0, nl) : label;
		int len = s.length();
		if (len > 4 && s.charAt(len - 4) == '.' && !Character.isDigit(s.charAt(len - 1))) s = s.substring(0, len - 4);
		return s.length() > SHORT ? s.substring(0, SHORT) : s;
	}

	/**
	 * The label of a map plane, the same in every map image (the Attribution command's maps, alone or beside the
	 * image, the batch runner's map TIFF, region maps, concept maps and the other maps of {@code MapChannels}):
	 * {@code what} the plane shows, after the slice's short label ({@link #shortLabel}, cut to {@link #SHORT}
	 * characters) and " · " where it has one, e.g. {@code cell 7 · saliency: DAB-positive},
	 * {@code cell 7 · concept 2: tumour}, {@code cell 7 · saliency of regions}.
	 */
	public static String mapLabel(String shortLabel, String what) {
		String lead = shortLabel == null ? "" : shortLabel.length() > SHORT ? shortLabel.substring(0, SHORT) : shortLabel;
		return (lead.isEmpty() ? "" : lead + BEFORE_MAP) + what;
	}

	/** {@link #mapLabel(String, String)} of a method's map of a target: {@code method: target}. */
	public static String mapLabel(String shortLabel, String method, String target) {
		return mapLabel(shortLabel, method + ": " + target);
	}

	/** The most characters {@link #mapLabel(String, String)} gives for a plane showing {@code what}. */
	public static int longestMapLabel(String what) {
		return mapLabel("x".repeat(SHORT), what).length();
	}

	/** The most characters {@link #mapLabel(String, String, String)} gives for this method and any of these targets. */
	public static int longestMapLabel(String method, List<String> targets) {
		int most = longestMapLabel(mapLabel("", method, ""));
		for (String t : targets) most = Math.max(most, longestMapLabel(mapLabel("", method, t)));
		return most;
	}

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
			// ImageJ 1.54p keeps a single image's label as its "Slice_Label" property (older versions: "Label")
			String label = imp.getProp("Slice_Label");
			if (label != null && !label.isEmpty()) return label;
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
