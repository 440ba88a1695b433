package org.conceptscope.fiji.write;

import org.conceptscope.fiji.image.BatchIndex;
import org.conceptscope.fiji.image.Explanation;
import org.conceptscope.fiji.image.ImagePlusTensors;
import org.conceptscope.fiji.image.SliceLabels;
import ij.CompositeImage;
import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;
import ij.io.FileSaver;
import ij.measure.Calibration;
import ij.plugin.LutLoader;
import ij.process.FloatProcessor;
import ij.process.LUT;

import java.awt.Color;
import java.awt.image.IndexColorModel;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Builds a new hyperstack that shows an explanation next to the image: the image's channels as
 * 32-bit values (calibrated where the image is; R, G, B for RGB) plus one last channel holding
 * the attribution map with the Fire LUT (signed maps: blue-black-red centred on zero, see {@link MapLuts}); the
 * image's channels keep the image's display ranges (0-255 for R, G, B). Slices and frames are those of the image, so batch
 * entry b sits at its own (slice, frame). {@link #buildMapImage} gives the maps alone, for users
 * who want them as a separate image. The input ImagePlus is only read.
 */
public final class HeatmapWriter {

	private HeatmapWriter() {}

	/** A new CompositeImage with channels = image channels + 1 (the map, last). */
	public static CompositeImage build(Explanation e) {
		ImagePlus imp = e.image();
		int w = imp.getWidth(), h = imp.getHeight();
		int channels = ImagePlusTensors.channels(imp);
		BatchIndex batches = e.batches();
		ImageStack stack = new ImageStack(w, h);
		double[][] ranges = new double[channels + 1][];
		for (int b = 0; b < batches.size(); b++) {
			for (int c = 0; c < channels; c++) {
				float[] plane = ImagePlusTensors.plane(imp, c, b);
				ranges[c] = widen(ranges[c], plane);
				stack.addSlice(channelLabel(imp, batches, b, c), new FloatProcessor(w, h, plane));
			}
			float[] map = e.map(b);
			ranges[channels] = widen(ranges[channels], map);
			stack.addSlice(SliceLabels.mapLabel(SliceLabels.shortLabel(imp, batches, b), e.method(),
				e.className(e.target(b))), new FloatProcessor(w, h, map));
		}
		ImagePlus out = new ImagePlus(title(imp, e.method(), true), stack);
		out.setDimensions(channels + 1, batches.slices(), batches.frames());
		out.setOpenAsHyperStack(true);
		CompositeImage ci = MapChannels.composite(out);
		for (int c = 0; c < channels; c++) {
			double[] shown = sourceRange(imp, c, ranges[c]);
			ci.setChannelLut(withRange(imageLut(imp, c), shown[0], shown[1]), c + 1);
		}
		// Unsigned maps: Fire from 0; signed ones: blue-black-red, black at 0 as channels add up, symmetric range (MapLuts).
		double[] shownMap = shown(ranges[channels]);
		ci.setChannelLut(MapLuts.forComposite(e.method(), shownMap[0], shownMap[1]), channels + 1);
		ci.setCalibration(spatialCalibration(imp));
		ci.setProperty("Info", info(e, channels));
		return ci;
	}

	/**
	 * A new 32-bit image holding only the maps (Fire LUT), one plane per slice/frame of the image,
	 * with the image's pixel size, titled "title-method-map"; each plane labelled {@link SliceLabels#mapLabel}.
	 */
	public static ImagePlus buildMapImage(Explanation e) {
		ImagePlus imp = e.image();
		BatchIndex batches = e.batches();
		ImageStack stack = new ImageStack(imp.getWidth(), imp.getHeight());
		double[] range = null;
		for (int b = 0; b < batches.size(); b++) {
			float[] map = e.map(b);
			range = widen(range, map);
			// The maps alone have no image planes to carry the user's slice label: its short form leads the map's label.
			stack.addSlice(SliceLabels.mapLabel(SliceLabels.shortLabel(imp, batches, b), e.method(),
				e.className(e.target(b))), new FloatProcessor(imp.getWidth(), imp.getHeight(), map));
		}
		ImagePlus out = new ImagePlus(title(imp, e.method(), false), stack);
		out.setDimensions(1, batches.slices(), batches.frames());
		// Slices x frames make a hyperstack (ROIs at (0, z, t)); a plain z- or t-stack takes ROIs by stack
		// index, which RoiPositions gives it.
		out.setOpenAsHyperStack(true);
		range = shown(range);
		LUT lut = MapLuts.forMap(e.method(), range[0], range[1]);
		out.getProcessor().setLut(lut);
		out.setDisplayRange(lut.min, lut.max);
		out.setCalibration(spatialCalibration(imp));
		out.setProperty("Info", info(e, 0));
		return out;
	}

	/** Saves the hyperstack as TIFF, atomically (temp file in the same folder, then rename). */
	public static void save(ImagePlus heatmap, Path tiff) throws IOException {
		// serialize() encodes the full ImageJ TIFF (LUTs, ranges, labels, info) without touching the
		// file system or the image's title, so the bytes can go through AtomicFiles.
		byte[] bytes = new FileSaver(heatmap).serialize();
		if (bytes == null) throw new IOException("ImageJ could not encode '" + heatmap.getTitle() + "' as TIFF.");
		AtomicFiles.write(tiff, bytes);
	}

	/** The map image's title: "title-method" (the image's channels and the map), "title-method-map" (the maps alone). */
	public static String title(ImagePlus imp, String method, boolean withChannels) {
		return org.conceptscope.fiji.image.ImageTitles.base(imp) + "-" + method + (withChannels ? "" : "-map");
	}

	/** The label of image channel c's plane of batch entry b (Red, Green, Blue stay on their channels). */
	static String channelLabel(ImagePlus imp, BatchIndex batches, int b, int c) {
		return SliceLabels.ofChannel(imp, c, batches.slice(b), batches.frame(b));
	}

	static LUT imageLut(ImagePlus imp, int channel) {
		if (imp.getBitDepth() == 24) {
			Color[] rgb = { Color.RED, Color.GREEN, Color.BLUE };
			return LUT.createLutFromColor(rgb[channel % 3]);
		}
		if (imp.isComposite()) return ((CompositeImage) imp).getChannelLut(channel + 1);
		if (imp.getNChannels() == 1) return imp.getProcessor().getLut();
		return LUT.createLutFromColor(Color.WHITE);
	}

	/**
	 * The display range of image channel c in the result, so the image looks as it did: 0-255 for
	 * each of R, G, B of an RGB image (one range per colour would change the stain colours), else
	 * the image's own display range of that channel (in calibrated values where the planes are
	 * calibrated); the planes' extremes ({@code seen}, see {@link #widen}) only where the image has
	 * no usable range.
	 */
	public static double[] sourceRange(ImagePlus imp, int c, double[] seen) {
		if (imp.getBitDepth() == 24) return new double[] { 0, 255 };
		double lo, hi;
		if (imp.isComposite()) {
			LUT lut = ((CompositeImage) imp).getChannelLut(c + 1);
			lo = lut.min;
			hi = lut.max;
		} else {
			lo = imp.getDisplayRangeMin();
			hi = imp.getDisplayRangeMax();
		}
		if (ImagePlusTensors.usesCalibration(imp)) {
			Calibration cal = imp.getCalibration();
			double a = cal.getCValue(lo), b = cal.getCValue(hi);
			lo = Math.min(a, b);
			hi = Math.max(a, b);
		}
		return Double.isFinite(lo) && Double.isFinite(hi) && hi > lo ? new double[] { lo, hi } : shown(seen);
	}

	/** Fire from ImageJ's built-in tables: LutLoader builds it in code, so it works headless. */
	static LUT fire() {
		IndexColorModel cm = LutLoader.getLut("fire");
		if (cm == null) return LUT.createLutFromColor(Color.ORANGE);
		return new LUT(cm, 0, 255);
	}

	public static LUT withRange(LUT lut, double min, double max) {
		LUT copy = (LUT) lut.clone();
		copy.min = min;
		copy.max = max;
		return copy;
	}

	/**
	 * The finite extremes of the values seen so far, {min, max} (equal for constant values), or null while
	 * there are none: a plane without a value (a region map of another slice, NaN) or a constant one does not
	 * fix the range the later planes are shown in. {@link #shown} makes it a display range.
	 */
	public static double[] widen(double[] range, float[] values) {
		double min = range == null ? Double.POSITIVE_INFINITY : range[0];
		double max = range == null ? Double.NEGATIVE_INFINITY : range[1];
		for (float v : values) {
			if (Float.isFinite(v)) {
				min = Math.min(min, v);
				max = Math.max(max, v);
			}
		}
		return min > max ? range : new double[] { min, max };
	}

	/** A display range of {@link #widen}'s extremes: [0, 1] without values, [c, c + 1] for constant ones. */
	public static double[] shown(double[] range) {
		if (range == null) return new double[] { 0, 1 };
		return range[1] > range[0] ? range : new double[] { range[0], range[0] + 1 };
	}

	/** Pixel size and units stay; the values are already calibrated, so no density function. */
	public static Calibration spatialCalibration(ImagePlus imp) {
		Calibration cal = imp.getCalibration().copy();
		cal.disableDensityCalibration();
		return cal;
	}

	/**
	 * The Info line of a map blended from tiles: how the image was tiled (e.g. {@code tiles=31x31 tiles of 32x32, overlap 0.5}),
	 * the same in the explanation, its class map and concept maps.
	 */
	public static String tilesLine(String grid) {
		return "tiles=" + grid + "\n";
	}

	private static String info(Explanation e, int channels) {
		StringBuilder s = new StringBuilder("ConceptScope explanation\n");
		s.append("method=").append(e.method()).append('\n');
		s.append("model=").append(e.model()).append('\n');
		s.append("classes=").append(String.join(",", e.classNames())).append('\n');
		if (e.tiles() != null) s.append(tilesLine(e.tiles().grid().describe()));
		if (channels > 0) {
			s.append("channels 1-").append(channels).append("=image values");
			if (ImagePlusTensors.usesCalibration(e.image())) s.append(" (calibrated)");
			s.append('\n');
		}
		s.append("channel ").append(channels + 1).append('=').append(e.method()).append(" map\n");
		for (int b = 0; b < e.size(); b++) {
			s.append("slice=").append(e.batches().slice(b)).append(" frame=").append(e.batches().frame(b))
				.append(" target=").append(e.className(e.target(b)))
				.append(" predicted=").append(e.className(e.predicted(b))).append('\n');
		}
		return s.toString();
	}
}
