package org.conceptscope.fiji.image;

import ij.ImagePlus;
import ij.gui.Roi;
import ij.io.RoiDecoder;
import ij.plugin.frame.RoiManager;
import ij.process.ImageProcessor;

import java.awt.Rectangle;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipInputStream;

import org.conceptscope.attribution.RegionExplainer.Region;

/**
 * The regions a user names with the {@code rois} key, as ops regions: {@code none} (explain the whole
 * image), {@code selection} (the image's area selection), {@code manager} (every ROI of the ROI
 * Manager but those ConceptScope put there itself: {@link OwnRois}), or the path of a RoiSet.zip (or one .roi file), read as the ROI Manager reads it. A ROI
 * placed on a slice or frame is explained there; a ROI without a position on every slice and frame.
 */
public final class RegionTargets {

	public static final String NONE = "none", SELECTION = "selection", MANAGER = "manager";
	/** Largest RoiSet.zip entry read (a .roi of a large polygon is a few hundred KB). */
	static final long MAX_ENTRY_BYTES = 64L << 20;

	private RegionTargets() {}

	/** Whether {@code rois} asks for regions at all. */
	public static boolean any(String rois) {
		return rois != null && !rois.isBlank() && !rois.trim().equalsIgnoreCase(NONE);
	}

	/**
	 * @throws IllegalArgumentException in one sentence: no selection, an empty ROI Manager, a missing or unreadable file, a
	 *         ROI that is not an area
	 */
	public static List<Region> of(String rois, ImagePlus image) {
		if (!any(rois)) return List.of();
		String key = rois.trim();
		List<Roi> found;
		String origin;
		if (key.equalsIgnoreCase(SELECTION)) {
			Roi roi = image.getRoi();
			if (roi == null) {
				throw new IllegalArgumentException("rois=selection but the image '" + image.getTitle() + "' has no selection: draw an area"
					+ " selection (rectangle, oval, polygon, freehand) first, or use rois=manager or rois=[path of a RoiSet.zip].");
			}
			found = List.of(roi);
			origin = "the selection";
		} else if (key.equalsIgnoreCase(MANAGER)) {
			// headless, getInstance makes a batch-mode ROI Manager, a window: a HeadlessException
			boolean headless = java.awt.GraphicsEnvironment.isHeadless();
			RoiManager rm = headless ? RoiManager.getRawInstance() : RoiManager.getInstance();
			Roi[] all = rm == null ? new Roi[0] : rm.getRoisAsArray();
			if (all.length == 0) {
				throw new IllegalArgumentException(headless && rm == null
					? "rois=manager but there is no ROI Manager headless: save the ROIs as a RoiSet.zip (ROI Manager > More > Save) and use rois=[its path]."
					: "rois=manager but the ROI Manager is empty: add ROIs to it (Analyze > Tools > ROI Manager, key t), or use rois=[path of a RoiSet.zip].");
			}
			found = OwnRois.usersOf(all, "rois=manager",
				"to explain those outlines, save them (ROI Manager > More > Save) and use rois=[path of that RoiSet.zip]");
			origin = "the ROI Manager";
		} else {
			Path file = Paths.get(key);
			if (Files.isDirectory(file)) {
				Path own = fileFor(file, image.getTitle());
				if (own == null) {
					throw new IllegalArgumentException("The ROI folder " + file + " holds no ROI file for the image '" + image.getTitle() + "' ("
						+ String.join(", ", candidates(image.getTitle())) + "); save its ROIs there from the ROI Manager (More > Save).");
				}
				file = own;
			}
			found = read(file);
			origin = file.toString();
		}
		List<Region> regions = regions(found, image, origin);
		String clipped = clippedNote(found, image.getWidth(), image.getHeight(), origin);
		if (clipped != null) ij.IJ.log("ConceptScope note: " + clipped);
		return regions;
	}

	/**
	 * The names a ROI file of the image {@code imageName} may have in a ROI folder, in the order they
	 * are looked for: {@code <name>.zip}, {@code <name>.roi}, {@code <name>_RoiSet.zip},
	 * {@code <name>-RoiSet.zip}, {@code RoiSet_<name>.zip}, where name is the image's file name
	 * without its extension.
	 */
	public static List<String> candidates(String imageName) {
		String base = imageName;
		int dot = base.lastIndexOf('.');
		if (dot > 0) base = base.substring(0, dot);
		return List.of(base + ".zip", base + ".roi", base + "_RoiSet.zip", base + "-RoiSet.zip", "RoiSet_" + base + ".zip");
	}

	/**
	 * The ROI file of image {@code imageName} in folder {@code dir} (null: none).
	 *
	 * @throws IllegalArgumentException when two of the {@link #candidates} exist (which one is meant?)
	 */
	public static Path fileFor(Path dir, String imageName) {
		List<Path> found = new ArrayList<>();
		for (String c : candidates(imageName)) if (Files.isRegularFile(dir.resolve(c))) found.add(dir.resolve(c));
		if (found.size() > 1) {
			throw new IllegalArgumentException("The ROI folder " + dir + " holds two ROI files for '" + imageName + "' ("
				+ found.get(0).getFileName() + " and " + found.get(1).getFileName() + "): keep one of them.");
		}
		return found.isEmpty() ? null : found.get(0);
	}

	/**
	 * Checks, before any work, that every ROI is an area and holds a pixel of a width x height image.
	 *
	 * @throws IllegalArgumentException in one sentence naming the ROI and its file
	 */
	public static void check(List<Roi> rois, int width, int height, String origin) {
		int k = 0;
		for (Roi roi : rois) {
			Region r = area(roi, ++k, origin);
			if (r.clipped(width, height) == null) throw outside(r, origin, width + "x" + height + " images", "ROI file belongs to these images");
		}
	}

	private static IllegalArgumentException outside(Region r, String origin, String images, String check) {
		return new IllegalArgumentException("The ROI '" + r.name() + "' of " + origin + " (" + r.x() + ", " + r.y() + ", " + r.width() + "x"
			+ r.height() + ") lies outside the " + images + "; check that the " + check + ".");
	}

	/**
	 * The note for the ROIs that reach past the edge of a width x height image, or null when none does:
	 * each is explained, mapped and reported as its part inside the image ({@link Region#clipped}).
	 */
	public static String clippedNote(List<Roi> rois, int width, int height, String origin) {
		List<String> cut = new ArrayList<>();
		int k = 0;
		for (Roi roi : rois) {
			String name = name(roi, ++k);
			if (!roi.isArea()) continue;
			Region r = region(roi, name, 0), in = r.clipped(width, height);
			if (in != null && in != r) {
				cut.add("'" + r.name() + "' (" + r.x() + ", " + r.y() + ", " + r.width() + "x" + r.height() + " clipped to " + in.x() + ", " + in.y()
					+ ", " + in.width() + "x" + in.height() + ")");
			}
		}
		if (cut.isEmpty()) return null;
		int shown = Math.min(5, cut.size());
		return (cut.size() == 1 ? "The ROI " : cut.size() + " ROIs ") + String.join(", ", cut.subList(0, shown)) + (cut.size() > shown ? ", ..." : "")
			+ " of " + origin + (cut.size() == 1 ? " reaches" : " reach") + " past the edge of the " + width + "x" + height + " image"
			+ (cut.size() == 1 ? ": it is" : ": each is") + " explained on its part inside the image, and the table gives those bounds.";
	}

	/**
	 * The {@code k}-th ROI (from 1) as a region of batch entry 0, named by its name or else "ROI k".
	 *
	 * @throws IllegalArgumentException in one sentence when it is not an area
	 */
	private static Region area(Roi roi, int k, String origin) {
		String name = name(roi, k);
		if (!roi.isArea()) {
			throw new IllegalArgumentException("The ROI '" + name + "' of " + origin + " is a " + roi.getTypeAsString().toLowerCase(Locale.ROOT)
				+ ", not an area; explain area ROIs (rectangle, oval, polygon, freehand).");
		}
		return region(roi, name, 0);
	}

	/** The {@code k}-th ROI's name (from 1) in sentences and tables: its own, or "ROI k". */
	private static String name(Roi roi, int k) {
		return roi.getName() == null || roi.getName().isBlank() ? "ROI " + k : roi.getName();
	}

	/** A ROI's box and mask as a region of batch entry {@code entry}. */
	private static Region region(Roi roi, String name, int entry) {
		Rectangle b = roi.getBounds();
		boolean[] mask = null;
		ImageProcessor m = roi.getMask();
		if (m != null) {
			mask = new boolean[b.width * b.height];
			for (int y = 0; y < b.height; y++) for (int x = 0; x < b.width; x++) mask[y * b.width + x] = m.get(x, y) != 0;
		}
		return new Region(name, entry, b.x, b.y, b.width, b.height, mask);
	}

	/** The ROIs of a RoiSet.zip (every .roi entry, in order) or of one .roi file. */
	public static List<Roi> read(Path file) {
		if (!Files.isRegularFile(file)) {
			throw new IllegalArgumentException("The ROI file " + file + " does not exist (rois= takes none, selection, manager, the path of a"
				+ " RoiSet.zip saved by the ROI Manager, or a folder of them named after the images).");
		}
		String name = file.getFileName().toString();
		try {
			if (name.toLowerCase(Locale.ROOT).endsWith(".roi")) {
				Roi roi = new RoiDecoder(Files.readAllBytes(file), name).getRoi();
				if (roi == null) throw new IllegalArgumentException(file + " is not an ImageJ .roi file; save ROIs from the ROI Manager (More > Save).");
				return List.of(roi);
			}
			List<Roi> rois = new ArrayList<>();
			try (InputStream in = Files.newInputStream(file); ZipInputStream zip = new ZipInputStream(in)) {
				for (ZipEntry e; (e = zip.getNextEntry()) != null;) {
					if (e.isDirectory() || !e.getName().toLowerCase(Locale.ROOT).endsWith(".roi")) continue;
					byte[] bytes = zip.readNBytes((int) MAX_ENTRY_BYTES + 1);
					if (bytes.length > MAX_ENTRY_BYTES) throw new IllegalArgumentException("The entry " + e.getName() + " of " + file + " is too large for a ROI.");
					Roi roi = new RoiDecoder(bytes, e.getName()).getRoi();
					if (roi == null) throw new IllegalArgumentException("The entry " + e.getName() + " of " + file + " is not an ImageJ ROI.");
					if (roi.getName() == null) roi.setName(e.getName().substring(0, e.getName().length() - 4));
					rois.add(roi);
				}
			}
			if (rois.isEmpty()) {
				throw new IllegalArgumentException(file + " holds no ROI (.roi entries); save ROIs from the ROI Manager (More > Save) as a RoiSet.zip.");
			}
			return rois;
		} catch (ZipException e) {
			throw new IllegalArgumentException(file + " is not a RoiSet.zip (" + e.getMessage() + "); save ROIs from the ROI Manager (More > Save).");
		} catch (IOException e) {
			throw new IllegalArgumentException("Cannot read the ROI file " + file + ": " + e.getMessage() + ".");
		}
	}

	/**
	 * Refuses, in one sentence, ROIs placed beyond an image's planes (another stack's ROI set): they would
	 * be explained on the last plane or not at all.
	 *
	 * @param what the image, for the sentence ("'cells.tif'")
	 * @param planes the image's stack size (channels x slices x frames; RGB: slices x frames)
	 */
	public static void checkPlanes(List<Roi> rois, String origin, String what, int slices, int frames, int planes) {
		int k = 0;
		for (Roi roi : rois) {
			checkPlane(roi, name(roi, ++k), origin, what, slices, frames, planes);
		}
	}

	private static void checkPlane(Roi roi, String name, String origin, String what, int slices, int frames, int planes) {
		if ((long) slices * frames <= 1) return; // one image: every ROI is explained on it, wherever it was drawn
		String where = null;
		if (roi.hasHyperStackPosition() && (roi.getZPosition() > slices || roi.getTPosition() > frames)) {
			where = "slice " + roi.getZPosition() + (roi.getTPosition() > 0 ? ", frame " + roi.getTPosition() : "");
		} else if (!roi.hasHyperStackPosition() && planes > 1 && roi.getPosition() > planes) {
			where = "stack position " + roi.getPosition();
		}
		if (where != null) {
			throw new IllegalArgumentException("The ROI '" + name + "' of " + origin + " lies on " + where + ", beyond the " + slices + " slice(s) and "
				+ frames + " frame(s) of " + what + "; check that the ROIs belong to this image.");
		}
	}

	/**
	 * {@link #regions(List, ImagePlus, String)} on an image of one plane known by its size alone (a file's header, as the batch
	 * runner's scan reads it): every ROI on that plane, no pixel needed.
	 */
	public static List<Region> regions(List<Roi> rois, int width, int height, String title, String origin) {
		List<Region> out = new ArrayList<>();
		int k = 0;
		for (Roi roi : rois) out.add(shape(roi, ++k, origin, width, height, title));
		return out;
	}

	/** The ROI as a region cut to the image, or refused in one sentence when it lies outside it. */
	private static Region shape(Roi roi, int k, String origin, int width, int height, String title) {
		Region drawn = area(roi, k, origin), shape = drawn.clipped(width, height);
		if (shape == null) throw outside(drawn, origin, width + "x" + height + " image '" + title + "'", "ROIs belong to this image");
		return shape;
	}

	/**
	 * ROIs as regions of the image's batch entries (slices x frames), each cut to the image ({@link Region#clipped}).
	 *
	 * @throws IllegalArgumentException in one sentence for a ROI outside the image or not an area
	 */
	public static List<Region> regions(List<Roi> rois, ImagePlus image, String origin) {
		BatchIndex batches = ImagePlusTensors.batches(image);
		if (batches.size() == 1) return regions(rois, image.getWidth(), image.getHeight(), image.getTitle(), origin);
		List<Region> out = new ArrayList<>();
		int k = 0;
		for (Roi roi : rois) {
			Region shape = shape(roi, ++k, origin, image.getWidth(), image.getHeight(), image.getTitle());
			String name = shape.name();
			int z = 0, t = 0;
			checkPlane(roi, name, origin, "'" + image.getTitle() + "'", batches.slices(), batches.frames(), image.getStackSize());
			// one image (one slice and frame): explained on it, wherever the ROI was drawn
			boolean placed = batches.size() > 1;
			if (placed && roi.hasHyperStackPosition()) {
				z = roi.getZPosition();
				t = roi.getTPosition();
			} else if (placed && roi.getPosition() > 0) {
				int[] czt = image.convertIndexToPosition(roi.getPosition());
				z = batches.slices() > 1 ? czt[1] : 0;
				t = batches.frames() > 1 ? czt[2] : 0;
			}
			for (int entry = 0; entry < batches.size(); entry++) {
				if ((z > 0 && batches.slice(entry) != z) || (t > 0 && batches.frame(entry) != t)) continue;
				String label = batches.size() == 1 || (z > 0 && t > 0) || (z > 0 && batches.frames() == 1) || (t > 0 && batches.slices() == 1)
					? name : name + " @ slice " + batches.slice(entry) + (batches.frames() > 1 ? ", frame " + batches.frame(entry) : "");
				out.add(new Region(label, entry, shape.x(), shape.y(), shape.width(), shape.height(), shape.mask()));
			}
		}
		return out;
	}
}
