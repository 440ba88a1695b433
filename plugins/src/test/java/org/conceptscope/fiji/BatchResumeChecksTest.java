package org.conceptscope.fiji;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;
import ij.gui.Roi;
import ij.process.ColorProcessor;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.conceptscope.fiji.batch.Batch;
import org.conceptscope.fiji.batch.BatchJob;
import org.conceptscope.fiji.batch.BatchLauncher;
import org.conceptscope.fiji.run.Demo;
import org.conceptscope.testsupport.ChildJvm;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the batch runner checks before it resumes or computes, run as a user runs it (its main, a
 * child JVM where the heap matters): a part too large for the heap is refused before the model loads;
 * the heap running out anyway ends in one sentence and a journal line, and the same command resumes;
 * a stack edited in its middle at the same length is a changed input (a copy that only changed its
 * time is not); keys the method does not read neither refuse a resume nor make it compute anything
 * again, and a new top_fraction redraws the finished parts' ROIs from their maps; a run of another
 * ConceptScope version is neither resumed nor taken as complete.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BatchResumeChecksTest {

	@TempDir
	Path work;

	private final Path testImages = TestFiles.testImages();
	private final Path model = testImages.resolve("models/ihc-stain");
	private ImagePlus patches;

	@BeforeAll
	void load() {
		patches = IJ.openImage(testImages.resolve(Demo.IMAGE).toString());
	}

	/** A 2000x2000 RGB image needs about 84 MB while it is explained; a 64 MB heap is refused at once, nothing written. */
	@Test
	void aPartTooLargeForTheHeapIsRefusedBeforeTheModelLoads() throws Exception {
		ImagePlus ihc = IJ.openImage(testImages.resolve("images/ihc.png").toString());
		ColorProcessor big = new ColorProcessor(2000, 2000);
		for (int y = 0; y < 2000; y++) for (int x = 0; x < 2000; x++) big.set(x, y, ihc.getProcessor().get(x % 512, y % 512));
		Path image = work.resolve("big.tif"), out = work.resolve("big-out");
		IJ.saveAsTiff(new ImagePlus("big", big), image.toString());
		Path log = work.resolve("big.txt");
		ProcessBuilder pb = new ProcessBuilder(ChildJvm.command(List.of("-Xmx64m", "-Djava.awt.headless=true"), Batch.class,
			List.of("input=" + image, "model=" + model, "save_dir=" + out)));
		pb.environment().put("TF_CPP_MIN_LOG_LEVEL", "2");
		Process child = pb.redirectErrorStream(true).redirectOutput(log.toFile()).start();
		boolean ended = child.waitFor(90, TimeUnit.SECONDS);
		if (!ended) child.destroyForcibly().waitFor();
		String text = Files.readString(log);
		assertTrue(ended, "refused at once, not explained tile by tile: " + text);
		assertEquals(1, child.exitValue(), text);
		String line = text.strip();
		assertTrue(line.startsWith("ConceptScope batch: 'big.tif' is 2000 x 2000 pixels: a part of 1 slice of it needs about 84 MB of Java's"
			+ " memory while it is explained (about 21 bytes a pixel), more than the "), text);
		assertTrue(line.contains("start Java with more, e.g. java -Xmx") && line.contains("g -jar " + BatchLauncher.JAR + " ...")
			&& line.endsWith("or export a smaller region of the image."), text);
		assertFalse(line.contains("\n") || line.contains("Exception"), "one sentence: " + text);
		assertFalse(Files.exists(out), "nothing written");
	}

	/** The heap running out in a part (here the computer's): one sentence, a "stopped" journal line, exit 1; the same command resumes. */
	@Test
	void runningOutOfMemoryStopsWithOneSentenceAndAJournalLineAndTheSameCommandResumes() throws Exception {
		Path stack = TestFiles.cyclingStack(patches, 6, work.resolve("six.tif")), out = work.resolve("oom");
		String[] args = { "input=" + stack, "model=" + model, "save_dir=" + out, "batch=3" };
		ByteArrayOutputStream text = new ByteArrayOutputStream();
		PrintStream err = new PrintStream(text, true, StandardCharsets.UTF_8);
		int status = Batch.run(args, err, err, null, (manifest, missing, sink) -> {
			throw new OutOfMemoryError("Java heap space");
		});
		String said = text.toString(StandardCharsets.UTF_8);
		assertEquals(1, status, said);
		assertTrue(said.contains("ConceptScope batch: Java ran out of memory for 'six.tif' (32 x 32 pixels) with the "), said);
		assertTrue(said.contains("run the same command again with more memory, e.g. java -Xmx") && said.contains("g -jar " + BatchLauncher.JAR
			+ " ... (the finished parts"), said);
		assertFalse(said.contains("\tat ") || said.contains("OutOfMemoryError"), "no stack trace: " + said);
		List<String> journal = Files.readAllLines(out.resolve(BatchJob.WORK_DIR).resolve(BatchJob.JOURNAL));
		assertTrue(journal.get(journal.size() - 1).endsWith("run 1 stopped: out of memory, 0 of 6 slices done"), journal.toString());

		ByteArrayOutputStream again = new ByteArrayOutputStream();
		PrintStream both = new PrintStream(again, true, StandardCharsets.UTF_8);
		assertEquals(0, Batch.run(args, both, both, null), again.toString(StandardCharsets.UTF_8));
		assertTrue(again.toString(StandardCharsets.UTF_8).contains("Resuming: 0 of 2 parts"), again.toString(StandardCharsets.UTF_8));
		assertTrue(Files.isRegularFile(out.resolve("six-saliency-map.tif")));
	}

	/**
	 * A stack of 800 patches (2.4 MB): slices in its middle changed at the same length lie outside the
	 * first and last MiB the fingerprint reads; the changed time makes the run read it whole.
	 */
	@Test
	void aSameLengthEditInTheMiddleIsAChangedInputAndATouchIsNot() throws Exception {
		Path stack = TestFiles.cyclingStack(patches, 800, work.resolve("long.tif")), out = work.resolve("edited");
		long length = Files.size(stack);
		assertTrue(length > 2.2e6, "more than the fingerprint's two MiB: " + length);
		List<String> args = List.of("input=" + stack, "model=" + model, "save_dir=" + out);
		BatchJob.run(Batch.parse(args.toArray(new String[0])), Progress.NONE, null);

		// a copy that kept the content but not the time: still complete, and the new time is recorded
		FileTime later = FileTime.fromMillis(Files.getLastModifiedTime(stack).toMillis() + 60_000);
		Files.setLastModifiedTime(stack, later);
		assertTrue(BatchJob.run(Batch.parse(args.toArray(new String[0])), Progress.NONE, null).alreadyComplete());
		try (Stream<Path> records = Files.list(out.resolve(BatchJob.WORK_DIR).resolve(BatchJob.FINISHED))) {
			String record = Files.readString(records.findFirst().orElseThrow());
			assertTrue(record.contains("\"modified\": " + later.toMillis()), record);
		}

		try (RandomAccessFile f = new RandomAccessFile(stack.toFile(), "rw")) {
			for (long at = length / 2 - 3000; at < length / 2 + 3000; at++) {
				f.seek(at);
				int b = f.read();
				f.seek(at);
				f.write(255 - b);
			}
		}
		assertEquals(length, Files.size(stack));
		Files.setLastModifiedTime(stack, FileTime.fromMillis(later.toMillis() + 60_000));
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
			() -> BatchJob.run(Batch.parse(args.toArray(new String[0])), Progress.NONE, null));
		assertTrue(e.getMessage().startsWith("save_dir " + out.toAbsolutePath() + " holds the finished results of a run that differs in the input"
			+ " file long.tif (its content changed)"), e.getMessage());
	}

	/**
	 * Saliency reads none of opacity, calibration_bar, steps or seed: a run stopped after its first part
	 * resumes with them changed and computes only the other parts; top_fraction, which only shapes the
	 * ROIs, may change too: every map's ROI then outlines the new fraction, as in a run with it from the start.
	 */
	@Test
	void keysTheMethodDoesNotReadNeitherRefuseAResumeNorRecomputeAndANewTopFractionRedrawsTheRois() throws Exception {
		Path stack = TestFiles.cyclingStack(patches, 12, work.resolve("twelve.tif")), out = work.resolve("no-op"), whole = work.resolve("whole");
		List<String> first = List.of("input=" + stack, "model=" + model, "save_dir=" + out, "batch=4");
		stopAfterTheFirstPart(first);
		List<String> changed = new ArrayList<>(first);
		changed.addAll(List.of("opacity=0.5", "calibration_bar", "steps=7", "seed=9", "top_fraction=0.3"));
		ByteArrayOutputStream text = new ByteArrayOutputStream();
		PrintStream both = new PrintStream(text, true, StandardCharsets.UTF_8);
		assertEquals(0, Batch.run(changed.toArray(new String[0]), both, both, null), text.toString(StandardCharsets.UTF_8));
		String said = text.toString(StandardCharsets.UTF_8);
		assertTrue(said.contains("top_fraction changed (0.1 then, 0.3 now): the finished parts' ROIs are drawn again from their maps."), said);
		assertTrue(said.contains("Resuming: 1 of 3 parts (4 of 12 slices) are done; computing the other 2."), said);
		assertTrue(said.contains("3 parts of 4 slices; 2 parts computed by this run, 1 by earlier runs."), said);

		List<String> direct = new ArrayList<>(List.of("input=" + stack, "model=" + model, "save_dir=" + whole, "batch=4", "top_fraction=0.3"));
		BatchJob.run(Batch.parse(direct.toArray(new String[0])), Progress.NONE, null);
		List<Roi> got = RoiZip.read(out.resolve("twelve-saliency-map-RoiSet.zip")), want = RoiZip.read(whole.resolve("twelve-saliency-map-RoiSet.zip"));
		assertEquals(want.size(), got.size());
		for (int i = 0; i < want.size(); i++) {
			assertEquals(want.get(i).getName(), got.get(i).getName());
			assertEquals("0.300000", got.get(i).getProperty("top_fraction"), got.get(i).getName());
			assertEquals(want.get(i).getProperty("pixels"), got.get(i).getProperty("pixels"), got.get(i).getName());
			assertEquals(want.get(i).getBounds(), got.get(i).getBounds(), got.get(i).getName());
			assertEquals(want.get(i).getPosition(), got.get(i).getPosition(), got.get(i).getName());
		}
		assertEquals(Files.readString(whole.resolve("twelve-saliency-results.csv")), Files.readString(out.resolve("twelve-saliency-results.csv")));
	}

	/** A run of another ConceptScope version: its unfinished parts are not mixed with this version's, its finished results not taken as this run's. */
	@Test
	void aRunOfAnotherVersionIsNeitherResumedNorTakenAsComplete() throws Exception {
		Path stack = TestFiles.cyclingStack(patches, 8, work.resolve("eight.tif")), out = work.resolve("versions");
		List<String> args = List.of("input=" + stack, "model=" + model, "save_dir=" + out, "batch=4");
		stopAfterTheFirstPart(args);
		Path manifest = out.resolve(BatchJob.WORK_DIR).resolve(BatchJob.MANIFEST);
		String now = Files.readString(manifest);
		assertTrue(now.matches("(?s).*\"version\": \"[^\"]+\".*"), now);
		Files.writeString(manifest, now.replaceFirst("\"version\": \"[^\"]+\"", "\"version\": \"0.0.1\""));
		IllegalArgumentException unfinished = assertThrows(IllegalArgumentException.class,
			() -> BatchJob.run(Batch.parse(args.toArray(new String[0])), Progress.NONE, null));
		assertTrue(unfinished.getMessage().startsWith("save_dir " + out.toAbsolutePath() + " holds an unfinished batch run computed by another"
			+ " version of ConceptScope (0.0.1; this is "), unfinished.getMessage());
		assertTrue(unfinished.getMessage().endsWith("finish it with that version, choose another save_dir, or add restart to start afresh with"
			+ " this one."), unfinished.getMessage());

		List<String> restart = new ArrayList<>(args);
		restart.add("restart");
		BatchJob.run(Batch.parse(restart.toArray(new String[0])), Progress.NONE, null);
		try (Stream<Path> files = Stream.concat(Stream.of(manifest), Files.list(out.resolve(BatchJob.WORK_DIR).resolve(BatchJob.FINISHED)))) {
			for (Path f : files.toList()) Files.writeString(f, Files.readString(f).replaceFirst("\"version\": \"[^\"]+\"", "\"version\": \"0.0.1\""));
		}
		IllegalArgumentException finished = assertThrows(IllegalArgumentException.class,
			() -> BatchJob.run(Batch.parse(args.toArray(new String[0])), Progress.NONE, null));
		assertTrue(finished.getMessage().contains("holds the finished results of a run that differs in the ConceptScope version (0.0.1 then, "),
			finished.getMessage());
	}

	/** A run stopped (as by Ctrl-C) once its first part is committed. */
	private static void stopAfterTheFirstPart(List<String> args) {
		java.util.concurrent.atomic.AtomicBoolean committed = new java.util.concurrent.atomic.AtomicBoolean();
		assertThrows(java.util.concurrent.CancellationException.class, () -> BatchJob.run(Batch.parse(args.toArray(new String[0])),
			(done, total, message) -> !committed.get(), new BatchJob.Events() {
				@Override
				public void partDone(int part, int done, int parts) {
					committed.set(true);
				}
			}));
	}
}
