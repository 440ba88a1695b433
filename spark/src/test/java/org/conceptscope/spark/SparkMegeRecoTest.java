package org.conceptscope.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;
import ij.process.ImageProcessor;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.conceptscope.fiji.run.EvaluationRun;
import org.conceptscope.fiji.run.EvaluationSettings;
import org.conceptscope.testmodels.LabelledPatchFolders;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * MeGe/ReCo on Spark against Evaluate Explanation on the same labelled folder of CT patches (one
 * class as a stack, the others as single-image files, so tasks get unequal files): the same fold
 * models, pairs, accuracies, MeGe and ReCo, whatever the tasks; a fold training killed on its
 * first try is retried and counted once; bad keys and folders get their sentence before Spark
 * starts.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SparkMegeRecoTest {

	static final Path MODEL = SparkBatchTest.TEST_IMAGES.resolve("models/ct-tissue");

	@TempDir
	Path work;

	private Path folder;
	private List<List<String>> reference;

	@BeforeAll
	void folderAndReference(@TempDir Path images) throws IOException {
		folder = LabelledPatchFolders.ct(images.resolve("ct labelled"), 12);
		// two classes' stacks become single-image files, named in slice order
		try (var subs = Files.list(folder)) {
			for (Path sub : subs.sorted().skip(1).toList()) {
				Path stack = sub.resolve("patches.tif");
				ImagePlus imp = IJ.openImage(stack.toString());
				for (int z = 1; z <= imp.getStackSize(); z++) {
					assertTrue(IJ.saveAsTiff(new ImagePlus("p" + z, imp.getStack().getProcessor(z).duplicate()),
						sub.resolve(String.format("patch-%02d.tif", z)).toString()));
				}
				Files.delete(stack);
			}
		}
		// smoothgrad draws its noise per image from (seed, image index): Spark's tasks must number images as the whole folder does
		reference = evaluateExplanation(folder, "gradient_x_input,saliency,random,smoothgrad", 120, images.resolve("single-jvm"));
	}

	/** Evaluate Explanation's mege_reco table of a folder, 3 folds, seed 7, in this JVM. */
	private static List<List<String>> evaluateExplanation(Path folder, String methods, int trainingSteps, Path saveDir) throws IOException {
		return evaluateExplanation(MODEL, folder, methods, trainingSteps, saveDir);
	}

	private static List<List<String>> evaluateExplanation(Path model, Path folder, String methods, int trainingSteps, Path saveDir)
		throws IOException {
		EvaluationSettings s = new EvaluationSettings();
		s.model = model;
		s.metric = EvaluationSettings.MEGE_RECO;
		s.folder = folder;
		s.methods = methods;
		s.folds = 3;
		s.trainingSteps = trainingSteps;
		s.seed = 7;
		s.saveDir = saveDir;
		EvaluationRun.run(null, s, Progress.NONE);
		return csv(saveDir.resolve(folder.getFileName() + "-mege_reco.csv"));
	}

	private String[] args(Path saveDir, String... more) {
		List<String> a = new ArrayList<>(List.of("folder=" + folder, "model=" + MODEL, "save_dir=" + saveDir,
			"methods=gradient_x_input,saliency,random,smoothgrad", "folds=3", "training_steps=120", "seed=7"));
		a.addAll(List.of(more));
		return a.toArray(String[]::new);
	}

	@Test
	void sparkGivesEvaluateExplanationsResultsWhateverTheTasks() throws IOException {
		for (String batch : List.of("batch=5", "batch=1")) {
			Path out = work.resolve("spark-" + batch);
			Run run = run(args(out, batch, "master=local[2]"), SparkParts.TaskHook.NONE);
			assertEquals(0, run.status(), run.err());
			assertTrue(run.err().contains("3 fold models trained on 36 images."), "no tiles in a folder of patches: " + run.err());
			assertEquals(out.resolve("ct labelled-mege_reco.csv").toString(), run.out().trim());
			assertSameTable(reference, csv(out.resolve("ct labelled-mege_reco.csv")));
		}
		// the table says something: the explanations of models that never saw an image agree more than random maps
		List<String> header = reference.get(0);
		double gxi = Double.parseDouble(reference.get(1).get(header.indexOf("mege"))),
			random = Double.parseDouble(reference.get(3).get(header.indexOf("mege")));
		assertTrue(gxi > random, "gradient x input " + gxi + " vs random " + random);
	}

	/** What one of the CT model's images (16x16) costs an explaining task with 3 fold models. */
	private static long ctTaskBytesPerImage() throws IOException {
		try (var model = org.conceptscope.model.TensorFlowClassifier.load(MODEL)) {
			long pixels = model.signature().height() * model.signature().width();
			return SparkMegeReco.taskBytesPerImage(pixels, pixels * model.signature().channels(), 3);
		}
	}

	/**
	 * The job sizes its explaining tasks by a task's share of the heap (local[2]: half this JVM's) and says so; one task
	 * of all 25 files, as batch=100 asks, fits, and gives the same table.
	 */
	@Test
	void theJobSaysWhatATaskHolds() throws IOException {
		Path out = work.resolve("spark-one-task");
		Run run = run(args(out, "batch=100", "master=local[2]"), SparkParts.TaskHook.NONE);
		assertEquals(0, run.status(), run.err());
		long fit = SparkMegeReco.imagesFitting(Runtime.getRuntime().maxMemory() / 2, ctTaskBytesPerImage());
		assertTrue(run.err().contains("the images explained in 1 task(s) of at most 100 file(s) and " + fit + " image(s)"), run.err());
		assertSameTable(reference, csv(out.resolve("ct labelled-mege_reco.csv")));
	}

	/**
	 * A task ends before its batch of files when the next file's images would not fit its heap (the folder's files: the
	 * 12-slice stack, then 24 single images), keeping the images' numbering; a file too large alone is refused with the
	 * keys that give a task more heap. (A master of thousands of threads would shrink a task's share as far in a real job,
	 * but Spark starts a thread per core.)
	 */
	@Test
	void tasksHoldWhatTheirShareOfTheHeapHolds() throws IOException {
		long perImage = ctTaskBytesPerImage(), thirteen = (long) (1.25 * perImage * 13.5);
		assertEquals(13, SparkMegeReco.imagesFitting(thirteen, perImage));
		List<org.conceptscope.fiji.image.LabelledFolder.LabelledFile> files;
		try (var model = org.conceptscope.model.TensorFlowClassifier.load(MODEL)) {
			files = org.conceptscope.fiji.image.LabelledFolder.files(folder, model.classNames());
		}
		assertEquals(25, files.size());
		int[] perFile = files.stream().mapToInt(f -> f.file().getFileName().toString().equals("patches.tif") ? 12 : 1).toArray();
		assertEquals(36, Arrays.stream(perFile).sum());
		List<SparkMegeReco.Chunk> chunks = SparkMegeReco.chunks(perFile, 100, thirteen, perImage, files);
		assertEquals(3, chunks.size(), "36 images in tasks of at most 13: " + chunks);
		for (int i = 0, from = 0, first = 0; i < chunks.size(); i++) {
			SparkMegeReco.Chunk c = chunks.get(i);
			assertEquals(from, c.from());
			assertEquals(first, c.firstImage(), "the images keep their numbering over the folder");
			assertEquals(Arrays.stream(perFile, c.from(), c.to()).sum(), c.images());
			assertTrue(c.images() <= 13 && (c.to() == perFile.length || c.images() + perFile[c.to()] > 13), "ends only when full: " + c);
			from = c.to();
			first += c.images();
		}
		assertEquals(25, chunks.get(2).to());
		// batch still bounds the files of a task
		assertEquals(6, SparkMegeReco.chunks(perFile, 5, thirteen, perImage, files).size());

		long four = (long) (1.25 * perImage * 4.5);
		IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
			() -> SparkMegeReco.chunks(perFile, 5, four, perImage, files));
		Path stack = files.stream().map(f -> f.file()).filter(f -> f.getFileName().toString().equals("patches.tif")).findFirst().orElseThrow();
		assertTrue(e.getMessage().startsWith("The file " + stack + " holds 12 image(s) or tiles, which need about"), e.getMessage());
		assertTrue(e.getMessage().contains("spark.executor.memory") && e.getMessage().contains("master=local[n]"), e.getMessage());
	}

	/**
	 * Whole images: each 32x32 image (or slice, for the first class's stack) is four patches of its
	 * class, so the 16x16 CT model takes its tiles. Spark tiles them as Evaluate Explanation does, and
	 * an image's tiles share a fold, whatever the tasks.
	 */
	@Test
	void wholeImagesAreTiledAsEvaluateExplanationTilesThem() throws IOException {
		Path mosaics = work.resolve("ct whole");
		try (var subs = Files.list(folder)) {
			boolean first = true;
			for (Path sub : subs.sorted().toList()) {
				ImageStack patches = new ImageStack(16, 16);
				try (var files = Files.list(sub)) {
					for (Path f : files.sorted().toList()) {
						ImagePlus imp = IJ.openImage(f.toString());
						for (int z = 1; z <= imp.getStackSize(); z++) patches.addSlice(imp.getStack().getProcessor(z));
					}
				}
				ImageStack images = new ImageStack(32, 32);
				for (int i = 0; i + 4 <= patches.getSize(); i += 4) {
					ImageProcessor ip = patches.getProcessor(1).createProcessor(32, 32);
					for (int q = 0; q < 4; q++) ip.insert(patches.getProcessor(i + q + 1), 16 * (q % 2), 16 * (q / 2));
					images.addSlice(ip);
				}
				Path out = Files.createDirectories(mosaics.resolve(sub.getFileName()));
				if (first) {
					assertTrue(IJ.saveAsTiff(new ImagePlus("stack", images), out.resolve("images.tif").toString()));
				} else {
					for (int z = 1; z <= images.getSize(); z++) {
						assertTrue(IJ.saveAsTiff(new ImagePlus("i" + z, images.getProcessor(z)), out.resolve("image-" + z + ".tif").toString()));
					}
				}
				first = false;
			}
		}
		List<List<String>> local = evaluateExplanation(mosaics, "saliency,random", 60, work.resolve("whole-local"));
		Path out = work.resolve("whole-spark");
		String[] args = { "folder=" + mosaics, "model=" + MODEL, "save_dir=" + out, "methods=saliency,random", "folds=3",
			"training_steps=60", "seed=7", "batch=2", "master=local[2]" };
		Run[] ran = new Run[1];
		String printed = printed(() -> ran[0] = run(args, SparkParts.TaskHook.NONE));
		Run run = ran[0];
		assertFalse(printed.contains("is larger than the model's input"), "the tasks do not log each file's tiles: " + printed);
		assertEquals(0, run.status(), run.err());
		assertTrue(run.err().contains("3 fold models trained on 36 images (the tiles of the input's size of 7 file(s) larger than the model's"
			+ " input; an image's tiles share a fold)."), "nine images of four tiles, in a stack and six files: " + run.err());
		assertSameTable(local, csv(out.resolve("ct whole-mege_reco.csv")));
	}

	@Test
	void aFoldTrainingKilledOnItsFirstTryIsRetriedAndCountedOnce() throws IOException {
		Map<Integer, Integer> tries = new ConcurrentHashMap<>();
		// local[2,3]: each task tried up to three times; fold 1's training dies on its first try
		SparkParts.TaskHook killFirstTry = (fold, attempt) -> {
			Hooks.TRIES.merge(fold, 1, Integer::sum);
			if (fold == 1 && attempt == 0) throw new IllegalStateException("killed");
		};
		Hooks.TRIES.clear();
		Path out = work.resolve("retried");
		Run run = run(args(out, "master=local[2,3]"), killFirstTry);
		assertEquals(0, run.status(), run.err());
		tries.putAll(Hooks.TRIES);
		assertEquals(Map.of(0, 1, 1, 2, 2, 1), tries, "fold 1 trained twice, its result used once");
		assertSameTable(reference, csv(out.resolve("ct labelled-mege_reco.csv")));
	}

	/**
	 * Two files of the second class far from what the model was trained on (4000 HU added) get one line
	 * from the driver, with the sentence Evaluate Explanation writes for the first of them and the count of
	 * far files among the folder's 25 (the first class's stack is one file); the tasks print nothing.
	 */
	@Test
	void filesFarFromTheModelsDomainGetOneLineFromTheDriver() throws IOException {
		Path far = work.resolve("ct far");
		try (var files = Files.walk(folder)) {
			for (Path f : files.filter(Files::isRegularFile).toList()) {
				Path to = far.resolve(folder.relativize(f).toString());
				Files.createDirectories(to.getParent());
				Files.copy(f, to);
			}
		}
		Path second;
		try (var subs = Files.list(far)) {
			second = subs.sorted().skip(1).findFirst().orElseThrow();
		}
		for (String name : List.of("patch-07.tif", "patch-03.tif")) {
			ImagePlus imp = IJ.openImage(second.resolve(name).toString());
			imp.getProcessor().add(4000);
			assertTrue(IJ.saveAsTiff(imp, second.resolve(name).toString()));
		}
		String local = printed(() -> {
			try {
				evaluateExplanation(far, "saliency", 20, work.resolve("far-local"));
			} catch (IOException e) {
				throw new java.io.UncheckedIOException(e);
			}
		});
		List<String> localLines = local.lines().filter(l -> l.contains("far from what the model")).toList();
		assertEquals(1, localLines.size(), local);
		int at = localLines.get(0).indexOf("The image 'bone/patch-03.tif' is far");
		assertTrue(at >= 0, localLines.get(0));
		String sentence = localLines.get(0).substring(at);
		assertTrue(sentence.endsWith(" (2 of the 25 images checked are far.)"), sentence);
		sentence = sentence.substring(0, sentence.length() - " (2 of the 25 images checked are far.)".length());

		String[] args = { "folder=" + far, "model=" + MODEL, "save_dir=" + work.resolve("far-spark"), "methods=saliency", "folds=3",
			"training_steps=20", "seed=7", "batch=5", "master=local[2]" };
		Run[] ran = new Run[1];
		String printed = printed(() -> ran[0] = run(args, SparkParts.TaskHook.NONE));
		Run run = ran[0];
		assertEquals(0, run.status(), run.err());
		List<String> warnings = run.err().lines().filter(l -> l.contains("warning")).toList();
		// the batch runner's line, and Evaluate Explanation's word for word
		assertEquals(List.of("ConceptScope warning: " + sentence + " (2 of the 25 images checked are far.)"), warnings, run.err());
		assertFalse(printed.contains("far from what the model"), "the tasks print no domain line: " + printed);
	}

	/**
	 * A labelled folder of IHC patches, one RGB TIFF each, a third of them saved as 8-bit indexed colour (a palette of their
	 * own colours, as ImageJ's 8-bit Color writes them): the three-channel model reads each palette file as its colours, so
	 * Spark's table is Evaluate Explanation's, and the driver says the palette note once for the job with the count of the
	 * palette files; the tasks (fold training and explaining) print none.
	 */
	@Test
	void paletteFilesAreOneNoteFromTheDriverAndGiveEvaluateExplanationsResults(@TempDir Path images) throws IOException {
		Path palettes = images.resolve("ihc palettes");
		List<Path> files = new ArrayList<>(LabelledPatchFolders.ihcFiles(palettes, 6).keySet());
		java.util.Collections.sort(files);
		List<Path> indexed = new ArrayList<>();
		for (int i = 0; i < files.size(); i += 3) {
			Path f = files.get(i);
			ImagePlus rgb = IJ.openImage(f.toString());
			ImageProcessor colours = new ij.process.MedianCut((ij.process.ColorProcessor) rgb.getProcessor()).convertToByte(256);
			assertTrue(colours.getColorModel() instanceof java.awt.image.IndexColorModel, "an indexed-colour image");
			assertTrue(new ij.io.FileSaver(new ImagePlus(f.getFileName().toString(), colours)).saveAsTiff(f.toString()));
			indexed.add(f);
		}
		assertEquals(6, indexed.size());
		assertEquals(8, IJ.openImage(indexed.get(0).toString()).getBitDepth(), "saved as 8-bit with its palette");
		List<List<String>> local = evaluateExplanation(SparkBatchTest.MODEL, palettes, "saliency,random", 20, work.resolve("palette-local"));

		String[] args = { "folder=" + palettes, "model=" + SparkBatchTest.MODEL, "save_dir=" + work.resolve("palette-spark"),
			"methods=saliency,random", "folds=3", "training_steps=20", "seed=7", "batch=4", "master=local[2]" };
		Run[] ran = new Run[1];
		String printed = printed(() -> ran[0] = run(args, SparkParts.TaskHook.NONE));
		Run run = ran[0];
		assertEquals(0, run.status(), run.err());
		assertSameTable(local, csv(work.resolve("palette-spark").resolve("ihc palettes-mege_reco.csv")));
		List<String> notes = (run.err() + run.out() + printed).lines().filter(l -> l.contains("colour palette")).toList();
		Path first = indexed.get(0);
		assertEquals(1, notes.size(), run.err() + printed);
		assertTrue(notes.get(0).startsWith("ConceptScope note: '" + first.getParent().getFileName() + "/" + first.getFileName() + "' is an 8-bit"
			+ " image with a colour palette"), notes.get(0));
		assertTrue(notes.get(0).endsWith(" (6 of the 18 images are so.)"), notes.get(0));
		assertTrue(run.err().contains(notes.get(0)), "the driver's line, on stderr: " + run.err());
	}

	@Test
	void badKeysAndFoldersAreRefusedBeforeSparkStarts() throws IOException {
		int started = SparkBatch.LazyContext.STARTED.get();
		Run unknown = run(args(work.resolve("bad"), "colour=red"), SparkParts.TaskHook.NONE);
		assertEquals(2, unknown.status());
		assertTrue(unknown.err().startsWith("ConceptScope Spark mege_reco: Unknown key 'colour'"), unknown.err());
		Run folds = run(args(work.resolve("bad"), "folds=1"), SparkParts.TaskHook.NONE);
		assertEquals(2, folds.status());
		assertTrue(folds.err().startsWith("ConceptScope Spark mege_reco: folds must be at least 2, got 1."), folds.err());
		Run method = run(args(work.resolve("bad"), "methods=saliency,smoothgrad2"), SparkParts.TaskHook.NONE);
		assertEquals(2, method.status());
		assertTrue(method.err().contains("Unknown method 'smoothgrad2' in methods"), method.err());
		Path wrong = work.resolve("wrong classes");
		Files.createDirectories(wrong.resolve("cats"));
		Files.createDirectories(wrong.resolve("dogs"));
		Run classes = run(new String[] { "folder=" + wrong, "model=" + MODEL, "save_dir=" + work.resolve("bad") }, SparkParts.TaskHook.NONE);
		assertEquals(1, classes.status());
		assertTrue(classes.err().startsWith("ConceptScope Spark mege_reco: The subfolder 'cats' of " + wrong + " is not a class of the model"),
			classes.err());
		assertEquals(started, SparkBatch.LazyContext.STARTED.get(), "Spark was not started");
		assertFalse(Files.exists(work.resolve("bad")), "nothing written");
	}

	/** Same methods, pair counts and fold accuracies; MeGe and ReCo equal to the CSV's precision. */
	static void assertSameTable(List<List<String>> want, List<List<String>> got) {
		assertEquals(want.get(0), got.get(0));
		assertEquals(want.size(), got.size());
		List<String> h = want.get(0);
		for (int r = 1; r < want.size(); r++) {
			for (int c = 0; c < h.size(); c++) {
				String column = h.get(c), w = want.get(r).get(c), g = got.get(r).get(c);
				if (column.equals("mege") || column.equals("reco")) {
					assertEquals(Double.parseDouble(w), Double.parseDouble(g), 1e-5, column + " of " + want.get(r).get(0));
				} else {
					assertEquals(w, g, column + " of " + want.get(r).get(0));
				}
			}
		}
	}

	/** What a run prints on System.out, where ImageJ's Log goes headless (local[...] runs the tasks in this JVM). */
	static String printed(Runnable r) {
		PrintStream before = System.out;
		ByteArrayOutputStream printed = new ByteArrayOutputStream();
		System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
		try {
			r.run();
		} finally {
			System.setOut(before);
		}
		return printed.toString(StandardCharsets.UTF_8);
	}

	static List<List<String>> csv(Path file) throws IOException {
		List<List<String>> rows = new ArrayList<>();
		for (String line : Files.readAllLines(file)) rows.add(Arrays.asList(line.split(",", -1)));
		return rows;
	}

	/** Task attempts seen by the hook: local[...] runs the tasks in this JVM. */
	static final class Hooks {
		static final Map<Integer, Integer> TRIES = new ConcurrentHashMap<>();
	}

	record Run(int status, String out, String err) {}

	static Run run(String[] args, SparkParts.TaskHook hook) {
		ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
		int status = SparkMegeReco.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), hook);
		return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
	}
}
