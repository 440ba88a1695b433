package org.conceptscope.fiji.run;

import org.conceptscope.fiji.write.Numbers;
import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;
import ij.gui.Roi;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.conceptscope.concepts.ConceptAttributionMaps;
import org.conceptscope.concepts.ConceptBank;
import org.conceptscope.concepts.ConceptLocalization;
import org.conceptscope.concepts.HolisticConcepts;
import org.conceptscope.fiji.write.ConceptMapsWriter;
import org.conceptscope.fiji.write.HeatmapWriter;
import org.conceptscope.attribution.TiledExplainer;
import org.conceptscope.fiji.image.BatchIndex;
import org.conceptscope.fiji.image.ImagePlusTensors;
import org.conceptscope.fiji.image.ImagePlusTiles;
import org.conceptscope.fiji.image.ImageTiles;
import org.conceptscope.fiji.param.CommandSpec;
import org.conceptscope.fiji.image.ImageSet;
import org.conceptscope.fiji.write.ResultsCsvWriter;
import org.conceptscope.fiji.write.RoiWriter;
import org.conceptscope.model.Classifier;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.tensor.TileGrid;
import org.conceptscope.util.Progress;
import org.conceptscope.util.SaveSet;

/**
 * The holistic view of a bank on the images it was discovered on (Fel et al. 2023; on an image
 * larger than the model's input, maps of the image's size, {@link #runWhole}): concept
 * attribution maps (where each concept lies, by implicit differentiation through the NNLS solve),
 * per-position concept importance maps, and each concept's prevalence and reliability. Gives two
 * composites (the images' channels plus one channel per concept, ROIs of each map's top fraction in
 * the overlay) and a table; saved as {@value #MAPS}, {@value #ROIS}, {@value #IMPORTANCE_MAPS} and
 * {@value #CSV}. The images are only read.
 */
public final class HolisticOutputs {

	static final String CSV = "holistic.csv", MAPS = "concept-maps.tif", ROIS = "concept-maps-RoiSet.zip",
		IMPORTANCE_MAPS = "concept-importance-maps.tif";
	/** Values of the {@code concept_maps} key: no maps, or the attribution rule read from the score gradient. */
	static final String NONE = "none";
	static final List<String> RULES = List.of(ConceptAttributionMaps.Rule.GRADIENT_X_INPUT.key(), ConceptAttributionMaps.Rule.SALIENCY.key(), NONE);

	/** What was computed; {@code maps} and {@code rois} are null/empty when no attribution maps were made. */
	public record Result(HolisticConcepts.Summary summary, ImagePlus maps, List<Roi> rois, ImagePlus importanceMaps, List<List<String>> rows) {}

	private HolisticOutputs() {}

	/**
	 * @param images the images, as one stack of their planes ({@link #stackOf}) matching {@code batch}
	 * @param rule gradient_x_input, saliency or none; a model that is not a TensorFlow SavedModel gets no attribution maps (logged)
	 * @param correct per image 1 when the model is right, 0 when wrong; null: reliability unknown
	 */
	static Result run(Classifier classifier, ConceptBank bank, ImagePlus images, FloatTensor batch, String rule, double[] correct,
		double topFraction, Progress progress) {
		return run(classifier, bank, images, batch, rule, HolisticConcepts.summarize(classifier, bank, batch, correct, progress), topFraction,
			progress);
	}

	/** As {@link #run(Classifier, ConceptBank, ImagePlus, FloatTensor, String, double[], double, Progress)} with the numbers already computed on {@code batch}. */
	static Result run(Classifier classifier, ConceptBank bank, ImagePlus images, FloatTensor batch, String rule, HolisticConcepts.Summary summary,
		double topFraction, Progress progress) {
		int h = (int) batch.dim(1), w = (int) batch.dim(2);
		FloatTensor localImportance = ConceptLocalization.upsample(summary.maps(), h, w);
		ConceptAttributionMaps.Rule r = attributionRule(classifier, rule);
		FloatTensor maps = r == null ? null : ConceptAttributionMaps.maps(classifier, bank, batch, r, progress);
		return outputs(images, bank, summary, localImportance, maps, null, topFraction);
	}

	/**
	 * The holistic view of a bank on an image larger than the model's input, whose tiles of the input's
	 * size ({@code samples}, edge to edge) it was discovered on: the numbers are the samples' (a tile is
	 * one image), the maps are of the image's size, each slice its own, blended from tiles overlapping by
	 * half as Concept Localization blends them ({@link HolisticConcepts#mapsTiled}). The composites hold
	 * the image as the model reads it (a palette as its colours), as they do for model-size images.
	 */
	static Result runWhole(Classifier classifier, ConceptBank bank, ImagePlus image, FloatTensor samples, String rule, double[] correct,
		double topFraction, Progress progress) {
		ImagePlusTensors.checkFinite(image); // before the first tile, naming the slice
		HolisticConcepts.Summary summary = HolisticConcepts.summarize(classifier, bank, samples, correct, progress);
		ImagePlus read = Models.paletteAsRgb(image, classifier);
		HolisticConcepts.TiledMaps m = HolisticConcepts.mapsTiled(classifier, bank, new ImagePlusTiles(read), TileGrid.DEFAULT_OVERLAP,
			attributionRule(classifier, rule), progress);
		return outputs(read, bank, summary, m.importance(), m.attribution(), m.grid().describe(), topFraction);
	}

	/** The attribution rule of {@code concept_maps}, or null: none asked, or a model without layer-to-input gradients (logged). */
	private static ConceptAttributionMaps.Rule attributionRule(Classifier classifier, String rule) {
		if (NONE.equals(rule)) return null;
		if (classifier instanceof TensorFlowClassifier) return ConceptAttributionMaps.Rule.of(rule);
		IJ.log("ConceptScope: no concept attribution maps for " + classifier.name() + ": they need gradients from a layer to the"
			+ " input, which ConceptScope computes for TensorFlow SavedModels only; the concept importance maps and the table are made as usual.");
		return null;
	}

	/** The composites on {@code images} (its channels, then one per concept) and the table; {@code tiles}: the grid, for the Info. */
	private static Result outputs(ImagePlus images, ConceptBank bank, HolisticConcepts.Summary summary, FloatTensor localImportance,
		FloatTensor maps, String tiles, double topFraction) {
		ImagePlus importance = ConceptMapsWriter.withChannels(images, localImportance, bank);
		importance.setTitle(base(images) + "-concept-importance");
		ConceptMapsWriter.noteTiles(importance, tiles);
		List<Roi> rois = List.of();
		ImagePlus mapsImage = null;
		if (maps != null) {
			mapsImage = ConceptMapsWriter.withChannels(images, maps, bank);
			mapsImage.setTitle(base(images) + "-concept-maps");
			ConceptMapsWriter.noteTiles(mapsImage, tiles);
			rois = ConceptMapsWriter.rois(images, maps, bank, topFraction, mapsImage);
			mapsImage.setOverlay(ConceptMapsWriter.overlay(rois));
		}
		return new Result(summary, mapsImage, rois, importance, rows(bank, summary));
	}

	static List<String> header() {
		return List.of("concept", "importance", "prevalence", "reliability", "local_importance");
	}

	/** Per concept: the bank's importance, prevalence, reliability (NaN when unknown) and the mean per-position importance. */
	static List<List<String>> rows(ConceptBank bank, HolisticConcepts.Summary s) {
		List<List<String>> rows = new ArrayList<>();
		int n = s.perImage().length;
		for (int q = 0; q < bank.size(); q++) {
			double local = 0;
			for (double[] row : s.perImage()) local += row[q] / n;
			rows.add(List.of(Integer.toString(q + 1), Numbers.number(bank.importance == null ? Double.NaN : bank.importance[q]),
				Numbers.number(s.prevalence()[q]), Numbers.number(s.reliability() == null ? Double.NaN : s.reliability()[q]),
				Numbers.number(local)));
		}
		return rows;
	}

	static List<Path> save(Result r, Path dir) throws IOException {
		return SaveSet.all(set -> {
			set.createDirectories(dir);
			List<Path> written = new ArrayList<>();
			Path csv = dir.resolve(CSV), importance = dir.resolve(IMPORTANCE_MAPS);
			ResultsCsvWriter.write(header(), r.rows(), csv);
			HeatmapWriter.save(r.importanceMaps(), importance);
			written.add(csv);
			written.add(importance);
			if (r.maps() != null) {
				Path maps = dir.resolve(MAPS), rois = dir.resolve(ROIS);
				HeatmapWriter.save(r.maps(), maps);
				RoiWriter.save(r.rois(), rois);
				written.add(maps);
				written.add(rois);
			}
			return written;
		});
	}

	/**
	 * The images of a set, entries {@code which} (null: all), as one stack of their displayable planes
	 * (RGB stays RGB; other multi-channel images give their first channel, as in the atlas), so one
	 * composite holds every image's maps. A single image of the set is returned as it is when it is
	 * the whole set.
	 */
	static ImagePlus stackOf(ImageSet images, int[] which, String title) {
		if (which == null && images.images().size() == 1) return images.images().get(0);
		int[] idx = which != null ? which : java.util.stream.IntStream.range(0, images.size()).toArray();
		ImagePlus first = images.imageOf(idx[0]);
		ImageStack stack = new ImageStack(first.getWidth(), first.getHeight());
		for (int i : idx) stack.addSlice(images.describe(i), images.plane(i));
		ImagePlus out = new ImagePlus(title, stack);
		out.setCalibration(first.getCalibration().copy());
		return out;
	}

	/**
	 * The images a set of samples was cut from, as one image for maps of their size: the image itself
	 * when it is one; a folder's images as one stack of their slices in folder order, when all share a
	 * size, channels, pixel type and calibration (a palette read as its colours first): the stack is read
	 * with its first image's calibration, so images whose values or pixel size it would misstate are not
	 * stacked. Null when no image was cut into tiles, and, with the Log saying why, when a folder's
	 * images differ (the maps are then the samples', one plane each).
	 */
	static ImagePlus wholeImages(ImageSet given, Classifier classifier, CommandSpec command) {
		List<ImagePlus> images = given.images().stream().map(imp -> Models.paletteAsRgb(imp, classifier)).toList();
		if (images.stream().noneMatch(imp -> TiledExplainer.needsTiles(classifier, imp.getHeight(), imp.getWidth()))) return null;
		if (images.size() == 1) return images.get(0);
		ImagePlus first = images.get(0);
		int channels = first.getNChannels();
		for (ImagePlus imp : images) {
			if (!oneStack(imp, first)) {
				IJ.log("ConceptScope " + command.title() + ": the holistic maps are one plane per sample (each tile its own): '"
					+ imp.getTitle() + "' (" + describe(imp) + ") and '" + first.getTitle() + "' (" + describe(first) + ") are not one stack;"
					+ " give images of one size, channels, type and calibration for maps of the images' size.");
				return null;
			}
		}
		ImageStack stack = new ImageStack(first.getWidth(), first.getHeight());
		for (ImagePlus imp : images) {
			BatchIndex b = ImagePlusTensors.batches(imp);
			for (int k = 0; k < b.size(); k++) {
				String label = ImageTiles.where(imp, b, k);
				for (int c = 1; c <= channels; c++) {
					stack.addSlice(label, imp.getStackSize() == 1 ? imp.getProcessor() : imp.getStack().getProcessor(
						ImagePlusTensors.stackIndex(imp, c, b.slice(k), b.frame(k))));
				}
			}
		}
		ImagePlus out = new ImagePlus(command.title().toLowerCase(java.util.Locale.ROOT).replace(' ', '-'), stack);
		out.setDimensions(channels, stack.getSize() / channels, 1);
		out.setCalibration(first.getCalibration().copy());
		if (channels > 1) {
			ij.CompositeImage co = new ij.CompositeImage(out, ij.CompositeImage.GRAYSCALE);
			if (first instanceof ij.CompositeImage ci) {
				for (int c = 1; c <= channels; c++) co.setChannelLut(ci.getChannelLut(c), c);
			}
			out = co;
		} else if (first.getBitDepth() != 24) {
			out.setDisplayRange(first.getDisplayRangeMin(), first.getDisplayRangeMax());
		}
		return out;
	}

	/** Whether two images can be one stack: the same size, channels, pixel type, value calibration and pixel size. */
	private static boolean oneStack(ImagePlus a, ImagePlus b) {
		ij.measure.Calibration ca = a.getCalibration(), cb = b.getCalibration();
		return a.getWidth() == b.getWidth() && a.getHeight() == b.getHeight() && a.getNChannels() == b.getNChannels()
			&& a.getBitDepth() == b.getBitDepth() && ImagePlusTensors.usesCalibration(a) == ImagePlusTensors.usesCalibration(b)
			&& (!ImagePlusTensors.usesCalibration(a) || java.util.Arrays.equals(ca.getCTable(), cb.getCTable()))
			&& ca.pixelWidth == cb.pixelWidth && ca.pixelHeight == cb.pixelHeight && ca.getUnit().equals(cb.getUnit());
	}

	/** The properties {@link #oneStack} compares, for the Log. */
	private static String describe(ImagePlus imp) {
		ij.measure.Calibration cal = imp.getCalibration();
		String values = ImagePlusTensors.usesCalibration(imp) ? String.format(java.util.Locale.ROOT, ", values calibrated (%s at 0)",
			cal.getCValue(0) + (cal.getValueUnit() == null ? "" : " " + cal.getValueUnit())) : "";
		String pixel = cal.scaled() ? String.format(java.util.Locale.ROOT, ", pixel %sx%s %s", cal.pixelWidth, cal.pixelHeight, cal.getUnit())
			: "";
		return imp.getWidth() + "x" + imp.getHeight() + ", " + imp.getNChannels() + " channel(s), " + imp.getBitDepth() + "-bit" + values + pixel;
	}

	/** A set of the entries {@code which} of another, one single-plane image each (atlas crops are indexed in this order). */
	static ImageSet subset(ImageSet images, int[] which) {
		List<ImagePlus> list = new ArrayList<>();
		for (int i : which) list.add(ImageSet.entry(images.describe(i), images.plane(i)));
		return new ImageSet(list);
	}

	private static String base(ImagePlus imp) {
		return org.conceptscope.fiji.image.ImageTitles.base(imp, "images");
	}
}
