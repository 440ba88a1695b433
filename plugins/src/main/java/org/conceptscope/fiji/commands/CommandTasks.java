package org.conceptscope.fiji.commands;

import java.io.IOException;
import java.util.concurrent.CancellationException;
import java.util.function.Consumer;

import org.conceptscope.model.ModelLoadException;
import org.scijava.log.LogService;
import org.scijava.ui.DialogPrompt;
import org.scijava.ui.UIService;

/**
 * How the SciJava commands run their work and end: cancelled (Esc) and failed runs say so on the
 * status bar and cancel the command with the reason; a failure is logged and, with a display,
 * shown in a dialog. One place, so every command behaves alike in Fiji, headless and in macros.
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
		} catch (IllegalArgumentException | IllegalStateException | UnsupportedOperationException // a graph operation SRD cannot walk: the message names it
			| ModelLoadException | IOException e) {
			progress.finished("failed.");
			fail(title, e.getMessage(), log, ui, cancel);
		}
	}

	static void fail(String title, String message, LogService log, UIService ui, Consumer<String> cancel) {
		log.error("ConceptScope " + title + ": " + message);
		if (ui != null && !ui.isHeadless()) ui.showDialog(message, "ConceptScope " + title, DialogPrompt.MessageType.ERROR_MESSAGE);
		cancel.accept(message);
	}
}
