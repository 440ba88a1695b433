package org.conceptscope.fiji;

import ij.CompositeImage;
import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;
import ij.gui.Overlay;
import ij.gui.Roi;
import ij.process.ByteProcessor;
import ij.process.FloatProcessor;
import ij.process.LUT;

import java.util.ArrayList;
import java.util.List;

import org.conceptscope.concepts.ConceptBank;
import org.conceptscope.tensor.FloatTensor;

/**
 * Concept maps [N, H, W, k] of one image, as ImageJ outputs: a new composite with the image's
 * channels plus one channel per concept ({@link #withChannels}) or the maps alone
 * ({@link #mapsOnly}), and ROIs outlining the top fraction of every concept's map on every slice,
 * named {@code concept k|<class>|slice=z}. The image is only read.
 */
public final class ConceptMapsWriter {

	private ConceptMapsWriter() {}

	/** Plane of concept q of batch entry b, row by row. */
	public static float[] map(FloatTensor maps, int b, int q) {
		int h = (int) maps.dim(1), w = (int) maps.dim(2), k = (int) maps.dim(3);
		float[] out = new float[h * w];
		float[] d = maps.data();
		int base = b * h * w * k;
		for (int p = 0; p < h * w; p++) out[p] = d[base + p * k + q];
		return out;
	}

	/** A new composite: image channels (32-bit) then concepts 1..k (Fire LUT each). */
	public static CompositeImage withChannels(ImagePlus imp, FloatTensor maps, ConceptBank bank) {
		return build(imp, maps, bank, true);
	}

	/** A new image of the concept maps alone, one channel per concept. */
	public static CompositeImage mapsOnly(ImagePlus imp, FloatTensor maps, ConceptBank bank) {
		return build(imp, maps, bank, false);
	}

	private static CompositeImage build(ImagePlus imp, FloatTensor maps, ConceptBank bank, boolean withImage) {
		int k = (int) maps.dim(3);
		List<String> labels = new ArrayList<>();
		for (int q = 0; q < k; q++) labels.add("concept " + (q + 1) + ": " + bank.className);
		StringBuilder info = new StringBuilder("ConceptScope concept localization\nmodel=").append(bank.model)
			.append("\nlayer=").append(bank.layer).append("\nclass=").append(bank.className).append('\n');
		int channels = withImage ? ImagePlusTensors.channels(imp) : 0;
		if (channels > 0) info.append("channels 1-").append(channels).append("=image values\n");
		info.append("channels ").append(channels + 1).append('-').append(channels + k).append("=concepts 1-").append(k).append('\n');
		return build(imp, maps, labels, withImage ? "-concepts" : "-concepts-map", info.toString(), withImage);
	}

	/**
	 * A new composite of maps [N, H, W, k] of the image's batch entries: the image's channels (32-bit, when
	 * {@code withImage}) then one channel per map (Fire LUT), each map slice labelled {@code labels[q]}; title:
	 * the image's short title plus {@code suffix}; {@code info} becomes the image's Info.
	 */
	public static CompositeImage build(ImagePlus imp, FloatTensor maps, List<String> labels, String suffix, String info,
		boolean withImage) {
		int w = imp.getWidth(), h = imp.getHeight(), k = (int) maps.dim(3);
		int channels = withImage ? ImagePlusTensors.channels(imp) : 0;
		BatchIndex batches = ImagePlusTensors.batches(imp);
		ImageStack stack = new ImageStack(w, h);
		double[][] ranges = new double[channels + k][];
		for (int b = 0; b < batches.size(); b++) {
			String label = HeatmapWriter.originalLabel(imp, batches, b);
			for (int c = 0; c < channels; c++) {
				float[] plane = ImagePlusTensors.plane(imp, c, b);
				ranges[c] = HeatmapWriter.widen(ranges[c], plane);
				stack.addSlice(label, new FloatProcessor(w, h, plane));
			}
			for (int q = 0; q < k; q++) {
				float[] m = map(maps, b, q);
				ranges[channels + q] = HeatmapWriter.widen(ranges[channels + q], m);
				stack.addSlice(labels.get(q), new FloatProcessor(w, h, m));
			}
		}
		String title = (imp.getShortTitle() == null || imp.getShortTitle().isEmpty() ? "image" : imp.getShortTitle()) + suffix;
		ImagePlus out = new ImagePlus(title, stack);
		out.setDimensions(channels + k, batches.slices(), batches.frames());
		out.setOpenAsHyperStack(true);
		CompositeImage ci = new CompositeImage(out, k + channels > 1 ? IJ.COMPOSITE : IJ.GRAYSCALE);
		for (int c = 0; c < channels; c++) {
			ci.setChannelLut(HeatmapWriter.withRange(HeatmapWriter.imageLut(imp, c), ranges[c][0], ranges[c][1]), c + 1);
		}
		LUT fire = HeatmapWriter.fire();
		for (int q = 0; q < k; q++) {
			double max = ranges[channels + q][1];
			ci.setChannelLut(HeatmapWriter.withRange(fire, 0, max > 0 ? max : 1), channels + q + 1);
		}
		ci.setCalibration(HeatmapWriter.spatialCalibration(imp));
		ci.setProperty("Info", info);
		return ci;
	}

	/** One ROI per slice and concept (batch order, then concept), where the mask is not empty. */
	public static List<Roi> rois(ImagePlus imp, FloatTensor maps, ConceptBank bank, double topFraction) {
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
				roi.setName(name(q + 1, bank.className, slice, batches.frames() > 1 ? frame : 0));
				roi.setPosition(0, slice, frame);
				roi.setProperty("concept", Integer.toString(q + 1));
				roi.setProperty("score", RoiWriter.number(RoiWriter.meanInside(m, mask)));
				roi.setProperty("class", bank.className);
				roi.setProperty("top_fraction", RoiWriter.number(topFraction));
				roi.setProperty("pixels", Integer.toString(RoiWriter.count(mask)));
				out.add(roi);
			}
		}
		return out;
	}

	public static String name(int concept, String className, int slice, int frame) {
		return "concept " + concept + "|" + className + "|slice=" + slice + (frame > 0 ? "|frame=" + frame : "");
	}

	/** The ROIs as a new overlay (clones). */
	public static Overlay overlay(List<Roi> rois) {
		Overlay o = new Overlay();
		for (Roi r : rois) o.add((Roi) r.clone());
		return o;
	}
}
