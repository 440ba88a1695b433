package org.conceptscope.ops;

import java.util.Arrays;

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
		if (value >= model.numClasses()) {
			throw new IllegalArgumentException("Target class " + value + " does not exist; the model has classes 0.." + (model.numClasses() - 1)
				+ " " + model.classNames() + ".");
		}
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
