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
	 * Whether a normalisation treats each pixel on its own, so tiles (or bands) of an image can be normalised one by one;
	 * {@code typeMax}: the largest value of the image's type, NaN when it has none (float), as unit_range needs it.
	 */
	static boolean pointwise(Normalization normalization, double typeMax) {
		if (normalization instanceof UnitRange) return !Double.isNaN(typeMax);
		if (normalization instanceof Percentile || normalization instanceof ZeroMeanUnitVariance) return false;
		if (normalization instanceof Joint j) return pointwise(j.perChannel(), typeMax);
		if (normalization instanceof Steps s) {
			double max = typeMax;
			for (Normalization step : s.steps()) {
				if (!pointwise(step, max)) return false;
				max = Double.NaN;
			}
			return true;
		}
		return true;
	}

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

	/** Values below min become min, above max become max (bioimage.io "clip"). */
	record Clip(double min, double max) implements Normalization {
		public Clip {
			if (!(min <= max) || Double.isNaN(min) || Double.isNaN(max)) {
				throw new IllegalArgumentException("Clip needs min <= max, got " + min + " and " + max + ".");
			}
		}

		@Override
		public void apply(float[] hwc, int channels, double typeMax) {
			float lo = (float) min, hi = (float) max;
			for (int i = 0; i < hwc.length; i++) hwc[i] = Math.min(hi, Math.max(lo, hwc[i]));
		}

		@Override
		public String describe() {
			return String.format(Locale.ROOT, "clip(%s,%s)", min, max);
		}
	}

	/**
	 * x * gain + offset, with one gain and offset for all channels or one per channel
	 * (bioimage.io "scale_linear", and "fixed_zero_mean_unit_variance" per channel).
	 */
	record ScaleLinear(double[] gain, double[] offset) implements Normalization {
		public ScaleLinear {
			if (gain == null || offset == null || gain.length == 0 || offset.length == 0
				|| (gain.length != offset.length && gain.length != 1 && offset.length != 1)) {
				throw new IllegalArgumentException("scale_linear needs one gain and one offset, or one per channel.");
			}
			for (double g : gain) if (!Double.isFinite(g)) throw new IllegalArgumentException("scale_linear gains must be finite.");
			for (double o : offset) if (!Double.isFinite(o)) throw new IllegalArgumentException("scale_linear offsets must be finite.");
			gain = gain.clone();
			offset = offset.clone();
		}

		@Override
		public double[] gain() {
			return gain.clone();
		}

		@Override
		public double[] offset() {
			return offset.clone();
		}

		@Override
		public void apply(float[] hwc, int channels, double typeMax) {
			int n = Math.max(gain.length, offset.length);
			if (n != 1 && n != channels) {
				throw new IllegalArgumentException("scale_linear has values for " + n + " channels but the image has " + channels + ".");
			}
			for (int i = 0; i < hwc.length; i++) {
				int c = i % channels;
				double g = gain[gain.length == 1 ? 0 : c], o = offset[offset.length == 1 ? 0 : c];
				hwc[i] = (float) (hwc[i] * g + o);
			}
		}

		@Override
		public boolean equals(Object o) {
			return o instanceof ScaleLinear s && Arrays.equals(gain, s.gain) && Arrays.equals(offset, s.offset);
		}

		@Override
		public int hashCode() {
			return 31 * Arrays.hashCode(gain) + Arrays.hashCode(offset);
		}

		@Override
		public String toString() {
			return describe();
		}

		@Override
		public String describe() {
			return "scale_linear(" + join(gain) + "," + join(offset) + ")";
		}

		private static String join(double[] v) {
			StringBuilder b = new StringBuilder();
			for (int i = 0; i < v.length; i++) b.append(i == 0 ? "" : "|").append(String.format(Locale.ROOT, "%s", v[i]));
			return b.toString();
		}
	}

	/** 1 where x > threshold, else 0 (bioimage.io "binarize"). */
	record Binarize(double threshold) implements Normalization {
		public Binarize {
			if (!Double.isFinite(threshold)) throw new IllegalArgumentException("The binarize threshold must be finite.");
		}

		@Override
		public void apply(float[] hwc, int channels, double typeMax) {
			for (int i = 0; i < hwc.length; i++) hwc[i] = hwc[i] > threshold ? 1f : 0f;
		}

		@Override
		public String describe() {
			return String.format(Locale.ROOT, "binarize(%s)", threshold);
		}
	}

	/**
	 * Each value converted to an integer type as numpy's {@code astype} converts it (bioimage.io "ensure_dtype"
	 * to an integer type; bioimageio.core converts a raw input to its declared data type first): the fraction
	 * cut off (towards zero), then wrapped modulo 2^bits into the type's range (-1 as uint8 is 255, 256 is 0),
	 * NaN as 0; "bool" gives 1 for every value but 0. The values stay floats.
	 */
	record Cast(String dtype) implements Normalization {
		/** The integer types (and bool) a cast converts to, with their bits. */
		public static final Map<String, Integer> BITS = Map.of("bool", 1, "uint8", 8, "int8", 8, "uint16", 16, "int16", 16,
			"uint32", 32, "int32", 32);

		public Cast {
			if (dtype == null || !BITS.containsKey(dtype)) {
				throw new IllegalArgumentException("cast(...) takes one of " + new java.util.TreeSet<>(BITS.keySet()) + ", not '" + dtype + "'.");
			}
		}

		/** The value {@code x} has after the cast. */
		public double cast(double x) {
			if (dtype.equals("bool")) return x != 0 ? 1 : 0; // numpy: NaN is true
			if (Double.isNaN(x)) return 0;
			double v = x < 0 ? Math.ceil(x) : Math.floor(x), m = Math.pow(2, BITS.get(dtype));
			double r = v - Math.floor(v / m) * m; // in [0, m)
			return dtype.startsWith("u") || r < m / 2 ? r : r - m;
		}

		@Override
		public void apply(float[] hwc, int channels, double typeMax) {
			for (int i = 0; i < hwc.length; i++) hwc[i] = (float) cast(hwc[i]);
		}

		@Override
		public String describe() {
			return "cast(" + dtype + ")";
		}
	}

	/**
	 * A per-channel normalisation whose statistics are taken over all channels together
	 * (bioimage.io axes that include the channel axis, e.g. scale_range over "xyc").
	 */
	record Joint(Normalization perChannel) implements Normalization {
		public Joint {
			if (perChannel == null || perChannel instanceof Steps) throw new IllegalArgumentException("joint(...) takes one normalisation.");
		}

		@Override
		public void apply(float[] hwc, int channels, double typeMax) {
			perChannel.apply(hwc, 1, typeMax);
		}

		@Override
		public String describe() {
			return "joint(" + perChannel.describe() + ")";
		}
	}

	/** Several normalisations, one after the other ("percentile(1,99.8); clip(0,1)"). */
	record Steps(java.util.List<Normalization> steps) implements Normalization {
		public Steps {
			steps = java.util.List.copyOf(steps);
			if (steps.isEmpty()) throw new IllegalArgumentException("No normalisation steps given.");
		}

		@Override
		public void apply(float[] hwc, int channels, double typeMax) {
			double max = typeMax;
			for (Normalization n : steps) {
				n.apply(hwc, channels, max);
				max = Double.NaN; // after the first step the values are no longer raw pixels
			}
		}

		@Override
		public String describe() {
			StringBuilder b = new StringBuilder();
			for (Normalization n : steps) b.append(b.length() == 0 ? "" : "; ").append(n.describe());
			return b.toString();
		}
	}

	/**
	 * The fixed map {@code x -> a x + b} that a normalisation applies to raw values of channel {@code c}, as {a, b}, clips
	 * left out (they only cut values off); null when it depends on the image's values (unit_range, statistics) or is no
	 * straight line (a cast, binarize), or when its per-channel values are not for channel c. Says which raw values the
	 * model's fixed preprocessing takes where (1/255: 0 to 255 onto 0 to 1), whatever steps declare it.
	 */
	static double[] fixedLine(Normalization n, int c) {
		if (n instanceof None || n instanceof Clip) return new double[] { 1, 0 };
		if (n instanceof Affine a) return new double[] { 1 / a.scale(), -a.offset() / a.scale() };
		if (n instanceof ScaleLinear s) {
			double[] g = s.gain, o = s.offset;
			if ((g.length > 1 && c >= g.length) || (o.length > 1 && c >= o.length)) return null;
			return new double[] { g[g.length == 1 ? 0 : c], o[o.length == 1 ? 0 : c] };
		}
		if (n instanceof Steps steps) {
			double[] line = { 1, 0 };
			for (Normalization step : steps.steps()) {
				double[] next = fixedLine(step, c);
				if (next == null) return null;
				line = new double[] { next[0] * line[0], next[0] * line[1] + next[1] };
			}
			return line;
		}
		return null;
	}

	/**
	 * Parses "none", "unit_range", "zero_mean_unit_variance", "percentile(1,99.8)",
	 * "affine(offset,scale)", "clip(min,max)", "scale_linear(gain,offset)" (per channel:
	 * "scale_linear(g1|g2|g3,o1|o2|o3)"), "binarize(threshold)", "cast(uint8)", "joint(...)" and steps separated
	 * by ";".
	 */
	static Normalization parse(String text) {
		String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT).replace(" ", "");
		java.util.List<String> parts = splitSteps(t);
		if (parts.size() > 1) {
			java.util.List<Normalization> steps = new java.util.ArrayList<>();
			for (String p : parts) steps.add(parse(p));
			return new Steps(steps);
		}
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
			if (t.startsWith("clip(") && t.endsWith(")")) {
				double[] a = numbers(t, "clip(");
				return new Clip(a[0], a[1]);
			}
			if (t.startsWith("binarize(") && t.endsWith(")")) {
				return new Binarize(Double.parseDouble(t.substring(9, t.length() - 1)));
			}
			if (t.startsWith("scale_linear(") && t.endsWith(")")) {
				String[] ab = t.substring(13, t.length() - 1).split(",");
				if (ab.length != 2) throw new NumberFormatException();
				return new ScaleLinear(list(ab[0]), list(ab[1]));
			}
			if (t.startsWith("cast(") && t.endsWith(")")) {
				String dtype = t.substring(5, t.length() - 1);
				if (Cast.BITS.containsKey(dtype)) return new Cast(dtype);
			}
			if (t.startsWith("joint(") && t.endsWith(")")) {
				return new Joint(parse(t.substring(6, t.length() - 1)));
			}
		} catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
			// fall through to the message below
		}
		throw new IllegalArgumentException("Unknown normalisation '" + text + "'. Use none, unit_range, "
			+ "zero_mean_unit_variance, percentile(low,high), affine(offset,scale), clip(min,max), scale_linear(gain,offset), "
			+ "binarize(threshold), cast(uint8) (or another integer type), joint(...), or several separated by ';'.");
	}

	private static java.util.List<String> splitSteps(String t) {
		java.util.List<String> parts = new java.util.ArrayList<>();
		int depth = 0, start = 0;
		for (int i = 0; i < t.length(); i++) {
			char c = t.charAt(i);
			if (c == '(') depth++;
			else if (c == ')') depth--;
			else if (c == ';' && depth == 0) {
				parts.add(t.substring(start, i));
				start = i + 1;
			}
		}
		parts.add(t.substring(start));
		return parts;
	}

	private static double[] list(String s) {
		String[] v = s.split("\\|");
		double[] d = new double[v.length];
		for (int i = 0; i < v.length; i++) d[i] = number(v[i]);
		return d;
	}

	/** A number as describe() writes it, lowercased: "infinity" for a one-sided clip's open end. */
	private static double number(String s) {
		return switch (s) {
			case "infinity", "+infinity", "inf", "+inf" -> Double.POSITIVE_INFINITY;
			case "-infinity", "-inf" -> Double.NEGATIVE_INFINITY;
			default -> Double.parseDouble(s);
		};
	}

	private static double[] numbers(String t, String prefix) {
		String[] parts = t.substring(prefix.length(), t.length() - 1).split(",");
		if (parts.length != 2) throw new NumberFormatException();
		return new double[] { number(parts[0]), number(parts[1]) };
	}
}
