package org.conceptscope.tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.conceptscope.attribution.TiledExplainer;

/**
 * What a model's inputs looked like, per channel, in its normalised units: the mean and standard
 * deviation of the pixels it was trained or validated on (kept in its card as
 * {@code input_statistics}). An image whose pixels are far from them (its channel mean more than
 * {@value #MEAN_LIMIT} training standard deviations away, or its spread more than {@value #SPREAD_LIMIT}
 * times larger or smaller) is out of the model's domain: its explanations speak of inputs the model
 * never saw, and {@link #warning} says so with the numbers.
 */
public record InputDomain(double[] mean, double[] std) {

	/** How many training standard deviations a channel mean may lie from the training mean. */
	public static final double MEAN_LIMIT = 2;
	/** How many times larger or smaller than in training a channel's spread may be. */
	public static final double SPREAD_LIMIT = 4;
	/** Rows read at a time when measuring an image. */
	static final int BAND = 64;

	public InputDomain {
		if (mean == null || std == null || mean.length == 0 || mean.length != std.length) {
			throw new IllegalArgumentException("Input statistics need one mean and one standard deviation per channel.");
		}
		mean = mean.clone();
		std = std.clone();
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

	/** Per-channel mean and standard deviation of normalised images [N, H, W, C]. */
	public static InputDomain of(FloatTensor images) {
		int c = (int) images.dim(images.rank() - 1);
		Moments m = new Moments(c);
		m.add(images.data(), images.size() / c);
		return m.domain();
	}

	/**
	 * Per-channel statistics of image {@code image} of a source after the model's normalisation, read a
	 * band of rows at a time (the whole image at once when the normalisation takes statistics from it).
	 */
	public static InputDomain of(TileSource source, int image, Normalization normalization) {
		int h = source.height(), w = source.width(), c = source.channels();
		Moments m = new Moments(c);
		int band = TiledExplainer.pointwise(normalization, source.typeMax()) ? Math.min(BAND, h) : h;
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
			boolean spread = std[c] > 0 && (image.std[c] > SPREAD_LIMIT * std[c] || image.std[c] < std[c] / SPREAD_LIMIT);
			if (shifted || spread) {
				far.add(String.format(Locale.ROOT, "%smean %.3g, std %.3g (training %.3g, std %.3g)", mean.length > 1 ? "channel " + (c + 1) + " " : "",
					image.mean[c], image.std[c], mean[c], std[c]));
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
