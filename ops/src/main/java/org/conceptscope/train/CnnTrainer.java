package org.conceptscope.train;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;

/**
 * Trains a {@link CnnArchitecture} in Java on the TensorFlow runtime: graph gradients and the
 * ApplyAdam op, no Python. Deterministic given the seed (He initialisation and batch order come
 * from {@link Random}; TensorFlow's CPU kernels may still round differently across machines).
 */
public final class CnnTrainer {

	private CnnTrainer() {}

	/** He-normal initial weights from a seed. */
	public static Map<String, FloatTensor> initialWeights(CnnArchitecture arch, long seed) {
		return CnnArchitecture.Parameter.heNormal(arch.parameters(), seed);
	}

	/**
	 * Trains on images [N, H, W, C] with labels 0..K-1 and returns the trained weights.
	 *
	 * @throws CancellationException when progress asks to stop
	 */
	public static Map<String, FloatTensor> train(CnnArchitecture arch, FloatTensor images, int[] labels, TrainingOptions opt,
		Progress progress) {
		SupervisedTrainer.checkImages(images, arch.height(), arch.width(), arch.channels());
		if (labels.length != images.dim(0)) throw new IllegalArgumentException(labels.length + " labels for " + images.dim(0) + " images.");
		Random rnd = new Random(opt.seed());
		Map<String, FloatTensor> init = initialWeights(arch, rnd.nextLong());
		return SupervisedTrainer.train(g -> new CnnGraph(g, arch, init), images, labels, arch.numClasses(), opt, progress, null, 0, rnd)
			.weights();
	}

	/** Fraction of images whose arg-max logit equals the label, from a [N, K] logits tensor. */
	public static double accuracy(FloatTensor logits, int[] labels) {
		return SupervisedTrainer.agreement(logits.argmaxRows(), labels);
	}

	/** Class counts, for model cards. */
	public static Map<Integer, Integer> classCounts(int[] labels) {
		Map<Integer, Integer> counts = new HashMap<>();
		for (int l : labels) counts.merge(l, 1, Integer::sum);
		return counts;
	}
}
