package org.conceptscope.fiji.run;

import org.conceptscope.fiji.param.OptionText;
import org.conceptscope.fiji.param.CommandSpecs;
import java.nio.file.Path;
import java.util.List;

/**
 * The parameters of Sharing Ratio Decomposition, shared by the SciJava command and the ImageJ 1.x
 * plugin; the key constants are the macro keys and the SciJava parameter names.
 */
public final class SharingRatioSettings {

	public static final String MODEL = "model", TARGET = "target", START_LAYER = org.conceptscope.mechanistic.SrdAttribution.START_LAYER,
		ERF_LAYER = "erf_layer", X = "x", Y = "y", ERF_MASS = "erf_mass",
		APOP_FILL = "apop_fill", OUTPUT = "output", TOP_FRACTION = CommandSpecs.TOP_FRACTION.key(), SAVE_DIR = CommandSpecs.SAVE_DIR.key(), OVERWRITE = CommandSpecs.OVERWRITE.key();
	public static final List<String> KEYS = List.of(MODEL, TARGET, START_LAYER, ERF_LAYER, X, Y, ERF_MASS, APOP_FILL, OUTPUT, TOP_FRACTION, SAVE_DIR, OVERWRITE);

	public static final String DEFAULT_TARGET = AttributionSettings.PREDICTED, DEFAULT_ERF_LAYER = "",
		DEFAULT_OUTPUT = AttributionSettings.OUTPUT_CHANNEL;
	/** -1: the image's centre column / row. */
	public static final int DEFAULT_X = -1, DEFAULT_Y = -1;
	/** The ERF ROI holds the pixels that carry this fraction of the ERF's absolute relevance. */
	public static final double DEFAULT_ERF_MASS = 0.9;
	/** APOP's blank image, in the model's normalised input units (1: white for unit_range models). */
	public static final double DEFAULT_APOP_FILL = 1;
	public static final double DEFAULT_TOP_FRACTION = 0.1;

	public Path model;
	public String target = DEFAULT_TARGET;
	/** The layer whose PFVs the decomposition starts at; empty: the input pixels (the paper's maps). */
	public String startLayer = "";
	/** Empty: no ERF. */
	public String erfLayer = DEFAULT_ERF_LAYER;
	public int x = DEFAULT_X, y = DEFAULT_Y;
	public double erfMass = DEFAULT_ERF_MASS, apopFill = DEFAULT_APOP_FILL, topFraction = DEFAULT_TOP_FRACTION;
	public String output = DEFAULT_OUTPUT;
	public Path saveDir;
	/** Replace the files of an earlier run in {@link #saveDir}; off: such a run is refused before any work. */
	public boolean overwrite;

	public SharingRatioSettings validate() {
		SettingsChecks.model(model);
		if (target == null || target.isBlank()) {
			throw new IllegalArgumentException("No target given: use " + TARGET + "=predicted, a class name or a class index.");
		}
		SettingsChecks.oneOf(OUTPUT, output, AttributionSettings.OUTPUTS, OUTPUT + "=channel (maps as extra channels of a new image) or "
			+ OUTPUT + "=image (the maps alone)");
		if (!(topFraction > 0 && topFraction <= 1)) {
			throw new IllegalArgumentException(TOP_FRACTION + " must be in (0, 1] (0.1 outlines the top 10 % of each map), got "
				+ topFraction + ".");
		}
		if (x < -1 || y < -1) {
			throw new IllegalArgumentException(X + " and " + Y + " are image pixels (or -1 for the centre), got " + x + ", " + y + ".");
		}
		if (!hasErf() && (x != DEFAULT_X || y != DEFAULT_Y)) {
			throw new IllegalArgumentException(X + " and " + Y + " choose the PFV of an ERF: also set " + ERF_LAYER
				+ "=[a spatial layer] (Model Info lists them).");
		}
		if (!(erfMass > 0 && erfMass <= 1)) {
			throw new IllegalArgumentException(ERF_MASS + " must be in (0, 1] (0.9: the ERF ROI holds 90 % of its relevance), got "
				+ erfMass + ".");
		}
		if (!Double.isFinite(apopFill)) throw new IllegalArgumentException(APOP_FILL + " must be a finite number, got " + apopFill + ".");
		SettingsChecks.saveDir(saveDir);
		return this;
	}

	public boolean hasErf() {
		return erfLayer != null && !erfLayer.isBlank();
	}

	public boolean mapsAsChannels() {
		return AttributionSettings.OUTPUT_CHANNEL.equals(output);
	}

	public String toMacroOptions() {
		StringBuilder o = new StringBuilder();
		ConceptDiscoverySettings.path(o, MODEL, model);
		ConceptDiscoverySettings.option(o, TARGET, target);
		ConceptDiscoverySettings.option(o, START_LAYER, startLayer);
		ConceptDiscoverySettings.option(o, ERF_LAYER, erfLayer);
		ConceptDiscoverySettings.option(o, X, Integer.toString(x));
		ConceptDiscoverySettings.option(o, Y, Integer.toString(y));
		ConceptDiscoverySettings.option(o, ERF_MASS, OptionText.number(erfMass));
		ConceptDiscoverySettings.option(o, APOP_FILL, OptionText.number(apopFill));
		ConceptDiscoverySettings.option(o, OUTPUT, output);
		ConceptDiscoverySettings.option(o, TOP_FRACTION, OptionText.number(topFraction));
		ConceptDiscoverySettings.path(o, SAVE_DIR, saveDir);
		if (overwrite) o.append(OVERWRITE).append("=true ");
		return o.toString().trim();
	}

	/** The settings of these values (keys as declared in {@link org.conceptscope.fiji.param.CommandSpecs}). */
	public static SharingRatioSettings of(org.conceptscope.registry.Values v) {
		SharingRatioSettings s = new SharingRatioSettings();
		s.model = v.path(MODEL);
		s.target = v.text(TARGET);
		s.startLayer = v.text(START_LAYER).trim();
		s.erfLayer = v.text(ERF_LAYER).trim();
		s.x = v.integer(X);
		s.y = v.integer(Y);
		s.erfMass = v.number(ERF_MASS);
		s.apopFill = v.number(APOP_FILL);
		s.output = v.text(OUTPUT);
		s.topFraction = v.number(TOP_FRACTION);
		s.saveDir = v.path(SAVE_DIR);
		s.overwrite = v.flag(OVERWRITE);
		return s;
	}

	/** The settings of a macro line's options (every problem of the line in one message). */
	public static SharingRatioSettings parse(String options) {
		return of(org.conceptscope.fiji.param.CommandSpecs.SHARING_RATIO_DECOMPOSITION.parse(options));
	}
}
