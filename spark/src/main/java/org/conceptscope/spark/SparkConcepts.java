package org.conceptscope.spark;

import ij.ImagePlus;

import java.io.IOException;
import java.io.PrintStream;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.conceptscope.attribution.GradCam;
import org.conceptscope.concepts.ConceptBank;
import org.conceptscope.concepts.ConceptImportance;
import org.conceptscope.concepts.ConceptLocalization;
import org.conceptscope.concepts.Craft;
import org.conceptscope.concepts.CraftOptions;
import org.conceptscope.concepts.Nmf;
import org.conceptscope.fiji.image.ImageSet;
import org.conceptscope.fiji.image.ImageTiles;
import org.conceptscope.fiji.run.Models;
import org.conceptscope.fiji.run.ModelSizeInputs;
import org.conceptscope.fiji.param.CommandSpecs;
import org.conceptscope.fiji.image.ImagePlusTensors;
import org.conceptscope.fiji.write.ResultsCsvWriter;
import org.conceptscope.fiji.batch.InputWarnings;
import org.conceptscope.fiji.batch.ResumableParts;
import org.conceptscope.fiji.run.ConceptDiscoveryRun;
import org.conceptscope.fiji.run.ConceptDiscoverySettings;
import org.conceptscope.fiji.run.ConceptImportanceSettings;
import org.conceptscope.fiji.run.TargetClass;
import org.conceptscope.fiji.write.Numbers;
import org.conceptscope.model.Classifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;
import org.conceptscope.util.Folders;
import org.conceptscope.util.SaveSet;

/**
 * CRAFT concept discovery over a cohort, on Spark: {@code input=<folder> model=... target=<class>
 * save_dir=...} and Concept Discovery's keys. Three parallel passes over the images, in tasks of
 * {@code batch} files: (1) every image's prediction, and the random keys of its crops; (2) the
 * activations of a uniform sample of {@code samples} crops across the cohort (the crops with the
 * smallest keys, whatever the partitioning); then NMF on the driver gives the concept bank; (3)
 * each image's Sobol concept importance (averaged over the cohort as CRAFT averages over images)
 * and where each concept sits (its mean coefficient, the dominant concept). With every crop
 * sampled, the bank and importance are those of Concept Discovery on the same images.
 * <p>
 * Writes {@code concepts.json} (the bank, importance filled, reusable by the concept commands),
 * {@code importance.csv}, and {@code concepts-per-image.csv} with its Parquet twin.
 */
public final class SparkConcepts {

	/** The launcher's first argument that starts this job. */
	public static final String COMMAND = "concepts";
	public static final String INPUT = "input", SAMPLES = "samples", BATCH = "batch", SELECT = "select", RESTART = "restart";
	static final String SELECT_PREDICTED = "predicted", SELECT_ALL = "all";
	public static final String BANK = "concepts.json", IMPORTANCE = "importance.csv", PER_IMAGE = "concepts-per-image.csv";
	static final int DEFAULT_SAMPLES = 20000, DEFAULT_BATCH = 16;

	/**
	 * The job's own folder in save_dir: its manifest, journal and finished parts, kept by the batch runner's
	 * mechanism ({@link ResumableParts}), so a stopped job resumes where it stopped.
	 */
	public static final String WORK_DIR = ".conceptscope-concepts";

	/** What each pass does, as its progress lines say. */
	static final List<String> PASSES = List.of("pass 1 of 3: predictions", "pass 2 of 3: activations of the sampled crops",
		"pass 3 of 3: concept importance and presence");

	/**
	 * The settings each pass depends on, declared once (a pass depends also on what the earlier passes depend
	 * on, and all on the model, the files and batch): pass 1 reads each image's prediction, the target's
	 * probability and how many crops it gives; pass 2 the activations at the layer of the crops the seed and
	 * samples draw from the selected images; pass 3 the bank's importance and presence. A resume with other
	 * settings reuses the kept parts of the passes that do not depend on what changed.
	 */
	static final List<ResumableParts.Stage> PASS_SETTINGS = List.of(
		new ResumableParts.Stage("pass1", java.util.Set.of(ConceptDiscoverySettings.TARGET, ConceptDiscoverySettings.PATCH,
			ConceptDiscoverySettings.STRIDE)),
		new ResumableParts.Stage("pass2", java.util.Set.of(ConceptDiscoverySettings.LAYER, ConceptDiscoverySettings.SEED, SAMPLES, SELECT)),
		new ResumableParts.Stage("pass3", java.util.Set.of(ConceptDiscoverySettings.CONCEPTS, ConceptDiscoverySettings.DESIGNS,
			ConceptDiscoverySettings.EXAMPLES)));

	/** Runs in each task once its chunk is computed, before it is returned (tests stop and kill tasks here). */
	interface TaskHook extends Serializable {
		TaskHook NONE = (pass, chunk, attempt) -> {};

		void computed(int pass, int chunk, int attempt);
	}

	/** The job's settings, as parsed from {@code key=value} arguments. */
	record Settings(String inputFolder, String modelFolder, String saveFolder, String target, String layer, int patch, int stride,
		int concepts, long seed, int designs, int examples, int samples, int batch, boolean selectPredicted, String master, boolean restart)
		implements Serializable {

		Path input() {
			return Path.of(inputFolder);
		}

		Path model() {
			return Path.of(modelFolder);
		}

		Path saveDir() {
			return Path.of(saveFolder);
		}
	}

	static final String USAGE = String.join("\n",
		"Usage: java -jar conceptscope-spark.jar " + COMMAND + " input=<folder of images> model=<model folder>",
		"           target=<class name or index> save_dir=<folder> [layer= patch=16 stride=8 concepts=6 seed=42 designs=32",
		"           examples=6] [samples=" + DEFAULT_SAMPLES + " crops for NMF] [select=predicted|all] [batch=" + DEFAULT_BATCH
			+ " images per task] [master=local[*]] [restart]",
		"CRAFT concepts of one class over a cohort: select=predicted uses the images the model predicts as the target",
		"class, select=all every image. Writes concepts.json, importance.csv and concepts-per-image.csv (+ .parquet).",
		"Finished parts are kept in save_dir/" + WORK_DIR + ": the same command resumes a stopped job; restart discards them.");

	private SparkConcepts() {}

	public static void main(String[] args) {
		SparkBatch.launcherLogging();
		System.exit(run(args, System.out, System.err));
	}

	static int run(String[] args, PrintStream out, PrintStream err) {
		return run(args, out, err, TaskHook.NONE);
	}

	static int run(String[] args, PrintStream out, PrintStream err, TaskHook hook) {
		if (args.length == 0) {
			err.println(USAGE);
			return 2;
		}
		Settings s;
		try {
			s = parse(args);
		} catch (IllegalArgumentException e) {
			err.println("ConceptScope Spark concepts: " + e.getMessage());
			err.println(USAGE);
			return 2;
		}
		try (SparkBatch.LazyContext spark = new SparkBatch.LazyContext(s.master())) {
			List<Path> written = discover(s, spark, err, hook);
			written.forEach(out::println);
			return 0;
		} catch (Exception e) {
			// Spark reports a task's failure inside its own exception: the user gets the task's sentence.
			err.println("ConceptScope Spark concepts: " + SparkParts.sentence(e) + (e instanceof SparkTasks.Failed
				? " (The finished parts are kept in " + s.saveDir().resolve(WORK_DIR) + ": the same command resumes.)" : ""));
			return 1;
		}
	}

	static Settings parse(String[] args) {
		List<String> known = new ArrayList<>(List.of(INPUT, SAMPLES, BATCH, SELECT, RESTART, SparkBatch.MASTER));
		known.addAll(ConceptDiscoverySettings.KEYS);
		known.remove(ConceptDiscoverySettings.FOLDER);
		known.remove(ConceptDiscoverySettings.OVERWRITE); // the cohort job keeps its own rule for a rerun into save_dir: unchanged
		Keys v = Keys.parse(args, known);
		// the cohort job finds one bank for one target class; these modes of the local command are not its own
		for (String mode : List.of(ConceptDiscoverySettings.HOLISTIC, ConceptDiscoverySettings.PER_CLASS)) {
			if (v.has(mode) && !v.get(mode, "").equalsIgnoreCase("false")) {
				throw new IllegalArgumentException(mode + "=" + v.get(mode, "") + ": the cohort job has no " + mode.replace('_', ' ') + " mode; it finds"
					+ " one bank for the target class. Leave " + mode + " out, or run Concept Discovery in Fiji for it.");
			}
		}
		Path input = v.path(INPUT), model = v.path(ConceptDiscoverySettings.MODEL), saveDir = v.path(ConceptDiscoverySettings.SAVE_DIR);
		if (input == null || !Files.isDirectory(input)) {
			throw new IllegalArgumentException("input=" + (input == null ? "" : input) + " is not a folder: give the folder of the cohort's images.");
		}
		if (model == null) throw Models.noModel();
		if (saveDir == null) throw new IllegalArgumentException("No output folder given: set save_dir=<folder> (created if missing).");
		SparkParts.checkWritable(saveDir); // before three passes over the cohort, not after them
		String target = v.get(ConceptDiscoverySettings.TARGET, null);
		if (target == null || target.isBlank() || target.equals(ConceptDiscoverySettings.DEFAULT_TARGET)) {
			throw new IllegalArgumentException("A cohort mixes classes: set target=<class name or index> for the class whose concepts"
				+ " you want.");
		}
		String select = v.get(SELECT, SELECT_PREDICTED);
		if (!select.equals(SELECT_PREDICTED) && !select.equals(SELECT_ALL)) {
			throw new IllegalArgumentException("select=" + select + " is not known: use select=predicted (the images predicted as the"
				+ " target) or select=all.");
		}
		// absolute: the executors of a cluster do not share the driver's working folder
		Settings s = new Settings(input.toAbsolutePath().normalize().toString(), model.toAbsolutePath().normalize().toString(),
			saveDir.toAbsolutePath().normalize().toString(), target.trim(), v.get(ConceptDiscoverySettings.LAYER, "").trim(),
			v.integer(ConceptDiscoverySettings.PATCH, ConceptDiscoverySettings.DEFAULT_PATCH, 2),
			v.integer(ConceptDiscoverySettings.STRIDE, ConceptDiscoverySettings.DEFAULT_STRIDE, 1),
			v.integer(ConceptDiscoverySettings.CONCEPTS, ConceptDiscoverySettings.DEFAULT_CONCEPTS, 1),
			v.has(ConceptDiscoverySettings.SEED) ? v.number(ConceptDiscoverySettings.SEED) : ConceptDiscoverySettings.DEFAULT_SEED,
			v.integer(ConceptDiscoverySettings.DESIGNS, ConceptDiscoverySettings.DEFAULT_DESIGNS, 2),
			v.integer(ConceptDiscoverySettings.EXAMPLES, ConceptDiscoverySettings.DEFAULT_EXAMPLES, 1),
			v.integer(SAMPLES, DEFAULT_SAMPLES, 1), v.integer(BATCH, DEFAULT_BATCH, 1), select.equals(SELECT_PREDICTED), v.master(),
			v.has(RESTART) && !v.get(RESTART, "").trim().equalsIgnoreCase("false"));
		if (s.concepts() > s.samples()) {
			throw new IllegalArgumentException("samples=" + s.samples() + " crops cannot give concepts=" + s.concepts() + " concepts: raise samples.");
		}
		return s;
	}

	/**
	 * One image of the cohort (a slice of a file, or a tile of it), and what the model predicts for it:
	 * {@code entry} numbers a file's images from 1 (the crops' random keys use it); {@code slice} is
	 * the file's slice it lies in and {@code x}, {@code y} the tile's top-left corner (0, 0 for an
	 * image of the model's input size).
	 */
	record Entry(int file, int entry, int slice, int x, int y, int predicted, float targetProbability) implements Serializable {}

	/**
	 * A pass-1 task's report: its entries, how many crops each gives (the driver draws their keys), and its
	 * files far from what the model was trained on.
	 */
	record Scanned(List<Entry> entries, int cropsPerImage, InputWarnings far) implements Serializable {}

	/** One sampled crop's row of A, and where it comes from. */
	record Row(int file, int entry, int crop, int x, int y, int size, double[] values) implements Serializable {}

	/** A pass-2 task's report: its sampled rows, and how many activations were clipped to 0 of how many. */
	record Sampled(List<Row> rows, long clipped, long values) implements Serializable {}

	/** A pass-3 task's report: Sobol importance summed over its images, and each image's concept presence. */
	record Located(double[] importanceSum, int images, Map<List<Integer>, double[]> presence) implements Serializable {}

	static List<Path> discover(Settings s, SparkBatch.LazyContext spark, PrintStream log, TaskHook hook) throws IOException {
		List<String> files;
		try (Stream<Path> list = Files.list(s.input())) {
			files = list.filter(Files::isRegularFile).filter(ImageSet::isImageFile).map(p -> p.getFileName().toString()).sorted().toList();
		}
		if (files.isEmpty()) {
			throw new IllegalArgumentException("The folder " + s.input() + " holds no images (" + String.join(", ", ImageSet.EXTENSIONS) + ").");
		}
		int target;
		String layer;
		CraftOptions options;
		long height, width;
		List<String> classes;
		try (Classifier classifier = Models.open(s.model())) {
			target = TargetClass.parse(s.target(), classifier.classNames());
			classes = classifier.classNames();
			layer = s.layer().isEmpty() ? GradCam.lastSpatialLayer(classifier) : s.layer();
			options = options(s, layer);
			// a layer that does not split the model, or concepts and designs it cannot take, before any image is read
			Craft.checkLayer(classifier, layer);
			Craft.checkConcepts(classifier, options, s.designs());
			// The first image through the model and the layer before any task: a wrong layer or image fails here.
			// its pixel-size warning and palette note are the driver's job lines (InputWarnings), not a Log line here too
			FloatTensor first = Models.notesSaidByCaller(() -> Chunk.load(classifier, s.input(), files, 0, 1, false)).x();
			Craft.crops(classifier, first, options, i -> false, Progress.NONE);
			height = first.dim(1);
			width = first.dim(2);
		}
		Files.createDirectories(s.saveDir());
		List<int[]> chunks = new ArrayList<>();
		for (int from = 0; from < files.size(); from += s.batch()) chunks.add(new int[] { from, Math.min(files.size(), from + s.batch()) });
		// What the parts depend on besides the model and the files, pass by pass (PASS_SETTINGS): a resume with any of it
		// changed is refused when a kept part depends on it.
		Map<String, String> settings = new LinkedHashMap<>();
		settings.put(ConceptDiscoverySettings.TARGET, classes.get(target));
		settings.put(ConceptDiscoverySettings.LAYER, layer);
		settings.put(ConceptDiscoverySettings.PATCH, Integer.toString(s.patch()));
		settings.put(ConceptDiscoverySettings.STRIDE, Integer.toString(s.stride()));
		settings.put(ConceptDiscoverySettings.CONCEPTS, Integer.toString(s.concepts()));
		settings.put(ConceptDiscoverySettings.SEED, Long.toString(s.seed()));
		settings.put(ConceptDiscoverySettings.DESIGNS, Integer.toString(s.designs()));
		settings.put(ConceptDiscoverySettings.EXAMPLES, Integer.toString(s.examples()));
		settings.put(SAMPLES, Integer.toString(s.samples()));
		settings.put(SELECT, s.selectPredicted() ? SELECT_PREDICTED : SELECT_ALL);
		ResumableParts.Plan plan = new ResumableParts.Plan("concept run", s.model(), classes, settings, s.batch(), s.input(), files,
			3 * chunks.size(), List.of(BANK, IMPORTANCE, PER_IMAGE), PASS_SETTINGS);
		try (ResumableParts work = ResumableParts.open(s.saveDir().resolve(WORK_DIR), plan, s.restart(),
			line -> log.println("ConceptScope Spark concepts: " + line))) {
			if (work.alreadyComplete()) return complete(s, spark);
			if (work.resumed()) {
				log.println("ConceptScope Spark concepts: resuming the unfinished run in " + s.saveDir() + " (" + work.kept() + " of " + plan.parts()
					+ " parts kept); computing the rest.");
			}
			List<Path> written = passes(s, spark, log, hook, work, files, chunks, target, layer, options, height, width);
			return written;
		}
	}

	/** The three passes, each part read from the work folder when a finished run left it, else computed and kept. */
	private static List<Path> passes(Settings s, SparkBatch.LazyContext spark, PrintStream log, TaskHook hook, ResumableParts work,
		List<String> files, List<int[]> chunks, int target, String layer, CraftOptions options, long height, long width) throws IOException {
		JavaSparkContext jsc = spark.get();
		String model = ModelArchive.ship(jsc.sc(), s.model());
		Broadcast<List<String>> names = jsc.broadcast(files);
		Broadcast<String> bankJson = null;
		final int t = target;
		final String splitAt = layer;
		try {
			// Pass 1: predictions, and how many crops each image gives; the driver draws the crops' keys and keeps the `samples` smallest,
			// part by part (never every part's keys at once).
			List<Scanned> scanned = pass(1, "", s, work, jsc, chunks, files.size(), log,
				c -> done(hook, 1, c, scan(s, model, t, options(s, splitAt), names.value(), chunks.get(c))), Scanned.class);
			double[] keys = new double[0];
			for (Scanned r : scanned) keys = smallestKeys(keys, keys(s, r, t), s.samples());
			List<Entry> entries = scanned.stream().flatMap(r -> r.entries().stream()).toList();
			if (keys.length == 0) {
				throw new IllegalArgumentException("No image of " + s.input() + " is predicted as " + s.target() + ": choose another target (with"
					+ " restart: the first pass, kept in save_dir, depends on the target), or select=all to use every image (the kept first pass is"
					+ " reused).");
			}
			if (keys.length < s.concepts()) {
				// the selected images' crops are all drawn (samples >= concepts): too few for NMF's rank, known now, not after pass 2
				long selected = entries.stream().filter(e -> selected(s, e, t)).count();
				throw new IllegalArgumentException(Craft.tooFewCrops(options, selected, height, width) + (s.selectPredicted() ? " (Only the "
					+ selected + " images predicted as " + s.target() + " are used; select=all uses every image.)" : "") + " Fewer concepts or"
					+ " select=all reuse the first pass kept in save_dir; a smaller patch or stride needs restart, since that pass depends on them.");
			}
			double threshold = keys[Math.min(keys.length, s.samples()) - 1];
			long tiled = entries.stream().filter(e -> e.x() > 0 || e.y() > 0).mapToInt(Entry::file).distinct().count();
			log.println("ConceptScope Spark concepts: " + entries.size() + " images" + (tiled == 0 ? "" : " (the tiles of the input's size of " + tiled
				+ " file(s) larger than the model's input)") + ", " + Math.min(keys.length, s.samples()) + " crops sampled.");
			// the batch runner's lines, said once by the driver for the tasks' files
			scanned.stream().map(Scanned::far).reduce(new InputWarnings(), InputWarnings::merge).lines(false).forEach(log::println);

			// Pass 2: the sampled crops' activations, in cohort order; NMF on the driver. A part is used only with the threshold it was drawn with.
			List<Sampled> sampled = pass(2, Long.toHexString(Double.doubleToLongBits(threshold)), s, work, jsc, chunks, files.size(), log,
				c -> done(hook, 2, c, sample(s, model, t, options(s, splitAt), names.value(), chunks.get(c), threshold)), Sampled.class);
			List<Row> rows = new ArrayList<>(sampled.stream().flatMap(x -> x.rows().stream()).toList());
			long clipped = sampled.stream().mapToLong(Sampled::clipped).sum(), values = sampled.stream().mapToLong(Sampled::values).sum();
			rows.sort(Comparator.comparingInt(Row::file).thenComparingInt(Row::entry).thenComparingInt(Row::crop));
			Map<List<Integer>, Integer> index = new LinkedHashMap<>();
			for (Entry e : entries) index.put(List.of(e.file(), e.entry()), index.size());
			double[][] a = rows.stream().map(Row::values).toArray(double[][]::new);
			Nmf.Result nmf = Nmf.factorise(a, s.concepts(), s.seed(), options.tolerance(), options.maxIterations(), Progress.NONE);
			ConceptBank bank;
			try (Classifier classifier = Models.open(s.model())) {
				bank = Craft.bank(classifier, layer, target, options, nmf, new Craft.Crops(layer, a, List.of(), clipped, values).clippedFraction(),
					rows.stream().map(r -> new Craft.CropOrigin(index.get(List.of(r.file(), r.entry())), r.x(), r.y(), r.size())).toList());
			}

			// Pass 3: importance and presence per image. A part is used only with the bank it was computed with.
			String json = bank.toJson();
			Broadcast<String> shared = jsc.broadcast(json);
			bankJson = shared;
			String bankHash = java.util.HexFormat.of().formatHex(org.conceptscope.util.Digests.sha256().digest(
				json.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
			List<Located> located = pass(3, bankHash, s, work, jsc, chunks, files.size(), log,
				c -> done(hook, 3, c, locate(s, model, t, names.value(), chunks.get(c), shared.value())), Located.class);
			double[] importance = new double[bank.size()];
			int images = 0;
			Map<List<Integer>, double[]> presence = new LinkedHashMap<>();
			for (Located l : located) {
				for (int k = 0; k < importance.length; k++) importance[k] += l.importanceSum()[k];
				images += l.images();
				presence.putAll(l.presence());
			}
			for (int k = 0; k < importance.length; k++) importance[k] /= images;
			bank.importance = importance;
			bank.importanceEstimator = ConceptImportanceSettings.SOBOL;
			return write(s, bank, files, entries, presence, spark, work);
		} finally {
			names.destroy();
			if (bankJson != null) bankJson.destroy();
		}
	}

	/**
	 * A finished run's files, left as they are; only its Parquet table is made again when it is missing (a run
	 * whose table could not be made).
	 */
	private static List<Path> complete(Settings s, SparkBatch.LazyContext spark) throws IOException {
		Path perImage = s.saveDir().resolve(PER_IMAGE), parquet = SparkBatch.parquet(perImage);
		if (!Files.isDirectory(parquet)) writeParquet(s.saveDir(), perImage, parquet, spark);
		return List.of(s.saveDir().resolve(BANK), s.saveDir().resolve(IMPORTANCE), perImage, parquet);
	}

	/** The per-image table's Parquet twin, made from its CSV; a failure says that the three files are written. */
	private static void writeParquet(Path dir, Path perImage, Path parquet, SparkBatch.LazyContext spark) throws IOException {
		try {
			SparkBatch.writeParquet(spark.session(), perImage, parquet, org.conceptscope.util.Digests.sha256(perImage), java.util.Set.of("file"));
		} catch (Exception e) { // Spark's AnalysisException is a checked exception that Scala throws undeclared
			// the three passes' results are in place: say so, rather than a bare Spark failure that reads as if the job were lost
			throw new IOException(BANK + ", " + IMPORTANCE + " and " + PER_IMAGE + " are written in " + dir + ", but not their Parquet table ("
				+ SparkParts.sentence(e).replaceAll("\\.$", "") + ").", e);
		}
	}

	/** A task's result, after the test hook has seen it. */
	private static <T> T done(TaskHook hook, int pass, int chunk, T result) {
		org.apache.spark.TaskContext task = org.apache.spark.TaskContext.get();
		hook.computed(pass, chunk, task == null ? 0 : task.attemptNumber());
		return result;
	}

	/** The name of a pass's part file. */
	static String partName(int pass, int chunk) {
		return ResumableParts.name("pass" + pass, chunk);
	}

	/**
	 * One pass over the chunks: each chunk's result, read from its part file when an earlier run of this job
	 * left it (with this {@code key}), else computed on Spark; each computed result is written to its part
	 * file as it arrives. Progress: one line per tenth of the files (and at least every 30 seconds), as the
	 * batch runner's.
	 */
	private static <T extends Serializable> List<T> pass(int pass, String key, Settings s, ResumableParts work, JavaSparkContext jsc,
		List<int[]> chunks, int files, PrintStream log, SparkTasks.Task<T> task, Class<T> type) throws IOException {
		List<T> results = new ArrayList<>(java.util.Collections.nCopies(chunks.size(), null));
		List<Integer> missing = new ArrayList<>();
		long[] done = { 0 };
		for (int c = 0; c < chunks.size(); c++) {
			byte[] kept = work.read(partName(pass, c), key);
			if (kept == null) {
				missing.add(c);
			} else {
				results.set(c, decode(kept, type, work.file(partName(pass, c))));
				done[0] += chunks.get(c)[1] - chunks.get(c)[0];
			}
		}
		int keptParts = chunks.size() - missing.size();
		String what = "files (" + PASSES.get(pass - 1) + (keptParts > 0 ? "; " + keptParts + " of " + chunks.size() + " parts kept" : "") + ")";
		org.conceptscope.fiji.batch.ConsoleProgress progress = new org.conceptscope.fiji.batch.ConsoleProgress(log, System.console() != null,
			() -> false);
		progress.report(done[0], files, what);
		try {
			SparkTasks.run(jsc, missing, "ConceptScope concepts, " + PASSES.get(pass - 1), task, (c, result) -> {
				int[] chunk = chunks.get(c);
				try {
					work.write(partName(pass, c), key, encode(result), "pass " + pass + " part " + c + " files " + (chunk[0] + 1) + "-" + chunk[1]
						+ " computed");
				} catch (IOException e) {
					// one sentence naming the file; SparkTasks cancels the tasks left
					throw new IOException(ResumableParts.writeFailure(s.saveDir(), e, true), e);
				}
				results.set(c, result);
				done[0] += chunk[1] - chunk[0];
				progress.report(done[0], files, what);
				return true;
			});
		} finally {
			progress.finish();
		}
		return results;
	}

	/** A task's result as a part's bytes (Java serialization, as Spark ships it). */
	static byte[] encode(Object result) throws IOException {
		java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
		try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(bytes)) {
			out.writeObject(result);
		}
		return bytes.toByteArray();
	}

	/** Only the job's records, collections and boxed numbers are read back from a part. */
	private static final java.io.ObjectInputFilter PART_CLASSES = java.io.ObjectInputFilter.Config.createFilter(
		"org.conceptscope.spark.*;" + InputWarnings.class.getName() + ";java.util.*;java.lang.*;!*");

	/** A part's result; a part that does not hold one (of another version) is refused with what to do. */
	static <T> T decode(byte[] bytes, Class<T> type, Path file) throws IOException {
		try (java.io.ObjectInputStream in = new java.io.ObjectInputStream(new java.io.ByteArrayInputStream(bytes))) {
			in.setObjectInputFilter(PART_CLASSES);
			return type.cast(in.readObject());
		} catch (ClassNotFoundException | ClassCastException | java.io.InvalidClassException | java.io.StreamCorruptedException e) {
			throw new IllegalArgumentException("The part " + file + " does not hold what this version computes: add restart to compute the job"
				+ " afresh.", e);
		}
	}

	/** The chunk's selected crops' keys, the `samples` smallest, ascending. */
	static double[] keys(Settings s, Scanned r, int target) {
		return r.entries().stream().filter(e -> selected(s, e, target))
			.flatMapToDouble(e -> java.util.stream.IntStream.range(0, r.cropsPerImage()).mapToDouble(k -> key(s.seed(), e, k)))
			.sorted().limit(s.samples()).toArray();
	}

	/** CRAFT's options for the job (Concept Discovery's NMF tolerance and iteration cap). */
	static CraftOptions options(Settings s, String layer) {
		return new CraftOptions(layer, s.patch(), s.stride(), s.concepts(), s.seed(), ConceptDiscoveryRun.TOLERANCE,
			ConceptDiscoveryRun.MAX_ITERATIONS, s.examples());
	}

	// --- on the executors ---

	/**
	 * Files [from, to) as one normalised batch, and where each entry lies: {file, entry, slice, x, y}
	 * as in {@link Entry}. Each pass
	 * reads its files again: holding a cohort in memory between passes is what the passes avoid.
	 */
	record Chunk(FloatTensor x, List<int[]> where, InputWarnings far) {

		/**
		 * @param checkDomain whether to compare each file with the model's training domain (pass 1: the
		 *        driver counts the far files once, where each task would log them pass after pass)
		 */
		static Chunk load(Classifier classifier, Path folder, List<String> files, int from, int to, boolean checkDomain) {
			List<ImagePlus> images = new ArrayList<>(), opened = new ArrayList<>();
			List<int[]> where = new ArrayList<>();
			for (int f = from; f < to; f++) {
				// as Concept Discovery opens them: a truncated TIFF or an unreadable file is one sentence naming it
				ImagePlus imp = org.conceptscope.fiji.image.ImageFiles.open(folder.resolve(files.get(f)), false);
				opened.add(imp);
				// an image larger than the model's input is its tiles, as in Concept Discovery; the driver says so once, not each pass
				ImagePlus samples = ModelSizeInputs.samples(new ImageSet(List.of(imp)), classifier, CommandSpecs.CONCEPT_DISCOVERY, null)
					.images().get(0);
				images.add(samples);
				for (int z = 0; z < ImagePlusTensors.batches(samples).size(); z++) {
					ImageTiles.Place at = ImageTiles.place(samples, z);
					where.add(new int[] { f, z + 1, at.entry() + 1, at.x(), at.y() });
				}
			}
			// the files as opened, once each: the samples are the model's size, a palette already read as its colours
			InputWarnings far = new InputWarnings();
			if (checkDomain) for (ImagePlus imp : opened) far.add(imp, classifier);
			return new Chunk(Models.input(new ImageSet(images), classifier, null), where, far);
		}

		/** Each entry's prediction. */
		List<Entry> entries(Classifier classifier, int target) {
			FloatTensor p = classifier.probabilities(x);
			int[] predicted = p.argmaxRows();
			List<Entry> out = new ArrayList<>();
			for (int i = 0; i < where.size(); i++) {
				int[] w = where.get(i);
				out.add(new Entry(w[0], w[1], w[2], w[3], w[4], predicted[i], p.get(i, target)));
			}
			return out;
		}
	}

	private static Classifier model(String shipped) {
		return TaskModels.open(ModelArchive.local(shipped));
	}

	/** The n smallest of two ascending key arrays, ascending. */
	static double[] smallestKeys(double[] a, double[] b, int n) {
		double[] out = new double[Math.min(n, a.length + b.length)];
		int i = 0, j = 0;
		for (int k = 0; k < out.length; k++) out[k] = j >= b.length || i < a.length && a[i] <= b[j] ? a[i++] : b[j++];
		return out;
	}

	private static Scanned scan(Settings s, String shipped, int target, CraftOptions o, List<String> files, int[] c) {
		Classifier classifier = model(shipped);
		Chunk chunk = Chunk.load(classifier, s.input(), files, c[0], c[1], true);
		return new Scanned(chunk.entries(classifier, target), cropsPerImage(chunk.x(), o), chunk.far());
	}

	private static Sampled sample(Settings s, String shipped, int target, CraftOptions o, List<String> files, int[] c, double threshold) {
		Classifier classifier = model(shipped);
		Chunk chunk = Chunk.load(classifier, s.input(), files, c[0], c[1], false);
		List<Entry> entries = chunk.entries(classifier, target);
		int perImage = cropsPerImage(chunk.x(), o);
		// the crops sampled, by number (image after image), each key drawn once
		int[] cropOf = java.util.stream.IntStream.range(0, entries.size() * perImage).filter(i -> selected(s, entries.get(i / perImage), target)
			&& key(s.seed(), entries.get(i / perImage), i % perImage) <= threshold).toArray();
		Craft.Crops crops = Craft.crops(classifier, chunk.x(), o, i -> Arrays.binarySearch(cropOf, i) >= 0, Progress.NONE);
		List<Row> rows = new ArrayList<>();
		for (int r = 0; r < crops.rows().length; r++) {
			Craft.CropOrigin origin = crops.origins().get(r);
			Entry e = entries.get(origin.image());
			rows.add(new Row(e.file(), e.entry(), cropOf[r] % perImage, origin.x(), origin.y(), origin.size(), crops.rows()[r]));
		}
		return new Sampled(rows, crops.clipped(), crops.values());
	}

	private static Located locate(Settings s, String shipped, int target, List<String> files, int[] c, String bankJson) throws IOException {
		Classifier classifier = model(shipped);
		ConceptBank bank = ConceptBank.fromJson(bankJson, "The broadcast concept bank");
		Chunk chunk = Chunk.load(classifier, s.input(), files, c[0], c[1], false);
		List<Entry> entries = chunk.entries(classifier, target);
		List<Integer> chosen = new ArrayList<>();
		for (int i = 0; i < entries.size(); i++) if (selected(s, entries.get(i), target)) chosen.add(i);
		double[] sum = new double[bank.size()];
		Map<List<Integer>, double[]> presence = new LinkedHashMap<>();
		if (chosen.isEmpty()) return new Located(sum, 0, presence);
		FloatTensor picked = rowsOf(chunk.x(), chosen);
		double[] mean = ConceptImportance.sobol(classifier, bank, picked, s.designs(), s.seed(), Progress.NONE);
		for (int k = 0; k < sum.length; k++) sum[k] = mean[k] * chosen.size();
		FloatTensor coarse = ConceptLocalization.localize(classifier, bank, picked).coarse();
		int positions = (int) (coarse.dim(1) * coarse.dim(2)), k = bank.size();
		for (int j = 0; j < chosen.size(); j++) {
			double[] p = new double[k];
			for (int q = 0; q < positions; q++) for (int m = 0; m < k; m++) p[m] += coarse.data()[(j * positions + q) * k + m] / positions;
			Entry e = entries.get(chosen.get(j));
			presence.put(List.of(e.file(), e.entry()), p);
		}
		return new Located(sum, chosen.size(), presence);
	}

	private static boolean selected(Settings s, Entry e, int target) {
		return !s.selectPredicted() || e.predicted() == target;
	}

	private static int cropsPerImage(FloatTensor x, CraftOptions o) {
		return Craft.cropsPerImage(x.dim(1), x.dim(2), o);
	}

	/** A uniform key in [0, 1) for crop k of an image, the same whatever task sees it (SplitMix64 of seed, file, entry, crop). */
	static double key(long seed, Entry e, int crop) {
		// file and entry side by side in one long: a file of many tiles (over 2^20) keeps its keys apart from the next file's
		long z = seed * 0x9E3779B97F4A7C15L + (((long) e.file() << 32) | e.entry()) * 0xD1B54A32D192ED03L + crop;
		z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
		z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
		z = z ^ (z >>> 31);
		return (z >>> 11) * 0x1.0p-53;
	}

	private static FloatTensor rowsOf(FloatTensor x, List<Integer> rows) {
		long[] shape = x.shape().clone();
		int per = (int) (FloatTensor.sizeOf(shape) / shape[0]);
		shape[0] = rows.size();
		float[] out = new float[rows.size() * per];
		for (int j = 0; j < rows.size(); j++) System.arraycopy(x.data(), rows.get(j) * per, out, j * per, per);
		return new FloatTensor(shape, out);
	}

	// --- on the driver: the files ---

	private static List<Path> write(Settings s, ConceptBank bank, List<String> files, List<Entry> entries,
		Map<List<Integer>, double[]> presence, SparkBatch.LazyContext spark, ResumableParts work) throws IOException {
		Path dir = s.saveDir();
		Path bankFile = dir.resolve(BANK), importance = dir.resolve(IMPORTANCE), perImage = dir.resolve(PER_IMAGE);
		Path parquet = SparkBatch.parquet(perImage);
		SaveSet.all(set -> { // the three files together; the Parquet table is then made from the CSV in place
			set.stage(() -> Folders.deleteTree(parquet), () -> {}); // an older table goes with them: never one of another run beside them
			bank.save(bankFile);
			List<List<String>> rows = new ArrayList<>();
			for (int k = 0; k < bank.size(); k++) rows.add(List.of(Integer.toString(k + 1), Numbers.number(bank.importance[k])));
			ResultsCsvWriter.write(List.of("concept", "importance"), rows, importance);
			List<String> header = new ArrayList<>(List.of("file", "slice", "x", "y", "predicted", "p_" + bank.className, "selected"));
			for (int k = 1; k <= bank.size(); k++) header.add("concept_" + k);
			header.add("dominant_concept");
			rows = new ArrayList<>();
			for (Entry e : entries) {
				double[] p = presence.get(List.of(e.file(), e.entry()));
				List<String> row = new ArrayList<>(List.of(files.get(e.file()), Integer.toString(e.slice()), Integer.toString(e.x()),
					Integer.toString(e.y()), Integer.toString(e.predicted()),
					Numbers.number(e.targetProbability()), Boolean.toString(p != null)));
				int dominant = 0;
				for (int k = 0; k < bank.size(); k++) {
					row.add(p == null ? "" : Numbers.number(p[k]));
					if (p != null && p[k] > p[dominant]) dominant = k;
				}
				row.add(p == null ? "" : Integer.toString(dominant + 1));
				rows.add(row);
			}
			ResultsCsvWriter.write(header, rows, perImage);
			return null;
		});
		work.complete(); // the three files are in place: the parts are no longer needed
		writeParquet(dir, perImage, parquet, spark);
		return List.of(bankFile, importance, perImage, parquet);
	}
}
