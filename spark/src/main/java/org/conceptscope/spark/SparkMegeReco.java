package org.conceptscope.spark;

import ij.ImagePlus;

import java.io.IOException;
import java.io.PrintStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.conceptscope.fiji.batch.InputWarnings;
import org.conceptscope.fiji.image.ImageFiles;
import org.conceptscope.fiji.image.ImagePlusTensors;
import org.conceptscope.fiji.image.ImageSet;
import org.conceptscope.fiji.image.LabelledFolder;
import org.conceptscope.fiji.run.Models;
import org.conceptscope.fiji.run.EvaluationSettings;
import org.conceptscope.fiji.run.MegeRecoRun;
import org.conceptscope.fiji.run.ModelSizeInputs;
import org.conceptscope.fiji.param.CommandSpecs;
import org.conceptscope.metrics.MegeReco;
import org.conceptscope.model.Classifier;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Folders;
import org.conceptscope.util.Limits;
import org.conceptscope.util.Progress;

/**
 * Evaluate Explanation's MeGe/ReCo on Spark: {@code mege_reco folder=<labelled folder> model=...
 * [methods= folds= training_steps= seed= architecture=] save_dir=...}. The k fold models are
 * trained as k parallel tasks (each reads the labelled folder, as the trainer needs its fold's
 * images in one place); they are shipped to the executors like the model; then the images are
 * explained by every fold model in parallel tasks of {@code batch} files, each task reducing its
 * maps to the distances of its pairs ({@link MegeReco#part}), which the driver merges. Folds,
 * models and pairs are those of Evaluate Explanation on the same folder, so are the results and
 * the CSV ({@code <folder name>-mege_reco.csv}).
 */
final class SparkMegeReco {

	/** The launcher's first argument that starts this job. */
	static final String COMMAND = EvaluationSettings.MEGE_RECO;
	static final String BATCH = "batch";
	static final int DEFAULT_BATCH = 16;
	static final List<String> KEYS = List.of(EvaluationSettings.MODEL, EvaluationSettings.FOLDER, EvaluationSettings.METHODS,
		EvaluationSettings.FOLDS, EvaluationSettings.TRAINING_STEPS, EvaluationSettings.SEED, EvaluationSettings.ARCHITECTURE,
		EvaluationSettings.SAVE_DIR, BATCH, SparkBatch.MASTER);

	static final String USAGE = String.join("\n",
		"Usage: java -jar conceptscope-spark.jar " + COMMAND + " folder=<one subfolder of images per class> model=<model folder>",
		"           save_dir=<folder> [methods=" + EvaluationSettings.DEFAULT_METHODS + " folds=" + EvaluationSettings.DEFAULT_FOLDS
			+ " training_steps=" + EvaluationSettings.DEFAULT_TRAINING_STEPS + " seed=" + EvaluationSettings.DEFAULT_SEED
			+ " architecture=]",
		"           [batch=" + DEFAULT_BATCH + " files per task] [master=local[*]]",
		"MeGe and ReCo (Evaluate Explanation's mege_reco): the fold models trained in parallel, the images explained in parallel.",
		"Writes <folder name>-mege_reco.csv.");

	/** The job's keys, as given: executors rebuild the settings from them. */
	record Job(Map<String, String> keys, int batch, String master) implements Serializable {

		EvaluationSettings settings() {
			EvaluationSettings s = new EvaluationSettings();
			s.metric = EvaluationSettings.MEGE_RECO;
			s.model = Path.of(keys.get(EvaluationSettings.MODEL));
			s.folder = Path.of(keys.get(EvaluationSettings.FOLDER));
			s.methods = keys.getOrDefault(EvaluationSettings.METHODS, EvaluationSettings.DEFAULT_METHODS);
			s.architecture = keys.getOrDefault(EvaluationSettings.ARCHITECTURE, EvaluationSettings.DEFAULT_ARCHITECTURE);
			s.folds = Integer.parseInt(keys.getOrDefault(EvaluationSettings.FOLDS, Integer.toString(EvaluationSettings.DEFAULT_FOLDS)));
			s.trainingSteps = Integer.parseInt(keys.getOrDefault(EvaluationSettings.TRAINING_STEPS,
				Integer.toString(EvaluationSettings.DEFAULT_TRAINING_STEPS)));
			s.seed = Long.parseLong(keys.getOrDefault(EvaluationSettings.SEED, Long.toString(EvaluationSettings.DEFAULT_SEED)));
			String save = keys.get(EvaluationSettings.SAVE_DIR);
			s.saveDir = save == null ? null : Path.of(save);
			return s;
		}
	}

	/**
	 * A trained fold model as a zip of its folder, how many images each labelled file holds, and (fold 0
	 * only: every fold reads the same files) the files far from what the model was trained on.
	 */
	record FoldModel(int fold, byte[] zip, int[] imagesPerFile, int[] sources, InputWarnings far) implements Serializable {}

	/** A stage-2 task's files: [from, to) of the labelled folder's files, the index of their first image and how many they hold. */
	record Chunk(int from, int to, int firstImage, int images) implements Serializable {}

	private SparkMegeReco() {}

	static int run(String[] args, PrintStream out, PrintStream err, SparkParts.TaskHook hook) {
		if (args.length == 0) {
			err.println(USAGE);
			return 2;
		}
		Job job;
		try {
			job = parse(args);
		} catch (IllegalArgumentException e) {
			err.println("ConceptScope Spark mege_reco: " + e.getMessage());
			err.println(USAGE);
			return 2;
		}
		try (SparkBatch.LazyContext spark = new SparkBatch.LazyContext(job.master())) {
			evaluate(job, spark, err, hook).forEach(out::println);
			return 0;
		} catch (Exception e) {
			err.println("ConceptScope Spark mege_reco: " + SparkParts.sentence(e));
			return 1;
		}
	}

	static Job parse(String[] args) {
		Keys v = Keys.parse(args, KEYS);
		Map<String, String> keys = new java.util.LinkedHashMap<>();
		for (String k : KEYS) if (v.has(k) && !k.equals(BATCH) && !k.equals(SparkBatch.MASTER)) keys.put(k, v.get(k, ""));
		// absolute here, on the driver: the executors rebuild the settings from these keys in their own working folders
		for (String k : List.of(EvaluationSettings.MODEL, EvaluationSettings.FOLDER, EvaluationSettings.SAVE_DIR)) {
			if (v.path(k) != null) keys.put(k, v.path(k).toAbsolutePath().normalize().toString());
		}
		if (v.path(EvaluationSettings.MODEL) == null) throw Models.noModel();
		if (v.path(EvaluationSettings.FOLDER) == null) {
			throw new IllegalArgumentException("No labelled images given: set folder=<a folder with one subfolder of images per class>.");
		}
		if (v.path(EvaluationSettings.SAVE_DIR) == null) {
			throw new IllegalArgumentException("No output folder given: set save_dir=<folder> (created if missing).");
		}
		SparkParts.checkWritable(v.path(EvaluationSettings.SAVE_DIR)); // before the folds are trained, not after
		// whole numbers checked with the key's name before the settings read them
		v.integer(EvaluationSettings.FOLDS, EvaluationSettings.DEFAULT_FOLDS, 2);
		v.integer(EvaluationSettings.TRAINING_STEPS, EvaluationSettings.DEFAULT_TRAINING_STEPS, 1);
		if (v.has(EvaluationSettings.SEED)) v.number(EvaluationSettings.SEED);
		Job job = new Job(keys, v.integer(BATCH, DEFAULT_BATCH, 1), v.master());
		job.settings().validate();
		return job;
	}

	static List<Path> evaluate(Job job, SparkBatch.LazyContext spark, PrintStream log, SparkParts.TaskHook hook) throws IOException {
		EvaluationSettings s = job.settings();
		List<LabelledFolder.LabelledFile> files;
		MegeReco mege;
		long perImage;
		try (TensorFlowClassifier model = Models.openTensorFlow(s.model, "MeGe/ReCo")) {
			// the architecture, the folder's classes and the methods are checked before Spark starts
			mege = MegeRecoRun.evaluation(MegeReco.architectureFor(model, s.architecture), s);
			long pixels = model.signature().height() * model.signature().width(); // fixed: architectureFor refuses any other
			perImage = taskBytesPerImage(pixels, pixels * model.signature().channels(), s.folds);
			files = LabelledFolder.files(s.folder, model.classNames());
			MegeRecoRun.methods(s);
		}
		JavaSparkContext jsc = spark.get();
		String model = ModelArchive.ship(jsc.sc(), s.model);
		Path scratch = Files.createTempDirectory("conceptscope-mege-");
		try {
			// Stage 1: the k fold models, one task each.
			List<Integer> folds = new ArrayList<>();
			for (int f = 0; f < s.folds; f++) folds.add(f);
			List<FoldModel> trained = new ArrayList<>(jsc.parallelize(folds, folds.size()).map(f -> Models.notesSaidByCaller(() -> train(job, model, f, hook))).collect());
			trained.sort(java.util.Comparator.comparingInt(FoldModel::fold));
			int[] perFile = trained.get(0).imagesPerFile();
			boolean sameImages = trained.stream().allMatch(m -> Arrays.equals(m.imagesPerFile(), perFile)
				&& Arrays.equals(m.sources(), trained.get(0).sources()));
			if (perFile.length != files.size() || !sameImages) {
				throw new IllegalStateException("The folder " + s.folder + " changed while the fold models were trained: run again.");
			}
			List<String> shipped = shipFolds(jsc.sc(), trained, scratch);
			int tiled = tiledFiles(perFile, trained.get(0).sources());
			log.println("ConceptScope Spark mege_reco: " + s.folds + " fold models trained on " + Arrays.stream(perFile).sum() + " images"
				+ (tiled == 0 ? "" : " (the tiles of the input's size of " + tiled + " file(s) larger than the model's input; an image's tiles"
					+ " share a fold)") + ".");
			// the batch runner's lines, said once by the driver for fold 0's check of the files
			trained.get(0).far().lines(false).forEach(log::println);

			// Stage 2: every image explained by every fold model, in tasks of `batch` files; each task returns its pairs.
			long taskHeap = taskHeap(jsc);
			List<Chunk> chunks = chunks(perFile, job.batch(), taskHeap, perImage, files);
			log.println("ConceptScope Spark mege_reco: the images explained in " + chunks.size() + " task(s) of at most " + job.batch()
				+ " file(s) and " + imagesFitting(taskHeap, perImage) + " image(s), what a task's share of an executor's heap ("
				+ Limits.readableSize(taskHeap) + ") holds.");
			List<String[]> paths = files.stream().map(f -> new String[] { f.file().toString(), Integer.toString(f.label()) }).toList();
			Broadcast<List<String[]>> listing = jsc.broadcast(new ArrayList<>(paths));
			// a file's tiles share their slice's fold, as in the local run
			Broadcast<int[]> foldOf = jsc.broadcast(mege.folds(trained.get(0).sources()));
			// merged on the driver in chunk order (collect keeps the partitions' order), as the local run merges them: Spark's
			// reduce joins them as tasks finish, so the pairs' order, and the means' last digits, changed from run to run
			MegeReco.Part all = jsc.parallelize(chunks, chunks.size()).map(c -> Models.notesSaidByCaller(() -> explain(job, model, shipped, listing.value(), foldOf.value(), c)))
				.collect().stream().reduce(MegeReco.Part::merge).orElseThrow();
			listing.destroy();
			foldOf.destroy();
			return MegeRecoRun.report(s, all.results()).written();
		} finally {
			Folders.deleteTree(scratch);
		}
	}

	/**
	 * Heap bytes an image takes in a stage-2 task: {@link MegeReco#bytesPerImage} at {@link MegeReco#part}'s peak, plus the
	 * image itself, which the task holds (the model's input, one float a value, and the opened file's pixels, at most as much).
	 */
	static long taskBytesPerImage(long pixels, long values, int folds) {
		return MegeReco.bytesPerImage(pixels, values, folds) + 8 * values;
	}

	/**
	 * The heap one stage-2 task may use: with a local master the tasks are threads of this JVM, as many at once as the
	 * master's threads; on a cluster an executor's heap ({@code spark.executor.memory}, 1g unless set) is shared by the tasks
	 * it runs at once ({@code spark.executor.cores / spark.task.cpus}).
	 */
	static long taskHeap(JavaSparkContext jsc) {
		org.apache.spark.SparkConf conf = jsc.getConf();
		if (jsc.sc().isLocal()) return Runtime.getRuntime().maxMemory() / Math.max(1, jsc.sc().defaultParallelism());
		long heap = conf.getSizeAsBytes("spark.executor.memory", "1g");
		return heap / Math.max(1, conf.getInt("spark.executor.cores", 1) / Math.max(1, conf.getInt("spark.task.cpus", 1)));
	}

	/** How many images a task's heap holds, with {@link Limits#checkImagesHeap}'s margin of a quarter. */
	static long imagesFitting(long taskHeap, long perImage) {
		return (long) (taskHeap / 1.25 / Math.max(1, perImage));
	}

	/**
	 * The stage-2 tasks: at most {@code batch} files each, and no more images than {@link #imagesFitting} (a task ends
	 * early rather than run out of memory; the pairs are merged in order, so the results are the same). A file whose
	 * images alone do not fit is refused here, before any is explained, with the keys that give a task more heap.
	 */
	static List<Chunk> chunks(int[] perFile, int batch, long taskHeap, long perImage, List<LabelledFolder.LabelledFile> files) {
		long fit = imagesFitting(taskHeap, perImage);
		for (int i = 0; i < perFile.length; i++) {
			if (perFile[i] > fit) {
				throw new IllegalArgumentException("The file " + files.get(i).file() + " holds " + perFile[i] + " image(s) or tiles, which need"
					+ " about " + Limits.readableSize((long) (perFile[i] * (double) perImage * 1.25)) + " of heap for MeGe/ReCo's explanations,"
					+ " more than the " + Limits.readableSize(taskHeap) + " a task has (an executor's heap shared by the tasks it runs at once):"
					+ " give the executors more memory (spark.executor.memory; with a local master the driver's, -Xmx or spark.driver.memory)"
					+ " or run fewer tasks at once (spark.executor.cores; master=local[n] with a smaller n).");
			}
		}
		List<Chunk> chunks = new ArrayList<>();
		int first = 0;
		for (int from = 0; from < perFile.length;) {
			int to = from, images = 0;
			while (to < perFile.length && to - from < batch && images + perFile[to] <= fit) images += perFile[to++];
			chunks.add(new Chunk(from, to, first, images));
			first += images;
			from = to;
		}
		return chunks;
	}

	/**
	 * Where the stage-2 tasks find the fold models: with a local master (the tasks are this JVM's threads) each is
	 * unpacked into the job's {@code scratch} folder and read there, deleted with it when the job ends; on a cluster
	 * each is shipped as its zip. (A local job once shipped them too, and Spark's copy of each zip stayed in the
	 * temporary folder until the JVM exited.)
	 */
	static List<String> shipFolds(org.apache.spark.SparkContext sc, List<FoldModel> trained, Path scratch) throws IOException {
		List<String> shipped = new ArrayList<>();
		for (FoldModel m : trained) {
			String name = "mege-fold-" + m.fold();
			if (sc.isLocal()) {
				ModelArchive.unzip(m.zip(), scratch);
				shipped.add(scratch.resolve(name).toAbsolutePath().normalize().toString());
			} else {
				Path zip = scratch.resolve(name + ".zip");
				Files.write(zip, m.zip());
				shipped.add(ModelArchive.shipZip(sc, zip, name));
			}
		}
		return shipped;
	}

	/** How many files hold more images than slices: those taken as their tiles. */
	static int tiledFiles(int[] perFile, int[] sources) {
		int tiled = 0;
		for (int f = 0, first = 0; f < perFile.length; first += perFile[f], f++) {
			long slices = Arrays.stream(sources, first, first + perFile[f]).distinct().count();
			if (slices < perFile[f]) tiled++;
		}
		return tiled;
	}

	// --- on the executors ---

	/** Trains fold f's model from the labelled folder, as Evaluate Explanation does, and returns its folder zipped. */
	private static FoldModel train(Job job, String shipped, int f, SparkParts.TaskHook hook) throws IOException {
		EvaluationSettings s = job.settings();
		Path dir = Files.createTempDirectory("conceptscope-fold-");
		try {
			LabelledFolder.Data data;
			MegeReco mege;
			InputWarnings far = new InputWarnings();
			try (TensorFlowClassifier model = TensorFlowClassifier.load(ModelArchive.local(shipped))) {
				data = Models.labelledFolder(s.folder, model, CommandSpecs.EVALUATE_EXPLANATION, null, Progress.NONE); // the driver says it once
				mege = MegeRecoRun.evaluation(MegeReco.architectureFor(model, s.architecture), s);
				if (f == 0) {
					// each file's samples as the model reads them (a palette already its colours), and the file as opened (its header:
					// calibration and palette, a TIFF read virtually) for the pixel size and the palette note
					List<LabelledFolder.LabelledFile> files = LabelledFolder.files(s.folder, model.classNames());
					List<ImagePlus> read = data.images().images();
					if (files.size() != read.size()) { // listed twice: paired by index only while the listings agree
						throw new IllegalStateException("The folder " + s.folder + " changed while it was read: run again.");
					}
					for (int i = 0; i < read.size(); i++) {
						Path file = files.get(i).file();
						ImagePlus opened = ImageFiles.open(file, true);
						opened.setTitle(file.getParent().getFileName() + "/" + opened.getTitle()); // named as the samples are: bone/a.tif
						far.add(opened, read.get(i), model);
					}
				}
			}
			Path folder = dir.resolve("mege-fold-" + f);
			mege.trainFold(data.tensor(), data.labels(), mege.folds(data.images().sources()), f, folder, Progress.NONE);
			// zipped inside the task's folder, which goes with it
			byte[] bytes = Files.readAllBytes(ModelArchive.zip(folder, dir.resolve(folder.getFileName() + ".zip")));
			TaskContext task = TaskContext.get();
			hook.partComputed(f, task == null ? 0 : task.attemptNumber());
			return new FoldModel(f, bytes, data.images().images().stream().mapToInt(imp -> ImagePlusTensors.batches(imp).size()).toArray(),
				data.images().sources(), far);
		} finally {
			Folders.deleteTree(dir);
		}
	}

	/** The pairs of one task's files: each image explained by the k fold models. */
	private static MegeReco.Part explain(Job job, String shipped, List<String> folds, List<String[]> listing, int[] foldOf, Chunk c) {
		EvaluationSettings s = job.settings();
		List<Path> paths = new ArrayList<>(List.of(ModelArchive.local(shipped)));
		for (String f : folds) paths.add(ModelArchive.local(f));
		List<Classifier> opened = TaskModels.openTogether(paths);
		Classifier model = opened.get(0);
		List<Classifier> models = opened.subList(1, opened.size());
		List<ImagePlus> images = new ArrayList<>();
		List<Integer> labels = new ArrayList<>();
		for (int i = c.from(); i < c.to(); i++) images.add(ImageFiles.open(Path.of(listing.get(i)[0]), false));
		// palettes as their colours and large images as their tiles, as in the local run
		ImageSet samples = ModelSizeInputs.samples(new ImageSet(images), model, CommandSpecs.EVALUATE_EXPLANATION, null);
		for (int i = c.from(); i < c.to(); i++) {
			int entries = ImagePlusTensors.batches(samples.images().get(i - c.from())).size();
			for (int e = 0; e < entries; e++) labels.add(Integer.parseInt(listing.get(i)[1]));
		}
		FloatTensor x = Models.input(samples, model, null); // compared with the model's domain in stage 1
		if (labels.size() != c.images()) {
			throw new IllegalStateException("The files of " + Path.of(listing.get(c.from())[0]).getParent()
				+ " changed while MeGe/ReCo ran (they hold other images than when the fold models were trained): run again.");
		}
		int[] fold = Arrays.copyOfRange(foldOf, c.firstImage(), c.firstImage() + labels.size());
		// random methods draw per image from (seed, image index): the index over the whole folder, as in the local run
		List<org.conceptscope.attribution.AttributionMethod> methods = MegeRecoRun.methods(s).stream()
			.map(m -> m.numberingImagesFrom(c.firstImage())).toList();
		return MegeReco.part(models, x, labels.stream().mapToInt(Integer::intValue).toArray(), fold, methods, Progress.NONE);
	}
}
