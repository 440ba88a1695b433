package org.conceptscope.ops;

import static org.conceptscope.ops.OpImages.orDefault;

import java.util.Map;

import net.imglib2.RandomAccessibleInterval;
import net.imglib2.type.numeric.RealType;

import org.conceptscope.attribution.Attribution;
import org.conceptscope.attribution.TargetScore;
import org.conceptscope.metrics.Deletion;
import org.conceptscope.metrics.Insertion;
import org.conceptscope.metrics.MapMetrics;
import org.conceptscope.metrics.MapStatistics;
import org.conceptscope.metrics.MaskedConfidence;
import org.conceptscope.metrics.Metric;
import org.conceptscope.metrics.MetricResult;
import org.conceptscope.metrics.MuFidelity;
import org.conceptscope.model.Classifier;
import org.conceptscope.registry.Registry;
import org.conceptscope.util.Progress;

/**
 * Faithfulness metrics of an attribution map as SciJava Ops {@code explain.metrics.*}, declared in
 * Javadoc like {@link AttributionOps}; defaults are those of the Evaluate Explanation command.
 */
public final class MetricOps {

	private MetricOps() {}

	/**
	 * Deletion (Petsiuk et al. 2018): pixels are set to 0 in the order of the map, most important first, and the area under
	 * the curve of the target class probability is recorded; lower is more faithful.
	 *
	 * @param <T> the pixel type
	 * @param <M> the map type
	 * @param model the classifier, as opened by explain.model.open
	 * @param image the image the map explains: X, Y[, channel][, slice]; only read
	 * @param map the map of that image, as an explain.attribution op returns it (X, Y[, slice])
	 * @param target the class the map explains (index from 0); null or negative: the class predicted for each image (nullable)
	 * @param steps number of deletion steps; default 16 (nullable)
	 * @return the area under the curve per image, their mean and the curves
	 * @implNote op names='explain.metrics.deletion'
	 */
	public static <T extends RealType<T>, M extends RealType<M>> MetricResult deletion(Classifier model, RandomAccessibleInterval<T> image,
		RandomAccessibleInterval<M> map, Integer target, Integer steps) {
		OpImages.Batch batch = OpImages.read(model, image);
		return new Deletion(orDefault(steps, 16), 0f).evaluate(model, batch.tensor(), attribution(model, batch, map, target), Progress.NONE);
	}

	/**
	 * Insertion (Petsiuk et al. 2018): pixels of the image are put into a blank image in the order of the map, most important
	 * first, and the area under the curve of the target class probability is recorded; higher is more faithful.
	 *
	 * @param <T> the pixel type
	 * @param <M> the map type
	 * @param model the classifier, as opened by explain.model.open
	 * @param image the image the map explains: X, Y[, channel][, slice]; only read
	 * @param map the map of that image, as an explain.attribution op returns it (X, Y[, slice])
	 * @param target the class the map explains (index from 0); null or negative: the class predicted for each image (nullable)
	 * @param steps number of insertion steps; default 16 (nullable)
	 * @return the area under the curve per image, their mean and the curves
	 * @implNote op names='explain.metrics.insertion'
	 */
	public static <T extends RealType<T>, M extends RealType<M>> MetricResult insertion(Classifier model, RandomAccessibleInterval<T> image,
		RandomAccessibleInterval<M> map, Integer target, Integer steps) {
		OpImages.Batch batch = OpImages.read(model, image);
		return new Insertion(orDefault(steps, 16), 0f).evaluate(model, batch.tensor(), attribution(model, batch, map, target), Progress.NONE);
	}

	/**
	 * MuFidelity (Bhatt et al. 2020): the correlation, over random subsets of 20 percent of the cells of an 8 x 8 grid, between
	 * the map mass of the subset and the drop of the target logit when the subset is set to 0; higher is more faithful.
	 *
	 * @param <T> the pixel type
	 * @param <M> the map type
	 * @param model the classifier, as opened by explain.model.open
	 * @param image the image the map explains: X, Y[, channel][, slice]; only read
	 * @param map the map of that image, as an explain.attribution op returns it (X, Y[, slice])
	 * @param target the class the map explains (index from 0); null or negative: the class predicted for each image (nullable)
	 * @param samples number of random subsets; default 128 (nullable)
	 * @param seed seed of the subsets; default 42 (nullable)
	 * @return the correlation per image and their mean
	 * @implNote op names='explain.metrics.mufidelity'
	 */
	public static <T extends RealType<T>, M extends RealType<M>> MetricResult muFidelity(Classifier model, RandomAccessibleInterval<T> image,
		RandomAccessibleInterval<M> map, Integer target, Integer samples, Long seed) {
		OpImages.Batch batch = OpImages.read(model, image);
		return new MuFidelity(Registry.MUFIDELITY_GRID, Registry.MUFIDELITY_FRACTION, orDefault(samples, 128), 0f, orDefault(seed, 42L), TargetScore.LOGIT)
			.evaluate(model, batch.tensor(), attribution(model, batch, map, target), Progress.NONE);
	}

	/**
	 * Average Drop (Chattopadhay et al. 2018): the relative drop of the target probability when the image is multiplied by the min-max scaled absolute map; lower is more faithful.
	 *
	 * @param <T> the pixel type
	 * @param <M> the map type
	 * @param model the classifier, as opened by explain.model.open
	 * @param image the image the map explains: X, Y[, channel][, slice]; only read
	 * @param map the map of that image, as an explain.attribution op returns it (X, Y[, slice])
	 * @param target the class the map explains (index from 0); null or negative: the class predicted for each image (nullable)
	 * @return the score per image and their mean
	 * @implNote op names='explain.metrics.average_drop'
	 */
	public static <T extends RealType<T>, M extends RealType<M>> MetricResult averageDrop(Classifier model, RandomAccessibleInterval<T> image,
		RandomAccessibleInterval<M> map, Integer target) {
		return mapMetric(MapMetrics.masked(MaskedConfidence.Kind.AVERAGE_DROP), model, image, map, target);
	}

	/**
	 * Increase in Confidence (Chattopadhay et al. 2018): whether the target probability rises when the image is multiplied by the min-max scaled absolute map; higher is more faithful.
	 *
	 * @param <T> the pixel type
	 * @param <M> the map type
	 * @param model the classifier, as opened by explain.model.open
	 * @param image the image the map explains: X, Y[, channel][, slice]; only read
	 * @param map the map of that image, as an explain.attribution op returns it (X, Y[, slice])
	 * @param target the class the map explains (index from 0); null or negative: the class predicted for each image (nullable)
	 * @return the score per image and their mean
	 * @implNote op names='explain.metrics.increase_in_confidence'
	 */
	public static <T extends RealType<T>, M extends RealType<M>> MetricResult increaseInConfidence(Classifier model, RandomAccessibleInterval<T> image,
		RandomAccessibleInterval<M> map, Integer target) {
		return mapMetric(MapMetrics.masked(MaskedConfidence.Kind.INCREASE_IN_CONFIDENCE), model, image, map, target);
	}

	/**
	 * Complexity (Bhatt et al. 2020): the entropy of the absolute map as a distribution over pixels; lower is simpler.
	 *
	 * @param <T> the pixel type
	 * @param <M> the map type
	 * @param model the classifier, as opened by explain.model.open
	 * @param image the image the map explains: X, Y[, channel][, slice]; only read
	 * @param map the map of that image, as an explain.attribution op returns it (X, Y[, slice])
	 * @param target the class the map explains (index from 0); null or negative: the class predicted for each image (nullable)
	 * @return the score per image and their mean
	 * @implNote op names='explain.metrics.complexity'
	 */
	public static <T extends RealType<T>, M extends RealType<M>> MetricResult complexity(Classifier model, RandomAccessibleInterval<T> image,
		RandomAccessibleInterval<M> map, Integer target) {
		return mapMetric(MapMetrics.statistic(MapStatistics.Kind.COMPLEXITY), model, image, map, target);
	}

	/**
	 * Sparseness (Chalasani et al. 2020): the Gini index of the absolute map; higher is sparser.
	 *
	 * @param <T> the pixel type
	 * @param <M> the map type
	 * @param model the classifier, as opened by explain.model.open
	 * @param image the image the map explains: X, Y[, channel][, slice]; only read
	 * @param map the map of that image, as an explain.attribution op returns it (X, Y[, slice])
	 * @param target the class the map explains (index from 0); null or negative: the class predicted for each image (nullable)
	 * @return the score per image and their mean
	 * @implNote op names='explain.metrics.sparseness'
	 */
	public static <T extends RealType<T>, M extends RealType<M>> MetricResult sparseness(Classifier model, RandomAccessibleInterval<T> image,
		RandomAccessibleInterval<M> map, Integer target) {
		return mapMetric(MapMetrics.statistic(MapStatistics.Kind.SPARSENESS), model, image, map, target);
	}

	private static <T extends RealType<T>, M extends RealType<M>> MetricResult mapMetric(Metric metric, Classifier model,
		RandomAccessibleInterval<T> image, RandomAccessibleInterval<M> map, Integer target) {
		OpImages.Batch batch = OpImages.read(model, image);
		// these metrics score a given map (MapMetrics builds them as Metric.OfMaps)
		return ((Metric.OfMaps) metric).evaluate(model, batch.tensor(), attribution(model, batch, map, target), Progress.NONE);
	}

	private static <M extends RealType<M>> Attribution attribution(Classifier model, OpImages.Batch batch, RandomAccessibleInterval<M> map,
		Integer target) {
		return new Attribution(OpImages.readMaps(map, batch), OpImages.resolvedTargets(model, batch, target), Map.of("method", "map"));
	}
}
