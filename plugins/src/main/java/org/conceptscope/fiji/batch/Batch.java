package org.conceptscope.fiji.batch;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.conceptscope.fiji.run.AttributionSettings;
import org.conceptscope.fiji.run.Failures;
import org.conceptscope.fiji.param.CommandSpecs;
import org.conceptscope.fiji.run.Models;
import org.conceptscope.registry.Values;

/**
 * The command-line batch runner, without Fiji: {@code java -jar Fiji.app/plugins/ConceptScope_-<version>.jar
 * input=... model=... save_dir=... [method=... target=... any Attribution key] [batch=N] [restart]}. It runs a
 * {@link BatchJob}: a stack or a folder of images, explained part by part, each finished part kept,
 * so a killed run (Ctrl-C, a cluster's time limit, a crash) resumes where it stopped when started
 * again with the same arguments. Progress goes to stderr, the summary to stdout.
 * <p>
 * Exit status: 0 done (or already done), 1 a problem found once files are read (the message says what
 * to fix; Java running out of memory included), 2 a usage error, anything wrong in the arguments alone
 * ({@link #parse}: an unknown key, a value of the wrong kind or out of its range, an unknown method, input,
 * model or save_dir missing), 3 stopped (Ctrl-C: the JVM then reports 130).
 */
public final class Batch {

	public static final String COMMAND = "Batch";
	public static final String INPUT = "input", BATCH = "batch", RESTART = "restart";

	/** input, every Attribution key, batch and restart. */
	public static final List<String> KEYS = CommandSpecs.BATCH.keys();

	static final String USAGE = String.join("\n",
		"Usage: " + BatchLauncher.COMMAND + " input=<stack file or folder of images>",
		"           model=<SavedModel folder, bioimage.io package, or folder with one .pt or .onnx file and its conceptscope.json>",
		"           save_dir=<output folder> [method=saliency] [target=predicted] [any other Attribution key]",
		"           [batch=<slices per part, 0: automatic>] [restart]",
		"Explains every slice of a stack, or of every image of a folder, and writes <name>-<method>-results.csv,",
		"<name>-<method>-map.tif and <name>-<method>-map-RoiSet.zip into save_dir. Finished parts are kept in",
		"save_dir/" + BatchJob.WORK_DIR + ": run the same command again after a stop to compute only the rest;",
		"restart discards them. Keys: " + String.join(" ", KEYS) + ".");

	private Batch() {}

	/**
	 * The job the arguments describe (the batch runner writes maps as their own stack: output=image).
	 *
	 * @throws IllegalArgumentException for a usage error: an unknown key ({@code overwrite}: what to use
	 *         instead), a value of the wrong kind or out of its range ({@link BatchJob#checkSettings}), or one
	 *         of the keys every run needs (input, model, save_dir) missing
	 */
	public static BatchJob.Job parse(String[] args) {
		for (String a : args) {
			if (a.split("=", 2)[0].strip().equalsIgnoreCase(CommandSpecs.OVERWRITE.key())) {
				throw new IllegalArgumentException("There is no option '" + CommandSpecs.OVERWRITE.key() + "': the same command run again"
					+ " resumes an unfinished run in save_dir, or says it is already complete; add " + RESTART + " to discard it and compute"
					+ " (and replace) the results again, see docs/commands/batch.md.");
			}
		}
		Values v = CommandSpecs.BATCH.parseArguments(args);
		Path input = v.path(INPUT);
		if (input == null) throw new IllegalArgumentException("No input given: set input=<a stack file or a folder of images>.");
		AttributionSettings s = AttributionSettings.of(v);
		if (s.model() == null || s.model().toString().isBlank()) throw Models.noModel();
		if (s.saveDir() == null || s.saveDir().toString().isBlank()) {
			throw new IllegalArgumentException("No output folder given: set save_dir=<folder> (created if missing; the run keeps its finished"
				+ " parts there, so a stopped run can resume).");
		}
		BatchJob.Job job = new BatchJob.Job(s, input, v.integer(BATCH), v.flag(RESTART));
		BatchJob.checkSettings(job); // every key's value, here: a wrong one is a usage error (exit status 2) whichever key it is
		return job;
	}

	public static void main(String[] args) {
		// DJL's logging API finds no logger here and would say so on every start.
		if (System.getProperty("slf4j.internal.verbosity") == null) System.setProperty("slf4j.internal.verbosity", "ERROR");
		// stdout holds the summary and the result paths only: whatever else prints there (ImageJ's Log is stdout when
		// headless: a palette note, a ROI run's warnings; an engine's own lines) goes to stderr
		PrintStream stdout = System.out;
		System.setOut(System.err);
		System.exit(run(args, stdout, System.err, null));
	}

	/**
	 * Runs the job of the arguments; Ctrl-C (SIGINT) or SIGTERM stops it after the finished parts.
	 *
	 * @param events also told of every part (may be null)
	 * @return the exit status
	 */
	public static int run(String[] args, PrintStream out, PrintStream err, BatchJob.Events events) {
		return run(args, out, err, events, null);
	}

	/**
	 * As {@link #run(String[], PrintStream, PrintStream, BatchJob.Events)}, the parts computed by
	 * {@code computer} (null: in this thread): how other runners (a cluster's) reuse this one's
	 * keys, checks, resume and outputs.
	 */
	public static int run(String[] args, PrintStream out, PrintStream err, BatchJob.Events events, BatchJob.PartComputer computer) {
		if (args.length == 0 || args.length == 1 && (args[0].equals("help") || args[0].equals("--help") || args[0].equals("-h"))) {
			err.println(USAGE);
			return args.length == 0 ? 2 : 0;
		}
		BatchJob.Job job;
		try {
			job = parse(args);
		} catch (IllegalArgumentException e) {
			err.println("ConceptScope batch: " + e.getMessage());
			err.println(USAGE);
			return 2;
		}
		AtomicBoolean stop = new AtomicBoolean();
		CountDownLatch finished = new CountDownLatch(1);
		Thread hook = new Thread(() -> {
			stop.set(true);
			try {
				// Long enough for the current model call to end in most runs; the parts done are safe anyway.
				finished.await(20, TimeUnit.SECONDS);
			} catch (InterruptedException e) {
				Thread.currentThread().interrupt();
			}
		}, "conceptscope-batch-stop");
		Runtime.getRuntime().addShutdownHook(hook);
		ConsoleProgress progress = new ConsoleProgress(err, System.console() != null, stop::get);
		BatchJob.Events both = new BatchJob.Events() {
			@Override
			public void message(String line) {
				progress.message(line);
				if (events != null) events.message(line);
			}

			@Override
			public void partDone(int part, int done, int parts) {
				if (events != null) events.partDone(part, done, parts);
			}

			@Override
			public void results(List<Path> outputs) {
				if (events != null) events.results(outputs);
			}
		};
		try {
			BatchJob.Result r = BatchJob.run(job, progress, both, computer);
			progress.finish();
			if (!r.alreadyComplete()) {
				// the last counts are parts, not slices: say so, as a script reads the line
				out.println("ConceptScope batch: " + r.entries() + " slices in " + BatchJob.partsOf(r.parts(), r.batch(), r.entries())
					+ "; " + BatchJob.count(r.computed(), "part", "parts") + " computed by this run" + (r.kept() > 0 ? ", " + r.kept() + " by earlier runs" : "") + ".");
			}
			for (Path p : r.outputs()) out.println(p);
			return 0;
		} catch (CancellationException e) {
			progress.finish();
			err.println("ConceptScope batch: " + e.getMessage());
			return 3;
		} catch (OutOfMemoryError e) {
			// outside the parts (they say where): reading the inputs, loading the model
			progress.finish();
			err.println("ConceptScope batch: Java ran out of memory with the " + org.conceptscope.fiji.image.ImagePlusTensors.readableSize(
				Runtime.getRuntime().maxMemory()) + " it may use: run the same command again with more memory, e.g. "
				+ BatchLauncher.command(Math.max(2, (long) Math.ceil(2.0 * Runtime.getRuntime().maxMemory() / (1L << 30)))) + " ... (finished"
				+ " parts are kept, so it resumes).");
			return 1;
		} catch (RuntimeException | IOException e) {
			progress.finish();
			String text = e.getMessage() == null ? "" : e.getMessage().strip();
			if (Failures.expected(e) && !text.isEmpty()) {
				err.println("ConceptScope batch: " + text);
			} else { // a bug or an engine's failure: the trace is what a report needs
				err.println("ConceptScope batch stopped on an unexpected " + e.getClass().getSimpleName() + (text.isEmpty() ? "" : " (" + text + ")")
					+ ": please report it with the trace below (the same command resumes from any parts finished before).");
				e.printStackTrace(err);
			}
			return 1;
		} finally {
			finished.countDown();
			try {
				Runtime.getRuntime().removeShutdownHook(hook);
			} catch (IllegalStateException e) {
				// The JVM is shutting down (Ctrl-C): the hook is running and lets it exit now.
			}
		}
	}

}
