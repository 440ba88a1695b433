package org.conceptscope.concepts;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;

import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.conceptscope.util.AtomicWrite;

/**
 * Concepts extracted for one class at one layer, saved as a small JSON file so a user extracts
 * them once on a training folder and localises them on new stacks.
 * <p>
 * Format ({@value #FORMAT}): model (folder name), layer, class name and index, crop patch and
 * stride, rank, seed, NMF relative reconstruction error, {@code concepts} (k rows of c
 * non-negative numbers: directions in the layer's channel space), optional {@code importance}
 * (one number per concept) with the {@code importanceEstimator} that gave it (sobol, gradient or
 * deletion; absent in older banks: sobol) and {@code examples} (per concept, the crops that express it most:
 * image index, x, y, size, coefficient).
 */
public final class ConceptBank {

	public static final String FORMAT = "conceptscope-concepts/1";
	private static final Gson GSON = new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create();

	/** A crop that expresses a concept strongly. */
	public record Example(int image, int x, int y, int size, double coefficient) {}

	public String format = FORMAT;
	public String model;
	public String layer;
	public String className;
	public int classIndex;
	public int patch, stride, rank;
	public long seed;
	public double reconstructionError;
	/** Fraction of crop activations that were negative and clipped to 0 before NMF. */
	public double clippedFraction;
	public double[][] concepts;
	public double[] importance;
	/** How {@link #importance} was estimated: "sobol", "gradient" or "deletion" (see {@link ConceptImportance}). */
	public String importanceEstimator;
	public List<List<Example>> examples = new ArrayList<>();

	public int size() {
		return concepts.length;
	}

	public int channels() {
		return concepts[0].length;
	}

	public void save(Path file) throws IOException {
		Path dir = file.toAbsolutePath().getParent();
		Files.createDirectories(dir);
		AtomicWrite.write(file, out -> {
			Writer w = new OutputStreamWriter(out, StandardCharsets.UTF_8);
			GSON.toJson(this, w);
			w.flush();
		});
	}

	public static ConceptBank load(Path file) throws IOException {
		if (!Files.isRegularFile(file)) throw new IOException("The concept bank " + file + " does not exist.");
		try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
			return read(r, file.toString());
		}
	}

	/** The bank as the JSON {@link #save} writes (for passing it around, e.g. to Spark's executors). */
	public String toJson() {
		return GSON.toJson(this);
	}

	/** A bank from the JSON {@link #toJson} gives, checked as {@link #load} checks a file; {@code source} names it in errors. */
	public static ConceptBank fromJson(String json, String source) throws IOException {
		return read(new java.io.StringReader(json), source);
	}

	private static ConceptBank read(Reader r, String source) throws IOException {
		ConceptBank b;
		try {
			b = GSON.fromJson(r, ConceptBank.class);
		} catch (JsonParseException e) {
			throw new IOException(source + " is not a ConceptScope concept bank: " + e.getMessage(), e);
		}
		if (b == null || !FORMAT.equals(b.format)) {
			throw new IOException(source + " is not a ConceptScope concept bank (format " + (b == null ? "none" : b.format)
				+ ", expected " + FORMAT + ").");
		}
		if (b.concepts == null || b.concepts.length == 0 || b.layer == null) {
			throw new IOException(source + " has no concepts or no layer.");
		}
		int c = b.concepts[0].length;
		for (double[] row : b.concepts) {
			if (row.length != c) throw new IOException(source + ": every concept must have " + c + " values.");
			for (double v : row) if (!(v >= 0) || !Double.isFinite(v)) throw new IOException(source + ": concepts must be finite and non-negative.");
		}
		if (b.examples == null) b.examples = new ArrayList<>();
		return b;
	}
}
