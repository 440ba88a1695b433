package org.conceptscope.model.bioimage;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.conceptscope.model.InputValueRange;
import org.conceptscope.model.bioimage.ModelDescription.DataRange;
import org.conceptscope.model.bioimage.ModelDescription.TensorDescription;
import org.conceptscope.tensor.Normalization;

/**
 * A package's declared input value range in the units its network takes. The spec's range describes the tensor the package
 * is given, before its preprocessing: 0.5 puts it beside the data type that the preprocessing's first ensure_dtype converts
 * to; 0.4 puts data_range beside the raw data_type, but does not say which side of the preprocessing it means (its
 * conversion to 0.5 drops it). So a 0.5 range is mapped through the preprocessing as ConceptScope applies it, where every
 * step maps a fixed interval onto a fixed interval (scale_linear, fixed_zero_mean_unit_variance, clip, an ensure_dtype that
 * does not wrap); a 0.4 range is used only without preprocessing, where both readings agree. Ranges that differ between
 * channels there (a range per channel, or one through a per-channel normalisation) are kept per channel: MACO's canvas
 * puts each channel in its own range.
 */
final class DeclaredRanges {

	private DeclaredRanges() {}

	/** Why a range does not map. */
	private static final class Unmapped extends Exception {
		Unmapped(String why) {
			super(why, null, false, false);
		}
	}

	/**
	 * The input's declared range in the network's units; null when it declares none (or only open ones, [-inf, inf]
	 * as many 0.4 packages write, or both ends left to the type); {@link InputValueRange#unusable} with the reason when it
	 * declares one that cannot be used. {@code channels}: the input's channel count from the rdf, below 1 when it does not
	 * say (one range is then taken for every channel).
	 */
	static InputValueRange of(String formatVersion, TensorDescription input, Normalization preprocessing, int channels) {
		List<DataRange> ranges = input.dataRanges();
		boolean v04 = formatVersion.startsWith("0.4");
		String field = "the package's input '" + input.id() + "' " + (v04 ? "data_range" : ranges.size() > 1 ? "data ranges" : "data.range");
		for (DataRange r : ranges) {
			if (r.unreadable() != null) {
				return InputValueRange.unusable(field + " cannot be read (rdf.yaml " + r.unreadable() + "); give values_range");
			}
		}
		String declared = field + " " + String.join(", ", ranges.stream().map(DataRange::toString).toList());
		if (ranges.stream().allMatch(r -> (r.min() == null || r.min() == Double.NEGATIVE_INFINITY)
			&& (r.max() == null || r.max() == Double.POSITIVE_INFINITY))) return null;
		for (DataRange r : ranges) {
			String problem = problem(r);
			if (problem != null) return InputValueRange.unusable(declared + " " + problem);
		}
		boolean known = channels >= 1;
		if (!known) channels = ranges.size();
		if (ranges.size() > 1 && ranges.size() != channels) {
			return InputValueRange.unusable(declared + " gives " + ranges.size() + " ranges for " + channels + " channels");
		}
		boolean none = preprocessing instanceof Normalization.None;
		if (v04 && !none) {
			return InputValueRange.unusable(declared + " may be before or after its preprocessing (format 0.4 does not say)");
		}
		double[][] mapped = new double[channels][];
		try {
			for (int c = 0; c < channels; c++) {
				DataRange r = ranges.get(ranges.size() == 1 ? 0 : c);
				mapped[c] = map(preprocessing, new double[] { r.min(), r.max() }, c, channels, known);
			}
		} catch (Unmapped e) {
			return InputValueRange.unusable(declared + " is before its preprocessing, whose " + e.getMessage());
		}
		for (double[] m : mapped) {
			if (!InputValueRange.usable(m[0], m[1])) {
				return InputValueRange.unusable(declared + " becomes the single value " + m[0] + " after its preprocessing");
			}
		}
		String source = "declared by " + declared + (none ? "" : " through its preprocessing " + preprocessing.describe());
		boolean same = Arrays.stream(mapped).allMatch(m -> Arrays.equals(m, mapped[0]));
		if (same) return new InputValueRange(mapped[0][0], mapped[0][1], source);
		List<String> each = new ArrayList<>();
		double[] lo = new double[channels], hi = new double[channels];
		for (int c = 0; c < channels; c++) {
			lo[c] = mapped[c][0];
			hi[c] = mapped[c][1];
			each.add(new DataRange(lo[c], hi[c]).toString());
		}
		return InputValueRange.perChannel(lo, hi, source + (none ? "" : ", per channel " + String.join(", ", each)));
	}

	/**
	 * Why one declared range gives no interval to put the canvas in, or null when it does. An end left to the type is not
	 * taken even for an integer type (uint16's 0 to 65535 would put the canvas far above a 12-bit camera's values).
	 */
	private static String problem(DataRange r) {
		for (int end = 0; end < 2; end++) {
			if ((end == 0 ? r.min() : r.max()) == null) {
				double[] limits = typeLimits(r.type());
				return "leaves its " + (end == 0 ? "minimum" : "maximum") + " to the type (" + r.type()
					+ (limits == null ? "" : ": " + DataRange.number(limits[end])) + ")";
			}
		}
		double lo = r.min(), hi = r.max();
		if (Double.isNaN(lo) || Double.isNaN(hi)) return "has an end that is not a number";
		if (Double.isInfinite(lo) || Double.isInfinite(hi)) return "has an open end";
		if (lo > hi) return "has its minimum above its maximum";
		if (!InputValueRange.usable(lo, hi)) return "is the single value " + DataRange.number(lo);
		return null;
	}

	/** The smallest and largest value of an integer data type, or null for another type. */
	static double[] typeLimits(String dtype) {
		Integer bits = Normalization.Cast.BITS.get(dtype);
		if (bits == null || dtype.equals("bool") || dtype.startsWith("float")) return null;
		return dtype.startsWith("u") ? new double[] { 0, Math.pow(2, bits) - 1 } : new double[] { -Math.pow(2, bits - 1), Math.pow(2, bits - 1) - 1 };
	}

	/** The interval {lo, hi} of channel c after the step: exact for steps that map an interval onto an interval. */
	private static double[] map(Normalization n, double[] r, int c, int channels, boolean known) throws Unmapped {
		if (n instanceof Normalization.None) return r;
		if (n instanceof Normalization.Steps s) {
			for (Normalization step : s.steps()) r = map(step, r, c, channels, known);
			return r;
		}
		if (n instanceof Normalization.ScaleLinear s) {
			double[] g = s.gain(), o = s.offset();
			if ((g.length != 1 && g.length != channels) || (o.length != 1 && o.length != channels)) {
				throw new Unmapped("step " + n.describe() + " has values for another number of channels than " + (known ? channels
					: "the one range given (the input does not say how many channels it has)"));
			}
			return sorted(r[0] * g[g.length == 1 ? 0 : c] + o[o.length == 1 ? 0 : c], r[1] * g[g.length == 1 ? 0 : c] + o[o.length == 1 ? 0 : c]);
		}
		if (n instanceof Normalization.Affine a) return sorted((r[0] - a.offset()) / a.scale(), (r[1] - a.offset()) / a.scale());
		if (n instanceof Normalization.Clip k) {
			return new double[] { Math.min(k.max(), Math.max(k.min(), r[0])), Math.min(k.max(), Math.max(k.min(), r[1])) };
		}
		if (n instanceof Normalization.Cast k && !k.dtype().equals("bool")) {
			// within the type the cast only cuts fractions off (monotone); outside it wraps around
			double[] t = typeLimits(k.dtype());
			if (t != null && (r[0] < t[0] || r[1] > t[1])) throw new Unmapped("step " + n.describe() + " wraps values outside " + new DataRange(t[0], t[1]));
			return new double[] { k.cast(r[0]), k.cast(r[1]) };
		}
		throw new Unmapped("step " + n.describe() + " " + (n instanceof Normalization.Binarize || n instanceof Normalization.Cast
			? "maps values to 0 and 1" : "depends on each image's values") + ", so the range has no fixed place after it");
	}

	private static double[] sorted(double a, double b) {
		return a <= b ? new double[] { a, b } : new double[] { b, a };
	}
}
