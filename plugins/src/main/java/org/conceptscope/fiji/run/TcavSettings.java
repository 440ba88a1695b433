package org.conceptscope.fiji.run;

import org.conceptscope.fiji.param.OptionText;
import org.conceptscope.fiji.param.CommandSpecs;
import java.nio.file.Files;
import java.nio.file.Path;

import org.conceptscope.tcav.Tcav;

/**
 * The parameters of TCAV, shared by the SciJava command and the ImageJ 1.x plugin (keys as
 * declared in {@link org.conceptscope.fiji.param.CommandSpecs#TCAV}).
 */
public final class TcavSettings {

	public static final String MODEL = "model", FOLDER = "folder", CONCEPTS = "concepts", RANDOM = "random", TARGET = "target",
		LAYERS = "layers", RUNS = "runs", ALPHA = "alpha", SEED = "seed", CAVS = "cavs", SAVE_DIR = CommandSpecs.SAVE_DIR.key(), OVERWRITE = CommandSpecs.OVERWRITE.key();

	public static final java.util.List<String> KEYS = java.util.List.of(MODEL, FOLDER, CONCEPTS, RANDOM, TARGET, LAYERS, RUNS, ALPHA, SEED,
		CAVS, SAVE_DIR, OVERWRITE);

	public static final int DEFAULT_RUNS = Tcav.DEFAULT_RUNS;
	public static final double DEFAULT_ALPHA = Tcav.DEFAULT_ALPHA;
	public static final long DEFAULT_SEED = 42;

	public Path model;
	/** Images of the class tested; null: the current image. */
	public Path folder;
	/** One subfolder of example images per concept; null: named ROIs on the current image. */
	public Path concepts;
	/** Random counterexamples. */
	public Path random;
	public String target = AttributionSettings.PREDICTED;
	/** Comma-separated; empty: the last spatial layer. */
	public String layers = "";
	public int runs = DEFAULT_RUNS;
	public double alpha = DEFAULT_ALPHA;
	public long seed = DEFAULT_SEED;
	/** A saved CAV bank to score on the images instead of testing concepts. */
	public Path cavs;
	public Path saveDir;
	/** Replace the files of an earlier run in {@link #saveDir}; off: such a run is refused before any work. */
	public boolean overwrite;

	/** Checks what can be checked without the model; messages name the macro key. */
	public TcavSettings validate() {
		SettingsChecks.model(model);
		if (folder != null && !Files.isDirectory(folder)) {
			throw new IllegalArgumentException("The image folder " + folder + " does not exist: set " + FOLDER
				+ "=[a folder of images of the class tested], or leave it empty to use the current image.");
		}
		if (cavs == null) {
			if (concepts != null && !Files.isDirectory(concepts)) {
				throw new IllegalArgumentException("The concept folder " + concepts + " does not exist: set " + CONCEPTS
					+ "=[a folder with one subfolder of example images per concept], or leave it empty to use named ROIs on the current image.");
			}
			if (random == null || !Files.isDirectory(random)) {
				throw new IllegalArgumentException((random == null ? "No random counterexamples given" : "The folder " + random + " does not exist")
					+ ": set " + RANDOM + "=[a folder of images without the concepts] (at least 4; better twice as many as the examples of a concept).");
			}
		}
		if (runs < 2) throw new IllegalArgumentException(RUNS + " must be at least 2 (the t-test compares runs), got " + runs + ".");
		org.conceptscope.util.Limits.passes(RUNS, runs);
		if (!(alpha > 0 && alpha < 1)) throw new IllegalArgumentException(ALPHA + " must lie strictly between 0 and 1, got " + alpha + ".");
		if (target == null || target.isBlank()) {
			throw new IllegalArgumentException("No target given: use " + TARGET + "=predicted, a class name or a class index.");
		}
		SettingsChecks.saveDir(saveDir);
		return this;
	}

	/** The options that replay this run. */
	public String toMacroOptions() {
		StringBuilder o = new StringBuilder();
		ConceptDiscoverySettings.path(o, MODEL, model);
		ConceptDiscoverySettings.path(o, FOLDER, folder);
		ConceptDiscoverySettings.path(o, CONCEPTS, concepts);
		ConceptDiscoverySettings.path(o, RANDOM, random);
		ConceptDiscoverySettings.option(o, TARGET, target);
		ConceptDiscoverySettings.option(o, LAYERS, layers);
		ConceptDiscoverySettings.option(o, RUNS, Integer.toString(runs));
		ConceptDiscoverySettings.option(o, ALPHA, OptionText.number(alpha));
		ConceptDiscoverySettings.option(o, SEED, Long.toString(seed));
		ConceptDiscoverySettings.path(o, CAVS, cavs);
		ConceptDiscoverySettings.path(o, SAVE_DIR, saveDir);
		if (overwrite) o.append(OVERWRITE).append("=true ");
		return o.toString().trim();
	}

	/** The settings of these values (keys as declared in {@link org.conceptscope.fiji.param.CommandSpecs#TCAV}). */
	public static TcavSettings of(org.conceptscope.registry.Values v) {
		TcavSettings s = new TcavSettings();
		s.model = v.path(MODEL);
		s.folder = v.path(FOLDER);
		s.concepts = v.path(CONCEPTS);
		s.random = v.path(RANDOM);
		s.target = v.text(TARGET);
		s.layers = v.text(LAYERS) == null ? "" : v.text(LAYERS);
		s.runs = v.integer(RUNS);
		s.alpha = v.number(ALPHA);
		s.seed = v.longValue(SEED);
		s.cavs = v.path(CAVS);
		s.saveDir = v.path(SAVE_DIR);
		s.overwrite = v.flag(OVERWRITE);
		return s;
	}
}
