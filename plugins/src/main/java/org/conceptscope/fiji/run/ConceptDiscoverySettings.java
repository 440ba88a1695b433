package org.conceptscope.fiji.run;

import org.conceptscope.fiji.param.CommandSpecs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The parameters of Concept Discovery, shared by the SciJava command and the ImageJ 1.x plugin.
 * The key constants are the macro keys and the SciJava parameter names.
 */
public final class ConceptDiscoverySettings {

	public static final String MODEL = "model", FOLDER = "folder", LAYER = "layer", TARGET = "target", PATCH = "patch",
		STRIDE = "stride", CONCEPTS = "concepts", SEED = "seed", DESIGNS = "designs", EXAMPLES = "examples",
		HOLISTIC = "holistic", PER_CLASS = "per_class", SAVE_DIR = CommandSpecs.SAVE_DIR.key(), OVERWRITE = CommandSpecs.OVERWRITE.key();

	public static final List<String> KEYS = List.of(MODEL, FOLDER, LAYER, TARGET, PATCH, STRIDE, CONCEPTS, SEED, DESIGNS,
		EXAMPLES, HOLISTIC, PER_CLASS, SAVE_DIR, OVERWRITE);

	public static final String DEFAULT_LAYER = "";
	public static final String DEFAULT_TARGET = AttributionSettings.PREDICTED;
	public static final int DEFAULT_PATCH = 16, DEFAULT_STRIDE = 8, DEFAULT_CONCEPTS = 6, DEFAULT_DESIGNS = 32,
		DEFAULT_EXAMPLES = 6;
	public static final long DEFAULT_SEED = 42;
	public static final String DEFAULT_CONCEPT_MAPS = "gradient_x_input";

	public Path model;
	/** A folder of images of one class; null: the current image. */
	public Path folder;
	public String layer = DEFAULT_LAYER;
	public String target = DEFAULT_TARGET;
	public int patch = DEFAULT_PATCH, stride = DEFAULT_STRIDE, concepts = DEFAULT_CONCEPTS, designs = DEFAULT_DESIGNS,
		examples = DEFAULT_EXAMPLES;
	public long seed = DEFAULT_SEED;
	/** Holistic outputs (concept attribution maps, per-position importance, prevalence, reliability). */
	public boolean holistic;
	/** gradient_x_input, saliency or none: the rule of the concept attribution maps (Java only; the commands use the default). */
	public String conceptMaps = DEFAULT_CONCEPT_MAPS;
	/** CRAFT per class over the data set in {@link #folder}. */
	public boolean perClass;
	/** With {@link #perClass}: at most this many images per class; 0: all (Java only; the commands use all). */
	public int classImages;
	public Path saveDir;
	/** Replace the files of an earlier run in {@link #saveDir}; off: such a run is refused before any work. */
	public boolean overwrite;

	/** Checks what can be checked without the model; messages name the macro key. */
	public ConceptDiscoverySettings validate() {
		SettingsChecks.model(model);
		if (target == null || target.isBlank()) {
			throw new IllegalArgumentException("No target given: use " + TARGET + "=predicted (the class most slices are"
				+ " predicted as), a class name or a class index.");
		}
		if (patch < 2) throw new IllegalArgumentException(PATCH + " must be at least 2 pixels, got " + patch + ".");
		if (stride < 1) throw new IllegalArgumentException(STRIDE + " must be at least 1 pixel, got " + stride + ".");
		if (concepts < 1) throw new IllegalArgumentException(CONCEPTS + " must be at least 1, got " + concepts + ".");
		// Java only (the commands use the default); named like Concept Localization's key of the same maps
		SettingsChecks.oneOf(ConceptLocalizationSettings.CONCEPT_MAPS, conceptMaps, HolisticOutputs.RULES, "gradient_x_input or saliency"
			+ " (the rule of the holistic outputs' concept attribution maps) or " + HolisticOutputs.NONE + " (no maps)");
		if (classImages < 0) throw new IllegalArgumentException("The images per class must be 0 (all) or more, got " + classImages + ".");
		if (designs < 2) throw new IllegalArgumentException(DESIGNS + " must be at least 2 (Sobol importance), got " + designs + ".");
		org.conceptscope.util.Limits.passes(DESIGNS, designs);
		if (examples < 1) throw new IllegalArgumentException(EXAMPLES + " must be at least 1 (crops per concept in the atlas), got "
			+ examples + ".");
		if (folder != null && !java.nio.file.Files.isDirectory(folder)) {
			throw new IllegalArgumentException("The image folder " + folder + " does not exist: set " + FOLDER
				+ "=[a folder of images of one class], or leave it empty to use the current image.");
		}
		SettingsChecks.saveDir(saveDir);
		return this;
	}

	/** The options that replay this run. */
	public String toMacroOptions() {
		StringBuilder o = new StringBuilder();
		path(o, MODEL, model);
		path(o, FOLDER, folder);
		option(o, LAYER, layer);
		option(o, TARGET, target);
		option(o, PATCH, Integer.toString(patch));
		option(o, STRIDE, Integer.toString(stride));
		option(o, CONCEPTS, Integer.toString(concepts));
		option(o, SEED, Long.toString(seed));
		option(o, DESIGNS, Integer.toString(designs));
		option(o, EXAMPLES, Integer.toString(examples));
		if (holistic) o.append(HOLISTIC).append("=true "); // key=true: Fiji's legacy layer reads only key=value
		if (perClass) o.append(PER_CLASS).append("=true ");
		path(o, SAVE_DIR, saveDir);
		if (overwrite) o.append(OVERWRITE).append("=true ");
		return o.toString().trim();
	}

	static void path(StringBuilder o, String key, Path p) {
		if (p != null) o.append(key).append("=[").append(p).append("] ");
	}

	static void option(StringBuilder o, String key, String value) {
		String v = value == null ? "" : value;
		boolean bracket = v.isEmpty() || v.chars().anyMatch(Character::isWhitespace);
		o.append(key).append('=').append(bracket ? "[" + v + "]" : v).append(' ');
	}


	/** The settings of these values (keys as declared in {@link org.conceptscope.fiji.param.CommandSpecs}). */
	public static ConceptDiscoverySettings of(org.conceptscope.registry.Values v) {
		ConceptDiscoverySettings s = new ConceptDiscoverySettings();
		s.model = v.path(MODEL);
		s.folder = v.path(FOLDER);
		s.layer = v.text(LAYER);
		s.target = v.text(TARGET);
		s.patch = v.integer(PATCH);
		s.stride = v.integer(STRIDE);
		s.concepts = v.integer(CONCEPTS);
		s.seed = v.longValue(SEED);
		s.designs = v.integer(DESIGNS);
		s.examples = v.integer(EXAMPLES);
		s.holistic = v.flag(HOLISTIC);
		s.perClass = v.flag(PER_CLASS);
		s.saveDir = v.path(SAVE_DIR);
		s.overwrite = v.flag(OVERWRITE);
		return s;
	}

	/** The settings of a macro line's options (every problem of the line in one message). */
	public static ConceptDiscoverySettings parse(String options) {
		return of(org.conceptscope.fiji.param.CommandSpecs.CONCEPT_DISCOVERY.parse(options));
	}
}
