package org.conceptscope.util;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.concurrent.TimeUnit;

/**
 * What a child process printed (stdout and stderr), read once it has ended: its output goes to a file, not a pipe, so the
 * wait's time limit holds (reading a pipe to its end first waits as long as the child lives); a child still running at the
 * limit is killed and the test fails.
 */
public final class ChildOutput {

	private ChildOutput() {}

	public static String of(ProcessBuilder pb, long minutes) throws Exception {
		File log = File.createTempFile("conceptscope-child", ".log");
		try {
			Process p = pb.redirectErrorStream(true).redirectOutput(log).start();
			if (!p.waitFor(minutes, TimeUnit.MINUTES)) {
				p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
				fail("the child did not end within " + minutes + " minutes; it printed: " + Files.readString(log.toPath(), StandardCharsets.UTF_8));
			}
			return Files.readString(log.toPath(), StandardCharsets.UTF_8);
		} finally {
			Files.deleteIfExists(log.toPath());
		}
	}
}
