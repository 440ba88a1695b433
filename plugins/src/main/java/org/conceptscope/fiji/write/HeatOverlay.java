package org.conceptscope.fiji.write;

import org.conceptscope.fiji.image.Explanation;
import ij.CompositeImage;
import ij.gui.ImageRoi;
import ij.gui.Overlay;
import ij.process.ByteProcessor;
import ij.process.ColorProcessor;
import ij.process.FloatProcessor;
import ij.process.LUT;

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
}
