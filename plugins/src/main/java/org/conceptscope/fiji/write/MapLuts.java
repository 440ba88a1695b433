package org.conceptscope.fiji.write;

import ij.process.LUT;

import java.awt.Color;
import java.util.Set;

/**
 * How maps are coloured so they read right: a signed map (Integrated Gradients, Gradient×Input,
 * SRD, GIG, or any map with negative values) with a diverging LUT (blue, white at zero, red) over a
 * range symmetric about zero, so zero is white and equal evidence for and against has equal
 * strength; an unsigned map with the sequential Fire LUT from zero to its maximum; concept channels
 * each with a colour of their own (black to the colour), so several channels overlaid stay apart.
 */
public final class MapLuts {

	/** Methods whose maps are signed by definition, even where a map happens to have no negative value. */
	public static final Set<String> SIGNED_METHODS = Set.of("integrated_gradients", "gradient_x_input", "srd", "gig");

	/** Concept colours, in order: distinct hues that stay apart when overlaid. */
	private static final Color[] CONCEPT_COLORS = { new Color(230, 25, 75), new Color(60, 180, 75), new Color(0, 130, 200),
		new Color(255, 225, 25), new Color(245, 130, 48), new Color(145, 30, 180), new Color(70, 240, 240), new Color(240, 50, 230),
		new Color(210, 245, 60), new Color(250, 190, 212), new Color(0, 128, 128), new Color(170, 110, 40) };

	private MapLuts() {}

	/** Whether a map of this method with values in [min, max] is shown as signed. */
	public static boolean signed(String method, double min) {
		return min < 0 || (method != null && SIGNED_METHODS.contains(method));
	}

	/** The display range: symmetric [-a, a] (a = largest magnitude) for signed maps, [0, max] otherwise; never empty. */
	public static double[] range(double min, double max, boolean signed) {
		if (signed) {
			double a = Math.max(Math.abs(min), Math.abs(max));
			return new double[] { -(a > 0 ? a : 1), a > 0 ? a : 1 };
		}
		double lo = Math.min(0, min);
		return new double[] { lo, max > lo ? max : lo + 1 };
	}

	/** Blue (negative) to white (zero) to red (positive), 256 entries; entry 127.5 is zero on a symmetric range. */
	public static LUT diverging() {
		byte[] r = new byte[256], g = new byte[256], b = new byte[256];
		for (int i = 0; i < 256; i++) {
			double t = (i - 127.5) / 127.5; // -1 .. 1
			double a = Math.abs(t);
			int fade = (int) Math.round(255 * (1 - a)); // white at zero
			if (t < 0) {
				r[i] = (byte) fade;
				g[i] = (byte) Math.round(255 * (1 - a) + 80 * a);
				b[i] = (byte) 255;
			} else {
				r[i] = (byte) 255;
				g[i] = (byte) fade;
				b[i] = (byte) fade;
			}
		}
		return new LUT(r, g, b);
	}

	/** The LUT and range of a map: diverging and symmetric when signed, Fire from zero otherwise. */
	public static LUT forMap(String method, double min, double max) {
		boolean signed = signed(method, min);
		double[] range = range(min, max, signed);
		return HeatmapWriter.withRange(signed ? diverging() : HeatmapWriter.fire(), range[0], range[1]);
	}

	/** Colour of concept q (cycling after twelve). */
	public static Color conceptColor(int q) {
		return CONCEPT_COLORS[Math.floorMod(q, CONCEPT_COLORS.length)];
	}

	/** Black to concept q's colour. */
	public static LUT concept(int q) {
		return LUT.createLutFromColor(conceptColor(q));
	}
}
