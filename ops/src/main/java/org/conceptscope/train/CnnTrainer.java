package org.conceptscope.train;

import java.util.HashMap;
import java.util.LinkedHashMap;
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
		Random rnd = new Random(seed);
		Map<String, FloatTensor> w = new LinkedHashMap<>();
		for (CnnArchitecture.Parameter p : arch.parameters()) {
			FloatTensor t = FloatTensor.zeros(p.shape());
			if (p.fanIn() > 0) {
				double std = Math.sqrt(2.0 / p.fanIn());
				float[] d = t.data();
				for (int i = 0; i < d.length; i++) d[i] = (float) (rnd.nextGaussian() * std);
			}
			w.put(p.name(), t);
		}
		return w;
	}

	/**
	 * Trains on images [N, H, W, C] with labels 0..K-1 and returns the trained weights.
	 *
	 * @throws CancellationException when progress asks to stop
	 */
	public static Map<String, FloatTensor> train(CnnArchitecture arch, FloatTensor images, int[] labels, TrainingOptions opt,
		Progress progress) {
		long[] s = images.shape();
		if (s.length != 4 || s[1] != arch.height() || s[2] != arch.width() || s[3] != arch.channels()) {
			throw new IllegalArgumentException("Training images " + images + " do not fit the architecture input "
				+ arch.height() + "x" + arch.width() + "x" + arch.channels() + ".");
		}
		if (labels.length != s[0]) throw new IllegalArgumentException(labels.length + " labels for " + s[0] + " images.");
		for (int l : labels) {
			if (l < 0 || l >= arch.numClasses()) throw new IllegalArgumentException("Label " + l + " outside 0.." + (arch.numClasses() - 1) + ".");
		}
		Random rnd = new Random(opt.seed());
		Map<String, FloatTensor> init = initialWeights(arch, rnd.nextLong());
		return SupervisedTrainer.train(g -> new CnnGraph(g, arch, init), images, labels, arch.numClasses(), opt, progress, null, 0, rnd)
			.weights();
	}

	/** Fraction of images whose arg-max logit equals the label, from a [N, K] logits tensor. */
	public static double accuracy(FloatTensor logits, int[] labels) {
		int[] pred = logits.argmaxRows();
		int ok = 0;
		for (int i = 0; i < labels.length; i++) if (pred[i] == labels[i]) ok++;
		return labels.length == 0 ? Double.NaN : ok / (double) labels.length;
	}

	/** Class counts, for model cards. */
	public static Map<Integer, Integer> classCounts(int[] labels) {
		Map<Integer, Integer> counts = new HashMap<>();
		for (int l : labels) counts.merge(l, 1, Integer::sum);
		return counts;
	}
}
