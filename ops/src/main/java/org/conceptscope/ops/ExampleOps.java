package org.conceptscope.ops;

import static org.conceptscope.ops.OpImages.orDefault;

import java.util.List;

import net.imglib2.RandomAccessibleInterval;
import net.imglib2.type.numeric.RealType;

import org.conceptscope.examples.ExampleSearch;
import org.conceptscope.examples.LatentSpace;
import org.conceptscope.examples.NearestExamples;
import org.conceptscope.examples.Prototypes;
import org.conceptscope.model.Classifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;

/**
 * Example-based explanations as SciJava Ops {@code explain.examples.*}, declared in Javadoc like
 * {@link AttributionOps}: images compared through the activations of one layer of the model.
 */
public final class ExampleOps {

	/** Nearest examples shown per case by default. */
	public static final int DEFAULT_NEIGHBOURS = 5;
	/** Prototypes chosen by default (per class when labels are given). */
	public static final int DEFAULT_PROTOTYPES = 3;

	private ExampleOps() {}

	/**
	 * Nearest training examples (as SimilarExamples of Xplique): for each case, the training images nearest to it by Euclidean
	 * distance between their activations at a layer, nearest first, with the distances.
	 *
	 * @param <T> the pixel type
	 * @param model the classifier, as opened by explain.model.open
	 * @param cases the images to explain: X, Y[, channel][, slice] (channels when the model takes several); only read
	 * @param training the training examples searched: X, Y[, channel][, slice]; only read
	 * @param layer the layer whose activations are compared; null or empty: the last spatial layer (nullable)
	 * @param neighbours nearest examples per case; default 5 (nullable)
	 * @return per case: the indices of its nearest training examples (slices from 0) and their distances, nearest first
	 * @implNote op names='explain.examples.nearest'
	 */
	public static <T extends RealType<T>, U extends RealType<U>> List<NearestExamples.Neighbours> nearest(Classifier model,
		RandomAccessibleInterval<T> cases, RandomAccessibleInterval<U> training, String layer, Integer neighbours) {
		FloatTensor c = OpImages.read(model, cases).tensor();
		if (training == null) throw new IllegalArgumentException("No training examples given.");
		FloatTensor t = OpImages.read(model, training).tensor();
		LatentSpace space = new LatentSpace(model, OpImages.layerOrLast(model, layer));
		// the command's search: its memory is checked before the model runs
		return new ExampleSearch(space, new NearestExamples(orDefault(neighbours, DEFAULT_NEIGHBOURS)), null).run(t, null, 0, c, Progress.NONE).neighbours();
	}

	/**
	 * Prototypes by MMD-critic (Kim, Khanna and Koyejo 2016; MMDCritic of Xplique): greedily, the examples whose kernel mean
	 * embedding in the activations of a layer is closest to that of all examples, with an RBF kernel; per class when labels are given.
	 *
	 * @param <T> the pixel type
	 * @param model the classifier, as opened by explain.model.open
	 * @param images the examples: X, Y[, channel][, slice] (channels when the model takes several); only read
	 * @param labels the class of each slice (from 0); null: prototypes of all the examples together (nullable)
	 * @param layer the layer whose activations are compared; null or empty: the last spatial layer (nullable)
	 * @param prototypes prototypes to choose (per class with labels); default 3 (nullable)
	 * @param gamma the RBF kernel gamma; null or 0: 1 over the median squared distance (nullable)
	 * @return one selection (slice indices in selection order, objective, gamma) for all examples, or one per class of the model
	 * @implNote op names='explain.examples.prototypes'
	 */
	public static <T extends RealType<T>> List<Prototypes.Selection> prototypes(Classifier model, RandomAccessibleInterval<T> images,
		List<Integer> labels, String layer, Integer prototypes, Double gamma) {
		FloatTensor x = OpImages.read(model, images).tensor();
		LatentSpace space = new LatentSpace(model, OpImages.layerOrLast(model, layer));
		ExampleSearch search = new ExampleSearch(space, null, new Prototypes(orDefault(prototypes, DEFAULT_PROTOTYPES), orDefault(gamma, 0.0)));
		if (labels == null) return search.run(x, null, 0, null, Progress.NONE).prototypes();
		if (labels.size() != x.dim(0)) {
			throw new IllegalArgumentException(labels.size() + " labels for " + x.dim(0) + " slices: give one label per slice.");
		}
		int[] l = new int[labels.size()];
		for (int i = 0; i < l.length; i++) {
			Integer v = labels.get(i);
			if (v == null || v < 0 || v >= model.numClasses()) {
				throw new IllegalArgumentException("Label " + v + " of slice " + (i + 1) + " is not a class of the model (0.." + (model.numClasses() - 1) + ").");
			}
			l[i] = v;
		}
		return search.run(x, l, model.numClasses(), null, Progress.NONE).prototypes();
	}
}
