package org.conceptscope.fiji;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.conceptscope.fiji.batch.Batch;
import org.conceptscope.fiji.batch.BatchJob;
import org.conceptscope.fiji.run.Models;
import org.conceptscope.model.CountingClassifier;
import org.conceptscope.testsupport.ChildJvm;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import ij.IJ;
import ij.ImagePlus;
import ij.gui.OvalRoi;
import ij.gui.Roi;

/**
 * The batch runner says the model passes of a run before the work, as the Attribution command does: the passes line of the
 * runner's main in a child JVM (whole images, tiled; a resumed run: only the slices it still explains; ROIs: each ROI's tiles)
 * is checked against the images the model really scores when the same runner computes its parts with a counting wrapper
 * around the model ({@link BatchJob#computePart} opening it, as a cluster's workers do).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BatchPassesTest {

	@TempDir
	static Path work;

	private final Path model = TestFiles.testImages().resolve("models/ihc-stain");
	private Path folder;

	/** Three 48 x 48 crops of the IHC image as TIFFs: 2 x 2 tiles of the model's 32 x 32 each (overlap 0.5). */
	@BeforeAll
	void makeTheFolder() throws IOException {
		folder = Files.createDirectories(work.resolve("crops"));
		ImagePlus ihc = IJ.openImage(TestFiles.testImages().resolve("images/ihc.png").toString());
		int k = 0;
		for (String name : List.of("a", "b", "c")) {
			ihc.setRoi(100 + 60 * k, 180 + 40 * k++, 48, 48);
			assertTrue(new ij.io.FileSaver(ihc.crop()).saveAsTiff(folder.resolve(name + ".tif").toString()));
		}
		Roi gland = new OvalRoi(10, 12, 20, 16), corner = new Roi(40, 40, 8, 8);
		gland.setName("gland");
		corner.setName("corner");
		BatchRoisTest.roiSet(folder.resolve("a.zip"), gland, corner);
		BatchRoisTest.roiSet(folder.resolve("c.zip"), gland); // b.tif has no ROI file: no row, no pass
	}

	private List<String> args(Path saveDir, String... more) {
		List<String> a = new ArrayList<>(List.of("input=" + folder, "model=" + model, "save_dir=" + saveDir, "method=rise", "samples=10",
			"grid=4", "target=DAB-positive", "batch=1"));
		a.addAll(List.of(more));
		return a;
	}

	/** The runner's main in a child JVM, halted after {@code haltAfter} parts (0: never): what it printed. */
	private static String child(int haltAfter, List<String> arguments) throws Exception {
		List<String> childArgs = new ArrayList<>(List.of(Integer.toString(haltAfter), "0"));
		childArgs.addAll(arguments);
		ProcessBuilder pb = new ProcessBuilder(ChildJvm.command(List.of("-Xmx1g", "-XX:MaxDirectMemorySize=512m", "-Djava.awt.headless=true"),
			BatchChild.class, childArgs));
		pb.environment().put("TF_CPP_MIN_LOG_LEVEL", "2");
		Path log = Files.createTempFile(work, "child", ".txt");
		Process p = pb.redirectErrorStream(true).redirectOutput(log.toFile()).start();
		assertTrue(p.waitFor(3, TimeUnit.MINUTES));
		String printed = Files.readString(log);
		assertEquals(haltAfter > 0 ? 99 : 0, p.exitValue(), printed);
		return printed;
	}

	/** The runner in this JVM, its parts computed with a counting model: what it printed, and the images RISE scored. */
	private static String counted(List<String> arguments, AtomicLong scored) {
		ByteArrayOutputStream text = new ByteArrayOutputStream();
		PrintStream both = new PrintStream(text, true, StandardCharsets.UTF_8);
		BatchJob.Job job = Batch.parse(arguments.toArray(new String[0]));
		List<CountingClassifier> opened = new ArrayList<>();
		int status = Batch.run(arguments.toArray(new String[0]), both, both, null, (manifest, missing, sink) -> {
			for (int k : missing) {
				if (!sink.accept(k, BatchJob.computePart(job, manifest, k, p -> {
					CountingClassifier m = new CountingClassifier(Models.open(p));
					opened.add(m);
					return m;
				}))) return;
			}
		});
		String printed = text.toString(StandardCharsets.UTF_8);
		assertEquals(0, status, printed);
		scored.set(opened.stream().mapToLong(m -> m.images(CountingClassifier.Kind.LOGITS)).sum());
		return printed;
	}

	private static String passesLine(String printed) {
		List<String> lines = printed.lines().filter(l -> l.contains(" model passes each ")).toList();
		assertEquals(1, lines.size(), "one passes line: " + printed);
		return lines.get(0);
	}

	@Test
	void aRunAndItsResumeAnnounceThePassesTheModelScores() throws Exception {
		String whole = passesLine(child(1, args(work.resolve("halted"))));
		assertEquals("ConceptScope batch: 12 tiles of 3 images, 10 model passes each (RISE: one per mask): 120 model passes.", whole);
		AtomicLong scored = new AtomicLong();
		assertEquals(whole, passesLine(counted(args(work.resolve("counted")), scored)));
		assertEquals(RegionPassesTest.total(whole), scored.get(), "the images RISE scored in the whole run");

		// the halted run resumed: its first part (a.tif) is done, so the line counts b.tif and c.tif only
		String resumed = counted(args(work.resolve("halted")), scored);
		assertTrue(resumed.contains("Resuming: 1 of 3 parts"), resumed);
		assertEquals("ConceptScope batch: 8 tiles of 2 images (2 of 3 slices left; the others are done), 10 model passes each (RISE: one per"
			+ " mask): 80 model passes.", passesLine(resumed));
		assertEquals(80, scored.get(), "the images RISE scored in the resumed run");
	}

	/**
	 * A run stopped inside its one tiled part (ihc.png: 961 tiles in batches of up to 256) after some of its tiles are explained
	 * keeps their batches; its resume takes them from disk without the model, so its line counts only the other tiles, as many
	 * as the model then scores.
	 */
	@Test
	void aResumeOfAPartStoppedPartwayCountsTheTilesNotKept() throws Exception {
		Path big = TestFiles.testImages().resolve("images/ihc.png");
		Path saveDir = work.resolve("big-halted");
		List<String> arguments = List.of("input=" + big, "model=" + model, "save_dir=" + saveDir, "method=rise", "samples=10", "grid=4",
			"target=DAB-positive", "batch=1");
		BatchJob.Job job = Batch.parse(arguments.toArray(new String[0]));
		// the part is half done once its tiles are classified: stopped at 80 % of it, some explained
		List<String> reports = new java.util.concurrent.CopyOnWriteArrayList<>();
		assertThrows(java.util.concurrent.CancellationException.class, () -> BatchJob.run(job, (done, total, message) -> {
			reports.add(message);
			return !message.matches("slices \\(part 1 of 1: 8[0-9] %\\)");
		}, null));
		Path tiles = saveDir.resolve(BatchJob.WORK_DIR).resolve(BatchJob.TILES);
		long kept;
		try (java.util.stream.Stream<Path> files = Files.walk(tiles)) {
			kept = files.map(f -> f.getFileName().toString()).filter(f -> f.startsWith("pass2-"))
				.mapToLong(f -> Long.parseLong(f.substring(f.lastIndexOf('-') + 1, f.length() - ".bin".length()))).sum();
		}
		assertTrue(kept > 0 && kept < 961, "some tiles explained before the stop: " + kept + " (" + reports.size() + " reports)");

		List<String> messages = new java.util.concurrent.CopyOnWriteArrayList<>();
		List<CountingClassifier> opened = new ArrayList<>();
		BatchJob.run(job, null, new BatchJob.Events() {
			@Override
			public void message(String line) {
				messages.add(line);
			}
		}, null, p -> {
			CountingClassifier m = new CountingClassifier(Models.open(p));
			opened.add(m);
			return m;
		});
		String line = passesLine(String.join("\n", messages));
		assertEquals("ConceptScope batch: " + (961 - kept) + " tiles of 1 image (" + kept + " tiles explained by an earlier run), 10 model passes"
			+ " each (RISE: one per mask): " + 10 * (961 - kept) + " model passes.", line);
		assertEquals(RegionPassesTest.total(line), opened.stream().mapToLong(m -> m.images(CountingClassifier.Kind.LOGITS)).sum(), "the images RISE scored on resuming");
	}

	@Test
	void aRoiRunAnnouncesEachRoisTiles() throws Exception {
		List<String> arguments = args(work.resolve("rois"), "rois=" + folder);
		String line = passesLine(child(0, arguments));
		AtomicLong scored = new AtomicLong();
		assertEquals(line, passesLine(counted(args(work.resolve("rois-counted"), "rois=" + folder), scored)));
		assertEquals(RegionPassesTest.total(line), scored.get(), "the images RISE scored");
		List<List<String>> rows = Csv.parse(Files.readString(work.resolve("rois").resolve("crops-rise-regions.csv"), StandardCharsets.UTF_8));
		int tiles = rows.get(0).indexOf("tiles");
		long sum = rows.subList(1, rows.size()).stream().mapToLong(r -> Long.parseLong(r.get(tiles))).sum();
		assertEquals("ConceptScope batch: " + sum + " tiles of 3 ROIs, 10 model passes each (RISE: one per mask): " + 10 * sum + " model passes.",
			line);
	}
}
