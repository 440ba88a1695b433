package org.conceptscope.metrics;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

import org.conceptscope.attribution.Attribution;
import org.conceptscope.attribution.AttributionMethod;
import org.conceptscope.model.Classifier;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;

/**
 * Weight-randomisation sanity check (Adebayo et al. 2018): per image, the Spearman rank
 * correlation between the absolute attribution maps of a model and of its copy with randomised
 * weights ({@link RandomizedWeights}). A method that explains the model gives low values; values
 * near 1 mean the map shows the image (edges, intensity), not what the model learned. A constant
 * map has no ranks: that image scores 0 and stays in the mean, as in {@link MuFidelity}, and the
 * metadata counts such images ({@code undefined}). Maps with NaN or infinite values are refused.
 */
public final class SanityCheck implements Metric {

	private final AttributionMethod method;
	private final long seed;

	/** Checks this method against a randomised model given to {@link #evaluate(Classifier, Classifier, FloatTensor, int[], Progress)}. */
	public SanityCheck(AttributionMethod method) {
		this.method = Objects.requireNonNull(method, "No attribution method given to check.");
		this.seed = 0;
	}

	private SanityCheck(long seed) {
		this.method = null;
		this.seed = seed;
	}

	/** The check as a {@link Metric}: the randomised copy of a TensorFlow model is made from this seed at each evaluation. */
	public static SanityCheck randomizing(long seed) {
		return new SanityCheck(seed);
	}

	@Override
	public String name() {
		return "sanity";
	}

	/**
	 * Randomises a copy of the model's weights from the seed ({@link RandomizedWeights}) and
	 * compares the method's maps on both.
	 *
	 * @throws IllegalArgumentException when the classifier is not a TensorFlow SavedModel (only those have weights to randomise here)
	 */
	@Override
	public MetricResult evaluate(Classifier classifier, FloatTensor images, int[] targets, AttributionMethod method, Progress progress) {
		if (!(classifier instanceof TensorFlowClassifier tf)) {
			throw new IllegalArgumentException("The sanity check randomises the weights of a TensorFlow SavedModel; " + classifier.name()
				+ " is not one: evaluate it with deletion, insertion or mufidelity.");
		}
		try (TensorFlowClassifier random = RandomizedWeights.copy(tf, tf.variables(), seed)) {
			return new SanityCheck(method).evaluate(classifier, random, images, targets, progress);
		}
	}

	/** Refuses maps with NaN or infinite values, which cannot be ranked. */
	private void finite(Attribution a, String model, String todo) {
		int bad = a.maps().firstNonFinite();
		if (bad >= 0) {
			throw new IllegalArgumentException("The " + method.name() + " map of image " + bad / a.maps().stride0() + " on " + model
				+ " contains NaN or infinite values, so the sanity check cannot rank its pixels: " + todo + ".");
		}
	}

	/**
	 * Both models explain the same target per image: the original's (PREDICTED resolves on the
	 * original model, whose prediction is the one being explained).
	 *
	 * @throws java.util.concurrent.CancellationException when progress asks to stop
	 */
	public MetricResult evaluate(Classifier original, Classifier randomized, FloatTensor images, int[] targets, Progress progress) {
		Objects.requireNonNull(method, "No attribution method given to check.");
		if (original.numClasses() != randomized.numClasses()) {
			throw new IllegalArgumentException("The randomised model has " + randomized.numClasses() + " classes and the original "
				+ original.numClasses() + "; compare a model with a randomised copy of itself.");
		}
		int[] resolved = AttributionMethod.resolveTargets(original, images, targets);
		// each model's explanation is one half of the work
		Attribution a = method.explain(original, images, resolved, (d, t, m) -> progress.report(d, 2 * t, m));
		finite(a, "the model", "check that the model's logits on these images are finite");
		Attribution b = method.explain(randomized, images, resolved, (d, t, m) -> progress.report(t + d, 2 * t, m));
		// random weights can make a model overflow: NaN would get ranks of its own and a finite, meaningless correlation
		finite(b, "its randomised copy", "try another seed");
		int n = (int) images.dim(0), per = a.maps().stride0();
		float[] ma = a.maps().data(), mb = b.maps().data();
		double[] values = new double[n];
		int undefined = 0;
		for (int i = 0; i < n; i++) {
			double[] x = new double[per], y = new double[per];
			for (int p = 0; p < per; p++) {
				x[p] = Math.abs(ma[i * per + p]);
				y[p] = Math.abs(mb[i * per + p]);
			}
			double rho = Spearman.correlation(x, y);
			// a constant map has no ranks: 0, kept in the mean and counted, as MuFidelity does (Xplique's spearman gives 0)
			if (Double.isNaN(rho)) undefined++;
			values[i] = Double.isNaN(rho) ? 0 : rho;
		}
		Map<String, String> meta = new HashMap<>();
		meta.put("metric", "randomization_sanity");
		meta.put("method", method.name());
		meta.put("statistic", "spearman(|original map|, |randomised-model map|)");
		meta.put("original", original.toString());
		meta.put("randomized", randomized.toString());
		meta.put("better", "lower");
		meta.put("undefined", Integer.toString(undefined));
		return new MetricResult("randomization_spearman", resolved, values, FiniteMean.of(values), new double[n][0], meta);
	}
}
