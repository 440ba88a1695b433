package org.conceptscope.ops;

import static org.conceptscope.ops.OpImages.orDefault;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import net.imglib2.RandomAccessibleInterval;
import net.imglib2.type.numeric.RealType;
import net.imglib2.type.numeric.real.FloatType;

import org.conceptscope.concepts.ConceptAttributionMaps;
import org.conceptscope.concepts.ConceptBank;
import org.conceptscope.concepts.ConceptEstimator;
import org.conceptscope.concepts.ConceptLocalization;
import org.conceptscope.concepts.Craft;
import org.conceptscope.concepts.CraftOptions;
import org.conceptscope.concepts.CraftPerClass;
import org.conceptscope.concepts.HolisticConcepts;
import org.conceptscope.model.Classifier;
import org.conceptscope.registry.Registry;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;

/**
 * Concept discovery, importance and localization (CRAFT) as SciJava Ops {@code explain.concepts.*},
 * declared in Javadoc like {@link AttributionOps}; defaults are those of the Concept Discovery and
 * Concept Importance commands.
 */
public final class ConceptOps {

	/** NMF tolerance, iteration cap and example crops per concept, as the Concept Discovery command uses them. */
	static final double TOLERANCE = 1e-4;
	static final int MAX_ITERATIONS = 500, EXAMPLES = 6;

	private ConceptOps() {}

	/**
	 * CRAFT concept discovery (Fel et al. 2023): square crops of the images, resized to the model input, are passed up to a
	 * layer; a non-negative factorisation of their activations gives the concepts, and Sobol indices over the concepts give
	 * their importance for the class, as the Concept Discovery command does.
	 *
	 * @param <T> the pixel type
	 * @param model the classifier, as opened by explain.model.open
	 * @param images images of the class: X, Y[, channel][, slice] (channels when the model takes several); only read
	 * @param target the class whose concepts are extracted (index from 0); null or negative: the class predicted for most images (nullable)
	 * @param layer the layer that splits the model; null or empty: the last spatial layer (nullable)
	 * @param patch crop side in pixels; default 16 (nullable)
	 * @param stride step between crops in pixels; default 8 (nullable)
	 * @param concepts number of concepts; default 6 (nullable)
	 * @param designs Sobol designs for the importance; default 32 (nullable)
	 * @param seed seed of the factorisation and of the Sobol designs; default 42 (nullable)
	 * @return the concept bank: concept directions, importance, example crops (save it with its save method)
	 * @implNote op names='explain.concepts.craft'
	 */
	public static <T extends RealType<T>> ConceptBank craft(Classifier model, RandomAccessibleInterval<T> images, Integer target, String layer,
		Integer patch, Integer stride, Integer concepts, Integer designs, Long seed) {
		long s = orDefault(seed, 42L);
		ConceptEstimator sobol = sobol(designs, s); // checked before the images are read
		OpImages.Batch batch = OpImages.read(model, images);
		CraftOptions options = new CraftOptions(OpImages.layerOrLast(model, layer), orDefault(patch, 16), orDefault(stride, 8),
			orDefault(concepts, 6), s, TOLERANCE, MAX_ITERATIONS, EXAMPLES);
		ConceptBank bank = Craft.fit(model, batch.tensor(), OpImages.majorityTarget(model, batch, target), options, Progress.NONE);
		bank.importance = sobol.importance(model, bank, batch.tensor(), Progress.NONE);
		bank.importanceEstimator = "sobol";
		return bank;
	}

	/**
	 * Importance of each concept of a bank for its class on the images: total-order Sobol indices of random concept masks
	 * (sobol), gradient times coefficient in concept space (gradient), or the score drop when a concept is removed (deletion).
	 *
	 * @param <T> the pixel type
	 * @param model the classifier the bank was extracted from
	 * @param bank the concept bank, from explain.concepts.craft or loaded from concepts.json
	 * @param images the images: X, Y[, channel][, slice] (channels when the model takes several); only read
	 * @param estimator sobol, gradient or deletion; default sobol (nullable)
	 * @param designs Sobol designs (sobol only); default 32 (nullable)
	 * @param seed seed of the Sobol designs (sobol only); default 42 (nullable)
	 * @return one importance value per concept, in the order of the bank
	 * @implNote op names='explain.concepts.importance'
	 */
	public static <T extends RealType<T>> double[] importance(Classifier model, ConceptBank bank, RandomAccessibleInterval<T> images,
		String estimator, Integer designs, Long seed) {
		if (bank == null) throw new IllegalArgumentException("No concept bank given: run explain.concepts.craft or load concepts.json.");
		Map<String, Object> given = new HashMap<>();
		if (designs != null) given.put("designs", designs);
		if (seed != null) given.put("seed", seed);
		// the registry refuses an unknown estimator and values out of range, as Concept Importance does
		ConceptEstimator e = Registry.conceptEstimator(estimator == null || estimator.isBlank() ? "sobol" : estimator.trim(), given);
		OpImages.Batch batch = OpImages.read(model, images);
		return e.importance(model, bank, batch.tensor(), Progress.NONE);
	}

	/**
	 * Where each concept sits: the non-negative coefficient of each concept at every position of the layer of the bank,
	 * upsampled to the image.
	 *
	 * @param <T> the pixel type
	 * @param model the classifier the bank was extracted from
	 * @param bank the concept bank, from explain.concepts.craft or loaded from concepts.json
	 * @param image the image: X, Y[, channel][, slice] (channels when the model takes several); only read
	 * @return one map per concept and image, the size of the image in X and Y: X, Y, concept for one image; X, Y, concept, slice for a stack
	 * @implNote op names='explain.concepts.localize'
	 */
	public static <T extends RealType<T>> RandomAccessibleInterval<FloatType> localize(Classifier model, ConceptBank bank,
		RandomAccessibleInterval<T> image) {
		if (bank == null) throw new IllegalArgumentException("No concept bank given: run explain.concepts.craft or load concepts.json.");
		OpImages.Batch batch = OpImages.read(model, image);
		return OpImages.channelMaps(ConceptLocalization.localize(model, bank, batch.tensor()).maps(), batch.stack());
	}

	/**
	 * Concept attribution maps (Fel et al. 2023, CRAFT): where each concept of a bank lies in the image, at pixel resolution.
	 * The concept score (its coefficient averaged over the positions of the layer of the bank) is differentiated through the
	 * non-negative least squares solve by implicit differentiation and through the model to the input, then turned into a map.
	 * TensorFlow SavedModels only.
	 *
	 * @param <T> the pixel type
	 * @param model the classifier the bank was extracted from
	 * @param bank the concept bank, from explain.concepts.craft or loaded from concepts.json
	 * @param image the image: X, Y[, channel][, slice] (channels when the model takes several); only read
	 * @param rule gradient_x_input (signed, summed over channels) or saliency (largest absolute gradient over channels); default gradient_x_input (nullable)
	 * @return one map per concept and image, the size of the image in X and Y: X, Y, concept for one image; X, Y, concept, slice for a stack
	 * @implNote op names='explain.concepts.attribution_maps'
	 */
	public static <T extends RealType<T>> RandomAccessibleInterval<FloatType> attributionMaps(Classifier model, ConceptBank bank,
		RandomAccessibleInterval<T> image, String rule) {
		if (bank == null) throw new IllegalArgumentException("No concept bank given: run explain.concepts.craft or load concepts.json.");
		OpImages.Batch batch = OpImages.read(model, image);
		ConceptAttributionMaps.Rule r = ConceptAttributionMaps.Rule.of(orDefault(rule, "gradient_x_input"));
		FloatTensor x = batch.tensor();
		// before the first model pass; the input is read already, the result's copy of the maps is counted
		ConceptAttributionMaps.checkHeap(model, bank, "The " + x.dim(0) + " image(s)", x.dim(0), x.dim(1), x.dim(2), (int) x.dim(3),
			4L * x.dim(1) * x.dim(2) * bank.size(), "", "images at a time");
		return OpImages.channelMaps(ConceptAttributionMaps.maps(model, bank, batch.tensor(), r, Progress.NONE), batch.stack());
	}

	/**
	 * The holistic numbers of a bank on images (Fel et al. 2023, holistic concept framework): per-position concept importance
	 * (gradient times coefficient at each position of the layer), its mean per image, each concept prevalence (the fraction of
	 * images it dominates) and reliability (the fraction of the images it dominates that the model predicts as the class of
	 * the bank, for images known to be of that class).
	 *
	 * @param <T> the pixel type
	 * @param model the classifier the bank was extracted from
	 * @param bank the concept bank, from explain.concepts.craft or loaded from concepts.json
	 * @param images images of the class of the bank: X, Y[, channel][, slice] (channels when the model takes several); only read
	 * @return the summary: maps at the layer resolution, per image importance, prevalence, reliability
	 * @implNote op names='explain.concepts.holistic'
	 */
	public static <T extends RealType<T>> HolisticConcepts.Summary holistic(Classifier model, ConceptBank bank, RandomAccessibleInterval<T> images) {
		if (bank == null) throw new IllegalArgumentException("No concept bank given: run explain.concepts.craft or load concepts.json.");
		OpImages.Batch batch = OpImages.read(model, images);
		return HolisticConcepts.summarize(model, bank, batch.tensor(), HolisticConcepts.predictedAs(model, batch.tensor(), bank.classIndex));
	}

	/**
	 * CRAFT per class over a data set, as the CraftManager of Xplique: the images predicted as each class give that class its
	 * concepts, their Sobol importance and the holistic numbers (reliability when labels are given).
	 *
	 * @param <T> the pixel type
	 * @param model the classifier, as opened by explain.model.open
	 * @param images the data set: X, Y[, channel][, slice] (channels when the model takes several); only read
	 * @param labels the true class index of each image, in slice order; null: unknown, no reliability (nullable)
	 * @param classes the classes to explain, comma-separated indices; null or empty: every class among the labels, or every predicted class (nullable)
	 * @param per_class at most this many images per class; default 0, all (nullable)
	 * @param layer the layer that splits the model; null or empty: the last spatial layer (nullable)
	 * @param patch crop side in pixels; default 16 (nullable)
	 * @param stride step between crops in pixels; default 8 (nullable)
	 * @param concepts number of concepts per class; default 6 (nullable)
	 * @param designs Sobol designs for the importance; default 32 (nullable)
	 * @param seed seed of the factorisations and of the Sobol designs; default 42 (nullable)
	 * @return one entry per class: its index and name, the indices of its images, its concept bank and holistic summary
	 * @implNote op names='explain.concepts.craft_per_class'
	 */
	public static <T extends RealType<T>> List<CraftPerClass.ClassConcepts> craftPerClass(Classifier model, RandomAccessibleInterval<T> images,
		List<Integer> labels, String classes, Integer per_class, String layer, Integer patch, Integer stride, Integer concepts, Integer designs,
		Long seed) {
		sobol(designs, orDefault(seed, 42L)); // checked before the images are read
		OpImages.Batch batch = OpImages.read(model, images);
		int n = (int) batch.tensor().dim(0);
		int[] l = null;
		if (labels != null) {
			if (labels.size() != n) throw new IllegalArgumentException("Give one label per image: " + n + " images, " + labels.size() + " labels.");
			l = labels.stream().mapToInt(v -> {
				if (v == null) throw new IllegalArgumentException("A label is missing: give one class index per image.");
				return v;
			}).toArray();
		}
		int[] c = null;
		if (classes != null && !classes.isBlank()) {
			try {
				c = java.util.Arrays.stream(classes.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
			} catch (NumberFormatException e) {
				throw new IllegalArgumentException("classes must be comma-separated class indices such as 0,2; got " + classes + ".");
			}
		}
		CraftOptions options = new CraftOptions(OpImages.layerOrLast(model, layer), orDefault(patch, 16), orDefault(stride, 8),
			orDefault(concepts, 6), orDefault(seed, 42L), TOLERANCE, MAX_ITERATIONS, EXAMPLES);
		return CraftPerClass.fit(model, batch.tensor(), l, c, orDefault(per_class, 0), options, orDefault(designs, 32), Progress.NONE);
	}

	/** CRAFT's Sobol importance estimator from the registry: the designs checked as the commands check them. */
	private static ConceptEstimator sobol(Integer designs, long seed) {
		Map<String, Object> given = new HashMap<>();
		if (designs != null) given.put("designs", designs);
		given.put("seed", seed);
		return Registry.conceptEstimator("sobol", given);
	}
}
