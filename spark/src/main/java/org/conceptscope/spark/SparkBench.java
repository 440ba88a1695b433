package org.conceptscope.spark;

import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.conceptscope.fiji.batch.Batch;
import org.conceptscope.util.Folders;

/**
 * The Spark job against the single-JVM batch runner, measured in one run on one machine: a cohort
 * of {@code images} single-patch TIFFs explained with one method by the batch runner, by the job
 * on {@code local[1]} and by the job on {@code local[2]}; each whole run timed (Spark's start
 * included, as a user waits for it), the best of {@code repetitions} after a warm-up round, in
 * alternating order. Prints
 * images per second, the scaling ratio local[2] / local[1] and the overhead ratio (job ÷ batch
 * runner, both on every core).
 * <p>
 * {@code java -cp ... org.conceptscope.spark.SparkBench <test-images folder> <work folder> [images] [repetitions]};
 * {@code mvn -B -Pbench -DskipTests verify -pl spark -am} runs it with the bundled IHC model.
 */
public final class SparkBench {

	private SparkBench() {}

	public static void main(String[] args) throws IOException {
		if (args.length < 2) {
			System.err.println("Usage: SparkBench <test-images folder> <work folder> [images=256] [repetitions=3]");
			System.exit(2);
		}
		Path testImages = Path.of(args[0]), work = Path.of(args[1]);
		int images = args.length > 2 ? Integer.parseInt(args[2]) : 256, repetitions = args.length > 3 ? Integer.parseInt(args[3]) : 3;
		Path cohort = cohort(testImages.resolve("images/ihc-heldout-patches.tif"), work.resolve("cohort"), images);
		List<String> keys = List.of("input=" + cohort, "model=" + testImages.resolve("models/ihc-stain"), "method=sobol", "grid=4",
			"designs=16", "batch=16");
		String[] labels = { "batch runner", "Spark local[1]", "Spark local[2]" };
		double[] best = { Double.MAX_VALUE, Double.MAX_VALUE, Double.MAX_VALUE };
		int run = 0;
		// Repetition 0 warms up (classes, TensorFlow's natives, Spark's first start) and is not counted.
		for (int r = 0; r <= repetitions; r++) {
			for (int i = 0; i < 3; i++) {
				int which = (r % 2 == 0) ? i : 2 - i; // alternate the order: drifts of the machine hit every runner
				Path out = work.resolve("run-" + run++);
				List<String> a = new ArrayList<>(keys);
				a.add("save_dir=" + out);
				if (which > 0) a.add("master=local[" + which + "]");
				String[] argv = a.toArray(String[]::new);
				ByteArrayOutputStream err = new ByteArrayOutputStream();
				PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
				PrintStream errors = new PrintStream(err, true, StandardCharsets.UTF_8);
				long t0 = System.nanoTime();
				int status = which == 0 ? Batch.run(argv, quiet, errors, null, null) : SparkBatch.run(argv, quiet, errors, SparkParts.TaskHook.NONE);
				double seconds = (System.nanoTime() - t0) / 1e9;
				if (status != 0) throw new IllegalStateException(labels[which] + " failed: " + err.toString(StandardCharsets.UTF_8));
				if (r > 0) best[which] = Math.min(best[which], seconds);
				Folders.deleteTree(out);
			}
		}
		StringBuilder table = new StringBuilder();
		table.append(String.format(Locale.ROOT, "Cohort: %d images of 32x32x3, Sobol (grid 4, 16 designs), ihc-stain model; best of %d runs.%n%n",
			images, repetitions));
		table.append("| runner | seconds | images/s |\n|---|---|---|\n");
		for (int i = 0; i < 3; i++) table.append(String.format(Locale.ROOT, "| %s | %.2f | %.1f |%n", labels[i], best[i], images / best[i]));
		table.append(String.format(Locale.ROOT, "%nscaling ratio (images/s local[2] / local[1]): %.2f%n", best[1] / best[2]));
		table.append(String.format(Locale.ROOT, "overhead ratio (Spark local[2] / batch runner, both on every core): %.2f (target <= 1.2)%n",
			best[2] / best[0]));
		System.out.print(table);
		Files.writeString(work.resolve("spark-bench-results.md"), table);
	}

	/** {@code n} single-patch TIFFs cycling through the held-out patches. */
	static Path cohort(Path stack, Path folder, int n) throws IOException {
		ImagePlus patches = IJ.openImage(stack.toString());
		if (patches == null) throw new IOException(stack + " cannot be opened.");
		Folders.deleteTree(folder);
		Files.createDirectories(folder);
		for (int i = 0; i < n; i++) {
			ImageStack one = new ImageStack(patches.getWidth(), patches.getHeight());
			one.addSlice(patches.getStack().getProcessor(1 + i % patches.getStackSize()).duplicate());
			Path file = folder.resolve(String.format(Locale.ROOT, "patch-%05d.tif", i));
			if (!IJ.saveAsTiff(new ImagePlus(file.getFileName().toString(), one), file.toString())) throw new IOException("Cannot write " + file);
		}
		return folder;
	}
}
