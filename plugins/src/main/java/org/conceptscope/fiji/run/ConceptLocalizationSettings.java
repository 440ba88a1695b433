package org.conceptscope.fiji.run;

import org.conceptscope.fiji.param.OptionText;
import org.conceptscope.fiji.param.CommandSpecs;
import java.nio.file.Path;
import java.util.List;

import org.conceptscope.concepts.ConceptAttributionMaps;

/** The parameters of Concept Localization, shared by the SciJava command and the ImageJ 1.x plugin. */
public final class ConceptLocalizationSettings {

	public static final String MODEL = "model", CONCEPTS = "concepts", TOP_FRACTION = CommandSpecs.TOP_FRACTION.key(), OUTPUT = "output",
		OVERLAP = "overlap", LABEL_THRESHOLD = "label_threshold", CONCEPT_MAPS = "concept_maps", SAVE_DIR = CommandSpecs.SAVE_DIR.key(), OVERWRITE = CommandSpecs.OVERWRITE.key();
	public static final List<String> KEYS = List.of(MODEL, CONCEPTS, TOP_FRACTION, OUTPUT, OVERLAP, LABEL_THRESHOLD, CONCEPT_MAPS, SAVE_DIR, OVERWRITE);
	/** The {@code concept_maps} value of CRAFT's coefficient maps; the others name a {@link ConceptAttributionMaps.Rule}. */
	public static final String COEFFICIENTS = CommandSpecs.CONCEPT_MAP_KINDS.get(0);
	public static final double DEFAULT_TOP_FRACTION = 0.1;
	public static final String DEFAULT_OUTPUT = AttributionSettings.OUTPUT_CHANNEL;

	public Path model;
	/** A concepts.json written by Concept Discovery. */
	public Path concepts;
	public double topFraction = DEFAULT_TOP_FRACTION;
	public String output = DEFAULT_OUTPUT;
	/** For an image of another size than the model's input: the tiles' overlap, in [0, 1). */
	public double overlap = AttributionSettings.DEFAULT_OVERLAP;
	/** The label image is 0 where no concept map exceeds this value. */
	public double labelThreshold;
	/** {@link #COEFFICIENTS} (CRAFT's NNLS coefficient maps) or a concept attribution rule (Fel et al. 2023). */
	public String conceptMaps = COEFFICIENTS;
	public Path saveDir;
	/** Replace the files of an earlier run in {@link #saveDir}; off: such a run is refused before any work. */
	public boolean overwrite;

	public ConceptLocalizationSettings validate() {
		SettingsChecks.model(model);
		if (concepts == null || concepts.toString().isBlank()) {
			throw new IllegalArgumentException("No concept bank given: set " + CONCEPTS
				+ "=[concepts.json written by Concept Discovery].");
		}
		SettingsChecks.oneOf(OUTPUT, output, AttributionSettings.OUTPUTS, OUTPUT + "=channel (concept maps as extra channels of a new image) or "
			+ OUTPUT + "=image (the maps alone)");
		if (!(topFraction > 0 && topFraction <= 1)) {
			throw new IllegalArgumentException(TOP_FRACTION + " must be in (0, 1] (0.1 outlines the top 10 % of each map), got "
				+ topFraction + ".");
		}
		org.conceptscope.tensor.TileGrid.checkOverlap(overlap);
		if (!Double.isFinite(labelThreshold)) {
			throw new IllegalArgumentException(LABEL_THRESHOLD + " must be a number (the label image is 0 where no concept map exceeds it;"
				+ " 0 = where no concept is present), got " + labelThreshold + ".");
		}
		SettingsChecks.oneOf(CONCEPT_MAPS, conceptMaps, CommandSpecs.CONCEPT_MAP_KINDS, CONCEPT_MAPS + "=" + COEFFICIENTS
			+ " (where each concept's coefficients are), " + CONCEPT_MAPS + "=gradient_x_input or " + CONCEPT_MAPS
			+ "=saliency (concept attribution maps)");
		SettingsChecks.saveDir(saveDir);
		return this;
	}

	/** The concept attribution rule, or null for the coefficient maps. */
	public ConceptAttributionMaps.Rule attributionRule() {
		return COEFFICIENTS.equals(conceptMaps) ? null : ConceptAttributionMaps.Rule.of(conceptMaps);
	}

	public boolean mapsAsChannels() {
		return AttributionSettings.OUTPUT_CHANNEL.equals(output);
	}

	public String toMacroOptions() {
		StringBuilder o = new StringBuilder();
		ConceptDiscoverySettings.path(o, MODEL, model);
		ConceptDiscoverySettings.path(o, CONCEPTS, concepts);
		ConceptDiscoverySettings.option(o, TOP_FRACTION, Double.toString(topFraction));
		ConceptDiscoverySettings.option(o, OUTPUT, output);
		ConceptDiscoverySettings.option(o, OVERLAP, OptionText.number(overlap));
		ConceptDiscoverySettings.option(o, LABEL_THRESHOLD, OptionText.number(labelThreshold));
		ConceptDiscoverySettings.option(o, CONCEPT_MAPS, conceptMaps);
		ConceptDiscoverySettings.path(o, SAVE_DIR, saveDir);
		if (overwrite) o.append(OVERWRITE).append("=true ");
		return o.toString().trim();
	}

	/** The settings of these values (keys as declared in {@link org.conceptscope.fiji.param.CommandSpecs}). */
	public static ConceptLocalizationSettings of(org.conceptscope.registry.Values v) {
		ConceptLocalizationSettings s = new ConceptLocalizationSettings();
		s.model = v.path(MODEL);
		s.concepts = v.path(CONCEPTS);
		s.topFraction = v.number(TOP_FRACTION);
		s.output = v.text(OUTPUT);
		s.overlap = v.number(OVERLAP);
		s.labelThreshold = v.number(LABEL_THRESHOLD);
		s.conceptMaps = v.text(CONCEPT_MAPS);
		s.saveDir = v.path(SAVE_DIR);
		s.overwrite = v.flag(OVERWRITE);
		return s;
	}

	/** The settings of a macro line's options (every problem of the line in one message). */
	public static ConceptLocalizationSettings parse(String options) {
		return of(org.conceptscope.fiji.param.CommandSpecs.CONCEPT_LOCALIZATION.parse(options));
	}
}
