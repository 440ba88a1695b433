package org.conceptscope.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Child JVMs for tests: the command line of a JVM running a class with this JVM's test class path, its TensorFlow cache
 * settings and the given JVM options, and what such a child printed once it ended. Child JVMs are needed where a test
 * wants a heap of its own, kills a run, wants a display, or loads TensorFlow through a second class loader. Main code of
 * the test-support module, which ops' and the plugins module's tests depend on, so that a build that compiles no test
 * (mvn compile, -Dmaven.test.skip=true) needs no test jar.
 */
public final class ChildJvm {

	private ChildJvm() {}

	public static List<String> command(List<String> jvmOptions, Class<?> main, List<String> args) {
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
	public static String output(ProcessBuilder pb, long minutes) throws Exception {
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

	/**
	 * Runs {@code main} in a fresh headless JVM of this heap and 256 MB of direct memory, TensorFlow's info lines off (the
	 * memory-check tests' children); prints what it said, with its time, and gives it once it ended with status 0 (within
	 * 10 minutes).
	 */
	public static String run(Class<?> main, String heap, List<String> args) throws Exception {
		ProcessBuilder pb = new ProcessBuilder(command(List.of(heap, "-XX:MaxDirectMemorySize=256m", "-Djava.awt.headless=true"), main, args));
		pb.environment().put("TF_CPP_MIN_LOG_LEVEL", "2");
		long start = System.nanoTime();
		String said = output(pb, 10);
		System.out.printf(Locale.ROOT, "%s %s %s: %.0f s: %s%n", main.getName(), heap, args, (System.nanoTime() - start) / 1e9, said.trim());
		return said;
	}
}
