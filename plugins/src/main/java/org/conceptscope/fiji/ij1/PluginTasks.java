package org.conceptscope.fiji.ij1;

import ij.IJ;
import ij.Macro;

import java.util.concurrent.CancellationException;

import org.conceptscope.fiji.run.Failures;
import org.conceptscope.fiji.display.ImageJProgress;
import org.conceptscope.fiji.display.ProgressTask;

/**
 * How the ImageJ 1.x plugins run their work and end: a cancelled run (Esc) says so and aborts a
 * calling macro; a failure, expected or not (out of memory, whatever TensorFlow throws), is one
 * sentence reported by {@link PluginErrors}, an unexpected one with its stack trace in the Log.
 * One place for every plugin.
 */
final class PluginTasks {

	private PluginTasks() {}

	/** @param options the macro options, null when the user ran the plugin from the menu */
	static void run(String title, String options, ProgressTask task) {
		ImageJProgress progress = new ImageJProgress(title);
		try {
			task.run(progress);
		} catch (CancellationException e) {
			progress.finished("cancelled; nothing was written.");
			if (options != null || IJ.isMacro()) Macro.abort();
		} catch (Exception | OutOfMemoryError e) { // checked: IOException; unchecked, last: whatever TensorFlow or ImageJ throws
			progress.statusOnly("failed."); // the failure's sentence is the console's line
			if (Failures.worthATrace(e)) IJ.log("ConceptScope " + title + ": " + Failures.trace(e));
			PluginErrors.report(title, Failures.message(e, title), options != null || IJ.isMacro());
		}
	}
}
