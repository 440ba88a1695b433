package org.conceptscope.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.conceptscope.concepts.ConceptBank;
import org.conceptscope.concepts.ConceptLocalization;
import org.conceptscope.fiji.image.ImageSet;
import org.conceptscope.fiji.run.Models;
import org.conceptscope.fiji.run.ConceptDiscoveryRun;
import org.conceptscope.fiji.run.ConceptDiscoverySettings;
import org.conceptscope.model.Classifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * CRAFT over a cohort on Spark: with every crop sampled, the concept bank (concepts, examples)
 * and its Sobol importance are Concept Discovery's on the same folder; a sample of crops is the
 * same whatever the tasks; each image's concept presence is its concept map's mean; a cohort job
 * without a target class is refused before Spark starts.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SparkConceptsTest {

	@TempDir
	Path work;

	private Path folder;

	@BeforeAll
	void cohort(@TempDir Path images) {
		ImagePlus patches = IJ.openImage(SparkBatchTest.TEST_IMAGES.resolve("images/ihc-heldout-patches.tif").toString());
		folder = images.resolve("cohort");
		folder.toFile().mkdirs();
		for (int i = 1; i <= 12; i++) {
			ImagePlus one = new ImagePlus("p" + i, patches.getStack().getProcessor(i).duplicate());
			assertTrue(IJ.saveAsTiff(one, folder.resolve(String.format("patch-%02d.tif", i)).toString()));
		}
	}

	private String[] args(Path saveDir, String... more) {
		List<String> a = new ArrayList<>(List.of("input=" + folder, "model=" + SparkBatchTest.MODEL, "save_dir=" + saveDir,
			"target=DAB-positive", "patch=16", "stride=8", "concepts=3", "seed=5", "designs=8", "examples=4", "master=local[2]"));
		a.addAll(List.of(more));
		return a.toArray(String[]::new);
	}

	@Test
	void everyCropSampledGivesConceptDiscoverysBankAndImportance() throws Exception {
		ConceptBank want = discovery(folder, work.resolve("discovery"));

		Path out = work.resolve("cohort-all");
		Run run = run(args(out, "select=all", "batch=5", "samples=1000000"));
		assertEquals(0, run.status(), run.err());
		ConceptBank got = ConceptBank.load(out.resolve(SparkConcepts.BANK));
		assertTrue(run.err().contains("12 images, " + 12 * 9 + " crops sampled"), "9 crops of 16 px every 8 px on 32 x 32: " + run.err());
		assertSameBank(want, got);

		// Each image's presence is the mean of its coarse concept map.
		List<String> lines = Files.readAllLines(out.resolve(SparkConcepts.PER_IMAGE));
		assertEquals(13, lines.size(), "a header and a row per image");
		List<String> header = List.of(lines.get(0).split(","));
		String[] third = lines.get(3).split(",");
		assertEquals("patch-03.tif", third[header.indexOf("file")]);
		try (Classifier classifier = Models.open(SparkBatchTest.MODEL)) {
			FloatTensor x = Models.input(new ImageSet(List.of(IJ.openImage(folder.resolve("patch-03.tif").toString()))), classifier);
			FloatTensor coarse = ConceptLocalization.localize(classifier, got, x).coarse();
			int positions = (int) (coarse.dim(1) * coarse.dim(2));
			int dominant = 0;
			double[] mean = new double[3];
			for (int k = 0; k < 3; k++) {
				for (int p = 0; p < positions; p++) mean[k] += coarse.data()[p * 3 + k] / positions;
				assertEquals(mean[k], Double.parseDouble(third[header.indexOf("concept_" + (k + 1))]), 1e-6 * (1 + Math.abs(mean[k])));
				if (mean[k] > mean[dominant]) dominant = k;
			}
			assertEquals(Integer.toString(dominant + 1), third[header.indexOf("dominant_concept")]);
		}
		assertParquetTypedAsTheTable(out.resolve("concepts-per-image.parquet"), lines);
	}

	/**
	 * The Parquet twin of the per-image table holds its rows with typed columns: names and files as
	 * strings, places, classes and concept numbers as integers, probabilities and presences as doubles,
	 * the selection as a boolean; each value is the CSV's.
	 */
	private static void assertParquetTypedAsTheTable(Path parquet, List<String> csv) {
		org.apache.spark.sql.SparkSession reader = org.apache.spark.sql.SparkSession.builder().master("local[1]")
			.config("spark.ui.enabled", "false").getOrCreate();
		try {
			org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> table = reader.read().parquet(parquet.toString());
			List<String> header = List.of(csv.get(0).split(","));
			assertEquals(header, List.of(table.columns()));
			for (String column : header) {
				org.apache.spark.sql.types.DataType want = column.equals("file") ? org.apache.spark.sql.types.DataTypes.StringType
					: column.equals("selected") ? org.apache.spark.sql.types.DataTypes.BooleanType
					: column.startsWith("p_") || column.matches("concept_\\d+") ? org.apache.spark.sql.types.DataTypes.DoubleType
					: org.apache.spark.sql.types.DataTypes.IntegerType;
				assertEquals(want, table.schema().apply(column).dataType(), column);
			}
			List<org.apache.spark.sql.Row> rows = table.collectAsList();
			assertEquals(csv.size() - 1, rows.size());
			for (int i = 0; i < rows.size(); i++) {
				String[] values = csv.get(i + 1).split(",", -1);
				for (int c = 0; c < header.size(); c++) {
					Object got = rows.get(i).get(c);
					if (values[c].isEmpty()) {
						assertEquals(null, got, header.get(c) + " of row " + i);
					} else if (got instanceof Double d) {
						assertEquals(Double.parseDouble(values[c]), d, 0, header.get(c) + " of row " + i);
					} else {
						assertEquals(values[c], String.valueOf(got), header.get(c) + " of row " + i);
					}
				}
			}
		} finally {
			reader.stop();
		}
	}

	/**
	 * Whole images (64x64 and 96x64 crops of ihc.png, 4 and 6 tiles of the 32x32 input, and a stack of two 64x64 crops, 4 tiles
	 * per slice) give Concept Discovery's bank on the same folder.
	 */
	@Test
	void wholeImagesAreTheirTilesAsInConceptDiscovery(@TempDir Path images) throws Exception {
		ImagePlus ihc = IJ.openImage(SparkBatchTest.TEST_IMAGES.resolve("images/ihc.png").toString());
		Path whole = images.resolve("whole");
		whole.toFile().mkdirs();
		// the last file is a stack of two 64x64 crops: a slice's tiles are its own samples
		int[][] boxes = { { 96, 160, 64, 64 }, { 300, 40, 96, 64 }, { 200, 380, 64, 64 }, { 420, 250, 64, 64 } };
		for (int i = 0; i < 3; i++) {
			ij.ImageStack stack = new ij.ImageStack(boxes[i][2], boxes[i][3]);
			for (int[] box : i < 2 ? new int[][] { boxes[i] } : new int[][] { boxes[2], boxes[3] }) stack.addSlice(crop(ihc, box[0], box[1], box[2], box[3]).getProcessor());
			assertTrue(IJ.saveAsTiff(new ImagePlus("w" + i, stack), whole.resolve("whole-" + i + ".tif").toString()));
		}
		ConceptBank want = discovery(whole, work.resolve("whole-discovery"));

		Path out = work.resolve("whole-cohort");
		List<String> a = new ArrayList<>(List.of(args(out, "select=all", "batch=2", "samples=1000000")));
		a.set(0, "input=" + whole);
		Run[] ran = new Run[1];
		String printed = SparkMegeRecoTest.printed(() -> ran[0] = run(a.toArray(String[]::new)));
		Run run = ran[0];
		assertTrue(!printed.contains("is larger than the model's input"), "the tasks do not log each file's tiles, pass after pass: " + printed);
		assertEquals(0, run.status(), run.err());
		assertTrue(run.err().contains("18 images (the tiles of the input's size of 3 file(s) larger than the model's input), " + 18 * 9
			+ " crops sampled"), "4 + 6 + 2 x 4 tiles of 9 crops each: " + run.err());
		ConceptBank got = ConceptBank.load(out.resolve(SparkConcepts.BANK));
		assertSameBank(want, got);

		// Each tile has its row, named by its corner; its presence is that of the 32x32 square cut there by hand.
		List<String> lines = Files.readAllLines(out.resolve(SparkConcepts.PER_IMAGE));
		List<String> header = List.of(lines.get(0).split(","));
		assertEquals(List.of("file", "slice", "x", "y"), header.subList(0, 4));
		List<String> places = new ArrayList<>();
		for (String line : lines.subList(1, lines.size())) places.add(String.join(" ", List.of(line.split(",")).subList(0, 4)));
		assertEquals(List.of("whole-0.tif 1 0 0", "whole-0.tif 1 32 0", "whole-0.tif 1 0 32", "whole-0.tif 1 32 32",
			"whole-1.tif 1 0 0", "whole-1.tif 1 32 0", "whole-1.tif 1 64 0", "whole-1.tif 1 0 32", "whole-1.tif 1 32 32", "whole-1.tif 1 64 32",
			"whole-2.tif 1 0 0", "whole-2.tif 1 32 0", "whole-2.tif 1 0 32", "whole-2.tif 1 32 32",
			"whole-2.tif 2 0 0", "whole-2.tif 2 32 0", "whole-2.tif 2 0 32", "whole-2.tif 2 32 32"), places, "row by row, slice by slice, file by file");
		try (Classifier classifier = Models.open(SparkBatchTest.MODEL)) {
			// the rows of a tile of a single image and of a tile of the stack's second slice, against the squares cut there by hand
			for (String place : List.of("whole-1.tif 1 64 32", "whole-2.tif 2 32 0")) {
				String[] row = lines.get(1 + places.indexOf(place)).split(",");
				ImagePlus square = place.startsWith("whole-1") ? crop(ihc, 300 + 64, 40 + 32, 32, 32) : crop(ihc, 420 + 32, 250, 32, 32);
				FloatTensor x = Models.input(new ImageSet(List.of(square)), classifier);
				FloatTensor coarse = ConceptLocalization.localize(classifier, got, x).coarse();
				int positions = (int) (coarse.dim(1) * coarse.dim(2));
				for (int k = 0; k < 3; k++) {
					double mean = 0;
					for (int p = 0; p < positions; p++) mean += coarse.data()[p * 3 + k] / positions;
					assertEquals(mean, Double.parseDouble(row[header.indexOf("concept_" + (k + 1))]), 1e-6 * (1 + Math.abs(mean)), place
						+ ", concept " + (k + 1));
				}
			}
		}
	}

	/**
	 * Files far from what the model was trained on (two negative patches and a 64x64 mosaic of four
	 * negative patches, tiled, in two tasks) are counted once by the driver, naming the first; the tasks,
	 * which read every file in each of the three passes, print nothing of it.
	 */
	@Test
	void filesFarFromTheModelsDomainAreCountedOnceByTheDriver(@TempDir Path images) throws Exception {
		ImagePlus patches = IJ.openImage(SparkBatchTest.TEST_IMAGES.resolve("images/ihc-heldout-patches.tif").toString());
		Path cohort = images.resolve("far");
		cohort.toFile().mkdirs();
		for (int i = 1; i <= 4; i++) {
			ij.process.ImageProcessor ip = patches.getStack().getProcessor(i).duplicate();
			assertTrue(IJ.saveAsTiff(new ImagePlus("p", ip.duplicate()), cohort.resolve("patch-0" + i + ".tif").toString()));
			if (i <= 2) {
				ip.invert();
				assertTrue(IJ.saveAsTiff(new ImagePlus("n", ip), cohort.resolve("x-neg-0" + i + ".tif").toString()));
			}
		}
		ij.process.ImageProcessor mosaic = patches.getProcessor().createProcessor(64, 64);
		for (int i = 1; i <= 4; i++) {
			ij.process.ImageProcessor ip = patches.getStack().getProcessor(i).duplicate();
			ip.invert();
			mosaic.insert(ip, (i - 1) % 2 * 32, (i - 1) / 2 * 32);
		}
		assertTrue(IJ.saveAsTiff(new ImagePlus("l", mosaic), cohort.resolve("y-big-negative.tif").toString()));
		// tasks of 2 files: the far ones are in the third and fourth, so the count adds up over tasks and the first is the third's
		List<String> a = new ArrayList<>(List.of(args(work.resolve("far-cohort"), "select=all", "batch=2", "samples=40")));
		a.set(0, "input=" + cohort);
		Run[] ran = new Run[1];
		String printed = SparkMegeRecoTest.printed(() -> ran[0] = run(a.toArray(String[]::new)));
		Run run = ran[0];
		assertEquals(0, run.status(), run.err());
		List<String> warnings = run.err().lines().filter(l -> l.contains("warning")).toList();
		assertEquals(1, warnings.size(), run.err());
		assertTrue(warnings.get(0).startsWith("ConceptScope warning: The image 'x-neg-01.tif' is far from what the model was"
			+ " trained on"), warnings.get(0));
		assertTrue(warnings.get(0).endsWith(" (3 of the 7 images checked are far.)"), warnings.get(0));
		assertTrue(!printed.contains("far from what the model"), "the tasks print no domain line: " + printed);

		// The same save_dir with two concepts: refused without restart (the finished run's files stay); with restart the tables
		// and their Parquet twin are the new run's (the old table is replaced)
		a.set(a.indexOf("concepts=3"), "concepts=2");
		Run refused = run(a.toArray(String[]::new));
		assertEquals(1, refused.status(), refused.err());
		assertTrue(refused.err().contains("holds the finished results of a run that differs in concepts (3 then, 2 now)"), refused.err());
		assertEquals(3, ConceptBank.load(work.resolve("far-cohort").resolve(SparkConcepts.BANK)).size(), "the finished run's bank stays");
		a.add("restart");
		Run again = run(a.toArray(String[]::new));
		assertEquals(0, again.status(), again.err());
		Path out = work.resolve("far-cohort");
		assertEquals(2, ConceptBank.load(out.resolve(SparkConcepts.BANK)).size());
		List<String> lines = Files.readAllLines(out.resolve(SparkConcepts.PER_IMAGE));
		assertTrue(lines.get(0).contains("concept_2") && !lines.get(0).contains("concept_3"), lines.get(0));
		assertParquetTypedAsTheTable(out.resolve("concepts-per-image.parquet"), lines);
		try (java.util.stream.Stream<Path> files = Files.list(out)) {
			assertEquals(List.of(), files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".") && !n.equals(SparkConcepts.WORK_DIR))
				.toList(), "no hidden leftover (the job's folder keeps its manifest and journal)");
		}
	}

	/**
	 * Four palette files, two at 1 micron a pixel, for the IHC model said to be trained at 0.5 micron: the driver says the palette
	 * note once for the four (it counts the files as opened, not the model's samples, whose palettes are already colours) and the
	 * pixel-size warning once (its first-file check of the layer writes no Log line of its own); the tasks print neither.
	 */
	@Test
	void paletteFilesAndAnotherPixelSizeAreEachOneLineFromTheDriver(@TempDir Path images) throws Exception {
		Path cohort = SparkLauncherLoggingIT.palettes(images.resolve("palettes"), 4, 2);
		Path model = SparkLauncherLoggingIT.calibratedModel(images.resolve("ihc-half-micron"));
		List<String> a = new ArrayList<>(List.of(args(work.resolve("palette-cohort"), "select=all", "batch=2", "samples=40")));
		a.set(0, "input=" + cohort);
		a.set(1, "model=" + model);
		Run[] ran = new Run[1];
		String printed = SparkMegeRecoTest.printed(() -> ran[0] = run(a.toArray(String[]::new)));
		Run run = ran[0];
		assertEquals(0, run.status(), run.err());
		String all = run.err() + run.out() + printed;
		List<String> palette = all.lines().filter(l -> l.contains("with a colour palette")).toList();
		assertEquals(1, palette.size(), all);
		assertTrue(palette.get(0).startsWith("ConceptScope note: 'palette-1.tif' ") && palette.get(0).endsWith(" (4 of the 4 images"
			+ " are so.)"), palette.get(0));
		List<String> pixels = all.lines().filter(l -> l.contains("trained on pixels")).toList();
		assertEquals(1, pixels.size(), all);
		assertTrue(pixels.get(0).startsWith("ConceptScope warning: ") && pixels.get(0).endsWith(" (2 of the 4 images are so.)"),
			pixels.get(0));
	}

	private static ImagePlus crop(ImagePlus image, int x, int y, int w, int h) {
		ij.process.ImageProcessor ip = image.getProcessor().duplicate();
		ip.setRoi(x, y, w, h);
		return new ImagePlus("crop", ip.crop());
	}

	/** Concept Discovery on a folder with the cohort runs' keys. */
	private static ConceptBank discovery(Path folder, Path saveDir) throws Exception {
		ConceptDiscoverySettings s = new ConceptDiscoverySettings();
		s.model = SparkBatchTest.MODEL;
		s.folder = folder;
		s.target = "DAB-positive";
		s.patch = 16;
		s.stride = 8;
		s.concepts = 3;
		s.seed = 5;
		s.designs = 8;
		s.examples = 4;
		s.saveDir = saveDir;
		ConceptDiscoveryRun.run(null, s, Progress.NONE);
		return ConceptBank.load(saveDir.resolve(ConceptDiscoveryRun.BANK));
	}

	private static void assertSameBank(ConceptBank want, ConceptBank got) {
		assertEquals(want.layer, got.layer);
		assertEquals(want.classIndex, got.classIndex);
		for (int k = 0; k < 3; k++) {
			assertArrayEquals(want.concepts[k], got.concepts[k], 1e-9, "concept " + (k + 1));
			assertEquals(want.importance[k], got.importance[k], 1e-9, "importance of concept " + (k + 1));
			assertEquals(want.examples.get(k), got.examples.get(k), "examples of concept " + (k + 1));
		}
	}

	/** The merge the executors run in a tree: never more than n keys, the n smallest of both. */
	@Test
	void mergingKeysKeepsTheSmallestAndNoMore() {
		java.util.Random r = new java.util.Random(3);
		double[] all = new double[100];
		for (int i = 0; i < all.length; i++) all[i] = r.nextDouble();
		double[] a = Arrays.stream(all, 0, 60).sorted().limit(20).toArray(), b = Arrays.stream(all, 60, 100).sorted().limit(20).toArray();
		double[] merged = SparkConcepts.smallestKeys(a, b, 20);
		double[] want = Arrays.stream(all).sorted().limit(20).toArray();
		assertArrayEquals(want, merged, 0);
		assertEquals(3, SparkConcepts.smallestKeys(new double[] { 1 }, new double[] { 0, 2 }, 20).length, "fewer than n: all of them");
	}

	@Test
	void aSampleOfCropsIsTheSameWhateverTheTasks() throws Exception {
		Path four = work.resolve("sample-batch4"), seven = work.resolve("sample-batch7");
		Run a = run(args(four, "select=all", "batch=4", "samples=20")), b = run(args(seven, "select=all", "batch=7", "samples=20"));
		assertEquals(0, a.status(), a.err());
		assertEquals(0, b.status(), b.err());
		assertTrue(a.err().contains("12 images, 20 crops sampled"), a.err());
		ConceptBank x = ConceptBank.load(four.resolve(SparkConcepts.BANK)), y = ConceptBank.load(seven.resolve(SparkConcepts.BANK));
		for (int k = 0; k < 3; k++) assertArrayEquals(x.concepts[k], y.concepts[k], 1e-12, "concept " + (k + 1));
		assertEquals(x.examples, y.examples);
	}

	/**
	 * A file half-copied to shared storage is refused naming it, as Concept Discovery refuses it
	 * (the job once let ImageJ read it, zero-padded), and a relative input works (executors get it absolute).
	 */
	@Test
	void aTruncatedTiffInTheCohortIsRefusedNamingIt(@TempDir Path images) throws Exception {
		Path cohort = Files.createDirectories(images.resolve("half-copied"));
		try (var files = Files.list(folder)) {
			for (Path f : files.sorted().toList()) Files.copy(f, cohort.resolve(f.getFileName()));
		}
		Path broken = cohort.resolve("patch-13.tif");
		byte[] whole = Files.readAllBytes(folder.resolve("patch-01.tif"));
		Files.write(broken, java.util.Arrays.copyOf(whole, whole.length / 2));
		String[] a = args(work.resolve("truncated"), "select=all", "samples=20");
		a[0] = "input=" + Path.of("").toAbsolutePath().relativize(cohort);
		Run run = run(a);
		assertEquals(1, run.status(), run.err());
		assertTrue(run.err().contains(broken + " is truncated"), run.err());
		assertTrue(!Files.exists(work.resolve("truncated").resolve(SparkConcepts.BANK)), "no bank");
	}

	/**
	 * Selected images giving fewer crops than concepts (two 32x32 patches, crops of 32: two crops for
	 * three concepts) are refused after the first pass with Concept Discovery's sentence, before any crop's
	 * activations are computed: the job once ran pass 2 over the cohort and failed in the NMF, with its rank's sentence.
	 */
	@Test
	void tooFewCropsAreRefusedAfterTheFirstPassNotAtTheNmf(@TempDir Path images) throws Exception {
		Path two = Files.createDirectories(images.resolve("two"));
		for (String name : List.of("patch-01.tif", "patch-02.tif")) Files.copy(folder.resolve(name), two.resolve(name));
		List<String> a = new ArrayList<>(List.of(args(work.resolve("too-few"), "select=all", "batch=1")));
		a.set(0, "input=" + two);
		a.set(a.indexOf("patch=16"), "patch=32");
		Run run = run(a.toArray(String[]::new));
		assertEquals(1, run.status(), run.err());
		assertTrue(run.err().contains("ConceptScope Spark concepts: CRAFT: concepts=3 needs at least 3 crops, but 2 images of 32x32 give 2"
			+ " (crops of 32 pixels every 8): use concepts=2 or fewer"), run.err());
		assertTrue(!run.err().contains("crops sampled"), "refused before the crops are sampled: " + run.err());
		assertTrue(!Files.exists(work.resolve("too-few").resolve(SparkConcepts.BANK)), "no bank");
	}

	/**
	 * When the Parquet twin cannot be made (here a file stands where its temporary table goes), the user is
	 * told that the three result files are written: the job once ended with Spark's bare failure, as if the
	 * passes over the cohort were lost.
	 */
	@Test
	void aParquetFailureSaysTheResultsAreWritten() throws Exception {
		Path out = Files.createDirectories(work.resolve("no-parquet"));
		Files.writeString(out.resolve(".concepts-per-image.parquet.tmp-" + ProcessHandle.current().pid()), "in the way");
		Run run = run(args(out, "select=all", "samples=20"));
		assertEquals(1, run.status(), run.err());
		assertTrue(run.err().contains("ConceptScope Spark concepts: concepts.json, importance.csv and concepts-per-image.csv are written in " + out
			+ ", but not their Parquet table ("), run.err());
		assertEquals(3, ConceptBank.load(out.resolve(SparkConcepts.BANK)).size());
		assertEquals(13, Files.readAllLines(out.resolve(SparkConcepts.PER_IMAGE)).size());
	}

	@Test
	void aCohortWithoutATargetClassIsRefusedBeforeSparkStarts() throws Exception {
		int started = SparkBatch.LazyContext.STARTED.get();
		Run run = run(new String[] { "input=" + folder, "model=" + SparkBatchTest.MODEL, "save_dir=" + work.resolve("none") });
		assertEquals(2, run.status());
		assertTrue(run.err().startsWith("ConceptScope Spark concepts: A cohort mixes classes: set target="), run.err());
		Run unknown = run(args(work.resolve("bad"), "colour=red"));
		assertEquals(2, unknown.status());
		assertTrue(unknown.err().startsWith("ConceptScope Spark concepts: Unknown key 'colour'"), unknown.err());
		// Concept Discovery's other modes are not the cohort job's: refused, not silently ignored (false, copied from a macro, is fine)
		for (String mode : List.of("per_class=true", "holistic=true")) {
			Run refused = run(args(work.resolve("bad"), mode));
			assertEquals(2, refused.status(), mode);
			assertTrue(refused.err().startsWith("ConceptScope Spark concepts: " + mode + ": the cohort job has no "), refused.err());
		}
		// a save_dir the job could not write at its end is refused now, not after three passes over the cohort
		Path file = Files.writeString(work.resolve("a-file"), "not a folder");
		Run underAFile = run(args(file.resolve("out")));
		assertEquals(2, underAFile.status());
		assertTrue(underAFile.err().startsWith("ConceptScope Spark concepts: save_dir=" + file.resolve("out") + " lies under the file " + file),
			underAFile.err());
		assertEquals(started, SparkBatch.LazyContext.STARTED.get(), "Spark was not started");
		assertTrue(!Files.exists(work.resolve("none")), "nothing written");
	}

	/** Tasks run per pass and chunk in this JVM (local master: the hooks run here; a static, as the hooks travel serialized). */
	static final java.util.concurrent.ConcurrentHashMap<String, Integer> COMPUTED = new java.util.concurrent.ConcurrentHashMap<>();
	static final java.util.concurrent.atomic.AtomicInteger INTERRUPTED = new java.util.concurrent.atomic.AtomicInteger();

	/**
	 * A job stopped in its third pass keeps its finished parts: the same command computes only the parts that
	 * are missing (no task of passes 1 and 2, only the third pass's missing chunks), and its files are byte for
	 * byte those of a job never stopped; the same save_dir with another seed is refused, naming the seed. Each
	 * pass says how far it is, a line per tenth of the files at most.
	 */
	@Test
	void aStoppedJobResumesComputingOnlyWhatIsMissingWithTheSameResults() throws Exception {
		Path whole = work.resolve("resume-whole"), stopped = work.resolve("resume-stopped");
		Run uninterrupted = run(args(whole, "select=all", "batch=3", "samples=30"));
		assertEquals(0, uninterrupted.status(), uninterrupted.err());
		for (String pass : SparkConcepts.PASSES) {
			assertTrue(uninterrupted.err().contains("100%  12/12 files (" + pass + ")"), pass + ": " + uninterrupted.err());
			long lines = uninterrupted.err().lines().filter(l -> l.contains("files (" + pass)).count();
			assertTrue(lines >= 2 && lines <= 5, "a line at the start and per part at most (4 parts): " + lines + " in " + uninterrupted.err());
		}

		COMPUTED.clear();
		SparkConcepts.TaskHook stopsInPassThree = (pass, chunk, attempt) -> {
			COMPUTED.merge(pass + ":" + chunk, 1, Integer::sum);
			if (pass == 3 && chunk == 2) throw new IllegalArgumentException("Stopped for the test.");
		};
		Run first = run(args(stopped, "select=all", "batch=3", "samples=30"), stopsInPassThree);
		assertEquals(1, first.status(), first.err());
		assertTrue(first.err().contains("Stopped for the test.") && first.err().contains("the same command resumes"), first.err());
		assertTrue(!Files.exists(stopped.resolve(SparkConcepts.BANK)), "no bank before the third pass is done");
		Map<String, Integer> firstRun = partsComputedByRun(stopped, 1);
		for (int c = 0; c < 4; c++) {
			assertEquals(1, firstRun.get("1:" + c), "pass 1 part " + c + ": " + firstRun);
			assertEquals(1, firstRun.get("2:" + c), "pass 2 part " + c + ": " + firstRun);
		}
		assertTrue(!firstRun.containsKey("3:2"), "the part that failed is not kept: " + firstRun);

		// another seed would mix parts of two runs: refused, nothing discarded
		Run other = run(args(stopped, "select=all", "batch=3", "samples=30", "seed=6"));
		assertEquals(1, other.status(), other.err());
		assertTrue(other.err().contains("holds an unfinished concept run that differs in seed (5 then, 6 now): run it again with its settings"
			+ " to finish it, choose another save_dir, or add restart to discard it."), other.err());

		COMPUTED.clear();
		SparkConcepts.TaskHook counts = (pass, chunk, attempt) -> COMPUTED.merge(pass + ":" + chunk, 1, Integer::sum);
		Run resumed = run(args(stopped, "select=all", "batch=3", "samples=30"), counts);
		assertEquals(0, resumed.status(), resumed.err());
		java.util.Set<String> missing = new java.util.TreeSet<>();
		for (int c = 0; c < 4; c++) if (!firstRun.containsKey("3:" + c)) missing.add("3:" + c);
		assertEquals(missing, new java.util.TreeSet<>(COMPUTED.keySet()), "only the third pass's missing parts are computed again");
		assertEquals(missing, new java.util.TreeSet<>(partsComputedByRun(stopped, 2).keySet()));
		assertTrue(resumed.err().contains("(pass 1 of 3: predictions; 4 of 4 parts kept)"), resumed.err());
		for (String file : List.of(SparkConcepts.BANK, SparkConcepts.IMPORTANCE, SparkConcepts.PER_IMAGE)) {
			assertArrayEquals(Files.readAllBytes(whole.resolve(file)), Files.readAllBytes(stopped.resolve(file)), file);
		}
		assertTrue(!Files.exists(stopped.resolve(SparkConcepts.WORK_DIR).resolve("parts")), "the parts go once the files are written");

		// finished: the same save_dir with another seed is refused, as the batch runner refuses to replace a finished run's results
		// (it once started a new run over them); nothing is computed and the files are untouched
		Map<String, byte[]> bytes = new java.util.TreeMap<>();
		Map<String, java.nio.file.attribute.FileTime> times = new java.util.TreeMap<>();
		for (String file : List.of(SparkConcepts.BANK, SparkConcepts.IMPORTANCE, SparkConcepts.PER_IMAGE)) {
			bytes.put(file, Files.readAllBytes(stopped.resolve(file)));
			times.put(file, Files.getLastModifiedTime(stopped.resolve(file)));
		}
		COMPUTED.clear();
		Run again = run(args(stopped, "select=all", "batch=3", "samples=30", "seed=6"), counts);
		assertEquals(1, again.status(), again.err());
		assertTrue(again.err().contains("ConceptScope Spark concepts: save_dir " + stopped + " holds the finished results of a run that differs"
			+ " in seed (5 then, 6 now) (" + SparkConcepts.BANK + ", " + SparkConcepts.IMPORTANCE + ", " + SparkConcepts.PER_IMAGE + "), which this"
			+ " run would replace: choose another save_dir, or add restart to replace them."), again.err());
		assertEquals(Map.of(), Map.copyOf(COMPUTED), "no task");

		// the same command once more: already complete, as the batch runner says; nothing computed, the files untouched
		int started = SparkBatch.LazyContext.STARTED.get();
		Run complete = run(args(stopped, "select=all", "batch=3", "samples=30"), counts);
		assertEquals(0, complete.status(), complete.err());
		assertTrue(complete.err().contains("ConceptScope Spark concepts: Already complete: " + stopped + " holds the results of this run (add"
			+ " restart to compute them again)."), complete.err());
		assertEquals(Map.of(), Map.copyOf(COMPUTED), "no task");
		assertEquals(started, SparkBatch.LazyContext.STARTED.get(), "Spark was not started");
		assertTrue(complete.out().contains(stopped.resolve(SparkConcepts.BANK).toString()), "the results are named: " + complete.out());
		for (String file : bytes.keySet()) {
			assertArrayEquals(bytes.get(file), Files.readAllBytes(stopped.resolve(file)), file);
			assertEquals(times.get(file), Files.getLastModifiedTime(stopped.resolve(file)), file + " not written again");
		}
		// restart computes them again
		COMPUTED.clear();
		Run restarted = run(args(stopped, "select=all", "batch=3", "samples=30", "restart"), counts);
		assertEquals(0, restarted.status(), restarted.err());
		assertEquals(12, COMPUTED.size(), "every part of the three passes: " + COMPUTED);
		for (String file : bytes.keySet()) assertArrayEquals(bytes.get(file), Files.readAllBytes(stopped.resolve(file)), file);
	}

	/**
	 * The resume decided pass by pass: a job stopped in its second pass keeps its first pass, which depends on
	 * target, patch and stride only; resumed with another seed and other designs (what passes 2 and 3 depend on),
	 * it computes no task of the first pass and gives the files of an uninterrupted job with the new settings.
	 * Another patch, on which the kept parts depend, is refused naming it, and nothing is discarded.
	 */
	@Test
	void aResumeWithOtherSettingsKeepsThePassesThatDoNotDependOnThem() throws Exception {
		Path whole = work.resolve("settings-whole"), stopped = work.resolve("settings-stopped");
		Run uninterrupted = run(with(args(whole, "select=all", "batch=3", "samples=30"), "seed=6", "designs=4"));
		assertEquals(0, uninterrupted.status(), uninterrupted.err());

		COMPUTED.clear();
		SparkConcepts.TaskHook stopsInPassTwo = (pass, chunk, attempt) -> {
			COMPUTED.merge(pass + ":" + chunk, 1, Integer::sum);
			if (pass == 2) throw new IllegalArgumentException("Stopped for the test.");
		};
		Run first = run(args(stopped, "select=all", "batch=3", "samples=30"), stopsInPassTwo);
		assertEquals(1, first.status(), first.err());
		assertEquals(java.util.Set.of("1:0", "1:1", "1:2", "1:3"), partsComputedByRun(stopped, 1).keySet(), "the first pass is kept, no more");

		Run patch = run(with(args(stopped, "select=all", "batch=3", "samples=30"), "patch=12"));
		assertEquals(1, patch.status(), patch.err());
		assertTrue(patch.err().contains("ConceptScope Spark concepts: save_dir " + stopped + " holds an unfinished concept run that differs in"
			+ " patch (16 then, 12 now): run it again with its settings to finish it, choose another save_dir, or add restart to discard it."),
			patch.err());
		assertEquals(4, partsComputedByRun(stopped, 1).size(), "refused, not discarded");

		COMPUTED.clear();
		SparkConcepts.TaskHook counts = (pass, chunk, attempt) -> COMPUTED.merge(pass + ":" + chunk, 1, Integer::sum);
		Run resumed = run(with(args(stopped, "select=all", "batch=3", "samples=30"), "seed=6", "designs=4"), counts);
		assertEquals(0, resumed.status(), resumed.err());
		assertEquals(java.util.Set.of("2:0", "2:1", "2:2", "2:3", "3:0", "3:1", "3:2", "3:3"), new java.util.TreeSet<>(COMPUTED.keySet()),
			"no task of the first pass");
		assertTrue(resumed.err().contains("(pass 1 of 3: predictions; 4 of 4 parts kept)"), resumed.err());
		assertTrue(resumed.err().contains("ConceptScope Spark concepts: seed (5 then, 6 now), designs (8 then, 4 now) changed: no kept part"
			+ " depends on them; the parts that do are computed with the new values."), resumed.err());
		for (String file : List.of(SparkConcepts.BANK, SparkConcepts.IMPORTANCE, SparkConcepts.PER_IMAGE)) {
			assertArrayEquals(Files.readAllBytes(whole.resolve(file)), Files.readAllBytes(stopped.resolve(file)), file);
		}
	}

	/**
	 * No copy of the model is left in the temporary folder once a job has ended, finished or failed: with a
	 * local master the tasks (this JVM's threads) read the model where it is. The job once left two copies per
	 * run until the JVM exited, its own zip and Spark's fetched copy of it (a model's size each).
	 */
	@Test
	void noCopyOfTheModelIsLeftInTheTemporaryFolderAfterAJobOrAFailure(@TempDir Path dir) throws Exception {
		String name = "model-" + java.util.UUID.randomUUID();
		Path model = dir.resolve(name);
		try (java.util.stream.Stream<Path> files = Files.walk(SparkBatchTest.MODEL)) {
			for (Path f : files.toList()) {
				Path to = model.resolve(SparkBatchTest.MODEL.relativize(f).toString());
				if (Files.isDirectory(f)) Files.createDirectories(to);
				else Files.copy(f, to);
			}
		}
		Run finished = run(with(args(dir.resolve("finished"), "select=all", "batch=6", "samples=30"), "model=" + model));
		assertEquals(0, finished.status(), finished.err());
		assertEquals(List.of(), copiesIn(Path.of(System.getProperty("java.io.tmpdir")), name, dir), "after a finished job");

		SparkConcepts.TaskHook fails = (pass, chunk, attempt) -> {
			if (pass == 2) throw new IllegalArgumentException("Stopped for the test.");
		};
		Run failed = run(with(args(dir.resolve("failed"), "select=all", "batch=6", "samples=30"), "model=" + model), fails);
		assertEquals(1, failed.status(), failed.err());
		assertEquals(List.of(), copiesIn(Path.of(System.getProperty("java.io.tmpdir")), name, dir), "after a failed job");
	}

	/** Files and folders named after {@code name} (the model, its zip) within three levels of {@code root}, outside {@code own}. */
	private static List<Path> copiesIn(Path root, String name, Path own) throws java.io.IOException {
		List<Path> found = new ArrayList<>();
		Files.walkFileTree(root, java.util.Set.of(), 3, new java.nio.file.SimpleFileVisitor<>() {
			@Override
			public java.nio.file.FileVisitResult preVisitDirectory(Path d, java.nio.file.attribute.BasicFileAttributes a) {
				if (d.startsWith(own)) return java.nio.file.FileVisitResult.SKIP_SUBTREE;
				if (d.getFileName() != null && d.getFileName().toString().startsWith(name)) found.add(d);
				return java.nio.file.FileVisitResult.CONTINUE;
			}

			@Override
			public java.nio.file.FileVisitResult visitFile(Path f, java.nio.file.attribute.BasicFileAttributes a) {
				if (f.getFileName().toString().startsWith(name)) found.add(f);
				return java.nio.file.FileVisitResult.CONTINUE;
			}

			@Override
			public java.nio.file.FileVisitResult visitFileFailed(Path f, java.io.IOException e) {
				return java.nio.file.FileVisitResult.CONTINUE; // another process's file, gone or not readable
			}
		});
		return found;
	}

	/** The arguments with each {@code key=value} of {@code replaced} in place of that key's. */
	private static String[] with(String[] args, String... replaced) {
		String[] out = args.clone();
		for (String r : replaced) {
			String key = r.substring(0, r.indexOf('=') + 1);
			for (int i = 0; i < out.length; i++) if (out[i].startsWith(key)) out[i] = r;
		}
		return out;
	}

	/**
	 * A part that cannot be written (a folder stands where its file goes) ends the job with one sentence naming
	 * the file and what to do; the tasks still running are cancelled (interrupted, not left to finish), and no
	 * temporary file is left.
	 */
	@Test
	void aPartThatCannotBeWrittenCancelsTheRestAndNamesItsFile() throws Exception {
		Path out = work.resolve("unwritable");
		String blocked = out.resolve(SparkConcepts.WORK_DIR).resolve("parts").resolve(SparkConcepts.partName(1, 0) + ".bin").toString();
		INTERRUPTED.set(0);
		COMPUTED.clear();
		SparkConcepts.TaskHook hook = (pass, chunk, attempt) -> {
			COMPUTED.merge(pass + ":" + chunk, 1, Integer::sum);
			if (pass == 1 && chunk == 0) {
				try {
					Files.createDirectories(Path.of(blocked));
				} catch (java.io.IOException e) {
					throw new java.io.UncheckedIOException(e);
				}
			} else {
				waitForCancel();
			}
		};
		long start = System.nanoTime();
		Run run = run(args(out, "select=all", "batch=3", "samples=30"), hook);
		assertEquals(1, run.status(), run.err());
		assertTrue(run.err().contains("ConceptScope Spark concepts: Cannot write the results in save_dir " + out + ": Cannot write " + blocked
			+ ": a folder with that name exists. Check that the folder is writable and the disk has space, or choose another save_dir"), run.err());
		assertTrue((System.nanoTime() - start) / 1e9 < 25, "the blocked tasks were not waited for");
		for (int i = 0; i < 100 && INTERRUPTED.get() == 0; i++) Thread.sleep(100);
		assertTrue(INTERRUPTED.get() >= 1, "the running task was cancelled: " + COMPUTED);
		assertTrue(!COMPUTED.keySet().stream().anyMatch(k -> k.startsWith("2:")), "no second pass: " + COMPUTED);
		try (java.util.stream.Stream<Path> files = Files.walk(out)) {
			assertEquals(List.of(), files.filter(p -> p.getFileName().toString().endsWith(".part")).toList(), "no half-written file");
		}
	}

	/**
	 * The resume guard the concept job shares with the batch runner (ResumableParts): a part is read back only
	 * intact and with the key it was written with (one of another key, or damaged, is deleted, to be computed
	 * again); an unfinished run whose input file changed content is refused naming the file, its parts kept;
	 * a second run in the same folder at once is refused; restart discards the parts.
	 */
	@Test
	void partsAreUsedOnlyIntactWithTheirKeyAndUnchangedInputs(@TempDir Path dir) throws Exception {
		Path cohort = Files.createDirectories(dir.resolve("cohort"));
		for (String n : List.of("patch-01.tif", "patch-02.tif")) Files.copy(folder.resolve(n), cohort.resolve(n));
		org.conceptscope.fiji.batch.ResumableParts.Plan plan = new org.conceptscope.fiji.batch.ResumableParts.Plan("concept run",
			SparkBatchTest.MODEL, List.of("a", "b"), Map.of("seed", "5"), 1, cohort, List.of("patch-01.tif", "patch-02.tif"), 2, List.of("x"));
		Path workDir = dir.resolve("save").resolve(SparkConcepts.WORK_DIR);
		List<String> said = new ArrayList<>();
		try (org.conceptscope.fiji.batch.ResumableParts w = org.conceptscope.fiji.batch.ResumableParts.open(workDir, plan, false, said::add)) {
			assertEquals(1, w.run());
			w.write("p-000000", "threshold A", new byte[] { 1, 2, 3 }, "part 0 computed");
			w.write("p-000001", "threshold A", new byte[] { 4, 5 }, "part 1 computed");
			IllegalArgumentException busy = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
				() -> org.conceptscope.fiji.batch.ResumableParts.open(workDir, plan, false, said::add));
			assertTrue(busy.getMessage().startsWith("Another concept run is working in " + dir.resolve("save")), busy.getMessage());
		}
		try (org.conceptscope.fiji.batch.ResumableParts w = org.conceptscope.fiji.batch.ResumableParts.open(workDir, plan, false, said::add)) {
			assertTrue(w.resumed());
			assertEquals(2, w.run());
			assertEquals(2, w.kept());
			assertArrayEquals(new byte[] { 1, 2, 3 }, w.read("p-000000", "threshold A"));
			assertEquals(null, w.read("p-000000", "threshold B"), "a part of another key is not used");
			assertTrue(!Files.exists(w.file("p-000000")), "and is deleted");
			byte[] b = Files.readAllBytes(w.file("p-000001"));
			b[b.length - 9] ^= 1; // the last byte before the CRC-32
			Files.write(w.file("p-000001"), b);
			assertEquals(null, w.read("p-000001", "threshold A"), "a damaged part is not used");
			assertTrue(said.contains("The part " + w.file("p-000001") + " is damaged; it is computed again."), said.toString());
			w.write("p-000001", "threshold A", new byte[] { 4, 5 }, "part 1 computed");
		}
		byte[] f = Files.readAllBytes(cohort.resolve("patch-02.tif"));
		f[f.length - 1] ^= 1; // same name and length, other content
		Files.write(cohort.resolve("patch-02.tif"), f);
		IllegalArgumentException changed = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
			() -> org.conceptscope.fiji.batch.ResumableParts.open(workDir, plan, false, said::add));
		assertTrue(changed.getMessage().equals("save_dir " + dir.resolve("save") + " holds an unfinished concept run that differs in the input file"
			+ " patch-02.tif (its content changed): run it again with its settings to finish it, choose another save_dir, or add restart to"
			+ " discard it."), changed.getMessage());
		assertTrue(Files.exists(workDir.resolve("parts").resolve("p-000001.bin")), "refused, not discarded");
		try (org.conceptscope.fiji.batch.ResumableParts w = org.conceptscope.fiji.batch.ResumableParts.open(workDir, plan, true, said::add)) {
			assertTrue(!w.resumed());
			assertEquals(null, w.read("p-000001", "threshold A"), "restart discards the parts");
		}
	}

	/** In a task: waits up to 30 seconds for the task to be cancelled, and counts it when it is. */
	static void waitForCancel() {
		long end = System.nanoTime() + 30_000_000_000L;
		while (System.nanoTime() < end) {
			org.apache.spark.TaskContext task = org.apache.spark.TaskContext.get();
			if (task != null && task.isInterrupted()) {
				INTERRUPTED.incrementAndGet();
				return;
			}
			try {
				Thread.sleep(20);
			} catch (InterruptedException e) {
				INTERRUPTED.incrementAndGet();
				Thread.currentThread().interrupt();
				return;
			}
		}
	}

	/** The parts run {@code run} computed, as "pass:chunk", from the job's journal. */
	static Map<String, Integer> partsComputedByRun(Path saveDir, int run) throws java.io.IOException {
		java.util.regex.Pattern line = java.util.regex.Pattern.compile(" run " + run + " pass (\\d) part (\\d+) files .* computed$");
		Map<String, Integer> counts = new java.util.TreeMap<>();
		for (String l : Files.readAllLines(saveDir.resolve(SparkConcepts.WORK_DIR).resolve("journal.txt"))) {
			java.util.regex.Matcher m = line.matcher(l);
			if (m.find()) counts.merge(m.group(1) + ":" + m.group(2), 1, Integer::sum);
		}
		return counts;
	}

	record Run(int status, String out, String err) {}

	static Run run(String[] args) {
		return run(args, SparkConcepts.TaskHook.NONE);
	}

	static Run run(String[] args, SparkConcepts.TaskHook hook) {
		ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
		int status = SparkConcepts.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
			hook);
		return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
	}
}
