package org.conceptscope.fiji.run;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;

import org.conceptscope.fiji.param.CommandSpecs;

/** Checks that several commands' settings make alike, before any work, each refusing in one sentence. */
final class SettingsChecks {

	private SettingsChecks() {}

	/** Refuses a missing model. */
	static void model(Path model) {
		if (model == null || model.toString().isBlank()) throw Models.noModel();
	}

	/** Refuses a save_dir that is an existing file (a folder not yet made is created later). */
	static void saveDir(Path saveDir) {
		if (saveDir != null && Files.exists(saveDir) && !Files.isDirectory(saveDir)) {
			throw new IllegalArgumentException(CommandSpecs.SAVE_DIR.key() + " " + saveDir + " is a file; give a folder (it is created if missing).");
		}
	}

	/**
	 * Refuses, before any work (before the model loads), a run into a {@code save_dir} that already holds
	 * one of the files of fixed name it would write (an earlier run's), unless {@code overwrite}: a rerun with
	 * other parameters would replace the earlier results without a word. Nothing is changed.
	 *
	 * @param names the files (or folders) the run writes in save_dir
	 */
	static void noEarlierOutputs(Path saveDir, boolean overwrite, Collection<String> names) {
		if (saveDir == null || overwrite || !Files.isDirectory(saveDir)) return;
		for (String name : names) {
			Path p = saveDir.resolve(name);
			if (Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
				throw new IllegalArgumentException(p + " already exists (an earlier run's output): choose another " + CommandSpecs.SAVE_DIR.key()
					+ ", or tick '" + CommandSpecs.OVERWRITE.label() + "' (" + CommandSpecs.OVERWRITE.key() + "=true) to replace it; nothing was changed.");
			}
		}
	}

	/**
	 * Refuses a choice key's value that is not one of its choices, in one sentence:
	 * {@code Unknown <key> '<value>': use <use>.}, where {@code use} says what each choice does.
	 */
	static void oneOf(String key, String value, Collection<String> choices, String use) {
		if (value == null || !choices.contains(value)) {
			throw new IllegalArgumentException("Unknown " + key + " '" + value + "': use " + use + ".");
		}
	}

	/** {@link #oneOf(String, String, Collection, String)} that lists the choices: {@code use one of a, b, c.} */
	static void oneOf(String key, String value, Collection<String> choices) {
		oneOf(key, value, choices, "one of " + String.join(", ", choices));
	}
}
