package org.conceptscope.fiji.commands;

import java.nio.file.Path;
import java.util.List;

/** The parameters of Evaluate Explanation, shared by the SciJava command and the ImageJ 1.x plugin. */
public final class EvaluationSettings {

	public static final String MODEL = "model", METHOD = "method", METRIC = "metric", TARGET = "target", STEPS = "steps",
		SAMPLES = "samples", SEED = "seed", SAVE_DIR = "save_dir";
	public static final List<String> KEYS = List.of(MODEL, METHOD, METRIC, TARGET, STEPS, SAMPLES, SEED, SAVE_DIR);
	public static final List<String> METRICS = List.of("deletion", "insertion", "mufidelity", "sanity");

	public static final String DEFAULT_METHOD = AttributionSettings.DEFAULT_METHOD, DEFAULT_METRIC = "deletion",
		DEFAULT_TARGET = AttributionSettings.PREDICTED;
	/** Deletion and insertion: pixels removed or added in this many equal steps. */
	public static final int DEFAULT_STEPS = 16;
	/** MuFidelity: random subsets of grid cells. */
	public static final int DEFAULT_SAMPLES = 128;
	public static final long DEFAULT_SEED = 42;
	/** MuFidelity grid and removed fraction (Xplique's defaults at patch scale). */
	static final int MUFIDELITY_GRID = 8;
	static final double MUFIDELITY_FRACTION = 0.2;

	public Path model;
	public String method = DEFAULT_METHOD;
	public String metric = DEFAULT_METRIC;
	public String target = DEFAULT_TARGET;
	public int steps = DEFAULT_STEPS, samples = DEFAULT_SAMPLES;
	public long seed = DEFAULT_SEED;
	public Path saveDir;

	public EvaluationSettings validate() {
		if (model == null || model.toString().isBlank()) {
			throw new IllegalArgumentException("No model folder given: set " + MODEL + "=[folder holding saved_model.pb].");
		}
		AttributionMethods.check(method);
		if (!METRICS.contains(metric)) {
			throw new IllegalArgumentException("Unknown " + METRIC + " '" + metric + "': use one of " + String.join(", ", METRICS) + ".");
		}
		if (target == null || target.isBlank()) {
			throw new IllegalArgumentException("No target given: use " + TARGET + "=predicted, a class name or a class index.");
		}
		if (steps < 1) throw new IllegalArgumentException(STEPS + " must be at least 1 (deletion, insertion), got " + steps + ".");
		if (samples < 2) throw new IllegalArgumentException(SAMPLES + " must be at least 2 (mufidelity), got " + samples + ".");
		return this;
	}

	/** The attribution method's settings: its defaults, this seed. */
	AttributionSettings attribution() {
		return new AttributionSettings().model(model).method(method).target(target).seed(seed);
	}

	public String toMacroOptions() {
		StringBuilder o = new StringBuilder();
		ConceptDiscoverySettings.path(o, MODEL, model);
		ConceptDiscoverySettings.option(o, METHOD, method);
		ConceptDiscoverySettings.option(o, METRIC, metric);
		ConceptDiscoverySettings.option(o, TARGET, target);
		ConceptDiscoverySettings.option(o, STEPS, Integer.toString(steps));
		ConceptDiscoverySettings.option(o, SAMPLES, Integer.toString(samples));
		ConceptDiscoverySettings.option(o, SEED, Long.toString(seed));
		ConceptDiscoverySettings.path(o, SAVE_DIR, saveDir);
		return o.toString().trim();
	}
}
