package org.conceptscope.fiji.run;

import java.nio.file.Path;
import java.util.List;

import org.conceptscope.fiji.param.CommandSpecs;

/** The parameters of Evaluate Explanation, shared by the SciJava command and the ImageJ 1.x plugin. */
public final class EvaluationSettings {

	public static final String MODEL = "model", METHOD = "method", METRIC = "metric", TARGET = "target", STEPS = "steps",
		SAMPLES = "samples", GRID = "grid", RADIUS = "radius", NEIGHBOURS = "neighbours", DISTANCE = "distance", SEED = "seed", CASCADE = "cascade", INDEPENDENT = "independent", FOLDER = "folder",
		METHODS = "methods", FOLDS = "folds", ARCHITECTURE = "architecture", TRAINING_STEPS = "training_steps", SAVE_DIR = CommandSpecs.SAVE_DIR.key(), OVERWRITE = CommandSpecs.OVERWRITE.key();
	public static final List<String> KEYS = List.of(MODEL, METHOD, METRIC, TARGET, STEPS, SAMPLES, GRID, RADIUS, NEIGHBOURS, DISTANCE, SEED, CASCADE, INDEPENDENT, FOLDER,
		METHODS, FOLDS, ARCHITECTURE, TRAINING_STEPS, SAVE_DIR, OVERWRITE);
	/** MeGe and ReCo come from the same k trained models and explanation pairs, so they are one metric. */
	public static final String MEGE_RECO = CommandSpecs.MEGE_RECO;
	/** The menu's metrics, in menu order: keys of the registry's metrics. */
	public static final List<String> METRICS = CommandSpecs.EVALUATION_METRICS;
	/** mege_reco also compares maps that ignore the model: what any method should beat. */
	public static final String RANDOM = org.conceptscope.attribution.RandomBaseline.NAME;

	public static final String DEFAULT_METHOD = AttributionSettings.DEFAULT_METHOD, DEFAULT_METRIC = "deletion",
		DEFAULT_TARGET = AttributionSettings.PREDICTED;
	/** Deletion and insertion: pixels removed or added in this many equal steps (Xplique's steps=10). */
	public static final int DEFAULT_STEPS = 10;
	/** MuFidelity: random subsets of grid cells (Xplique's nb_samples=200), and cells per side (its grid_size=9). */
	public static final int DEFAULT_SAMPLES = 200, DEFAULT_GRID = 9;
	public static final long DEFAULT_SEED = 42;
	/** stability: Xplique's noise radius, neighbours and distance. */
	public static final double DEFAULT_RADIUS = org.conceptscope.metrics.AverageStability.DEFAULT_RADIUS;
	public static final int DEFAULT_NEIGHBOURS = org.conceptscope.metrics.AverageStability.DEFAULT_SAMPLES;
	public static final String DEFAULT_DISTANCE = "l2";
	/** mege_reco: the methods compared, the number of folds (= models trained), training steps per model. */
	public static final String DEFAULT_METHODS = "saliency,integrated_gradients,random";
	public static final int DEFAULT_FOLDS = 4, DEFAULT_TRAINING_STEPS = 300;
	/** Empty: the architecture recorded in the model's conceptscope.json. */
	public static final String DEFAULT_ARCHITECTURE = "";

	public Path model;
	public String method = DEFAULT_METHOD;
	public String metric = DEFAULT_METRIC;
	public String target = DEFAULT_TARGET;
	public int steps = DEFAULT_STEPS, samples = DEFAULT_SAMPLES, grid = DEFAULT_GRID;
	public double radius = DEFAULT_RADIUS;
	public int neighbours = DEFAULT_NEIGHBOURS;
	public String distance = DEFAULT_DISTANCE;
	public long seed = DEFAULT_SEED;
	/** sanity: randomise the layers one more at a time, top first (Adebayo et al.'s cascade). */
	public boolean cascade;
	/** sanity: randomise one layer at a time, the others trained, top first (Adebayo et al.'s independent randomisation). */
	public boolean independent;
	/** mege_reco: a folder with one subfolder of images per class. */
	public Path folder;
	public String methods = DEFAULT_METHODS;
	public int folds = DEFAULT_FOLDS, trainingSteps = DEFAULT_TRAINING_STEPS;
	public String architecture = DEFAULT_ARCHITECTURE;
	public Path saveDir;
	/** Replace the files of an earlier run in {@link #saveDir}; off: such a run is refused before any work. */
	public boolean overwrite;

	public EvaluationSettings validate() {
		SettingsChecks.model(model);
		AttributionMethods.check(method);
		SettingsChecks.oneOf(METRIC, metric, METRICS);
		if (target == null || target.isBlank()) {
			throw new IllegalArgumentException("No target given: use " + TARGET + "=predicted, a class name or a class index.");
		}
		if (steps < 1) throw new IllegalArgumentException(STEPS + " must be at least 1 (deletion, insertion), got " + steps + ".");
		if (samples < 2) throw new IllegalArgumentException(SAMPLES + " must be at least 2 (mufidelity), got " + samples + ".");
		// bounded up front, as every count of passes is: a typo (steps=16000) is refused before the explanation runs
		org.conceptscope.util.Limits.passes(STEPS, steps);
		org.conceptscope.util.Limits.passes(SAMPLES, samples);
		if (grid < 2) throw new IllegalArgumentException(GRID + " must be at least 2 (mufidelity), got " + grid + ".");
		org.conceptscope.util.Limits.atMost(GRID, grid, org.conceptscope.util.Limits.MAX_GRID);
		if (!(radius > 0) || !Double.isFinite(radius)) throw new IllegalArgumentException(RADIUS + " must be above 0 (stability), got " + radius + ".");
		if (neighbours < 1) throw new IllegalArgumentException(NEIGHBOURS + " must be at least 1 (stability), got " + neighbours + ".");
		org.conceptscope.util.Limits.passes(NEIGHBOURS, neighbours);
		SettingsChecks.oneOf(DISTANCE, distance, List.of("l2", "l1"));
		org.conceptscope.metrics.SanityCheck.Randomization.of(cascade, independent);
		if (metric.equals(MEGE_RECO)) {
			if (folder == null) {
				throw new IllegalArgumentException(MEGE_RECO + " needs labelled images: set " + FOLDER + "=[a folder with one subfolder of"
					+ " images per class, named after the model's classes].");
			}
			if (!java.nio.file.Files.isDirectory(folder)) {
				throw new IllegalArgumentException("The folder " + folder + " does not exist: set " + FOLDER + "=[a folder with one"
					+ " subfolder of images per class].");
			}
			methodList();
			if (folds < 2) throw new IllegalArgumentException(FOLDS + " must be at least 2 (each model is trained on all folds but one), got " + folds + ".");
			if (trainingSteps < 1) throw new IllegalArgumentException(TRAINING_STEPS + " must be at least 1, got " + trainingSteps + ".");
			org.conceptscope.util.Limits.passes(MEGE_RECO, FOLDS, folds);
			org.conceptscope.util.Limits.passes(MEGE_RECO, TRAINING_STEPS, trainingSteps);
		}
		SettingsChecks.saveDir(saveDir);
		return this;
	}

	/** The {@code methods} of mege_reco, each an attribution method or {@value #RANDOM}. */
	public List<String> methodList() {
		List<String> out = new java.util.ArrayList<>();
		for (String m : (methods == null ? "" : methods).split("[,\\s]+")) {
			String name = m.trim().toLowerCase(java.util.Locale.ROOT);
			if (name.isEmpty()) continue;
			if (!name.equals(RANDOM) && !AttributionMethods.NAMES.contains(name)) {
				throw new IllegalArgumentException("Unknown method '" + m.trim() + "' in " + METHODS + ": use attribution methods ("
					+ String.join(", ", AttributionMethods.NAMES) + ") or " + RANDOM + ", separated by commas.");
			}
			if (!out.contains(name)) out.add(name);
		}
		if (out.isEmpty()) {
			throw new IllegalArgumentException("No methods to compare: set " + METHODS + "=[" + DEFAULT_METHODS + "].");
		}
		return out;
	}

	/** The values of the metric's registry parameters ({@link org.conceptscope.registry.Registry#METRIC_PARAMETERS}). */
	java.util.Map<String, Object> metricValues() {
		java.util.Map<String, Object> v = new java.util.HashMap<>();
		v.put(STEPS, steps);
		v.put(SAMPLES, samples);
		v.put(GRID, grid);
		v.put(RADIUS, radius);
		v.put(NEIGHBOURS, neighbours);
		v.put(DISTANCE, distance);
		v.put(SEED, seed);
		v.put(CASCADE, cascade);
		v.put(INDEPENDENT, independent);
		v.put(FOLDER, folder);
		v.put(METHODS, methods);
		v.put(FOLDS, folds);
		v.put(ARCHITECTURE, architecture);
		v.put(TRAINING_STEPS, trainingSteps);
		return v;
	}

	/** The attribution method's settings: its defaults, this seed. */
	AttributionSettings attribution() {
		return attribution(method);
	}

	AttributionSettings attribution(String name) {
		return new AttributionSettings().model(model).method(name).target(target).seed(seed);
	}

	public String toMacroOptions() {
		StringBuilder o = new StringBuilder();
		ConceptDiscoverySettings.path(o, MODEL, model);
		ConceptDiscoverySettings.option(o, METHOD, method);
		ConceptDiscoverySettings.option(o, METRIC, metric);
		ConceptDiscoverySettings.option(o, TARGET, target);
		ConceptDiscoverySettings.option(o, STEPS, Integer.toString(steps));
		ConceptDiscoverySettings.option(o, SAMPLES, Integer.toString(samples));
		ConceptDiscoverySettings.option(o, GRID, Integer.toString(grid));
		ConceptDiscoverySettings.option(o, RADIUS, org.conceptscope.fiji.param.OptionText.number(radius));
		ConceptDiscoverySettings.option(o, NEIGHBOURS, Integer.toString(neighbours));
		ConceptDiscoverySettings.option(o, DISTANCE, distance);
		ConceptDiscoverySettings.option(o, SEED, Long.toString(seed));
		if (cascade) o.append(CASCADE).append("=true "); // key=true: Fiji's legacy layer reads only key=value
		if (independent) o.append(INDEPENDENT).append("=true ");
		ConceptDiscoverySettings.path(o, FOLDER, folder);
		ConceptDiscoverySettings.option(o, METHODS, methods);
		ConceptDiscoverySettings.option(o, FOLDS, Integer.toString(folds));
		ConceptDiscoverySettings.option(o, ARCHITECTURE, architecture);
		ConceptDiscoverySettings.option(o, TRAINING_STEPS, Integer.toString(trainingSteps));
		ConceptDiscoverySettings.path(o, SAVE_DIR, saveDir);
		if (overwrite) o.append(OVERWRITE).append("=true ");
		return o.toString().trim();
	}

	/** The settings of these values (keys as declared in {@link org.conceptscope.fiji.param.CommandSpecs}). */
	public static EvaluationSettings of(org.conceptscope.registry.Values v) {
		EvaluationSettings s = new EvaluationSettings();
		s.model = v.path(MODEL);
		s.method = v.text(METHOD);
		s.metric = v.text(METRIC);
		s.target = v.text(TARGET);
		s.steps = v.integer(STEPS);
		s.samples = v.integer(SAMPLES);
		s.grid = v.integer(GRID);
		s.radius = v.number(RADIUS);
		s.neighbours = v.integer(NEIGHBOURS);
		s.distance = v.text(DISTANCE);
		s.seed = v.longValue(SEED);
		s.cascade = v.flag(CASCADE);
		s.independent = v.flag(INDEPENDENT);
		s.folder = v.path(FOLDER);
		s.methods = v.text(METHODS);
		s.folds = v.integer(FOLDS);
		s.architecture = v.text(ARCHITECTURE).trim();
		s.trainingSteps = v.integer(TRAINING_STEPS);
		s.saveDir = v.path(SAVE_DIR);
		s.overwrite = v.flag(OVERWRITE);
		return s;
	}

	/** The settings of a macro line's options (every problem of the line in one message). */
	public static EvaluationSettings parse(String options) {
		return of(org.conceptscope.fiji.param.CommandSpecs.EVALUATE_EXPLANATION.parse(options));
	}
}
