package org.conceptscope.fiji.batch;

import org.conceptscope.fiji.run.AttributionSettings;
import org.conceptscope.fiji.write.AtomicFiles;
import com.google.gson.FieldNamingPolicy;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * What a batch run computes, saved beside its parts: the ConceptScope version, the model (its folder
 * and a SHA-256 of every file in it), the classes, the settings the method and the runner read, the
 * batch size (which cuts the run into parts), and every input file (name, length, time, fingerprint,
 * SHA-256 of its content, dimensions). A run that finds a manifest of an unfinished run resumes it
 * only when all of this is the same (the settings that shape only the assembled results, such as
 * {@code top_fraction}, may differ); otherwise {@link #difference} names what changed.
 */
final class BatchManifest {

	static final String FORMAT = "conceptscope-batch/1";
	private static final Gson GSON = new GsonBuilder().setPrettyPrinting()
		.setFieldNamingPolicy(FieldNamingPolicy.LOWER_CASE_WITH_UNDERSCORES).create();

	String format = FORMAT;
	/** The ConceptScope version that computed the parts (null: a version before it was recorded). */
	String version;
	String model;
	String modelSha256;
	/** SHA-256 of the run's ROI files ({@link BatchRois}); null: whole images. */
	String roisSha256;
	List<String> classes;
	/** The Attribution keys the method and the runner read ({@link BatchJob#settings}), in key order. */
	Map<String, String> settings = new LinkedHashMap<>();
	int batch;
	int entries;
	int parts;
	String input;
	boolean folder;
	List<BatchInputs.Input> inputs = new ArrayList<>();
	/** File names of the outputs, in the save folder. */
	List<String> outputs = new ArrayList<>();
	String started;
	/** How many runs have worked on this job (1: the first). */
	int runs;
	boolean complete;

	/** Settings that shape only the assembled results (the ROIs' top fraction), not the parts: a resume may change them. */
	static final java.util.Set<String> ASSEMBLY_SETTINGS = java.util.Set.of(AttributionSettings.TOP_FRACTION);

	/** The version of this ConceptScope, as the build wrote it ("unknown" outside a build). */
	static String currentVersion() {
		try (java.io.InputStream in = BatchManifest.class.getResourceAsStream("version.properties")) {
			if (in == null) return "unknown";
			java.util.Properties p = new java.util.Properties();
			p.load(in);
			String v = p.getProperty("version", "").strip();
			return v.isEmpty() || v.startsWith("${") ? "unknown" : v;
		} catch (IOException e) {
			return "unknown";
		}
	}

	/** What differs in the ConceptScope version, or null. */
	String versionDifference(BatchManifest now) {
		return Objects.equals(version, now.version) ? null
			: "the ConceptScope version (" + (version == null ? "not recorded" : version) + " then, " + now.version + " now)";
	}

	/**
	 * Null when {@code now} computes the same as this manifest, else what differs, e.g. "seed
	 * (42 then, 7 now)". Paths may differ (a moved folder is the same run); contents may not.
	 */
	String difference(BatchManifest now) {
		return difference(now, false);
	}

	/**
	 * As {@link #difference(BatchManifest)}; with {@code parts} only what the parts depend on (a
	 * resume may change the settings that shape only the assembled results).
	 */
	String difference(BatchManifest now, boolean parts) {
		String versions = versionDifference(now);
		if (versions != null) return versions;
		if (!Objects.equals(modelSha256, now.modelSha256)) {
			return "the model (" + model + ", SHA-256 " + shortHash(modelSha256) + " then; " + now.model + ", SHA-256 "
				+ shortHash(now.modelSha256) + " now)";
		}
		if (!Objects.equals(roisSha256, now.roisSha256)) {
			return "the ROI files (" + (roisSha256 == null ? "none" : "SHA-256 " + shortHash(roisSha256)) + " then; "
				+ (now.roisSha256 == null ? "none" : "SHA-256 " + shortHash(now.roisSha256)) + " now)";
		}
		if (!Objects.equals(classes, now.classes)) return "the model's classes (" + classes + " then, " + now.classes + " now)";
		for (String key : union(settings.keySet(), now.settings.keySet())) {
			if (parts && ASSEMBLY_SETTINGS.contains(key)) continue;
			String then = comparable(key, settings.get(key)), later = comparable(key, now.settings.get(key));
			if (!Objects.equals(then, later)) return key + " (" + then + " then, " + later + " now)";
		}
		if (batch != now.batch) return "batch (" + batch + " then, " + now.batch + " now)";
		if (folder != now.folder) return "the input (" + (folder ? "a folder" : "a file") + " then, " + (now.folder ? "a folder" : "a file") + " now)";
		if (inputs.size() != now.inputs.size()) {
			return "the input files (" + inputs.size() + " then, " + now.inputs.size() + " now in " + now.input + ")";
		}
		for (int i = 0; i < inputs.size(); i++) {
			BatchInputs.Input a = inputs.get(i), b = now.inputs.get(i);
			if (!a.sameContent(b)) {
				return "the input file " + b.name() + (a.name().equals(b.name()) ? " (its content changed)" : " (" + a.name() + " then)");
			}
		}
		return null;
	}

	/** The settings whose values differ between this manifest and {@code now}, in this manifest's key order. */
	List<String> changedSettings(BatchManifest now) {
		return union(settings.keySet(), now.settings.keySet()).stream()
			.filter(key -> !Objects.equals(comparable(key, settings.get(key)), comparable(key, now.settings.get(key)))).toList();
	}

	/** How setting {@code key} differs, as {@link #difference} says it: "seed (42 then, 7 now)". */
	String settingDifference(String key, BatchManifest now) {
		return key + " (" + comparable(key, settings.get(key)) + " then, " + comparable(key, now.settings.get(key)) + " now)";
	}

	/**
	 * A setting as compared: ROI files by their content's hash (above), not their path, so the same files given by
	 * another path (relative, moved, mounted elsewhere) are the same run.
	 */
	private static String comparable(String key, String value) {
		if (!AttributionSettings.ROIS.equals(key) || value == null) return value;
		return value.equalsIgnoreCase(AttributionSettings.DEFAULT_ROIS) ? AttributionSettings.DEFAULT_ROIS : "files";
	}

	private static List<String> union(java.util.Set<String> a, java.util.Set<String> b) {
		List<String> keys = new ArrayList<>(a);
		for (String k : b) if (!keys.contains(k)) keys.add(k);
		return keys;
	}

	private static String shortHash(String h) {
		return h == null ? "none" : h.substring(0, Math.min(12, h.length()));
	}

	void save(Path file) throws IOException {
		AtomicFiles.writeNow(file, toJson().getBytes(StandardCharsets.UTF_8));
	}

	String toJson() {
		return GSON.toJson(this);
	}

	static BatchManifest load(Path file) throws IOException {
		return fromJson(Files.readString(file, StandardCharsets.UTF_8), file.toString());
	}

	/** The manifest in {@code json}, which came from {@code where} (named in the messages). */
	static BatchManifest fromJson(String json, String where) throws IOException {
		BatchManifest m;
		try {
			m = GSON.fromJson(json, BatchManifest.class);
		} catch (JsonParseException e) {
			throw new IOException(where + " cannot be read (" + e.getMessage() + ").", e);
		}
		if (m == null || !FORMAT.equals(m.format)) {
			throw new IOException(where + " is not a ConceptScope batch manifest (format " + (m == null ? "none" : m.format) + ").");
		}
		if (m.settings == null) m.settings = new LinkedHashMap<>();
		if (m.inputs == null) m.inputs = new ArrayList<>();
		if (m.outputs == null) m.outputs = new ArrayList<>();
		return m;
	}

	/** SHA-256 over every file of a model folder, in path order: each relative path, then its bytes. */
	static String hashFolder(Path dir) throws IOException {
		Sha256 sha = new Sha256();
		List<Path> files;
		// links followed: a model folder is often a link (models/current -> v7), whose files are the model
		try (Stream<Path> s = Files.walk(dir, java.nio.file.FileVisitOption.FOLLOW_LINKS)) {
			files = s.filter(Files::isRegularFile).sorted().toList();
		}
		for (Path f : files) sha.addFile(dir.relativize(f).toString().replace('\\', '/'), f);
		return sha.hex();
	}
}
