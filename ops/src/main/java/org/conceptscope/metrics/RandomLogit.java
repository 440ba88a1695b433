package org.conceptscope.metrics;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import org.conceptscope.attribution.Attribution;
import org.conceptscope.attribution.AttributionMethod;
import org.conceptscope.model.Classifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;

/**
 * Random logit (Adebayo et al. 2018, "Sanity checks for saliency maps"; Sixt et al. 2020), as
 * Xplique's RandomLogitMetric computes it: each image is explained again for a class drawn
 * uniformly among the other classes (from the seed), and the value is the structural similarity
 * ({@link Ssim}, tf.image.ssim's definition) between the map of the target and the map of the
 * other class. Lower is better: a map that does not change with the class explains no class.
 * One call of the method for the whole batch.
 */
public final class RandomLogit {

	private final long seed;

	public RandomLogit(long seed) {
		this.seed = seed;
	}

	/** A model with one output has no other class to explain. */
	public void check(Classifier classifier) {
		if (classifier.numClasses() < 2) {
			throw new IllegalArgumentException("The metric random_logit explains each image again for another class, and the model has"
				+ " only one output: use mufidelity, stability or sanity with it, or a model with one output per class.");
		}
	}

	/** The other class of each image: uniform over the classes but the target. */
	int[] otherClasses(int[] targets, int classes) {
		if (classes < 2) throw new IllegalArgumentException("Random logit needs a model with at least 2 classes.");
		Random r = new Random(seed);
		int[] out = new int[targets.length];
		for (int i = 0; i < targets.length; i++) {
			int k = r.nextInt(classes - 1);
			out[i] = k >= targets[i] ? k + 1 : k;
		}
		return out;
	}

	public MetricResult evaluate(Classifier classifier, FloatTensor images, Attribution attribution, AttributionMethod method, Progress progress) {
		MetricInputs.check(images, attribution);
		check(classifier);
		method.checkRuns(classifier);
		int n = (int) images.dim(0), h = (int) images.dim(1), w = (int) images.dim(2), plane = h * w;
		int[] targets = attribution.targets();
		int[] others = otherClasses(targets, classifier.numClasses());
		float[] mine = attribution.maps().data();
		Attribution other = method.explain(classifier, images, others, progress); // as long as the first: shown, and stoppable
		// a NaN map has no SSIM: it would drop out of the mean without a word
		MetricInputs.check(images, other, " (of the other class drawn for that image)",
			"its similarity with the target's map is undefined (check the model's outputs for that class)");
		float[] theirs = other.maps().data();
		MetricSteps.report(progress, n, n, "random_logit");
		double[] values = new double[n];
		for (int i = 0; i < n; i++) {
			values[i] = Ssim.of(java.util.Arrays.copyOfRange(mine, i * plane, (i + 1) * plane), java.util.Arrays.copyOfRange(theirs, i * plane,
				(i + 1) * plane), h, w);
		}
		Map<String, String> meta = new HashMap<>();
		meta.put("metric", "random_logit");
		meta.put("method", attribution.metadata().getOrDefault("method", method.name()));
		meta.put("other_classes", java.util.Arrays.toString(others));
		meta.put("similarity", "ssim");
		meta.put("seed", Long.toString(seed));
		meta.put("better", "lower");
		return new MetricResult("random_logit", targets, values, FiniteMean.of(values), new double[n][0], meta);
	}
}
