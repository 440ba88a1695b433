package org.conceptscope.fiji.batch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.InputStream;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where {@link BatchLauncher} looks for the libraries of an installed plugin jar, and the command
 * the messages name when ConceptScope does not run from a runnable jar (these tests run from the
 * classes folder). {@code RealImageJTest} (update-site) runs the installed jar with {@code java -jar}.
 */
class BatchLauncherTest {

	@TempDir
	Path dir;

	@Test
	void fromAClassesFolderTheCommandNamesTheJarWhereTheUpdateSiteInstallsIt() throws Exception {
		Properties p = new Properties();
		try (InputStream in = Batch.class.getResourceAsStream("version.properties")) {
			p.load(in);
		}
		String version = p.getProperty("version");
		assertTrue(version != null && !version.contains("$"), "Maven filtered the version: " + version);
		assertEquals("java -jar Fiji.app/plugins/ConceptScope_-" + version + ".jar", BatchLauncher.COMMAND);
		assertEquals("java -Xmx6g -jar Fiji.app/plugins/ConceptScope_-" + version + ".jar", BatchLauncher.command(6));
		assertTrue(Batch.USAGE.startsWith("Usage: " + BatchLauncher.COMMAND + " input="), Batch.USAGE);
	}

	@Test
	void aFijiInstallGivesItsJarsAndThisPlatformsNatives() throws Exception {
		assumeTrue(System.getProperty("os.name").startsWith("Linux") && System.getProperty("os.arch").equals("amd64"), "Linux x86-64 names");
		Path fiji = dir.resolve("Fiji.app");
		Path jar = touch(fiji.resolve("plugins/ConceptScope_-1.0.jar"));
		touch(fiji.resolve("plugins/Other_Plugin.jar"));
		touch(fiji.resolve("jars/ij-1.54f.jar"));
		touch(fiji.resolve("jars/ai.djl.api-0.36.0.jar"));
		touch(fiji.resolve("jars/readme.txt"));
		touch(fiji.resolve("jars/linux64/tensorflow-core-native-linux-x86_64-1.0.0-rc.1.jar"));
		touch(fiji.resolve("jars/win64/other-platform.jar"));
		assertEquals(List.of("plugins/ConceptScope_-1.0.jar", "jars/ai.djl.api-0.36.0.jar", "jars/ij-1.54f.jar",
			"jars/linux64/tensorflow-core-native-linux-x86_64-1.0.0-rc.1.jar", "plugins/Other_Plugin.jar"), names(fiji, jar));
	}

	@Test
	void aPlainImageJInstallGivesPluginsJarsAndIjJar() throws Exception {
		Path ij = dir.resolve("ImageJ");
		Path jar = touch(ij.resolve("plugins/ConceptScope_-1.0.jar"));
		touch(ij.resolve("ij.jar"));
		touch(ij.resolve("plugins/jars/conceptscope-ops-1.0.jar"));
		touch(ij.resolve("plugins/jars/ai.djl.api-0.36.0.jar"));
		assertEquals(List.of("plugins/ConceptScope_-1.0.jar", "ij.jar", "plugins/jars/ai.djl.api-0.36.0.jar", "plugins/jars/conceptscope-ops-1.0.jar"),
			names(ij, jar));
	}

	private static List<String> names(Path root, Path jar) throws Exception {
		return BatchLauncher.classPath(jar).stream().map(u -> toPath(u)).map(p -> root.toAbsolutePath().relativize(p).toString().replace('\\', '/'))
			.toList();
	}

	private static Path toPath(URL u) {
		try {
			return Path.of(u.toURI());
		} catch (java.net.URISyntaxException e) {
			throw new AssertionError(e);
		}
	}

	private static Path touch(Path f) throws Exception {
		Files.createDirectories(f.getParent());
		return Files.createFile(f);
	}
}
