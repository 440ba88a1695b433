package org.conceptscope.tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;


/**
 * What a model's inputs looked like, per channel, in its normalised units: the mean and standard
 * deviation of the pixels it was trained or validated on (kept in its card as
 * {@code input_statistics}), and, when the card has them, the range of one training input's own
 * standard deviation (its 1st and 99th percentiles over the training inputs: {@code image_std_low},
 * {@code image_std_high}). An image whose pixels are far from them is out of the model's domain:
 * its channel mean more than {@value #MEAN_LIMIT} training standard deviations away, or its spread
 * more than {@value #IMAGE_SPREAD_LIMIT} times outside the training inputs' own range (without that
 * range: more than {@value #SPREAD_LIMIT} times larger or smaller than the pooled training spread).
 * Its explanations then speak of inputs the model never saw, and {@link #warning} says so with the numbers.
 * <p>
 * Why the per-input range: the pooled spread of a patch classifier's training set holds the
 * differences between patches too, so one uniform patch (a background patch, of which the training set
 * has many) has a spread far below it although the model saw many like it.
 */
public record InputDomain(double[] mean, double[] std, double[] imageStdLow, double[] imageStdHigh) {

	/** How many training standard deviations a channel mean may lie from the training mean. */
	public static final double MEAN_LIMIT = 2;
	/** How many times larger or smaller than in training a channel's spread may be. */
	public static final double SPREAD_LIMIT = 4;
	/** How many times below or above the training inputs' own spread range an image's spread may be. */
	public static final double IMAGE_SPREAD_LIMIT = 2;
	/** The percentiles of the training inputs' own spreads kept as their range. */
	public static final double LOW_PERCENTILE = 1, HIGH_PERCENTILE = 99;
	/** Rows read at a time when measuring an image. */
	static final int BAND = 64;

	/** Pooled statistics only (no per-input spread range). */
	public InputDomain(double[] mean, double[] std) {
		this(mean, std, null, null);
	}

	public InputDomain {
		if (mean == null || std == null || mean.length == 0 || mean.length != std.length) {
			throw new IllegalArgumentException("Input statistics need one mean and one standard deviation per channel.");
		}
		if ((imageStdLow == null) != (imageStdHigh == null) || (imageStdLow != null && (imageStdLow.length != mean.length
			|| imageStdHigh.length != mean.length))) {
			throw new IllegalArgumentException("Input statistics need both image_std_low and image_std_high, one value per channel, or neither.");
		}
		mean = mean.clone();
		std = std.clone();
		if (imageStdLow != null) {
			imageStdLow = imageStdLow.clone();
			imageStdHigh = imageStdHigh.clone();
			for (int c = 0; c < mean.length; c++) {
				if (!(imageStdLow[c] >= 0) || !(imageStdHigh[c] >= imageStdLow[c]) || !Double.isFinite(imageStdHigh[c])) {
					throw new IllegalArgumentException("Input statistics need 0 <= image_std_low <= image_std_high; channel " + (c + 1) + " has "
						+ imageStdLow[c] + " and " + imageStdHigh[c] + ".");
				}
			}
		}
		for (int c = 0; c < mean.length; c++) {
			if (!Double.isFinite(mean[c]) || !(std[c] >= 0) || !Double.isFinite(std[c])) {
				throw new IllegalArgumentException("Input statistics must be finite with std >= 0; channel " + (c + 1) + " has mean " + mean[c]
					+ ", std " + std[c] + ".");
			}
		}
	}

	@Override
	public double[] mean() {
		return mean.clone();
	}

	@Override
	public double[] std() {
		return std.clone();
	}

	/** The 1st percentile of the training inputs' own standard deviations per channel, or null. */
	@Override
	public double[] imageStdLow() {
		return imageStdLow == null ? null : imageStdLow.clone();
	}

	/** The 99th percentile of the training inputs' own standard deviations per channel, or null. */
	@Override
	public double[] imageStdHigh() {
		return imageStdHigh == null ? null : imageStdHigh.clone();
	}

	/**
	 * The statistics a trainer records of its training inputs [N, H, W, C]: pooled mean and standard
	 * deviation, and the {@value #LOW_PERCENTILE}th and {@value #HIGH_PERCENTILE}th percentiles of each
	 * input's own standard deviation (nearest rank).
	 */
	public static InputDomain ofTraining(FloatTensor images) {
		InputDomain pooled = of(images);
		int n = (int) images.dim(0), c = (int) images.dim(images.rank() - 1);
		double[][] spreads = new double[c][n];
		int per = images.size() / Math.max(1, n);
		for (int i = 0; i < n; i++) {
			Moments m = new Moments(c);
			m.add(java.util.Arrays.copyOfRange(images.data(), i * per, (i + 1) * per), per / c);
			double[] s = m.domain().std;
			for (int k = 0; k < c; k++) spreads[k][i] = s[k];
		}
		double[] low = new double[c], high = new double[c];
		for (int k = 0; k < c; k++) {
			java.util.Arrays.sort(spreads[k]);
			low[k] = spreads[k][rank(LOW_PERCENTILE, n)];
			high[k] = spreads[k][rank(HIGH_PERCENTILE, n)];
		}
		return new InputDomain(pooled.mean, pooled.std, low, high);
	}

	/** Nearest-rank index of percentile q among n sorted values. */
	static int rank(double q, int n) {
		return Math.max(0, Math.min(n - 1, (int) Math.ceil(q / 100 * n) - 1));
	}

	/** Per-channel mean and standard deviation of normalised images [N, H, W, C]. */
	public static InputDomain of(FloatTensor images) {
		int c = (int) images.dim(images.rank() - 1);
		Moments m = new Moments(c);
		m.add(images.data(), images.size() / c);
		return m.domain();
	}

	/**
	 * Per-channel statistics of image {@code image} of a source after the model's normalisation, read a
	 * band of rows at a time (the whole image at once when the normalisation takes statistics from it), or
	 * null when it would take the whole image and that has more than {@link CastOverflow#WHOLE_IMAGE_VALUES}
	 * values: a warning's copy must not take the memory the run needs.
	 */
	public static InputDomain of(TileSource source, int image, Normalization normalization) {
		int h = source.height(), w = source.width(), c = source.channels();
		boolean pointwise = Normalization.pointwise(normalization, source.typeMax());
		if (!pointwise && (long) h * w * c > CastOverflow.WHOLE_IMAGE_VALUES) return null;
		Moments m = new Moments(c);
		int band = pointwise ? Math.min(BAND, h) : h;
		float[] rows = new float[band * w * c];
		for (int y = 0; y < h; y += band) {
			int n = Math.min(band, h - y);
			float[] part = n == band ? rows : new float[n * w * c];
			source.read(image, y, 0, n, w, part);
			normalization.apply(part, c, source.typeMax());
			m.add(part, n * w);
		}
		return m.domain();
	}

	/**
	 * A sentence for the Log when {@code image} lies outside this domain (channel by channel, with the
	 * numbers), else null.
	 *
	 * @param what the image, for the sentence (e.g. "The image 'cells.tif'")
	 */
	public String warning(InputDomain image, String what) {
		if (image.mean.length != mean.length) return null;
		List<String> far = new ArrayList<>();
		for (int c = 0; c < mean.length; c++) {
			double tolerance = MEAN_LIMIT * Math.max(std[c], 1e-6);
			boolean shifted = Math.abs(image.mean[c] - mean[c]) > tolerance;
			boolean spread = imageStdLow != null
				? image.std[c] < imageStdLow[c] / IMAGE_SPREAD_LIMIT || image.std[c] > IMAGE_SPREAD_LIMIT * imageStdHigh[c]
				: std[c] > 0 && (image.std[c] > SPREAD_LIMIT * std[c] || image.std[c] < std[c] / SPREAD_LIMIT);
			if (shifted || spread) {
				far.add(String.format(Locale.ROOT, "%smean %.3g, std %.3g (training %.3g, std %.3g%s)", mean.length > 1 ? "channel " + (c + 1) + " " : "",
					image.mean[c], image.std[c], mean[c], std[c], imageStdLow == null ? ""
						: String.format(Locale.ROOT, "; one training input's std %.3g to %.3g", imageStdLow[c], imageStdHigh[c])));
			}
		}
		if (far.isEmpty()) return null;
		return what + " is far from what the model was trained on, after its normalisation: " + String.join("; ", far)
			+ ". Explanations of inputs unlike the training data may mislead: check the model's normalisation, pixel size and staining.";
	}

	/** Running per-channel sums (doubles: millions of pixels); NaN and infinite values are left out (other checks name them). */
	private static final class Moments {
		final double[] sum, sq;
		final long[] n;

		Moments(int c) {
			sum = new double[c];
			sq = new double[c];
			n = new long[c];
		}

		void add(float[] hwc, long pixels) {
			int c = sum.length;
			for (long p = 0; p < pixels; p++) {
				for (int k = 0; k < c; k++) {
					double v = hwc[(int) (p * c + k)];
					if (!Double.isFinite(v)) continue;
					sum[k] += v;
					sq[k] += v * v;
					n[k]++;
				}
			}
		}

		InputDomain domain() {
			int c = sum.length;
			double[] mean = new double[c], std = new double[c];
			for (int k = 0; k < c; k++) {
				mean[k] = n[k] == 0 ? 0 : sum[k] / n[k];
				std[k] = n[k] == 0 ? 0 : Math.sqrt(Math.max(0, sq[k] / n[k] - mean[k] * mean[k]));
			}
			return new InputDomain(mean, std);
		}
	}
}
