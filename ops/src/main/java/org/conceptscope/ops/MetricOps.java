package org.conceptscope.ops;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import net.imglib2.RandomAccessibleInterval;
import net.imglib2.type.numeric.RealType;

import org.conceptscope.attribution.Attribution;
import org.conceptscope.attribution.AttributionMethod;
import org.conceptscope.attribution.RandomBaseline;
import org.conceptscope.metrics.MapMetrics;
import org.conceptscope.metrics.MapStatistics;
import org.conceptscope.metrics.MaskedConfidence;
import org.conceptscope.metrics.MegeReco;
import org.conceptscope.metrics.Metric;
import org.conceptscope.metrics.MetricResult;
import org.conceptscope.model.Classifier;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.registry.Family;
import org.conceptscope.registry.Parameters;
import org.conceptscope.registry.Registry;
import org.conceptscope.registry.Values;
import org.conceptscope.train.CnnArchitecture;
import org.conceptscope.train.TrainingOptions;
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
	 * @param steps number of deletion steps (as in Xplique); default 10 (nullable)
	 * @param seed seed of the order of pixels of equal attribution; default 42 (nullable)
	 * @return the area under the curve per image, their mean and the curves
	 * @implNote op names='explain.metrics.deletion'
	 */
	public static <T extends RealType<T>, M extends RealType<M>> MetricResult deletion(Classifier model, RandomAccessibleInterval<T> image,
		RandomAccessibleInterval<M> map, Integer target, Integer steps, Long seed) {
		return mapMetric(metric("deletion", "steps", steps, "seed", seed), model, image, map, target);
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
	 * @param steps number of insertion steps (as in Xplique); default 10 (nullable)
	 * @param seed seed of the order of pixels of equal attribution; default 42 (nullable)
	 * @return the area under the curve per image, their mean and the curves
	 * @implNote op names='explain.metrics.insertion'
	 */
	public static <T extends RealType<T>, M extends RealType<M>> MetricResult insertion(Classifier model, RandomAccessibleInterval<T> image,
		RandomAccessibleInterval<M> map, Integer target, Integer steps, Long seed) {
		return mapMetric(metric("insertion", "steps", steps, "seed", seed), model, image, map, target);
	}

	/**
	 * MuFidelity (Bhatt et al. 2020): the correlation, over random subsets of 20 percent of the cells of a grid (9 x 9 as in Xplique), between
	 * the map mass of the subset and the drop of the target logit when the subset is set to 0; higher is more faithful.
	 *
	 * @param <T> the pixel type
	 * @param <M> the map type
	 * @param model the classifier, as opened by explain.model.open
	 * @param image the image the map explains: X, Y[, channel][, slice]; only read
	 * @param map the map of that image, as an explain.attribution op returns it (X, Y[, slice])
	 * @param target the class the map explains (index from 0); null or negative: the class predicted for each image (nullable)
	 * @param samples number of random subsets (as in Xplique); default 200 (nullable)
	 * @param seed seed of the subsets; default 42 (nullable)
	 * @param grid cells per side of the grid (as in Xplique), at most the smaller side of the model input; default 9 (nullable)
	 * @return the correlation per image and their mean
	 * @implNote op names='explain.metrics.mufidelity'
	 */
	public static <T extends RealType<T>, M extends RealType<M>> MetricResult muFidelity(Classifier model, RandomAccessibleInterval<T> image,
		RandomAccessibleInterval<M> map, Integer target, Integer samples, Long seed, Integer grid) {
		return mapMetric(metric("mufidelity", "samples", samples, "seed", seed, "grid", grid), model, image, map, target);
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

	/**
	 * Sanity check by weight randomisation (Adebayo et al. 2018): per image, the Spearman rank correlation between the absolute
	 * maps of a method on the model and on a copy of the model whose weights are drawn at random from the seed (each variable at
	 * the scale of its trained values); both explain the class the model predicts or the target. Lower is better: a map that
	 * survives random weights shows the image, not what the model learned.
	 *
	 * @param <T> the pixel type
	 * @param model a TensorFlow SavedModel classifier, as opened by explain.model.open
	 * @param image the images to explain: X, Y[, channel][, slice] (channels when the model takes several); only read
	 * @param method the attribution method checked, by the name its explain.attribution op ends with (saliency, integrated_gradients and so on), with the defaults of that op
	 * @param target the class to explain (index from 0); null or negative: the class the model predicts for each image (nullable)
	 * @param seed seed of the random weights; default 42 (nullable)
	 * @param cascade randomise the layers one more at a time, the layer nearest the logits first (the cascade of Adebayo et al.); default false (nullable)
	 * @param independent randomise one layer at a time, the others keeping their trained weights (the independent randomisation of Adebayo et al.); not with cascade; default false (nullable)
	 * @return the correlation per image and their mean, with every layer randomised; with cascade or independent the metadata has the layers in step order (steps) and each step's mean Spearman of the absolute maps, of the signed maps, SSIM and HOG correlation (step_spearman_abs, step_spearman, step_ssim, step_hog), separated by commas
	 * @implNote op names='explain.metrics.sanity'
	 */
	public static <T extends RealType<T>> MetricResult sanity(Classifier model, RandomAccessibleInterval<T> image, String method, Integer target,
		Long seed, Boolean cascade, Boolean independent) {
		OpImages.tensorFlow(model, "The sanity check");
		return methodMetric("sanity", model, image, method, target, "seed", seed, "cascade", cascade, "independent", independent);
	}

	/**
	 * Average stability (Bhatt et al. 2020, average sensitivity, as Xplique computes it): each image is explained again with noise
	 * uniform in [0, radius) added, for the same class, and the value is the mean distance between its map and the maps of these
	 * neighbours. Lower is better: nearby inputs get nearby explanations.
	 *
	 * @param <T> the pixel type
	 * @param model the classifier, as opened by explain.model.open
	 * @param image the images to explain: X, Y[, channel][, slice] (channels when the model takes several); only read
	 * @param method the attribution method, by the name its explain.attribution op ends with (saliency, integrated_gradients and so on), with the defaults of that op
	 * @param target the class to explain (index from 0); null or negative: the class the model predicts for each image (nullable)
	 * @param radius noise radius in normalised input units; default 0.1 (nullable)
	 * @param neighbours noisy neighbours per image; default 20 (nullable)
	 * @param distance l2 or l1 distance between two maps; default l2 (nullable)
	 * @param seed seed of the noise; default 42 (nullable)
	 * @return the mean distance per image and their mean
	 * @implNote op names='explain.metrics.stability'
	 */
	public static <T extends RealType<T>> MetricResult stability(Classifier model, RandomAccessibleInterval<T> image, String method,
		Integer target, Double radius, Integer neighbours, String distance, Long seed) {
		return methodMetric("stability", model, image, method, target, "radius", radius, "neighbours", neighbours, "distance", distance,
			"seed", seed);
	}

	/**
	 * Random logit (Adebayo et al. 2018; Sixt et al. 2020, as Xplique computes it): each image is explained again for a class
	 * drawn at random among the other classes, and the value is the structural similarity (SSIM) of the two maps. Lower is better:
	 * a map that does not change with the class explains no class.
	 *
	 * @param <T> the pixel type
	 * @param model the classifier (at least two classes), as opened by explain.model.open
	 * @param image the images to explain: X, Y[, channel][, slice] (channels when the model takes several); only read
	 * @param method the attribution method, by the name its explain.attribution op ends with (saliency, integrated_gradients and so on), with the defaults of that op
	 * @param target the class to explain (index from 0); null or negative: the class the model predicts for each image (nullable)
	 * @param seed seed of the other classes; default 42 (nullable)
	 * @return the similarity per image and their mean
	 * @implNote op names='explain.metrics.random_logit'
	 */
	public static <T extends RealType<T>> MetricResult randomLogit(Classifier model, RandomAccessibleInterval<T> image, String method,
		Integer target, Long seed) {
		return methodMetric("random_logit", model, image, method, target, "seed", seed);
	}

	/** Adam batch size and learning rate of the models MeGe/ReCo train: those the bundled models were trained with. */
	public static final int MEGE_BATCH = 32;
	public static final double MEGE_LEARNING_RATE = 0.003;

	/**
	 * MeGe and ReCo (Fel et al. 2022): k models of the architecture of the model are trained, each on all folds of the labelled
	 * images but one; each image is explained (for its label) by the model that never saw it and by the others. MeGe, in 0.5 to 1,
	 * is high when the maps of models that are right agree; ReCo, in 0 to 1, is how well the distance between two maps tells a
	 * right model from a wrong one.
	 *
	 * @param <T> the pixel type
	 * @param model a TensorFlow SavedModel classifier, as opened by explain.model.open; it gives the architecture, input, normalisation and classes, not its weights
	 * @param images the labelled images: X, Y[, channel], slice (channels when the model takes several); only read
	 * @param labels the class index of each image, in slice order
	 * @param methods attribution methods compared, by the names their explain.attribution ops end with, separated by commas, random for random maps; default saliency,integrated_gradients,random (nullable)
	 * @param folds number of folds, one model trained on all but each; default 4 (nullable)
	 * @param architecture the architecture of the models trained; null or empty: the one the model records (nullable)
	 * @param training_steps training steps per fold model; default 300 (nullable)
	 * @param seed seed of the folds, the initial weights and random maps; default 42 (nullable)
	 * @return per method MeGe, ReCo, the numbers of pairs behind them and the accuracy of each fold model on its held-out images
	 * @implNote op names='explain.metrics.mege_reco'
	 */
	public static <T extends RealType<T>> List<MegeReco.Result> megeReco(Classifier model, RandomAccessibleInterval<T> images,
		List<Integer> labels, String methods, Integer folds, String architecture, Integer training_steps, Long seed) {
		TensorFlowClassifier tf = OpImages.tensorFlow(model, "MeGe/ReCo");
		Map<String, Object> given = new HashMap<>();
		put(given, "methods", methods, "folds", folds, "architecture", architecture, "training_steps", training_steps, "seed", seed);
		Values v = Registry.METRIC_PARAMETERS.values(given);
		Parameters.fail(Registry.METRIC_PARAMETERS.problems(v, "mege_reco"));
		CnnArchitecture arch = MegeReco.architectureFor(tf, v.text("architecture"));
		OpImages.Batch batch = OpImages.read(model, images);
		int[] y = OpImages.labels(labels, batch, model);
		List<AttributionMethod> list = new ArrayList<>();
		for (String name : v.text("methods").split(",")) {
			String key = name.trim();
			if (key.isEmpty()) continue;
			list.add(key.equals(RandomBaseline.NAME) ? new RandomBaseline(v.longValue("seed")) : Registry.attribution(key, Map.of()));
		}
		if (list.isEmpty()) throw new IllegalArgumentException("No attribution method given to MeGe/ReCo: e.g. saliency,integrated_gradients,random.");
		long s = v.longValue("seed");
		return new MegeReco(arch, new TrainingOptions(v.integer("training_steps"), MEGE_BATCH, MEGE_LEARNING_RATE, s), v.integer("folds"))
			.evaluate(batch.tensor(), y, list, Progress.NONE);
	}

	/** A registry metric that explains with a method itself; left-out settings take the registry defaults. */
	private static <T extends RealType<T>> MetricResult methodMetric(String key, Classifier model, RandomAccessibleInterval<T> image,
		String method, Integer target, Object... keyValues) {
		if (method == null || method.isBlank()) {
			throw new IllegalArgumentException("Give the attribution method " + key + " evaluates, e.g. saliency; methods: "
				+ String.join(", ", Registry.keys(Family.ATTRIBUTION)) + ".");
		}
		AttributionMethod m = Registry.attribution(method.trim(), Map.of());
		Metric metric = metric(key, keyValues);
		OpImages.Batch batch = OpImages.read(model, image);
		return metric.evaluate(model, batch.tensor(), OpImages.targets(model, batch, target), m, Progress.NONE);
	}

	/** The registry metric {@code key} with the values given (key, value pairs; null: the default), checked as the command checks them. */
	private static Metric metric(String key, Object... keyValues) {
		Map<String, Object> given = new HashMap<>();
		put(given, keyValues);
		return Registry.metric(key, given);
	}

	private static void put(Map<String, Object> given, Object... keyValues) {
		for (int i = 0; i < keyValues.length; i += 2) if (keyValues[i + 1] != null) given.put((String) keyValues[i], keyValues[i + 1]);
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
