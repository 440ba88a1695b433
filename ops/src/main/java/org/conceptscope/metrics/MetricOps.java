package org.conceptscope.metrics;

import org.conceptscope.attribution.Attribution;
import org.conceptscope.attribution.AttributionMethod;
import org.conceptscope.attribution.TargetScore;
import org.conceptscope.model.Classifier;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Functions;
import org.conceptscope.util.Progress;
import org.scijava.ops.spi.OpCollection;
import org.scijava.ops.spi.OpMethod;

/** Faithfulness metrics as named SciJava Ops (explain.metrics.*). */
public final class MetricOps implements OpCollection {

	private static final String PREFIX = "explain.metrics.";

	@OpMethod(names = PREFIX + "deletion", type = Functions.Arity5.class,
		description = "Deletion AUC: remove pixels in map order (to baseline) and integrate the target probability.")
	public static MetricResult deletion(Classifier classifier, FloatTensor images, Attribution attribution, Integer steps,
		Float baseline) {
		return new Deletion(steps, baseline).evaluate(classifier, images, attribution, Progress.NONE);
	}

	@OpMethod(names = PREFIX + "insertion", type = Functions.Arity5.class,
		description = "Insertion AUC: insert pixels in map order into the baseline image and integrate the target probability.")
	public static MetricResult insertion(Classifier classifier, FloatTensor images, Attribution attribution, Integer steps,
		Float baseline) {
		return new Insertion(steps, baseline).evaluate(classifier, images, attribution, Progress.NONE);
	}

	@OpMethod(names = PREFIX + "muFidelity", type = Functions.Arity8.class,
		description = "MuFidelity: correlation of map mass and score drop over random grid subsets.")
	public static MetricResult muFidelity(Classifier classifier, FloatTensor images, Attribution attribution, Integer grid,
		Double subsetFraction, Integer samples, Float baseline, Long seed) {
		return new MuFidelity(grid, subsetFraction, samples, baseline, seed, TargetScore.LOGIT).evaluate(classifier, images,
			attribution, Progress.NONE);
	}

	@OpMethod(names = PREFIX + "megeReco", type = Functions.Arity6.class,
		description = "MeGe and ReCo: stability of each method's explanations across k models trained on k-1 folds.")
	public static java.util.List<MegeReco.Result> megeReco(org.conceptscope.train.CnnArchitecture architecture,
		org.conceptscope.train.TrainingOptions training, FloatTensor images, int[] labels, Integer folds,
		java.util.List<AttributionMethod> methods) {
		return new MegeReco(architecture, training, folds).evaluate(images, labels, methods, Progress.NONE);
	}

	@OpMethod(names = PREFIX + "sanity", type = Functions.Arity5.class,
		description = "Weight randomisation sanity check: Spearman correlation of maps from the model and a copy with all"
			+ " weights randomised (low is good).")
	public static MetricResult sanity(TensorFlowClassifier classifier, FloatTensor images, int[] targets, AttributionMethod method,
		Long seed) {
		try (TensorFlowClassifier randomized = RandomizedWeights.copy(classifier, classifier.variables(), seed)) {
			return new SanityCheck(method).evaluate(classifier, randomized, images, targets, Progress.NONE);
		}
	}
}
