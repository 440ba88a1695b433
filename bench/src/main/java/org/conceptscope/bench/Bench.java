package org.conceptscope.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;

import org.conceptscope.attribution.AttributionMethod;
import org.conceptscope.attribution.ForGrad;
import org.conceptscope.attribution.GradCam;
import org.conceptscope.attribution.GradientTimesInput;
import org.conceptscope.attribution.GuidedGradient;
import org.conceptscope.attribution.HsicAttribution;
import org.conceptscope.attribution.IntegratedGradients;
import org.conceptscope.attribution.KernelShap;
import org.conceptscope.attribution.Lime;
import org.conceptscope.attribution.MaskedImage;
import org.conceptscope.attribution.NoisyGradients;
import org.conceptscope.attribution.Occlusion;
import org.conceptscope.attribution.Rise;
import org.conceptscope.attribution.Saliency;
import org.conceptscope.attribution.Segmentation;
import org.conceptscope.attribution.SobolAttribution;
import org.conceptscope.model.CountingClassifier.Call;
import org.conceptscope.examples.ExampleSearch;
import org.conceptscope.examples.LatentSpace;
import org.conceptscope.examples.NearestExamples;
import org.conceptscope.examples.Prototypes;
import org.conceptscope.model.Classifier;
import org.conceptscope.model.Classifiers;
import org.conceptscope.model.EngineClassifier;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.model.bioimage.BioImageModel;
import org.conceptscope.model.onnx.OnnxEngine;
import org.conceptscope.model.torch.PyTorchEngine;
import org.conceptscope.model.TensorFlowEngine;
import org.conceptscope.tcav.Tcav;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;

/**
 * The benchmark: every attribution method on the bundled models and on a larger 224x224x3 model,
 * each timed against its floor (the same forward/backward passes as raw batched runs through the
 * same classifier, measured in the same run), then a long virtual stack processed headless.
 * <p>
 * {@code Bench --config smoke|full --models <test-images/models> --out <folder> [--cache <folder>]
 * [--no-stack] [--only model,model] [--methods method,method]}. The pom's {@code bench} profile runs it; "smoke" takes seconds and is what the
 * tests run, "full" is the README's table.
 */
public final class Bench {

	/** Ratio of method time to floor time that the project aims to stay under. */
	public static final double TARGET_RATIO = 1.15;

	/**
	 * No row runs more timed rounds than this (a floor of 0.5 ms reaches 1 s at 2000), nor starts
	 * a round after this many ms of them once its least number is done (a heavily loaded machine).
	 */
	static final int MAX_ROUNDS = 2000, MAX_ROUND_MS = 20_000;

	/** How much work one run does. */
	public enum Size {
		SMOKE(2, 1, 1, 1, 0, 0, new int[] { 50, 400 }), FULL(16, 2, 7, 3, 1000, 1000, new int[] { 200, 2000 });

		/** Images per bundled model and for the large model, least timed repetitions (best of) for each, stack lengths. */
		public final int images, largeImages, repeats, largeRepeats;
		/** Milliseconds each method and its floor keep running untimed before the timed repetitions ({@link Bench#measure}). */
		public final int warmupMs;
		/** Each of a method and its floor runs until its runs at its best time add up to this many milliseconds ({@link Timing}). */
		public final int minTimedMs;
		final int[] stackLengths;

		Size(int images, int largeImages, int repeats, int largeRepeats, int warmupMs, int minTimedMs, int[] stackLengths) {
			this.images = images;
			this.largeImages = largeImages;
			this.repeats = repeats;
			this.largeRepeats = largeRepeats;
			this.warmupMs = warmupMs;
			this.minTimedMs = minTimedMs;
			this.stackLengths = stackLengths;
		}

		/** The timing rule of a row: {@link #repeats} (or {@link #largeRepeats}) rounds and {@link #minTimedMs} of each side. */
		Timing.Rule rule(boolean large) {
			return new Timing.Rule(large ? largeRepeats : repeats, minTimedMs, MAX_ROUNDS, MAX_ROUND_MS);
		}

		public int[] stackLengths() {
			return stackLengths.clone();
		}
	}

	/**
	 * One table row; {@code note} is set when the method does not apply to the model; {@code rounds}:
	 * how many timed runs of the method (and as many of its floor) the times are the best of.
	 */
	public record Row(String model, String method, int images, long forwardPasses, long gradientPasses, int calls,
		double wallMs, double floorMs, double cpuMs, double floorCpuMs, double ownMs, String note, int rounds) {

		public double ratio() {
			return floorMs > 0 ? wallMs / floorMs : Double.NaN;
		}

		/**
		 * Wall time over the floor plus the method's own work ({@link #ownMs}): about 1 when the
		 * excess over the floor is the method's own arithmetic done between its calls, below 1 when
		 * that work overlaps the model's passes, above 1 when time goes elsewhere (waiting, copies
		 * the replay does not make). Reported next to the ratio; the floor itself is unchanged.
		 */
		public double ownRatio() {
			return floorMs > 0 && ownMs >= 0 ? wallMs / (floorMs + ownMs) : Double.NaN;
		}

		/**
		 * The same ratio in CPU time of the whole process (all threads, TensorFlow's included): less
		 * disturbed by other processes. The JVM reads it in clock ticks (10 ms on Linux), so it is
		 * NaN below {@value #MIN_CPU_MS} ms of floor CPU time.
		 */
		public double cpuRatio() {
			return floorCpuMs >= MIN_CPU_MS ? cpuMs / floorCpuMs : Double.NaN;
		}

		static final double MIN_CPU_MS = 200;

		public boolean measured() {
			return note == null;
		}
	}

	/** @param only the models to time (folder names under models/, or the large model's name); empty: all */
	public record Options(Size size, Path models, Path out, Path cache, boolean stack, List<String> only, List<String> methods) {
		public Options(Size size, Path models, Path out, Path cache, boolean stack) {
			this(size, models, out, cache, stack, List.of(), List.of());
		}

		public Options(Size size, Path models, Path out, Path cache, boolean stack, List<String> only) {
			this(size, models, out, cache, stack, only, List.of());
		}

		boolean timesMethod(String method) {
			return methods.isEmpty() || methods.contains(method);
		}

		boolean times(String model) {
			return only.isEmpty() || only.contains(model);
		}
	}

	private Bench() {}

	public static void main(String[] args) throws IOException {
		Options o;
		try {
			o = parse(args);
		} catch (IllegalArgumentException e) {
			System.err.println(e.getMessage());
			System.err.println("Usage: Bench --config smoke|full --models <test-images/models> --out <folder> [--cache <folder>] [--no-stack]"
				+ " [--only model,model] [--methods method,method]");
			System.exit(2);
			return;
		}
		try {
			run(o, System.out);
		} catch (RuntimeException e) {
			e.printStackTrace();
			System.exit(1);
		}
		// TensorFlow's native threads must not keep the JVM alive.
		System.exit(0);
	}

	static Options parse(String[] args) {
		Size size = Size.SMOKE;
		Path models = null, out = null, cache = null;
		boolean stack = true;
		List<String> only = List.of(), methods = List.of();
		for (int i = 0; i < args.length; i++) {
			String a = args[i];
			switch (a) {
				case "--config" -> size = Size.valueOf(value(args, ++i, a).toUpperCase(Locale.ROOT));
				case "--models" -> models = Path.of(value(args, ++i, a));
				case "--out" -> out = Path.of(value(args, ++i, a));
				case "--cache" -> cache = Path.of(value(args, ++i, a));
				case "--no-stack" -> stack = false;
				case "--only" -> { // Maven passes an empty property as an empty argument, or drops it
					String v = i + 1 < args.length && !args[i + 1].startsWith("--") ? args[++i] : "";
					only = v.isBlank() ? List.of() : List.of(v.split(","));
				}
				case "--methods" -> {
					String v = i + 1 < args.length && !args[i + 1].startsWith("--") ? args[++i] : "";
					methods = v.isBlank() ? List.of() : List.of(v.split(","));
				}
				default -> throw new IllegalArgumentException("Unknown argument " + a + ".");
			}
		}
		if (models == null || out == null) throw new IllegalArgumentException("--models and --out are required.");
		return new Options(size, models, out, cache == null ? out.resolve("models") : cache, stack, only, methods);
	}

	private static String value(String[] args, int i, String flag) {
		if (i >= args.length) throw new IllegalArgumentException(flag + " needs a value.");
		return args[i];
	}

	/** Runs everything the options ask for, prints the tables, writes bench-results.md into the output folder. */
	public static Report run(Options o, PrintStream log) throws IOException {
		Files.createDirectories(o.out());
		TensorFlowEngine.start();
		StringBuilder md = new StringBuilder();
		String env = environment(o);
		log.println(env);
		md.append(env).append('\n');
		List<Row> rows = attribution(o, log);
		String table = table(rows);
		log.println();
		log.println(table);
		md.append(table).append('\n');
		StackBench.Report stack = null;
		if (o.stack()) {
			Path patches = o.models().resolveSibling("images").resolve("ihc-heldout-patches.tif");
			stack = StackBench.run(o.models().resolve("ihc-stain"), patches, o.size().stackLengths(), o.out().resolve("stack"), log);
			String st = StackBench.table(stack);
			log.println();
			log.println(st);
			md.append('\n').append(st).append('\n');
		}
		Files.writeString(o.out().resolve("bench-results.md"), md, StandardCharsets.UTF_8);
		return new Report(rows, stack);
	}

	/** The attribution rows, and the long-stack report (null with --no-stack). */
	public record Report(List<Row> rows, StackBench.Report stack) {}

	static String environment(Options o) {
		return String.format(Locale.ROOT, "ConceptScope benchmark (%s): %d cores available to the JVM, %s, Java %s, TensorFlow %s,"
			+ " libtorch %s, ONNX Runtime %s, max heap %d MB, initial heap %d MB", o.size().name().toLowerCase(Locale.ROOT),
			Runtime.getRuntime().availableProcessors(), cpuModel(), System.getProperty("java.version"), TensorFlowEngine.TENSORFLOW_VERSION,
			PyTorchEngine.LIBTORCH_VERSION, OnnxEngine.ONNXRUNTIME_VERSION, Runtime.getRuntime().maxMemory() >> 20, initialHeapMb());
	}

	/**
	 * The heap the JVM started with (-Xms). The bench's JVM fixes it at the maximum: {@link Timing}'s
	 * System.gc() between rounds would otherwise shrink the heap to a few tens of MB, and young
	 * collections (1-40 ms each) would then fall inside timed runs, mostly the method's, which
	 * allocates more than its floor (58 of them in a run of three rows per model on two models, none
	 * with the heap fixed).
	 */
	static long initialHeapMb() {
		long init = java.lang.management.ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getInit();
		return init < 0 ? -1 : init >> 20;
	}

	private static String cpuModel() {
		try {
			for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
				if (line.startsWith("model name")) return line.substring(line.indexOf(':') + 1).trim();
			}
		} catch (IOException | RuntimeException e) {
			// not Linux, or not readable
		}
		return System.getProperty("os.arch");
	}

	/** Every method on every model: bundled ones first, then the large one. */
	public static List<Row> attribution(Options o, PrintStream log) throws IOException {
		List<Row> rows = new ArrayList<>();
		for (String name : List.of("ihc-stain", "ct-tissue", "known-answer")) {
			if (o.times(name)) rows.addAll(model(name, o.models().resolve(name), false, o, log));
		}
		// the same ResNet-style classifier on libtorch (gradients by autograd) and on ONNX Runtime (forward passes only)
		for (String name : ENGINE_MODELS) if (o.times(name)) rows.addAll(model(name, o.models().resolve(name), false, o, log));
		if (o.times(LargeModel.NAME)) rows.addAll(model(LargeModel.NAME, LargeModel.ensure(o.cache()), true, o, log));
		return rows;
	}

	/** bioimage.io packages on the other engines, timed like the TensorFlow models. */
	static final List<String> ENGINE_MODELS = List.of("ihc-resnet-torchscript", "ihc-resnet-onnx");

	private static List<Row> model(String name, Path dir, boolean large, Options o, PrintStream log) {
		List<Row> rows = new ArrayList<>();
		try (Classifier model = Classifiers.open(dir)) {
			long[] in = model.signature().input().shape();
			int n = large ? o.size().largeImages : o.size().images;
			FloatTensor images = randomImages(n, (int) in[1], (int) in[2], (int) in[3], 42);
			int gradientBatch = model instanceof TensorFlowClassifier tf ? tf.gradientBatchSize()
				: model instanceof BioImageModel b && b.classifier() instanceof EngineClassifier e ? e.gradientBatchSize() : model.preferredBatchSize();
			log.printf(Locale.ROOT, "%s: input %dx%dx%d, %d images, batch size %d (forward) / %d (gradient)%n", name, in[1], in[2],
				in[3], n, model.preferredBatchSize(), gradientBatch);
			for (AttributionMethod m : methods(o.size(), (int) in[1], large)) {
				if (!o.timesMethod(m.name())) continue;
				Row r = measure(name, model, m, images, o.size().rule(large), o.size().warmupMs);
				log.println("  " + format(r));
				rows.add(r);
			}
			for (Map.Entry<String, Consumer<Classifier>> e : conceptWork(o.size(), images).entrySet()) {
				if (!o.timesMethod(e.getKey())) continue;
				Row r = measure(name, model, e.getKey(), n, images, e.getValue(), o.size().rule(large), o.size().warmupMs);
				log.println("  " + format(r));
				rows.add(r);
			}
		}
		return rows;
	}

	/** The methods and their parameters for a model of the given size. */
	static List<AttributionMethod> methods(Size size, int imageSize, boolean large) {
		boolean full = size == Size.FULL;
		int samples = full ? 32 : 4;
		int patch = Math.max(1, imageSize / (full ? 8 : 4)), stride = Math.max(1, imageSize / (full ? 16 : 4));
		int riseMasks = full ? (large ? 256 : 1000) : 16;
		int sobolGrid = full && !large ? 8 : (full ? 4 : 2), sobolDesigns = full ? (large ? 16 : 32) : 4;
		int hsicGrid = full && !large ? 8 : (full ? 4 : 2), hsicSamples = full ? (large ? 128 : 512) : 8;
		int surrogateGrid = full && !large ? 8 : (full ? 4 : 2), surrogateSamples = full ? (large ? 64 : 256) : 8;
		return List.of(new Saliency(), new GradientTimesInput(), new IntegratedGradients(samples, 0f),
			new NoisyGradients(NoisyGradients.Statistic.SMOOTH_GRAD, samples, 0.1, 1),
			new NoisyGradients(NoisyGradients.Statistic.VAR_GRAD, samples, 0.1, 1), new GradCam(null, false),
			new GradCam(null, true), new Occlusion(patch, stride, 0f), new Rise(riseMasks, full ? 7 : 4, 0.5, 1),
			new SobolAttribution(sobolGrid, sobolDesigns, MaskedImage.constant(0), false, 1),
			new HsicAttribution(hsicGrid, hsicSamples, MaskedImage.constant(0), 1),
			new Lime(surrogateSamples, Segmentation.grid(surrogateGrid), MaskedImage.constant(0), 1),
			new KernelShap(surrogateSamples, Segmentation.grid(surrogateGrid), MaskedImage.constant(0), 1),
			GuidedGradient.guidedBackprop(), GuidedGradient.deconvNet(),
			new ForGrad(new Saliency(), ForGrad.defaultBandwidth(imageSize, imageSize)));
	}

	/**
	 * Concept and example methods on n images, timed like the attribution methods (their floor is
	 * the passes they need): {@code tcav}, one concept of max(2, n) examples against random sets drawn
	 * from twice as many counterexamples in the last spatial layer ({@value Tcav#DEFAULT_RUNS} runs, 2 in the smoke
	 * configuration), the n images as the class inputs; {@code nearest_examples}, the 5 nearest of 4n
	 * training examples for each image in the last spatial layer, and 3 MMD-critic prototypes of them.
	 */
	static Map<String, Consumer<Classifier>> conceptWork(Size size, FloatTensor images) {
		int n = (int) images.dim(0), h = (int) images.dim(1), w = (int) images.dim(2), c = (int) images.dim(3);
		int examples = Math.max(2, n); // TCAV's random sets need at least 2 images each
		FloatTensor concept = randomImages(examples, h, w, c, 43), pool = randomImages(2 * examples, h, w, c, 44);
		FloatTensor training = randomImages(4 * n, h, w, c, 45);
		int runs = size == Size.FULL ? Tcav.DEFAULT_RUNS : 2;
		Map<String, Consumer<Classifier>> work = new LinkedHashMap<>();
		work.put("tcav", model -> new Tcav(runs, Tcav.DEFAULT_ALPHA, 1).test(model, List.of(GradCam.lastSpatialLayer(model)),
			List.of(new Tcav.Concept("concept", concept)), pool, images, 0, Progress.NONE));
		work.put("nearest_examples", model -> new ExampleSearch(new LatentSpace(model, GradCam.lastSpatialLayer(model)), new NearestExamples(5),
			new Prototypes(3, 0)).run(training, null, 0, images, Progress.NONE));
		return work;
	}

	static FloatTensor randomImages(int n, int h, int w, int c, long seed) {
		Random r = new Random(seed);
		FloatTensor t = FloatTensor.zeros(n, h, w, c);
		for (int i = 0; i < t.size(); i++) t.data()[i] = r.nextFloat();
		return t;
	}

	/**
	 * Times a method against its floor. A first run records the calls (and builds TensorFlow's
	 * gradient ops); then the method and its floor run in turn, untimed, for {@code warmupMs} (the
	 * JIT compiles Java code only after thousands of calls or loop turns: a method that takes 2 ms
	 * runs interpreted through its first repetitions, which measured the interpreter, not the
	 * method); then the method, its floor and its own-work replay are timed in rounds by the {@code
	 * rule} ({@link Timing}): at least its number of rounds, and until the method and the floor have
	 * each accumulated its least time, the same number of runs of each. The best time of each is
	 * reported: on a shared machine other processes only ever add time, so the minimum is the least
	 * disturbed measurement, and with as many runs of each side it is the same statistic of both.
	 */
	static Row measure(String modelName, Classifier model, AttributionMethod m, FloatTensor images, Timing.Rule rule, int warmupMs) {
		int n = (int) images.dim(0);
		int[] targets = new int[n];
		Arrays.fill(targets, AttributionMethod.PREDICTED);
		return measure(modelName, model, m.name(), n, images, c -> m.explain(c, images, targets, Progress.NONE), rule, warmupMs);
	}

	/**
	 * As above for any work on the model (TCAV, nearest examples): its calls are counted on a first
	 * run and replayed as its floor ({@code images} supply the floor's inputs, tiled to each call's size).
	 */
	static Row measure(String modelName, Classifier model, String method, int n, FloatTensor images, Consumer<Classifier> work,
		Timing.Rule rule, int warmupMs) {
		ReplayingClassifier counting = new ReplayingClassifier(model);
		try {
			counting.recordOutputs(() -> work.accept(counting));
		} catch (IllegalArgumentException | UnsupportedOperationException e) { // a layer it lacks, or gradients (ONNX)
			return new Row(modelName, method, n, 0, 0, 0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, "n/a: " + e.getMessage(), 0);
		}
		List<Call> calls = counting.calls();
		long forward = counting.forwardPasses(), gradient = counting.gradientPasses();
		Floor floor = new Floor(model, calls, images);
		floor.run();
		boolean replayable = ownWork(work, counting) >= 0;
		for (long end = System.nanoTime() + warmupMs * 1_000_000L; System.nanoTime() < end;) {
			timeWork(work, counting);
			floor.run();
			if (replayable) ownWork(work, counting);
		}
		Timing.Result t = Timing.run(rule, () -> {
			double ms = timeWork(work, counting);
			if (!counting.calls().equals(calls)) {
				throw new IllegalStateException(method + " made different calls on a repeated run; the floor would not match.");
			}
			return ms;
		}, () -> floor.run() / 1e6, replayable ? () -> ownWork(work, counting) : null);
		return new Row(modelName, method, n, forward, gradient, calls.size(), t.methodMs(), t.floorMs(), t.methodCpuMs(), t.floorCpuMs(),
			replayable ? t.ownMs() : Double.NaN, null, t.rounds());
	}

	/**
	 * The method's own work: the same run with every model call answered at once by a copy of the
	 * recorded run's output. Milliseconds, or -1 when its calls differ from the recorded ones (then
	 * the outputs cannot stand in for the model's).
	 */
	private static double ownWork(Consumer<Classifier> work, ReplayingClassifier counting) {
		counting.replaying(true);
		try {
			return timeWork(work, counting);
		} catch (IllegalStateException e) {
			return -1;
		} finally {
			counting.replaying(false);
		}
	}

	private static double timeWork(Consumer<Classifier> work, ReplayingClassifier counting) {
		counting.reset();
		long t0 = System.nanoTime();
		work.accept(counting);
		return (System.nanoTime() - t0) / 1e6;
	}

	/** CPU time of this process, all threads (TensorFlow's included), in nanoseconds; -1 when unknown. */
	static long processCpuNanos() {
		java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
		return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() : -1;
	}

	static String format(Row r) {
		if (!r.measured()) return String.format(Locale.ROOT, "%-22s %s", r.method(), r.note());
		return String.format(Locale.ROOT, "%-22s fwd %7d  grad %6d  calls %5d  %9.1f ms  floor %9.1f ms  ratio %.2f  (cpu %.2f)  own %.1f ms  ratio to floor+own %.2f  best of %d",
			r.method(), r.forwardPasses(), r.gradientPasses(), r.calls(), r.wallMs(), r.floorMs(), r.ratio(), r.cpuRatio(), r.ownMs(), r.ownRatio(),
			r.rounds());
	}

	/** The rows as a Markdown table. */
	public static String table(List<Row> rows) {
		StringBuilder s = new StringBuilder();
		s.append("| model | method | images | forward passes | forward+backward passes | runtime calls | wall ms | floor ms | ratio | CPU-time ratio"
			+ " | own work ms | ratio to floor + own work | timed runs |\n");
		s.append("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
		for (Row r : rows) {
			if (!r.measured()) {
				s.append(String.format(Locale.ROOT, "| %s | %s | %d | — | — | — | — | — | %s | — | — | — | — |%n", r.model(), r.method(), r.images(),
					r.note().length() > 60 ? r.note().substring(0, 60) + "…" : r.note()));
				continue;
			}
			s.append(String.format(Locale.ROOT, "| %s | %s | %d | %d | %d | %d | %.1f | %.1f | %.2f%s | %s | %s | %s | %d |%n", r.model(), r.method(),
				r.images(), r.forwardPasses(), r.gradientPasses(), r.calls(), r.wallMs(), r.floorMs(), r.ratio(),
				r.ratio() > TARGET_RATIO ? " ⚠" : "", Double.isNaN(r.cpuRatio()) ? "—" : String.format(Locale.ROOT, "%.2f", r.cpuRatio()),
				Double.isNaN(r.ownMs()) ? "—" : String.format(Locale.ROOT, "%.1f", r.ownMs()),
				Double.isNaN(r.ownRatio()) ? "—" : String.format(Locale.ROOT, "%.2f", r.ownRatio()), r.rounds()));
		}
		return s.toString();
	}
}
