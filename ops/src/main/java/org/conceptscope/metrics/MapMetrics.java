package org.conceptscope.metrics;

import org.conceptscope.attribution.Attribution;
import org.conceptscope.attribution.AttributionMethod;
import org.conceptscope.model.Classifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;

/**
 * Average Drop / Increase in Confidence ({@link MaskedConfidence}), Random logit ({@link RandomLogit})
 * and Complexity / Sparseness ({@link MapStatistics}) as {@link Metric}s, so the registry and
 * Evaluate Explanation run them like the others: the method's maps first, then the score.
 */
public final class MapMetrics {

	private MapMetrics() {}

	public static Metric masked(MaskedConfidence.Kind kind) {
		MaskedConfidence m = new MaskedConfidence(kind);
		return new Metric.OfMaps() {
			@Override
			public String name() {
				return kind.id;
			}

			@Override
			public void check(Classifier classifier, FloatTensor images) {
				m.check(classifier);
			}

			@Override
			public MetricResult evaluate(Classifier classifier, FloatTensor images, Attribution attribution, Progress progress) {
				return m.evaluate(classifier, images, attribution, progress);
			}
		};
	}

	public static Metric statistic(MapStatistics.Kind kind) {
		MapStatistics m = new MapStatistics(kind);
		return new Metric.OfMaps() {
			@Override
			public String name() {
				return kind.id;
			}

			@Override
			public MetricResult evaluate(Classifier classifier, FloatTensor images, Attribution attribution, Progress progress) {
				return m.evaluate(attribution);
			}
		};
	}

	public static Metric randomLogit(long seed) {
		RandomLogit r = new RandomLogit(seed);
		return new Metric() {
			@Override
			public String name() {
				return "random_logit";
			}

			@Override
			public void check(Classifier classifier, FloatTensor images) {
				r.check(classifier);
			}

			@Override
			public MetricResult evaluate(Classifier classifier, FloatTensor images, int[] targets, AttributionMethod method, Progress progress) {
				check(classifier, images);
				Attribution a = Metric.explainFirstHalf(method, classifier, images, targets, progress);
				return r.evaluate(classifier, images, a, method, Metric.secondHalf(progress));
			}
		};
	}
}
