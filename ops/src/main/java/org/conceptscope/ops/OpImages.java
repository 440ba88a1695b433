package org.conceptscope.ops;

import java.util.Arrays;
import java.util.List;

import net.imglib2.RandomAccessibleInterval;
import net.imglib2.img.Img;
import net.imglib2.img.array.ArrayImgs;
import net.imglib2.type.numeric.RealType;
import net.imglib2.type.numeric.real.FloatType;

import org.conceptscope.attribution.Attribution;
import org.conceptscope.attribution.AttributionMethod;
import org.conceptscope.model.Classifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.tensor.ImageAxes;
import org.conceptscope.tensor.ImageTensors;
import org.conceptscope.tensor.Normalization;

/**
 * How the ops read images and return maps, the same for every op.
 * <p>
 * <b>Images in.</b> Dimensions are read in ImageJ's order: X, Y, then channels when the model
 * takes more than one channel, then images (slices). So for a one-channel model a 3D image is a
 * stack of images; for a three-channel model it is one image whose third dimension must hold the
 * three channels. Pixels are only read, and normalised as the model's card declares.
 * <p>
 * <b>Maps out.</b> One float map per image, with the image's X and Y: a 2D image gives a 2D map,
 * a stack gives a stack of maps (X, Y, image).
 */
public final class OpImages {

	private OpImages() {}

	/** A batch read from an image, and whether the image was a stack. */
	public record Batch(FloatTensor tensor, boolean stack) {}

	/** Reads an image as the model's normalised input batch (see the class comment for the axes). */
	public static <T extends RealType<T>> Batch read(Classifier model, RandomAccessibleInterval<T> image) {
		if (model == null) throw new IllegalArgumentException("No model given: open one first (explain.model.open).");
		if (image == null) throw new IllegalArgumentException("No image given.");
		long channels = model.signature().channels();
		int n = image.numDimensions();
		ImageAxes axes;
		if (channels <= 1) {
			axes = switch (n) {
				case 2 -> ImageAxes.XY;
				case 3 -> ImageAxes.XYB;
				default -> throw new IllegalArgumentException("The model takes one channel, so the image must be X, Y or X, Y, slice; it has "
					+ n + " dimensions " + Arrays.toString(image.dimensionsAsLongArray()) + ".");
			};
		} else {
			axes = switch (n) {
				case 3 -> ImageAxes.XYC;
				case 4 -> ImageAxes.XYCB;
				default -> throw new IllegalArgumentException("The model takes " + channels + " channels, so the image must be X, Y, channel"
					+ " or X, Y, channel, slice; it has " + n + " dimensions " + Arrays.toString(image.dimensionsAsLongArray()) + ".");
			};
			if (image.dimension(2) != channels) {
				throw new IllegalArgumentException("The model takes " + channels + " channels but the image's third dimension (channels) has "
					+ image.dimension(2) + ".");
			}
		}
		return new Batch(ImageTensors.toTensor(image, axes, model.normalization()), axes.batch() >= 0);
	}

	/** One target per image: the given class index for all, or each image's predicted class when null or negative. */
	public static int[] targets(Classifier model, Batch batch, Integer target) {
		int[] t = new int[(int) batch.tensor().dim(0)];
		int value = target == null || target < 0 ? AttributionMethod.PREDICTED : target;
		AttributionMethod.checkTarget(model, value);
		Arrays.fill(t, value);
		return t;
	}

	/** The maps [N, H, W] as an image: X, Y for one image, X, Y, image for a stack. */
	public static RandomAccessibleInterval<FloatType> maps(FloatTensor maps, boolean stack) {
		Img<FloatType> img = ImageTensors.toImage(maps);
		if (stack) return img;
		long[] s = maps.shape();
		if (s[0] != 1) throw new IllegalStateException("One image gave " + s[0] + " maps.");
		return ArrayImgs.floats(maps.data().clone(), s[2], s[1]);
	}

	/** The attribution's maps as an image (see {@link #maps(FloatTensor, boolean)}). */
	public static RandomAccessibleInterval<FloatType> maps(Attribution attribution, boolean stack) {
		return maps(attribution.maps(), stack);
	}

	/**
	 * Maps given as an image (X, Y for one image; X, Y, slice for a stack, as the attribution ops
	 * return them) as a [N, H, W] tensor matching a batch.
	 */
	public static <M extends RealType<M>> FloatTensor readMaps(RandomAccessibleInterval<M> maps, Batch batch) {
		if (maps == null) throw new IllegalArgumentException("No map given: pass the output of an explain.attribution op.");
		long[] s = batch.tensor().shape();
		long[] expected = batch.stack() ? new long[] { s[2], s[1], s[0] } : new long[] { s[2], s[1] };
		if (!Arrays.equals(maps.dimensionsAsLongArray(), expected)) {
			throw new IllegalArgumentException("The map is " + Arrays.toString(maps.dimensionsAsLongArray()) + " but the image needs "
				+ Arrays.toString(expected) + " (X, Y" + (batch.stack() ? ", slice" : "") + "): pass the map computed for this image.");
		}
		return ImageTensors.toTensor(maps, batch.stack() ? ImageAxes.XYB : ImageAxes.XY, new Normalization.None()).reshape(s[0], s[1], s[2]);
	}

	/** Maps [N, H, W, k] as an image X, Y, k for one image, X, Y, k, image for a stack. */
	public static RandomAccessibleInterval<FloatType> channelMaps(FloatTensor maps, boolean stack) {
		long[] s = maps.shape();
		int n = (int) s[0], h = (int) s[1], w = (int) s[2], k = (int) s[3];
		if (!stack && n != 1) throw new IllegalStateException("One image gave " + n + " sets of maps.");
		float[] src = maps.data(), dst = new float[src.length];
		for (int i = 0; i < n; i++) for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) for (int q = 0; q < k; q++) {
			dst[x + w * (y + h * (q + k * i))] = src[((i * h + y) * w + x) * k + q];
		}
		return stack ? ArrayImgs.floats(dst, w, h, k, n) : ArrayImgs.floats(dst, w, h, k);
	}

	/** The predicted class of each image, or the given class for all (checked). */
	public static int[] resolvedTargets(Classifier model, Batch batch, Integer target) {
		int[] t = targets(model, batch, target);
		if (t.length > 0 && t[0] == AttributionMethod.PREDICTED) return model.logits(batch.tensor()).argmaxRows();
		return t;
	}

	/** One class index per image of the batch, each a class of the model. */
	static int[] labels(List<Integer> labels, Batch batch, Classifier model) {
		int n = (int) batch.tensor().dim(0);
		if (labels == null || labels.size() != n) {
			throw new IllegalArgumentException("Give one label per image: " + n + " images, " + (labels == null ? 0 : labels.size()) + " labels.");
		}
		int[] out = new int[n];
		for (int i = 0; i < n; i++) {
			Integer l = labels.get(i);
			if (l == null) throw new IllegalArgumentException("Label " + i + " is missing.");
			if (l < 0 || l >= model.numClasses()) {
				throw new IllegalArgumentException("Label " + i + " is " + l + ", not a class of the model: give 0.." + (model.numClasses() - 1) + " "
					+ model.classNames() + ".");
			}
			out[i] = l;
		}
		return out;
	}

	/** The class most images are predicted as when no class is given. */
	static int majorityTarget(Classifier model, Batch batch, Integer target) {
		int[] t = targets(model, batch, target);
		return t[0] == AttributionMethod.PREDICTED ? org.conceptscope.concepts.Craft.majorityClass(model, batch.tensor()) : t[0];
	}

	/** The layer asked for, or the last spatial layer when none is given. */
	static String layerOrLast(Classifier model, String layer) {
		return layer == null || layer.isBlank() ? org.conceptscope.attribution.GradCam.lastSpatialLayer(model) : layer.trim();
	}

	/** The model as a TensorFlow SavedModel, which graph-reading methods need. */
	static org.conceptscope.model.TensorFlowClassifier tensorFlow(Classifier model, String what) {
		if (model instanceof org.conceptscope.model.TensorFlowClassifier tf) return tf;
		throw new IllegalArgumentException(what + " reads the graph of a TensorFlow SavedModel; " + model.name()
			+ " is not one: open a SavedModel folder.");
	}

	static int orDefault(Integer v, int d) {
		return v == null ? d : v;
	}

	static long orDefault(Long v, long d) {
		return v == null ? d : v;
	}

	static double orDefault(Double v, double d) {
		return v == null ? d : v;
	}

	static boolean orDefault(Boolean v, boolean d) {
		return v == null ? d : v;
	}

	static String orDefault(String v, String d) {
		return v == null || v.isBlank() ? d : v;
	}
}
