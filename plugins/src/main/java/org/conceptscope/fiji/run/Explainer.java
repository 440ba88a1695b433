package org.conceptscope.fiji.run;

import org.conceptscope.fiji.image.Explanation;
import org.conceptscope.fiji.image.ImagePlusTensors;
import org.conceptscope.fiji.image.ImagePlusTiles;
import ij.IJ;
import ij.ImagePlus;

import java.util.Arrays;

import org.conceptscope.attribution.Attribution;
import org.conceptscope.attribution.AttributionMethod;
import org.conceptscope.attribution.TileCheckpoint;
import org.conceptscope.attribution.TiledExplainer;
import org.conceptscope.model.Classifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.tensor.TileGrid;
import org.conceptscope.util.Progress;

/**
 * Classifies every slice/frame of an ImageJ image and explains it with one attribution method. An
 * image whose size differs from the model's fixed input is explained tile by tile
 * ({@link TiledExplainer}): the map has the image's size either way.
 */
public final class Explainer {

	private Explainer() {}

	/**
	 * @param target a class index for every image, or {@link AttributionMethod#PREDICTED}
	 * @param model a short model name for metadata (e.g. its folder name)
	 */
	public static Explanation explain(Classifier classifier, ImagePlus image, AttributionMethod method, int target,
		String model, Progress progress) {
		return explain(classifier, image, method, target, model, TileGrid.DEFAULT_OVERLAP, progress);
	}

	/** @param overlap for an image tiled because its size differs from the model's input: the tiles' overlap, in [0, 1) */
	public static Explanation explain(Classifier classifier, ImagePlus image, AttributionMethod method, int target,
		String model, double overlap, Progress progress) {
		AttributionMethod.checkRequest(classifier, method, target);
		method.checkRuns(classifier);
		if (TiledExplainer.needsTiles(classifier, image.getHeight(), image.getWidth())) {
			return explainTiled(classifier, image, method, target, model, overlap, 0, progress);
		}
		ImagePlusTensors.Converted input = Models.input(image, classifier);
		FloatTensor images = input.tensor();
		int[] predicted = classifier.logits(images).argmaxRows();
		FloatTensor probabilities = classifier.probabilities(images);
		// Resolved here so the method does not run the model once more to find the predictions.
		int[] targets = new int[predicted.length];
		if (target == AttributionMethod.PREDICTED) System.arraycopy(predicted, 0, targets, 0, targets.length);
		else Arrays.fill(targets, target);
		Attribution attribution = method.explain(classifier, images, targets, progress == null ? Progress.NONE : progress);
		return new Explanation(image, input.batches(), classifier.classNames(), probabilities, predicted, attribution,
			method.name(), model == null ? "" : model);
	}

	/**
	 * Explains the image tile by tile, whatever its size; logs a line when it is smaller than the
	 * model's input (padded), unless it is a part of a longer run (the runner says it once, see
	 * {@link #explainTiled(Classifier, ImagePlus, AttributionMethod, int, String, double, int, Progress, TileCheckpoint, boolean)}).
	 *
	 * @param firstEntry number of the image's first entry in a longer run (random methods number tiles from it)
	 */
	public static Explanation explainTiled(Classifier classifier, ImagePlus image, AttributionMethod method, int target, String model,
		double overlap, int firstEntry, Progress progress) {
		return explainTiled(classifier, image, method, target, model, overlap, firstEntry, progress, TileCheckpoint.NONE);
	}

	/** As {@link #explainTiled(Classifier, ImagePlus, AttributionMethod, int, String, double, int, Progress)}, finished tile batches kept in {@code checkpoint}. */
	public static Explanation explainTiled(Classifier classifier, ImagePlus image, AttributionMethod method, int target, String model,
		double overlap, int firstEntry, Progress progress, TileCheckpoint checkpoint) {
		return explainTiled(classifier, image, method, target, model, overlap, firstEntry, progress, checkpoint, firstEntry == 0);
	}

	/**
	 * @param warn whether to check the image's pixel size and domain, and log the padding note
	 *        ({@link TiledExplainer#paddingNote}), here: a runner that checked its whole stack, and
	 *        says the note once through its own channel, says no (the batch runner's stdout holds
	 *        its result paths only, whatever the number of parts)
	 */
	public static Explanation explainTiled(Classifier classifier, ImagePlus image, AttributionMethod method, int target, String model,
		double overlap, int firstEntry, Progress progress, TileCheckpoint checkpoint, boolean warn) {
		ImagePlus read = Models.paletteAsRgb(image, classifier); // a palette image is read as its colours, as untiled
		Models.checkChannels(read, classifier, null); // in ImageJ's words (C, Z, T), before any tile
		ImagePlusTensors.checkFinite(image); // named by its slice now, not as "image 5 of a batch" by the tile that holds it
		if (warn) {
			Models.warnPixelSize(image, classifier);
			Models.warnDomain(read, classifier);
		}
		ImagePlusTiles source = new ImagePlusTiles(read);
		String note = TiledExplainer.paddingNote(TiledExplainer.grid(classifier, source.height(), source.width(), overlap));
		if (warn && note != null) IJ.log("ConceptScope: " + note);
		TiledExplainer.Result r = TiledExplainer.explain(classifier, source, method, target, overlap, firstEntry,
			progress == null ? Progress.NONE : progress, checkpoint);
		return new Explanation(image, ImagePlusTensors.batches(image), classifier.classNames(), r.probabilities(), r.predicted(),
			r.attribution(), method.name(), model == null ? "" : model, new Explanation.Tiles(r.grid(), r.tileProbabilities()));
	}
}
