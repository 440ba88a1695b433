package org.conceptscope.bench;

import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;
import ij.io.FileSaver;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.conceptscope.attribution.AttributionMethod;
import org.conceptscope.attribution.Saliency;
import org.conceptscope.fiji.batch.StackRunner;
import org.conceptscope.model.TensorFlowClassifier;

/**
 * The long-stack part of the benchmark: stacks of real IHC patches (the bundled held-out
 * patches, repeated) written to disk as TIFFs, opened as virtual stacks and explained headless
 * by {@link StackRunner} with Saliency, batch by batch. Each length runs twice: once timed
 * (slices/s), once with a full garbage collection after every batch, measuring the live heap
 * after it (what would grow if anything were kept per slice) and sampling the heap in use every
 * millisecond (the live heap plus at most one batch of garbage: the peak a run needs). The
 * longest stack then runs again in a separate JVM limited to {@value #SMALL_HEAP}.
 */
public final class StackBench {

	/** Slices per batch: fixed, so that every length runs several batches of the same size. */
	public static final int BATCH = 64;

	/** One stack length's numbers; memory in KB. */
	public record Result(int slices, int batches, double seconds, double slicesPerSecond, long liveBeforeKb,
		long liveGrowthKb, long usedPeakKb, long mapsKb) {}

	/** Every length's numbers, and the longest stack's run in a small heap. */
	public record Report(List<Result> results, boolean smallHeapFinished, String smallHeapSummary) {}

	private StackBench() {}

	public static Report run(Path modelDir, Path patches, int[] lengths, Path out, PrintStream log) throws IOException {
		Files.createDirectories(out);
		List<Result> results = new ArrayList<>();
		String[] small = { null };
		boolean[] finished = { false };
		try (TensorFlowClassifier model = TensorFlowClassifier.load(modelDir)) {
			ImagePlus source = IJ.openImage(patches.toString());
			if (source == null) throw new IllegalArgumentException("ImageJ could not open " + patches);
			measure(model, write(source, 20, out), 20, out); // warm-up: classes, gradient ops, JIT
			Path longest = null;
			for (int length : lengths) {
				Path stack = write(source, length, out);
				Result r = measure(model, stack, length, out);
				log.printf(Locale.ROOT, "stack of %d slices: %.1f slices/s, live heap +%d KB, heap in use at most %d KB%n", length,
					r.slicesPerSecond(), r.liveGrowthKb(), r.usedPeakKb());
				results.add(r);
				longest = stack;
			}
			if (longest != null) {
				small[0] = smallHeapRun(modelDir, longest, out.resolve("small-heap"), lengths[lengths.length - 1]);
				finished[0] = small[0].contains(": finished,");
			}
		}
		return new Report(results, finished[0], small[0]);
	}

	/** Heap limit of the separate JVM that runs the longest stack again. */
	public static final String SMALL_HEAP = "-Xmx64m";

	/**
	 * Runs the longest stack once more in a separate JVM whose heap is limited to
	 * {@value #SMALL_HEAP} (the command-line {@link StackRunner}), and says whether it finished.
	 */
	static String smallHeapRun(Path modelDir, Path stack, Path out, int length) throws IOException {
		Files.createDirectories(out);
		String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
		ProcessBuilder pb = new ProcessBuilder(javaBin, SMALL_HEAP, "-XX:MaxDirectMemorySize=256m", "-Djava.awt.headless=true", "-cp",
			System.getProperty("java.class.path"), StackRunner.class.getName(), modelDir.toString(), stack.toString(), out.toString(),
			"saliency", "--batch", Integer.toString(BATCH));
		pb.environment().put("TF_CPP_MIN_LOG_LEVEL", "1");
		pb.redirectErrorStream(true);
		Process p = pb.start();
		String output = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
		int rc;
		try {
			rc = p.waitFor();
		} catch (InterruptedException e) {
			p.destroy();
			Thread.currentThread().interrupt();
			return "small-heap run interrupted";
		}
		String summary = output.lines().filter(l -> l.contains("slices/s")).findFirst().orElse("").trim();
		return rc == 0 ? String.format(Locale.ROOT, "the %d-slice stack again in a separate JVM with %s: finished, %s", length, SMALL_HEAP, summary)
			: String.format(Locale.ROOT, "the %d-slice stack in a separate JVM with %s FAILED (exit %d):%n%s", length, SMALL_HEAP, rc, output);
	}

	/** A TIFF of {@code length} 32x32 RGB slices cycling through the patches. */
	static Path write(ImagePlus patches, int length, Path out) {
		ImageStack source = patches.getStack(), stack = new ImageStack(patches.getWidth(), patches.getHeight());
		for (int i = 0; i < length; i++) stack.addSlice("patch " + (i + 1), source.getProcessor(i % source.size() + 1));
		Path file = out.resolve("stack-" + length + ".tif");
		if (!new FileSaver(new ImagePlus("stack-" + length, stack)).saveAsTiffStack(file.toString())) {
			throw new IllegalStateException("Could not write " + file);
		}
		return file;
	}

	static Result measure(TensorFlowClassifier model, Path stack, int length, Path out) throws IOException {
		MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
		Path csv = out.resolve("stack-" + length + "-saliency.csv"), maps = out.resolve("stack-" + length + "-saliency-maps.tif");
		AttributionMethod saliency = new Saliency();
		// timed run
		StackRunner.Result timed = StackRunner.run(model, StackRunner.openVirtual(stack), saliency, AttributionMethod.PREDICTED, BATCH, csv,
			maps, null);
		// memory run: live heap after a full collection at every batch boundary, heap in use sampled
		ImagePlus virtual = StackRunner.openVirtual(stack);
		long before = liveHeap();
		long[] peak = { before };
		AtomicLong usedPeak = new AtomicLong();
		AtomicBoolean running = new AtomicBoolean(true);
		Thread sampler = new Thread(() -> {
			while (running.get()) {
				usedPeak.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
				try {
					Thread.sleep(1);
				} catch (InterruptedException e) {
					return;
				}
			}
		}, "heap sampler");
		sampler.setDaemon(true);
		sampler.start();
		try {
			StackRunner.run(model, virtual, saliency, AttributionMethod.PREDICTED, BATCH, csv, maps, (done, total) -> {
				peak[0] = Math.max(peak[0], liveHeap());
				return true;
			});
		} finally {
			running.set(false);
		}
		try {
			sampler.join();
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
		}
		return new Result(length, timed.batches(), timed.nanos() / 1e9, timed.slicesPerSecond(), before >> 10, (peak[0] - before) >> 10,
			usedPeak.get() >> 10, Files.size(maps) >> 10);
	}

	static long liveHeap() {
		System.gc();
		System.gc();
		return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
	}

	public static String table(Report report) {
		List<Result> results = report.results();
		StringBuilder s = new StringBuilder();
		s.append("| slices | batches of " + BATCH + " | seconds | slices/s | live heap before (KB) | live heap growth, max over batches (KB)"
			+ " | heap in use, max sampled (KB) | maps TIFF (KB) |\n");
		s.append("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
		for (Result r : results) {
			s.append(String.format(Locale.ROOT, "| %d | %d | %.2f | %.0f | %d | %d | %d | %d |%n", r.slices(), r.batches(), r.seconds(),
				r.slicesPerSecond(), r.liveBeforeKb(), r.liveGrowthKb(), r.usedPeakKb(), r.mapsKb()));
		}
		if (report.smallHeapSummary() != null) s.append('\n').append(report.smallHeapSummary()).append('\n');
		return s.toString();
	}
}
