package org.conceptscope.fiji;

import org.conceptscope.fiji.write.AtomicFiles;
import org.conceptscope.fiji.batch.Batch;
import org.conceptscope.fiji.run.Demo;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
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

import org.conceptscope.testsupport.ChildJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The output disk fills up in the middle of a batch run, as a user meets it: the batch runner's
 * main, in a JVM of its own, writes its results to a save_dir on a file system that is too small.
 * Where the system lets a user make a private mount namespace ({@code unshare -rm}, no root
 * needed where user namespaces are allowed) that file system is a real tmpfs of 48 KiB, so the
 * writes fail with ENOSPC part-way through the parts; otherwise a file-size limit ({@code ulimit
 * -f}) makes the write of the map stack fail (EFBIG) after every part was done. Either way: exit
 * status 1 and one sentence naming the save_dir, why and what to do, no stack trace; no
 * half-written file (no temporary file left, no result file at all, no damaged part); then, with
 * space again, the same command resumes from the finished parts and writes what an undisturbed
 * run writes.
 */
class BadInputFullDiskTest {

	@TempDir
	Path work;

	private final Path testImages = TestFiles.testImages();
	private final Path model = testImages.resolve("models/ihc-stain");
	private final Path stack = testImages.resolve(Demo.IMAGE);

	static boolean privateMountsAllowed() {
		try {
			Process p = new ProcessBuilder("unshare", "-rm", "true").redirectErrorStream(true).start();
			return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
		} catch (IOException | InterruptedException e) {
			return false;
		}
	}

	@Test
	void aFullDiskGetsASentenceLeavesNoHalfFileAndTheSameCommandResumes() throws Exception {
		Path disk = Files.createDirectories(work.resolve("disk")), out = disk.resolve("out");
		Path failed = Files.createDirectories(work.resolve("after-failure")), resumed = Files.createDirectories(work.resolve("after-resume"));
		List<String> batch = ChildJvm.command(List.of("-Xmx1g", "-XX:MaxDirectMemorySize=512m", "-Djava.awt.headless=true"), Batch.class,
			List.of("input=" + stack, "model=" + model, "save_dir=" + out, "method=saliency", "batch=1"));
		boolean tmpfs = privateMountsAllowed();
		// the two runs of the same command, each followed by a copy of the disk (a private mount is gone when the shell ends)
		String script = tmpfs
			? "mount -t tmpfs -o size=48k conceptscope-full \"$1\" || exit 90\n"
				+ "shift 3; \"$@\" > \"$F/run.log\" 2>&1; echo $? > \"$F/run.rc\"; cp -a \"$D/out\" \"$F/\"\n"
				+ "mount -o remount,size=64m \"$D\" || exit 91\n"
				+ "\"$@\" > \"$R/run.log\" 2>&1; echo $? > \"$R/run.rc\"; cp -a \"$D/out\" \"$R/\"\n"
			: "shift 3; (ulimit -f 24; exec \"$@\") > \"$F/run.log\" 2>&1; echo $? > \"$F/run.rc\"; cp -a \"$D/out\" \"$F/\"\n"
				+ "\"$@\" > \"$R/run.log\" 2>&1; echo $? > \"$R/run.rc\"; cp -a \"$D/out\" \"$R/\"\n";
		List<String> cmd = new ArrayList<>(tmpfs ? List.of("unshare", "-rm", "bash", "-c") : List.of("bash", "-c"));
		cmd.add("D=\"$1\"; F=\"$2\"; R=\"$3\"\n" + script);
		cmd.add("full-disk");
		cmd.addAll(List.of(disk.toString(), failed.toString(), resumed.toString()));
		cmd.addAll(batch);
		ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(work.resolve("shell.log").toFile());
		pb.environment().put("TF_CPP_MIN_LOG_LEVEL", "2");
		Process p = pb.start();
		assertTrue(p.waitFor(10, TimeUnit.MINUTES), "the two runs end");
		assertEquals(0, p.exitValue(), Files.readString(work.resolve("shell.log")));

		// the failed run: one sentence, nothing half-written
		String log = Files.readString(failed.resolve("run.log"));
		assertEquals("1", Files.readString(failed.resolve("run.rc")).trim(), log);
		String reason = tmpfs ? "No space left on device" : "File too large";
		assertTrue(log.contains("Cannot write the results in save_dir " + out), log);
		assertTrue(log.contains(reason), log);
		assertTrue(log.contains("Check that the folder is writable and the disk has space, or choose another save_dir;"
			+ " finished parts are kept, so the same command resumes."), log);
		assertFalse(log.contains("\tat ") || log.contains("Exception"), "no stack trace: " + log);
		Path after = failed.resolve("out");
		try (Stream<Path> files = Files.walk(after)) {
			List<String> temporary = files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(AtomicFiles.TEMP_SUFFIX)).toList();
			assertEquals(List.of(), temporary, "no temporary file left behind");
		}
		String base = "ihc-heldout-patches-saliency";
		for (String suffix : List.of("-results.csv", "-map.tif", "-map-RoiSet.zip")) {
			assertFalse(Files.exists(after.resolve(base + suffix)), base + suffix + " is not there half-written");
		}

		// the same command with space again: resumes, finds no damaged part, and writes the results of an undisturbed run
		String again = Files.readString(resumed.resolve("run.log"));
		assertEquals("0", Files.readString(resumed.resolve("run.rc")).trim(), again);
		Matcher m = Pattern.compile("Resuming: (\\d+) of (\\d+) parts").matcher(again);
		assertTrue(m.find(), again);
		int kept = Integer.parseInt(m.group(1)), parts = Integer.parseInt(m.group(2));
		assertEquals(12, parts);
		if (tmpfs) assertTrue(kept >= 1 && kept < parts, "the disk filled up part-way: " + kept + " of " + parts + " parts were done");
		else assertEquals(parts, kept, "the map stack failed after every part was done");
		assertFalse(again.contains("damaged"), again);

		Path reference = work.resolve("reference");
		PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
		assertEquals(0, Batch.run(new String[] { "input=" + stack, "model=" + model, "save_dir=" + reference, "method=saliency", "batch=1" },
			quiet, quiet, null));
		Path got = resumed.resolve("out");
		assertEquals(Files.readString(reference.resolve(base + "-results.csv")), Files.readString(got.resolve(base + "-results.csv")));
		List<ij.gui.Roi> wantRois = RoiZip.read(reference.resolve(base + "-map-RoiSet.zip")), haveRois = RoiZip.read(got.resolve(base + "-map-RoiSet.zip"));
		assertEquals(wantRois.size(), haveRois.size());
		for (int i = 0; i < wantRois.size(); i++) {
			assertEquals(wantRois.get(i).getName(), haveRois.get(i).getName());
			assertEquals(wantRois.get(i).getBounds(), haveRois.get(i).getBounds(), wantRois.get(i).getName());
		}
		ImagePlus want = IJ.openImage(reference.resolve(base + "-map.tif").toString()), have = IJ.openImage(got.resolve(base + "-map.tif").toString());
		assertEquals(want.getStackSize(), have.getStackSize());
		for (int z = 1; z <= want.getStackSize(); z++) {
			assertArrayEquals((float[]) want.getStack().getPixels(z), (float[]) have.getStack().getPixels(z), "map of slice " + z);
		}
	}
}
