package org.conceptscope.fiji;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;

import org.conceptscope.testsupport.ChildJvm;

/**
 * An Xvfb X server for the tests that need a display, started on a free display number. The test
 * is skipped, with the reason, where there is no Xvfb or the Java has no X11 library; .ci/run
 * installs both.
 */
final class XServer implements AutoCloseable {

	private final Process server;

	/** The display number, for {@code DISPLAY=:n}. */
	final String display;

	private XServer(Process server, String display) {
		this.server = server;
		this.display = display;
	}

	/** Xvfb; the test is skipped, with the reason, where no X server can be started. */
	static Path assumeAvailable() {
		Path xvfb = onPath("Xvfb");
		assumeTrue(xvfb != null, "No Xvfb on the PATH: install the Debian package xvfb (.ci/run does) to run the GUI test.");
		Path xawt = Path.of(System.getProperty("java.home"), "lib", "libawt_xawt.so");
		assumeTrue(Files.exists(xawt), "This Java (" + System.getProperty("java.home") + ") is a headless one without " + xawt.getFileName()
			+ ": install openjdk-17-jre (.ci/run does) to run the GUI test.");
		return xvfb;
	}

	/** @param log where Xvfb's messages go */
	static XServer start(Path log) throws IOException {
		Path xvfb = assumeAvailable();
		Process server = new ProcessBuilder(xvfb.toString(), "-displayfd", "1", "-screen", "0", "1280x1024x24", "-nolisten", "tcp")
			.redirectError(log.toFile()).start();
		String display = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.US_ASCII)).readLine();
		if (display == null || !display.matches("\\d+")) server.destroy();
		assertTrue(display != null && display.matches("\\d+"), "Xvfb did not report its display: " + Files.readString(log));
		return new XServer(server, display);
	}

	/**
	 * Runs {@code main} in a child JVM on this display, in an ImageJ 1.x whose plugins folder ({@code dir/imagej/plugins})
	 * holds only ConceptScope's menu entries: the classes come from the class path, as one class loader must load
	 * TensorFlow. The child starts in {@code dir/imagej}, not in this module's folder, which ImageJ would take for its
	 * plugins folder. Its console goes to {@code console}; the exit status is returned, and a child still running after
	 * {@code minutes} fails the test with its console.
	 */
	int runImageJ(Path dir, Class<?> main, List<String> args, Path console, int minutes) throws IOException, InterruptedException {
		Path plugins = Files.createDirectories(dir.resolve("imagej").resolve("plugins"));
		try (JarOutputStream jar = new JarOutputStream(Files.newOutputStream(plugins.resolve("ConceptScope_Plugins.jar")))) {
			jar.putNextEntry(new JarEntry("plugins.config"));
			try (InputStream in = XServer.class.getResourceAsStream("/plugins.config")) {
				in.transferTo(jar);
			}
			jar.closeEntry();
		}
		ProcessBuilder pb = new ProcessBuilder(ChildJvm.command(List.of("-Xmx1g", "-XX:MaxDirectMemorySize=512m", "-Djava.awt.headless=false",
			"-Dplugins.dir=" + plugins.getParent()), main, args));
		pb.directory(plugins.getParent().toFile());
		pb.environment().put("DISPLAY", ":" + display);
		pb.environment().put("TF_CPP_MIN_LOG_LEVEL", "1");
		Process child = pb.redirectErrorStream(true).redirectOutput(console.toFile()).start();
		if (!child.waitFor(minutes, TimeUnit.MINUTES)) {
			child.destroyForcibly();
			throw new IllegalStateException("The ImageJ JVM (" + main.getSimpleName() + ") did not finish in " + minutes + " minutes:\n"
				+ Files.readString(console));
		}
		return child.exitValue();
	}

	@Override
	public void close() throws InterruptedException {
		server.destroy();
		server.waitFor(10, TimeUnit.SECONDS);
	}

	private static Path onPath(String name) {
		for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
			Path p = Path.of(d, name);
			if (Files.isExecutable(p)) return p;
		}
		return null;
	}
}
