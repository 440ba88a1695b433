package org.conceptscope.fiji;

import ij.ImagePlus;
import ij.gui.Overlay;
import ij.gui.Roi;
import ij.process.ColorProcessor;
import ij.process.ImageProcessor;

import java.awt.Color;
import java.awt.Font;
import java.util.List;
import java.util.Locale;

import org.conceptscope.concepts.ConceptBank;

/**
 * The concept atlas: one row per concept, its example crops (the crops that express it most, cut
 * from the input images at the position CRAFT found them) side by side, enlarged to at least
 * {@value #MIN_PANEL} pixels, under a label with the concept's number and importance. An RGB
 * image with one rectangle per example in its overlay, named
 * {@code concept k|example j|<image> slice z|x=..,y=..}.
 */
public final class ConceptAtlas {

	static final int MIN_PANEL = 48, GAP = 2, LABEL = 14;

	private ConceptAtlas() {}

	public static ImagePlus build(ConceptBank bank, ImageSet images, String title) {
		int k = bank.size();
		int columns = 1;
		for (List<ConceptBank.Example> ex : bank.examples) columns = Math.max(columns, ex.size());
		int size = Math.max(1, bank.patch);
		int scale = Math.max(1, (int) Math.ceil(MIN_PANEL / (double) size));
		int panel = size * scale;
		int width = Math.max(columns * (panel + GAP) + GAP, 160);
		int rowHeight = LABEL + panel + GAP;
		ColorProcessor atlas = canvas(width, k * rowHeight + GAP);
		Overlay overlay = new Overlay();
		for (int c = 0; c < k; c++) {
			int top = c * rowHeight + GAP;
			atlas.setColor(Color.WHITE);
			atlas.drawString(label(bank, c), GAP, top + LABEL - 1);
			List<ConceptBank.Example> ex = c < bank.examples.size() ? bank.examples.get(c) : List.of();
			for (int j = 0; j < ex.size(); j++) {
				ConceptBank.Example e = ex.get(j);
				ImageProcessor plane = images.plane(e.image());
				plane.setRoi(e.x(), e.y(), e.size(), e.size());
				ImageProcessor crop = plane.crop();
				ImageProcessor rgb = crop instanceof ColorProcessor ? crop : crop.convertToRGB();
				rgb.setInterpolationMethod(ImageProcessor.NONE);
				ImageProcessor big = rgb.resize(panel, panel);
				int x = GAP + j * (panel + GAP), y = top + LABEL;
				atlas.insert(big, x, y);
				Roi r = new Roi(x, y, panel, panel);
				r.setName("concept " + (c + 1) + "|example " + (j + 1) + "|" + images.describe(e.image()) + "|x=" + e.x() + ",y=" + e.y());
				r.setStrokeColor(Color.YELLOW);
				r.setProperty("coefficient", String.format(Locale.ROOT, "%.6g", e.coefficient()));
				overlay.add(r);
			}
		}
		ImagePlus imp = new ImagePlus(title, atlas);
		imp.setOverlay(overlay);
		imp.setProperty("Info", info(bank));
		return imp;
	}

	/** A dark canvas with the labels' font, shared with the ERF montage. */
	static ColorProcessor canvas(int width, int height) {
		ColorProcessor ip = new ColorProcessor(width, height);
		ip.setColor(new Color(32, 32, 32));
		ip.fill();
		ip.setFont(new Font("SansSerif", Font.PLAIN, 11));
		ip.setAntialiasedText(true);
		return ip;
	}

	static String label(ConceptBank bank, int c) {
		String imp = bank.importance == null || c >= bank.importance.length ? "" : String.format(Locale.ROOT, "  importance %.3f",
			bank.importance[c]);
		return "concept " + (c + 1) + imp;
	}

	private static String info(ConceptBank bank) {
		StringBuilder s = new StringBuilder("ConceptScope concept atlas\n");
		s.append("model=").append(bank.model).append("\nlayer=").append(bank.layer).append("\nclass=").append(bank.className)
			.append("\npatch=").append(bank.patch).append(" stride=").append(bank.stride).append(" concepts=").append(bank.size())
			.append('\n');
		for (int c = 0; c < bank.size(); c++) s.append(label(bank, c)).append('\n');
		return s.toString();
	}
}
