package org.conceptscope.fiji;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.conceptscope.fiji.run.Failures;
import org.conceptscope.fiji.write.AtomicFiles;
import org.conceptscope.fiji.write.TiffStackWriter;
import org.conceptscope.testsupport.ChildJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A command's save that fails on the disk (a file-size limit, {@code ulimit -f}, which fails the write
 * with EFBIG as a full disk fails it with ENOSPC: a plain IOException with no file) gets the command's
 * sentence naming the file, why and what to do, not the system's bare "File too large"; and nothing is
 * left in the folder (no temporary file, no result); files written at once and files written over time alike. In a JVM of
 * its own, whose file-size limit is 16 KiB.
 */
class FullDiskSaveTest {

	@TempDir
	Path work;

	/**
	 * Writes 64 KiB as a command saves a result, and prints the sentence the command would show: a whole file at once
	 * ({@code atomic}), a map stack plane by plane as the stack and batch runners do ({@code maps}), or a table row by row
	 * ({@code table}).
	 */
	public static void main(String[] args) {
		Path target = Path.of(args[1]);
		try {
			switch (args[0]) {
				case "atomic" -> AtomicFiles.write(target, new byte[64 * 1024]);
				case "maps" -> {
					try (TiffStackWriter maps = new TiffStackWriter(target, 64, 64, 4, 1, null)) {
						for (int i = 0; i < maps.planes(); i++) maps.write(new float[64 * 64]);
						maps.commit();
					}
				}
				case "table" -> {
					try (AtomicFiles.Pending table = AtomicFiles.begin(target)) {
						OutputStream out = new BufferedOutputStream(table.stream(), 1 << 12);
						for (int row = 0; row < 4096; row++) out.write("1,2,3,4,5,6,7,8\n".getBytes(StandardCharsets.US_ASCII));
						out.flush();
						table.commit();
					}
				}
				default -> throw new IllegalArgumentException(args[0]);
			}
			System.out.println("written");
		} catch (Exception e) {
			System.out.println("sentence: " + Failures.message(e));
		}
	}

	@Test
	void aFileWrittenAtOnce() throws Exception {
		refusedByTheDisk("atomic", "tcav.csv");
	}

	@Test
	void aMapStackWrittenPlaneByPlane() throws Exception {
		refusedByTheDisk("maps", "maps.tif");
	}

	@Test
	void aTableWrittenRowByRow() throws Exception {
		refusedByTheDisk("table", "table.csv");
	}

	private void refusedByTheDisk(String mode, String name) throws Exception {
		Path out = Files.createDirectories(work.resolve("save dir " + mode)), target = out.resolve(name);
		List<String> cmd = new ArrayList<>(List.of("bash", "-c", "ulimit -f 16; exec \"$@\"", "limited"));
		cmd.addAll(ChildJvm.command(List.of("-Xmx256m", "-XX:-UsePerfData", "-Djava.awt.headless=true"), FullDiskSaveTest.class,
			List.of(mode, target.toString())));
		Path log = work.resolve(mode + ".log");
		Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
		boolean ended = p.waitFor(2, TimeUnit.MINUTES);
		if (!ended) p.destroyForcibly();
		String printed = Files.readString(log);
		assertTrue(ended, printed);
		assertEquals(0, p.exitValue(), printed);
		assertTrue(printed.contains("sentence: Could not use " + target + ": File too large. Check that the folder exists and is writable"
			+ " and that the disk has space, or choose another save_dir."), printed);
		assertEquals(List.of(), TestFiles.names(out), "no temporary file, no half-written result");
	}
}
