package org.conceptscope.fiji.write;

import org.conceptscope.fiji.image.BatchIndex;
import org.conceptscope.fiji.image.ImagePlusTensors;
import org.conceptscope.fiji.image.SliceLabels;
import ij.CompositeImage;
import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;
import ij.process.FloatProcessor;
import ij.process.LUT;

import java.util.List;

import org.conceptscope.tensor.FloatTensor;

/**
 * Several maps per slice [N, H, W, k] as a new hyperstack: the image's channels as 32-bit values
 * (R, G, B for RGB; calibrated where the image is; shown in the image's display ranges, 0-255 for RGB)
 * then one channel per map with its own display range: the Fire LUT from 0 to its highest value, or
 * for a signed map a symmetric range with blue-black-red (black at 0, as composite channels add up;
 * a single map alone: the diverging LUT white at 0) ({@link MapLuts}),
 * or the maps alone. Each map plane is labelled with its name after its slice's short label
 * ({@link SliceLabels#mapLabel}); slices and frames are the
 * image's. The image is only read.
 */
public final class MapChannels {

	private MapChannels() {}

	/** Plane of map q of batch entry b, row by row. */
	public static float[] map(FloatTensor maps, int b, int q) {
		int h = (int) maps.dim(1), w = (int) maps.dim(2), k = (int) maps.dim(3);
		float[] out = new float[h * w];
		float[] d = maps.data();
		int base = b * h * w * k;
		for (int p = 0; p < h * w; p++) out[p] = d[base + p * k + q];
		return out;
	}

	/**
	 * @param names one per map: what its planes show, after each slice's short label ({@link SliceLabels#mapLabel})
	 * @param withImage true: image channels first; false: the maps alone
	 */
	public static CompositeImage build(ImagePlus imp, FloatTensor maps, List<String> names, String title, boolean withImage) {
		int w = imp.getWidth(), h = imp.getHeight(), k = (int) maps.dim(3);
		if (names.size() != k) throw new IllegalArgumentException(names.size() + " names for " + k + " maps.");
		int channels = withImage ? ImagePlusTensors.channels(imp) : 0;
		BatchIndex batches = ImagePlusTensors.batches(imp);
		if (maps.dim(0) != batches.size() || maps.dim(1) != h || maps.dim(2) != w) {
			throw new IllegalArgumentException("Maps " + maps + " do not fit image '" + imp.getTitle() + "'.");
		}
		ImageStack stack = new ImageStack(w, h);
		double[][] ranges = new double[channels + k][];
		for (int b = 0; b < batches.size(); b++) {
			for (int c = 0; c < channels; c++) {
				float[] plane = ImagePlusTensors.plane(imp, c, b);
				ranges[c] = HeatmapWriter.widen(ranges[c], plane);
				stack.addSlice(HeatmapWriter.channelLabel(imp, batches, b, c), new FloatProcessor(w, h, plane));
			}
			String slice = SliceLabels.shortLabel(imp, batches, b);
			for (int q = 0; q < k; q++) {
				float[] m = map(maps, b, q);
				ranges[channels + q] = HeatmapWriter.widen(ranges[channels + q], m);
				stack.addSlice(SliceLabels.mapLabel(slice, names.get(q)), new FloatProcessor(w, h, m));
			}
		}
		ImagePlus out = new ImagePlus(title, stack);
		out.setDimensions(channels + k, batches.slices(), batches.frames());
		out.setOpenAsHyperStack(true);
		CompositeImage ci = composite(out);
		for (int c = 0; c < channels; c++) {
			double[] shown = HeatmapWriter.sourceRange(imp, c, ranges[c]);
			ci.setChannelLut(HeatmapWriter.withRange(HeatmapWriter.imageLut(imp, c), shown[0], shown[1]), c + 1);
		}
		for (int q = 0; q < k; q++) {
			double[] shown = HeatmapWriter.shown(ranges[channels + q]);
			double min = shown[0], max = shown[1];
			// Per-channel display ranges; a signed channel (MapLuts.signed) gets blue-black-red, black at 0, in a
			// composite (channels add up), the white-centred diverging LUT when the maps are shown alone.
			ci.setChannelLut(withImage || k > 1 ? MapLuts.forComposite(null, min, max) : MapLuts.forMap(null, min, max), channels + q + 1);
		}
		ci.setCalibration(HeatmapWriter.spatialCalibration(imp));
		return ci;
	}

	/**
	 * A new CompositeImage of a hyperstack, in an explicit mode: composite (all channels overlaid)
	 * up to ImageJ's {@link CompositeImage#MAX_CHANNELS} (8 in 1.54p), color (one channel at a time)
	 * above, where ImageJ would otherwise switch silently; the Log says so. One channel: grayscale.
	 */
	public static CompositeImage composite(ImagePlus hyperstack) {
		int c = hyperstack.getNChannels();
		if (c > CompositeImage.MAX_CHANNELS) {
			IJ.log("ConceptScope: " + hyperstack.getTitle() + " has " + c + " channels, more than the " + CompositeImage.MAX_CHANNELS
				+ " ImageJ overlays as a composite, so it opens in color mode (one channel at a time: move the c slider, or pick"
				+ " channels with Image > Color > Channels Tool...).");
			return new CompositeImage(hyperstack, IJ.COLOR);
		}
		return new CompositeImage(hyperstack, c > 1 ? IJ.COMPOSITE : IJ.GRAYSCALE);
	}

}
