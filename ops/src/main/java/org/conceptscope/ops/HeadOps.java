package org.conceptscope.ops;

import static org.conceptscope.ops.OpImages.orDefault;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import net.imglib2.RandomAccessibleInterval;
import net.imglib2.type.numeric.RealType;
import net.imglib2.type.numeric.real.FloatType;

import org.conceptscope.heads.BiIce;
import org.conceptscope.heads.HeadTrainer;
import org.conceptscope.heads.InfoDisent;
import org.conceptscope.heads.InterpretableHead;
import org.conceptscope.model.Classifier;
import org.conceptscope.registry.Registry;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.tensor.Resampling;
import org.conceptscope.train.TrainingOptions;
import org.conceptscope.util.Limits;
import org.conceptscope.util.Progress;

/**
 * Interpretable heads on a frozen backbone as SciJava Ops {@code explain.heads.*}, declared in
 * Javadoc like {@link AttributionOps}: training (defaults of the Train Interpretable Head command:
 * batch 32, learning rate 0.01, all images used for training), contributions and unit maps.
 */
public final class HeadOps {

	static final int BATCH = 32;
	static final double LEARNING_RATE = 0.01;

	private HeadOps() {}

	/**
	 * Trains an InfoDisent head (Struski et al. 2024) on a spatial layer of the model for labelled images: parts found in the
	 * feature map of the layer, each part contributing to the class logits.
	 *
	 * @param <T> the pixel type
	 * @param model the backbone, as opened by explain.model.open; it stays frozen
	 * @param images the training images: X, Y[, channel][, slice] (channels when the model takes several); only read
	 * @param labels the class index of each image, in slice order
	 * @param layer the spatial layer; null or empty: the last spatial layer (nullable)
	 * @param steps training steps; default 400 (nullable)
	 * @param seed seed of the initialisation and of the batches; default 42 (nullable)
	 * @return the trained head (save it with its save method)
	 * @implNote op names='explain.heads.infodisent'
	 */
	public static <T extends RealType<T>> InfoDisent infoDisent(Classifier model, RandomAccessibleInterval<T> images, List<Integer> labels,
		String layer, Integer steps, Long seed) {
		OpImages.Batch batch = OpImages.read(model, images);
		return InfoDisent.train(model, OpImages.layerOrLast(model, layer), batch.tensor(), OpImages.labels(labels, batch, model),
			new TrainingOptions(orDefault(steps, 400), BATCH, LEARNING_RATE, orDefault(seed, 42L)), Progress.NONE);
	}

	/**
	 * Trains a Bi-ICE head on a spatial layer of the model for labelled images: concepts and patch embeddings interacting
	 * both ways, each concept contributing to the class logits.
	 *
	 * @param <T> the pixel type
	 * @param model the backbone, as opened by explain.model.open; it stays frozen
	 * @param images the training images: X, Y[, channel][, slice] (channels when the model takes several); only read
	 * @param labels the class index of each image, in slice order
	 * @param layer the spatial layer; null or empty: the last spatial layer (nullable)
	 * @param concepts number of concepts; default 6 (nullable)
	 * @param steps training steps; default 400 (nullable)
	 * @param seed seed of the initialisation and of the batches; default 42 (nullable)
	 * @param iterations rounds of bidirectional binding; default 3, the published iterative binding (1: the static interaction) (nullable)
	 * @param dimension size of the shared concept and patch embedding; default 16 (nullable)
	 * @param sparsity weight of the L1 penalty on the directions of the concepts in the channels of the layer; default 0.01 (nullable)
	 * @return the trained head (save it with its save method)
	 * @implNote op names='explain.heads.bi_ice'
	 */
	public static <T extends RealType<T>> BiIce biIce(Classifier model, RandomAccessibleInterval<T> images, List<Integer> labels, String layer,
		Integer concepts, Integer steps, Long seed, Integer iterations, Integer dimension, Double sparsity) {
		Map<String, Object> given = new HashMap<>();
		if (concepts != null) given.put("concepts", concepts);
		if (iterations != null) given.put("iterations", iterations);
		if (dimension != null) given.put("dimension", dimension);
		if (sparsity != null) given.put("sparsity", sparsity);
		// the registry checks the values as Train Interpretable Head does, before the model runs
		HeadTrainer trainer = Registry.head("bi_ice", given);
		OpImages.Batch batch = OpImages.read(model, images);
		String l = OpImages.layerOrLast(model, layer);
		// a head too large for this machine is refused before the images go through the backbone, as Train Interpretable Head does
		org.conceptscope.registry.Values v = Registry.HEAD_PARAMETERS.values(given);
		BiIce.checkMemory(model, l, v.integer("concepts"), v.integer("dimension"), (int) batch.tensor().dim(0), BATCH, null);
		return (BiIce) trainer.train(BiIce.spatialActivations(model, l, batch.tensor(), "Bi-ICE"), l, OpImages.labels(labels, batch, model),
			model.numClasses(), new TrainingOptions(orDefault(steps, 400), BATCH, LEARNING_RATE, orDefault(seed, 42L)), Progress.NONE);
	}

	/**
	 * How much each part or concept of a head contributes to a class logit, per image.
	 *
	 * @param <T> the pixel type
	 * @param head the trained head (explain.heads.infodisent or explain.heads.bi_ice, or loaded)
	 * @param model the backbone the head was trained on
	 * @param image the image: X, Y[, channel][, slice] (channels when the model takes several); only read
	 * @param target the class (index from 0); null or negative: the class the head predicts for each image (nullable)
	 * @return per image, one contribution per part or concept
	 * @implNote op names='explain.heads.contributions'
	 */
	public static <T extends RealType<T>> double[][] contributions(InterpretableHead head, Classifier model, RandomAccessibleInterval<T> image,
		Integer target) {
		FloatTensor features = features(head, model, OpImages.read(model, image), 0);
		int n = (int) features.dim(0);
		double[][] logits = target == null || target < 0 ? head.logits(features) : null;
		double[][] out = new double[n][];
		for (int i = 0; i < n; i++) {
			int t = logits == null ? target : argmax(logits[i]);
			if (t >= head.numClasses()) throw new IllegalArgumentException("Class " + t + " does not exist; the head has " + head.numClasses() + ".");
			out[i] = head.contributions(features, i, t);
		}
		return out;
	}

	/**
	 * Where a part or concept of a head responds in each image, upsampled from the layer to the image.
	 *
	 * @param <T> the pixel type
	 * @param head the trained head (explain.heads.infodisent or explain.heads.bi_ice, or loaded)
	 * @param model the backbone the head was trained on
	 * @param image the image: X, Y[, channel][, slice] (channels when the model takes several); only read
	 * @param unit the part or concept (index from 0)
	 * @return one map per image, the size of the image in X and Y (X, Y for one image; X, Y, slice for a stack)
	 * @implNote op names='explain.heads.unit_maps'
	 */
	public static <T extends RealType<T>> RandomAccessibleInterval<FloatType> unitMaps(InterpretableHead head, Classifier model,
		RandomAccessibleInterval<T> image, Integer unit) {
		OpImages.Batch batch = OpImages.read(model, image);
		if (head != null && (unit == null || unit < 0 || unit >= head.units())) {
			throw new IllegalArgumentException("Unit " + unit + " does not exist; the head has " + head.units() + " (0.." + (head.units() - 1) + ").");
		}
		// each image's map at the layer, then at the image's size and its copy into the result
		int[] f = head == null ? new int[3] : head.featureShape();
		FloatTensor features = features(head, model, batch, 4L * f[0] * f[1] + 8L * batch.tensor().dim(1) * batch.tensor().dim(2));
		FloatTensor maps = head.unitMaps(features, unit);
		return OpImages.maps(Resampling.bilinear(maps, (int) batch.tensor().dim(1), (int) batch.tensor().dim(2)), batch.stack());
	}

	/**
	 * The images' feature maps at the head's layer, once the heap is known to hold them, one image's evaluation and
	 * {@code outputPerImage} bytes an image (checked before the backbone runs).
	 */
	private static FloatTensor features(InterpretableHead head, Classifier model, OpImages.Batch batch, long outputPerImage) {
		if (head == null) throw new IllegalArgumentException("No head given: train one (explain.heads.infodisent, explain.heads.bi_ice) or load one.");
		int n = (int) batch.tensor().dim(0);
		long fixed = head.explanationBytes(0);
		Limits.checkImagesHeap("The " + n + " image(s)", n, fixed, head.explanationBytes(1) - fixed + outputPerImage, head.featureMapsNote(),
			"images at a time");
		FloatTensor f = model.activations(batch.tensor(), head.layer());
		head.checkFeatures(f);
		return f;
	}

	private static int argmax(double[] v) {
		int best = 0;
		for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
		return best;
	}
}
