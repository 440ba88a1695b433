package org.conceptscope.fiji.run;

import org.conceptscope.fiji.param.OptionText;
import org.conceptscope.fiji.param.CommandSpecs;
import org.conceptscope.model.InputValueRange;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The parameters of Feature Visualization (MACO), shared by the SciJava command and the ImageJ 1.x plugin. */
public final class FeatureVisualizationSettings {

	public static final String MODEL = "model", HEAD = "head", TARGET = "target", FOLDER = "folder", RECIPE = "recipe", STEPS = "steps",
		LEARNING_RATE = "learning_rate", CROP = "crop", CROPS = "crops", NOISE = "noise", CANVAS = "canvas", VALUES_RANGE = "values_range", SEED = "seed", SAVE_DIR = CommandSpecs.SAVE_DIR.key(), OVERWRITE = CommandSpecs.OVERWRITE.key();
	public static final List<String> KEYS = List.of(MODEL, HEAD, TARGET, FOLDER, RECIPE, STEPS, LEARNING_RATE, CROP, CROPS, NOISE, CANVAS,
		VALUES_RANGE, SEED, SAVE_DIR, OVERWRITE);
	public static final int DEFAULT_STEPS = 200, DEFAULT_CROPS = 32, DEFAULT_CANVAS = 0;
	/** The simple recipe's Adam step; the reference recipe runs Xplique's Nadam at 1.0. */
	public static final double DEFAULT_LEARNING_RATE = 0.05, DEFAULT_CROP = 0.8, DEFAULT_NOISE = 0.08;
	public static final String DEFAULT_RECIPE = "reference";
	public static final long DEFAULT_SEED = 42;

	public Path model;
	/** Optional: a head saved by Train Interpretable Head, whose part/concept or class is visualised through the model. */
	public Path head;
	/** A class name or index, or with a head {@code part k} / {@code concept k} (no "predicted": there is no input to predict). */
	public String target = "";
	/** Images whose mean magnitude spectrum the visualisation keeps; null: the current image or stack. */
	public Path folder;
	/** reference (MACO as its paper and Xplique) or simple (the first variant). */
	public String recipe = DEFAULT_RECIPE;
	public int steps = DEFAULT_STEPS, crops = DEFAULT_CROPS, canvas = DEFAULT_CANVAS;
	public double learningRate = DEFAULT_LEARNING_RATE, crop = DEFAULT_CROP, noise = DEFAULT_NOISE;
	/**
	 * The reference recipe's value range {@code lo,hi} (Xplique's values_range: the values the model takes); empty: the
	 * model's declared input range where it has a fixed place in its network's units
	 * ({@link org.conceptscope.model.Classifier#inputValueRange}), else the reference images' 0.1st to 99.9th percentile
	 * ({@link org.conceptscope.visualization.MacoReference#valuesRange}).
	 */
	public String valuesRange = "";
	public long seed = DEFAULT_SEED;
	public Path saveDir;
	/** Replace the files of an earlier run in {@link #saveDir}; off: such a run is refused before any work. */
	public boolean overwrite;

	public FeatureVisualizationSettings validate() {
		SettingsChecks.model(model);
		if (target == null || target.isBlank() || target.trim().equalsIgnoreCase(AttributionSettings.PREDICTED)) {
			throw new IllegalArgumentException("A class is needed: set " + TARGET + "=<class name or index>, or with a"
				+ " head part k / concept k (there is no input image whose prediction could be used).");
		}
		if (head != null && !Files.isDirectory(head)) {
			throw new IllegalArgumentException("The head folder " + head + " does not exist: set " + HEAD + "=[<" + SAVE_DIR + ">/head of Train"
				+ " Interpretable Head], or leave it empty to visualise a class of the model.");
		}
		if (steps < 1) throw new IllegalArgumentException(STEPS + " must be at least 1, got " + steps + ".");
		SettingsChecks.oneOf(RECIPE, recipe, FeatureVisualizationRun.RECIPES, RECIPE + "=" + FeatureVisualizationRun.REFERENCE
			+ " (MACO as its paper and Xplique run it) or " + RECIPE + "=" + FeatureVisualizationRun.SIMPLE + " (the lighter first version)");
		if (!(learningRate > 0)) throw new IllegalArgumentException(LEARNING_RATE + " must be positive, got " + learningRate + ".");
		if (crops < 1) throw new IllegalArgumentException(CROPS + " must be at least 1, got " + crops + ".");
		if (!(noise >= 0)) throw new IllegalArgumentException(NOISE + " must be 0 or more, got " + noise + ".");
		if (valuesRange() != null && FeatureVisualizationRun.SIMPLE.equals(recipe)) {
			throw new IllegalArgumentException(VALUES_RANGE + " sets the value range of " + RECIPE + "=" + FeatureVisualizationRun.REFERENCE
				+ " only; " + RECIPE + "=" + FeatureVisualizationRun.SIMPLE + " does not use it: drop " + VALUES_RANGE + " or use " + RECIPE
				+ "=" + FeatureVisualizationRun.REFERENCE + ".");
		}
		if (canvas < 0) throw new IllegalArgumentException(CANVAS + " must be 0 (automatic) or a side in pixels, got " + canvas + ".");
		// the upper bounds, before any image is read (the methods check them again)
		org.conceptscope.util.Limits.passes(STEPS, steps);
		org.conceptscope.util.Limits.passes(CROPS, crops);
		org.conceptscope.util.Limits.atMost(CANVAS, canvas, org.conceptscope.util.Limits.MAX_CANVAS);
		if (!(crop > 0 && crop <= 1)) {
			throw new IllegalArgumentException(CROP + " must be in (0, 1] (the smallest random crop as a fraction of the image side),"
				+ " got " + crop + ".");
		}
		if (folder != null && !Files.isDirectory(folder)) {
			throw new IllegalArgumentException("The folder " + folder + " does not exist: set " + FOLDER + "=[a folder of images whose"
				+ " spectrum to keep], or leave it empty to use the current image.");
		}
		SettingsChecks.saveDir(saveDir);
		return this;
	}

	/** Where a range given as {@link #valuesRange} comes from, in values_range_used and the Log. */
	static final String VALUES_RANGE_SOURCE = "declared by " + VALUES_RANGE;

	/**
	 * {@link #valuesRange} as one range lo,hi, or one per input channel lo,hi;lo,hi;... (the form of values_range_used where a
	 * package declares ranges that differ by channel, so that it replays; {@link InputValueRange#perChannel}), from
	 * {@link #VALUES_RANGE_SOURCE}; null when empty (the model's declared range or the images').
	 *
	 * @throws IllegalArgumentException when it is neither two finite numbers with lo &lt; hi nor pairs of them separated by ';'
	 */
	public InputValueRange valuesRange() {
		String t = valuesRange == null ? "" : valuesRange.trim();
		if (t.isEmpty()) return null;
		String body = t.replaceAll("^[\\[(]|[\\])]$", "").trim();
		String[] groups = body.split("\\s*;\\s*");
		InputValueRange out = null;
		if (groups.length > 1 && java.util.Arrays.stream(groups).allMatch(g -> g.split("\\s*,\\s*|\\s+").length == 2)) {
			double[] lo = new double[groups.length], hi = new double[groups.length];
			int c = 0;
			for (double[] pair; c < groups.length && (pair = pair(groups[c].split("\\s*,\\s*|\\s+"))) != null; c++) {
				lo[c] = pair[0];
				hi[c] = pair[1];
			}
			if (c == groups.length) out = InputValueRange.perChannel(lo, hi, VALUES_RANGE_SOURCE);
		} else {
			double[] one = pair(body.split("\\s*[,;]\\s*|\\s+"));
			if (one != null) out = new InputValueRange(one[0], one[1], VALUES_RANGE_SOURCE);
		}
		if (out == null) {
			throw new IllegalArgumentException(VALUES_RANGE + " must be two numbers lo,hi with lo < hi, in the model's input units after its"
				+ " normalisation (e.g. " + VALUES_RANGE + "=0,1), or one such pair per input channel separated by ';' (e.g. " + VALUES_RANGE
				+ "=0,255;0,255;0,127, as values_range_used gives it), or empty for the images' range; got " + t + ".");
		}
		return out;
	}

	/** {lo, hi} of two finite numbers with lo &lt; hi, else null. */
	private static double[] pair(String[] parts) {
		if (parts.length != 2) return null;
		try {
			double lo = Double.parseDouble(parts[0]), hi = Double.parseDouble(parts[1]);
			return InputValueRange.usable(lo, hi) ? new double[] { lo, hi } : null;
		} catch (NumberFormatException e) {
			return null;
		}
	}

	public String toMacroOptions() {
		StringBuilder o = new StringBuilder();
		ConceptDiscoverySettings.path(o, MODEL, model);
		ConceptDiscoverySettings.path(o, HEAD, head);
		ConceptDiscoverySettings.option(o, TARGET, target);
		ConceptDiscoverySettings.path(o, FOLDER, folder);
		ConceptDiscoverySettings.option(o, RECIPE, recipe);
		ConceptDiscoverySettings.option(o, STEPS, Integer.toString(steps));
		ConceptDiscoverySettings.option(o, LEARNING_RATE, OptionText.number(learningRate));
		ConceptDiscoverySettings.option(o, CROP, OptionText.number(crop));
		ConceptDiscoverySettings.option(o, CROPS, Integer.toString(crops));
		ConceptDiscoverySettings.option(o, NOISE, OptionText.number(noise));
		ConceptDiscoverySettings.option(o, CANVAS, Integer.toString(canvas));
		ConceptDiscoverySettings.option(o, VALUES_RANGE, valuesRange);
		ConceptDiscoverySettings.option(o, SEED, Long.toString(seed));
		ConceptDiscoverySettings.path(o, SAVE_DIR, saveDir);
		if (overwrite) o.append(OVERWRITE).append("=true ");
		return o.toString().trim();
	}

	/** The settings of these values (keys as declared in {@link org.conceptscope.fiji.param.CommandSpecs}). */
	public static FeatureVisualizationSettings of(org.conceptscope.registry.Values v) {
		FeatureVisualizationSettings s = new FeatureVisualizationSettings();
		s.model = v.path(MODEL);
		s.head = v.path(HEAD);
		s.target = v.text(TARGET);
		s.folder = v.path(FOLDER);
		s.recipe = v.text(RECIPE);
		s.steps = v.integer(STEPS);
		s.learningRate = v.number(LEARNING_RATE);
		s.crop = v.number(CROP);
		s.crops = v.integer(CROPS);
		s.noise = v.number(NOISE);
		s.canvas = v.integer(CANVAS);
		s.valuesRange = v.text(VALUES_RANGE);
		s.seed = v.longValue(SEED);
		s.saveDir = v.path(SAVE_DIR);
		s.overwrite = v.flag(OVERWRITE);
		return s;
	}

	/** The settings of a macro line's options (every problem of the line in one message). */
	public static FeatureVisualizationSettings parse(String options) {
		return of(org.conceptscope.fiji.param.CommandSpecs.FEATURE_VISUALIZATION.parse(options));
	}
}
