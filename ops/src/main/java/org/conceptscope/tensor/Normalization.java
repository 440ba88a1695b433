package org.conceptscope.tensor;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;

/**
 * How raw pixels become model input. A model declares one (in its conceptscope.json);
 * it is applied per image and, where statistics are involved, per channel.
 */
public sealed interface Normalization {

	/**
	 * Normalises one image in place. Values are interleaved HWC (channel fastest);
	 * {@code typeMax} is the pixel type's maximum for integer images (255, 65535) and NaN for
	 * float images.
	 */
	void apply(float[] hwc, int channels, double typeMax);

	/** A short text for tables and metadata, parseable by {@link #parse(String)}. */
	String describe();

	/** Pixels as they are. */
	record None() implements Normalization {
		@Override
		public void apply(float[] hwc, int channels, double typeMax) {}

		@Override
		public String describe() {
			return "none";
		}
	}

	/** Integer images divided by the type maximum; float images min-max scaled per channel. */
	record UnitRange() implements Normalization {
		@Override
		public void apply(float[] hwc, int channels, double typeMax) {
			if (!Double.isNaN(typeMax)) {
				float inv = (float) (1.0 / typeMax);
				for (int i = 0; i < hwc.length; i++) hwc[i] *= inv;
				return;
			}
			for (int c = 0; c < channels; c++) {
				float min = Float.POSITIVE_INFINITY, max = Float.NEGATIVE_INFINITY;
				for (int i = c; i < hwc.length; i += channels) {
					min = Math.min(min, hwc[i]);
					max = Math.max(max, hwc[i]);
				}
				float range = max > min ? max - min : 1f;
				for (int i = c; i < hwc.length; i += channels) hwc[i] = (hwc[i] - min) / range;
			}
		}

		@Override
		public String describe() {
			return "unit_range";
		}
	}

	/** Per channel, percentile {@code low} maps to 0 and percentile {@code high} to 1 (CSBDeep style). */
	record Percentile(double low, double high) implements Normalization {
		public Percentile {
			if (!(low >= 0 && low < high && high <= 100)) {
				throw new IllegalArgumentException("Percentiles must satisfy 0 <= low < high <= 100, got " + low + " and " + high + ".");
			}
		}

		@Override
		public void apply(float[] hwc, int channels, double typeMax) {
			int n = hwc.length / channels;
			float[] values = new float[n];
			for (int c = 0; c < channels; c++) {
				for (int i = 0; i < n; i++) values[i] = hwc[i * channels + c];
				Arrays.sort(values);
				float lo = quantile(values, low / 100), hi = quantile(values, high / 100);
				float range = hi > lo ? hi - lo : 1f;
				for (int i = 0; i < n; i++) hwc[i * channels + c] = (hwc[i * channels + c] - lo) / range;
			}
		}

		private static float quantile(float[] sorted, double q) {
			double pos = q * (sorted.length - 1);
			int i = (int) Math.floor(pos);
			int j = Math.min(i + 1, sorted.length - 1);
			return (float) (sorted[i] + (pos - i) * (sorted[j] - sorted[i]));
		}

		@Override
		public String describe() {
			return String.format(Locale.ROOT, "percentile(%s,%s)", low, high);
		}
	}

	/** Per channel, subtract the image mean and divide by its standard deviation. */
	record ZeroMeanUnitVariance() implements Normalization {
		@Override
		public void apply(float[] hwc, int channels, double typeMax) {
			int n = hwc.length / channels;
			for (int c = 0; c < channels; c++) {
				double sum = 0, sq = 0;
				for (int i = c; i < hwc.length; i += channels) {
					sum += hwc[i];
					sq += (double) hwc[i] * hwc[i];
				}
				double mean = sum / n;
				double std = Math.sqrt(Math.max(sq / n - mean * mean, 0));
				float inv = (float) (std > 1e-12 ? 1 / std : 1);
				for (int i = c; i < hwc.length; i += channels) hwc[i] = (float) ((hwc[i] - mean) * inv);
			}
		}

		@Override
		public String describe() {
			return "zero_mean_unit_variance";
		}
	}

	/** (x - offset) / scale with fixed numbers, e.g. a CT window in Hounsfield units. */
	record Affine(double offset, double scale) implements Normalization {
		public Affine {
			if (!(scale != 0 && Double.isFinite(scale) && Double.isFinite(offset))) {
				throw new IllegalArgumentException("Affine normalisation needs a finite offset and a finite non-zero scale.");
			}
		}

		@Override
		public void apply(float[] hwc, int channels, double typeMax) {
			float o = (float) offset, inv = (float) (1 / scale);
			for (int i = 0; i < hwc.length; i++) hwc[i] = (hwc[i] - o) * inv;
		}

		@Override
		public String describe() {
			return String.format(Locale.ROOT, "affine(%s,%s)", offset, scale);
		}
	}

	/** Parses "none", "unit_range", "zero_mean_unit_variance", "percentile(1,99.8)", "affine(offset,scale)". */
	static Normalization parse(String text) {
		String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT).replace(" ", "");
		Map<String, Normalization> simple = Map.of("none", new None(), "unit_range", new UnitRange(),
			"zero_mean_unit_variance", new ZeroMeanUnitVariance());
		if (simple.containsKey(t)) return simple.get(t);
		try {
			if (t.startsWith("percentile(") && t.endsWith(")")) {
				double[] a = numbers(t, "percentile(");
				return new Percentile(a[0], a[1]);
			}
			if (t.startsWith("affine(") && t.endsWith(")")) {
				double[] a = numbers(t, "affine(");
				return new Affine(a[0], a[1]);
			}
		} catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
			// fall through to the message below
		}
		throw new IllegalArgumentException("Unknown normalisation '" + text + "'. Use none, unit_range, "
			+ "zero_mean_unit_variance, percentile(low,high) or affine(offset,scale).");
	}

	private static double[] numbers(String t, String prefix) {
		String[] parts = t.substring(prefix.length(), t.length() - 1).split(",");
		if (parts.length != 2) throw new NumberFormatException();
		return new double[] { Double.parseDouble(parts[0]), Double.parseDouble(parts[1]) };
	}
}
