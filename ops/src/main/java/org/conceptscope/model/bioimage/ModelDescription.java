package org.conceptscope.model.bioimage;

import java.util.List;
import java.util.Map;

/**
 * What a bioimage.io model rdf.yaml (format 0.4 or 0.5) says, as far as ConceptScope uses it.
 *
 * @param formatVersion     e.g. "0.4.10", "0.5.3"
 * @param inputs            input tensors in rdf order
 * @param outputs           output tensors in rdf order
 * @param weights           weight formats by name ("tensorflow_saved_model_bundle", "onnx", ...)
 * @param config            the free-form config section (empty if absent)
 * @param tolerances        for comparing the test outputs, in the order they apply: the entries of
 *                          config.bioimageio.reproducibility_tolerance, then the legacy
 *                          config.bioimageio.test_kwargs (see {@link #tolerance})
 */
public record ModelDescription(String formatVersion, String name, String description, List<TensorDescription> inputs,
	List<TensorDescription> outputs, Map<String, FileRef> weights, Map<String, Object> config, List<Tolerance> tolerances) {

	public ModelDescription {
		inputs = List.copyOf(inputs);
		outputs = List.copyOf(outputs);
		weights = Map.copyOf(weights);
		config = Map.copyOf(config);
		tolerances = List.copyOf(tolerances);
	}

	/**
	 * How far a reproduced test output may lie from the package's: a value is mismatched when
	 * |output - expected| > absolute + relative * |expected|, and the test passes when at most
	 * {@code mismatchedPerMillion} values per million are (bioimage.io's ReproducibilityTolerance).
	 *
	 * @param outputIds      the outputs it applies to (empty: all)
	 * @param weightsFormats the weights formats it applies to (empty: all)
	 */
	public record Tolerance(double relative, double absolute, double mismatchedPerMillion, List<String> outputIds,
		List<String> weightsFormats) {
		public Tolerance {
			outputIds = List.copyOf(outputIds);
			weightsFormats = List.copyOf(weightsFormats);
		}

		boolean appliesTo(String weightsFormat, String outputId) {
			return (weightsFormats.isEmpty() || weightsFormats.contains(weightsFormat)) && (outputIds.isEmpty() || outputIds.contains(outputId));
		}
	}

	/**
	 * The tolerance for one output run with one weights format, chosen as bioimage.io's own test
	 * (core-bioimage-io-python) chooses it: the first entry that applies; else 1e-3 relative,
	 * 1e-3 absolute and, for format 0.5, 100 mismatched values per million (0.4: none).
	 */
	public Tolerance tolerance(String weightsFormat, String outputId) {
		for (Tolerance t : tolerances) if (t.appliesTo(weightsFormat, outputId)) return t;
		return new Tolerance(1e-3, 1e-3, formatVersion.startsWith("0.4") ? 0 : 100, List.of(), List.of());
	}

	/** The inputs the model needs, in rdf order: all but those marked {@code optional: true} (0.5). */
	public List<TensorDescription> requiredInputs() {
		return inputs.stream().filter(t -> !t.optional()).toList();
	}

	/** "0.4" or "0.5". */
	public String majorMinor() {
		String[] p = formatVersion.split("\\.");
		return p[0] + "." + p[1];
	}

	/** A file of the package: a path relative to rdf.yaml, and the SHA-256 it must have (null: not given). */
	public record FileRef(String source, String sha256) {}

	/** A pre- or postprocessing step: its name (0.4 "name", 0.5 "id") and keyword arguments. */
	public record Processing(String name, Map<String, Object> kwargs) {
		public Processing {
			kwargs = kwargs == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(kwargs));
		}
	}

	/**
	 * One axis of a tensor.
	 *
	 * @param kind            'b' batch, 'c' channel, 'x' 'y' 'z' space, 't' time, 'i' index
	 * @param id              the axis id (0.5) or letter (0.4)
	 * @param size            fixed size, or -1
	 * @param min             smallest size of a parameterised axis (size = min + k * step), or -1
	 * @param step            step of a parameterised axis (0: only min)
	 * @param referenceTensor for sizes given by another tensor's axis, else null
	 * @param channelNames    names of a channel axis's channels (0.5), else empty
	 * @param scale           a space axis's physical size of one step (0.5 "scale"), else NaN
	 * @param unit            the unit of {@code scale} (0.5 "unit", e.g. "micrometer"), else null
	 */
	public record Axis(char kind, String id, long size, long min, long step, String referenceTensor, List<String> channelNames,
		double scale, String unit) {
		public Axis {
			channelNames = channelNames == null ? List.of() : List.copyOf(channelNames);
		}

		public Axis(char kind, String id, long size, long min, long step, String referenceTensor, List<String> channelNames) {
			this(kind, id, size, min, step, referenceTensor, channelNames, Double.NaN, null);
		}

		/**
		 * The channel names that name channels: {@link #channelNames}, or empty when they are the placeholders bioimageio.spec
		 * writes when it converts a 0.4 rdf (which has no channel names) to 0.5, exactly channel0, channel1, ... in order
		 * (model v0_5 {@code convert_axes}); compared with an image's channel labels they would only disagree.
		 */
		public List<String> namedChannels() {
			for (int i = 0; i < channelNames.size(); i++) {
				if (!channelNames.get(i).equals("channel" + i)) return channelNames;
			}
			return List.of();
		}

		/** Whether n is a valid size of this axis (references and unknown sizes accept any). */
		public boolean accepts(long n) {
			if (size > 0) return n == size;
			if (min > 0) return n >= min && (step == 0 ? n == min : (n - min) % step == 0);
			return n >= 1;
		}

		/** The largest size up to n this axis accepts, or its smallest when n is below it; n for an axis of any size. */
		public long fit(long n) {
			if (size > 0) return size;
			if (min > 0) return n <= min || step == 0 ? min : min + (n - min) / step * step;
			return n;
		}

		/** "32", "64 + k*16", "any". */
		public String describeSize() {
			if (size > 0) return Long.toString(size);
			if (min > 0) return step == 0 ? Long.toString(min) : min + " + k*" + step + " (" + min + ", " + (min + step) + ", " + (min + 2 * step) + ", ...)";
			return referenceTensor != null ? "the size of " + referenceTensor : "any";
		}
	}

	/**
	 * A declared value range {@code [min, max]} as the rdf writes it, beside the data type {@code type} it describes. An end
	 * written .inf is infinite; an end left null is null here (0.5: what the type can express; 0.4 reads it as open); 0.4
	 * allows .nan. Neither version checks min <= max. {@code unreadable}: when the field is not a range, the field and what was
	 * found, and the ends are null; the package loads all the same (only Feature Visualization uses the range, and
	 * {@link DeclaredRanges} says why it did not).
	 */
	public record DataRange(Double min, Double max, String type, String unreadable) {

		/** A range of numbers (an end may be infinite) beside a float32 type. */
		public DataRange(double min, double max) {
			this(min, max, "float32", null);
		}

		/** A field that is not a range: {@code why} names the field and what was found. */
		static DataRange unreadable(String why, String type) {
			return new DataRange(null, null, type, why);
		}

		@Override
		public String toString() {
			return unreadable != null ? "(unreadable)" : "[" + number(min) + ", " + number(max) + "]";
		}

		/** An end as the rdf would write it: 255, 0.5, inf, nan, null. */
		static String number(Double v) {
			if (v == null) return "null";
			if (Double.isNaN(v)) return "nan";
			if (Double.isInfinite(v)) return v > 0 ? "inf" : "-inf";
			return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString(v.longValue()) : Double.toString(v);
		}
	}

	/**
	 * One input or output tensor.
	 *
	 * @param id         0.5 "id", 0.4 "name"
	 * @param dataType   e.g. "float32"
	 * @param testTensor the test input or output .npy (0.5 test_tensor, 0.4 test_inputs/test_outputs)
	 * @param optional   a 0.5 input with {@code optional: true}: the model runs without it (bioimage.io passes None)
	 * @param dataRanges the declared value range of the tensor's data, before its preprocessing: 0.4 {@code data_range} (one),
	 *                   0.5 {@code data} (one, or one per channel; a bound it leaves null is null); empty when none is given
	 */
	public record TensorDescription(String id, List<Axis> axes, String dataType, List<Processing> preprocessing,
		List<Processing> postprocessing, FileRef testTensor, boolean optional, List<DataRange> dataRanges) {

		public TensorDescription {
			axes = List.copyOf(axes);
			preprocessing = List.copyOf(preprocessing);
			postprocessing = List.copyOf(postprocessing);
			dataRanges = List.copyOf(dataRanges);
		}

		/** A tensor without a declared value range. */
		public TensorDescription(String id, List<Axis> axes, String dataType, List<Processing> preprocessing,
			List<Processing> postprocessing, FileRef testTensor, boolean optional) {
			this(id, axes, dataType, preprocessing, postprocessing, testTensor, optional, List.of());
		}

		/** A tensor the model needs. */
		public TensorDescription(String id, List<Axis> axes, String dataType, List<Processing> preprocessing,
			List<Processing> postprocessing, FileRef testTensor) {
			this(id, axes, dataType, preprocessing, postprocessing, testTensor, false);
		}

		/** The axis kinds in order, e.g. "byxc". */
		public String axesString() {
			StringBuilder b = new StringBuilder();
			for (Axis a : axes) b.append(a.kind());
			return b.toString();
		}

		public Axis axis(char kind) {
			for (Axis a : axes) if (a.kind() == kind) return a;
			return null;
		}
	}
}
