package org.conceptscope.fiji;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.conceptscope.fiji.run.Failures;
import org.conceptscope.fiji.write.AtomicFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A command's save that fails on the disk (a file-size limit, {@code ulimit -f}, which fails the write
 * with EFBIG as a full disk fails it with ENOSPC: a plain IOException with no file) gets the command's
 * sentence naming the file, why and what to do, not the system's bare "File too large"; and nothing is
 * left in the folder (no temporary file, no result). In a JVM of its own, whose file-size limit is 16 KiB.
 */
class FullDiskSaveTest {

	@TempDir
	Path work;

	/** Writes 64 KiB as a command saves a result, and prints the sentence the command would show. */
	public static void main(String[] args) {
		try {
			AtomicFiles.write(Path.of(args[0]), new byte[64 * 1024]);
			System.out.println("written");
		} catch (Exception e) {
			System.out.println("sentence: " + Failures.message("TCAV", e));
		}
	}

	@Test
	void aWriteTheDiskRefusesGetsTheCommandsSentenceAndLeavesNothing() throws Exception {
		Path out = Files.createDirectories(work.resolve("save dir")), target = out.resolve("tcav.csv");
		List<String> cmd = new ArrayList<>(List.of("bash", "-c", "ulimit -f 16; exec \"$@\"", "limited"));
		cmd.addAll(ChildJvm.command(List.of("-Xmx256m", "-XX:-UsePerfData", "-Djava.awt.headless=true"), FullDiskSaveTest.class,
			List.of(target.toString())));
		Path log = work.resolve("child.log");
		Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
		boolean ended = p.waitFor(2, TimeUnit.MINUTES);
		if (!ended) p.destroyForcibly();
		String printed = Files.readString(log);
		assertTrue(ended, printed);
		assertEquals(0, p.exitValue(), printed);
		assertTrue(printed.contains("sentence: TCAV could not use " + target + ": File too large. Check that the folder exists and is writable"
			+ " and that the disk has space, or choose another save_dir."), printed);
		assertEquals(List.of(), TestFiles.names(out), "no temporary file, no half-written result");
	}
}
