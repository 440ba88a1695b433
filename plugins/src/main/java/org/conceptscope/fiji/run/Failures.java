package org.conceptscope.fiji.run;

import org.conceptscope.fiji.param.CommandSpecs;
import ij.IJ;
import ij.Macro;
import ij.macro.Interpreter;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;

import org.conceptscope.fiji.image.ImagePlusTensors;
import org.conceptscope.model.ModelLoadException;
import org.conceptscope.util.IoFailures;

/**
 * What a failed run tells the user, the same from the SciJava commands ({@link CommandTasks}) and
 * the ImageJ 1.x plugins: the sentence of a failure a user can fix, a sentence naming anything
 * else (out of memory, an unexpected exception such as one from TensorFlow), and, when a macro
 * called the command, ImageJ's error message and an aborted macro, so a batch stops at the first
 * image it could not explain instead of going on without its results.
 */
public final class Failures {

	private Failures() {}

	/** Failures whose message is a sentence for the user (what is wrong, how to fix it). */
	public static boolean expected(Throwable e) {
		return e instanceof IllegalArgumentException || e instanceof IllegalStateException
			|| e instanceof UnsupportedOperationException // a graph operation SRD cannot walk: the message names it
			|| e instanceof ModelLoadException || e instanceof IOException;
	}

	/** One sentence for any failure; never a stack trace. */
	public static String message(String title, Throwable e) {
		if (e instanceof OutOfMemoryError) {
			return title + " ran out of memory (ImageJ may use " + ImagePlusTensors.gigabytes(Runtime.getRuntime().maxMemory()) + "): explain long stacks"
				+ " in parts with the batch runner (java -jar conceptscope-batch.jar), take a substack, or give ImageJ more memory"
				+ " (Edit > Options > Memory & Threads..., or -Xmx).";
		}
		if (e instanceof java.nio.file.FileSystemException f && f.getFile() != null) {
			String why = IoFailures.reason(f);
			return title + " could not use " + f.getFile() + (f.getOtherFile() != null ? " (" + f.getOtherFile() + ")" : "") + ": " + why
				+ ". Check that the folder exists and is writable and that the disk has space, or choose another " + CommandSpecs.SAVE_DIR.key() + ".";
		}
		String text = e.getMessage() == null ? "" : e.getMessage().strip().replaceAll("\\s*\\R\\s*", " ");
		if (expected(e) && !text.isEmpty()) return text;
		return title + " stopped on an unexpected " + e.getClass().getSimpleName() + (text.isEmpty() ? "" : " (" + text + ")")
			+ "; nothing was written, and the details are in the Log.";
	}

	/** Whether the stack trace helps (an unexpected failure), rather than the sentence alone. */
	public static boolean worthATrace(Throwable e) {
		return !expected(e) && !(e instanceof OutOfMemoryError);
	}

	public static String trace(Throwable e) {
		StringWriter s = new StringWriter();
		e.printStackTrace(new PrintWriter(s));
		return s.toString();
	}

	/**
	 * Whether a macro runs the command: macro options on this thread (in Fiji the legacy layer
	 * hands a macro's options to the thread a SciJava command runs on) or ImageJ's macro flag.
	 */
	public static boolean fromMacro() {
		return Macro.getOptions() != null || IJ.isMacro();
	}

	/**
	 * ImageJ's error message (printed when headless), in batch mode written to the Log as
	 * {@code title: message} instead of a modal dialog a batch would wait on; then the calling macro
	 * is aborted.
	 */
	public static void reportToMacro(String title, String message) {
		String[] caught = CAUGHT.get();
		if (caught != null) { // MacroCalls.tryRun: the macro gets the sentence and goes on
			caught[0] = message;
			IJ.log(title + ": " + message);
			return;
		}
		if (commandLineBatch()) {
			// java -jar ij.jar -batch: ImageJ would show its modal Macro Error dialog (a display is
			// needed for -batch) and wait for ever; say it on the console and end with a failure status.
			System.err.println(title + ": " + message);
			System.err.flush();
			System.out.flush();
			System.exit(1); // -batch ends the JVM when the macro returns anyway; this ends it with a failure status
		}
		if (Interpreter.isBatchMode()) IJ.redirectErrorMessages();
		IJ.error(title, message);
		Macro.abort();
	}

	/**
	 * Whether ImageJ 1.x runs a macro from the command line ({@code -batch}): no ImageJ window,
	 * and ImageJ ends the JVM when the macro returns.
	 */
	public static boolean commandLineBatch() {
		if (IJ.getInstance() != null) return false;
		String[] args = ij.ImageJ.getArgs();
		if (args == null) return false;
		for (String a : args) if (a != null && a.startsWith("-batch")) return true;
		return false;
	}

	/** Set while {@code MacroCalls.tryRun} runs a command: a failure is handed back, not raised. */
	private static final InheritableThreadLocal<String[]> CAUGHT = new InheritableThreadLocal<>();

	/**
	 * Runs a command whose failure the calling macro handles itself: returns the failure's
	 * sentence, or the empty string when it ran (a folder run goes on past a bad image).
	 */
	public static String catching(Runnable command) {
		String[] caught = { "" };
		String[] before = CAUGHT.get();
		CAUGHT.set(caught);
		try {
			command.run();
		} finally {
			CAUGHT.set(before);
		}
		return caught[0];
	}

}
