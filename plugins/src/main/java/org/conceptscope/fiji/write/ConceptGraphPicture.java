package org.conceptscope.fiji.write;

import ij.ImagePlus;
import ij.gui.Overlay;
import ij.gui.Roi;
import ij.process.ColorProcessor;
import ij.process.ImageProcessor;

import java.awt.Color;
import java.awt.Font;
import java.awt.Rectangle;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

import org.conceptscope.mechanistic.ConceptGraphLayout;

/**
 * Draws the concept graph with ImageJ's processors (headless-safe) where {@link ConceptGraphLayout}
 * places it, on white: edges first, weakest under strongest, red for positive and blue for
 * negative relevance, fading towards the background and thinning as they weaken; edges at least
 * half as strong as the strongest into their column carry their value, 30 % of the way from their
 * source (strongest first, never over another label); then the nodes (grey discs numbered c1, c2, ...; the class a gold disc with its name
 * under it), under each node that edges lead into its residual in grey ({@code res x}: the part of its change the
 * lower layer's concepts do not carry; residual edges have no source node, so they are written, not drawn), the column
 * titles (the layers, then "class", or "classes" for a data-set-wide graph) and a legend; a column title or class name
 * wider than a column is shortened to its last path parts ({@link #fitted}) and every one is kept inside the picture
 * (a long layer name centred on the first column began left of the picture). The overlay names each node
 * ({@code <layer>|concept k}, {@code class|<name>}).
 */
public final class ConceptGraphPicture {

	public static final Color POSITIVE = new Color(200, 30, 30), NEGATIVE = new Color(30, 70, 200), NODE = new Color(210, 210, 210),
		CLASS_NODE = new Color(240, 190, 60);
	/** Edges whose strength is at least this carry their relevance as a label. */
	public static final double LABELLED = 0.5;
	/** Where along an edge (0: its source, 1: its target) its label sits. */
	public static final double LABEL_AT = 0.3;
	/** What precedes a node's residual under it. */
	public static final String RESIDUAL = "res ";

	private ConceptGraphPicture() {}

	public static ImagePlus draw(ConceptGraphLayout layout, String title) {
		ColorProcessor ip = new ColorProcessor(layout.width(), layout.height());
		ip.setColor(Color.WHITE);
		ip.fill();
		ip.setAntialiasedText(true);
		for (ConceptGraphLayout.Link l : layout.links()) {
			ip.setColor(fade(l.positive() ? POSITIVE : NEGATIVE, 0.3 + 0.7 * l.strength()));
			ip.setLineWidth((int) Math.max(1, Math.round(l.width())));
			ip.drawLine((int) Math.round(l.from().x() + ConceptGraphLayout.NODE_RADIUS), (int) Math.round(l.from().y()),
				(int) Math.round(l.to().x() - ConceptGraphLayout.NODE_RADIUS), (int) Math.round(l.to().y()));
		}
		ip.setLineWidth(1);
		ip.setFont(new Font("SansSerif", Font.PLAIN, 10));
		// Strongest first; a label that would cover one already drawn is left out (the CSV has every value).
		List<ConceptGraphLayout.Link> byStrength = new ArrayList<>(layout.links());
		Collections.reverse(byStrength);
		List<Rectangle> labels = new ArrayList<>();
		for (ConceptGraphLayout.Link l : byStrength) {
			if (l.strength() < LABELLED) continue;
			String text = Numbers.label(l.edge().relevance());
			// At 30 % from the source: edges leaving one node have fanned out there, edges into one node not yet met.
			int x = (int) Math.round(l.from().x() + LABEL_AT * (l.to().x() - l.from().x()));
			int y = (int) Math.round(l.from().y() + LABEL_AT * (l.to().y() - l.from().y()));
			int w = ip.getStringWidth(text);
			Rectangle box = new Rectangle(x - w / 2 - 2, y - 7, w + 4, 13);
			if (labels.stream().anyMatch(box::intersects)) continue;
			labels.add(box);
			ip.setColor(Color.WHITE);
			ip.setRoi(box);
			ip.fill();
			ip.resetRoi();
			ip.setColor(l.positive() ? POSITIVE : NEGATIVE);
			ip.drawString(text, x - w / 2, y + 6);
		}
		Overlay overlay = new Overlay();
		ip.setFont(new Font("SansSerif", Font.BOLD, 11));
		int r = ConceptGraphLayout.NODE_RADIUS;
		for (ConceptGraphLayout.Node n : layout.nodes()) {
			int cx = (int) Math.round(n.x()), cy = (int) Math.round(n.y());
			boolean cls = n.concept() < 0;
			ip.setColor(cls ? CLASS_NODE : NODE);
			ip.fillOval(cx - r, cy - r, 2 * r + 1, 2 * r + 1);
			ip.setColor(Color.DARK_GRAY);
			ip.drawOval(cx - r, cy - r, 2 * r + 1, 2 * r + 1);
			ip.setColor(Color.BLACK);
			if (cls) { // under the disc, inside the picture
				String label = fitted(ip, n.label(), LABEL_WIDTH);
				ip.drawString(label, inside(cx - ip.getStringWidth(label) / 2, ip.getStringWidth(label), layout.width()), cy + r + 15);
			} else ip.drawString(n.label(), cx - ip.getStringWidth(n.label()) / 2, cy + 5);
			Double residual = layout.residuals().get(n);
			if (residual != null) {
				ip.setFont(new Font("SansSerif", Font.PLAIN, 10));
				String text = RESIDUAL + Numbers.label(residual);
				ip.setColor(Color.GRAY);
				ip.drawString(text, cx - ip.getStringWidth(text) / 2, cy + r + (cls ? 27 : 12)); // under the disc (and the class's name)
				ip.setFont(new Font("SansSerif", Font.BOLD, 11));
			}
			Roi roi = new ij.gui.OvalRoi(cx - r, cy - r, 2 * r + 1, 2 * r + 1);
			roi.setName(cls ? RoiWriter.join("class", n.label()) : RoiWriter.join(n.layer(), "concept " + (n.concept() + 1)));
			overlay.add(roi);
		}
		for (int c = 0; c < layout.columns().size(); c++) {
			String t = c < layout.columns().size() - 1 ? layout.columns().get(c)
				: layout.columns().get(c).equals(ConceptGraphLayout.CLASSES) ? ConceptGraphLayout.CLASSES : "class";
			ip.setColor(Color.BLACK);
			t = fitted(ip, t, LABEL_WIDTH);
			int w = ip.getStringWidth(t);
			ip.drawString(t, inside(ConceptGraphLayout.columnX(c) - w / 2, w, layout.width()), ConceptGraphLayout.HEADER - 6);
		}
		ip.setFont(new Font("SansSerif", Font.PLAIN, 10));
		String legend = LEGEND;
		if (ip.getStringWidth(legend) > layout.width() - 12) legend = SHORT_LEGEND; // one layer: a picture of two columns
		ip.setColor(Color.DARK_GRAY);
		ip.drawString(legend, 6, layout.height() - 6);
		ImagePlus imp = new ImagePlus(title, ip);
		imp.setOverlay(overlay);
		return imp;
	}

	/** The legend, and what a picture too narrow for it (one layer and the class) writes instead. */
	static final String LEGEND = "GIG relevance: red +, blue -; width ~ |relevance| per column; res: residual",
		SHORT_LEGEND = "GIG: red +, blue -; width ~ |GIG|; res: residual";

	/** The widest a column title or class name is drawn: a column's width less a gap, so neighbouring titles do not meet. */
	static final int LABEL_WIDTH = ConceptGraphLayout.COLUMN - 12;
	/** What stands for the left-out start of a shortened title. */
	static final String ELLIPSIS = "...";

	/**
	 * The text as drawn in at most {@code max} pixels: whole when it fits; else its last path parts
	 * ({@code .../conv5_block3_out/Relu} of {@code model/resnet50/conv5_block3_out/Relu}: a layer's
	 * distinctive end), else its last characters, after {@link #ELLIPSIS}. The tables and the
	 * overlay keep the whole name.
	 */
	static String fitted(ImageProcessor ip, String text, int max) {
		if (ip.getStringWidth(text) <= max) return text;
		int slash = text.indexOf('/');
		while (slash >= 0 && slash + 1 < text.length()) {
			String tail = ELLIPSIS + text.substring(slash);
			if (ip.getStringWidth(tail) <= max) return tail;
			slash = text.indexOf('/', slash + 1);
		}
		for (int start = 1; start < text.length(); start++) {
			String tail = ELLIPSIS + text.substring(start);
			if (ip.getStringWidth(tail) <= max) return tail;
		}
		return ELLIPSIS;
	}

	/** The left edge of a text {@code w} pixels wide wanted at {@code x}, moved inside a picture {@code width} pixels wide (2 pixels of margin). */
	static int inside(int x, int w, int width) {
		return Math.max(2, Math.min(x, width - 2 - w));
	}

	/** A colour moved towards white: strength 1 keeps it, 0 gives white. */
	static Color fade(Color c, double strength) {
		double s = Math.max(0, Math.min(1, strength));
		return new Color((int) Math.round(255 + (c.getRed() - 255) * s), (int) Math.round(255 + (c.getGreen() - 255) * s),
			(int) Math.round(255 + (c.getBlue() - 255) * s));
	}
}
