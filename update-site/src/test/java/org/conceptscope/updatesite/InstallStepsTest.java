package org.conceptscope.updatesite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.conceptscope.testmodels.LabelledPatchFolders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The "By hand" steps for Fiji of docs/install.md (the README links them), run as written (bash) on a build folder
 * laid out as that page's Maven command leaves it (the plugin jar with its -sources and -tests jars, every runtime
 * jar in {@code plugins/target/dependency/}), install exactly the jars the update site installs
 * ({@link RealImageJTest} proves the site in a real ImageJ), in the same folders and under the same
 * names (so adding the site later leaves no second copy): no -sources or -tests jar, none that Fiji
 * ships already, none missing (snakeyaml included).
 */
class InstallStepsTest {

	@TempDir
	Path dir;

	/** The site's artifacts as the build lists them; the test is skipped before the build has packaged the plugin. */
	private static List<UpdateSiteAssembler.Artifact> packagedArtifacts() throws java.io.IOException {
		Path list = Path.of("target", "runtime-dependencies.txt");
		assumeTrue(Files.isRegularFile(list), "No " + list + ": run the build through 'package' (mvn verify).");
		List<UpdateSiteAssembler.Artifact> artifacts = UpdateSiteAssembler.parseDependencyList(Files.readAllLines(list));
		assumeTrue(artifacts.stream().anyMatch(a -> a.artifactId().equals("ConceptScope_") && a.file().toString().endsWith(".jar")),
			"The plugin module is not packaged: run mvn verify.");
		return artifacts;
	}

	@Test
	void byHandStepsCopyWhatTheUpdateSiteInstalls() throws Exception {
		List<UpdateSiteAssembler.Artifact> artifacts = packagedArtifacts();
		Path page = LabelledPatchFolders.testImages().resolveSibling("docs").resolve("install.md");

		// the build folder as "mvn package dependency:copy-dependencies -DexcludeArtifactIds=ij" leaves it (empty stand-ins)
		Path build = Files.createDirectories(dir.resolve("build"));
		Path target = Files.createDirectories(build.resolve("plugins/target")), deps = Files.createDirectories(target.resolve("dependency"));
		for (UpdateSiteAssembler.Artifact a : artifacts) {
			if (a.artifactId().equals("ConceptScope_")) {
				Files.createFile(target.resolve(copyName(a)));
				Files.createFile(target.resolve(a.artifactId() + "-" + a.version() + "-sources.jar"));
				Files.createFile(target.resolve(a.artifactId() + "-" + a.version() + "-tests.jar"));
			} else if (!a.artifactId().equals("ij")) {
				Files.createFile(deps.resolve(copyName(a)));
			}
		}
		Path fiji = Files.createDirectories(dir.resolve("Fiji.app"));
		Files.createDirectories(fiji.resolve("plugins"));
		Files.createDirectories(fiji.resolve("jars"));
		// Fiji's own protobuf-java, older than DJL's TensorFlow classes need: the steps put the site's in its place
		Files.createFile(fiji.resolve("jars/protobuf-java-4.28.2.jar"));

		String script = fijiSteps(Files.readString(page, StandardCharsets.UTF_8)).replace("FIJI=/path/to/Fiji.app", "FIJI='" + fiji + "'");
		Process p = new ProcessBuilder("bash", "-euc", script).directory(build.toFile()).redirectErrorStream(true).start();
		assertTrue(p.waitFor(1, TimeUnit.MINUTES));
		String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertEquals(0, p.exitValue(), "the install page's steps run as written:\n" + script + "\n" + out);

		// under the site's own names: a by-hand jars/api-0.36.0.jar stayed beside the site's jars/ai.djl.api-0.36.0.jar
		// once the site was added (and jars/linux64/tensorflow-core-native-1.0.0-rc.1-linux-x86_64.jar beside its twin)
		TreeSet<String> want = new TreeSet<>();
		for (UpdateSiteAssembler.Input in : UpdateSiteAssembler.jars(artifacts, UpdateSiteAssembler.fijiProvided())) want.add(in.sitePath());
		TreeSet<String> got;
		try (Stream<Path> s = Files.walk(fiji)) {
			got = s.filter(Files::isRegularFile).map(f -> fiji.relativize(f).toString().replace('\\', '/')).collect(Collectors.toCollection(TreeSet::new));
		}
		assertEquals(want, got, "the install page installs the update site's jars, no more, no fewer");
		assertTrue(got.stream().anyMatch(f -> f.startsWith("jars/snakeyaml-")), "snakeyaml (bioimage.io rdf.yaml) is installed");
	}

	/**
	 * The download the install pages announce is the site's: every file a Linux x86-64 Fiji
	 * downloads (the natives in jars/linux64/ included), and what every other platform downloads.
	 */
	@Test
	void theSiteSizesTheDocsGiveAreTheSites() throws Exception {
		List<UpdateSiteAssembler.Artifact> artifacts = packagedArtifacts();
		Path root = LabelledPatchFolders.testImages().getParent();
		List<UpdateSiteAssembler.Input> files = new ArrayList<>(UpdateSiteAssembler.jars(artifacts, UpdateSiteAssembler.fijiProvided()));
		files.addAll(UpdateSiteAssembler.macros(root.resolve("macros")));
		long linux = 0, elsewhere = 0;
		for (UpdateSiteAssembler.Input in : files) {
			long size = Files.size(in.source());
			linux += size;
			if (in.platform() == null) elsewhere += size;
		}
		java.util.regex.Pattern said = java.util.regex.Pattern.compile("≈ (\\d+) MB for Linux x86-64, ≈ (\\d+) MB for other platforms");
		for (String doc : List.of("docs/update-site.md", "update-site/README.md", "README.md")) {
			java.util.regex.Matcher m = said.matcher(Files.readString(root.resolve(doc), StandardCharsets.UTF_8).replaceAll("\\s+", " "));
			assertTrue(m.find(), doc + " says how large the download is (≈ " + linux / 1_000_000 + " MB for Linux x86-64, ≈ "
				+ elsewhere / 1_000_000 + " MB for other platforms)");
			assertNear(linux, Long.parseLong(m.group(1)), doc + ", Linux x86-64");
			assertNear(elsewhere, Long.parseLong(m.group(2)), doc + ", other platforms");
		}
	}

	private static void assertNear(long bytes, long saidMb, String where) {
		double mb = bytes / 1e6;
		assertTrue(Math.abs(saidMb - mb) <= 0.05 * mb, where + ": the docs say ≈ " + saidMb + " MB, the site is " + Math.round(mb) + " MB");
	}

	/** The name maven-dependency-plugin's copy-dependencies gives an artifact's jar. */
	private static String copyName(UpdateSiteAssembler.Artifact a) {
		return a.artifactId() + "-" + a.version() + (a.classifier() != null ? "-" + a.classifier() : "") + ".jar";
	}

	/** The shell block of the install page's "By hand" Fiji item. */
	static String fijiSteps(String page) {
		int item = page.indexOf("- **Fiji**");
		assertTrue(item >= 0, "docs/install.md has a By hand Fiji item");
		int open = page.indexOf("```", item), close = page.indexOf("```", open + 3);
		List<String> lines = new ArrayList<>();
		for (String line : page.substring(page.indexOf('\n', open) + 1, close).split("\n")) lines.add(line.strip());
		return lines.stream().filter(l -> !l.isEmpty()).collect(Collectors.joining("\n"));
	}
}
