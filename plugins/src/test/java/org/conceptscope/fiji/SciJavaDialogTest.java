package org.conceptscope.fiji;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.conceptscope.testsupport.ChildJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fiji's menu runs the SciJava command, not the ImageJ 1.x plugin: with a display and no macro, the
 * command asks with the plugin's dialog (only the chosen method's fields, the last values used)
 * instead of SciJava's input harvester with every field of every method at its default. Run in a
 * child JVM under Xvfb ({@link SciJavaDialogChild}); skipped, with the reason, where there is none.
 */
class SciJavaDialogTest {

	@TempDir
	Path dir;

	@Test
	void theSciJavaCommandAsksWithThePluginsDialogAndLeavesNothingForTheHarvester() throws Exception {
		Properties r = new Properties();
		String log;
		try (XServer server = XServer.start(dir.resolve("xvfb.txt"))) {
			ProcessBuilder pb = new ProcessBuilder(ChildJvm.command(List.of("-Xmx512m", "-Djava.awt.headless=false",
				"-Duser.home=" + dir), SciJavaDialogChild.class, // no ImageJ preferences of this machine
				List.of(dir.toString())));
			pb.directory(dir.toFile());
			pb.environment().put("DISPLAY", ":" + server.display);
			Path console = dir.resolve("child.txt");
			Process child = pb.redirectErrorStream(true).redirectOutput(console.toFile()).start();
			if (!child.waitFor(3, TimeUnit.MINUTES)) {
				child.destroyForcibly();
				throw new IllegalStateException("The GUI JVM did not finish in 3 minutes:\n" + Files.readString(console));
			}
			log = Files.readString(console);
			try (InputStream in = Files.newInputStream(dir.resolve("report.properties"))) {
				r.load(in);
			}
			assertEquals(0, child.exitValue(), r.getProperty("failure") + "\n" + log);
		}
		assertEquals("false", r.getProperty("headless"), log);
		assertEquals("ConceptScope Attribution", r.getProperty("first.title"), "the ImageJ 1.x plugin's dialog");
		List<String> saliency = labels(r.getProperty("first.fields")), occlusion = labels(r.getProperty("first.occlusionFields"));
		assertTrue(saliency.containsAll(List.of("model", "method", "target", "top_fraction")), saliency.toString());
		assertFalse(saliency.contains("designs") || saliency.contains("patch") || saliency.contains("stride"),
			"only the chosen method's fields: " + saliency);
		assertTrue(occlusion.containsAll(List.of("patch", "stride")) && !occlusion.contains("designs"), occlusion.toString());

		assertEquals("false", r.getProperty("first.cancelled"), log);
		assertEquals("occlusion", r.getProperty("first.method"));
		assertEquals("6", r.getProperty("first.stride"));
		assertEquals(Path.of("/models/ihc stain").toString(), r.getProperty("first.model"));
		assertEquals("patches", r.getProperty("first.image"), "the current image");
		assertEquals("", r.getProperty("first.unresolved"), "nothing left for SciJava's input harvester");
		assertEquals("null", r.getProperty("first.recorded"),
			"the dialog's own recording is dropped: Fiji's recorder writes the command's inputs once, when it ends");

		assertEquals("occlusion", r.getProperty("second.method"), "the dialog remembers the last values used");
		assertEquals("6", r.getProperty("second.stride"));
		assertEquals(Path.of("/models/ihc stain"), Path.of(r.getProperty("second.model"))); // a folder field shows a trailing /
		assertEquals("true", r.getProperty("second.cancelled"), "Cancel cancels the command");
	}

	/** The labels a dialog shows, as macro keys (GenericDialog shows a key's underscores as spaces). */
	private static List<String> labels(String shown) {
		return Arrays.stream(String.valueOf(shown).split(";")).map(l -> l.replace(' ', '_')).toList();
	}
}
