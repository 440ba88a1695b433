package org.conceptscope.fiji.run;

import org.conceptscope.fiji.write.Numbers;

import ij.IJ;
import ij.ImagePlus;
import ij.gui.Roi;
import ij.measure.ResultsTable;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.conceptscope.attribution.TiledExplainer;
import org.conceptscope.concepts.ConceptAttributionMaps;
import org.conceptscope.concepts.ConceptBank;
import org.conceptscope.concepts.ConceptLocalization;
import org.conceptscope.fiji.image.BatchIndex;
import org.conceptscope.fiji.write.ConceptMapsWriter;
import org.conceptscope.fiji.write.HeatmapWriter;
import org.conceptscope.fiji.image.ImagePlusTensors;
import org.conceptscope.fiji.write.ResultsCsvWriter;
import org.conceptscope.fiji.write.RoiWriter;
import org.conceptscope.fiji.image.SliceLabels;
import org.conceptscope.fiji.image.ImagePlusTiles;
import org.conceptscope.model.Classifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;
import org.conceptscope.util.SaveSet;

/**
 * Concept Localization, whichever way it is started: where each concept of a saved bank sits on
 * every slice of an image. Gives a new image (the image's channels plus one channel per concept,
 * or the maps alone), the label image of the dominant concept, ROIs per slice and concept, and a
 * table of per-slice concept coefficients; with a save folder, {@code <title>-concepts.tif},
 * {@code <title>-concept-labels.tif}, {@code <title>-concepts-RoiSet.zip} and
 * {@code <title>-concepts-results.csv}. With {@code concept_maps=gradient_x_input} or {@code saliency}
 * the maps are concept attribution maps ({@link ConceptAttributionMaps}, Fel et al. 2023) instead of
 * the coefficient maps; the table keeps the coefficients. An image of another size than the model's input is
 * localised tile by tile ({@link ConceptLocalization#localizeTiled}): one map per concept of the
 * image's size. The image is only read.
 */
public final class ConceptLocalizationRun {

	/** @param labels the label image of the dominant concept ({@link ConceptMapsWriter#labels}) */
	public record Result(ConceptBank bank, ImagePlus image, ImagePlus labels, List<Roi> rois, List<String> header, List<List<String>> rows,
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
		SettingsChecks.noEarlierOutputs(s.saveDir, s.overwrite, files(image, ConceptMapsWriter.title(image, s.mapsAsChannels()),
			ConceptMapsWriter.labelsTitle(image)));
		try (Classifier classifier = Models.open(s.model)) {
			ConceptBanks.checkLayer(classifier, bank, s.concepts, s.model);
			ConceptAttributionMaps.Rule rule = s.attributionRule();
			if (rule != null) ConceptAttributionMaps.checkModel(classifier);
			FloatTensor maps, mean, max;
			int[] predicted;
			String tiles = null;
			if (TiledExplainer.needsTiles(classifier, image.getHeight(), image.getWidth())) {
				// An image of another size than the model's input: concept maps tile by tile, blended as attribution maps are.
				Models.warnPixelSize(image, classifier);
				ImagePlus rgb = Models.paletteAsRgb(image, classifier);
				Models.checkChannels(rgb, classifier, null); // in ImageJ's words (C, Z, T), before any tile
				Models.warnDomain(rgb, classifier);
				ImagePlusTensors.checkFinite(image); // before the first tile, naming the slice
				ImagePlusTiles source = new ImagePlusTiles(rgb);
				String note = TiledExplainer.paddingNote(TiledExplainer.grid(classifier, source.height(), source.width(), s.overlap));
				if (note != null) IJ.log("ConceptScope: " + note);
				ConceptLocalization.TiledConceptMaps t = ConceptLocalization.localizeTiled(classifier, bank, source, s.overlap, progress);
				maps = rule == null ? t.maps() : ConceptAttributionMaps.mapsTiled(classifier, bank, source, s.overlap, rule, progress).maps();
				mean = t.mean();
				max = t.max();
				predicted = t.tiles().predicted();
				tiles = t.tiles().grid().describe();
			} else {
				// concept attribution maps solve the whole stack at once: refused before the first model pass if the heap cannot hold it,
				// with the input (the tensor and its copies while it is made), the coefficient maps and the new image
				int c = ImagePlusTensors.channels(image), n = ImagePlusTensors.batches(image).size();
				String slices = "The " + n + " slice(s) of '" + image.getTitle() + "'";
				long plane = 4L * image.getWidth() * image.getHeight();
				if (rule != null) {
					ConceptAttributionMaps.checkHeap(classifier, bank, slices, n, image.getHeight(), image.getWidth(), c,
						plane * (4L * c + 2L * bank.size()), " and the new image", "slices at a time (a substack)");
				} else {
					// coefficient maps: the input (the tensor and its copies while it is made), the logits, the mean and max, and the
					// new image (its maps, the image's channels beside them, the label image)
					long kept = plane * (4L * c + bank.size() + (s.mapsAsChannels() ? c : 0) + 1) + 4L * classifier.numClasses() + 8L * bank.size();
					ConceptLocalization.checkHeap(classifier, bank, slices, n, image.getHeight(), image.getWidth(), kept,
						", the input and the new image", "slices at a time (a substack)");
				}
				FloatTensor batch = Models.input(image, classifier).tensor();
				predicted = classifier.logits(batch).argmaxRows();
				ConceptLocalization.ConceptMaps m = ConceptLocalization.localize(classifier, bank, batch, progress);
				maps = rule == null ? m.maps() : ConceptAttributionMaps.maps(classifier, bank, batch, rule, progress);
				FloatTensor[] stats = meanAndMax(m.coarse());
				mean = stats[0];
				max = stats[1];
			}
			ImagePlus out = s.mapsAsChannels() ? ConceptMapsWriter.withChannels(image, maps, bank)
				: ConceptMapsWriter.mapsOnly(image, maps, bank);
			List<Roi> rois = ConceptMapsWriter.rois(image, maps, bank, s.topFraction, out);
			out.setOverlay(ConceptMapsWriter.overlay(rois));
			ConceptMapsWriter.noteTiles(out, tiles);
			out.setProperty("Info", out.getProperty("Info") + "options=" + s.toMacroOptions() + "\n");
			List<String> header = header(bank);
			List<List<String>> rows = rows(image, mean, max, predicted, classifier.classNames());
			ImagePlus labels = ConceptMapsWriter.labels(image, maps, bank, s.labelThreshold);
			Result r = new Result(bank, out, labels, rois, header, rows, List.of());
			return s.saveDir == null ? r : save(r, image, s.saveDir);
		}
	}

	/** Per image and concept [N, k]: the mean and the largest coefficient over the layer's positions of coarse maps [N, h, w, k]. */
	static FloatTensor[] meanAndMax(FloatTensor coarse) {
		int n = (int) coarse.dim(0), positions = (int) (coarse.dim(1) * coarse.dim(2)), k = (int) coarse.dim(3);
		float[] d = coarse.data(), mean = new float[n * k], max = new float[n * k];
		for (int b = 0; b < n; b++) {
			for (int q = 0; q < k; q++) {
				double sum = 0;
				float m = Float.NEGATIVE_INFINITY;
				for (int p = 0; p < positions; p++) {
					float v = d[(b * positions + p) * k + q];
					sum += v;
					m = Math.max(m, v);
				}
				mean[b * k + q] = (float) (sum / positions);
				max[b * k + q] = m;
			}
		}
		return new FloatTensor[] { new FloatTensor(new long[] { n, k }, mean), new FloatTensor(new long[] { n, k }, max) };
	}

	static List<String> header(ConceptBank bank) {
		List<String> h = new ArrayList<>(List.of("slice", "frame", "label", "predicted"));
		for (int q = 1; q <= bank.size(); q++) {
			h.add("concept_" + q + "_mean");
			h.add("concept_" + q + "_max");
		}
		return h;
	}

	/**
	 * Per slice: the mean and max of each concept's coefficients over the layer's positions (of every
	 * tile, for an image localised tile by tile), from [N, k] tensors.
	 */
	static List<List<String>> rows(ImagePlus image, FloatTensor mean, FloatTensor max, int[] predicted, List<String> classes) {
		BatchIndex batches = ImagePlusTensors.batches(image);
		int k = (int) mean.dim(1);
		List<List<String>> rows = new ArrayList<>();
		for (int b = 0; b < batches.size(); b++) {
			List<String> row = new ArrayList<>(List.of(Integer.toString(batches.slice(b)), Integer.toString(batches.frame(b)),
				SliceLabels.of(image, batches.slice(b), batches.frame(b)), classes.get(predicted[b])));
			for (int q = 0; q < k; q++) {
				row.add(Numbers.number(mean.data()[b * k + q]));
				row.add(Numbers.number(max.data()[b * k + q]));
			}
			rows.add(row);
		}
		return rows;
	}

	/** What {@link #save} writes in save_dir for maps and labels of these titles: the maps' TIFF, their RoiSet.zip, the table, the labels' TIFF. */
	static List<String> files(ImagePlus image, String mapsTitle, String labelsTitle) {
		String tiff = AttributionOutputs.tiffName(mapsTitle);
		return List.of(tiff, AttributionOutputs.roiSetName(tiff), AttributionOutputs.resultBase(image, "concepts") + "-results.csv",
			AttributionOutputs.tiffName(labelsTitle));
	}

	static Result save(Result r, ImagePlus image, Path dir) throws IOException {
		return SaveSet.all(set -> {
			set.createDirectories(dir);
			List<String> files = files(image, r.image().getTitle(), r.labels().getTitle());
			Path tiff = dir.resolve(files.get(0)), zip = dir.resolve(files.get(1)), csv = dir.resolve(files.get(2)), labels = dir.resolve(files.get(3));
			HeatmapWriter.save(r.image(), tiff);
			HeatmapWriter.save(r.labels(), labels);
			RoiWriter.save(r.rois(), zip);
			ResultsCsvWriter.write(r.header(), r.rows(), csv);
			return new Result(r.bank(), r.image(), r.labels(), r.rois(), r.header(), r.rows(), List.of(tiff, labels, zip, csv));
		});
	}
}
