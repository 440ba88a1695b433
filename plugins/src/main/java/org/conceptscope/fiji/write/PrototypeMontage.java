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
 * A montage of example crops: one labelled row per unit (a concept, a prototypical part), its
 * crops cut from the input images side by side, enlarged by pixel replication to at least
 * {@value #MIN_PANEL} pixels. An RGB image with one rectangle per crop in its overlay, named
 * {@code <row name>|example j|<image> slice z|x=..,y=..}, with the crop's score as a property.
 */
public final class PrototypeMontage {

	static final int MIN_PANEL = 48, GAP = 2, LABEL = 14;

	/** A square crop of batch entry {@code image} of the image set, at (x, y), and its score. */
	public record Crop(int image, int x, int y, int size, double score) {}

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
		int columns = 1, size = 1;
		for (Row r : rows) {
			columns = Math.max(columns, r.crops().size());
			for (Crop c : r.crops()) size = Math.max(size, c.size());
		}
		int scale = Math.max(1, (int) Math.ceil(MIN_PANEL / (double) size));
		int panel = size * scale;
		int width = Math.max(columns * (panel + GAP) + GAP, minWidth);
		int rowHeight = LABEL + panel + GAP;
		ColorProcessor montage = canvas(width, Math.max(1, rows.size()) * rowHeight + GAP);
		Overlay overlay = new Overlay();
		for (int r = 0; r < rows.size(); r++) {
			int top = r * rowHeight + GAP;
			montage.setColor(Color.WHITE);
			montage.drawString(rows.get(r).label(), GAP, top + LABEL - 1);
			List<Crop> crops = rows.get(r).crops();
			for (int j = 0; j < crops.size(); j++) {
				Crop e = crops.get(j);
				ImageProcessor plane = images.plane(e.image());
				plane.setRoi(e.x(), e.y(), e.size(), e.size());
				ImageProcessor crop = plane.crop();
				ImageProcessor rgb = crop instanceof ColorProcessor ? crop : crop.convertToRGB();
				rgb.setInterpolationMethod(ImageProcessor.NONE);
				int side = e.size() * scale;
				int x = GAP + j * (panel + GAP), y = top + LABEL;
				montage.insert(rgb.resize(side, side), x, y);
				Roi roi = new Roi(x, y, side, side);
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
}
