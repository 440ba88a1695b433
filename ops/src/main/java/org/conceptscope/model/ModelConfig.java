package org.conceptscope.model;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.conceptscope.tensor.Normalization;

/**
 * What a SavedModel does not say about itself, kept in {@code conceptscope.json} beside it:
 * class names, the preprocessing the model was trained with, and optionally which tensor holds
 * the logits. Every field is optional; a model without the file gets "class 0..K-1", no
 * normalisation and logits found from the graph.
 */
public final class ModelConfig {

	public static final String FILE_NAME = "conceptscope.json";
	private static final Gson GSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();

	/** A short human name. */
	public String name;
	public String description;
	public List<String> classes = new ArrayList<>();
	/** Normalisation in {@link Normalization#parse(String)} syntax. */
	public String normalization = "none";
	/** Tensor name of the logits when the graph alone does not tell. */
	public String logits;
	/** Free-form facts (training seed, held-out accuracy, ...). */
	public Map<String, Object> metadata = new LinkedHashMap<>();
	/** Where this config came from, for messages (not written): null for conceptscope.json. */
	public transient String origin;

	public Normalization parsedNormalization() {
		return Normalization.parse(normalization);
	}

	/** Reads the config beside a SavedModel; an absent file gives the defaults. */
	public static ModelConfig read(Path modelDir) {
		Path file = modelDir.resolve(FILE_NAME);
		if (!Files.exists(file)) return new ModelConfig();
		try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
			ModelConfig c = GSON.fromJson(r, ModelConfig.class);
			if (c == null) throw new JsonParseException("empty file");
			if (c.classes == null) c.classes = new ArrayList<>();
			if (c.metadata == null) c.metadata = new LinkedHashMap<>();
			if (c.normalization == null) c.normalization = "none";
			c.parsedNormalization();
			return c;
		} catch (IOException | JsonParseException | IllegalArgumentException e) {
			throw new ModelLoadException(file + " is not a valid ConceptScope model config: " + e.getMessage()
				+ ". Fix the JSON or delete the file to use defaults.", e);
		}
	}

	/** Writes atomically: a reader never sees half a file. */
	public void write(Path modelDir) throws IOException {
		Path file = modelDir.resolve(FILE_NAME);
		Path tmp = Files.createTempFile(modelDir, FILE_NAME, ".part");
		try {
			try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
				GSON.toJson(this, w);
			}
			Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
		} finally {
			Files.deleteIfExists(tmp);
		}
	}
}
