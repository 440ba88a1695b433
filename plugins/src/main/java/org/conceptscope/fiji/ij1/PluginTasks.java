package org.conceptscope.fiji.ij1;

import ij.Macro;

import java.io.IOException;
import java.util.concurrent.CancellationException;

import org.conceptscope.fiji.commands.ImageJProgress;
import org.conceptscope.fiji.commands.ProgressTask;
import org.conceptscope.model.ModelLoadException;

/**
 * How the ImageJ 1.x plugins run their work and end: a cancelled run (Esc) says so and aborts a
 * calling macro; a failure is reported by {@link PluginErrors}. One place for every plugin.
 */
final class PluginTasks {

	private PluginTasks() {}

	/** @param options the macro options, null when the user ran the plugin from the menu */
	static void run(String command, String title, String options, ProgressTask task) {
		ImageJProgress progress = new ImageJProgress(title);
		try {
			task.run(progress);
		} catch (CancellationException e) {
			progress.finished("cancelled; nothing was written.");
			if (options != null) Macro.abort();
		} catch (IllegalArgumentException | IllegalStateException | UnsupportedOperationException // a graph operation SRD cannot walk: the message names it
			| ModelLoadException | IOException e) {
			progress.finished("failed.");
			PluginErrors.report(command, e.getMessage(), options != null);
		}
	}
}
