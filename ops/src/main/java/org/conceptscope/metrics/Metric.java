package org.conceptscope.metrics;

import org.conceptscope.attribution.Attribution;
import org.conceptscope.attribution.AttributionMethod;
import org.conceptscope.model.Classifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;

/**
 * A score of an attribution method on a classifier and a batch of images: one value per image,
 * their mean, and curves where the metric has them. One call shape for every metric, so a front
 * end picks a metric by its registry key and runs it without knowing which it is.
 */
public interface Metric {

	/** The registry key: deletion, insertion, mufidelity, sanity, stability. */
	String name();

	/**
	 * Explains the images with the method (each metric decides how often and on what) and scores
	 * the explanations.
	 *
	 * @param targets one class per image, or {@link AttributionMethod#PREDICTED}
	 * @throws java.util.concurrent.CancellationException when progress asks to stop
	 */
	MetricResult evaluate(Classifier classifier, FloatTensor images, int[] targets, AttributionMethod method, Progress progress);

	/**
	 * Refuses, in one sentence naming the metric, a model or images this metric cannot score; every
	 * metric calls it before it explains anything, and a front end may call it earlier still.
	 * Accepts everything by default.
	 */
	default void check(Classifier classifier, FloatTensor images) {}

	/**
	 * The method's maps of the images, reported as the first half of the work (the metric's own
	 * passes are the second half: {@link #secondHalf}).
	 */
	static Attribution explainFirstHalf(AttributionMethod method, Classifier classifier, FloatTensor images, int[] targets,
		Progress progress) {
		return method.explain(classifier, images, targets, (d, t, msg) -> progress.report(d, 2 * t, msg));
	}

	/** Progress of the second half of the work. */
	static Progress secondHalf(Progress progress) {
		return (d, t, msg) -> progress.report(t + d, 2 * t, msg);
	}

	/** A metric that scores given maps: the method's maps are made first, then scored. */
	interface OfMaps extends Metric {

		/** Scores maps already made (one [H, W] map per image). */
		MetricResult evaluate(Classifier classifier, FloatTensor images, Attribution attribution, Progress progress);

		@Override
		default MetricResult evaluate(Classifier classifier, FloatTensor images, int[] targets, AttributionMethod method, Progress progress) {
			check(classifier, images);
			Attribution a = explainFirstHalf(method, classifier, images, targets, progress);
			return evaluate(classifier, images, a, secondHalf(progress));
		}
	}
}
