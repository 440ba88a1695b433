package org.conceptscope.tcav;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;

import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.conceptscope.util.AtomicWrite;

/**
 * CAVs saved as a small JSON file, so concepts tested once (on folders of examples) are reused on
 * new stacks: format {@value #FORMAT}, the model's name and one entry per concept and layer
 * (concept, layer, layer shape, unit direction, held-out accuracy). Written to a temporary file
 * and moved into place, so a failed save leaves no half-written bank.
 */
public final class CavBank {

	public static final String FORMAT = "conceptscope-cavs/1";
	private static final Gson GSON = new GsonBuilder().setPrettyPrinting().create();

	/** One CAV as stored. */
	static final class Entry {
		String concept, layer;
		long[] layerShape;
		float[] direction;
		double accuracy;
	}

	private String format = FORMAT;
	private String model;
	private List<Entry> cavs = new ArrayList<>();

	public CavBank(String model, List<ConceptActivationVector> vectors) {
		this.model = model;
		for (ConceptActivationVector v : vectors) {
			Entry e = new Entry();
			e.concept = v.concept();
			e.layer = v.layer();
			e.layerShape = v.layerShape();
			e.direction = v.direction();
			e.accuracy = v.accuracy();
			cavs.add(e);
		}
	}

	public String model() {
		return model;
	}

	public List<ConceptActivationVector> vectors() {
		return cavs.stream().map(e -> new ConceptActivationVector(e.concept, e.layer, e.layerShape, e.direction, e.accuracy)).toList();
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

	/** @throws IllegalArgumentException naming the file and what is wrong with it */
	public static CavBank load(Path file) {
		CavBank b;
		try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
			b = GSON.fromJson(r, CavBank.class);
		} catch (NoSuchFileException e) {
			throw new IllegalArgumentException("No CAV bank at " + file + "; give the cavs.json an earlier run saved.");
		} catch (IOException | JsonParseException e) {
			throw new IllegalArgumentException("The CAV bank " + file + " cannot be read (" + e.getMessage() + "); give the cavs.json an earlier run saved.");
		}
		if (b == null || !FORMAT.equals(b.format) || b.cavs == null || b.cavs.isEmpty()) {
			throw new IllegalArgumentException("The file " + file + " is not a CAV bank (" + FORMAT + " with at least one CAV); give the cavs.json an earlier run saved.");
		}
		try {
			b.vectors();
		} catch (RuntimeException e) {
			throw new IllegalArgumentException("The CAV bank " + file + " is damaged: " + e.getMessage());
		}
		return b;
	}
}
