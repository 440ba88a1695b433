package org.conceptscope.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.conceptscope.fiji.batch.Batch;
import org.conceptscope.fiji.batch.BatchJob;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Spark job against the single-JVM batch runner on one folder: the same CSV, maps and ROIs
 * (byte for byte), also when tasks die after computing their part and are retried, and when the
 * job fails and is run again (the finished parts kept, none computed twice). Bad keys get the
 * batch runner's sentences before Spark starts.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SparkBatchTest {

	static final Path TEST_IMAGES = Path.of("..", "test-images").toAbsolutePath().normalize();
	static final Path MODEL = TEST_IMAGES.resolve("models/ihc-stain");

	@TempDir
	Path work;

	private Path folder;

	/** A folder of the held-out IHC patches: single patches and one three-slice stack, so parts span files. */
	@BeforeAll
	void folder(@TempDir Path images) {
		folder = cohort(images.resolve("cohort"));
	}

	/** 12 slices in 10 files: nine patches and a stack of three. */
	static Path cohort(Path folder) {
		ImagePlus patches = IJ.openImage(TEST_IMAGES.resolve("images/ihc-heldout-patches.tif").toString());
		assertTrue(patches.getStackSize() >= 12, "the held-out stack has enough patches");
		folder.toFile().mkdirs();
		for (int i = 1; i <= 9; i++) save(patches, i, i, folder.resolve(String.format("patch-%02d.tif", i)));
		save(patches, 10, 12, folder.resolve("patch-10-stack.tif"));
		return folder;
	}

	private static void save(ImagePlus source, int from, int to, Path file) {
		ImageStack stack = new ImageStack(source.getWidth(), source.getHeight());
		for (int z = from; z <= to; z++) stack.addSlice(source.getStack().getProcessor(z).duplicate());
		ImagePlus imp = new ImagePlus(file.getFileName().toString(), stack);
		assertTrue(IJ.saveAsTiff(imp, file.toString()));
	}

	/** Task tries seen by a hook in this JVM (local master). */
	static final java.util.concurrent.atomic.AtomicInteger TRIES = new java.util.concurrent.atomic.AtomicInteger();

	private String[] args(Path saveDir, String... more) {
		List<String> a = new ArrayList<>(List.of("input=" + folder, "model=" + MODEL, "save_dir=" + saveDir, "batch=4"));
		a.addAll(List.of(more));
		return a.toArray(String[]::new);
	}

	/** The Parquet table has the CSV's rows, value by value (numbers compared as numbers). */
	static void assertParquetHoldsTheTable(Path parquet, List<String> csv) {
		SparkSession reader = SparkSession.builder().master("local[1]").config("spark.ui.enabled", "false").getOrCreate();
		try {
			// glob characters escaped: a reader takes the path as a Hadoop glob
			List<Row> rows = reader.read().parquet(parquet.toString().replaceAll("([\\[\\]{}*?\\\\])", "\\\\$1")).collectAsList();
			assertEquals(csv.size() - 1, rows.size(), "one row per slice");
			for (int i = 0; i < rows.size(); i++) {
				String[] values = csv.get(i + 1).split(",", -1);
				for (int c = 0; c < values.length; c++) {
					Object got = rows.get(i).get(c);
					if (values[c].isEmpty()) assertEquals(null, got, "column " + c + " of row " + i);
					else if (got instanceof Number n) assertEquals(Double.parseDouble(values[c]), n.doubleValue(), 0, "column " + c + " of row " + i);
					else assertEquals(values[c], String.valueOf(got), "column " + c + " of row " + i);
				}
			}
		} finally {
			reader.stop();
		}
	}

	private static String[] with(String[] args, String... more) {
		String[] out = Arrays.copyOf(args, args.length + more.length);
		System.arraycopy(more, 0, out, args.length, more.length);
		return out;
	}

	@Test
	void theJobWritesWhatTheBatchRunnerWritesAndAParquetTable() throws Exception {
		Path single = work.resolve("single"), spark = work.resolve("spark");
		String[] method = { "method=smoothgrad", "samples=4", "seed=7" };
		assertEquals(0, Batch.run(args(single, method), quiet(), quiet(), null, null), "the single-JVM batch runner");
		Run run = spark(with(args(spark, method), "master=local[2]"), SparkParts.TaskHook.NONE);
		assertEquals(0, run.status(), run.err());

		String base = "cohort-smoothgrad";
		assertSameResults(single, spark, base);
		Map<Integer, Integer> computed = partsComputedByRun(spark, 1);
		assertEquals(Map.of(0, 1, 1, 1, 2, 1), computed, "12 slices in 3 parts of 4, each computed once");

		Path parquet = spark.resolve(base + "-results.parquet");
		assertTrue(run.out().contains(parquet.toString()), run.out());
		assertParquetHoldsTheTable(parquet, Files.readAllLines(spark.resolve(base + "-results.csv")));

		// The same save_dir with another seed (restart replaces the results): new results, so the Parquet table is made again from them, not kept from the first run
		List<String> first = Files.readAllLines(spark.resolve(base + "-results.csv"));
		Run again = spark(with(args(spark, "method=smoothgrad", "samples=4", "seed=8"), "master=local[2]", "restart"), SparkParts.TaskHook.NONE);
		assertEquals(0, again.status(), again.err());
		List<String> second = Files.readAllLines(spark.resolve(base + "-results.csv"));
		assertNotEquals(first, second, "another seed, other SmoothGrad maps");
		assertTrue(again.out().contains(parquet.toString()), again.out());
		assertParquetHoldsTheTable(parquet, second);
		try (Stream<Path> s = Files.list(spark)) {
			assertTrue(s.noneMatch(p -> p.getFileName().toString().contains(".tmp")), "no temporary file left");
		}
	}

	/** Whether a table is current is decided by the CSV's content: a CSV copied in with old times (cp -p) is not taken for its source. */
	@Test
	void aTableIsCurrentForTheCsvItWasMadeFromWhateverTheFileTimes() throws Exception {
		Path dir = Files.createDirectories(work.resolve("freshness")), csv = dir.resolve("x-results.csv"), parquet = dir.resolve("x-results.parquet");
		Files.writeString(csv, "slice,value\n1,0.5\n");
		Files.createDirectories(parquet);
		Files.writeString(parquet.resolve(SparkBatch.SOURCE_HASH), org.conceptscope.util.Digests.sha256(csv) + "\n");
		assertTrue(SparkBatch.current(parquet, org.conceptscope.util.Digests.sha256(csv)));
		java.nio.file.attribute.FileTime old = Files.getLastModifiedTime(parquet);
		Files.writeString(csv, "slice,value\n1,0.75\n"); // another run's results, copied in with the old time
		Files.setLastModifiedTime(csv, java.nio.file.attribute.FileTime.fromMillis(old.toMillis() - 60_000));
		assertFalse(SparkBatch.current(parquet, org.conceptscope.util.Digests.sha256(csv)), "older by its time, but not the CSV the table holds");
		Files.delete(parquet.resolve(SparkBatch.SOURCE_HASH));
		assertFalse(SparkBatch.current(parquet, org.conceptscope.util.Digests.sha256(csv)), "a table without its source's hash is made again");
	}

	/** A folder name with a Hadoop glob's characters ('[2024]', braces) and spaces: the table is written there, whole. */
	@Test
	void theParquetTableIsWrittenIntoAFolderWhoseNameLooksLikeAGlob() throws Exception {
		Path dir = Files.createDirectories(work.resolve("cohort [2024] {a,b}")), csv = dir.resolve("x-results.csv");
		List<String> rows = List.of("slice,label,map_max", "1,a b,0.5", "2,c,0.25");
		Files.write(csv, rows);
		Path parquet = SparkBatch.parquet(csv);
		SparkSession session = SparkSession.builder().master("local[1]").config("spark.ui.enabled", "false").getOrCreate();
		try {
			SparkBatch.writeParquet(session, csv, parquet);
		} finally {
			session.stop();
		}
		assertTrue(SparkBatch.current(parquet, org.conceptscope.util.Digests.sha256(csv)));
		assertParquetHoldsTheTable(parquet, rows);
	}

	/** A slice label with a line break, a comma and a quote is quoted in the CSV: its row stays one row of the table. */
	@Test
	void aQuotedLineBreakStaysInItsRow() throws Exception {
		Path csv = Files.createDirectories(work.resolve("quoted")).resolve("x-results.csv");
		String label = "cell 1\nday 2, \"fixed\"";
		Files.writeString(csv, "slice,label,map_max\r\n1,\"" + label.replace("\"", "\"\"") + "\",0.5\r\n2,c,0.25\r\n");
		assertEquals(3, SparkBatch.records(Files.readString(csv)).size(), "the header and two rows");
		Path parquet = SparkBatch.parquet(csv);
		SparkSession session = SparkSession.builder().master("local[1]").config("spark.ui.enabled", "false").getOrCreate();
		try {
			SparkBatch.writeParquet(session, csv, parquet);
			List<Row> rows = session.read().parquet(parquet.toString()).collectAsList();
			assertEquals(2, rows.size(), "one row per slice");
			assertEquals(label, rows.get(0).getString(1));
			assertEquals(0.5, ((Number) rows.get(0).get(2)).doubleValue());
			assertEquals("c", rows.get(1).getString(1));
		} finally {
			session.stop();
		}
	}

	/**
	 * Names that look like numbers or dates (slice labels "007" and "012", or "2024-03-05" and "2024-03-06";
	 * classes "0" and "1") keep their text in the Parquet table; the numbers are still numbers. The table once
	 * held the labels 7 and 12 and the classes as integers, the dates as dates.
	 */
	@Test
	void namesThatLookLikeNumbersKeepTheirTextInTheTable() throws Exception {
		Path dir = Files.createDirectories(work.resolve("names"));
		String header = "file,slice,frame,label,predicted,p_0,p_1,target,method,map_max,map_mean\n";
		Path numbers = Files.writeString(dir.resolve("n-results.csv"), header + "a.tif,1,1,007,0,0.75,0.25,1,saliency,0.5,0.125\n"
			+ "b.tif,1,1,012,1,0.25,0.75,1,saliency,1.5,0.25\n");
		Path dates = Files.writeString(dir.resolve("d-results.csv"), header + "a.tif,1,1,2024-03-05,0,0.75,0.25,1,saliency,0.5,0.125\n"
			+ "b.tif,1,1,2024-03-06,1,0.25,0.75,1,saliency,1.5,0.25\n");
		SparkSession session = SparkSession.builder().master("local[1]").config("spark.ui.enabled", "false").getOrCreate();
		try {
			List<List<Object>> labels = new ArrayList<>();
			for (Path csv : List.of(numbers, dates)) {
				SparkBatch.writeParquet(session, csv, SparkBatch.parquet(csv));
				org.apache.spark.sql.Dataset<Row> table = session.read().parquet(SparkBatch.parquet(csv).toString());
				for (String name : List.of("label", "file", "predicted", "target", "method")) {
					assertEquals(org.apache.spark.sql.types.DataTypes.StringType, table.schema().apply(name).dataType(), name + " of " + csv);
				}
				assertEquals(org.apache.spark.sql.types.DataTypes.IntegerType, table.schema().apply("slice").dataType());
				assertEquals(org.apache.spark.sql.types.DataTypes.DoubleType, table.schema().apply("map_max").dataType());
				List<Row> rows = table.collectAsList();
				assertEquals(List.of("0", "1"), List.of(rows.get(0).getAs("predicted"), rows.get(0).getAs("target")));
				assertEquals(1.5, (double) rows.get(1).getAs("map_max"));
				labels.add(List.of(rows.get(0).getAs("label"), rows.get(1).getAs("label")));
			}
			assertEquals(List.of(List.of("007", "012"), List.of("2024-03-05", "2024-03-06")), labels);
		} finally {
			session.stop();
		}
	}

	@Test
	void tasksKilledAfterComputingTheirPartAreRetriedAndNothingIsWrittenTwice() throws Exception {
		Path single = work.resolve("single-retry"), spark = work.resolve("spark-retry");
		assertEquals(0, Batch.run(args(single, "method=saliency"), quiet(), quiet(), null, null));
		// local[2,3]: two threads, each task tried up to three times. Parts 0 and 2 die on their first try.
		TRIES.set(0);
		SparkParts.TaskHook killFirstTry = (part, attempt) -> {
			TRIES.incrementAndGet(); // a static: the hook travels to the tasks serialized, local threads share the class
			if (attempt == 0 && part % 2 == 0) throw new IllegalStateException("killed part " + part + " on its first try");
		};
		// "Model=": keys are read as the batch runner reads them (any case); the parts once ran on the driver, without Spark
		String[] keys = args(spark, "method=saliency");
		keys[1] = "Model=" + MODEL;
		Run run = spark(with(keys, "master=local[2,3]"), killFirstTry);
		assertEquals(0, run.status(), run.err());
		assertEquals(5, TRIES.get(), "three parts as Spark tasks, two of them tried again");
		assertSameResults(single, spark, "cohort-saliency");
		assertEquals(Map.of(0, 1, 1, 1, 2, 1), partsComputedByRun(spark, 1), "each part written once despite the retries");
	}

	/**
	 * What a task runs: model= names the executor's copy however the key was written (the batch runner reads
	 * "Model=" and " model =" as model=; tasks once kept the driver's path for them, which a cluster's nodes
	 * need not have), and a relative ROI path is made absolute on the driver (an executor works in a folder of its own).
	 */
	@Test
	void tasksOpenTheShippedModelAndTheDriversRoiFiles() {
		Path local = Path.of("/executor/files/ihc-stain.zip/ihc-stain"), here = Path.of("").toAbsolutePath();
		String[] given = { "input=/data/cohort", "Model=/driver/ihc-stain", "rois=sets/a.zip", "method=saliency" };
		assertArrayEquals(new String[] { "input=/data/cohort", "Model=/driver/ihc-stain", "rois=" + here.resolve("sets/a.zip"), "method=saliency" },
			SparkParts.forExecutors(given));
		assertArrayEquals(new String[] { "input=/data/cohort", "model=" + local, "rois=" + here.resolve("sets/a.zip"), "method=saliency" },
			SparkParts.onExecutor(SparkParts.forExecutors(given), local));
		assertArrayEquals(new String[] { "model=" + local, "ROIS=none" },
			SparkParts.onExecutor(SparkParts.forExecutors(new String[] { " model =/driver/ihc-stain", "ROIS=none" }), local));
		assertArrayEquals(new String[] { "model=" + local, "rois=/shared/rois" },
			SparkParts.onExecutor(SparkParts.forExecutors(new String[] { "model=ihc-stain", "rois=/shared/rois" }), local));
	}

	/**
	 * A Parquet table that cannot be made (a file stands where its temporary table goes) leaves the results
	 * written and says so, status 1: Spark's failure (a checked AnalysisException) once escaped the run.
	 */
	@Test
	void aParquetFailureSaysTheResultsAreWritten() throws Exception {
		Path out = Files.createDirectories(work.resolve("no-parquet"));
		Files.writeString(out.resolve(".cohort-saliency-results.parquet.tmp-" + ProcessHandle.current().pid()), "in the way");
		Run run = spark(with(args(out, "method=saliency"), "master=local[2]"), SparkParts.TaskHook.NONE);
		assertEquals(1, run.status(), run.err());
		assertTrue(run.err().contains("ConceptScope Spark: the results are written, but not their Parquet table: "), run.err());
		assertEquals(13, Files.readAllLines(out.resolve("cohort-saliency-results.csv")).size(), "a header and a row per slice");
	}

	@Test
	void aFailedJobKeepsItsFinishedPartsAndTheNextRunComputesOnlyTheRest() throws Exception {
		Path single = work.resolve("single-resume"), spark = work.resolve("spark-resume");
		String[] method = { "method=occlusion", "patch=8", "stride=8" };
		assertEquals(0, Batch.run(args(single, method), quiet(), quiet(), null, null));
		// local[1]: one task at a time, no retry; part 1 fails whenever it is tried.
		SparkParts.TaskHook partOneFails = (part, attempt) -> {
			if (part == 1) throw new IllegalArgumentException("Part 1 cannot be computed on this executor.");
		};
		Run failed = spark(with(args(spark, method), "master=local[1]"), partOneFails);
		assertEquals(1, failed.status());
		assertTrue(failed.err().contains("Part 1 cannot be computed on this executor."), "the task's own sentence: " + failed.err());
		assertFalse(Files.exists(spark.resolve("cohort-occlusion-results.csv")), "no result before every part is done");
		Map<Integer, Integer> first = partsComputedByRun(spark, 1);
		assertTrue(first.containsKey(0) && !first.containsKey(1), "part 0 finished before part 1 failed: " + first);

		// a failure that is no sentence of ours (an executor's crash) is the job's, not a problem with save_dir
		SparkParts.TaskHook crashes = (part, attempt) -> {
			throw new RuntimeException("executor crashed");
		};
		Run crashed = spark(with(args(spark, method), "master=local[1]"), crashes);
		assertEquals(1, crashed.status());
		assertTrue(crashed.err().contains("The Spark job failed: ") && crashed.err().contains("executor crashed")
			&& crashed.err().contains("the same command resumes"), crashed.err());
		assertFalse(crashed.err().contains("Cannot write the results"), crashed.err());

		Run resumed = spark(with(args(spark, method), "master=local[2]"), SparkParts.TaskHook.NONE);
		assertEquals(0, resumed.status(), resumed.err());
		assertSameResults(single, spark, "cohort-occlusion");
		Map<Integer, Integer> all = new LinkedHashMap<>(first);
		assertEquals(Map.of(), partsComputedByRun(spark, 2), "the crashed run finished no part");
		partsComputedByRun(spark, 3).forEach((part, n) -> all.merge(part, n, Integer::sum));
		assertEquals(Map.of(0, 1, 1, 1, 2, 1), all, "over the runs, each part computed once");
		assertFalse(partsComputedByRun(spark, 3).containsKey(0), "the last run kept part 0");
	}

	/**
	 * A part that cannot be written (a folder stands where its file goes) ends the job with one sentence naming
	 * the file and what to do, and cancels the job's tasks still running (they are interrupted): the job once
	 * left them computing parts nobody would take, and left the job group running.
	 */
	@Test
	void aPartThatCannotBeWrittenCancelsThePartsLeft() throws Exception {
		Path out = work.resolve("unwritable");
		String blocked = out.resolve(BatchJob.WORK_DIR).resolve("parts").resolve("part-000000.bin").toString();
		SparkConceptsTest.INTERRUPTED.set(0);
		SparkParts.TaskHook hook = (part, attempt) -> {
			if (part == 0) {
				try {
					Files.createDirectories(Path.of(blocked));
				} catch (IOException e) {
					throw new java.io.UncheckedIOException(e);
				}
			} else {
				SparkConceptsTest.waitForCancel();
			}
		};
		long start = System.nanoTime();
		Run run = spark(with(args(out, "method=saliency"), "master=local[2]"), hook);
		assertEquals(1, run.status(), run.err());
		assertTrue(run.err().contains("ConceptScope batch: Cannot write the results in save_dir " + out + ": Cannot write " + blocked
			+ ": a folder with that name exists. Check that the folder is writable"), run.err());
		assertTrue((System.nanoTime() - start) / 1e9 < 25, "the blocked tasks were not waited for");
		for (int i = 0; i < 100 && SparkConceptsTest.INTERRUPTED.get() == 0; i++) Thread.sleep(100);
		assertTrue(SparkConceptsTest.INTERRUPTED.get() >= 1, "the task still running was cancelled");
		try (Stream<Path> files = Files.walk(out)) {
			assertEquals(List.of(), files.filter(p -> p.getFileName().toString().endsWith(".part")).toList(), "no half-written file");
		}
	}

	@Test
	void badKeysGetTheBatchRunnersSentencesBeforeSparkStarts() throws Exception {
		String[][] cases = {
			args(work.resolve("bad-method"), "method=no_such_method"),
			{ "input=" + folder, "model=" + MODEL },
			{ "input=" + work.resolve("missing-folder"), "model=" + MODEL, "save_dir=" + work.resolve("bad-input") },
			args(work.resolve("bad-batch"), "batch=-2"),
		};
		for (String[] bad : cases) {
			ByteArrayOutputStream batchErr = new ByteArrayOutputStream();
			int batchStatus = Batch.run(bad, quiet(), new PrintStream(batchErr, true, StandardCharsets.UTF_8), null, null);
			int started = SparkBatch.LazyContext.STARTED.get();
			Run run = spark(with(bad, "master=local[2]"), SparkParts.TaskHook.NONE);
			assertNotEquals(0, batchStatus, String.join(" ", bad));
			assertEquals(batchStatus, run.status(), String.join(" ", bad));
			assertEquals(batchErr.toString(StandardCharsets.UTF_8), run.err(), "the batch runner's sentence, word for word");
			assertEquals(started, SparkBatch.LazyContext.STARTED.get(), "Spark was not started for " + String.join(" ", bad));
		}
		Run emptyMaster = spark(args(work.resolve("bad-master"), "master="), SparkParts.TaskHook.NONE);
		assertEquals(2, emptyMaster.status());
		assertTrue(emptyMaster.err().startsWith("ConceptScope Spark: master= is empty"), emptyMaster.err());
	}

	@Test
	void aPartHandedOverTwiceIsWrittenOnce() throws Exception {
		Path single = work.resolve("single-twice"), twice = work.resolve("twice");
		assertEquals(0, Batch.run(args(single, "method=saliency"), quiet(), quiet(), null, null));
		String[] a = args(twice, "method=saliency");
		// A computer that delivers every part twice, as a speculative copy of a task would.
		BatchJob.PartComputer doubled = (manifest, missing, sink) -> {
			for (int part : missing) {
				byte[] bytes = BatchJob.computePart(Batch.parse(a), manifest, part);
				assertTrue(sink.accept(part, bytes));
				assertTrue(sink.accept(part, bytes.clone()));
			}
		};
		assertEquals(0, Batch.run(a, quiet(), quiet(), null, doubled));
		assertSameResults(single, twice, "cohort-saliency");
		assertEquals(Map.of(0, 1, 1, 1, 2, 1), partsComputedByRun(twice, 1));
	}

	record Run(int status, String out, String err) {}

	static Run spark(String[] args, SparkParts.TaskHook hook) {
		ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
		int status = SparkBatch.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), hook);
		return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
	}

	static PrintStream quiet() {
		return new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
	}

	/** The CSV text, every map plane's floats and every ROI's name and bytes are equal. */
	static void assertSameResults(Path expected, Path actual, String base) throws IOException {
		assertEquals(Files.readString(expected.resolve(base + "-results.csv")), Files.readString(actual.resolve(base + "-results.csv")));
		ImagePlus want = IJ.openImage(expected.resolve(base + "-map.tif").toString()), got = IJ.openImage(actual.resolve(base + "-map.tif").toString());
		assertEquals(want.getStackSize(), got.getStackSize());
		for (int z = 1; z <= want.getStackSize(); z++) {
			assertArrayEquals((float[]) want.getStack().getPixels(z), (float[]) got.getStack().getPixels(z), "map plane " + z);
		}
		assertEquals(zipEntries(expected.resolve(base + "-map-RoiSet.zip")), zipEntries(actual.resolve(base + "-map-RoiSet.zip")));
	}

	private static Map<String, String> zipEntries(Path zip) throws IOException {
		Map<String, String> entries = new LinkedHashMap<>();
		try (InputStream in = Files.newInputStream(zip); ZipInputStream z = new ZipInputStream(in)) {
			for (ZipEntry e; (e = z.getNextEntry()) != null;) entries.put(e.getName(), Arrays.toString(z.readAllBytes()));
		}
		assertFalse(entries.isEmpty(), zip + " holds ROIs");
		return entries;
	}

	/** How often each part was computed by run {@code run}, from the journal. */
	static Map<Integer, Integer> partsComputedByRun(Path saveDir, int run) throws IOException {
		Pattern line = Pattern.compile(" run " + run + " part (\\d+) slices .* computed$");
		Map<Integer, Integer> counts = new LinkedHashMap<>();
		for (String l : Files.readAllLines(saveDir.resolve(BatchJob.WORK_DIR).resolve("journal.txt"))) {
			Matcher m = line.matcher(l);
			if (m.find()) counts.merge(Integer.parseInt(m.group(1)), 1, Integer::sum);
		}
		return counts;
	}
}
