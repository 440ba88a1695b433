package org.conceptscope.fiji;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The command line of a child JVM running a class of this module with the test class path, the
 * TensorFlow cache settings of this JVM, and the given JVM options. Child JVMs are needed where a
 * test kills a run, wants a display, or loads TensorFlow through a second class loader.
 */
final class ChildJvm {

	private ChildJvm() {}

	static List<String> command(List<String> jvmOptions, Class<?> main, List<String> args) {
		List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
		cmd.addAll(jvmOptions);
		for (String key : List.of("conceptscope.cache.dir", "TENSORFLOW_LIBRARY_PATH")) {
			if (System.getProperty(key) != null) cmd.add("-D" + key + "=" + System.getProperty(key));
		}
		cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
		cmd.addAll(args);
		return cmd;
	}

	/**
	 * Runs {@code pb} and gives what it printed (stdout and stderr) once it has ended with status 0. The output goes to a
	 * file, not a pipe, so the time limit holds (reading a pipe to its end first waits as long as the child lives): a child
	 * still running after {@code minutes} is killed and the test fails.
	 */
	static String output(ProcessBuilder pb, long minutes) throws Exception {
		File log = File.createTempFile("conceptscope-child", ".log");
		try {
			Process p = pb.redirectErrorStream(true).redirectOutput(log).start();
			if (!p.waitFor(minutes, TimeUnit.MINUTES)) {
				p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
				fail("the child did not end within " + minutes + " minutes; it printed: " + Files.readString(log.toPath(), StandardCharsets.UTF_8));
			}
			String said = Files.readString(log.toPath(), StandardCharsets.UTF_8);
			assertEquals(0, p.exitValue(), said);
			return said;
		} finally {
			Files.deleteIfExists(log.toPath());
		}
	}
}
