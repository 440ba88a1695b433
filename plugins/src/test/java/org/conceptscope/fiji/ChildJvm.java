package org.conceptscope.fiji;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

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
}
