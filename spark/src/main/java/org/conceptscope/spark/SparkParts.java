package org.conceptscope.spark;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;

import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.conceptscope.fiji.batch.Batch;
import org.conceptscope.fiji.batch.BatchJob;
import org.conceptscope.fiji.run.AttributionSettings;


/**
 * The batch runner's missing parts computed on Spark: one task per part. The model folder is
 * shipped to the executors as files ({@code addFile}), each executor JVM opens it once per task
 * thread ({@link BatchJob#computePart}); the run's manifest goes out once per executor as a
 * broadcast. Tasks return their part's bytes; the driver hands each to the batch runner, which
 * checks and writes it atomically, and writes a part once even when a retried or speculative task
 * delivers it twice. Inputs and save_dir must be paths every executor sees (one machine, or a
 * shared file system on a cluster).
 */
final class SparkParts implements BatchJob.PartComputer {

	/** Runs in each task once its part is computed, before the part is returned (tests kill tasks here). */
	interface TaskHook extends Serializable {
		TaskHook NONE = (part, attempt) -> {};

		void partComputed(int part, int attempt);
	}

	private final Supplier<JavaSparkContext> context;
	private final String[] args;
	private final Path model;
	private final TaskHook hook;
	private final java.io.PrintStream log;

	/**
	 * @param context gives the Spark context, started only when there is work
	 * @param args the batch runner's arguments (model= among them)
	 * @param model the model folder or file they name
	 * @param log where the driver writes the job's warnings (the batch runner's message channel)
	 */
	SparkParts(Supplier<JavaSparkContext> context, String[] args, Path model, TaskHook hook, java.io.PrintStream log) {
		this.context = context;
		this.args = forExecutors(args); // on the driver: its working folder, not an executor's
		this.model = model.toAbsolutePath().normalize();
		this.hook = hook;
		this.log = log;
	}

	@Override
	public void compute(String manifestJson, List<Integer> missing, BatchJob.PartSink sink) throws IOException {
		if (missing.isEmpty()) return;
		JavaSparkContext jsc = context.get();
		String shipped = ModelArchive.ship(jsc.sc(), model);
		Broadcast<String> manifest = jsc.broadcast(manifestJson);
		try {
			// a part that cannot be written (the sink's exception) cancels the parts left: SparkTasks cancels the job group.
			// The inputs' warnings are the batch runner's, said once per kind by this driver before the parts (InputWarnings,
			// of the files this run explains); the tasks say none.
			SparkTasks.run(jsc, missing, "ConceptScope: " + missing.size() + " parts", new ComputePart(args, shipped, manifest, hook), sink::accept);
		} catch (SparkTasks.Failed failed) {
			rethrow(failed.getCause());
		} finally {
			manifest.destroy();
		}
	}

	/** The job's failure as the batch runner's own exception: its sentence, not Spark's stage report. */
	private static void rethrow(Throwable failure) throws IOException {
		Throwable own = own(failure);
		if (own instanceof RuntimeException r) throw r;
		// not an IOException: the batch runner would take a task's failure for its own save_dir's
		String resumes = "; the finished parts are kept, so the same command resumes.";
		if (own instanceof IOException io) {
			throw new IllegalStateException("A Spark task failed on a file: " + sentence(io).replaceAll("\\.$", "") + resumes, io);
		}
		throw new IllegalStateException(sentence(failure) + resumes, failure);
	}

	/** The batch runner's own exception inside a Spark failure (a task's), or null. */
	private static Throwable own(Throwable failure) {
		for (Throwable t = failure; t != null; t = t.getCause()) {
			if (t instanceof IllegalArgumentException || t instanceof IllegalStateException || t instanceof IOException) return t;
			if (t instanceof UncheckedIOException u) return u.getCause();
		}
		return null;
	}

	/**
	 * Refuses, before Spark starts, a save_dir the job could not write at its end: one under a file,
	 * or in a folder that refuses a new file. Nothing is created: a probe file is made in the nearest
	 * existing folder and removed.
	 */
	static void checkWritable(Path saveDir) {
		Path dir = saveDir.toAbsolutePath().normalize();
		while (dir != null && !java.nio.file.Files.exists(dir)) dir = dir.getParent();
		if (dir == null) return;
		if (!java.nio.file.Files.isDirectory(dir)) {
			throw new IllegalArgumentException("save_dir=" + saveDir + " lies under the file " + dir + ", not a folder: choose another save_dir.");
		}
		try {
			java.nio.file.Files.delete(java.nio.file.Files.createTempFile(dir, ".conceptscope-", ".probe"));
		} catch (IOException e) {
			throw new IllegalArgumentException("save_dir=" + saveDir + " cannot be written (" + org.conceptscope.util.IoFailures.reason(e) + " in "
				+ dir + "): choose another save_dir.");
		}
	}

	/** What to tell the user of a failure: the task's own sentence where there is one, else Spark's. */
	static String sentence(Throwable failure) {
		Throwable own = own(failure);
		// a file-system refusal's message is its path alone
		if (own instanceof java.nio.file.FileSystemException f && f.getFile() != null) {
			return "Cannot use " + f.getFile() + ": " + org.conceptscope.util.IoFailures.reason(f) + ".";
		}
		if (own != null) return own.getMessage();
		String report = failure.getMessage() == null ? failure.getClass().getSimpleName() : failure.getMessage().strip();
		int eol = report.indexOf('\n');
		return "The Spark job failed: " + (eol < 0 ? report : report.substring(0, eol)); // the stage report's first line; the log has the rest
	}

	/**
	 * On the driver: the run's arguments as the tasks get them, a ROI file or folder given relative to the
	 * driver's working folder made absolute (an executor works in a folder of its own).
	 */
	static String[] forExecutors(String[] args) {
		String[] out = args.clone();
		Path here = Path.of("").toAbsolutePath();
		for (int i = 0; i < out.length; i++) {
			String[] kv = keyValue(out[i]);
			if (AttributionSettings.ROIS.equals(kv[0]) && org.conceptscope.fiji.image.RegionTargets.any(kv[1])
				&& !kv[1].trim().equalsIgnoreCase(org.conceptscope.fiji.image.RegionTargets.SELECTION)
				&& !kv[1].trim().equalsIgnoreCase(org.conceptscope.fiji.image.RegionTargets.MANAGER)) {
				out[i] = AttributionSettings.ROIS + "=" + here.resolve(kv[1].trim()).normalize();
			}
		}
		return out;
	}

	/**
	 * On an executor: the arguments with model= naming the executor's copy of the model, whatever case and
	 * spaces the key was given with (the batch runner reads {@code Model=} as model=; tasks once kept the
	 * driver's path for it, which a cluster's nodes need not have).
	 */
	static String[] onExecutor(String[] args, Path localModel) {
		String[] out = args.clone();
		for (int i = 0; i < out.length; i++) {
			if (SparkBatch.MODEL.equals(keyValue(out[i])[0])) out[i] = SparkBatch.MODEL + "=" + localModel;
		}
		return out;
	}

	/** An argument's key (lower case, trimmed, as the batch runner reads it) and value. */
	private static String[] keyValue(String arg) {
		String[] kv = new String[2];
		org.conceptscope.fiji.param.OptionText.scan(new String[] { arg }, (k, v) -> {
			kv[0] = k;
			kv[1] = v;
		});
		return kv;
	}

	/** On an executor: the task's one part, computed with the executor's copy of the model. */
	private static final class ComputePart implements SparkTasks.Task<byte[]> {

		private static final long serialVersionUID = 1L;
		private final String[] args;
		private final String model;
		private final Broadcast<String> manifest;
		private final TaskHook hook;

		ComputePart(String[] args, String model, Broadcast<String> manifest, TaskHook hook) {
			this.args = args;
			this.model = model;
			this.manifest = manifest;
			this.hook = hook;
		}

		@Override
		public byte[] compute(int part) throws IOException {
			String[] local = onExecutor(args, ModelArchive.local(model));
			byte[] bytes = BatchJob.computePart(Batch.parse(local), manifest.value(), part, TaskModels::openOwned);
			TaskContext task = TaskContext.get();
			hook.partComputed(part, task == null ? 0 : task.attemptNumber());
			return bytes;
		}
	}
}
