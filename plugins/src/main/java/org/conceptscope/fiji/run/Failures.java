package org.conceptscope.fiji.run;

import org.conceptscope.fiji.param.CommandSpec;
import org.conceptscope.fiji.param.CommandSpecs;
import ij.IJ;
import ij.Macro;
import ij.macro.Interpreter;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

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

	/**
	 * One sentence for any failure; never a stack trace. It does not name the command: the reporter
	 * puts the name before it once ("ConceptScope TCAV...: ", the dialog's title, the Log line).
	 */
	public static String message(Throwable e) {
		return message(e, null);
	}

	/**
	 * As {@link #message(Throwable)}, for the command titled {@code title} (null: not known): running out of memory
	 * names what makes that command's run smaller ({@link CommandSpecs#memoryRemedy}), not another command's.
	 */
	public static String message(Throwable e, String title) {
		if (e instanceof OutOfMemoryError) {
			CommandSpec spec = CommandSpecs.ALL.stream().filter(s -> s.title().equals(title)).findFirst().orElse(null);
			String remedy = spec == null ? null : CommandSpecs.memoryRemedy(spec);
			return "Ran out of memory (ImageJ may use " + ImagePlusTensors.readableSize(Runtime.getRuntime().maxMemory()) + "): "
				+ (remedy == null ? "" : remedy + ", or ") + "give ImageJ more memory (Edit > Options > Memory & Threads..., or -Xmx).";
		}
		if (e instanceof java.nio.file.FileSystemException f && f.getFile() != null) {
			String why = IoFailures.reason(f);
			return "Could not use " + f.getFile() + (f.getOtherFile() != null ? " (" + f.getOtherFile() + ")" : "") + ": " + why
				+ ". Check that the folder exists and is writable and that the disk has space, or choose another " + CommandSpecs.SAVE_DIR.key() + ".";
		}
		String text = e.getMessage() == null ? "" : e.getMessage().strip().replaceAll("\\s*\\R\\s*", " ");
		if (expected(e) && !text.isEmpty()) return text;
		return "Stopped on an unexpected " + e.getClass().getSimpleName() + (text.isEmpty() ? "" : " (" + text + ")")
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
	 * {@link #fromMacro()}, or a macro's {@code MacroCalls.tryRun} waits for this thread (found
	 * as {@link #reportToMacro(String, String, UnaryOperator)} finds it).
	 */
	public static boolean fromMacro(UnaryOperator<Thread> parent) {
		return catcher(parent) != null || fromMacro();
	}

	/**
	 * ImageJ's error message (printed when headless), in batch mode written to the Log as
	 * {@code title: message} instead of a modal dialog a batch would wait on; then the calling macro
	 * is aborted. For a failure on the macro's own thread (the ImageJ 1.x plugins).
	 */
	public static void reportToMacro(String title, String message) {
		reportToMacro(title, message, null);
	}

	/**
	 * As {@link #reportToMacro(String, String)}, from a thread that SciJava's thread service may
	 * have started for the macro: in Fiji a macro's {@code run("Attribution...", ...)} runs the
	 * SciJava command on a pool thread, which the service records as started by the macro's thread
	 * ({@code ThreadService.getParent}). A {@code MacroCalls.tryRun} waiting on this thread, or on
	 * any thread before it, gets the sentence instead, and the macro goes on.
	 *
	 * @param parent the thread that started a thread, or null (null: this thread only)
	 */
	public static void reportToMacro(String title, String message, UnaryOperator<Thread> parent) {
		String[] caught = catcher(parent);
		if (caught != null) { // MacroCalls.tryRun: the macro gets the sentence and goes on
			// not logged here: the macro says it with what it knows (batch_folder.ijm: "skipped <file>: <sentence>"),
			// where a line here too said every skipped image's sentence twice, the first time without its file
			caught[0] = message;
			return;
		}
		if (commandLineBatch()) {
			// java -jar ij.jar -batch: ImageJ would show its modal Macro Error dialog (a display is
			// needed for -batch) and wait for ever; say it on the console and end with a failure status.
			failBatch(title + ": " + message, true);
		}
		if (Interpreter.isBatchMode()) IJ.redirectErrorMessages();
		IJ.error(title, message);
		Macro.abort();
	}

	/**
	 * Under -batch ({@link #commandLineBatch}), says the line on the console and ends the run with status 1:
	 * {@code now}, or when ImageJ ends the JVM (for a macro that another one runs: its caller goes on first).
	 */
	public static void failBatch(String line, boolean now) {
		System.err.println(line);
		System.err.flush();
		System.out.flush();
		if (now) System.exit(1); // -batch ends the JVM when the macro returns anyway; this ends it with a failure status
		failAtExit();
	}

	private static boolean failingAtExit;

	/**
	 * ImageJ's -batch ends the JVM with System.exit(0) once the first macro returns; a shutdown hook is the one
	 * place left to make that status 1 (halt: exit's status cannot change once it has begun).
	 */
	private static synchronized void failAtExit() {
		if (failingAtExit) return;
		failingAtExit = true;
		Runtime.getRuntime().addShutdownHook(new Thread(() -> {
			System.out.flush();
			System.err.flush();
			Runtime.getRuntime().halt(1);
		}, "ConceptScope: a macro was refused"));
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

	/**
	 * Where the failure of each {@code MacroCalls.tryRun} now running goes, by the thread that
	 * called it (a macro's). Not a thread-local one that threads inherit: a pool thread keeps what
	 * it copied when it was made, so a reused SciJava thread would hand a later failure to an
	 * earlier tryRun, or to none.
	 */
	private static final Map<Thread, String[]> CAUGHT = new ConcurrentHashMap<>();

	/**
	 * Runs a command whose failure the calling macro handles itself: returns the failure's
	 * sentence, or the empty string when it ran (a folder run goes on past a bad image).
	 */
	public static String catching(Runnable command) {
		String[] caught = { "" };
		Thread thread = Thread.currentThread();
		String[] before = CAUGHT.put(thread, caught);
		try {
			command.run();
		} finally {
			if (before == null) CAUGHT.remove(thread);
			else CAUGHT.put(thread, before);
		}
		return caught[0];
	}

	/**
	 * The tryRun waiting on this thread or on the threads that started it, nearest first, or null.
	 */
	private static String[] catcher(UnaryOperator<Thread> parent) {
		if (CAUGHT.isEmpty()) return null;
		Set<Thread> seen = new HashSet<>();
		for (Thread t = Thread.currentThread(); t != null && seen.add(t); t = parent == null ? null : parent.apply(t)) {
			String[] caught = CAUGHT.get(t);
			if (caught != null) return caught;
		}
		return null;
	}

}
