package org.conceptscope.fiji.write;

import org.conceptscope.fiji.image.ImageSet;
import ij.ImagePlus;
import ij.gui.Overlay;
import ij.gui.Roi;
import ij.process.ColorProcessor;
import ij.process.ImageProcessor;

import java.awt.Color;
import java.awt.Font;
import java.util.List;

/**
 * A montage of example crops: one labelled row per unit (a concept, a prototypical part, a case and
 * its nearest examples), its crops cut from the input images side by side in cells of one size (the
 * widest crop's width by the tallest crop's height), all enlarged by one whole factor of pixel
 * replication, so that the longer side of that cell is at least {@value #MIN_PANEL} pixels. A crop
 * keeps its own width and height (a whole input of 64 x 32 is a 64 x 32 panel times the factor, never
 * a square cut from it); crops smaller than the cell sit at its top left. An RGB image with one
 * rectangle per crop in its overlay (the crop's own size times the factor), named
 * {@code <row name>|example j|<image> slice z|x=..,y=..}, with the crop's score as a property.
 */
public final class PrototypeMontage {

	static final int MIN_PANEL = 48, GAP = 2, LABEL = 14;

	/** A crop of batch entry {@code image} of the image set: its top-left corner (x, y), its width and height, and its score. */
	public record Crop(int image, int x, int y, int width, int height, double score) {

		public Crop {
			if (width < 1 || height < 1) throw new IllegalArgumentException("A crop needs a positive width and height, not " + width + "x" + height + ".");
		}

		/** A square crop of side {@code size} (a CRAFT or PFV concept's patch). */
		public static Crop square(int image, int x, int y, int size, double score) {
			return new Crop(image, x, y, size, size, score);
		}

		/** The whole of batch entry {@code image}, of whatever width and height its image has. */
		public static Crop whole(ImageSet images, int image, double score) {
			ImagePlus imp = images.imageOf(image);
			return new Crop(image, 0, 0, imp.getWidth(), imp.getHeight(), score);
		}
	}

	/** One row: its name (ROI prefix), its label (drawn) and its crops. */
	public record Row(String name, String label, List<Crop> crops) {}

	private PrototypeMontage() {}

	/** A dark canvas with the labels' font (the concept atlas and the ERF montage use it too). */
	static ColorProcessor canvas(int width, int height) {
		ColorProcessor ip = new ColorProcessor(width, height);
		ip.setColor(new Color(32, 32, 32));
		ip.fill();
		ip.setFont(new Font("SansSerif", Font.PLAIN, 11));
		ip.setAntialiasedText(true);
		return ip;
	}

	public static ImagePlus build(List<Row> rows, ImageSet images, String title, String info) {
		return build(rows, images, title, info, "score", 200);
	}

	/** As above, the crop's score stored under {@code scoreProperty}, the montage at least {@code minWidth} wide. */
	public static ImagePlus build(List<Row> rows, ImageSet images, String title, String info, String scoreProperty, int minWidth) {
		int columns = 1, cellWidth = 1, cellHeight = 1;
		for (Row r : rows) {
			columns = Math.max(columns, r.crops().size());
			for (Crop c : r.crops()) {
				cellWidth = Math.max(cellWidth, c.width());
				cellHeight = Math.max(cellHeight, c.height());
			}
		}
		int scale = scale(cellWidth, cellHeight);
		int panelWidth = cellWidth * scale, panelHeight = cellHeight * scale;
		int rowHeight = LABEL + panelHeight + GAP;
		long[] size = size(rows.size(), columns, cellWidth, cellHeight, minWidth);
		ColorProcessor montage = canvas((int) size[0], (int) size[1]);
		Overlay overlay = new Overlay();
		for (int r = 0; r < rows.size(); r++) {
			int top = r * rowHeight + GAP;
			montage.setColor(Color.WHITE);
			montage.drawString(rows.get(r).label(), GAP, top + LABEL - 1);
			List<Crop> crops = rows.get(r).crops();
			for (int j = 0; j < crops.size(); j++) {
				Crop e = crops.get(j);
				ImageProcessor plane = images.plane(e.image());
				plane.setRoi(e.x(), e.y(), e.width(), e.height());
				ImageProcessor crop = plane.crop();
				ImageProcessor rgb = crop instanceof ColorProcessor ? crop : crop.convertToRGB();
				rgb.setInterpolationMethod(ImageProcessor.NONE);
				int w = rgb.getWidth() * scale, h = rgb.getHeight() * scale; // the crop as cut: inside its image
				int x = GAP + j * (panelWidth + GAP), y = top + LABEL;
				montage.insert(rgb.resize(w, h), x, y);
				Roi roi = new Roi(x, y, w, h);
				roi.setName(RoiWriter.join(rows.get(r).name(), "example " + (j + 1), images.describe(e.image()), "x=" + e.x() + ",y=" + e.y()));
				roi.setStrokeColor(Color.YELLOW);
				roi.setProperty(scoreProperty, Numbers.property(e.score()));
				overlay.add(roi);
			}
		}
		ImagePlus imp = new ImagePlus(title, montage);
		imp.setOverlay(overlay);
		imp.setProperty("Info", info);
		return imp;
	}

	/** Width and height of the montage of {@code rows} rows of {@code columns} cells of this size, as {@link #build} makes it. */
	static long[] size(int rows, int columns, int cellWidth, int cellHeight, int minWidth) {
		int scale = scale(cellWidth, cellHeight);
		long width = Math.max((long) columns * (cellWidth * scale + GAP) + GAP, minWidth);
		return new long[] { width, (long) Math.max(1, rows) * (LABEL + cellHeight * scale + GAP) + GAP };
	}

	/**
	 * Refuses, before any work, a montage that could not be built and saved in the heap left: its RGB canvas (4 bytes a
	 * pixel) and its TIFF, which FileSaver.serialize encodes in memory (3 bytes a pixel, in a buffer that grows by
	 * doubling and is then copied: up to 9 bytes a pixel). A case per tile of a whole slide makes a montage of
	 * thousands of rows, which ran out of memory only once everything else was done.
	 *
	 * @param what the montage, for the sentence ("The montage of 4096 cases with their 3 nearest examples")
	 */
	public static void checkMemory(String what, int rows, int columns, int cellWidth, int cellHeight, int minWidth, String remedy) {
		long[] size = size(rows, columns, cellWidth, cellHeight, minWidth);
		if (size[1] > Integer.MAX_VALUE || size[0] * size[1] > Integer.MAX_VALUE) {
			throw new IllegalArgumentException(what + " would be " + size[0] + " x " + size[1] + " pixels, more than one ImageJ image can hold: "
				+ remedy + ".");
		}
		long needed = size[0] * size[1] * (4 + 9), left = org.conceptscope.util.Limits.heapLeft(needed);
		if (needed <= left) return;
		throw new IllegalArgumentException(what + " would be " + size[0] + " x " + size[1] + " pixels and needs about "
			+ org.conceptscope.util.Limits.readableSize(needed, left) + " to build and save, more than the " + org.conceptscope.util.Limits.readableSize(left, needed) + " ImageJ has free (of "
			+ org.conceptscope.util.Limits.readableSize(Runtime.getRuntime().maxMemory()) + "): " + remedy
			+ ", or give ImageJ more memory (Edit > Options > Memory & Threads..., or -Xmx).");
	}

	/** The whole factor of pixel replication that brings the longer side of a cell to at least {@value #MIN_PANEL} pixels. */
	static int scale(int cellWidth, int cellHeight) {
		return Math.max(1, (int) Math.ceil(MIN_PANEL / (double) Math.max(cellWidth, cellHeight)));
	}
}
