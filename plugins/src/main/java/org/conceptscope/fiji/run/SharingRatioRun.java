package org.conceptscope.fiji.run;

import ij.ImagePlus;
import ij.gui.Roi;
import ij.measure.ResultsTable;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import org.conceptscope.fiji.write.ConceptMapsWriter;
import org.conceptscope.fiji.write.HeatmapWriter;
import org.conceptscope.fiji.write.ResultsCsvWriter;
import org.conceptscope.fiji.write.ResultsTables;
import org.conceptscope.fiji.write.RoiWriter;
import org.conceptscope.fiji.write.SharingRatioWriter;
import org.conceptscope.mechanistic.SharingRatioAnalysis;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;
import org.conceptscope.util.SaveSet;

/**
 * Sharing Ratio Decomposition, whichever way it is started: per slice/frame, the SRD relevance
 * map of the target class (and, with {@code erf_layer}, the ERF of one PFV) as channels of a new
 * image, ROIs, and a table with the conservation numbers and the APOP diagnostic; with a save
 * folder {@code <title>-srd.tif} (or {@code -srd-map.tif}), {@code <title>-srd-RoiSet.zip} and
 * {@code <title>-srd-results.csv}. The image is only read.
 */
public final class SharingRatioRun {

	public record Result(SharingRatioAnalysis.Result analysis, ImagePlus image, List<Roi> rois, List<String> header,
		List<List<String>> rows, List<Path> written) {

		public ResultsTable table() {
			return ResultsTables.of(header, rows);
		}
	}

	private SharingRatioRun() {}

	/**
	 * @throws IllegalArgumentException for inputs a user can fix (the message says how)
	 * @throws UnsupportedOperationException when the model's graph has an operation SRD cannot walk (the message names it)
	 * @throws java.util.concurrent.CancellationException when progress asks to stop (nothing is written)
	 */
	public static Result run(ImagePlus image, SharingRatioSettings s, Progress progress) throws IOException {
		s.validate();
		AttributionRun.checkImage(image);
		SettingsChecks.noEarlierOutputs(s.saveDir, s.overwrite, files(image, SharingRatioWriter.title(image, s.mapsAsChannels())));
		try (TensorFlowClassifier classifier = Models.openTensorFlow(s.model, "SRD")) {
			ModelSizeInputs.require(image, classifier,
				"its conservation numbers, ERF and APOP belong to that input", "explain it whole with Attribution... method=srd, which runs SRD"
					+ " tile by tile and blends the maps");
			int target = TargetClass.parse(s.target, classifier.classNames());
			FloatTensor batch = Models.input(image, classifier).tensor(); // with the pixel-size and domain warnings
			SharingRatioAnalysis.ErfRequest erf = !s.hasErf() ? null : new SharingRatioAnalysis.ErfRequest(s.erfLayer.trim(),
				s.x < 0 ? image.getWidth() / 2 : s.x, s.y < 0 ? image.getHeight() / 2 : s.y, s.erfMass);
			SharingRatioAnalysis.Result a = SharingRatioAnalysis.run(classifier, batch, target, s.startLayer, erf, (float) s.apopFill,
				progress);
			List<String> classes = classifier.classNames();
			ImagePlus out = SharingRatioWriter.image(image, a, classes, classifier.name(), s.mapsAsChannels());
			List<Roi> rois = SharingRatioWriter.rois(image, a, classes, s.topFraction, s.erfMass, out);
			out.setOverlay(ConceptMapsWriter.overlay(rois));
			out.setProperty("Info", out.getProperty("Info") + "options=" + s.toMacroOptions() + "\n");
			Result r = new Result(a, out, rois, SharingRatioWriter.header(erf != null), SharingRatioWriter.rows(image, a, classes), List.of());
			// the Log, from the plugin and the SciJava command alike; the agreement depends on the fill, so the line names it
			ij.IJ.log("ConceptScope SRD: APOP agreement " + org.conceptscope.fiji.write.Numbers.brief(a.apopAgreement()) + " (apop_fill="
				+ org.conceptscope.fiji.write.Numbers.brief(s.apopFill) + ")");
			return s.saveDir == null ? r : save(r, image, s.saveDir);
		}
	}

	/** What {@link #save} writes in save_dir for a decomposition of this title: its TIFF, its RoiSet.zip, the table. */
	static List<String> files(ImagePlus image, String title) {
		String tiff = AttributionOutputs.tiffName(title);
		return List.of(tiff, AttributionOutputs.roiSetName(tiff), AttributionOutputs.resultBase(image, "srd") + "-results.csv");
	}

	static Result save(Result r, ImagePlus image, Path dir) throws IOException {
		return SaveSet.all(set -> {
			set.createDirectories(dir);
			List<String> files = files(image, r.image().getTitle());
			Path tiff = dir.resolve(files.get(0)), zip = dir.resolve(files.get(1)), csv = dir.resolve(files.get(2));
			HeatmapWriter.save(r.image(), tiff);
			RoiWriter.save(r.rois(), zip);
			ResultsCsvWriter.write(r.header(), r.rows(), csv);
			return new Result(r.analysis(), r.image(), r.rois(), r.header(), r.rows(), List.of(tiff, zip, csv));
		});
	}
}
