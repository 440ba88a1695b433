package org.conceptscope.model.bioimage;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.conceptscope.model.ModelLoadException;
import org.conceptscope.model.bioimage.ModelDescription.Axis;
import org.conceptscope.model.bioimage.ModelDescription.Processing;
import org.conceptscope.model.bioimage.ModelDescription.TensorDescription;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.tensor.Normalization;
import org.conceptscope.tensor.Softmax;

/**
 * bioimage.io pre- and postprocessing as ConceptScope operations.
 * <p>
 * Preprocessing becomes a {@link Normalization} (applied per image, statistics per channel, or
 * over all channels together when the axes include the channel axis): scale_linear,
 * scale_range (per sample), zero_mean_unit_variance (per sample or fixed), fixed_zero_mean_unit_variance,
 * clip, binarize, ensure_dtype (float32/float64; on an input also to an integer type or bool, a {@link Normalization.Cast}:
 * bioimageio.core converts the raw input to its data type first). The eps of scale_range and
 * zero_mean_unit_variance (1e-6 by default) is not added: ConceptScope divides by the range or
 * standard deviation itself (and by 1 when it is zero). Per-dataset statistics and reference
 * tensors are refused: the package does not ship them.
 * <p>
 * Postprocessing additionally supports sigmoid and softmax (over the channels), and ensure_dtype to an integer type
 * (also int64 and uint64) as the same cast: it gives the declared output, which the package's test output holds; the
 * scores ConceptScope explains leave such casts out ({@link #withoutIntegerCasts}). It runs on one image's
 * output at a time, channel last: a classifier's [K] is one pixel of K channels, a map's [H, W, C]
 * (as the engines give it, whatever the rdf's axes order) H x W pixels of C channels, so per-channel
 * values and per-channel statistics over y and x apply to the output's channel axis.
 */
final class Processings {

	/** The data types ensure_dtype may convert to here: ConceptScope computes in float. */
	static final java.util.List<String> FLOAT_TYPES = java.util.List.of("float32", "float64");

	private Processings() {}

	static Normalization preprocessing(TensorDescription t, String where) {
		List<Normalization> steps = new ArrayList<>();
		for (Processing p : t.preprocessing()) {
			Normalization n = step(p, t, where + " preprocessing '" + p.name() + "'", false);
			if (n != null) steps.add(n);
		}
		if (steps.isEmpty()) return new Normalization.None();
		return steps.size() == 1 ? steps.get(0) : new Normalization.Steps(steps);
	}

	/** One postprocessing step on one image's output, channel last, in place. */
	@FunctionalInterface
	interface Step {
		void apply(float[] values, int channels);
	}

	/**
	 * The output's postprocessing without its ensure_dtype steps to integer types: the continuous values a classifier's
	 * probabilities are (a cast is a step function: no gradient, and a sigmoid's probabilities cast to uint8 are 0).
	 */
	static TensorDescription withoutIntegerCasts(TensorDescription t) {
		List<Processing> post = t.postprocessing().stream()
			.filter(p -> !p.name().equals("ensure_dtype") || FLOAT_TYPES.contains(String.valueOf(p.kwargs().get("dtype")))).toList();
		return new TensorDescription(t.id(), t.axes(), t.dataType(), t.preprocessing(), post, t.testTensor(), t.optional(), t.dataRanges());
	}

	/** Postprocessing of an output, one image at a time (see {@link #apply}); empty list: none. */
	static List<Step> postprocessing(TensorDescription t, String where) {
		List<Step> steps = new ArrayList<>();
		for (Processing p : t.postprocessing()) {
			String w = where + " postprocessing '" + p.name() + "'";
			Object dtype = p.name().equals("ensure_dtype") ? p.kwargs().get("dtype") : null;
			if ("int64".equals(dtype) || "uint64".equals(dtype)) {
				// numpy's astype: the fraction cut off; a float holds no value that wraps in 64 bits but a negative one as uint64
				boolean unsigned = dtype.equals("uint64");
				steps.add((v, channels) -> {
					for (int i = 0; i < v.length; i++) {
						double x = Double.isNaN(v[i]) ? 0 : v[i] < 0 ? Math.ceil(v[i]) : Math.floor(v[i]);
						v[i] = (float) (unsigned && x < 0 ? x + 0x1p64 : x);
					}
				});
				continue;
			}
			switch (p.name()) {
				case "sigmoid" -> steps.add((v, channels) -> {
					for (int i = 0; i < v.length; i++) v[i] = (float) (1 / (1 + Math.exp(-v[i])));
				});
				case "softmax" -> {
					Object axis = p.kwargs().get("axis");
					if (axis != null && !isChannelAxis(axis, t)) {
						throw unsupported(w, "runs over the axis '" + axis + "'; ConceptScope takes the softmax over the channels");
					}
					steps.add(Softmax::overChannelsInPlace);
				}
				default -> {
					Normalization n = step(p, t, w, true);
					if (n != null) steps.add((v, channels) -> n.apply(v, channels, Double.NaN));
				}
			}
		}
		return steps;
	}

	/**
	 * Applies the steps to an output as the engines give it: [N, K] (each row one pixel of K channels)
	 * or a map [N, H, W, C] (each image H x W pixels of C channels).
	 */
	static FloatTensor apply(List<Step> steps, FloatTensor out) {
		if (steps.isEmpty()) return out;
		int n = (int) out.dim(0), per = out.size() / Math.max(1, n), channels = (int) out.dim(out.rank() - 1);
		float[] data = new float[out.size()];
		for (int i = 0; i < n; i++) {
			float[] image = java.util.Arrays.copyOfRange(out.data(), i * per, (i + 1) * per);
			for (Step s : steps) s.apply(image, channels);
			System.arraycopy(image, 0, data, i * per, per);
		}
		return new FloatTensor(out.shape(), data);
	}

	/** One step as a Normalization; null for a step that does nothing here. */
	private static Normalization step(Processing p, TensorDescription t, String where, boolean output) {
		Map<String, Object> kw = p.kwargs();
		switch (p.name()) {
			case "ensure_dtype" -> {
				String dtype = String.valueOf(kw.get("dtype"));
				if (FLOAT_TYPES.contains(dtype)) return null;
				// an input's raw values become what the integer type holds (bioimageio.core casts them so), and so does the
				// declared output of a package whose output data type is an integer one (the spec ends its postprocessing so)
				if (Normalization.Cast.BITS.containsKey(dtype)) return new Normalization.Cast(dtype);
				throw unsupported(where, "converts to " + dtype + "; ConceptScope keeps float32 values");
			}
			case "scale_linear" -> {
				double[] gain = kw.containsKey("gain") ? doubles(kw.get("gain"), where + " gain") : new double[] { 1 };
				double[] offset = kw.containsKey("offset") ? doubles(kw.get("offset"), where + " offset") : new double[] { 0 };
				if ((gain.length > 1 || offset.length > 1) && kw.get("axis") != null && !isChannelAxis(kw.get("axis"), t)) {
					throw unsupported(where, "has one value per entry of the axis '" + kw.get("axis") + "'; ConceptScope takes one per channel");
				}
				return new Normalization.ScaleLinear(gain, offset);
			}
			case "fixed_zero_mean_unit_variance" -> {
				return fixed(kw, t, where);
			}
			case "zero_mean_unit_variance" -> {
				String mode = kw.get("mode") == null ? "per_sample" : String.valueOf(kw.get("mode"));
				if (mode.equals("fixed")) return fixed(kw, t, where);
				if (!mode.equals("per_sample")) throw unsupported(where, "uses mode " + mode + "; ConceptScope computes statistics per image");
				return jointIf(new Normalization.ZeroMeanUnitVariance(), t, kw, where, output);
			}
			case "scale_range" -> {
				String mode = kw.get("mode") == null ? "per_sample" : String.valueOf(kw.get("mode"));
				if (!mode.equals("per_sample")) throw unsupported(where, "uses mode " + mode + "; ConceptScope computes statistics per image");
				Object ref = kw.get("reference_tensor");
				if (ref != null && !String.valueOf(ref).equals(t.id())) {
					throw unsupported(where, "takes its statistics from the tensor '" + ref + "'");
				}
				double lo = kw.get("min_percentile") == null ? 0 : number(kw.get("min_percentile"), where + " min_percentile");
				double hi = kw.get("max_percentile") == null ? 100 : number(kw.get("max_percentile"), where + " max_percentile");
				try {
					return jointIf(new Normalization.Percentile(lo, hi), t, kw, where, output);
				} catch (IllegalArgumentException e) {
					throw new ModelLoadException(where + ": " + e.getMessage());
				}
			}
			case "clip" -> {
				// 0.5.7 clips at percentiles of the tensor: read as "no bound" they left the input unclipped
				for (String k : List.of("min_percentile", "max_percentile")) {
					if (kw.get(k) != null) {
						throw unsupported(where, "clips at a percentile (" + k + ": " + kw.get(k) + "); ConceptScope clips at fixed min and max"
							+ " values only: give those, or ask the model's authors for them");
					}
				}
				double min = kw.get("min") == null ? Double.NEGATIVE_INFINITY : number(kw.get("min"), where + " min");
				double max = kw.get("max") == null ? Double.POSITIVE_INFINITY : number(kw.get("max"), where + " max");
				if (!(min <= max)) throw new ModelLoadException(where + " has min " + min + " above max " + max + ".");
				return new Normalization.Clip(min, max);
			}
			case "binarize" -> {
				double[] th = doubles(kw.get("threshold"), where + " threshold");
				if (th.length != 1) throw unsupported(where, "has one threshold per channel");
				return new Normalization.Binarize(th[0]);
			}
			default -> throw unsupported(where, "is not a processing step ConceptScope knows (it knows scale_linear, scale_range, "
				+ "zero_mean_unit_variance, fixed_zero_mean_unit_variance, clip, binarize, ensure_dtype"
				+ (output ? ", sigmoid, softmax" : "") + ")");
		}
	}

	private static Normalization fixed(Map<String, Object> kw, TensorDescription t, String where) {
		double[] mean = doubles(kw.get("mean"), where + " mean"), std = doubles(kw.get("std"), where + " std");
		if ((mean.length > 1 || std.length > 1) && kw.get("axis") != null && !isChannelAxis(kw.get("axis"), t)) {
			throw unsupported(where, "has one mean and standard deviation per entry of the axis '" + kw.get("axis") + "'; ConceptScope takes one per channel");
		}
		if (mean.length != std.length && mean.length != 1 && std.length != 1) {
			throw new ModelLoadException(where + " has " + mean.length + " means but " + std.length + " standard deviations.");
		}
		int n = Math.max(mean.length, std.length);
		double[] gain = new double[n], offset = new double[n];
		for (int i = 0; i < n; i++) {
			double m = mean[mean.length == 1 ? 0 : i], s = std[std.length == 1 ? 0 : i];
			if (!(s > 0)) throw new ModelLoadException(where + " has a standard deviation of " + s + "; it must be positive.");
			gain[i] = 1 / s;
			offset[i] = -m / s;
		}
		return new Normalization.ScaleLinear(gain, offset);
	}

	/** Whether a kwargs axis (0.5: an axis id) names the tensor's channel axis. */
	private static boolean isChannelAxis(Object axis, TensorDescription t) {
		String id = String.valueOf(axis);
		Axis a = t.axes().stream().filter(x -> x.id().equals(id)).findFirst().orElse(null);
		return a != null ? a.kind() == 'c' : id.equals("channel") || id.equals("c");
	}

	/** Statistics over the axes named in kwargs: per channel unless they include the channel axis. */
	private static Normalization jointIf(Normalization perChannel, TensorDescription t, Map<String, Object> kw, String where, boolean output) {
		Object axes = kw.get("axes");
		if (axes == null) return new Normalization.Joint(perChannel); // all axes
		List<Character> kinds = new ArrayList<>();
		if (axes instanceof String s) {
			for (char c : s.toLowerCase(Locale.ROOT).toCharArray()) kinds.add(c);
		} else if (axes instanceof List<?> l) {
			for (Object o : l) {
				String id = String.valueOf(o);
				Axis a = t.axes().stream().filter(x -> x.id().equals(id)).findFirst().orElse(null);
				kinds.add(a != null ? a.kind() : id.equals("channel") ? 'c' : id.equals("batch") ? 'b' : id.charAt(0));
			}
		} else {
			throw new ModelLoadException(where + " has axes '" + axes + "'; give them as text (0.4) or a list (0.5).");
		}
		if (kinds.contains('b')) throw unsupported(where, "computes statistics across the batch");
		boolean channels = kinds.contains('c');
		boolean map = t.axes().size() > 2;
		if ((!output || map) && !(kinds.contains('x') && kinds.contains('y'))) {
			throw unsupported(where, "computes statistics over the axes " + kinds + "; ConceptScope computes them over whole images (x and y)");
		}
		if (output && !map && !channels) throw unsupported(where, "computes statistics over the axes " + kinds + " of a classifier output");
		return channels ? new Normalization.Joint(perChannel) : perChannel;
	}

	private static double number(Object o, String where) {
		if (!(o instanceof Number n) || !Double.isFinite(n.doubleValue())) throw new ModelLoadException(where + " must be a finite number, found '" + o + "'.");
		return n.doubleValue();
	}

	private static double[] doubles(Object o, String where) {
		if (o instanceof List<?> l) {
			if (l.isEmpty()) throw new ModelLoadException(where + " is an empty list.");
			double[] v = new double[l.size()];
			for (int i = 0; i < v.length; i++) v[i] = number(l.get(i), where);
			return v;
		}
		return new double[] { number(o, where) };
	}

	private static ModelLoadException unsupported(String where, String why) {
		return new ModelLoadException(where + " " + why + ".");
	}
}
