package org.conceptscope.fiji;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

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
