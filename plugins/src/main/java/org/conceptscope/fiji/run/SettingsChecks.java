package org.conceptscope.fiji.run;

import java.nio.file.Files;
import java.nio.file.Path;

import org.conceptscope.fiji.param.CommandSpecs;

/** Checks that several commands' settings make alike, before any work, each refusing in one sentence. */
final class SettingsChecks {

	private SettingsChecks() {}

	/** Refuses a missing model folder. */
	static void model(Path model) {
		if (model == null || model.toString().isBlank()) {
			throw new IllegalArgumentException("No model folder given: set " + CommandSpecs.MODEL.key() + "=[folder holding saved_model.pb].");
		}
	}

	/** Refuses a save_dir that is an existing file (a folder not yet made is created later). */
	static void saveDir(Path saveDir) {
		if (saveDir != null && Files.exists(saveDir) && !Files.isDirectory(saveDir)) {
			throw new IllegalArgumentException(CommandSpecs.SAVE_DIR.key() + " " + saveDir + " is a file; give a folder (it is created if missing).");
		}
	}
}
