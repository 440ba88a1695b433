package org.conceptscope.fiji.write;

import ij.process.LUT;

import java.awt.Color;
import java.util.Set;

/**
 * How maps are coloured so they read right: a signed map (Integrated Gradients, Gradient×Input,
 * SRD, GIG, or any map whose negative part is more than {@value #SIGNED_FRACTION} of its positive
 * range) over a range symmetric about zero, so equal evidence for and against has equal strength.
 * Shown alone or as a translucent overlay it gets a diverging LUT (blue, white at zero, red); as a
 * channel of a composite, where channels add up, it gets {@link #signedOnBlack()} (blue, black at
 * zero, red), because white at zero would add white wherever the map is about 0 and hide the image.
 * An unsigned map gets the sequential Fire LUT from zero to its maximum (a tiny undershoot, such as
 * bicubic upsampling leaves, is shown as 0); concept channels each get a colour of their own (black
 * to the colour), so several channels overlaid stay apart.
 */
public final class MapLuts {

	/** Methods whose maps are signed by definition, even where a map happens to have no negative value. */
	public static final Set<String> SIGNED_METHODS = Set.of("integrated_gradients", "gradient_x_input", "srd", "gig");

	/** Concept colours, in order: distinct hues that stay apart when overlaid. */
	private static final Color[] CONCEPT_COLORS = { new Color(230, 25, 75), new Color(60, 180, 75), new Color(0, 130, 200),
		new Color(255, 225, 25), new Color(245, 130, 48), new Color(145, 30, 180), new Color(70, 240, 240), new Color(240, 50, 230),
		new Color(210, 245, 60), new Color(250, 190, 212), new Color(0, 128, 128), new Color(170, 110, 40) };

	private MapLuts() {}

	/**
	 * How large the negative part of a map must be, as a fraction of its largest positive value, for
	 * the map to count as signed: below it the negative values are an artefact (bicubic upsampling of
	 * a non-negative map undershoots by about 1%, Sobol on ihc.png by 1.2%), not evidence against.
	 */
	public static final double SIGNED_FRACTION = 0.05;

	/**
	 * Whether a map of this method with values in [min, max] is shown as signed: always for the
	 * {@link #SIGNED_METHODS}, otherwise when its most negative value exceeds {@value #SIGNED_FRACTION}
	 * of its largest positive one (or it has no positive value at all).
	 */
	public static boolean signed(String method, double min, double max) {
		if (method != null && SIGNED_METHODS.contains(method)) return true;
		return min < 0 && -min > SIGNED_FRACTION * Math.max(0, max);
	}

	/**
	 * The display range: symmetric [-a, a] (a = largest magnitude) for signed maps, [0, max] otherwise
	 * (a tiny undershoot below 0 shows as 0); never empty.
	 */
	public static double[] range(double min, double max, boolean signed) {
		if (signed) {
			double a = Math.max(Math.abs(min), Math.abs(max));
			return new double[] { -(a > 0 ? a : 1), a > 0 ? a : 1 };
		}
		double lo = max > 0 ? 0 : Math.min(0, min);
		return new double[] { lo, max > lo ? max : lo + 1 };
	}

	/**
	 * Blue (negative) to black (zero) to red (positive), 256 entries, for a signed map in a composite:
	 * channels add up there, so black at zero leaves the image's own colours where the map is 0.
	 */
	public static LUT signedOnBlack() {
		byte[] r = new byte[256], g = new byte[256], b = new byte[256];
		for (int i = 0; i < 256; i++) {
			double t = (i - 127.5) / 127.5; // -1 .. 1
			double a = Math.abs(t);
			if (t < 0) {
				g[i] = (byte) Math.round(80 * a);
				b[i] = (byte) Math.round(255 * a);
			} else {
				r[i] = (byte) Math.round(255 * a);
			}
		}
		return new LUT(r, g, b);
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

	/** The LUT and range of a map shown alone: diverging (white at 0) and symmetric when signed, Fire from zero otherwise. */
	public static LUT forMap(String method, double min, double max) {
		boolean signed = signed(method, min, max);
		double[] range = range(min, max, signed);
		return HeatmapWriter.withRange(signed ? diverging() : HeatmapWriter.fire(), range[0], range[1]);
	}

	/**
	 * The LUT and range of a map as a channel of a composite (channels add up): {@link #signedOnBlack()}
	 * and symmetric when signed, Fire from zero otherwise; black at 0 either way.
	 */
	public static LUT forComposite(String method, double min, double max) {
		boolean signed = signed(method, min, max);
		double[] range = range(min, max, signed);
		return HeatmapWriter.withRange(signed ? signedOnBlack() : HeatmapWriter.fire(), range[0], range[1]);
	}

	/**
	 * The LUT to draw a composite's map channel as a translucent overlay (blended, not added): the
	 * diverging LUT, white at 0, over the same range when the channel has {@link #signedOnBlack()},
	 * else the channel's LUT itself.
	 */
	public static LUT forOverlay(LUT channelLut) {
		LUT black = signedOnBlack();
		for (int i = 0; i < 256; i++) if (black.getRGB(i) != channelLut.getRGB(i)) return channelLut;
		return HeatmapWriter.withRange(diverging(), channelLut.min, channelLut.max);
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
