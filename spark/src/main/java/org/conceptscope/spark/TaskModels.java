package org.conceptscope.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.conceptscope.model.Classifier;
import org.conceptscope.model.Classifiers;
import org.conceptscope.model.LoadOptions;
import org.conceptscope.util.Folders;

/**
 * The models a task thread has open, kept for the thread's next tasks: an executor loads each
 * shipped model once per thread, not once per task. A predictor is not shared between threads.
 * <p>
 * What opening a model unpacks (a bioimage.io package's work folder: the package and its weights unpacked)
 * goes into one folder per JVM, {@link #workDir()}, deleted when the JVM exits: a kept model is never closed
 * (a task thread may use it until then), and a model's own folder was otherwise left in the temporary folder
 * for every task thread of every executor, after the JVM exited too. A model closed to make room removes its
 * own folder at once.
 */
final class TaskModels {

	/** Kept open per thread at least; the least recently used beyond are closed. */
	private static final int KEPT = 17;

	/** Least recently used first; never fewer kept than the largest set one task used at once. */
	private static final class Open extends LinkedHashMap<Path, Classifier> {
		int capacity = KEPT;

		Open() {
			super(16, 0.75f, true);
		}

		@Override
		protected boolean removeEldestEntry(Map.Entry<Path, Classifier> eldest) {
			if (size() <= capacity) return false;
			eldest.getValue().close();
			return true;
		}
	}

	private static final ThreadLocal<Open> OPEN = ThreadLocal.withInitial(Open::new);

	private TaskModels() {}

	static Classifier open(Path model) {
		return OPEN.get().computeIfAbsent(model, TaskModels::openOwned);
	}

	/**
	 * A model the caller owns (closes), its unpacked files in {@link #workDir()}: the batch job's task threads keep
	 * theirs until a part of another run comes ({@code BatchJob.computePart}), so most are never closed.
	 */
	static Classifier openOwned(Path model) {
		return Classifiers.open(model, LoadOptions.defaults().withWorkDir(workDir()));
	}

	/** This JVM's folder for what the task models unpack, made at the first model and deleted when the JVM exits. */
	private static Path workDir;

	/**
	 * {@link #workDir}, made now when it is not yet: a folder that cannot be made fails this task in one
	 * sentence, and the next task tries again (a failing static initialiser would fail every later task
	 * with a NoClassDefFoundError instead).
	 */
	static synchronized Path workDir() {
		if (workDir != null) return workDir;
		Path dir;
		try {
			dir = Files.createTempDirectory("conceptscope-task-models-");
		} catch (IOException e) {
			throw new UncheckedIOException("Cannot create a temporary folder in " + System.getProperty("java.io.tmpdir") + " for the task's"
				+ " models: " + e.getMessage() + ". Check that the temporary folder is writable and has space (java.io.tmpdir).", e);
		}
		// the files only: the models are not closed here, as a task thread may still use one while the JVM exits (their memory
		// goes with the JVM); their files were read when they were opened
		Runtime.getRuntime().addShutdownHook(new Thread(() -> Folders.deleteTreeQuietly(dir), "conceptscope-task-models-cleanup"));
		workDir = dir;
		return dir;
	}

	/**
	 * Models one task uses together (MeGe/ReCo's model and its fold models, however many folds):
	 * none of them is closed to make room for another of the same set.
	 */
	static List<Classifier> openTogether(List<Path> models) {
		Open open = OPEN.get();
		open.capacity = Math.max(open.capacity, models.size());
		return models.stream().map(TaskModels::open).toList();
	}
}
