package org.conceptscope.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * The benchmark's JVM starts with its heap at the maximum (see {@link Bench#initialHeapMb()}): with
 * a heap free to shrink, the collection before each round left it at about 30 MB and young
 * collections fell inside the timed runs.
 */
class BenchJvmTest {

	@Test
	void theBenchProfileFixesTheHeapAtItsMaximum() throws IOException {
		String pom = Files.readString(Path.of("pom.xml"));
		int profile = pom.indexOf("<id>bench</id>");
		assertTrue(profile >= 0, "the bench profile");
		String args = pom.substring(profile, pom.indexOf("</arguments>", profile));
		Matcher xms = Pattern.compile("<argument>-Xms(\\w+)</argument>").matcher(args), xmx = Pattern.compile("<argument>-Xmx(\\w+)</argument>").matcher(args);
		assertTrue(xms.find() && xmx.find(), "the bench's JVM sets -Xms and -Xmx: " + args);
		assertEquals(xmx.group(1), xms.group(1), "-Xms equals -Xmx");
		assertTrue(args.indexOf("-Xms") < args.indexOf("org.conceptscope.bench.Bench"), "as a JVM option, before the main class");
	}

	@Test
	void theEnvironmentLineSaysTheInitialHeap() {
		String env = Bench.environment(new Bench.Options(Bench.Size.SMOKE, Path.of("models"), Path.of("out"), Path.of("cache"), false));
		assertTrue(env.matches(".*max heap \\d+ MB, initial heap -?\\d+ MB"), env);
		assertTrue(Bench.initialHeapMb() > 0);
	}
}
