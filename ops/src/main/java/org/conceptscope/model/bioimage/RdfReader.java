package org.conceptscope.model.bioimage;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.conceptscope.model.ModelLoadException;
import org.conceptscope.model.bioimage.ModelDescription.Axis;
import org.conceptscope.model.bioimage.ModelDescription.FileRef;
import org.conceptscope.model.bioimage.ModelDescription.Processing;
import org.conceptscope.model.bioimage.ModelDescription.TensorDescription;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Reads a bioimage.io model rdf.yaml (format 0.4 or 0.5) with SnakeYAML's SafeConstructor: only
 * maps, lists and scalars are built (no Java types from tags), with limits on aliases (billion
 * laughs), nesting and size. Every missing or mistyped field gives a message naming the field.
 */
final class RdfReader {

	static final long MAX_RDF_BYTES = 2L << 20;
	private static final String AXES_04 = "bitczyx";

	private final String file;

	private RdfReader(String file) {
		this.file = file;
	}

	static ModelDescription read(Path rdf) {
		String text;
		try {
			if (Files.size(rdf) > MAX_RDF_BYTES) throw new ModelLoadException(rdf + " is larger than " + MAX_RDF_BYTES + " bytes; it is not an rdf.yaml.");
			byte[] bytes = Files.readAllBytes(rdf);
			text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
				.onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(bytes)).toString();
		} catch (CharacterCodingException e) {
			throw new ModelLoadException(rdf + " is not a UTF-8 text file; an rdf.yaml is YAML text.", e);
		} catch (IOException e) {
			throw new ModelLoadException("Cannot read " + rdf + ": " + e.getMessage(), e);
		}
		return new RdfReader(rdf.toString()).parse(text);
	}

	static Object loadYaml(String text, String file) {
		LoaderOptions options = new LoaderOptions();
		options.setAllowDuplicateKeys(false);
		options.setMaxAliasesForCollections(20);
		options.setAllowRecursiveKeys(false);
		options.setNestingDepthLimit(40);
		options.setCodePointLimit((int) MAX_RDF_BYTES);
		Yaml yaml = new Yaml(new SafeConstructor(options));
		try {
			return yaml.load(new StringReader(text));
		} catch (YAMLException e) {
			String msg = e.getMessage() == null ? e.toString() : e.getMessage().replaceAll("\\s+", " ").trim();
			throw new ModelLoadException(file + " is not valid YAML (or uses YAML features ConceptScope does not accept): " + msg, e);
		} catch (RuntimeException | StackOverflowError e) {
			throw new ModelLoadException(file + " is not valid YAML: " + e, e);
		}
	}

	ModelDescription parse(String text) {
		Object loaded = loadYaml(text, file);
		if (loaded == null) throw fail("is empty");
		if (!(loaded instanceof Map<?, ?>)) throw fail("is not a YAML mapping of fields (it is a " + kind(loaded) + ")");
		Map<String, Object> root = stringMap(loaded, "the file");
		Object type = root.get("type");
		if (type != null && !"model".equals(String.valueOf(type))) {
			throw fail("describes a bioimage.io '" + type + "', not a model");
		}
		Object fvObj = root.get("format_version");
		if (fvObj == null) throw fail("has no format_version");
		String fv = String.valueOf(fvObj).trim();
		if (!fv.matches("0\\.[45](\\.\\d+)?")) {
			throw fail("has format_version " + fv + "; ConceptScope reads bioimage.io model formats 0.4 and 0.5");
		}
		if (fv.split("\\.").length == 2) fv = fv + ".0";
		boolean v05 = fv.startsWith("0.5");
		String name = root.get("name") == null ? "" : String.valueOf(root.get("name"));
		String description = root.get("description") == null ? "" : String.valueOf(root.get("description"));
		List<TensorDescription> inputs = tensors(root, "inputs", v05);
		List<TensorDescription> outputs = tensors(root, "outputs", v05);
		if (v05) {
			inputs = inputs.stream().map(RdfReader::withDtypeSteps05).toList();
			outputs = outputs.stream().map(RdfReader::withOutputDtype05).toList();
		} else {
			// a 0.4 input's data_type is the raw data's (float32, uint8 or uint16); the network always gets float32
			// after the preprocessing, as bioimage.io's conversion to 0.5 and its runtime make explicit
			inputs = inputs.stream().map(RdfReader::withDtypeSteps04).toList();
			outputs = outputs.stream().map(RdfReader::withOutputDtype04).toList();
			inputs = withTests(inputs, root, "test_inputs");
			outputs = withTests(outputs, root, "test_outputs");
		}
		Map<String, FileRef> weights = new LinkedHashMap<>();
		Object w = root.get("weights");
		if (w == null) throw fail("has no weights");
		for (Map.Entry<String, Object> e : stringMap(w, "weights").entrySet()) {
			if (e.getValue() == null) continue;
			Map<String, Object> entry = stringMap(e.getValue(), "weights." + e.getKey());
			weights.put(e.getKey(), new FileRef(requiredString(entry, "source", "weights." + e.getKey()),
				sha256(entry, "weights." + e.getKey())));
		}
		Map<String, Object> config = root.get("config") == null ? Map.of() : stringMap(root.get("config"), "config");
		List<ModelDescription.Tolerance> tolerances = tolerances(config);
		return new ModelDescription(fv, name, description, inputs, outputs, weights, config, tolerances);
	}

	/**
	 * config.bioimageio.reproducibility_tolerance (each entry: relative_tolerance, absolute_tolerance,
	 * mismatched_elements_per_million, output_ids, weights_formats; the spec's defaults 1e-3, 1e-3, 100),
	 * then the legacy config.bioimageio.test_kwargs by weights format (defaults 1e-3, 1e-3, none mismatched).
	 */
	private List<ModelDescription.Tolerance> tolerances(Map<String, Object> config) {
		List<ModelDescription.Tolerance> out = new ArrayList<>();
		Object bio = config.get("bioimageio");
		if (bio == null) return out;
		Map<String, Object> bm = stringMap(bio, "config.bioimageio");
		Object rt = bm.get("reproducibility_tolerance");
		if (rt != null) {
			List<?> l = list(rt, "config.bioimageio.reproducibility_tolerance");
			for (int i = 0; i < l.size(); i++) {
				String where = "config.bioimageio.reproducibility_tolerance[" + i + "]";
				Map<String, Object> t = stringMap(l.get(i), where);
				out.add(new ModelDescription.Tolerance(tolerance(t, "relative_tolerance", 1e-3, where),
					tolerance(t, "absolute_tolerance", 1e-3, where), tolerance(t, "mismatched_elements_per_million", 100, where),
					strings(t.get("output_ids"), where + ".output_ids"), strings(t.get("weights_formats"), where + ".weights_formats")));
			}
		}
		Object tk = bm.get("test_kwargs");
		if (tk != null) {
			for (Map.Entry<String, Object> e : stringMap(tk, "config.bioimageio.test_kwargs").entrySet()) {
				String where = "config.bioimageio.test_kwargs." + e.getKey();
				Map<String, Object> t = stringMap(e.getValue(), where);
				out.add(new ModelDescription.Tolerance(tolerance(t, "relative_tolerance", 1e-3, where),
					tolerance(t, "absolute_tolerance", 1e-3, where), 0, List.of(), List.of(e.getKey())));
			}
		}
		return out;
	}

	private double tolerance(Map<String, Object> m, String key, double otherwise, String where) {
		Object o = m.get(key);
		if (o == null) return otherwise;
		if (!(o instanceof Number n) || !(n.doubleValue() >= 0) || Double.isInfinite(n.doubleValue())) {
			throw fail("field " + where + "." + key + " must be a number of at least 0, found '" + o + "'");
		}
		return n.doubleValue();
	}

	private List<String> strings(Object o, String where) {
		if (o == null) return List.of();
		List<String> out = new ArrayList<>();
		for (Object v : list(o, where)) out.add(String.valueOf(v));
		return out;
	}

	private List<TensorDescription> tensors(Map<String, Object> root, String key, boolean v05) {
		Object o = root.get(key);
		if (o == null) throw fail("has no " + key);
		if (!(o instanceof List<?> list)) throw fail("field " + key + " must be a list, not a " + kind(o));
		if (list.isEmpty()) throw fail("field " + key + " is empty");
		List<TensorDescription> out = new ArrayList<>();
		Set<String> ids = new HashSet<>();
		for (int i = 0; i < list.size(); i++) {
			String where = key + "[" + i + "]";
			Map<String, Object> t = stringMap(list.get(i), where);
			TensorDescription d = v05 ? tensor05(t, where, key.equals("inputs")) : tensor04(t, where, key.equals("inputs"));
			if (!ids.add(d.id())) throw fail("names the tensor '" + d.id() + "' twice");
			out.add(d);
		}
		return out;
	}

	private TensorDescription tensor04(Map<String, Object> t, String where, boolean input) {
		String id = requiredString(t, "name", where);
		String axes = requiredString(t, "axes", where).toLowerCase(Locale.ROOT);
		Set<Character> seen = new HashSet<>();
		for (char c : axes.toCharArray()) {
			if (AXES_04.indexOf(c) < 0) throw fail("field " + where + ".axes ('" + axes + "') has '" + c + "'; axes are letters of " + AXES_04);
			if (!seen.add(c)) throw fail("field " + where + ".axes ('" + axes + "') names the axis '" + c + "' twice");
		}
		long[] size = new long[axes.length()], min = new long[axes.length()], step = new long[axes.length()];
		java.util.Arrays.fill(size, -1);
		java.util.Arrays.fill(min, -1);
		String reference = null;
		Object shape = t.get("shape");
		if (shape instanceof List<?> l) {
			long[] v = longs(l, where + ".shape", axes.length());
			System.arraycopy(v, 0, size, 0, v.length);
		} else if (shape instanceof Map<?, ?> m) {
			Map<String, Object> sm = stringMap(m, where + ".shape");
			if (sm.containsKey("reference_tensor")) {
				reference = requiredString(sm, "reference_tensor", where + ".shape");
			} else {
				long[] mn = longs(list(sm.get("min"), where + ".shape.min"), where + ".shape.min", axes.length());
				long[] st = longs(list(sm.get("step"), where + ".shape.step"), where + ".shape.step", axes.length());
				for (int i = 0; i < mn.length; i++) {
					if (st[i] == 0) size[i] = mn[i];
					else {
						min[i] = mn[i];
						step[i] = st[i];
					}
				}
			}
		} else if (shape != null) {
			throw fail("field " + where + ".shape must be a list or a mapping, not a " + kind(shape));
		}
		List<Axis> list = new ArrayList<>();
		for (int i = 0; i < axes.length(); i++) {
			char c = axes.charAt(i);
			list.add(new Axis(c, String.valueOf(c), size[i], min[i], step[i], reference, List.of()));
		}
		String dataType = optionalString(t, "data_type", where);
		String rawType = dataType == null ? "float32" : dataType;
		// only inputs' ranges are read (Feature Visualization's canvas); an output's is nothing ConceptScope uses
		List<ModelDescription.DataRange> ranges = !input || t.get("data_range") == null ? List.of()
			: List.of(range(t.get("data_range"), where + ".data_range", rawType, false));
		return new TensorDescription(id, list, rawType, processing(t, "preprocessing", where, "name"),
			processing(t, "postprocessing", where, "name"), null, false, ranges);
	}

	private TensorDescription tensor05(Map<String, Object> t, String where, boolean input) {
		String id = requiredString(t, "id", where);
		List<?> axes = list(t.get("axes"), where + ".axes");
		List<Axis> list = new ArrayList<>();
		Set<String> ids = new HashSet<>();
		for (int i = 0; i < axes.size(); i++) {
			String aw = where + ".axes[" + i + "]";
			Map<String, Object> a = stringMap(axes.get(i), aw);
			String type = requiredString(a, "type", aw);
			String axisId = optionalString(a, "id", aw);
			char kind;
			switch (type) {
				case "batch" -> {
					kind = 'b';
					axisId = axisId == null ? "batch" : axisId;
				}
				case "channel" -> {
					kind = 'c';
					axisId = axisId == null ? "channel" : axisId;
				}
				case "index" -> {
					kind = 'i';
					axisId = axisId == null ? "index" : axisId;
				}
				case "time" -> {
					kind = 't';
					axisId = axisId == null ? "time" : axisId;
				}
				case "space" -> {
					axisId = axisId == null ? "x" : axisId;
					if (!List.of("x", "y", "z").contains(axisId)) throw fail("field " + aw + " is a space axis named '" + axisId + "'; use x, y or z");
					kind = axisId.charAt(0);
				}
				default -> throw fail("field " + aw + ".type is '" + type + "'; axis types are batch, channel, index, time and space");
			}
			if (!ids.add(axisId)) throw fail("field " + where + ".axes names the axis '" + axisId + "' twice");
			long size = -1, min = -1, step = 0;
			String reference = null;
			List<String> names = List.of();
			if (kind == 'c') {
				Object cn = a.get("channel_names");
				if (cn instanceof List<?> l) {
					names = new ArrayList<>();
					for (Object n : l) names.add(String.valueOf(n));
					size = names.size();
				} else if (cn != null) {
					throw fail("field " + aw + ".channel_names must be a list of names");
				}
				if (a.get("size") instanceof Number n) size = n.longValue();
			} else {
				Object s = a.get("size");
				if (s instanceof Number n) {
					size = n.longValue();
				} else if (s instanceof Map<?, ?> m) {
					Map<String, Object> sm = stringMap(m, aw + ".size");
					if (sm.containsKey("tensor_id")) {
						reference = requiredString(sm, "tensor_id", aw + ".size");
					} else {
						min = requiredLong(sm, "min", aw + ".size");
						step = sm.get("step") == null ? 0 : requiredLong(sm, "step", aw + ".size");
						if (min < 1 || step < 0) throw fail("field " + aw + ".size needs min >= 1 and step >= 0");
						if (step == 0) {
							size = min;
							min = -1;
						}
					}
				} else if (s != null) {
					throw fail("field " + aw + ".size must be a number or a mapping, not a " + kind(s));
				}
			}
			if (size == 0 || size < -1) throw fail("field " + aw + ".size must be at least 1");
			double scale = Double.NaN;
			String unit = null;
			if ("xyz".indexOf(kind) >= 0 && a.get("unit") != null) {
				unit = String.valueOf(a.get("unit"));
				Object sc = a.get("scale");
				if (sc != null && !(sc instanceof Number n && n.doubleValue() > 0 && Double.isFinite(n.doubleValue()))) {
					throw fail("field " + aw + ".scale must be a positive number, found '" + sc + "'");
				}
				scale = sc == null ? 1.0 : ((Number) sc).doubleValue();
			}
			list.add(new Axis(kind, axisId, size, min, step, reference, names, scale, unit));
		}
		String dataType = "float32";
		Object data = t.get("data");
		List<ModelDescription.DataRange> ranges = new ArrayList<>();
		if (input && data != null) {
			List<?> each = data instanceof List<?> dl ? dl : List.of(data);
			for (int i = 0; i < each.size(); i++) {
				String dw = where + ".data" + (data instanceof List<?> ? "[" + i + "]" : "");
				// a data entry that is no mapping loads as before ranges were read (its type float32); Feature Visualization says why
				// it has no range
				if (!(each.get(i) instanceof Map<?, ?> dm)) {
					ranges.add(ModelDescription.DataRange.unreadable("field " + dw + " is no mapping of type and range, found '" + each.get(i) + "'",
						"float32"));
					continue;
				}
				String type = dm.get("type") == null ? "float32" : String.valueOf(dm.get("type"));
				// nominal or ordinal values (a list of labels or levels) declare no interval
				ranges.add(dm.get("values") == null && dm.get("range") != null ? range(dm.get("range"), dw + ".range", type, true)
					: new ModelDescription.DataRange(Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY, type, null));
			}
		}
		// one description per channel (a list): the spec takes the first one's type as the tensor's
		if (data instanceof List<?> dl && !dl.isEmpty()) data = dl.get(0);
		if (data instanceof Map<?, ?> dm && dm.get("type") != null) dataType = String.valueOf(dm.get("type"));
		FileRef test = null;
		if (t.get("test_tensor") != null) {
			Map<String, Object> tt = stringMap(t.get("test_tensor"), where + ".test_tensor");
			test = new FileRef(requiredString(tt, "source", where + ".test_tensor"), sha256(tt, where + ".test_tensor"));
		}
		Object optional = t.get("optional");
		if (optional != null && !(optional instanceof Boolean)) throw fail("field " + where + ".optional must be true or false, found '" + optional + "'");
		return new TensorDescription(id, list, dataType, processing(t, "preprocessing", where, "id"),
			processing(t, "postprocessing", where, "id"), test, Boolean.TRUE.equals(optional), ranges);
	}

	/**
	 * A value range [min, max] beside the data type {@code type}: numbers, .inf or "inf" for an infinite end, .nan; null leaves
	 * an end to the type in 0.5 and is an open end in 0.4. Never refuses the package (only Feature Visualization uses the range):
	 * what is not a range is kept as {@link ModelDescription.DataRange#unreadable}, naming the field and what was found.
	 */
	private static ModelDescription.DataRange range(Object o, String where, String type, boolean v05) {
		if (o instanceof List<?> l && l.size() == 2) {
			Double[] v = new Double[2];
			for (int i = 0; i < 2; i++) {
				Object x = l.get(i);
				String text = x == null ? "" : String.valueOf(x).trim().toLowerCase(Locale.ROOT);
				if (x == null) v[i] = v05 ? null : i == 0 ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
				else if (x instanceof Number n) v[i] = n.doubleValue();
				else if (text.matches("[-+]?\\.?inf")) v[i] = text.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
				else if (text.matches("\\.?nan")) v[i] = Double.NaN;
				else v = null;
				if (v == null) break;
			}
			if (v != null) return new ModelDescription.DataRange(v[0], v[1], type, null);
		}
		return ModelDescription.DataRange.unreadable("field " + where + " must be two numbers [min, max] (null or .inf for an open end),"
			+ " found '" + o + "'", type);
	}

	/**
	 * A 0.4 input's preprocessing as bioimageio.core runs it (and as the spec's conversion to 0.5 states it):
	 * the raw data first converted to its data_type when there are steps, and float32 for the network at the end.
	 */
	private static TensorDescription withDtypeSteps04(TensorDescription t) {
		List<Processing> pre = new ArrayList<>(t.preprocessing());
		if (!pre.isEmpty()) pre.add(0, ensureDtype(t.dataType()));
		pre.add(ensureDtype("float32"));
		return new TensorDescription(t.id(), t.axes(), t.dataType(), pre, t.postprocessing(), t.testTensor(), t.optional(), t.dataRanges());
	}

	/**
	 * A 0.5 input's preprocessing as the spec completes it (InputTensorDescr's validator): an ensure_dtype to the
	 * data type first unless it starts with an ensure_dtype, and one at the end unless it ends with ensure_dtype or binarize.
	 */
	private static TensorDescription withDtypeSteps05(TensorDescription t) {
		List<Processing> pre = new ArrayList<>(t.preprocessing());
		if (pre.isEmpty() || !pre.get(0).name().equals("ensure_dtype")) pre.add(0, ensureDtype(t.dataType()));
		String last = pre.get(pre.size() - 1).name();
		if (!last.equals("ensure_dtype") && !last.equals("binarize")) pre.add(ensureDtype(t.dataType()));
		return new TensorDescription(t.id(), t.axes(), t.dataType(), pre, t.postprocessing(), t.testTensor(), t.optional(), t.dataRanges());
	}

	/**
	 * A 0.5 output's postprocessing as the spec completes it (OutputTensorDescr's validator, which bioimageio.core runs):
	 * an ensure_dtype to the output's data type at the end unless it ends with ensure_dtype or binarize. An integer type
	 * there casts the declared output (a {@link org.conceptscope.tensor.Normalization.Cast}).
	 */
	private static TensorDescription withOutputDtype05(TensorDescription t) {
		List<Processing> post = new ArrayList<>(t.postprocessing());
		String last = post.isEmpty() ? null : post.get(post.size() - 1).name();
		if (!"ensure_dtype".equals(last) && !"binarize".equals(last)) post.add(ensureDtype(t.dataType()));
		return new TensorDescription(t.id(), t.axes(), t.dataType(), t.preprocessing(), post, t.testTensor(), t.optional(), t.dataRanges());
	}

	/**
	 * A 0.4 output's postprocessing as bioimageio.core runs it: the network's output converted to the output's
	 * data_type first when there are steps, and float32 at the end (without steps the values stay as they are).
	 */
	private static TensorDescription withOutputDtype04(TensorDescription t) {
		List<Processing> post = new ArrayList<>(t.postprocessing());
		if (!post.isEmpty()) post.add(0, ensureDtype(t.dataType()));
		post.add(ensureDtype("float32"));
		return new TensorDescription(t.id(), t.axes(), t.dataType(), t.preprocessing(), post, t.testTensor(), t.optional(), t.dataRanges());
	}

	private static Processing ensureDtype(String dtype) {
		return new Processing("ensure_dtype", Map.of("dtype", dtype));
	}

	private List<TensorDescription> withTests(List<TensorDescription> tensors, Map<String, Object> root, String key) {
		Object o = root.get(key);
		if (o == null) return tensors;
		List<?> l = list(o, key);
		if (l.size() != tensors.size()) {
			throw fail("field " + key + " lists " + l.size() + " files for " + tensors.size() + " tensors");
		}
		List<TensorDescription> out = new ArrayList<>();
		for (int i = 0; i < l.size(); i++) {
			TensorDescription t = tensors.get(i);
			if (!(l.get(i) instanceof String s)) throw fail("field " + key + "[" + i + "] must be a file name");
			out.add(new TensorDescription(t.id(), t.axes(), t.dataType(), t.preprocessing(), t.postprocessing(), new FileRef(s, null), t.optional(), t.dataRanges()));
		}
		return out;
	}

	private List<Processing> processing(Map<String, Object> t, String key, String where, String nameKey) {
		Object o = t.get(key);
		if (o == null) return List.of();
		List<?> l = list(o, where + "." + key);
		List<Processing> out = new ArrayList<>();
		for (int i = 0; i < l.size(); i++) {
			String pw = where + "." + key + "[" + i + "]";
			Map<String, Object> p = stringMap(l.get(i), pw);
			String name = p.containsKey(nameKey) ? requiredString(p, nameKey, pw)
				: requiredString(p, nameKey.equals("id") ? "name" : "id", pw);
			Object kw = p.get("kwargs");
			out.add(new Processing(name, kw == null ? Map.of() : stringMap(kw, pw + ".kwargs")));
		}
		return out;
	}

	// ---- typed access ----

	@SuppressWarnings("unchecked")
	private Map<String, Object> stringMap(Object o, String where) {
		if (!(o instanceof Map<?, ?> m)) throw fail("field " + where + " must be a mapping, not a " + kind(o));
		Map<String, Object> out = new LinkedHashMap<>();
		for (Map.Entry<?, ?> e : m.entrySet()) out.put(String.valueOf(e.getKey()), e.getValue());
		return out;
	}

	private List<?> list(Object o, String where) {
		if (!(o instanceof List<?> l)) throw fail("field " + where + " must be a list, not a " + kind(o));
		return l;
	}

	private long[] longs(List<?> l, String where, int n) {
		if (l.size() != n) throw fail("field " + where + " has " + l.size() + " values for " + n + " axes");
		long[] v = new long[n];
		for (int i = 0; i < n; i++) {
			if (!(l.get(i) instanceof Number num) || num.doubleValue() != Math.rint(num.doubleValue())) {
				throw fail("field " + where + " must hold whole numbers, found '" + l.get(i) + "'");
			}
			v[i] = num.longValue();
			if (v[i] < 0) throw fail("field " + where + " holds the negative size " + v[i]);
		}
		return v;
	}

	private long requiredLong(Map<String, Object> m, String key, String where) {
		Object o = m.get(key);
		if (!(o instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())) {
			throw fail("field " + where + "." + key + " must be a whole number" + (o == null ? "" : ", found '" + o + "'"));
		}
		return n.longValue();
	}

	private String requiredString(Map<String, Object> m, String key, String where) {
		Object o = m.get(key);
		if (o == null || String.valueOf(o).isBlank()) throw fail("field " + where + " has no " + key);
		if (o instanceof Map<?, ?> || o instanceof List<?>) throw fail("field " + where + "." + key + " must be text, not a " + kind(o));
		return String.valueOf(o);
	}

	/** A SHA-256 field: 64 hexadecimal digits as text (YAML reads an unquoted all-digit hash as a number). */
	private String sha256(Map<String, Object> m, String where) {
		Object o = m.get("sha256");
		if (o == null) return null;
		if (!(o instanceof String s) || !s.trim().matches("[0-9a-fA-F]{64}")) {
			throw fail("field " + where + ".sha256 ('" + o + "') is not a SHA-256 (64 hexadecimal digits"
				+ (o instanceof String ? ")" : ", as quoted text)"));
		}
		return s.trim();
	}

	private String optionalString(Map<String, Object> m, String key, String where) {
		return m.get(key) == null ? null : requiredString(m, key, where);
	}

	private static String kind(Object o) {
		if (o instanceof Map<?, ?>) return "mapping";
		if (o instanceof List<?>) return "list";
		if (o instanceof String) return "text";
		if (o instanceof Number) return "number";
		return o == null ? "nothing" : o.getClass().getSimpleName();
	}

	private ModelLoadException fail(String what) {
		return new ModelLoadException(file + " " + what + ".");
	}
}
