package org.conceptscope.tensor;

import java.util.List;
import java.util.Locale;


/**
 * Values of an image that a normalisation's cast to an integer type ({@link Normalization.Cast}: a bioimage.io
 * {@code ensure_dtype}, e.g. to {@code uint8}) wraps: values whose integer part lies outside the type's range, which
 * the cast takes modulo 2^bits as numpy's {@code astype} and bioimageio.core do (a 16-bit value 300 fed to a uint8
 * model becomes 44). The cast itself is the model's (documented, as in bioimageio.core); this only measures it so that
 * a run can say so in one line. Nothing is written to the image: the values are read into a copy.
 *
 * @param dtype  the type cast to
 * @param count  values outside its range, before the cast
 * @param values values checked
 * @param min    the smallest value checked before the cast (NaN left out)
 * @param max    the largest
 */
public record CastOverflow(String dtype, long count, long values, double min, double max) {

	/** Rows read at a time when the steps before the cast treat each pixel on its own. */
	static final int BAND = 64;

	/**
	 * Values of one image (height x width x channels) read whole at most, when a step before the cast takes statistics
	 * from the whole image ({@code percentile}, {@code zero_mean_unit_variance}): a larger image is not checked, since
	 * its copy alone (4 bytes a value) could take the memory the run needs; band by band, any size is checked.
	 */
	public static final long WHOLE_IMAGE_VALUES = 1L << 26;

	/** The smallest value the type holds (bool: 0). */
	public static double lowest(String dtype) {
		int bits = Normalization.Cast.BITS.get(dtype);
		return dtype.startsWith("u") || dtype.equals("bool") ? 0 : -Math.pow(2, bits - 1);
	}

	/** The largest value the type holds (bool: 1). */
	public static double highest(String dtype) {
		int bits = Normalization.Cast.BITS.get(dtype);
		return dtype.startsWith("u") || dtype.equals("bool") ? Math.pow(2, bits) - 1 : Math.pow(2, bits - 1) - 1;
	}

	/** Whether the normalisation casts to an integer type at all. */
	public static boolean casts(Normalization n) {
		return steps(n).stream().anyMatch(s -> s instanceof Normalization.Cast);
	}

	/**
	 * The first cast of the normalisation that wraps values of image {@code image} of a source (the steps before it
	 * applied as the model applies them), or null when no cast wraps any value, or when a step before the cast takes
	 * statistics from the whole image and the image has more than {@value #WHOLE_IMAGE_VALUES} values (not checked: the
	 * copy is bounded before it is made).
	 */
	public static CastOverflow of(TileSource source, int image, Normalization normalization) {
		List<Normalization> steps = steps(normalization);
		int last = -1;
		for (int i = 0; i < steps.size(); i++) if (steps.get(i) instanceof Normalization.Cast) last = i;
		if (last < 0) return null;
		int h = source.height(), w = source.width(), c = source.channels();
		Normalization before = last == 0 ? new Normalization.None() : new Normalization.Steps(steps.subList(0, last));
		boolean pointwise = Normalization.pointwise(before, source.typeMax());
		if (!pointwise && (long) h * w * c > WHOLE_IMAGE_VALUES) return null;
		int band = pointwise ? Math.min(BAND, h) : h;
		CastOverflow first = null;
		long[] counts = new long[steps.size()], values = new long[steps.size()];
		double[] mins = new double[steps.size()], maxs = new double[steps.size()];
		java.util.Arrays.fill(mins, Double.POSITIVE_INFINITY);
		java.util.Arrays.fill(maxs, Double.NEGATIVE_INFINITY);
		float[] rows = new float[band * w * c];
		for (int y = 0; y < h; y += band) {
			int n = Math.min(band, h - y);
			float[] part = n == band ? rows : new float[n * w * c];
			source.read(image, y, 0, n, w, part);
			for (int i = 0; i <= last; i++) {
				Normalization s = steps.get(i);
				if (s instanceof Normalization.Cast cast) {
					double lo = lowest(cast.dtype()), hi = highest(cast.dtype());
					for (float v : part) {
						if (Float.isNaN(v)) continue;
						values[i]++;
						mins[i] = Math.min(mins[i], v);
						maxs[i] = Math.max(maxs[i], v);
						double t = v < 0 ? Math.ceil(v) : Math.floor(v);
						if (t < lo || t > hi) counts[i]++;
					}
				}
				s.apply(part, c, i == 0 ? source.typeMax() : Double.NaN);
			}
		}
		for (int i = 0; i <= last && first == null; i++) {
			if (counts[i] > 0) first = new CastOverflow(((Normalization.Cast) steps.get(i)).dtype(), counts[i], values[i], mins[i], maxs[i]);
		}
		return first;
	}

	/** The steps of a normalisation, one after the other. */
	static List<Normalization> steps(Normalization n) {
		return n instanceof Normalization.Steps s ? s.steps() : List.of(n);
	}

	/**
	 * One sentence for the Log: what is cast, how many values wrap, what to do.
	 *
	 * @param what the image, e.g. "The image 'cells.tif'"
	 */
	public String sentence(String what) {
		return String.format(Locale.ROOT, "%s has values from %s to %s that the model's preprocessing casts to %s (ensure_dtype): %d of %d"
			+ " lie outside %s to %s and wrap modulo %s as in bioimageio.core (e.g. %s becomes %s), so the model sees other values than"
			+ " the image holds; convert the image to %s first (Image > Type, which scales by the display range).", what, number(min),
			number(max), dtype, count, values, number(lowest(dtype)), number(highest(dtype)), dtype.equals("bool") ? "2 (any value but 0 is 1)"
				: number(Math.pow(2, Normalization.Cast.BITS.get(dtype))), number(example()), number(new Normalization.Cast(dtype).cast(example())), dtype);
	}

	/** A value of the image that wraps: its largest when that one does, else its smallest. */
	private double example() {
		double t = max < 0 ? Math.ceil(max) : Math.floor(max);
		return t > highest(dtype) ? t : min < 0 ? Math.ceil(min) : Math.floor(min);
	}

	private static String number(double v) {
		return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : String.format(Locale.ROOT, "%.4g", v);
	}
}
