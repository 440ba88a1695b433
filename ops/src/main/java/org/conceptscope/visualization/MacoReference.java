package org.conceptscope.visualization;

import java.util.Random;
import java.util.concurrent.CancellationException;

import org.apache.commons.math3.linear.EigenDecomposition;
import org.apache.commons.math3.linear.MatrixUtils;
import org.conceptscope.model.InputValueRange;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.tensor.Resampling;
import org.conceptscope.util.Limits;
import org.conceptscope.util.Progress;

/**
 * MACO as its paper and Xplique's {@code maco} run it (Fel et al. 2023, "Unlocking feature
 * visualization for deeper networks with magnitude constrained optimization"): the phase of a
 * canvas larger than the model's input is optimised while its magnitude spectrum stays that of
 * real images. Per step:
 * <ol>
 * <li>the phase is standardised (mean 0, standard deviation 1 over all free phases);</li>
 * <li>the canvas is the real inverse transform of M e^{i phase} per channel, standardised (mean 0,
 * standard deviation 1 over all pixels and channels) and put through a sigmoid into a value
 * range: x = lo + (hi - lo) sigmoid(z); Xplique's {@code values_range} is the range the model takes
 * ({@link Reference#withRange}), measured on the reference images it is their 0.1st to 99.9th
 * percentile ({@link #valuesRange}: one outlier pixel does not stretch it);</li>
 * <li>{@code crops} square crops (32) are cut from it: centres normal around the canvas centre
 * (standard deviation 0.15 of its side), sides normal around the step's box size (standard
 * deviation 0.05, clipped to [0.05, 1]), the box size falling linearly from 0.5 to 0.05 over the
 * steps; each crop is resized bilinearly to the model's input (outside the canvas: 0, as
 * TensorFlow's crop_and_resize);</li>
 * <li>noise is added to every crop value: Gaussian with standard deviation {@code noise} (0.08)
 * plus uniform in [-noise/2, noise/2];</li>
 * <li>the objective's mean over the crops is raised by Keras's Nadam on the phase ({@link Nadam}: Xplique's
 * {@code tf.keras.optimizers.Nadam}, with its momentum schedule);</li>
 * <li>the transparency accumulates |d objective / d canvas|.</li>
 * </ol>
 * The magnitude is the mean magnitude spectrum of the user's reference images at their own size,
 * resized in frequency to the canvas's so textures keep their cycles per pixel ({@link #reference}), or, without references, the 1/f spectrum of natural images
 * ({@link #naturalSpectrum}). An RGB canvas is recoloured between the standardisation and the
 * sigmoid, as Xplique does: each pixel's channel vector z becomes z M. The phases of the channels
 * are independent, so without M the channels of the canvas are uncorrelated, unlike real images.
 * Without references M is Xplique's ImageNet matrix ({@link #IMAGENET_COLOURS}); with references it
 * is measured on them ({@link #colourMatrix}): the square root U sqrt(S) of their channel
 * covariance U S U^T, scaled so its longest column has length 1 (the rule that gives the ImageNet
 * matrix), so the canvas's channels correlate as the user's images do. {@link Reference#withColours}
 * changes or removes it.
 */
public final class MacoReference {

	/**
	 * The magnitude spectrum [C][H*W] of the canvas, the value range the canvas is squashed into (one for every channel,
	 * or channel c in its own where the range is per channel) and the colour matrix M [C][C] applied to every standardised
	 * pixel (row vector z M), or null for none.
	 */
	public record Reference(int height, int width, double[][] magnitude, InputValueRange range, double[][] colours) {

		public Reference {
			if (magnitude == null || range == null) throw new IllegalArgumentException("MACO's canvas needs its spectrum and its value range.");
			int c = magnitude.length;
			if (colours != null && (colours.length != c || java.util.Arrays.stream(colours).anyMatch(r -> r.length != c))) {
				throw new IllegalArgumentException("The colour matrix must be " + c + " x " + c + ", one row and one column per channel.");
			}
			if (range.isPerChannel() && range.channelLo().length != c) {
				throw new IllegalArgumentException("MACO needs one value range per channel (" + c + "), got " + range.channelLo().length + ".");
			}
		}

		/** By value, the spectrum and colour matrix too (a record compares arrays by identity). */
		@Override
		public boolean equals(Object o) {
			return o instanceof Reference r && height == r.height && width == r.width && range.equals(r.range)
				&& java.util.Arrays.deepEquals(magnitude, r.magnitude) && java.util.Arrays.deepEquals(colours, r.colours);
		}

		@Override
		public int hashCode() {
			return java.util.Objects.hash(height, width, range, java.util.Arrays.deepHashCode(magnitude), java.util.Arrays.deepHashCode(colours));
		}

		/** The same canvas with another colour matrix (null: none). */
		public Reference withColours(double[][] m) {
			return new Reference(height, width, magnitude, range, m);
		}

		/**
		 * The same canvas squashed into a declared value range (Xplique's {@code values_range}: the inputs the model takes,
		 * e.g. [0, 1] or [-1, 1]) instead of the one measured on the reference images; where the range is per channel (a
		 * bioimage.io package's ranges that differ between channels) the sigmoid of each standardised channel value is
		 * scaled into its channel's range, so every channel spreads over the values the model declares for it.
		 *
		 * @throws IllegalArgumentException when a per-channel range has not one range per channel, or an end is not finite
		 *                                  or lo &gt;= hi
		 */
		public Reference withRange(InputValueRange declared) {
			return new Reference(height, width, magnitude, checked(declared), colours);
		}

		/** {@code declared} if MACO can squash a canvas into it (as {@link #withRange}), checked before any work. */
		static InputValueRange checked(InputValueRange declared) {
			if (declared == null) throw new IllegalArgumentException("MACO needs a value range to squash the canvas into, got none.");
			if (declared.isPerChannel()) {
				for (int k = 0; k < declared.channelLo().length; k++) {
					if (!InputValueRange.usable(declared.lo(k), declared.hi(k))) {
						throw new IllegalArgumentException("MACO's value range of channel " + (k + 1) + " must be two finite numbers, the smaller"
							+ " first, got " + declared.lo(k) + " and " + declared.hi(k) + ".");
					}
				}
			} else if (!declared.usable()) {
				throw new IllegalArgumentException("MACO's value range must be two finite numbers, the smaller first, got " + declared.lo()
					+ " and " + declared.hi() + ".");
			}
			return declared;
		}
	}

	/**
	 * The square root of ImageNet's RGB colour covariance as Lucid publishes it (U sqrt(S), two
	 * decimals), from which {@link #IMAGENET_COLOURS} follows.
	 */
	static final double[][] IMAGENET_SVD_SQRT = { { 0.26, 0.09, 0.02 }, { 0.27, 0.00, -0.05 }, { 0.27, -0.09, 0.03 } };

	/** Xplique's ImageNet colour matrix: {@link #IMAGENET_SVD_SQRT} scaled to a longest column of 1, transposed. */
	public static final double[][] IMAGENET_COLOURS = normalisedTranspose(IMAGENET_SVD_SQRT);

	/** Q^T with Q's columns divided by the length of Q's longest column. */
	static double[][] normalisedTranspose(double[][] q) {
		int c = q.length;
		double longest = 0;
		for (int j = 0; j < c; j++) {
			double n = 0;
			for (int i = 0; i < c; i++) n += q[i][j] * q[i][j];
			longest = Math.max(longest, Math.sqrt(n));
		}
		double[][] m = new double[c][c];
		for (int i = 0; i < c; i++) for (int j = 0; j < c; j++) m[j][i] = longest > 0 ? q[i][j] / longest : 0;
		return m;
	}

	/**
	 * The colour matrix of images [N, H, W, C]: with their channel covariance U S U^T over every
	 * pixel, M = (U sqrt(S))^T scaled to a longest row of 1, so z M of uncorrelated standardised z
	 * has the images' channel covariance up to one factor.
	 */
	public static double[][] colourMatrix(FloatTensor images) {
		int c = (int) images.dim(3);
		float[] d = images.data();
		int n = d.length / c;
		double[] mean = new double[c];
		for (int i = 0; i < d.length; i++) mean[i % c] += d[i];
		for (int k = 0; k < c; k++) mean[k] /= n;
		double[][] cov = new double[c][c];
		for (int p = 0; p < n; p++) {
			int o = p * c;
			for (int a = 0; a < c; a++) for (int b = a; b < c; b++) cov[a][b] += (d[o + a] - mean[a]) * (d[o + b] - mean[b]);
		}
		for (int a = 0; a < c; a++) for (int b = a; b < c; b++) cov[b][a] = cov[a][b] /= n;
		EigenDecomposition e = new EigenDecomposition(MatrixUtils.createRealMatrix(cov));
		double[][] q = new double[c][c];
		for (int j = 0; j < c; j++) {
			double s = Math.sqrt(Math.max(0, e.getRealEigenvalue(j)));
			for (int i = 0; i < c; i++) q[i][j] = e.getV().getEntry(i, j) * s;
		}
		return normalisedTranspose(q);
	}

	/** The canvas [1, H', W', C], its transparency [1, H', W'] in [0, 1] and the mean objective over each step's crops. */
	public record Result(FloatTensor image, FloatTensor transparency, double[] scores) {}

	/**
	 * Crop values scored in one batch at most (64 MB of floats): more crops are scored in batches of
	 * this size, so {@code crops} up to {@link Limits#MAX_PASSES} never make one array of them all
	 * (crops x input values overflowed an int, or ran out of memory, after the reference spectrum).
	 * The crops are drawn, noised and summed in the same order, so the result does not depend on it.
	 */
	static final long BATCH_VALUES = 1L << 24;

	private final int steps, crops;
	private final double learningRate, noise;
	private final long seed, batchValues;

	/** The reference's settings: 32 crops, noise 0.08; Xplique's Nadam learning rate is 1.0 and it runs 256 steps. */
	public MacoReference(int steps, double learningRate, long seed) {
		this(steps, learningRate, 32, 0.08, seed);
	}

	public MacoReference(int steps, double learningRate, int crops, double noise, long seed) {
		this(steps, learningRate, crops, noise, seed, BATCH_VALUES);
	}

	MacoReference(int steps, double learningRate, int crops, double noise, long seed, long batchValues) {
		if (steps < 1 || !(learningRate > 0) || crops < 1 || !(noise >= 0)) {
			throw new IllegalArgumentException("MACO needs steps >= 1, a positive learning rate, at least one crop and noise >= 0.");
		}
		Limits.passes("MACO", "steps", steps);
		Limits.passes("MACO", "crops", crops);
		this.steps = steps;
		this.learningRate = learningRate;
		this.crops = crops;
		this.noise = noise;
		this.seed = seed;
		this.batchValues = batchValues;
	}

	/** Crops per batch: as many as fit in {@code batchValues} values of {@code plane} each, at least one, at most {@code crops}. */
	static int cropsPerBatch(int crops, long plane, long batchValues) {
		return (int) Math.max(1, Math.min(crops, batchValues / plane));
	}

	/** Xplique's canvas for a 224-pixel model is 512 pixels: the automatic canvas is the model input scaled by this ratio. */
	public static final double CANVAS_RATIO = 512.0 / 224.0;
	/** Xplique's Nadam learning rate. */
	public static final double LEARNING_RATE = 1.0;

	/**
	 * The canvas [height, width] for a model input [N, H, W, C]: {@code canvas} pixels a side, or
	 * with 0 the input's sides times {@link #CANVAS_RATIO}.
	 *
	 * @throws IllegalArgumentException when the canvas is smaller than the model input
	 */
	public static int[] canvas(long[] inputShape, int canvas) {
		Limits.atMost("MACO", "canvas", canvas, Limits.MAX_CANVAS);
		int ch = canvas > 0 ? canvas : (int) Math.round(inputShape[1] * CANVAS_RATIO);
		int cw = canvas > 0 ? canvas : (int) Math.round(inputShape[2] * CANVAS_RATIO);
		if (canvas == 0 && Math.max(ch, cw) > Limits.MAX_CANVAS) {
			throw new IllegalArgumentException("MACO's automatic canvas for a " + inputShape[2] + " x " + inputShape[1] + " input would be " + cw
				+ " x " + ch + ", more than " + Limits.MAX_CANVAS + " a side: set canvas= between the input's side and " + Limits.MAX_CANVAS + ".");
		}
		if (ch < inputShape[1] || cw < inputShape[2]) {
			throw new IllegalArgumentException("canvas must be 0 (automatic) or at least the model input (" + inputShape[2] + " x " + inputShape[1]
				+ "), got " + canvas + ".");
		}
		return new int[] { ch, cw };
	}

	/** The box size (fraction of the canvas side) at step t of n: 0.5 at the first step, 0.05 at the last. */
	public static double boxSize(int t, int n) {
		return n == 1 ? 0.5 : 0.5 + (0.05 - 0.5) * t / (n - 1);
	}

	/** {@link #reference(FloatTensor, int, int, Progress)} without progress. */
	public static Reference reference(FloatTensor images, int height, int width) {
		return reference(images, height, width, Progress.NONE);
	}

	/**
	 * The canvas of {@code height} x {@code width} with the mean magnitude spectrum of the reference
	 * images [N, H, W, C] and their robust value range ({@link #valuesRange}), as Xplique's {@code init_maco_buffer}: the mean
	 * |DFT| of the images at their own size over the half spectrum (H x (W/2 + 1)), resized bilinearly
	 * (half-pixel centres, as {@code tf.image.resize}) to the canvas's half spectrum. Frequency k of
	 * an H-row image lands on row k H'/H of the canvas's H' rows, i.e. on the same cycles per pixel:
	 * the canvas has the images' textures at their scale (resizing the images to the canvas first
	 * would stretch them by H'/H and leave the canvas nothing above H/H' of its Nyquist frequency).
	 * The other half is its mirror (|X(-k)| = |X(k)|). Reports each image to {@code progress}.
	 *
	 * @throws IllegalArgumentException before any transform when every value of the images is the same
	 * @throws java.util.concurrent.CancellationException when {@code progress} returns false
	 */
	public static Reference reference(FloatTensor images, int height, int width, Progress progress) {
		return reference(images, height, width, null, progress);
	}

	/**
	 * As {@link #reference(FloatTensor, int, int, Progress)}, with the canvas put in {@code range} (Xplique's
	 * {@code values_range}, a model's declared range, each channel in its own where the range is per channel; checked as
	 * {@link Reference#withRange}), or with null in the images' measured range ({@link #valuesRange}, {@link #PERCENTILE_SOURCE}):
	 * a given range spares sorting the images' values.
	 */
	public static Reference reference(FloatTensor images, int height, int width, InputValueRange range, Progress progress) {
		int n = (int) images.dim(0), h = (int) images.dim(1), w = (int) images.dim(2), c = (int) images.dim(3);
		InputValueRange put;
		if (range == null) {
			double[] r = valuesRange(images);
			put = new InputValueRange(r[0], r[1], PERCENTILE_SOURCE);
		} else {
			range(images); // only refuses constant images
			put = Reference.checked(range);
		}
		int half = w / 2 + 1, canvasHalf = width / 2 + 1, plane = h * w;
		// mean |DFT| over the images, interleaved [ky][kx][channel] as an image for the resize
		float[] data = images.data();
		double[] sum = new double[h * half * c];
		Dft2d dft = new Dft2d(h, w);
		for (int i = 0; i < n; i++) {
			for (int ch = 0; ch < c; ch++) {
				double[] re = new double[plane], im = new double[plane];
				for (int p = 0; p < plane; p++) re[p] = data[(i * plane + p) * c + ch];
				dft.transform(re, im, -1);
				for (int ky = 0; ky < h; ky++) for (int kx = 0; kx < half; kx++) sum[(ky * half + kx) * c + ch] += Math.hypot(re[ky * w + kx], im[ky * w + kx]);
			}
			if (!progress.report(i + 1, n, "MACO reference spectrum: image " + (i + 1) + " of " + n)) {
				throw new CancellationException("MACO cancelled at reference image " + (i + 1) + " of " + n + ".");
			}
		}
		float[] mean = new float[sum.length];
		for (int i = 0; i < sum.length; i++) mean[i] = (float) (sum[i] / n);
		// DC (H W times the images' mean, large for images in [0, 1]) would leak into the canvas's lowest
		// frequencies through the resize and wash the textures out: the spectrum is continued through 0
		// from its neighbours instead, and the canvas's own DC is 0 (its standardisation removes the mean)
		for (int ch = 0; ch < c; ch++) {
			double right = half > 1 ? mean[c + ch] : 0, below = h > 1 ? mean[half * c + ch] : 0;
			mean[ch] = (float) ((half > 1 && h > 1) ? (right + below) / 2 : right + below);
		}
		float[] resized = Resampling.resizeImage(mean, h, half, c, height, canvasHalf);
		double[][] mag = new double[c][height * width];
		for (int ky = 0; ky < height; ky++) {
			for (int kx = 0; kx < width; kx++) {
				// columns past the half spectrum: the conjugate frequency's magnitude
				int sy = kx < canvasHalf ? ky : (height - ky) % height, sx = kx < canvasHalf ? kx : width - kx;
				for (int ch = 0; ch < c; ch++) mag[ch][ky * width + kx] = resized[(sy * canvasHalf + sx) * c + ch];
			}
		}
		for (double[] m : mag) m[0] = 0;
		return new Reference(height, width, mag, put, c == 3 ? colourMatrix(images) : null);
	}

	/**
	 * The percentile (and 100 minus it) of the reference values that bounds the canvas when no range is declared. Xplique
	 * squashes the canvas into the model's declared {@code values_range}; measured on the images, the raw minimum and maximum
	 * would let one hot pixel or outlier stretch the range and wash the visualisation out (its values would sit in the middle
	 * of a range far wider than the images'). 0.1 and 99.9 ignore up to one value in a thousand at each end (hot pixels,
	 * debris, a stray value) and keep a sparse bright signal that covers more than that (spots, thin structures): a
	 * narrower range (1 to 99) would cut the brightest 1 % of sparse fluorescence. Fiji's Auto contrast saturates 0.35 %.
	 */
	public static final double RANGE_PERCENTILE = 0.1;

	/** Values measured for the range at most: larger sets are sampled at every k-th pixel (all its channels), deterministically. */
	static final int RANGE_VALUES = 1 << 24;

	/**
	 * The value range the canvas is squashed into when the model declares none: the {@link #RANGE_PERCENTILE} and
	 * 100 - {@link #RANGE_PERCENTILE} percentiles of all values of the reference images [N, H, W, C] together (linear between
	 * ranks, numpy's default), or their minimum and maximum where those percentiles are equal (more than 99.8 % of the
	 * values the same). One range for all channels, as Xplique's {@code values_range}.
	 *
	 * @throws IllegalArgumentException as {@link #range} (NaN values, constant images)
	 */
	public static double[] valuesRange(FloatTensor images) {
		return valuesRange(images, RANGE_VALUES);
	}

	/** Where the range came from when neither the caller nor the model gives one. */
	public static final String PERCENTILE_SOURCE = "the images' 0.1st to 99.9th percentile";

	/**
	 * The canvas's value range: {@code given} (Xplique's values_range, one range or one per channel), else the input range the model
	 * declares where it has a fixed place in the network's units ({@link org.conceptscope.model.Classifier#inputValueRange}),
	 * else the images' percentile ({@link #valuesRange}) with why a declared range was not taken. The model is asked only
	 * when no range is given (its declared range does not matter then).
	 */
	public static InputValueRange canvasRange(InputValueRange given, org.conceptscope.model.Classifier model, FloatTensor images) {
		if (given != null) return given;
		InputValueRange declared = model.inputValueRange();
		if (declared != null && declared.usable()) return declared;
		double[] r = valuesRange(images);
		return new InputValueRange(r[0], r[1], PERCENTILE_SOURCE + (declared == null ? "" : "; not the model's declared range: " + declared.source()));
	}

	/** {@link #valuesRange(FloatTensor)} measured on at most about {@code maxValues} values. */
	static double[] valuesRange(FloatTensor images, long maxValues) {
		double[] full = range(images);
		float[] d = images.data();
		int c = (int) images.dim(images.rank() - 1);
		long pixels = d.length / c;
		long step = Math.max(1, (pixels * c + maxValues - 1) / maxValues);
		float[] v = new float[(int) (((pixels + step - 1) / step) * c)];
		int k = 0;
		for (long p = 0; p < pixels; p += step) for (int q = 0; q < c; q++) v[k++] = d[(int) (p * c + q)];
		java.util.Arrays.sort(v);
		double lo = percentile(v, RANGE_PERCENTILE), hi = percentile(v, 100 - RANGE_PERCENTILE);
		return hi > lo ? new double[] { lo, hi } : full;
	}

	/** Percentile q (0-100) of sorted values, linear between the two nearest ranks (numpy's default). */
	public static double percentile(float[] sorted, double q) {
		double pos = q / 100 * (sorted.length - 1);
		int i = (int) Math.floor(pos), j = Math.min(i + 1, sorted.length - 1);
		return sorted[i] + (pos - i) * ((double) sorted[j] - sorted[i]);
	}

	/**
	 * The smallest and largest value of reference images.
	 *
	 * @throws IllegalArgumentException when they are equal (or not finite): the images are constant and there is no spectrum to keep
	 */
	static double[] range(FloatTensor images) {
		double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
		for (float v : images.data()) {
			lo = Math.min(lo, v);
			hi = Math.max(hi, v);
		}
		if (Double.isNaN(lo)) {
			throw new IllegalArgumentException("The reference images hold NaN (not a number) values: MACO needs finite values, so fill or"
				+ " remove them first.");
		}
		if (!(hi > lo)) {
			throw new IllegalArgumentException("The reference images are constant (every value " + (float) lo + " after the model's"
				+ " normalisation): MACO keeps their spectrum and value range, so give images whose values vary.");
		}
		return new double[] { lo, hi };
	}

	/**
	 * Without reference images: the 1/f magnitude spectrum of natural images (DC 0), for C channels,
	 * values in [lo, hi]; three channels are recoloured with {@link #IMAGENET_COLOURS}.
	 */
	public static Reference naturalSpectrum(int height, int width, int channels, double lo, double hi) {
		double[][] mag = new double[channels][height * width];
		for (int ch = 0; ch < channels; ch++) {
			for (int ky = 0; ky < height; ky++) {
				for (int kx = 0; kx < width; kx++) {
					double fy = Math.min(ky, height - ky) / (double) height, fx = Math.min(kx, width - kx) / (double) width;
					double f = Math.hypot(fy, fx);
					mag[ch][ky * width + kx] = f == 0 ? 0 : 1 / f;
				}
			}
		}
		return new Reference(height, width, mag, new InputValueRange(lo, hi, "given"), channels == 3 ? IMAGENET_COLOURS : null);
	}

	/** The canvas of given phases: standardised phase, inverse transform, standardisation, sigmoid into [lo, hi]. */
	static final class Canvas {
		final int h, w, c;
		final Maco.Spectrum[] spectra;
		final double[] lo, hi; // per channel
		final double[][] colours;
		// forward state kept for the backward pass
		double[][] standardPhase;
		double phaseMean, phaseStd, imageMean, imageStd;
		double[] z, zc, x;

		Canvas(Reference ref) {
			h = ref.height();
			w = ref.width();
			c = ref.magnitude().length;
			lo = new double[c];
			hi = new double[c];
			for (int ch = 0; ch < c; ch++) {
				lo[ch] = ref.range().lo(ch);
				hi[ch] = ref.range().hi(ch);
			}
			colours = ref.colours();
			spectra = new Maco.Spectrum[c];
			for (int ch = 0; ch < c; ch++) spectra[ch] = new Maco.Spectrum(h, w, ref.magnitude()[ch]);
		}

		/** x [H*W*C] (interleaved) of the free phases phase[ch][p] (others ignored). */
		double[] forward(double[][] phase) {
			double sum = 0, sq = 0;
			int count = 0;
			for (int ch = 0; ch < c; ch++) for (int p = 0; p < h * w; p++) if (spectra[ch].isFree(p)) {
				sum += phase[ch][p];
				count++;
			}
			phaseMean = count == 0 ? 0 : sum / count;
			for (int ch = 0; ch < c; ch++) for (int p = 0; p < h * w; p++) if (spectra[ch].isFree(p)) sq += Math.pow(phase[ch][p] - phaseMean, 2);
			phaseStd = count == 0 ? 0 : Math.sqrt(sq / count);
			standardPhase = new double[c][h * w];
			double[] y = new double[h * w * c];
			for (int ch = 0; ch < c; ch++) {
				for (int p = 0; p < h * w; p++) if (spectra[ch].isFree(p)) standardPhase[ch][p] = (phase[ch][p] - phaseMean) / (phaseStd + 1e-5);
				spectra[ch].enforce(standardPhase[ch]);
				double[] v = spectra[ch].image(standardPhase[ch]);
				for (int p = 0; p < h * w; p++) y[p * c + ch] = v[p];
			}
			double m = 0;
			for (double v : y) m += v / y.length;
			double s = 0;
			for (double v : y) s += (v - m) * (v - m) / y.length;
			imageMean = m;
			imageStd = Math.sqrt(s);
			z = new double[y.length];
			x = new double[y.length];
			for (int i = 0; i < y.length; i++) z[i] = (y[i] - m) / (imageStd + 1e-5);
			zc = colours == null ? z : recolour(z, false);
			for (int i = 0; i < y.length; i++) x[i] = lo[i % c] + (hi[i % c] - lo[i % c]) / (1 + Math.exp(-zc[i]));
			return x;
		}

		/** Each pixel's channel vector v times M (v M), or times M^T. */
		double[] recolour(double[] v, boolean transposed) {
			double[] out = new double[v.length];
			for (int p = 0; p < v.length; p += c) {
				for (int j = 0; j < c; j++) {
					double sum = 0;
					for (int i = 0; i < c; i++) sum += v[p + i] * (transposed ? colours[j][i] : colours[i][j]);
					out[p + j] = sum;
				}
			}
			return out;
		}

		/** d L / d free phase from d L / d x (after {@link #forward} of the same phases). */
		double[][] backward(double[] gx) {
			int n = gx.length;
			double[] gz = new double[n];
			for (int i = 0; i < n; i++) {
				double sg = 1 / (1 + Math.exp(-zc[i]));
				gz[i] = gx[i] * (hi[i % c] - lo[i % c]) * sg * (1 - sg);
			}
			if (colours != null) gz = recolour(gz, true);
			// z = (y - mean) / (std + eps): dy = (gz - mean(gz) - z' mean(gz z')) / (std + eps), z' = (y - mean) / std
			double mg = 0, mgz = 0, denom = imageStd + 1e-5;
			for (int i = 0; i < n; i++) {
				double zs = imageStd > 0 ? z[i] * denom / imageStd : 0;
				mg += gz[i] / n;
				mgz += gz[i] * zs / n;
			}
			double[][] gPhase = new double[c][];
			for (int ch = 0; ch < c; ch++) {
				double[] gy = new double[h * w];
				for (int p = 0; p < h * w; p++) {
					int i = p * c + ch;
					double zs = imageStd > 0 ? z[i] * denom / imageStd : 0;
					gy[p] = (gz[i] - mg - zs * mgz * (imageStd / denom)) / denom;
				}
				gPhase[ch] = spectra[ch].gradient(standardPhase[ch], gy);
			}
			// standardised phase: the same rule over the free phases
			int count = 0;
			double m = 0, mz = 0, d = phaseStd + 1e-5;
			for (int ch = 0; ch < c; ch++) for (int p = 0; p < h * w; p++) if (spectra[ch].isFree(p)) count++;
			for (int ch = 0; ch < c; ch++) for (int p = 0; p < h * w; p++) if (spectra[ch].isFree(p)) {
				double ps = phaseStd > 0 ? (standardPhase[ch][p]) * d / phaseStd : 0;
				m += gPhase[ch][p] / count;
				mz += gPhase[ch][p] * ps / count;
			}
			double[][] out = new double[c][h * w];
			for (int ch = 0; ch < c; ch++) for (int p = 0; p < h * w; p++) if (spectra[ch].isFree(p)) {
				double ps = phaseStd > 0 ? standardPhase[ch][p] * d / phaseStd : 0;
				out[ch][p] = (gPhase[ch][p] - m - ps * mz * (phaseStd / d)) / d;
			}
			return out;
		}
	}

	/** A square box of the canvas in relative coordinates (y1, x1, y2, x2), resized bilinearly to the model input as crop_and_resize does. */
	record Box(double y1, double x1, double y2, double x2) {

		interface Visitor {
			void visit(int out, int src, double weight);
		}

		/** Output pixel (oy, ox) of an oh x ow crop samples canvas position y1 (H - 1) + oy (y2 - y1) (H - 1) / (oh - 1); outside: 0. */
		void each(int ch, int cw, int oh, int ow, Visitor v) {
			for (int oy = 0; oy < oh; oy++) {
				double fy = oh > 1 ? y1 * (ch - 1) + oy * (y2 - y1) * (ch - 1) / (oh - 1) : 0.5 * (y1 + y2) * (ch - 1);
				if (fy < 0 || fy > ch - 1) continue;
				int y0 = (int) Math.floor(fy), yb = Math.min(y0 + 1, ch - 1);
				double ty = fy - y0;
				for (int ox = 0; ox < ow; ox++) {
					double fx = ow > 1 ? x1 * (cw - 1) + ox * (x2 - x1) * (cw - 1) / (ow - 1) : 0.5 * (x1 + x2) * (cw - 1);
					if (fx < 0 || fx > cw - 1) continue;
					int x0 = (int) Math.floor(fx), xb = Math.min(x0 + 1, cw - 1);
					double tx = fx - x0;
					int o = oy * ow + ox;
					v.visit(o, y0 * cw + x0, (1 - ty) * (1 - tx));
					v.visit(o, y0 * cw + xb, (1 - ty) * tx);
					v.visit(o, yb * cw + x0, ty * (1 - tx));
					v.visit(o, yb * cw + xb, ty * tx);
				}
			}
		}
	}

	/** The crops of one step: centres N(0.5, 0.15), sides N(box, 0.05) clipped to [0.05, 1], square. */
	Box[] boxes(Random rnd, double box) {
		Box[] b = new Box[crops];
		for (int k = 0; k < crops; k++) {
			double cx = 0.5 + 0.15 * rnd.nextGaussian(), cy = 0.5 + 0.15 * rnd.nextGaussian();
			double d = Math.max(0.05, Math.min(1, box + 0.05 * rnd.nextGaussian()));
			b[k] = new Box(cy - d / 2, cx - d / 2, cy + d / 2, cx + d / 2);
		}
		return b;
	}

	public Result visualize(Maco.Objective objective, Reference ref, Progress progress) {
		long[] in = objective.inputShape();
		int h = (int) in[1], w = (int) in[2], c = (int) in[3];
		if (h < 1 || w < 1 || c < 1) throw new IllegalArgumentException("MACO needs a model with a fixed input size.");
		if (ref.magnitude().length != c) {
			throw new IllegalArgumentException("The magnitude spectrum has " + ref.magnitude().length + " channels; the model takes " + c + ".");
		}
		Canvas canvas = new Canvas(ref);
		int ch = ref.height(), cw = ref.width(), plane = h * w * c, perBatch = cropsPerBatch(crops, plane, batchValues);
		Random rnd = new Random(seed);
		double[][] phase = new double[c][ch * cw];
		for (int k = 0; k < c; k++) for (int p = 0; p < ch * cw; p++) if (canvas.spectra[k].isFree(p)) phase[k][p] = rnd.nextGaussian();
		Nadam nadam = new Nadam(learningRate, c, ch * cw);
		double[] transparency = new double[ch * cw];
		double[] scores = new double[steps];
		for (int t = 0; t < steps; t++) {
			double[] x = canvas.forward(phase);
			Box[] boxes = boxes(rnd, boxSize(t, steps));
			double mean = 0;
			double[] gx = new double[ch * cw * c];
			for (int first = 0; first < crops; first += perBatch) {
				int count = Math.min(perBatch, crops - first);
				float[] batch = new float[count * plane];
				for (int k = 0; k < count; k++) {
					int off = k * plane;
					boxes[first + k].each(ch, cw, h, w, (o, s, wt) -> {
						for (int q = 0; q < c; q++) batch[off + o * c + q] += (float) (wt * x[s * c + q]);
					});
					for (int i = 0; i < plane; i++) batch[off + i] += (float) (noise * rnd.nextGaussian() + noise * (rnd.nextDouble() - 0.5));
				}
				FloatTensor crop = new FloatTensor(new long[] { count, h, w, c }, batch);
				for (double v : objective.scores(crop)) mean += v / crops;
				float[] g = objective.gradients(crop).data();
				for (int k = 0; k < count; k++) {
					int off = k * plane;
					boxes[first + k].each(ch, cw, h, w, (o, src, wt) -> {
						for (int q = 0; q < c; q++) gx[src * c + q] += wt * g[off + o * c + q] / crops;
					});
				}
			}
			scores[t] = mean;
			for (int p = 0; p < ch * cw; p++) for (int q = 0; q < c; q++) transparency[p] += Math.abs(gx[p * c + q]);
			double[][] gp = canvas.backward(gx);
			nadam.nextStep();
			for (int k = 0; k < c; k++) for (int p = 0; p < ch * cw; p++) if (canvas.spectra[k].isFree(p)) phase[k][p] += nadam.increment(k, p, gp[k][p]);
			if (!progress.report(t + 1, steps, "MACO step " + (t + 1))) throw new CancellationException("MACO cancelled at step " + (t + 1) + ".");
		}
		double[] x = canvas.forward(phase);
		float[] image = new float[x.length];
		for (int i = 0; i < x.length; i++) image[i] = (float) x[i];
		double max = 0;
		for (double v : transparency) max = Math.max(max, v);
		float[] alpha = new float[ch * cw];
		for (int p = 0; p < ch * cw; p++) alpha[p] = (float) (max > 0 ? transparency[p] / max : 0);
		return new Result(new FloatTensor(new long[] { 1, ch, cw, c }, image), new FloatTensor(new long[] { 1, ch, cw }, alpha), scores);
	}
}
