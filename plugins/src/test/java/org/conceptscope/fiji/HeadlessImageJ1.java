package org.conceptscope.fiji;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

import net.imagej.patcher.LegacyEnvironment;

/**
 * A real ImageJ 1.x, patched to run headless (ij1-patcher's LegacyEnvironment), with the
 * ConceptScope plugin installed the way a user installs it: the plugin jar (built here from
 * target/classes, plugins.config at its root) and the dependency jars on ImageJ's plugin class
 * path. Macros run through ImageJ's own interpreter. Lives in {@link MacroRunner}'s JVM only: see
 * there why.
 */
final class HeadlessImageJ1 {

	private final LegacyEnvironment ij;

	HeadlessImageJ1(Path classes, List<File> dependencies, Path work) throws IOException, ClassNotFoundException {
		List<File> classpath = new ArrayList<>(List.of(pluginJar(classes, work.resolve("conceptscope_plugins.jar")).toFile()));
		classpath.addAll(dependencies);
		ij = new LegacyEnvironment(null, true);
		ij.disableIJ1PluginDirs();
		ij.addPluginClasspath(classpath.toArray(new File[0]));
	}

	/** Runs macro code with an argument (getArgument()); returns what ImageJ printed meanwhile (print(), errors). */
	String run(String code, String argument) {
		ByteArrayOutputStream captured = new ByteArrayOutputStream();
		PrintStream out = System.out, err = System.err;
		System.setOut(new PrintStream(new Tee(out, captured), true, StandardCharsets.UTF_8));
		System.setErr(new PrintStream(new Tee(err, captured), true, StandardCharsets.UTF_8));
		try {
			ij.runMacro(code, argument);
		} finally {
			System.setOut(out);
			System.setErr(err);
		}
		return captured.toString(StandardCharsets.UTF_8);
	}

	/** The plugin jar as the build makes it: every class and resource, plugins.config at the root. */
	private static Path pluginJar(Path classes, Path jar) throws IOException {
		if (!Files.isRegularFile(classes.resolve("plugins.config"))) {
			throw new IllegalStateException("No plugins.config in " + classes + ": compile the plugins module first.");
		}
		try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar)); Stream<Path> files = Files.walk(classes)) {
			for (Path p : (Iterable<Path>) files.filter(Files::isRegularFile).sorted()::iterator) {
				out.putNextEntry(new JarEntry(classes.relativize(p).toString().replace(File.separatorChar, '/')));
				out.write(Files.readAllBytes(p));
				out.closeEntry();
			}
		}
		return jar;
	}

	/** Writes to the console and to a buffer. */
	private static final class Tee extends OutputStream {
		private final OutputStream a, b;

		Tee(OutputStream a, OutputStream b) {
			this.a = a;
			this.b = b;
		}

		@Override
		public void write(int x) throws IOException {
			a.write(x);
			b.write(x);
		}

		@Override
		public void write(byte[] buf, int off, int len) throws IOException {
			a.write(buf, off, len);
			b.write(buf, off, len);
		}
	}
}
