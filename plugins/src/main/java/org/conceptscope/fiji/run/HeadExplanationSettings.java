package org.conceptscope.fiji.run;

import org.conceptscope.fiji.param.CommandSpecs;
import java.nio.file.Path;
import java.util.List;

/** The parameters of Explain with Head, shared by the SciJava command and the ImageJ 1.x plugin. */
public final class HeadExplanationSettings {

	public static final String MODEL = "model", HEAD = "head", TARGET = "target", TOP = "top", TOP_FRACTION = CommandSpecs.TOP_FRACTION.key(),
		AGAINST = "against", BIAS = "bias", SAVE_DIR = CommandSpecs.SAVE_DIR.key(), OVERWRITE = CommandSpecs.OVERWRITE.key();
	public static final List<String> KEYS = List.of(MODEL, HEAD, TARGET, TOP, AGAINST, TOP_FRACTION, BIAS, SAVE_DIR, OVERWRITE);
	public static final String DEFAULT_TARGET = AttributionSettings.PREDICTED;
	public static final int DEFAULT_TOP = 3;
	public static final double DEFAULT_TOP_FRACTION = 0.1;
	/** The class bias row is on by default: contributions plus bias make the logit, as InfoDisent reads a decision. */
	public static final boolean DEFAULT_BIAS = true;
	/** Off by default: the parts shown are those that speak for the target, as the InfoDisent paper shows them. */
	public static final boolean DEFAULT_AGAINST = false;

	public Path model;
	/** The head folder written by Train Interpretable Head (its {@code head/} subfolder). */
	public Path head;
	public String target = DEFAULT_TARGET;
	public int top = DEFAULT_TOP;
	/** Also rank the parts that speak against the target (by the size of their contribution). */
	public boolean against = DEFAULT_AGAINST;
	public double topFraction = DEFAULT_TOP_FRACTION;
	/** One more row per slice for the class bias (the part of the target logit no part or concept explains). */
	public boolean bias = DEFAULT_BIAS;
	public Path saveDir;
	/** Replace the files of an earlier run in {@link #saveDir}; off: such a run is refused before any work. */
	public boolean overwrite;

	public HeadExplanationSettings validate() {
		if (model == null || model.toString().isBlank()) {
			throw new IllegalArgumentException("No model folder given: set " + MODEL + "=[the backbone the head was trained on].");
		}
		if (head == null || !java.nio.file.Files.isDirectory(head)) {
			throw new IllegalArgumentException((head == null ? "No head given" : "The head folder " + head + " does not exist") + ": set "
				+ HEAD + "=[the head folder written by Train Interpretable Head, <" + SAVE_DIR + ">/head].");
		}
		if (target == null || target.isBlank()) {
			throw new IllegalArgumentException("No target given: use " + TARGET + "=predicted (the head's prediction), a class name or index.");
		}
		if (top < 1) throw new IllegalArgumentException(TOP + " must be at least 1 (parts or concepts per slice), got " + top + ".");
		if (!(topFraction > 0 && topFraction <= 1)) {
			throw new IllegalArgumentException(TOP_FRACTION + " must be in (0, 1] (0.1 outlines the top 10 % of each map), got "
				+ topFraction + ".");
		}
		SettingsChecks.saveDir(saveDir);
		return this;
	}

	public String toMacroOptions() {
		StringBuilder o = new StringBuilder();
		ConceptDiscoverySettings.path(o, MODEL, model);
		ConceptDiscoverySettings.path(o, HEAD, head);
		ConceptDiscoverySettings.option(o, TARGET, target);
		ConceptDiscoverySettings.option(o, TOP, Integer.toString(top));
		if (against != DEFAULT_AGAINST) o.append(AGAINST).append('=').append(against).append(' ');
		ConceptDiscoverySettings.option(o, TOP_FRACTION, Double.toString(topFraction));
		if (bias != DEFAULT_BIAS) o.append(BIAS).append('=').append(bias).append(' '); // key=value: Fiji's legacy layer reads only key=value
		ConceptDiscoverySettings.path(o, SAVE_DIR, saveDir);
		if (overwrite) o.append(OVERWRITE).append("=true ");
		return o.toString().trim();
	}

	/** The settings of these values (keys as declared in {@link org.conceptscope.fiji.param.CommandSpecs}). */
	public static HeadExplanationSettings of(org.conceptscope.registry.Values v) {
		HeadExplanationSettings s = new HeadExplanationSettings();
		s.model = v.path(MODEL);
		s.head = v.path(HEAD);
		s.target = v.text(TARGET);
		s.top = v.integer(TOP);
		s.against = v.flag(AGAINST);
		s.topFraction = v.number(TOP_FRACTION);
		s.bias = v.flag(BIAS);
		s.saveDir = v.path(SAVE_DIR);
		s.overwrite = v.flag(OVERWRITE);
		return s;
	}

	/** The settings of a macro line's options (every problem of the line in one message). */
	public static HeadExplanationSettings parse(String options) {
		return of(org.conceptscope.fiji.param.CommandSpecs.EXPLAIN_WITH_HEAD.parse(options));
	}
}
