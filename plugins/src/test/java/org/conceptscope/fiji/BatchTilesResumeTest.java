package org.conceptscope.fiji;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.conceptscope.fiji.batch.Batch;
import org.conceptscope.fiji.batch.BatchJob;
import org.conceptscope.testsupport.ChildJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The batch runner resumes a large image by tiles: scikit-image's ihc.png (512x512, 961 tiles of the
 * 32x32 IHC model) is one part; its runner, in a child JVM, is killed with SIGKILL as soon as it has
 * kept a batch of explained tiles, before the part is finished. Run again, the runner takes the kept
 * tile batches from the earlier run, computes only the others, and writes exactly the results of a
 * run that was never stopped (same CSV text, same map values to the bit). Before that, the same command
 * with another setting is refused: the kept tiles are work, not discarded as an empty run would be.
 */
class BatchTilesResumeTest {

	@TempDir
	Path work;

	@Test
	void aRunKilledInTheMiddleOfAnImageResumesWithoutItsFinishedTiles() throws Exception {
		Path ihc = TestFiles.testImages().resolve("images/ihc.png"), model = TestFiles.testImages().resolve("models/ihc-stain");
		Path killed = work.resolve("killed"), whole = work.resolve("whole");
		List<String> arguments = List.of("input=" + ihc, "model=" + model, "save_dir=" + killed, "method=smoothgrad", "samples=4");
		List<String> childArgs = new ArrayList<>(List.of("0", "0"));
		childArgs.addAll(arguments);
		ProcessBuilder pb = new ProcessBuilder(ChildJvm.command(List.of("-Xmx1g", "-XX:MaxDirectMemorySize=512m", "-Djava.awt.headless=true"),
			BatchChild.class, childArgs));
		pb.environment().put("TF_CPP_MIN_LOG_LEVEL", "2");
		Process child = pb.redirectErrorStream(true).redirectOutput(work.resolve("child.txt").toFile()).start();
		Path tiles = killed.resolve(BatchJob.WORK_DIR).resolve(BatchJob.TILES);
		long seen = 0;
		long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
		while (child.isAlive() && System.nanoTime() < deadline && (seen = explainedBatches(tiles)) == 0) Thread.sleep(20);
		child.destroyForcibly(); // SIGKILL: no shutdown hook, no finally
		assertTrue(child.waitFor(1, TimeUnit.MINUTES));
		assertEquals(137, child.exitValue(), "killed while working: " + Files.readString(work.resolve("child.txt")));
		assertTrue(seen > 0, "a batch of explained tiles was kept before the kill");
		assertFalse(Files.exists(killed.resolve(BatchJob.WORK_DIR).resolve(BatchJob.PARTS).resolve("part-000000.bin")),
			"the kill came before the image (the run's only part) was finished");
		long keptPass1 = batches(tiles, "pass1-"), keptPass2 = explainedBatches(tiles);

		// kept tiles are work: a run with other settings is refused as for finished parts, not discarded
		List<String> other = new ArrayList<>(arguments);
		other.set(other.indexOf("samples=4"), "samples=5");
		ByteArrayOutputStream refusal = new ByteArrayOutputStream();
		PrintStream err = new PrintStream(refusal, true, StandardCharsets.UTF_8);
		assertEquals(1, Batch.run(other.toArray(new String[0]), err, err, null), refusal.toString(StandardCharsets.UTF_8));
		assertTrue(refusal.toString(StandardCharsets.UTF_8).contains("holds an unfinished batch run (no part finished yet, but " + (keptPass1 + keptPass2)
			+ " batches of tiles kept) that differs in samples (4 then, 5 now): run it again with its settings to finish it, choose another"
			+ " save_dir, or add restart to discard it."), refusal.toString(StandardCharsets.UTF_8));
		assertEquals(keptPass1, batches(tiles, "pass1-"), "nothing discarded");
		assertEquals(keptPass2, explainedBatches(tiles));

		String printed = run(arguments);
		Matcher m = Pattern.compile("Part 0: (\\d+) batches of tiles kept from an earlier run, (\\d+) computed\\.").matcher(printed);
		assertTrue(m.find(), printed);
		assertEquals(keptPass1 + keptPass2, Long.parseLong(m.group(1)), "every tile batch on disk was used: " + printed);
		assertTrue(Long.parseLong(m.group(1)) >= seen);
		assertFalse(Files.exists(tiles), "the tiles are removed once the part is committed");

		List<String> uninterrupted = new ArrayList<>(arguments);
		uninterrupted.set(2, "save_dir=" + whole);
		// the whole image is the run's one part of one slice: its progress says how far into the part it is
		List<String> reports = new java.util.concurrent.CopyOnWriteArrayList<>(), messages = new java.util.concurrent.CopyOnWriteArrayList<>();
		BatchJob.run(Batch.parse(uninterrupted.toArray(new String[0])), (done, total, message) -> reports.add(done + "/" + total + " " + message),
			new BatchJob.Events() {
				@Override
				public void message(String line) {
					messages.add(line);
				}
			});
		assertFalse(String.join("\n", messages).contains("kept from an earlier run"), messages.toString());
		assertTrue(reports.stream().anyMatch(r -> r.matches("0/1 slices \\(part 1 of 1: [1-9][0-9]? %\\)")), "within the part: " + reports);
		assertEquals(Files.readString(whole.resolve("ihc-smoothgrad-results.csv")), Files.readString(killed.resolve("ihc-smoothgrad-results.csv")));
		float[] want = (float[]) IJ.openImage(whole.resolve("ihc-smoothgrad-map.tif").toString()).getProcessor().getPixels();
		float[] got = (float[]) IJ.openImage(killed.resolve("ihc-smoothgrad-map.tif").toString()).getProcessor().getPixels();
		assertEquals(512 * 512, got.length);
		assertArrayEquals(want, got, "the resumed map is the uninterrupted one");
		assertEquals(RoiZip.read(whole.resolve("ihc-smoothgrad-map-RoiSet.zip")).get(0).getBounds(),
			RoiZip.read(killed.resolve("ihc-smoothgrad-map-RoiSet.zip")).get(0).getBounds());
	}

	private static String run(List<String> arguments) {
		ByteArrayOutputStream text = new ByteArrayOutputStream();
		PrintStream both = new PrintStream(text, true, StandardCharsets.UTF_8);
		int status = Batch.run(arguments.toArray(new String[0]), both, both, null);
		String printed = text.toString(StandardCharsets.UTF_8);
		assertEquals(0, status, printed);
		return printed;
	}

	private static long explainedBatches(Path tiles) {
		return batches(tiles, "pass2-");
	}

	private static long batches(Path tiles, String prefix) {
		if (!Files.isDirectory(tiles)) return 0;
		try (Stream<Path> s = Files.walk(tiles)) {
			return s.filter(f -> f.getFileName().toString().startsWith(prefix) && f.getFileName().toString().endsWith(".bin")).count();
		} catch (java.io.IOException | java.io.UncheckedIOException e) {
			return 0; // the child is writing: look again
		}
	}
}
