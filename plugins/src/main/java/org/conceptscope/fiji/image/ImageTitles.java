package org.conceptscope.fiji.image;

import ij.ImagePlus;

import java.util.List;
import java.util.Locale;

/**
 * The base of the names of an image's results (files, titles): its title without a file extension. Not
 * ImageJ's {@link ImagePlus#getShortTitle()}, which keeps only the part before the first space or the last dot
 * and drops spaces, so that "exp.lif - Series001" and "exp.lif - Series002" (Bio-Formats series), or
 * "Sample A" and "Sample B", would each write the other's files.
 */
public final class ImageTitles {

	/**
	 * Extensions taken off the end of a title (any case): those of the images ConceptScope reads ({@link ImageSet#EXTENSIONS}),
	 * OME-TIFF's before ".tif" (it ends in it), a few more ImageJ opens, and the microscopes' files Bio-Formats opens
	 * (a title of one image of them: "exp.czi").
	 */
	private static final List<String> EXTENSIONS = java.util.stream.Stream.of(List.of(".ome.tiff", ".ome.tif"), ImageSet.EXTENSIONS,
		List.of(".gif", ".bmp", ".zip", ".czi", ".lif", ".nd2", ".lsm", ".oib", ".oif", ".ims", ".vsi", ".svs", ".ndpi")).flatMap(List::stream).toList();

	private ImageTitles() {}

	/** The title without its file extension; "image" for an image without a title. */
	public static String base(ImagePlus imp) {
		return base(imp, "image");
	}

	/** The title without its file extension; {@code fallback} for an image without a title. */
	public static String base(ImagePlus imp, String fallback) {
		return base(imp.getTitle(), fallback);
	}

	/** A title (or file name) without its file extension; {@code fallback} when nothing is left. */
	public static String base(String title, String fallback) {
		String t = title == null ? "" : title.strip();
		String lower = t.toLowerCase(Locale.ROOT);
		for (String ext : EXTENSIONS) {
			if (lower.endsWith(ext) && lower.length() > ext.length()) {
				t = t.substring(0, t.length() - ext.length());
				break;
			}
		}
		return t.isBlank() ? fallback : t;
	}
}
