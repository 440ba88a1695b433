package org.conceptscope.mechanistic;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CancellationException;

import org.conceptscope.model.LayerInfo;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;

/**
 * SRD over a batch of images, what the Fiji command shows: per image the relevance map of a
 * target class (each image's predicted class by default) with its conservation numbers, the
 * APOP diagnostic for the batch, and optionally the effective receptive field of one PFV (a
 * layer cell chosen by an image pixel) with its theoretical receptive field and the pixels that
 * carry most of it.
 */
public final class SharingRatioAnalysis {

	/** Target value meaning "each image's predicted class". */
	public static final int PREDICTED = -1;

	/**
	 * An ERF to compute on every image: the PFV of {@code layer} whose cell holds image pixel
	 * (x, y) (cells are centred on the PFVs' receptive fields, one layer stride wide: see
	 * {@link PfvConcepts.Cells}; near the border of a VALID layer, the nearest cell), outlined by
	 * the pixels holding {@code mass} of its absolute relevance.
	 */
	public record ErfRequest(String layer, int x, int y, double mass) {}

	/** One image's ERF: the PFV's grid cell, the relevance map (start 1), its receptive field (clipped) and support. */
	public record Erf(String layer, int gridX, int gridY, int gridWidth, int gridHeight,
		SharingRatioDecomposition.Decomposition decomposition, ReceptiveField.Rect field, boolean[] support) {}

	/** One image: predicted and target class, the class relevance map, the ERF (null when none asked), APOP's class. */
	public record Slice(int predicted, int target, SharingRatioDecomposition.Decomposition relevance, Erf erf, int apopPredicted) {

		public boolean apopAgrees() {
			return apopPredicted == predicted;
		}
	}

	/** All images and the APOP agreement: the fraction of images whose blank-image prediction is their prediction. */
	public record Result(List<Slice> slices, double apopAgreement) {}

	private SharingRatioAnalysis() {}

	/**
	 * @param images a normalised batch [N, H, W, C]
	 * @param target a class index, or {@link #PREDICTED}
	 * @param erf the ERF to compute, or null
	 * @param apopFill the blank image's value, in the model's normalised input units
	 * @throws CancellationException when progress asks to stop
	 */
	public static Result run(TensorFlowClassifier classifier, FloatTensor images, int target, ErfRequest erf, float apopFill,
		Progress progress) {
		return run(classifier, images, target, null, erf, apopFill, progress);
	}

	/**
	 * The same with the decomposition started at {@code startLayer}'s PFVs (null or blank: the input pixels, as the paper's
	 * maps): each slice's map is the layer's relevance spread evenly over each cell's pixels (its sum kept), and its bias
	 * share is the one kept above the layer.
	 */
	public static Result run(TensorFlowClassifier classifier, FloatTensor images, int target, String startLayer, ErfRequest erf,
		float apopFill, Progress progress) {
		if (target != PREDICTED && (target < 0 || target >= classifier.numClasses())) {
			throw new IllegalArgumentException("Class " + target + " does not exist; the model has classes 0.." + (classifier.numClasses() - 1) + ".");
		}
		int n = (int) images.dim(0), height = (int) images.dim(1), width = (int) images.dim(2);
		int[] grid = erf == null ? null : grid(classifier, erf, width, height);
		SharingRatioDecomposition srd = new SharingRatioDecomposition(classifier);
		srd.checkStartLayer(startLayer, spatialLayers(classifier)); // before the stack goes through the model
		if (n > 0) { // the memory (APOP holds two passes) and every operation on the way, on the first image
			srd.checkMemory(images.slice(0), 2);
			srd.check(images.slice(0), target == PREDICTED ? 0 : target, startLayer);
		}
		ActivationPatternPrediction apop = new ActivationPatternPrediction(classifier);
		int[] predicted = classifier.logits(images).argmaxRows();
		ReceptiveField.Rect field = null;
		List<Slice> slices = new ArrayList<>();
		int agree = 0;
		for (int i = 0; i < n; i++) {
			if (!progress.report(i, n, "SRD")) throw new CancellationException("SRD cancelled after " + i + " of " + n + " images.");
			FloatTensor x = images.slice(i);
			int t = target == PREDICTED ? predicted[i] : target;
			SharingRatioDecomposition.Decomposition relevance = srd.classRelevance(x, t, startLayer);
			if (relevance.map().dim(1) != height || relevance.map().dim(2) != width) {
				relevance = new SharingRatioDecomposition.Decomposition(SharingRatioDecomposition.spread(relevance.map(), height, width),
					relevance.start(), relevance.biasRelevance());
			}
			Erf e = null;
			if (erf != null) {
				int position = grid[1] * grid[2] + grid[0];
				if (field == null) field = srd.receptiveField(x, erf.layer(), position).clip(width, height); // the same for every image
				SharingRatioDecomposition.Decomposition d = srd.effectiveReceptiveField(x, erf.layer(), position);
				e = new Erf(erf.layer(), grid[0], grid[1], grid[2], grid[3], d, field, ReceptiveField.effectiveSupport(d.map().data(), erf.mass()));
			}
			FloatTensor blank = FloatTensor.zeros(x.shape());
			Arrays.fill(blank.data(), apopFill);
			int gated = ActivationPatternPrediction.argmax(apop.gatedLogits(x, blank));
			if (gated == predicted[i]) agree++;
			slices.add(new Slice(predicted[i], t, relevance, e, gated));
		}
		progress.report(n, n, "SRD");
		return new Result(slices, n == 0 ? Double.NaN : agree / (double) n);
	}

	/**
	 * {gx, gy, w, h}: the layer cell holding the requested pixel, and the layer's grid size.
	 *
	 * @throws IllegalArgumentException naming the spatial layers when the layer is not one, or when the pixel is outside the image
	 */
	public static int[] grid(TensorFlowClassifier classifier, ErfRequest erf, int width, int height) {
		LayerInfo info = classifier.layers().stream().filter(l -> l.name().equals(erf.layer())).findFirst()
			.orElseThrow(() -> new IllegalArgumentException("Unknown layer '" + erf.layer() + "' for the ERF; spatial layers: "
				+ spatialLayers(classifier) + "."));
		if (!info.isSpatial()) {
			throw new IllegalArgumentException("The ERF needs a spatial [N, h, w, c] layer; '" + erf.layer() + "' is "
				+ Arrays.toString(info.shape()) + ". Spatial layers: " + spatialLayers(classifier) + ".");
		}
		if (erf.x() < 0 || erf.x() >= width || erf.y() < 0 || erf.y() >= height) {
			throw new IllegalArgumentException("The ERF pixel (" + erf.x() + ", " + erf.y() + ") is outside the " + width + " x "
				+ height + " image: give x in 0.." + (width - 1) + " and y in 0.." + (height - 1) + ".");
		}
		if (!(erf.mass() > 0 && erf.mass() <= 1)) throw new IllegalArgumentException("The ERF mass must be in (0, 1], got " + erf.mass() + ".");
		int h = (int) info.shape()[1], w = (int) info.shape()[2];
		long[] in = classifier.signature().input().shape();
		int position = PfvConcepts.Cells.of(classifier, FloatTensor.zeros(1, height, width, in[3]), erf.layer()).nearest(erf.x(), erf.y());
		return new int[] { position % w, position / w, w, h };
	}

	static List<String> spatialLayers(TensorFlowClassifier classifier) {
		return classifier.layers().stream().filter(LayerInfo::isSpatial).map(LayerInfo::name).toList();
	}
}
