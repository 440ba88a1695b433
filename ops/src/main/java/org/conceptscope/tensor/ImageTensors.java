package org.conceptscope.tensor;

import net.imglib2.RandomAccess;
import net.imglib2.RandomAccessibleInterval;
import net.imglib2.img.Img;
import net.imglib2.img.array.ArrayImgs;
import net.imglib2.type.numeric.IntegerType;
import net.imglib2.type.numeric.RealType;
import net.imglib2.type.numeric.real.FloatType;
import net.imglib2.util.Util;

/** Converts imglib2 images to model input tensors and explanation maps back to images. */
public final class ImageTensors {

	private ImageTensors() {}

	/**
	 * Reads an image (2D, multi-channel, stack) into a normalised NHWC batch. The image is only
	 * read, never written. Integer types are normalised with their type range, floats by value.
	 */
	public static <T extends RealType<T>> FloatTensor toTensor(RandomAccessibleInterval<T> image, ImageAxes axes,
		Normalization normalization) {
		if (image.numDimensions() != axes.rank()) {
			throw new IllegalArgumentException("The image has " + image.numDimensions() + " dimensions but axes " + axes
				+ " describe " + axes.rank() + ".");
		}
		int w = dim(image, axes.x()), h = dim(image, axes.y());
		int c = axes.channel() < 0 ? 1 : dim(image, axes.channel());
		int n = axes.batch() < 0 ? 1 : dim(image, axes.batch());
		if (w < 1 || h < 1 || c < 1 || n < 1) throw new IllegalArgumentException("The image is empty.");
		T type = Util.getTypeFromInterval(image);
		double typeMax = type instanceof IntegerType ? type.getMaxValue() : Double.NaN;
		long size = (long) n * h * w * c;
		if (size > Integer.MAX_VALUE - 8) {
			throw new IllegalArgumentException("The batch has " + size + " values, more than one tensor holds; process fewer slices at a time.");
		}
		float[] data = new float[(int) size];
		int plane = h * w * c;
		RandomAccess<T> ra = image.randomAccess();
		long[] pos = new long[image.numDimensions()];
		for (int b = 0; b < n; b++) {
			float[] one = new float[plane];
			for (int y = 0; y < h; y++) {
				for (int x = 0; x < w; x++) {
					for (int ch = 0; ch < c; ch++) {
						pos[axes.x()] = image.min(axes.x()) + x;
						pos[axes.y()] = image.min(axes.y()) + y;
						if (axes.channel() >= 0) pos[axes.channel()] = image.min(axes.channel()) + ch;
						if (axes.batch() >= 0) pos[axes.batch()] = image.min(axes.batch()) + b;
						ra.setPosition(pos);
						one[(y * w + x) * c + ch] = ra.get().getRealFloat();
					}
				}
			}
			normalization.apply(one, c, typeMax);
			System.arraycopy(one, 0, data, b * plane, plane);
		}
		return new FloatTensor(new long[] { n, h, w, c }, data);
	}

	/** Maps [N, H, W] (or [N, H, W, 1]) as a float image X, Y, N: one plane per batch entry. */
	public static Img<FloatType> toImage(FloatTensor maps) {
		long[] s = maps.shape();
		if (!(s.length == 3 || (s.length == 4 && s[3] == 1))) {
			throw new IllegalArgumentException("Maps must be [N, H, W] or [N, H, W, 1], got " + maps + ".");
		}
		return ArrayImgs.floats(maps.data().clone(), s[2], s[1], s[0]);
	}

	private static int dim(RandomAccessibleInterval<?> image, int d) {
		long v = image.dimension(d);
		if (v > Integer.MAX_VALUE) throw new IllegalArgumentException("Dimension " + d + " is too large: " + v + ".");
		return (int) v;
	}
}
