package org.conceptscope.ops;

import static org.conceptscope.ops.OpImages.orDefault;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import net.imglib2.RandomAccessibleInterval;
import net.imglib2.type.numeric.RealType;

import org.conceptscope.model.Classifier;
import org.conceptscope.tcav.CavBank;
import org.conceptscope.tcav.Tcav;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;

/**
 * Testing with Concept Activation Vectors as SciJava Ops {@code explain.tcav.*}, declared in
 * Javadoc like {@link AttributionOps}: the test of concepts (CAVs, scores, significance) and the
 * scoring of saved CAVs on new images.
 */
public final class TcavOps {

	private TcavOps() {}

	/**
	 * TCAV (Kim et al. 2018): at each layer, a seeded linear SVM separates the activations of each concept from a random set of
	 * counterexamples and its normal is the concept activation vector (CAV); the TCAV score is the fraction of the class images whose
	 * class logit has a positive derivative along the CAV. Repeated over random sets, the concept scores are compared with the scores
	 * of random against random CAVs by a two-sided t-test, Bonferroni-corrected over the concepts and layers tested together.
	 *
	 * @param <T> the pixel type
	 * @param model a classifier with gradients, as opened by explain.model.open
	 * @param images images of the class to test: X, Y[, channel][, slice] (channels when the model takes several); only read
	 * @param concepts concept name to its example images (X, Y[, channel], slice; at least 2 each)
	 * @param random the counterexamples the random sets are drawn from (at least 4, better twice the concept examples)
	 * @param target the class to test (index from 0); null or negative: the class predicted for most images (nullable)
	 * @param layers layer names separated by commas; null or empty: the last spatial layer (nullable)
	 * @param runs random sets, that is CAVs per concept and layer; default 20 (nullable)
	 * @param alpha significance level before the Bonferroni correction; default 0.05 (nullable)
	 * @param seed seed of the random sets, the splits and the SVM training; default 42 (nullable)
	 * @return one row per concept and layer: the scores of every run, the null scores, p value, significance and the CAV (bank gives a CavBank to save)
	 * @implNote op names='explain.tcav.test'
	 */
	public static <T extends RealType<T>> Tcav.Result test(Classifier model, RandomAccessibleInterval<T> images,
		Map<String, RandomAccessibleInterval<T>> concepts, RandomAccessibleInterval<T> random, Integer target, String layers, Integer runs,
		Double alpha, Long seed) {
		OpImages.Batch batch = OpImages.read(model, images);
		if (concepts == null || concepts.isEmpty()) throw new IllegalArgumentException("No concept given: pass a map from concept names to example images.");
		if (random == null) throw new IllegalArgumentException("No random counterexamples given: pass images without the concepts.");
		List<Tcav.Concept> list = new ArrayList<>();
		for (Map.Entry<String, RandomAccessibleInterval<T>> e : concepts.entrySet()) {
			if (e.getValue() == null) throw new IllegalArgumentException("The concept '" + e.getKey() + "' has no images.");
			list.add(new Tcav.Concept(e.getKey(), OpImages.read(model, e.getValue()).tensor()));
		}
		FloatTensor pool = OpImages.read(model, random).tensor();
		List<String> layerList = layers == null || layers.isBlank() ? List.of(OpImages.layerOrLast(model, null))
			: Arrays.stream(layers.split(",")).map(String::trim).filter(l -> !l.isEmpty()).toList();
		int t = OpImages.majorityTarget(model, batch, target);
		return new Tcav(orDefault(runs, Tcav.DEFAULT_RUNS), orDefault(alpha, Tcav.DEFAULT_ALPHA), orDefault(seed, 42L)).test(model, layerList, list,
			pool, batch.tensor(), t, Progress.NONE);
	}

	/**
	 * Scores saved concept activation vectors on new images of a class: per image the derivative of the class logit along each CAV,
	 * with the TCAV score (fraction positive) and the magnitude score.
	 *
	 * @param <T> the pixel type
	 * @param model the classifier the CAVs were made with
	 * @param bank the CAVs, from the bank method of an explain.tcav.test result or CavBank.load of a saved file
	 * @param images images of the class: X, Y[, channel][, slice] (channels when the model takes several); only read
	 * @param target the class to score (index from 0); null or negative: the class predicted for most images (nullable)
	 * @return per CAV: the derivatives per image, the TCAV score and the magnitude score
	 * @implNote op names='explain.tcav.score'
	 */
	public static <T extends RealType<T>> List<Tcav.Scores> score(Classifier model, CavBank bank, RandomAccessibleInterval<T> images,
		Integer target) {
		if (bank == null) throw new IllegalArgumentException("No CAV bank given: run explain.tcav.test or load a saved bank with CavBank.load.");
		OpImages.Batch batch = OpImages.read(model, images);
		return Tcav.score(model, bank.vectors(), batch.tensor(), OpImages.majorityTarget(model, batch, target));
	}
}
