package org.conceptscope.fiji.run;

import org.conceptscope.fiji.param.CommandSpecs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The parameters of Concept Importance, shared by the SciJava command and the ImageJ 1.x plugin.
 * The key constants are the macro keys and the SciJava parameter names.
 */
public final class ConceptImportanceSettings {

	public static final String MODEL = "model", CONCEPTS = "concepts", FOLDER = "folder", ESTIMATOR = "estimator",
		DESIGNS = "designs", SEED = "seed", UPDATE_BANK = "update_bank", SAVE_DIR = CommandSpecs.SAVE_DIR.key(), OVERWRITE = CommandSpecs.OVERWRITE.key();

	public static final List<String> KEYS = List.of(MODEL, CONCEPTS, FOLDER, ESTIMATOR, DESIGNS, SEED, UPDATE_BANK, SAVE_DIR, OVERWRITE);

	/** {@code estimator} values, in menu order: Sobol total indices, gradient x coefficient, concept deletion. */
	public static final String SOBOL = "sobol", GRADIENT = "gradient", DELETION = "deletion";
	public static final List<String> ESTIMATORS = org.conceptscope.registry.Registry.keys(org.conceptscope.registry.Family.CONCEPT_ESTIMATOR);

	public static final String DEFAULT_ESTIMATOR = SOBOL;
	public static final int DEFAULT_DESIGNS = ConceptDiscoverySettings.DEFAULT_DESIGNS;
	public static final long DEFAULT_SEED = ConceptDiscoverySettings.DEFAULT_SEED;
	public static final boolean DEFAULT_UPDATE_BANK = false;

	public Path model;
	/** A concepts.json written by Concept Discovery. */
	public Path concepts;
	/** A folder of images of the bank's class; null: the current image. */
	public Path folder;
	public String estimator = DEFAULT_ESTIMATOR;
	public int designs = DEFAULT_DESIGNS;
	public long seed = DEFAULT_SEED;
	/** Write the bank with the new importances into save_dir (under its own file name). */
	public boolean updateBank = DEFAULT_UPDATE_BANK;
	public Path saveDir;
	/** Replace the files of an earlier run in {@link #saveDir}; off: such a run is refused before any work. */
	public boolean overwrite;

	/** Checks what can be checked without the model; messages name the macro key. */
	public ConceptImportanceSettings validate() {
		SettingsChecks.model(model);
		if (concepts == null || concepts.toString().isBlank()) {
			throw new IllegalArgumentException("No concept bank given: set " + CONCEPTS + "=[concepts.json written by Concept Discovery].");
		}
		estimator = estimator == null ? null : estimator.trim().toLowerCase(Locale.ROOT);
		SettingsChecks.oneOf(ESTIMATOR, estimator, ESTIMATORS, SOBOL + " (total-order Sobol indices), " + GRADIENT
			+ " (gradient x coefficient, one pass) or " + DELETION + " (logit drop when a concept is removed)");
		if (designs < 2) throw new IllegalArgumentException(DESIGNS + " must be at least 2 (Sobol importance), got " + designs + ".");
		org.conceptscope.util.Limits.passes(DESIGNS, designs);
		if (folder != null && !Files.isDirectory(folder)) {
			throw new IllegalArgumentException("The image folder " + folder + " does not exist: set " + FOLDER
				+ "=[a folder of images of the bank's class], or leave it empty to use the current image.");
		}
		if (updateBank && saveDir == null) {
			throw new IllegalArgumentException(UPDATE_BANK + " writes the bank with the new importances into save_dir: set "
				+ SAVE_DIR + "=[folder] (the bank's own folder replaces it).");
		}
		SettingsChecks.saveDir(saveDir);
		return this;
	}

	/** The options that replay this run. */
	public String toMacroOptions() {
		StringBuilder o = new StringBuilder();
		ConceptDiscoverySettings.path(o, MODEL, model);
		ConceptDiscoverySettings.path(o, CONCEPTS, concepts);
		ConceptDiscoverySettings.path(o, FOLDER, folder);
		ConceptDiscoverySettings.option(o, ESTIMATOR, estimator);
		ConceptDiscoverySettings.option(o, DESIGNS, Integer.toString(designs));
		ConceptDiscoverySettings.option(o, SEED, Long.toString(seed));
		if (updateBank) o.append(UPDATE_BANK).append("=true "); // key=true: Fiji's legacy layer reads only key=value
		ConceptDiscoverySettings.path(o, SAVE_DIR, saveDir);
		if (overwrite) o.append(OVERWRITE).append("=true ");
		return o.toString().trim();
	}

	/** The settings of these values (keys as declared in {@link org.conceptscope.fiji.param.CommandSpecs}). */
	public static ConceptImportanceSettings of(org.conceptscope.registry.Values v) {
		ConceptImportanceSettings s = new ConceptImportanceSettings();
		s.model = v.path(MODEL);
		s.concepts = v.path(CONCEPTS);
		s.folder = v.path(FOLDER);
		s.estimator = v.text(ESTIMATOR);
		s.designs = v.integer(DESIGNS);
		s.seed = v.longValue(SEED);
		s.updateBank = v.flag(UPDATE_BANK);
		s.saveDir = v.path(SAVE_DIR);
		s.overwrite = v.flag(OVERWRITE);
		return s;
	}

	/** The settings of a macro line's options (every problem of the line in one message). */
	public static ConceptImportanceSettings parse(String options) {
		return of(org.conceptscope.fiji.param.CommandSpecs.CONCEPT_IMPORTANCE.parse(options));
	}
}
