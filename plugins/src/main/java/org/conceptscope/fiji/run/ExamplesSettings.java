package org.conceptscope.fiji.run;

import org.conceptscope.fiji.param.CommandSpecs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.conceptscope.ops.ExampleOps;

/**
 * The parameters of Nearest Examples, shared by the SciJava command and the ImageJ 1.x plugin
 * (keys as declared in {@link org.conceptscope.fiji.param.CommandSpecs#NEAREST_EXAMPLES}).
 */
public final class ExamplesSettings {

	public static final String MODEL = "model", FOLDER = "folder", LAYER = "layer", NEIGHBOURS = "neighbours", PROTOTYPES = "prototypes",
		SAVE_DIR = CommandSpecs.SAVE_DIR.key(), OVERWRITE = CommandSpecs.OVERWRITE.key();
	public static final List<String> KEYS = List.of(MODEL, FOLDER, LAYER, NEIGHBOURS, PROTOTYPES, SAVE_DIR, OVERWRITE);
	public static final int DEFAULT_NEIGHBOURS = ExampleOps.DEFAULT_NEIGHBOURS, DEFAULT_PROTOTYPES = ExampleOps.DEFAULT_PROTOTYPES;

	public Path model;
	/** The training examples: images, or one subfolder of images per class. */
	public Path folder;
	/** Empty: the last spatial layer. */
	public String layer = "";
	public int neighbours = DEFAULT_NEIGHBOURS, prototypes = DEFAULT_PROTOTYPES;
	public Path saveDir;
	/** Replace the files of an earlier run in {@link #saveDir}; off: such a run is refused before any work. */
	public boolean overwrite;

	public ExamplesSettings validate() {
		SettingsChecks.model(model);
		if (folder == null || !Files.isDirectory(folder)) {
			throw new IllegalArgumentException((folder == null ? "No training examples given" : "The folder " + folder + " does not exist")
				+ ": set " + FOLDER + "=[a folder of training images, or one subfolder of images per class].");
		}
		if (neighbours < 0) throw new IllegalArgumentException(NEIGHBOURS + " must be 0 or more, got " + neighbours + ".");
		if (prototypes < 0) throw new IllegalArgumentException(PROTOTYPES + " must be 0 or more, got " + prototypes + ".");
		if (neighbours == 0 && prototypes == 0) {
			throw new IllegalArgumentException("Nothing to do: set " + NEIGHBOURS + " (nearest examples of each slice of the image) or "
				+ PROTOTYPES + " (prototypes of the examples) above 0.");
		}
		SettingsChecks.saveDir(saveDir);
		return this;
	}

	/** The options that replay this run. */
	public String toMacroOptions() {
		StringBuilder o = new StringBuilder();
		ConceptDiscoverySettings.path(o, MODEL, model);
		ConceptDiscoverySettings.path(o, FOLDER, folder);
		ConceptDiscoverySettings.option(o, LAYER, layer);
		ConceptDiscoverySettings.option(o, NEIGHBOURS, Integer.toString(neighbours));
		ConceptDiscoverySettings.option(o, PROTOTYPES, Integer.toString(prototypes));
		ConceptDiscoverySettings.path(o, SAVE_DIR, saveDir);
		if (overwrite) o.append(OVERWRITE).append("=true ");
		return o.toString().trim();
	}

	public static ExamplesSettings of(org.conceptscope.registry.Values v) {
		ExamplesSettings s = new ExamplesSettings();
		s.model = v.path(MODEL);
		s.folder = v.path(FOLDER);
		s.layer = v.text(LAYER) == null ? "" : v.text(LAYER);
		s.neighbours = v.integer(NEIGHBOURS);
		s.prototypes = v.integer(PROTOTYPES);
		s.saveDir = v.path(SAVE_DIR);
		s.overwrite = v.flag(OVERWRITE);
		return s;
	}
}
