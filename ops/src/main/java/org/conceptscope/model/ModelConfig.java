package org.conceptscope.model;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import com.google.gson.annotations.SerializedName;

import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.conceptscope.tensor.Normalization;
import org.conceptscope.util.AtomicWrite;

/**
 * What a SavedModel does not say about itself, kept in {@code conceptscope.json} beside it:
 * class names, the preprocessing the model was trained with, and optionally which tensor holds
 * the logits. Every field is optional; a model without the file gets "class 0..K-1", no
 * normalisation and logits found from the graph.
 */
public final class ModelConfig {

	public static final String FILE_NAME = "conceptscope.json";
	private static final Gson GSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping()
		.setObjectToNumberStrategy(com.google.gson.ToNumberPolicy.LONG_OR_DOUBLE).create(); // metadata counts stay integers when a card is rewritten

	/** A short human name. */
	public String name;
	public String description;
	public List<String> classes = new ArrayList<>();
	/** Normalisation in {@link Normalization#parse(String)} syntax. */
	public String normalization = "none";
	/** Tensor name of the logits when the graph alone does not tell. */
	public String logits;
	/**
	 * Per-channel mean and standard deviation applied after {@link #normalization}: (x - mean) / std,
	 * e.g. "unit_range" with ImageNet's mean [0.485, 0.456, 0.406] and std [0.229, 0.224, 0.225].
	 */
	public double[] mean;
	public double[] std;
	/** The image input of a TorchScript or ONNX model (a SavedModel's signature says it itself). */
	public InputCard input;
	/** The pixel size the model was trained at, compared with the image's calibration. */
	@SerializedName("pixel_size")
	public PixelCard pixelSize;
	/**
	 * Per-channel mean and standard deviation of the pixels the model was trained on, after its
	 * normalisation: images far from them get a Log line ({@link org.conceptscope.tensor.InputDomain}).
	 */
	@SerializedName("input_statistics")
	public InputStatistics inputStatistics;
	/** Free-form facts (training seed, held-out accuracy, ...). */
	public Map<String, Object> metadata = new LinkedHashMap<>();
	/** Where this config came from, for messages (not written): null for conceptscope.json. */
	public transient String origin;
	/**
	 * Whether the SavedModel's signature takes one image without a batch axis, [height, width, channels] (not written; a
	 * bioimage.io 0.5 input declared without its batch axis sets it): the model then runs one image per call
	 * ({@link TensorFlowClassifier}). A plain SavedModel's rank-3 input is refused, as it could as well be [N, height, width].
	 */
	public transient boolean inputWithoutBatchAxis;

	/** The input a model card declares: axes "bcyx" (channels first, PyTorch's default) or "byxc", sizes (-1 or absent: any). */
	public static final class InputCard {
		public String axes;
		public Long height;
		public Long width;
		public Long channels;
	}

	/**
	 * {"mean": [0.61, 0.52, 0.60], "std": [0.12, 0.14, 0.10], "image_std_low": [...], "image_std_high": [...],
	 * "source": "2684 training patches"}; the per-input spread range is optional ({@link org.conceptscope.tensor.InputDomain}).
	 */
	public static final class InputStatistics {
		public double[] mean;
		public double[] std;
		@SerializedName("image_std_low")
		public double[] imageStdLow;
		@SerializedName("image_std_high")
		public double[] imageStdHigh;
		public String source;
	}

	/** The card's input statistics, or null. */
	public org.conceptscope.tensor.InputDomain parsedInputDomain() {
		if (inputStatistics == null) return null;
		return new org.conceptscope.tensor.InputDomain(inputStatistics.mean, inputStatistics.std, inputStatistics.imageStdLow,
			inputStatistics.imageStdHigh);
	}

	/** Records a domain as this card's input statistics. */
	public void inputStatistics(org.conceptscope.tensor.InputDomain domain, String source) {
		inputStatistics = new InputStatistics();
		inputStatistics.mean = domain.mean();
		inputStatistics.std = domain.std();
		inputStatistics.imageStdLow = domain.imageStdLow();
		inputStatistics.imageStdHigh = domain.imageStdHigh();
		inputStatistics.source = source;
	}

	/** {"x": 0.5, "y": 0.5, "unit": "micrometer"}. */
	public static final class PixelCard {
		public Double x;
		public Double y;
		public String unit;
	}

	/** {@link #normalization}, then (x - mean) / std per channel when the card gives them. */
	public Normalization parsedNormalization() {
		Normalization n = Normalization.parse(normalization);
		if (mean == null && std == null) return n;
		if (mean == null || std == null || mean.length == 0 || std.length == 0
			|| (mean.length != std.length && mean.length != 1 && std.length != 1)) {
			throw new IllegalArgumentException("\"mean\" and \"std\" must both be given, with one value or one per channel");
		}
		int k = Math.max(mean.length, std.length);
		double[] gain = new double[k], offset = new double[k];
		for (int i = 0; i < k; i++) {
			double m = mean[mean.length == 1 ? 0 : i], s = std[std.length == 1 ? 0 : i];
			if (!(s > 0)) throw new IllegalArgumentException("\"std\" must be positive, got " + s);
			gain[i] = 1 / s;
			offset[i] = -m / s;
		}
		Normalization meanStd = new Normalization.ScaleLinear(gain, offset);
		return n instanceof Normalization.None ? meanStd : new Normalization.Steps(java.util.List.of(n, meanStd));
	}

	/** The pixel size the card declares, or null. */
	public PixelSize parsedPixelSize() {
		if (pixelSize == null) return null;
		if (pixelSize.x == null || pixelSize.unit == null) throw new IllegalArgumentException("\"pixel_size\" needs \"x\" and \"unit\"");
		return new PixelSize(pixelSize.x, pixelSize.y == null ? pixelSize.x : pixelSize.y, pixelSize.unit);
	}

	/** Reads the config beside a SavedModel; an absent file gives the defaults. */
	public static ModelConfig read(Path modelDir) {
		Path file = modelDir.resolve(FILE_NAME);
		if (!Files.exists(file)) return new ModelConfig();
		try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
			com.google.gson.JsonElement tree = com.google.gson.JsonParser.parseReader(r);
			if (tree.isJsonObject()) checkKeys(tree.getAsJsonObject(), ModelConfig.class, "");
			ModelConfig c = GSON.fromJson(tree, ModelConfig.class);
			if (c == null) throw new JsonParseException("empty file");
			if (c.classes == null) c.classes = new ArrayList<>();
			if (c.metadata == null) c.metadata = new LinkedHashMap<>();
			if (c.normalization == null) c.normalization = "none";
			c.parsedNormalization();
			c.parsedPixelSize();
			c.parsedInputDomain();
			return c;
		} catch (IOException | JsonParseException | IllegalArgumentException e) {
			throw new ModelLoadException(file + " is not a valid ConceptScope model config: " + e.getMessage()
				+ ". Fix the JSON.", e);
		}
	}

	/**
	 * Refuses a key the card does not know, here and in its nested objects ("metadata" is free-form):
	 * a misspelt "normalisation" would otherwise be dropped in silence and every image fed unnormalised.
	 */
	private static void checkKeys(com.google.gson.JsonObject object, Class<?> type, String where) {
		Map<String, java.lang.reflect.Field> known = jsonFields(type);
		for (Map.Entry<String, com.google.gson.JsonElement> e : object.entrySet()) {
			java.lang.reflect.Field f = known.get(e.getKey());
			if (f == null) {
				throw new JsonParseException("unknown key \"" + e.getKey() + "\"" + where + "; the keys are " + String.join(", ", known.keySet()));
			}
			if (f.getType().getDeclaringClass() == ModelConfig.class && e.getValue().isJsonObject()) {
				checkKeys(e.getValue().getAsJsonObject(), f.getType(), " in \"" + e.getKey() + "\"");
			}
		}
	}

	/** The keys Gson reads into {@code type}: its instance fields, by their serialized names. */
	private static Map<String, java.lang.reflect.Field> jsonFields(Class<?> type) {
		Map<String, java.lang.reflect.Field> out = new LinkedHashMap<>();
		for (java.lang.reflect.Field f : type.getDeclaredFields()) {
			int m = f.getModifiers();
			if (java.lang.reflect.Modifier.isStatic(m) || java.lang.reflect.Modifier.isTransient(m)) continue;
			SerializedName n = f.getAnnotation(SerializedName.class);
			out.put(n != null ? n.value() : f.getName(), f);
		}
		return out;
	}

	/** Writes atomically: a reader never sees half a file. */
	public void write(Path modelDir) throws IOException {
		AtomicWrite.write(modelDir.resolve(FILE_NAME), out -> {
			Writer w = new OutputStreamWriter(out, StandardCharsets.UTF_8);
			GSON.toJson(this, w);
			w.flush();
		});
	}
}
