package org.conceptscope.fiji.write;

import org.conceptscope.fiji.image.ImageTitles;
import org.conceptscope.fiji.param.CommandSpecs;
import org.conceptscope.fiji.image.BatchIndex;
import org.conceptscope.fiji.image.ImagePlusTensors;
import org.conceptscope.fiji.image.SliceLabels;
import org.conceptscope.fiji.image.RoiPositions;
import org.conceptscope.fiji.image.TopFractionMask;
import ij.CompositeImage;
import ij.ImagePlus;
import ij.gui.Overlay;
import ij.gui.Roi;
import ij.ImageStack;
import ij.process.ByteProcessor;
import ij.process.ImageProcessor;
import ij.process.LUT;
import ij.process.ShortProcessor;

import java.util.ArrayList;
import java.util.List;

import org.conceptscope.concepts.ConceptBank;
import org.conceptscope.concepts.ConceptLocalization;
import org.conceptscope.tensor.FloatTensor;

/**
 * Concept maps [N, H, W, k] of one image, as ImageJ outputs: a new composite with the image's
 * channels plus one channel per concept ({@link #withChannels}) or the maps alone
 * ({@link #mapsOnly}), and ROIs outlining the top fraction of every concept's map on every slice,
 * named {@code concept k; <class>; slice=z}. The image is only read.
 */
public final class ConceptMapsWriter {

	private ConceptMapsWriter() {}

	/** Plane of concept q of batch entry b, row by row. */
	public static float[] map(FloatTensor maps, int b, int q) {
		return MapChannels.map(maps, b, q);
	}

	/** A new composite: image channels (32-bit) then concepts 1..k (a colour each, {@link MapLuts#concept}). */
	public static CompositeImage withChannels(ImagePlus imp, FloatTensor maps, ConceptBank bank) {
		return build(imp, maps, bank, true);
	}

	/** A new image of the concept maps alone, one channel per concept. */
	public static CompositeImage mapsOnly(ImagePlus imp, FloatTensor maps, ConceptBank bank) {
		return build(imp, maps, bank, false);
	}

	/** The concept maps' title: "title-concepts" (with the image's channels) or "title-concepts-map" (the maps alone). */
	public static String title(ImagePlus imp, boolean withImage) {
		return ImageTitles.base(imp) + (withImage ? "-concepts" : "-concepts-map");
	}

	/** The label image's title: "title-concept-labels". */
	public static String labelsTitle(ImagePlus imp) {
		return ImageTitles.base(imp) + "-concept-labels";
	}

	private static CompositeImage build(ImagePlus imp, FloatTensor maps, ConceptBank bank, boolean withImage) {
		int k = (int) maps.dim(3);
		int channels = withImage ? ImagePlusTensors.channels(imp) : 0;
		List<String> names = new ArrayList<>();
		for (int q = 0; q < k; q++) names.add("concept " + (q + 1) + ": " + bank.className);
		CompositeImage ci = MapChannels.build(imp, maps, names, title(imp, withImage), withImage);
		// Each concept its own colour (black to the colour), over its own display range: overlaid, they stay apart.
		for (int q = 0; q < k; q++) {
			ij.process.LUT range = ci.getChannelLut(channels + q + 1);
			ci.setChannelLut(HeatmapWriter.withRange(MapLuts.concept(q), Math.max(0, range.min), range.max), channels + q + 1);
		}
		StringBuilder info = new StringBuilder("ConceptScope concept localization\nmodel=").append(bank.model)
			.append("\nlayer=").append(bank.layer).append("\nclass=").append(bank.className).append('\n');
		if (channels > 0) info.append("channels 1-").append(channels).append("=image values\n");
		info.append("channels ").append(channels + 1).append('-').append(channels + k).append("=concepts 1-").append(k).append('\n');
		ci.setProperty("Info", info.toString());
		return ci;
	}

	/**
	 * The label image of the dominant concept: at every pixel of every slice, q where concept q's map
	 * is the largest ({@link ConceptLocalization#dominant}), 0 where no map exceeds {@code threshold}.
	 * 8-bit with the concepts' colours as its LUT (label q in concept q's colour, 0 black), 16-bit
	 * beyond 255 concepts; slices and frames are the image's, titled {@code <title>-concept-labels}.
	 */
	public static ImagePlus labels(ImagePlus imp, FloatTensor maps, ConceptBank bank, double threshold) {
		int w = imp.getWidth(), h = imp.getHeight(), k = (int) maps.dim(3);
		BatchIndex batches = ImagePlusTensors.batches(imp);
		if (maps.dim(0) != batches.size() || maps.dim(1) != h || maps.dim(2) != w) {
			throw new IllegalArgumentException("Maps " + maps + " do not fit image '" + imp.getTitle() + "'.");
		}
		int[] labels = ConceptLocalization.dominant(maps, threshold);
		ImageStack stack = new ImageStack(w, h);
		for (int b = 0; b < batches.size(); b++) {
			ImageProcessor ip = k <= 255 ? new ByteProcessor(w, h) : new ShortProcessor(w, h);
			for (int p = 0; p < w * h; p++) ip.set(p, labels[b * w * h + p]);
			// the slice's short label: a DICOM header describes the image's pixels, not these labels
			String label = SliceLabels.shortLabel(imp, batches, b);
			stack.addSlice(label.isEmpty() ? null : label, ip);
		}
		ImagePlus out = new ImagePlus(labelsTitle(imp), stack);
		out.setDimensions(1, batches.slices(), batches.frames());
		if (batches.size() > 1) out.setOpenAsHyperStack(true);
		if (k <= 255) {
			byte[] r = new byte[256], g = new byte[256], bl = new byte[256];
			for (int q = 0; q < k; q++) {
				java.awt.Color c = MapLuts.conceptColor(q);
				r[q + 1] = (byte) c.getRed();
				g[q + 1] = (byte) c.getGreen();
				bl[q + 1] = (byte) c.getBlue();
			}
			LUT lut = new LUT(r, g, bl);
			out.getProcessor().setColorModel(lut);
			out.getStack().setColorModel(lut);
			out.setDisplayRange(0, 255);
		} else {
			out.setDisplayRange(0, k);
		}
		out.setCalibration(HeatmapWriter.spatialCalibration(imp));
		out.setProperty("Info", "ConceptScope dominant concept\nmodel=" + bank.model + "\nlayer=" + bank.layer + "\nclass="
			+ bank.className + "\nlabel q=concept q (its map the largest), 0=no concept map above " + threshold + "\n");
		return out;
	}

	/**
	 * One ROI per slice and concept (batch order, then concept), where the mask is not empty,
	 * positioned for {@code on} (the new image: {@link #withChannels} or {@link #mapsOnly}).
	 */
	public static List<Roi> rois(ImagePlus imp, FloatTensor maps, ConceptBank bank, double topFraction, ImagePlus on) {
		List<String> labels = new ArrayList<>();
		for (int q = 1; q <= maps.dim(3); q++) labels.add("concept " + q);
		return rois(imp, maps, labels, bank.className, topFraction, on);
	}

	/**
	 * One ROI per slice and map, named {@code <label>; <class>; slice=z}; property {@code concept} is
	 * the label's last word (the concept's number). On {@code on}, built by {@link MapChannels#build},
	 * each ROI sits on its slice and on its map's channel (the image's channels, then map q at
	 * channel images + q + 1), so each concept's outline shows with its own map.
	 */
	public static List<Roi> rois(ImagePlus imp, FloatTensor maps, List<String> labels, String className, double topFraction,
		ImagePlus on) {
		int first = on.getNChannels() - (int) maps.dim(3); // the image's channels come before the maps
		int w = imp.getWidth(), h = imp.getHeight(), k = (int) maps.dim(3);
		BatchIndex batches = ImagePlusTensors.batches(imp);
		List<Roi> out = new ArrayList<>();
		for (int b = 0; b < batches.size(); b++) {
			for (int q = 0; q < k; q++) {
				float[] m = map(maps, b, q);
				ByteProcessor mask = TopFractionMask.of(m, w, h, topFraction);
				Roi roi = RoiWriter.toRoi(mask);
				if (roi == null) continue;
				int slice = batches.slice(b), frame = batches.frame(b);
				String label = labels.get(q);
				roi.setName(batches.frames() > 1 ? RoiWriter.join(label, className, "slice=" + slice, "frame=" + frame)
					: RoiWriter.join(label, className, "slice=" + slice));
				RoiPositions.place(roi, on, first + q + 1, slice, frame);
				roi.setProperty("concept", label.substring(label.lastIndexOf(' ') + 1));
				roi.setProperty("score", Numbers.property(RoiWriter.meanInside(m, mask)));
				roi.setProperty("class", className);
				roi.setProperty(CommandSpecs.TOP_FRACTION.key(), Numbers.property(topFraction));
				roi.setProperty("pixels", Integer.toString(RoiWriter.count(mask)));
				out.add(roi);
			}
		}
		return out;
	}

	public static String name(int concept, String className, int slice, int frame) {
		return RoiWriter.name("concept " + concept, className, slice, frame);
	}

	/** The ROIs as a new overlay (clones). */
	public static Overlay overlay(List<Roi> rois) {
		Overlay o = new Overlay();
		for (Roi r : rois) o.add((Roi) r.clone());
		return o;
	}

	/** Notes in the maps' Info the grid of tiles they were blended from ({@code tiles=}); nothing for maps of model-size images (null). */
	public static void noteTiles(ImagePlus maps, String tiles) {
		if (tiles == null) return;
		Object info = maps.getProperty("Info");
		maps.setProperty("Info", (info == null ? "" : info.toString()) + HeatmapWriter.tilesLine(tiles));
	}
}
