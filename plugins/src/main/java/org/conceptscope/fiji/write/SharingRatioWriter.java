package org.conceptscope.fiji.write;

import org.conceptscope.fiji.image.ImageTitles;
import org.conceptscope.fiji.param.CommandSpecs;
import org.conceptscope.fiji.image.BatchIndex;
import org.conceptscope.fiji.image.ImagePlusTensors;
import org.conceptscope.fiji.image.RoiPositions;
import org.conceptscope.fiji.image.SliceLabels;
import org.conceptscope.fiji.image.TopFractionMask;
import static org.conceptscope.fiji.write.Numbers.number;

import ij.ImagePlus;
import ij.gui.Roi;
import ij.process.ByteProcessor;

import java.util.ArrayList;
import java.util.List;

import org.conceptscope.mechanistic.ReceptiveField;
import org.conceptscope.mechanistic.SharingRatioAnalysis;
import org.conceptscope.tensor.FloatTensor;

/**
 * SRD results of one image as ImageJ outputs: a new image with the relevance map (and the ERF)
 * as channels, ROIs per slice (the map's top fraction {@code srd; <target>; slice=z}; with an ERF,
 * its support {@code erf; <layer>; cell=gx,gy; slice=z} and the PFV's theoretical receptive field
 * {@code rf; <layer>; cell=gx,gy; slice=z}), and the per-slice table. The image is only read.
 */
public final class SharingRatioWriter {

	private SharingRatioWriter() {}

	/** [N, H, W, 1 or 2]: the class relevance map, then the ERF when there is one. */
	/** The decomposition's title: "title-srd" (with the image's channels) or "title-srd-map" (the maps alone). */
	public static String title(ImagePlus imp, boolean withImage) {
		return ImageTitles.base(imp) + (withImage ? "-srd" : "-srd-map");
	}

	public static FloatTensor maps(SharingRatioAnalysis.Result r, int height, int width) {
		int n = r.slices().size(), k = r.slices().get(0).erf() == null ? 1 : 2, plane = height * width;
		float[] d = new float[n * plane * k];
		for (int b = 0; b < n; b++) {
			SharingRatioAnalysis.Slice s = r.slices().get(b);
			float[] rel = s.relevance().map().data();
			for (int p = 0; p < plane; p++) d[(b * plane + p) * k] = rel[p];
			if (k == 2) {
				float[] erf = s.erf().decomposition().map().data();
				for (int p = 0; p < plane; p++) d[(b * plane + p) * k + 1] = erf[p];
			}
		}
		return new FloatTensor(new long[] { n, height, width, k }, d);
	}

	public static ImagePlus image(ImagePlus imp, SharingRatioAnalysis.Result r, List<String> classes, String model, boolean withImage) {
		FloatTensor maps = maps(r, imp.getHeight(), imp.getWidth());
		SharingRatioAnalysis.Erf first = r.slices().get(0).erf();
		List<String> names = new ArrayList<>(List.of("srd relevance"));
		if (first != null) names.add("erf " + cell(first));
		ImagePlus out = MapChannels.build(imp, maps, names, title(imp, withImage), withImage);
		int channels = withImage ? ImagePlusTensors.channels(imp) : 0;
		StringBuilder info = new StringBuilder("ConceptScope sharing ratio decomposition\nmodel=").append(model).append('\n');
		info.append("classes=").append(String.join(",", classes)).append('\n');
		if (channels > 0) info.append("channels 1-").append(channels).append("=image values\n");
		info.append("channel ").append(channels + 1).append("=srd relevance of the target class\n");
		if (first != null) info.append("channel ").append(channels + 2).append("=erf of the PFV ").append(cell(first)).append('\n');
		info.append("apop_agreement=").append(Numbers.property(r.apopAgreement())).append('\n');
		BatchIndex batches = ImagePlusTensors.batches(imp);
		for (int b = 0; b < r.slices().size(); b++) {
			SharingRatioAnalysis.Slice s = r.slices().get(b);
			info.append("slice=").append(batches.slice(b)).append(" frame=").append(batches.frame(b)).append(" target=")
				.append(classes.get(s.target())).append(" predicted=").append(classes.get(s.predicted())).append('\n');
		}
		out.setProperty("Info", info.toString());
		return out;
	}

	/** "conv2/relu|cell=4,7": the PFV's layer and its cell in that layer's grid. */
	static String cell(SharingRatioAnalysis.Erf e) {
		return RoiWriter.join(e.layer(), "cell=" + e.gridX() + "," + e.gridY());
	}

	/**
	 * Per slice: the relevance map's top fraction; with an ERF, its support and the PFV's receptive
	 * field. Positioned for {@code on} (the {@link #image}): each on its slice, the relevance ROI on
	 * the relevance channel, the ERF's and the receptive field's on the ERF channel.
	 */
	public static List<Roi> rois(ImagePlus imp, SharingRatioAnalysis.Result r, List<String> classes, double topFraction, double erfMass,
		ImagePlus on) {
		int w = imp.getWidth(), h = imp.getHeight();
		int relevance = on.getNChannels() - (r.slices().get(0).erf() == null ? 0 : 1), erfChannel = relevance + 1;
		BatchIndex batches = ImagePlusTensors.batches(imp);
		List<Roi> out = new ArrayList<>();
		for (int b = 0; b < r.slices().size(); b++) {
			SharingRatioAnalysis.Slice s = r.slices().get(b);
			int slice = batches.slice(b), frame = batches.frame(b);
			String where = RoiWriter.SEPARATOR + "slice=" + slice + (batches.frames() > 1 ? RoiWriter.SEPARATOR + "frame=" + frame : "");
			float[] map = s.relevance().map().data();
			ByteProcessor mask = TopFractionMask.of(map, w, h, topFraction);
			Roi top = RoiWriter.toRoi(mask);
			String target = classes.get(s.target());
			if (top != null) {
				top.setName(RoiWriter.join("srd", target) + where);
				top.setProperty("score", Numbers.property(RoiWriter.meanInside(map, mask)));
				top.setProperty("target", target);
				top.setProperty("method", "srd");
				top.setProperty(CommandSpecs.TOP_FRACTION.key(), Numbers.property(topFraction));
				top.setProperty("pixels", Integer.toString(RoiWriter.count(mask)));
				out.add(RoiPositions.place(top, on, relevance, slice, frame));
			}
			SharingRatioAnalysis.Erf e = s.erf();
			if (e == null) continue;
			float[] erf = e.decomposition().map().data();
			byte[] support = new byte[w * h];
			double inside = 0;
			for (int p = 0; p < support.length; p++) {
				if (e.support()[p]) {
					support[p] = (byte) 255;
					inside += erf[p];
				}
			}
			ByteProcessor erfMask = new ByteProcessor(w, h, support);
			Roi erfRoi = RoiWriter.toRoi(erfMask);
			if (erfRoi != null) {
				erfRoi.setName(RoiWriter.join("erf") + RoiWriter.SEPARATOR + cell(e) + where);
				properties(erfRoi, e);
				erfRoi.setProperty("erf_mass", Numbers.property(erfMass));
				erfRoi.setProperty("relevance", Numbers.property(inside));
				erfRoi.setProperty("pixels", Integer.toString(RoiWriter.count(erfMask)));
				out.add(RoiPositions.place(erfRoi, on, erfChannel, slice, frame));
			}
			ReceptiveField.Rect f = e.field();
			Roi rf = new Roi(f.x(), f.y(), f.width(), f.height());
			rf.setName(RoiWriter.join("rf") + RoiWriter.SEPARATOR + cell(e) + where);
			properties(rf, e);
			out.add(RoiPositions.place(rf, on, erfChannel, slice, frame));
		}
		return out;
	}

	private static void properties(Roi roi, SharingRatioAnalysis.Erf e) {
		roi.setProperty("layer", e.layer());
		roi.setProperty("cell_x", Integer.toString(e.gridX()));
		roi.setProperty("cell_y", Integer.toString(e.gridY()));
	}

	public static List<String> header(boolean erf) {
		List<String> h = new ArrayList<>(List.of("slice", "frame", "label", "predicted", "target", "class_score", "relevance_sum",
			"bias_relevance", "bias_share", "conservation_error", "apop_predicted", "apop_agrees"));
		if (erf) {
			h.addAll(List.of("erf_layer", "erf_cell_x", "erf_cell_y", "erf_relevance_sum", "erf_bias_relevance", "erf_support_pixels",
				"rf_x", "rf_y", "rf_width", "rf_height"));
		}
		return h;
	}

	/** One row per slice, then a row {@code all} whose apop_agrees is the APOP agreement of the stack. */
	public static List<List<String>> rows(ImagePlus imp, SharingRatioAnalysis.Result r, List<String> classes) {
		BatchIndex batches = ImagePlusTensors.batches(imp);
		boolean erf = r.slices().get(0).erf() != null;
		List<List<String>> rows = new ArrayList<>();
		for (int b = 0; b < r.slices().size(); b++) {
			SharingRatioAnalysis.Slice s = r.slices().get(b);
			double sum = sum(s.relevance().map().data()), start = s.relevance().start(), bias = s.relevance().biasRelevance();
			List<String> row = new ArrayList<>(List.of(Integer.toString(batches.slice(b)), Integer.toString(batches.frame(b)),
				SliceLabels.of(imp, batches.slice(b), batches.frame(b)), classes.get(s.predicted()), classes.get(s.target()),
				number(start), number(sum), number(bias), number(start == 0 ? Double.NaN : bias / start), number(sum + bias - start),
				classes.get(s.apopPredicted()), s.apopAgrees() ? "1" : "0"));
			if (erf) {
				SharingRatioAnalysis.Erf e = s.erf();
				int pixels = 0;
				for (boolean in : e.support()) if (in) pixels++;
				ReceptiveField.Rect f = e.field();
				row.addAll(List.of(e.layer(), Integer.toString(e.gridX()), Integer.toString(e.gridY()),
					number(sum(e.decomposition().map().data())), number(e.decomposition().biasRelevance()), Integer.toString(pixels),
					Integer.toString(f.x()), Integer.toString(f.y()), Integer.toString(f.width()), Integer.toString(f.height())));
			}
			rows.add(row);
		}
		List<String> all = new ArrayList<>();
		for (String column : header(erf)) all.add(column.equals("slice") ? "all" : column.equals("apop_agrees") ? number(r.apopAgreement()) : "");
		rows.add(all);
		return rows;
	}

	private static double sum(float[] v) {
		double s = 0;
		for (float x : v) s += x;
		return s;
	}

}
