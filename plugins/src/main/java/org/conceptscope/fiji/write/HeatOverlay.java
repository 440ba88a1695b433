package org.conceptscope.fiji.write;

import org.conceptscope.fiji.image.Explanation;
import ij.CompositeImage;
import ij.ImagePlus;
import ij.gui.ImageRoi;
import ij.gui.Overlay;
import ij.gui.Roi;
import ij.gui.TextRoi;
import ij.process.ByteProcessor;
import ij.process.ColorProcessor;
import ij.process.FloatProcessor;
import ij.process.LUT;

import java.awt.Color;
import java.awt.Font;
import java.util.ArrayList;
import java.util.List;

/**
 * The heat map drawn over the image as a translucent overlay, so the image keeps its own colours
 * instead of being summed with the map into one washed-out composite: one {@link ImageRoi} per
 * slice/frame, the map rendered through its channel's LUT and display range, with the given
 * opacity. The map channel itself stays in the image, for measurement, but is not shown in the
 * composite (its overlay shows it).
 */
public final class HeatOverlay {

	/** Name of the overlay's image ROIs. */
	public static final String NAME = "heat map";

	private HeatOverlay() {}

	/**
	 * Image ROIs of the maps of {@code e}, rendered with the LUT of channel {@code mapChannel} (1-based)
	 * of {@code ci}, one per (slice, frame), positioned on every channel.
	 */
	public static List<ImageRoi> rois(CompositeImage ci, Explanation e, int mapChannel, double opacity) {
		if (!(opacity > 0 && opacity <= 1)) throw new IllegalArgumentException("opacity must be in (0, 1], got " + opacity + ".");
		LUT lut = ci.getChannelLut(mapChannel);
		int w = ci.getWidth(), h = ci.getHeight();
		List<ImageRoi> out = new ArrayList<>();
		for (int b = 0; b < e.size(); b++) {
			ColorProcessor rgb = render(e.map(b), w, h, lut);
			ImageRoi roi = new ImageRoi(0, 0, rgb);
			roi.setOpacity(opacity);
			roi.setName(NAME);
			roi.setPosition(0, e.batches().slice(b), e.batches().frame(b));
			out.add(roi);
		}
		return out;
	}

	/** A map as RGB through a LUT and its display range (lut.min .. lut.max). */
	public static ColorProcessor render(float[] map, int w, int h, LUT lut) {
		FloatProcessor fp = new FloatProcessor(w, h, map.clone());
		fp.setMinAndMax(lut.min, lut.max);
		ByteProcessor bp = fp.convertToByteProcessor(true);
		// The colours only: a LUT carrying a display range would make the byte image rescale once more.
		byte[] r = new byte[256], g = new byte[256], b = new byte[256];
		lut.getReds(r);
		lut.getGreens(g);
		lut.getBlues(b);
		bp.setLut(new LUT(r, g, b));
		return bp.convertToColorProcessor();
	}

	/** Adds the maps' overlay under the existing overlay and shows only the image's channels in the composite. */
	public static void apply(CompositeImage ci, Explanation e, int mapChannel, double opacity) {
		Overlay overlay = new Overlay();
		for (ImageRoi roi : rois(ci, e, mapChannel, opacity)) overlay.add(roi);
		Overlay existing = ci.getOverlay();
		if (existing != null) for (int i = 0; i < existing.size(); i++) overlay.add(existing.get(i));
		ci.setOverlay(overlay);
		StringBuilder active = new StringBuilder();
		for (int c = 1; c <= ci.getNChannels(); c++) active.append(c == mapChannel ? '0' : '1');
		ci.setActiveChannels(active.toString());
	}

	/** Name of the calibration bar's ROIs (the bar, then its numbers: highest, 0 for signed maps, lowest). */
	public static final String BAR = "calibration bar";

	/**
	 * A calibration bar for a map shown through {@code lut} over its display range (lut.min ..
	 * lut.max), for an image of {@code width x height}: the LUT as a vertical bar in the top left
	 * corner (highest value at the top), and its numbers beside it: the range's ends, and 0 at the
	 * middle when the range is symmetric about 0 (signed maps). Overlay ROIs on every slice, named
	 * {@value #BAR}; the bar is opaque, the numbers white on a dark box so they read on any image.
	 */
	public static List<Roi> calibrationBar(LUT lut, int width, int height) {
		int margin = Math.max(2, Math.round(Math.min(width, height) * 0.02f));
		int barWidth = Math.max(6, Math.round(width * 0.025f)), barHeight = Math.max(24, Math.round(height * 0.3f));
		barHeight = Math.min(barHeight, Math.max(1, height - 2 * margin));
		ColorProcessor bar = new ColorProcessor(barWidth, barHeight);
		for (int y = 0; y < barHeight; y++) {
			int index = barHeight == 1 ? 255 : (int) Math.round(255.0 * (barHeight - 1 - y) / (barHeight - 1));
			int rgb = lut.getRGB(index) & 0xffffff;
			for (int x = 0; x < barWidth; x++) bar.set(x, y, rgb);
		}
		List<Roi> out = new ArrayList<>();
		ImageRoi image = new ImageRoi(margin, margin, bar);
		image.setName(BAR);
		image.setPosition(0, 0, 0);
		out.add(image);
		int font = Math.max(8, Math.min(24, Math.round(height * 0.03f)));
		boolean signed = lut.min < 0 && Math.abs(lut.min + lut.max) <= 1e-9 * Math.max(1, Math.abs(lut.max));
		int x = margin + barWidth + 2;
		out.add(label(number(lut.max), x, margin, font));
		if (signed) out.add(label("0", x, margin + barHeight / 2 - font / 2, font));
		out.add(label(number(lut.min), x, margin + barHeight - font, font));
		return out;
	}

	/** A range end as the bar shows it. */
	public static String number(double v) {
		return Numbers.label(v);
	}

	private static TextRoi label(String text, int x, int y, int font) {
		TextRoi t = new TextRoi(x, Math.max(0, y), text, new Font("SansSerif", Font.PLAIN, font));
		t.setStrokeColor(Color.WHITE);
		t.setFillColor(new Color(0, 0, 0, 160));
		t.setName(BAR);
		t.setPosition(0, 0, 0);
		return t;
	}

	/** Adds a calibration bar for {@code lut} to the image's overlay (made if missing). */
	public static void addCalibrationBar(ImagePlus imp, LUT lut) {
		Overlay overlay = imp.getOverlay() == null ? new Overlay() : imp.getOverlay();
		for (Roi r : calibrationBar(lut, imp.getWidth(), imp.getHeight())) overlay.add(r);
		imp.setOverlay(overlay);
	}
}
