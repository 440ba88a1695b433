package org.conceptscope.fiji.run;

import org.conceptscope.fiji.param.OptionText;
import org.conceptscope.fiji.param.CommandSpecs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The parameters of Concept Graph, shared by the SciJava command and the ImageJ 1.x plugin; the
 * key constants are the macro keys and the SciJava parameter names.
 */
public final class ConceptGraphSettings {

	public static final String MODEL = "model", FOLDER = "folder", LAYERS = "layers", SCOPE = "scope", TARGET = "target", CONCEPTS = "concepts",
		SAMPLES = "samples", SEED = "seed", STEPS = "steps", EXAMPLES = "examples", ERF_MASS = "erf_mass", TOP_FRACTION = CommandSpecs.TOP_FRACTION.key(),
		OUTPUT = "output", SAVE_DIR = CommandSpecs.SAVE_DIR.key(), OVERWRITE = CommandSpecs.OVERWRITE.key();
	public static final List<String> KEYS = List.of(MODEL, FOLDER, LAYERS, SCOPE, TARGET, CONCEPTS, SAMPLES, SEED, STEPS, EXAMPLES, ERF_MASS,
		TOP_FRACTION, OUTPUT, SAVE_DIR, OVERWRITE);

	/**
	 * {@code scope}: the graph over the whole data set, as the GIG paper builds it (concepts from every image's own
	 * predicted class, edges to every predicted class), or the graph of one class ({@code target}).
	 */
	public static final List<String> SCOPES = CommandSpecs.CONCEPT_GRAPH_SCOPES;
	public static final String SCOPE_DATASET = SCOPES.get(0), SCOPE_CLASS = SCOPES.get(1);
	public static final String DEFAULT_SCOPE = SCOPE_DATASET;
	/** Empty: the last two convolution blocks' outputs (see ConceptGraph.defaultLayers). */
	public static final String DEFAULT_LAYERS = "", DEFAULT_TARGET = AttributionSettings.PREDICTED,
		DEFAULT_OUTPUT = AttributionSettings.OUTPUT_CHANNEL;
	public static final int DEFAULT_CONCEPTS = 4, DEFAULT_SAMPLES = 1000, DEFAULT_STEPS = 32, DEFAULT_EXAMPLES = 6;
	public static final long DEFAULT_SEED = 42;
	public static final double DEFAULT_ERF_MASS = SharingRatioSettings.DEFAULT_ERF_MASS, DEFAULT_TOP_FRACTION = 0.1;

	public Path model;
	/** A folder of images; null: the current image. */
	public Path folder;
	/** Comma-separated layer names; empty: the default. */
	public String layers = DEFAULT_LAYERS;
	public String scope = DEFAULT_SCOPE;
	public String target = DEFAULT_TARGET;
	public int concepts = DEFAULT_CONCEPTS, samples = DEFAULT_SAMPLES, steps = DEFAULT_STEPS, examples = DEFAULT_EXAMPLES;
	public long seed = DEFAULT_SEED;
	public double erfMass = DEFAULT_ERF_MASS, topFraction = DEFAULT_TOP_FRACTION;
	public String output = DEFAULT_OUTPUT;
	public Path saveDir;
	/** Replace the files of an earlier run in {@link #saveDir}; off: such a run is refused before any work. */
	public boolean overwrite;

	public ConceptGraphSettings validate() {
		SettingsChecks.model(model);
		if (target == null || target.isBlank()) {
			throw new IllegalArgumentException("No target given: use " + TARGET + "=predicted (the class most images are predicted as),"
				+ " a class name or a class index.");
		}
		SettingsChecks.oneOf(SCOPE, scope, SCOPES, SCOPE + "=" + SCOPE_DATASET + " (the graph over every predicted class, as the GIG paper) or "
			+ SCOPE + "=" + SCOPE_CLASS + " (the graph of one class)");
		if (datasetWide() && !target.trim().equalsIgnoreCase(DEFAULT_TARGET)) {
			throw new IllegalArgumentException(TARGET + "=" + target.trim() + " picks one class, but " + SCOPE + "=" + SCOPE_DATASET
				+ " builds the graph over every predicted class: add " + SCOPE + "=" + SCOPE_CLASS + " for the graph of that class, or leave "
				+ TARGET + " out.");
		}
		if (concepts < 1) throw new IllegalArgumentException(CONCEPTS + " must be at least 1 (concepts per layer), got " + concepts + ".");
		if (samples < 1) throw new IllegalArgumentException(SAMPLES + " must be at least 1 (PFVs sampled per layer), got " + samples + ".");
		if (steps < 1) throw new IllegalArgumentException(STEPS + " must be at least 1 (GIG path steps), got " + steps + ".");
		org.conceptscope.util.Limits.passes(STEPS, steps); // before any bank is fitted, not when GIG starts
		if (examples < 1) throw new IllegalArgumentException(EXAMPLES + " must be at least 1 (ERFs per concept), got " + examples + ".");
		if (!(erfMass > 0 && erfMass <= 1)) throw new IllegalArgumentException(ERF_MASS + " must be in (0, 1], got " + erfMass + ".");
		if (!(topFraction > 0 && topFraction <= 1)) {
			throw new IllegalArgumentException(TOP_FRACTION + " must be in (0, 1] (0.1 outlines the top 10 % of each map), got "
				+ topFraction + ".");
		}
		SettingsChecks.oneOf(OUTPUT, output, AttributionSettings.OUTPUTS, OUTPUT + "=channel (concept maps as extra channels of a new image) or "
			+ OUTPUT + "=image (the maps alone)");
		for (String l : layerList()) {
			if (l.isEmpty()) throw new IllegalArgumentException(LAYERS + " '" + layers + "' has an empty name: give layers=[conv1/relu,conv2/relu].");
		}
		if (folder != null && !Files.isDirectory(folder)) {
			throw new IllegalArgumentException("The image folder " + folder + " does not exist: set " + FOLDER
				+ "=[a folder of images], or leave it empty to use the current image.");
		}
		SettingsChecks.saveDir(saveDir);
		return this;
	}

	/** The layers as given, in the given order; empty for the default. */
	public List<String> layerList() {
		List<String> out = new ArrayList<>();
		if (layers == null || layers.isBlank()) return out;
		for (String l : layers.split(",", -1)) out.add(l.trim());
		return out;
	}

	/** Whether the graph is built over the whole data set (every predicted class) rather than for one class. */
	public boolean datasetWide() {
		return SCOPE_DATASET.equals(scope);
	}

	public boolean mapsAsChannels() {
		return AttributionSettings.OUTPUT_CHANNEL.equals(output);
	}

	public String toMacroOptions() {
		StringBuilder o = new StringBuilder();
		ConceptDiscoverySettings.path(o, MODEL, model);
		ConceptDiscoverySettings.path(o, FOLDER, folder);
		ConceptDiscoverySettings.option(o, LAYERS, layers);
		ConceptDiscoverySettings.option(o, SCOPE, scope);
		ConceptDiscoverySettings.option(o, TARGET, target);
		ConceptDiscoverySettings.option(o, CONCEPTS, Integer.toString(concepts));
		ConceptDiscoverySettings.option(o, SAMPLES, Integer.toString(samples));
		ConceptDiscoverySettings.option(o, SEED, Long.toString(seed));
		ConceptDiscoverySettings.option(o, STEPS, Integer.toString(steps));
		ConceptDiscoverySettings.option(o, EXAMPLES, Integer.toString(examples));
		ConceptDiscoverySettings.option(o, ERF_MASS, OptionText.number(erfMass));
		ConceptDiscoverySettings.option(o, TOP_FRACTION, OptionText.number(topFraction));
		ConceptDiscoverySettings.option(o, OUTPUT, output);
		ConceptDiscoverySettings.path(o, SAVE_DIR, saveDir);
		if (overwrite) o.append(OVERWRITE).append("=true ");
		return o.toString().trim();
	}

	/** The settings of these values (keys as declared in {@link org.conceptscope.fiji.param.CommandSpecs}). */
	public static ConceptGraphSettings of(org.conceptscope.registry.Values v) {
		ConceptGraphSettings s = new ConceptGraphSettings();
		s.model = v.path(MODEL);
		s.folder = v.path(FOLDER);
		s.layers = v.text(LAYERS).trim();
		s.scope = v.text(SCOPE).trim().toLowerCase(java.util.Locale.ROOT);
		s.target = v.text(TARGET);
		s.concepts = v.integer(CONCEPTS);
		s.samples = v.integer(SAMPLES);
		s.seed = v.longValue(SEED);
		s.steps = v.integer(STEPS);
		s.examples = v.integer(EXAMPLES);
		s.erfMass = v.number(ERF_MASS);
		s.topFraction = v.number(TOP_FRACTION);
		s.output = v.text(OUTPUT);
		s.saveDir = v.path(SAVE_DIR);
		s.overwrite = v.flag(OVERWRITE);
		return s;
	}

	/** The settings of a macro line's options (every problem of the line in one message). */
	public static ConceptGraphSettings parse(String options) {
		return of(org.conceptscope.fiji.param.CommandSpecs.CONCEPT_GRAPH.parse(options));
	}
}
