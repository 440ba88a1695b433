package org.conceptscope.fiji.run;

import org.conceptscope.fiji.write.Numbers;

import ij.ImagePlus;
import ij.gui.Roi;
import ij.measure.ResultsTable;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.conceptscope.concepts.ConceptBank;
import org.conceptscope.concepts.ConceptLocalization;
import org.conceptscope.fiji.image.BatchIndex;
import org.conceptscope.fiji.write.ConceptMapsWriter;
import org.conceptscope.fiji.write.HeatmapWriter;
import org.conceptscope.fiji.image.ImagePlusTensors;
import org.conceptscope.fiji.write.ResultsCsvWriter;
import org.conceptscope.fiji.write.RoiWriter;
import org.conceptscope.fiji.image.SliceLabels;
import org.conceptscope.model.Classifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;

/**
 * Concept Localization, whichever way it is started: where each concept of a saved bank sits on
 * every slice of an image. Gives a new image (the image's channels plus one channel per concept,
 * or the maps alone), ROIs per slice and concept, and a table of per-slice concept coefficients;
 * with a save folder, {@code <title>-concepts.tif}, {@code <title>-concepts-RoiSet.zip} and
 * {@code <title>-concepts-results.csv}. The image is only read.
 */
public final class ConceptLocalizationRun {

	public record Result(ConceptBank bank, ImagePlus image, List<Roi> rois, List<String> header, List<List<String>> rows,
		List<Path> written) {

		public ResultsTable table() {
			return org.conceptscope.fiji.write.ResultsTables.of(header, rows);
		}
	}

	private ConceptLocalizationRun() {}

	public static Result run(ImagePlus image, ConceptLocalizationSettings s, Progress progress) throws IOException {
		s.validate();
		AttributionRun.checkImage(image);
		ConceptBank bank = ConceptBanks.load(s.concepts);
		try (Classifier classifier = Models.open(s.model)) {
			ConceptBanks.checkLayer(classifier, bank, s.concepts, s.model);
			FloatTensor batch = Models.input(image, classifier).tensor();
			int[] predicted = classifier.logits(batch).argmaxRows();
			if (!progress.report(1, 2, "concept maps")) throw new java.util.concurrent.CancellationException("cancelled");
			ConceptLocalization.ConceptMaps maps = ConceptLocalization.localize(classifier, bank, batch);
			progress.report(2, 2, "concept maps");
			ImagePlus out = s.mapsAsChannels() ? ConceptMapsWriter.withChannels(image, maps.maps(), bank)
				: ConceptMapsWriter.mapsOnly(image, maps.maps(), bank);
			List<Roi> rois = ConceptMapsWriter.rois(image, maps.maps(), bank, s.topFraction, out);
			out.setOverlay(ConceptMapsWriter.overlay(rois));
			out.setProperty("Info", out.getProperty("Info") + "options=" + s.toMacroOptions() + "\n");
			List<String> header = header(bank);
			List<List<String>> rows = rows(image, maps.coarse(), predicted, classifier.classNames());
			Result r = new Result(bank, out, rois, header, rows, List.of());
			return s.saveDir == null ? r : save(r, image, s.saveDir);
		}
	}

	static List<String> header(ConceptBank bank) {
		List<String> h = new ArrayList<>(List.of("slice", "frame", "label", "predicted"));
		for (int q = 1; q <= bank.size(); q++) {
			h.add("concept_" + q + "_mean");
			h.add("concept_" + q + "_max");
		}
		return h;
	}

	/** Per slice: the mean and max of each concept's coefficients over the layer's positions. */
	static List<List<String>> rows(ImagePlus image, FloatTensor coarse, int[] predicted, List<String> classes) {
		BatchIndex batches = ImagePlusTensors.batches(image);
		int positions = (int) (coarse.dim(1) * coarse.dim(2)), k = (int) coarse.dim(3);
		float[] d = coarse.data();
		List<List<String>> rows = new ArrayList<>();
		for (int b = 0; b < batches.size(); b++) {
			List<String> row = new ArrayList<>(List.of(Integer.toString(batches.slice(b)), Integer.toString(batches.frame(b)),
				SliceLabels.of(image, batches.slice(b), batches.frame(b)), classes.get(predicted[b])));
			for (int q = 0; q < k; q++) {
				double sum = 0, max = Double.NEGATIVE_INFINITY;
				for (int p = 0; p < positions; p++) {
					float v = d[(b * positions + p) * k + q];
					sum += v;
					max = Math.max(max, v);
				}
				row.add(Numbers.number(sum / positions));
				row.add(Numbers.number(max));
			}
			rows.add(row);
		}
		return rows;
	}

	static Result save(Result r, ImagePlus image, Path dir) throws IOException {
		Files.createDirectories(dir);
		String base = AttributionOutputs.fileName(image.getShortTitle() == null || image.getShortTitle().isBlank() ? "image"
			: image.getShortTitle()) + "-concepts";
		Path tiff = dir.resolve(AttributionOutputs.fileName(r.image().getTitle()) + ".tif");
		Path zip = dir.resolve(base + "-RoiSet.zip"), csv = dir.resolve(base + "-results.csv");
		HeatmapWriter.save(r.image(), tiff);
		RoiWriter.save(r.rois(), zip);
		ResultsCsvWriter.write(r.header(), r.rows(), csv);
		return new Result(r.bank(), r.image(), r.rois(), r.header(), r.rows(), List.of(tiff, zip, csv));
	}
}
