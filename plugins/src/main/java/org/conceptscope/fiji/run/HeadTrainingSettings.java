package org.conceptscope.fiji.run;

import org.conceptscope.fiji.param.OptionText;
import org.conceptscope.fiji.param.CommandSpecs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The parameters of Train Interpretable Head, shared by the SciJava command and the ImageJ 1.x
 * plugin. The key constants are the macro keys and the SciJava parameter names.
 */
public final class HeadTrainingSettings {

	public static final String MODEL = "model", FOLDER = "folder", HEAD = "head", LAYER = "layer", CONCEPTS = "concepts",
		DIMENSION = "dimension", SPARSITY = "sparsity", ITERATIONS = "iterations", STEPS = "steps", BATCH_SIZE = "batch_size", LEARNING_RATE = "learning_rate",
		SEED = "seed", HELD_OUT = "held_out", PROTOTYPES = "prototypes", SAVE_DIR = CommandSpecs.SAVE_DIR.key(), OVERWRITE = CommandSpecs.OVERWRITE.key();

	public static final List<String> KEYS = List.of(MODEL, FOLDER, HEAD, LAYER, CONCEPTS, DIMENSION, SPARSITY, ITERATIONS, STEPS, BATCH_SIZE,
		LEARNING_RATE, SEED, HELD_OUT, PROTOTYPES, SAVE_DIR, OVERWRITE);

	public static final String INFODISENT = "infodisent", BI_ICE = "bi_ice";
	public static final List<String> HEADS = org.conceptscope.registry.Registry.keys(org.conceptscope.registry.Family.HEAD);

	public static final String DEFAULT_HEAD = INFODISENT, DEFAULT_LAYER = "";
	public static final int DEFAULT_CONCEPTS = 6, DEFAULT_DIMENSION = 16, DEFAULT_STEPS = 400, DEFAULT_BATCH_SIZE = 32,
		DEFAULT_PROTOTYPES = 6, DEFAULT_ITERATIONS = org.conceptscope.heads.BiIce.DEFAULT_ITERATIONS;
	public static final double DEFAULT_SPARSITY = org.conceptscope.heads.BiIce.DEFAULT_SPARSITY, DEFAULT_LEARNING_RATE = 0.01,
		DEFAULT_HELD_OUT = 0.2;
	public static final long DEFAULT_SEED = 42;

	public Path model;
	/** One subfolder per class, named after the model's classes. */
	public Path folder;
	public String head = DEFAULT_HEAD;
	public String layer = DEFAULT_LAYER;
	public int concepts = DEFAULT_CONCEPTS, dimension = DEFAULT_DIMENSION, steps = DEFAULT_STEPS, batchSize = DEFAULT_BATCH_SIZE,
		prototypes = DEFAULT_PROTOTYPES, iterations = DEFAULT_ITERATIONS;
	public double sparsity = DEFAULT_SPARSITY, learningRate = DEFAULT_LEARNING_RATE, heldOut = DEFAULT_HELD_OUT;
	public long seed = DEFAULT_SEED;
	public Path saveDir;
	/** Replace the files of an earlier run in {@link #saveDir}; off: such a run is refused before any work. */
	public boolean overwrite;

	/** Checks what can be checked without the model; messages name the macro key. */
	public HeadTrainingSettings validate() {
		SettingsChecks.model(model);
		if (folder == null || !Files.isDirectory(folder)) {
			throw new IllegalArgumentException((folder == null ? "No image folder given" : "The folder " + folder + " does not exist")
				+ ": set " + FOLDER + "=[a folder with one subfolder of images per class, named after the model's classes].");
		}
		SettingsChecks.oneOf(HEAD, head, HEADS, HEAD + "=" + INFODISENT + " or " + HEAD + "=" + BI_ICE);
		if (concepts < 2) throw new IllegalArgumentException(CONCEPTS + " must be at least 2 (patches choose among them), got " + concepts + ".");
		if (dimension < org.conceptscope.heads.BiIce.MIN_DIMENSION) {
			throw new IllegalArgumentException(DIMENSION + " must be at least " + org.conceptscope.heads.BiIce.MIN_DIMENSION + ", got " + dimension
				+ ": " + org.conceptscope.heads.BiIce.MIN_DIMENSION_REASON + "; set " + DIMENSION + "=" + org.conceptscope.heads.BiIce.MIN_DIMENSION + " or more.");
		}
		if (!(sparsity >= 0)) throw new IllegalArgumentException(SPARSITY + " must be 0 or more, got " + sparsity + ".");
		if (iterations < 1) throw new IllegalArgumentException(ITERATIONS + " must be at least 1 (one round of binding), got " + iterations + ".");
		org.conceptscope.util.Limits.atMost(CONCEPTS, concepts, org.conceptscope.heads.BiIce.MAX_CONCEPTS);
		org.conceptscope.util.Limits.atMost(DIMENSION, dimension, org.conceptscope.heads.BiIce.MAX_DIMENSION);
		org.conceptscope.util.Limits.atMost(ITERATIONS, iterations, org.conceptscope.heads.BiIce.MAX_ITERATIONS);
		if (steps < 1) throw new IllegalArgumentException(STEPS + " must be at least 1, got " + steps + ".");
		if (batchSize < 1) throw new IllegalArgumentException(BATCH_SIZE + " must be at least 1, got " + batchSize + ".");
		if (!(learningRate > 0)) throw new IllegalArgumentException(LEARNING_RATE + " must be positive, got " + learningRate + ".");
		if (!(heldOut > 0 && heldOut < 1)) {
			throw new IllegalArgumentException(HELD_OUT + " must be between 0 and 1 (0.2 keeps a fifth of each class's images for"
				+ " the accuracy table), got " + heldOut + ".");
		}
		if (prototypes < 1) throw new IllegalArgumentException(PROTOTYPES + " must be at least 1 (patches per unit in the montage), got "
			+ prototypes + ".");
		if (saveDir == null) {
			throw new IllegalArgumentException("No " + SAVE_DIR + " given: set " + SAVE_DIR + "=[folder] for the trained head (a"
				+ " SavedModel that Explain with Head reads) and its tables.");
		}
		SettingsChecks.saveDir(saveDir);
		return this;
	}

	public boolean biIce() {
		return BI_ICE.equals(head);
	}

	/** The options that replay this run. */
	public String toMacroOptions() {
		StringBuilder o = new StringBuilder();
		ConceptDiscoverySettings.path(o, MODEL, model);
		ConceptDiscoverySettings.path(o, FOLDER, folder);
		ConceptDiscoverySettings.option(o, HEAD, head);
		ConceptDiscoverySettings.option(o, LAYER, layer);
		ConceptDiscoverySettings.option(o, CONCEPTS, Integer.toString(concepts));
		ConceptDiscoverySettings.option(o, DIMENSION, Integer.toString(dimension));
		ConceptDiscoverySettings.option(o, SPARSITY, OptionText.number(sparsity));
		ConceptDiscoverySettings.option(o, ITERATIONS, Integer.toString(iterations));
		ConceptDiscoverySettings.option(o, STEPS, Integer.toString(steps));
		ConceptDiscoverySettings.option(o, BATCH_SIZE, Integer.toString(batchSize));
		ConceptDiscoverySettings.option(o, LEARNING_RATE, OptionText.number(learningRate));
		ConceptDiscoverySettings.option(o, SEED, Long.toString(seed));
		ConceptDiscoverySettings.option(o, HELD_OUT, OptionText.number(heldOut));
		ConceptDiscoverySettings.option(o, PROTOTYPES, Integer.toString(prototypes));
		ConceptDiscoverySettings.path(o, SAVE_DIR, saveDir);
		if (overwrite) o.append(OVERWRITE).append("=true ");
		return o.toString().trim();
	}

	/** The settings of these values (keys as declared in {@link org.conceptscope.fiji.param.CommandSpecs}). */
	public static HeadTrainingSettings of(org.conceptscope.registry.Values v) {
		HeadTrainingSettings s = new HeadTrainingSettings();
		s.model = v.path(MODEL);
		s.folder = v.path(FOLDER);
		s.head = v.text(HEAD);
		s.layer = v.text(LAYER);
		s.concepts = v.integer(CONCEPTS);
		s.dimension = v.integer(DIMENSION);
		s.sparsity = v.number(SPARSITY);
		s.iterations = v.integer(ITERATIONS);
		s.steps = v.integer(STEPS);
		s.batchSize = v.integer(BATCH_SIZE);
		s.learningRate = v.number(LEARNING_RATE);
		s.seed = v.longValue(SEED);
		s.heldOut = v.number(HELD_OUT);
		s.prototypes = v.integer(PROTOTYPES);
		s.saveDir = v.path(SAVE_DIR);
		s.overwrite = v.flag(OVERWRITE);
		return s;
	}

	/** The settings of a macro line's options (every problem of the line in one message). */
	public static HeadTrainingSettings parse(String options) {
		return of(org.conceptscope.fiji.param.CommandSpecs.TRAIN_INTERPRETABLE_HEAD.parse(options));
	}
}
