package org.conceptscope.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.conceptscope.tensor.FloatTensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TensorFlow's native log: quiet by default (no lines from TensorFlow's C++ code on stderr while a
 * SavedModel loads and runs), all of it with {@code -Dconceptscope.tensorflow.log=true}, and a
 * {@code TF_CPP_MIN_LOG_LEVEL} the user set is never overridden. Child JVMs, because TensorFlow
 * reads its level once per process.
 */
class NativeLogTest {

	@TempDir
	Path dir;

	@Test
	void levelRules() {
		assertEquals("2", NativeLog.wanted(null, null), "quiet by default: errors only");
		assertEquals("2", NativeLog.wanted(null, "false"));
		assertEquals("0", NativeLog.wanted(null, "true"), "everything when asked for");
		assertEquals("1", NativeLog.wanted(null, "1"));
		assertEquals("2", NativeLog.wanted(null, "loud"), "an unknown value keeps the default");
		assertEquals("0", NativeLog.wanted("0", "false"), "the user's environment variable wins");
	}

	@Test
	void quietByDefaultAndLoudOnRequest() throws Exception {
		String quiet = childStderr(List.of(), null);
		assertFalse(quiet.contains("tensorflow/"), "no TensorFlow log lines by default:\n" + quiet);
		String loud = childStderr(List.of("-D" + NativeLog.PROPERTY + "=true"), null);
		assertTrue(loud.contains("tensorflow/"), "TensorFlow's log (e.g. 'Reading SavedModel from') when asked for:\n" + loud);
		String users = childStderr(List.of(), "0");
		assertTrue(users.contains("tensorflow/"), "the user's TF_CPP_MIN_LOG_LEVEL=0 is kept:\n" + users);
	}

	/** Stderr of a child JVM that loads the IHC model and classifies one image. */
	private String childStderr(List<String> options, String variable) throws Exception {
		List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
			"-Djava.awt.headless=true"));
		cmd.addAll(options);
		for (String key : List.of("conceptscope.cache.dir", "TENSORFLOW_LIBRARY_PATH")) {
			if (System.getProperty(key) != null) cmd.add("-D" + key + "=" + System.getProperty(key));
		}
		cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Child.class.getName(), BundledModels.dir("ihc-stain").toString()));
		ProcessBuilder pb = new ProcessBuilder(cmd);
		pb.environment().remove(NativeLog.VARIABLE);
		if (variable != null) pb.environment().put(NativeLog.VARIABLE, variable);
		Path err = Files.createTempFile(dir, "stderr", ".txt");
		Process p = pb.redirectError(err.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
		assertTrue(p.waitFor(2, TimeUnit.MINUTES), "the child ends");
		String text = Files.readString(err, StandardCharsets.UTF_8);
		assertEquals(0, p.exitValue(), text);
		return text;
	}

	/** Loads a model and classifies one zero image. */
	public static final class Child {
		public static void main(String[] args) {
			try (TensorFlowClassifier m = TensorFlowClassifier.load(Path.of(args[0]))) {
				System.out.println(m.logits(FloatTensor.zeros(1, 32, 32, 3)));
			}
		}
	}
}
