package org.conceptscope.fiji.command;

import org.conceptscope.fiji.run.Failures;
import org.conceptscope.fiji.display.ImageJProgress;
import org.conceptscope.fiji.display.ProgressTask;
import java.util.concurrent.CancellationException;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

import org.scijava.Context;
import org.scijava.log.LogService;
import org.scijava.thread.ThreadService;
import org.scijava.ui.DialogPrompt;
import org.scijava.ui.UIService;

/**
 * How the SciJava commands run their work and end: cancelled (Esc) and failed runs say so on the
 * status bar and cancel the command with the reason. A failure is logged (with its stack trace
 * when it was unexpected) and shown once, in one sentence: from a macro as ImageJ's error, which
 * aborts the macro ({@link Failures#reportToMacro}), otherwise in a dialog when there is a display.
 * One place, so every command behaves alike in Fiji, headless and in macros.
 */
final class CommandTasks {

	private CommandTasks() {}

	static void run(String title, LogService log, UIService ui, Consumer<String> cancel, ProgressTask task) {
		ImageJProgress progress = new ImageJProgress(title);
		try {
			task.run(progress);
		} catch (CancellationException e) {
			progress.finished("cancelled; nothing was written.");
			cancel.accept(title + " cancelled; nothing was written.");
			if (Failures.fromMacro()) ij.Macro.abort();
		} catch (Exception | OutOfMemoryError e) { // checked: IOException; unchecked, last: whatever TensorFlow or ImageJ throws
			progress.statusOnly("failed."); // the failure's sentence is the console's line
			fail(title, e, log, ui, cancel);
		}
	}

	static void fail(String title, Throwable e, LogService log, UIService ui, Consumer<String> cancel) {
		String message = Failures.message(e, title);
		UnaryOperator<Thread> parent = parent(log);
		boolean macro = Failures.fromMacro(parent);
		if (macro && Failures.commandLineBatch()) {
			// -batch: the reporter's console line is the sentence (a log line too said it twice); an unexpected failure's trace only
			if (Failures.worthATrace(e)) log.error(Failures.trace(e));
		} else if (Failures.worthATrace(e)) {
			log.error("ConceptScope " + title + ": " + message, e);
		} else {
			log.error("ConceptScope " + title + ": " + message);
		}
		cancel.accept(message); // first: aborting a macro may throw on a macro's own thread
		if (macro) Failures.reportToMacro("ConceptScope " + title, message, parent);
		else if (ui != null && !ui.isHeadless()) ui.showDialog(message, "ConceptScope " + title, DialogPrompt.MessageType.ERROR_MESSAGE);
	}

	/**
	 * Which thread started a thread, as the command's context's thread service recorded it: in Fiji
	 * a macro's command runs on a pool thread started by the macro's thread, where a
	 * {@code MacroCalls.tryRun} may wait for the failure (null without a thread service).
	 */
	private static UnaryOperator<Thread> parent(LogService log) {
		Context context = log == null ? null : log.getContext();
		ThreadService threads = context == null ? null : context.getService(ThreadService.class);
		return threads == null ? null : threads::getParent;
	}
}
