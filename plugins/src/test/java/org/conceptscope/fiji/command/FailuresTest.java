package org.conceptscope.fiji.command;

import org.conceptscope.fiji.batch.BatchLauncher;
import org.conceptscope.fiji.param.CommandSpec;
import org.conceptscope.fiji.param.CommandSpecs;
import org.conceptscope.fiji.run.AttributionRun;
import org.conceptscope.fiji.run.AttributionSettings;
import org.conceptscope.fiji.run.Failures;
import org.conceptscope.fiji.Printed;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.ImagePlus;
import ij.Macro;
import ij.VirtualStack;
import ij.macro.Interpreter;
import ij.process.FloatProcessor;
import ij.process.ImageProcessor;

import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;

import org.conceptscope.util.Progress;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.scijava.Context;
import org.scijava.command.CommandInfo;
import org.scijava.command.ContextCommand;
import org.scijava.module.ModuleService;
import org.scijava.plugin.Parameter;
import org.scijava.thread.ThreadService;
import org.scijava.log.LogLevel;
import org.scijava.log.LogMessage;
import org.scijava.log.LogService;

/**
 * How a SciJava command run ends when it fails: every failure (a user's mistake, out of memory, an
 * unexpected exception such as TensorFlow's) cancels the command with one sentence, no stack trace
 * (the unexpected one's trace goes to the log); from a macro (a thread with ImageJ macro options, as
 * in Fiji) ImageJ's error is reported, in batch mode to the Log, and the macro is aborted; a stack too
 * large for the heap is refused before anything is copied.
 */
class FailuresTest {

	private final List<LogMessage> logged = new CopyOnWriteArrayList<>();

	@AfterEach
	void resetImageJ() throws ReflectiveOperationException {
		Interpreter.batchMode = false;
		abortFlag().setBoolean(null, false);
	}

	@Test
	void unexpectedFailuresAndOutOfMemoryGiveOneSentenceAndTheTraceGoesToTheLog() {
		try (Context context = new Context(LogService.class)) {
			LogService log = listen(context);
			String cancelled = run(log, new ai.djl.engine.EngineException("Could not run the graph:\n  Op type not registered 'Foo'"));
			assertEquals("Stopped on an unexpected EngineException (Could not run the graph: Op type not registered 'Foo');"
				+ " nothing was written, and the details are in the Log.", cancelled);
			assertNotNull(logged.get(0).throwable(), "the stack trace is logged");

			logged.clear();
			cancelled = run(log, new OutOfMemoryError("Java heap space"));
			assertTrue(cancelled.startsWith("Ran out of memory (ImageJ may use "), cancelled);
			assertTrue(cancelled.endsWith(": explain long stacks in parts with the batch runner (" + BatchLauncher.COMMAND + "), take a"
				+ " substack, crop a large image to the region to explain (Image > Crop) or scale it down (Image > Scale...), or give ImageJ more memory (Edit > Options > Memory & Threads..., or -Xmx)."), cancelled);
			assertNull(logged.get(0).throwable(), "out of memory needs no trace");

			cancelled = run(log, new IllegalArgumentException("Target 'x' is not a class of this model: use predicted."));
			assertEquals("Target 'x' is not a class of this model: use predicted.", cancelled, "a user's mistake: its own sentence");
		}
	}

	/**
	 * Out of memory, a command on a folder names what makes its own run smaller, not the batch runner, which explains an
	 * image's slices only (before, every command's sentence sent the user to it); an image command still does.
	 */
	@Test
	void outOfMemoryNamesTheRemedyOfTheCommandThatRanOut() {
		try (Context context = new Context(LogService.class)) {
			LogService log = listen(context);
			String head = run("Train Interpretable Head", log, new OutOfMemoryError("Java heap space"));
			assertTrue(head.startsWith("Ran out of memory (ImageJ may use "), head);
			assertTrue(head.endsWith("): train on fewer images (a smaller folder=), choose an earlier or narrower layer=, or give fewer"
				+ " concepts= or a smaller dimension=, or give ImageJ more memory (Edit > Options > Memory & Threads..., or -Xmx)."), head);
			assertFalse(head.contains("batch runner"), head);
			String examples = run("Nearest Examples", log, new OutOfMemoryError("Java heap space"));
			assertTrue(examples.endsWith("): use fewer training images (a smaller folder=) or a layer of fewer values (layer=), or give"
				+ " ImageJ more memory (Edit > Options > Memory & Threads..., or -Xmx)."), examples);
			String srd = run("Sharing Ratio Decomposition", log, new OutOfMemoryError("Java heap space"));
			assertTrue(srd.endsWith("): take a substack, crop a large image to the region to explain (Image > Crop) or scale it down"
				+ " (Image > Scale...), or give ImageJ more memory (Edit > Options > Memory & Threads..., or -Xmx)."), srd);
			// every command's title is known to the sentence (a title that matched none would lose its remedy silently)
			for (CommandSpec spec : CommandSpecs.ALL) {
				String m = Failures.message(new OutOfMemoryError(), spec.title());
				assertEquals(spec != CommandSpecs.MODEL_INFO, m.contains(", or give ImageJ more memory"), spec.title() + ": " + m);
			}
		}
	}

	/** A remedy that names a key the command does not have sends the user to an option that is refused. */
	@Test
	void everyKeyAMemoryRemedyNamesIsAKeyOfItsCommand() {
		java.util.regex.Pattern key = java.util.regex.Pattern.compile("\\b([a-z_]+)=");
		for (CommandSpec spec : CommandSpecs.ALL) {
			String remedy = CommandSpecs.memoryRemedy(spec);
			if (remedy == null) continue;
			java.util.regex.Matcher m = key.matcher(remedy);
			while (m.find()) assertTrue(spec.macroKeys().contains(m.group(1)), spec.title() + "'s remedy names " + m.group(1) + "=: " + remedy);
		}
	}

	@Test
	void aFailureInAMacroIsImageJsErrorAndAbortsTheMacroInBatchModeWithoutADialog() throws Exception {
		try (Context context = new Context(LogService.class)) {
			LogService log = listen(context);
			String problem = "No image is open: open an image or stack first.";
			// not from a macro: cancelled with the sentence, the macro flag untouched
			assertEquals(problem, run(log, new IllegalArgumentException(problem)));
			assertFalse(abortFlag().getBoolean(null));

			for (boolean batch : new boolean[] { false, true }) {
				Interpreter.batchMode = batch;
				abortFlag().setBoolean(null, false);
				AtomicReference<String> cancelled = new AtomicReference<>();
				String printed = onMacroThread("model=[/m] method=saliency", () -> cancelled.set(run(log, new IllegalArgumentException(problem))));
				assertEquals(problem, cancelled.get());
				assertTrue(abortFlag().getBoolean(null), "Macro.abort(): IJ.run aborts the calling macro when the command returns");
				// headless, ImageJ prints its error message; in batch mode it goes to the Log (printed too) with its title
				assertEquals((batch ? "ConceptScope Attribution: " : "") + problem, printed.strip(), "batch mode " + batch);
			}
		}
	}

	/** A command that fails with its input's sentence (empty: it runs), ending as every ConceptScope command ends. */
	public static class Failing extends ContextCommand {
		@Parameter
		public String problem;

		@Parameter
		private LogService log;

		@Override
		public void run() {
			CommandTasks.run("Failing", log, null, this::cancel, progress -> {
				if (!problem.isEmpty()) throw new IllegalArgumentException(problem);
			});
		}
	}

	@Test
	void eachTryRunGetsItsOwnFailureFromACommandOnAReusedSciJavaPoolThread() throws Exception {
		try (Context context = new Context()) {
			// In Fiji a macro's run("...") runs the SciJava command on a thread of SciJava's pool, made
			// before this macro's first tryRun and reused: one such thread here.
			ThreadService threads = context.service(ThreadService.class);
			threads.setExecutorService(Executors.newSingleThreadExecutor(threads));
			threads.run(() -> {}).get();
			ModuleService modules = context.service(ModuleService.class);
			CommandInfo info = new CommandInfo(Failing.class);
			List<String> why = new ArrayList<>();
			String printed = Printed.during(() -> {
				for (String problem : List.of("first failure", "", "second failure")) {
					// what MacroCalls.tryRun does, with Fiji's IJ.run: the command on the pool, waited for
					why.add(Failures.catching(() -> {
						try {
							modules.run(info, true, Map.of("problem", problem)).get();
						} catch (InterruptedException | ExecutionException e) {
							throw new IllegalStateException(e);
						}
					}));
				}
			});
			assertEquals(List.of("first failure", "", "second failure"), why, "each tryRun gets its own command's failure");
			assertFalse(abortFlag().getBoolean(null), "a caught failure does not abort the macro");
			// the macro says a caught failure, with the file it is about (batch_folder.ijm: "skipped <file>: <sentence>");
			// ImageJ's Log does not say it a second time (SciJava's log service still records it)
			assertFalse(printed.contains("ConceptScope Failing: first failure") || printed.contains("ConceptScope Failing: second failure"),
				"a caught failure is left to the macro to say: " + printed);
		}
	}

	@Test
	void aFolderThatCannotBeWrittenIsNamedWithWhatToDo() {
		String m = Failures.message(new java.nio.file.AccessDeniedException("/data/results/a-map.tif"));
		assertTrue(m.startsWith("Could not use /data/results/a-map.tif: permission denied."), m);
		assertTrue(m.contains("choose another save_dir"), m);
		m = Failures.message(new java.nio.file.FileSystemException("/full/x.tif", null, "No space left on device"));
		assertTrue(m.contains("/full/x.tif: No space left on device"), m);
	}

	@Test
	void aStackTooLargeForTheHeapIsRefusedBeforeAnythingIsCopied() {
		// 500 slices of 2048 x 2048 32-bit pixels: 2.1 billion values, far more than this JVM's heap
		VirtualStack huge = new VirtualStack(2048, 2048, null, null) {
			@Override
			public int getSize() {
				return 500;
			}

			@Override
			public ImageProcessor getProcessor(int n) {
				return new FloatProcessor(2048, 2048);
			}
		};
		ImagePlus imp = new ImagePlus("huge", huge);
		AttributionSettings settings = new AttributionSettings().model(Path.of("no-model-needed"));
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AttributionRun.run(imp, settings, Progress.NONE));
		assertTrue(e.getMessage().startsWith("The image 'huge' (2097152000 values) needs about 25.2 GB for ConceptScope's copies, more"
			+ " than the "), e.getMessage());
		assertTrue(e.getMessage().endsWith("explain it in parts with the batch runner (" + BatchLauncher.COMMAND + " input=<stack> ...,"
			+ " a batch of slices at a time), take a substack, or give ImageJ more memory (Edit > Options > Memory & Threads..., or -Xmx)."),
			e.getMessage());
		// the model is never loaded: the folder does not even exist
	}

	private String run(LogService log, Throwable failure) {
		return run("Attribution", log, failure);
	}

	private String run(String title, LogService log, Throwable failure) {
		AtomicReference<String> cancelled = new AtomicReference<>();
		CommandTasks.run(title, log, null, cancelled::set, progress -> {
			if (failure instanceof IOException io) throw io;
			if (failure instanceof RuntimeException r) throw r;
			throw (Error) failure;
		});
		return cancelled.get();
	}

	private LogService listen(Context context) {
		LogService log = context.service(LogService.class);
		log.addLogListener(m -> {
			if (m.level() <= LogLevel.ERROR) logged.add(m);
		});
		return log;
	}

	/** Runs on a thread that has macro options, as IJ.run gives a macro's command ("Run$_" threads); returns what it printed. */
	private static String onMacroThread(String options, Runnable r) {
		Thread t = new Thread(() -> {
			Macro.setOptions(Thread.currentThread(), options);
			try {
				r.run();
			} finally {
				Macro.setOptions(Thread.currentThread(), null);
			}
		}, "Run$_macro test");
		return org.conceptscope.fiji.Printed.during(() -> {
			t.start();
			try {
				t.join();
			} catch (InterruptedException e) {
				throw new IllegalStateException(e);
			}
		});
	}

	/** ImageJ's Macro.abort flag, which IJ.run checks when a command returns (package-private in ImageJ). */
	private static Field abortFlag() throws NoSuchFieldException {
		Field f = Macro.class.getDeclaredField("abort");
		f.setAccessible(true);
		return f;
	}
}
