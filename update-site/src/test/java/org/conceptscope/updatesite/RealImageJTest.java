package org.conceptscope.updatesite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ij.IJ;
import ij.ImagePlus;
import ij.gui.Roi;
import ij.io.RoiDecoder;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

import org.conceptscope.testmodels.LabelledPatchFolders;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * ConceptScope installed and run as a user does: the update site this build assembles (the
 * real jars, as shipped) is unpacked into a fresh ImageJ 1.x folder with ij.jar from Maven
 * Central, once in plain ImageJ's layout ({@code plugins/}, {@code plugins/jars/}) and once in
 * Fiji's ({@code plugins/}, {@code jars/}, {@code jars/linux64/}); ImageJ is started by its own
 * launcher ({@code java -jar ij.jar -batch macro.ijm}, no class path added) under an Xvfb X
 * server and runs the shipped example macros of every menu command on the bundled images and
 * model; the files they write are read back. A watchdog fails the run, with a screenshot, when
 * a window blocks it. This is the only test that sees a plugin jar ImageJ ignores (no '_' in its
 * name) or DJL engines that the plugin class loader hides from DJL.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RealImageJTest {

	/** Longest a launch may take before the watchdog calls it blocked. */
	private static final long MINUTES = 8;

	/** Kept after the run (ImageJ folders, consoles, screenshots) for a look when something fails. */
	private static Path work;

	private Path site, xvfb, testImages, inputs;
	private List<UpdateSiteAssembler.Artifact> artifacts;

	@BeforeAll
	void assembleTheSite() throws IOException {
		work = Path.of("target", "real-imagej").toAbsolutePath();
		deleteTree(work);
		Files.createDirectories(work);
		xvfb = onPath("Xvfb");
		Path list = Path.of("target", "runtime-dependencies.txt");
		assumeTrue(Files.isRegularFile(list), "No " + list + ": run the build through 'package' (mvn verify).");
		artifacts = UpdateSiteAssembler.parseDependencyList(Files.readAllLines(list));
		UpdateSiteAssembler.Artifact plugin = artifacts.stream().filter(a -> a.artifactId().equals("ConceptScope_")).findFirst().orElseThrow();
		assumeTrue(plugin.file().toString().endsWith(".jar"), "The plugin module is not packaged (" + plugin.file() + "): run mvn verify.");

		testImages = LabelledPatchFolders.testImages();
		List<UpdateSiteAssembler.Input> files = new ArrayList<>(UpdateSiteAssembler.jars(artifacts, UpdateSiteAssembler.fijiProvided()));
		files.addAll(UpdateSiteAssembler.macros(testImages.resolveSibling("macros")));
		site = work.resolve("site");
		UpdateSiteAssembler.assemble(files, site, "20261204000000", null);
		assertEquals(List.of(), VerifySite.verify(site), "the site as shipped verifies");

		inputs = Files.createDirectories(work.resolve("inputs"));
		LabelledPatchFolders.ihcFiles(inputs.resolve("ihc-classes"), 12);
	}

	/** ImageJ's own launcher needs a display: the tests that start ImageJ are skipped without one. */
	private void needsXvfb() {
		assumeTrue(xvfb != null, "No Xvfb on the PATH: install the Debian package xvfb (.ci/run does) to run the real-ImageJ test.");
		assumeTrue(Files.exists(Path.of(System.getProperty("java.home"), "lib", "libawt_xawt.so")),
			"This Java has no AWT X11 library: install openjdk-17-jre (.ci/run does) to run the real-ImageJ test.");
	}

	@Test
	void fijiLayout() throws Exception {
		needsXvfb();
		Path ij = install(work.resolve("Fiji.app"), true);
		assertTrue(Files.isRegularFile(ij.resolve("jars/linux64/tensorflow-core-native-linux-x86_64-1.0.0-rc.1.jar")));
		runEveryCommand(ij);
	}

	@Test
	void plainImageJLayout() throws Exception {
		needsXvfb();
		Path ij = plainImageJ();
		assertTrue(Files.isRegularFile(ij.resolve("plugins/jars/tensorflow-core-native-linux-x86_64-1.0.0-rc.1.jar")));
		String console = runEveryCommand(ij);
		assertEquals(List.of(), slf4jLines(console), "with slf4j-nop, as the install page adds it, no run of any command prints SLF4J's warnings");
	}

	/**
	 * The install page's plain-ImageJ steps add slf4j-nop: without it (a plain ImageJ installed from the site's jars alone, or
	 * by the earlier steps) DJL's slf4j-api finds no provider and a run prints SLF4J's three warnings first; with the
	 * jar the install page names, copied where it copies it, the same run prints none. The plain ImageJ of
	 * {@link #plainImageJLayout} is used, its slf4j-nop jar moved out of it for the first run and put back.
	 */
	@Test
	void slf4jNopAsTheReadmeAddsItSilencesSlf4jInPlainImageJ() throws Exception {
		needsXvfb();
		Path ij = plainImageJ(), out = ij.resolve("results-slf4j");
		Path macro = ij.resolve("macros/model_info.ijm"), model = testImages.resolve("models/ihc-stain");
		Path nop = ij.resolve("plugins/jars").resolve(slf4jNop().getFileName()), aside = work.resolve(nop.getFileName());
		Launch without;
		Files.move(nop, aside, StandardCopyOption.REPLACE_EXISTING);
		try {
			without = launch(ij, macro, "model=[" + model + "] save_dir=[" + out.resolve("without") + "]", work.resolve("slf4j-without.png"));
		} finally {
			Files.move(aside, nop, StandardCopyOption.REPLACE_EXISTING);
		}
		assertEquals(0, without.exit, without.console);
		List<String> lines = slf4jLines(without.console);
		assertEquals(3, lines.size(), "SLF4J's three warnings without a provider:\n" + without.console);
		assertTrue(lines.get(0).contains("No SLF4J providers were found"), lines.toString());

		Launch with = launch(ij, macro, "model=[" + model + "] save_dir=[" + out.resolve("with") + "]", work.resolve("slf4j-with.png"));
		assertEquals(0, with.exit, with.console);
		assertEquals(List.of(), slf4jLines(with.console), with.console);
		assertTrue(names(out.resolve("with")).equals(names(out.resolve("without"))), "the same run, the same files");
	}

	private Path plainImageJ;

	/** The plain ImageJ (site jars in plugins/jars, slf4j-nop as the install page adds it), installed once for the tests that share it. */
	private Path plainImageJ() throws IOException {
		if (plainImageJ == null) plainImageJ = install(work.resolve("ImageJ"), false);
		return plainImageJ;
	}

	/** The console's lines from SLF4J itself ("SLF4J(W): No SLF4J providers were found." and the two after it). */
	private static List<String> slf4jLines(String console) {
		return console.lines().filter(l -> l.startsWith("SLF4J")).toList();
	}

	/**
	 * slf4j-nop as the install page's step fetches it, {@code org.slf4j:slf4j-nop:<slf4j-api's version>}: the jar on this
	 * test's class path (a test dependency), checked to be at the version of the slf4j-api the site's jars bring.
	 */
	private Path slf4jNop() {
		String api = artifacts.stream().filter(a -> a.key().equals("org.slf4j:slf4j-api")).findFirst().orElseThrow().version();
		List<Path> jars = java.util.Arrays.stream(System.getProperty("java.class.path").split(java.io.File.pathSeparator)).map(Path::of)
			.filter(p -> p.getFileName().toString().startsWith("slf4j-nop-")).toList();
		assertEquals(1, jars.size(), "slf4j-nop on the test class path: " + jars);
		assertEquals("slf4j-nop-" + api + ".jar", jars.get(0).getFileName().toString(), "slf4j-nop at slf4j-api's version, as the install page copies it");
		return jars.get(0);
	}

	@Test
	void aFailureInBatchModeGoesToTheLogAndExitsNonZero() throws Exception {
		needsXvfb();
		Path ij = install(work.resolve("ImageJ-failing"), false);
		Path macro = ij.resolve("fail.ijm");
		Path out = Files.createDirectories(work.resolve("failing-out"));
		// A folder that is no model: the command must say so on the console, abort, and exit non-zero without a dialog.
		Files.writeString(macro, "open(\"" + testImages.resolve("images/ihc-heldout-patches.tif") + "\");\n"
			+ "run(\"Attribution...\", \"model=[" + out + "] method=saliency save_dir=[" + out + "]\");\n"
			+ "print(\"NOT REACHED\");\n");
		Launch run = launch(ij, macro, "", work.resolve("failing.png"));
		assertTrue(run.exit != 0, "-batch exits non-zero after a failure:\n" + run.console);
		assertTrue(run.console.contains("saved_model.pb"), "the sentence names what is missing:\n" + run.console);
		assertTrue(!run.console.contains("NOT REACHED"), "the macro is aborted:\n" + run.console);
		try (Stream<Path> s = Files.list(out)) {
			assertEquals(0, s.count(), "nothing is written");
		}
	}

	/**
	 * batch_folder.ijm as the first macro of a fresh ImageJ, as its header says to start it: it ran
	 * into a modal error (call() found ConceptScope's classes only after a first run()), waited on one
	 * when save_dir was missing and no image was explained, and ran a misspelt key's default.
	 */
	@Test
	void batchFolderIsTheFirstMacroOfAFreshImageJ() throws Exception {
		needsXvfb();
		Path ij = install(work.resolve("Fiji-batch-first"), true);
		Path macro = ij.resolve("macros/batch_folder.ijm"), model = testImages.resolve("models/ihc-stain");
		Path out = ij.resolve("results/not-yet-made");
		Launch run = launch(ij, macro, "input=[" + testImages.resolve("images") + "] model=[" + model + "] method=saliency save_dir=[" + out + "]",
			work.resolve("batch-first.png"));
		assertEquals(0, run.exit, run.console);
		assertTrue(run.console.contains("ConceptScope batch: 2 image(s) explained"), run.console);
		assertTrue(names(out).containsAll(List.of("batch-summary.csv", "ihc-heldout-patches-saliency.tif", "ihc-stain-info.txt")), names(out).toString());

		Path empty = Files.createDirectories(work.resolve("no-images")), none = ij.resolve("results/none");
		run = launch(ij, macro, "input=[" + empty + "] model=[" + model + "] save_dir=[" + none + "]", work.resolve("batch-empty.png"));
		assertEquals(0, run.exit, run.console);
		assertTrue(run.console.contains("ConceptScope batch: 0 image(s) explained, 0 skipped"), run.console);
		assertEquals(List.of("file,status,reason,title"), Files.readAllLines(none.resolve("batch-summary.csv")));

		run = launch(ij, macro, "input=[" + testImages.resolve("images") + "] model=[" + model + "] methd=saliency save_dir=[" + out + "-typo]",
			work.resolve("batch-typo.png"));
		assertEquals(1, run.exit, "a misspelt key fails the run:\n" + run.console);
		assertTrue(run.console.contains("batch_folder.ijm has no option 'methd'; its keys are: input model save_dir method target overwrite."), run.console);
		assertTrue(!Files.exists(Path.of(out + "-typo")), "refused before any work: Model Info wrote its report there first");

		// every shipped macro: a required key missing under -batch is a sentence (it was a file dialog ImageJ waited on)
		run = launch(ij, ij.resolve("macros/attribution_example.ijm"), "image=[" + testImages.resolve("images/ihc.png") + "] model=[" + model
			+ "]", work.resolve("missing-key.png"));
		assertTrue(run.console.contains("attribution_example.ijm needs image=[...] model=[...] save_dir=[...]; got image=["), run.console);
		assertEquals(1, run.exit, "a refused macro ends the run with status 1, as a failed command does:\n" + run.console);
		// and a key it does not read is refused before any work (a misspelt optional key ran with its default)
		Path typo = ij.resolve("results/typo");
		run = launch(ij, ij.resolve("macros/attribution_example.ijm"), "image=[" + testImages.resolve("images/ihc.png") + "] model=[" + model
			+ "] save-dir=[" + typo + "]", work.resolve("typo-key.png"));
		assertTrue(run.console.contains("attribution_example.ijm has no option 'save-dir'; its keys are: image model save_dir upsampling overwrite."),
			run.console);
		assertEquals(1, run.exit, run.console);
		run = launch(ij, ij.resolve("macros/nearest_examples.ijm"), "image=[" + testImages.resolve("images/ihc.png") + "] model=[" + model
			+ "] folder=[" + testImages.resolve("images") + "] neighbors=3 save_dir=[" + typo + "]", work.resolve("typo-optional.png"));
		assertTrue(run.console.contains("nearest_examples.ijm has no option 'neighbors'; its keys are: image model folder layer neighbours"
			+ " prototypes save_dir overwrite."), run.console);
		assertEquals(1, run.exit, run.console);
		assertTrue(!Files.exists(typo), "nothing is written");
	}

	/**
	 * A path a shipped macro opens or lists itself, missing or no image: one sentence naming the macro, the key and the
	 * path, before any work. Under -batch open() of a missing file only printed ImageJ's "File not found" and the macro
	 * ran on into the command's "No image is open ... (if you did, ImageJ could not read that file ...)".
	 */
	@Test
	void aMacrosMissingOrUnreadableImageIsOneSentenceBeforeAnyWork() throws Exception {
		needsXvfb();
		Path ij = install(work.resolve("ImageJ-bad-paths"), false);
		Path model = testImages.resolve("models/ihc-stain"), out = ij.resolve("results/bad-paths");
		Path gone = work.resolve("no-such-folder/cal.tif"), junk = Files.writeString(work.resolve("not-an-image.tif"), "not a TIFF");
		// as the user ran it: the macro itself is the -batch macro
		Launch run = launch(ij, ij.resolve("macros/attribution_example.ijm"), "image=[" + gone + "] model=[" + model + "] save_dir=[" + out + "]",
			work.resolve("bad-paths.png"));
		assertEquals(List.of("attribution_example.ijm: image=[" + gone + "] does not exist: give the path of an image file."),
			sentences(run.console), run.console);
		assertEquals(1, run.exit, "a refused macro ends the run with status 1:\n" + run.console);

		// more macros in one ImageJ (a launch is seconds): each one's output follows its RUN line
		Map<String, String> runs = new LinkedHashMap<>();
		runs.put("nearest_examples", "image=[" + junk + "] model=[" + model + "] folder=[" + testImages.resolve("images") + "] save_dir=[" + out + "]");
		runs.put("concept_importance", "image=[" + gone + "] model=[" + model + "] concepts=[" + out.resolve("concepts.json") + "] save_dir=[" + out + "]");
		runs.put("batch_folder", "input=[" + gone.getParent() + "] model=[" + model + "] save_dir=[" + out + "]");
		StringBuilder driver = new StringBuilder();
		for (Map.Entry<String, String> r : runs.entrySet()) {
			driver.append("print(\"RUN ").append(r.getKey()).append("\");\n");
			driver.append("runMacro(\"").append(ij.resolve("macros").resolve(r.getKey() + ".ijm")).append("\", \"").append(r.getValue()).append("\");\n");
		}
		driver.append("print(\"RUN end\");\n");
		Path macro = Files.writeString(ij.resolve("bad-paths.ijm"), driver);
		run = launch(ij, macro, "", work.resolve("bad-paths-batched.png"));
		String[] parts = run.console.split("RUN ");
		assertEquals(runs.size() + 2, parts.length, "every macro returned and the driver went on:\n" + run.console);
		// run by a driver (runMacro), a refused macro ends and the driver goes on; the run still ends with status 1
		assertEquals(1, run.exit, "a driver whose macros were refused ends with status 1:\n" + run.console);
		assertEquals(List.of("nearest_examples.ijm: ImageJ could not open image=[" + junk + "] as an image: give a TIFF, PNG, JPEG or DICOM file."),
			sentences(parts[1]), run.console);
		assertEquals(List.of("concept_importance.ijm: image=[" + gone + "] does not exist: give the path of an image file."), sentences(parts[2]),
			run.console);
		assertEquals(List.of("batch_folder.ijm: input=[" + gone.getParent() + "] does not exist: give the folder of images."), sentences(parts[3]),
			run.console);
		assertTrue(!Files.exists(out), "refused before any work (batch_folder.ijm's Model Info wrote its report first)");
	}

	/** The lines ConceptScope's commands and the shipped macros print (their names first), ImageJ's own left out. */
	private static List<String> sentences(String console) {
		return console.lines().filter(l -> l.contains("ConceptScope") || l.matches("[a-z_]+\\.ijm[: ].*")).toList();
	}

	/**
	 * The batch runner as its messages name it: {@code java -jar <install>/plugins/ConceptScope_-<version>.jar
	 * key=value...}, in a JVM of its own started in an unrelated folder with no class path, on the
	 * installed site's files only (Fiji's layout with ImageJ as {@code jars/ij-<version>.jar}, as Fiji
	 * ships it, and plain ImageJ's); it explains the bundled stack with the bundled model and writes
	 * the CSV, map stack and RoiSet. Without arguments it prints its usage, which names the jar it
	 * was started from.
	 */
	@Test
	void batchRunnerFromTheInstalledPluginJarInFiji() throws Exception {
		Path fiji = install(work.resolve("Fiji-batch-runner.app"), true);
		Path ij = fiji.resolve("ij.jar");
		Files.move(ij, fiji.resolve("jars/ij-" + artifacts.stream().filter(a -> a.key().equals("net.imagej:ij")).findFirst().orElseThrow()
			.version() + ".jar"));
		runBatchRunner(fiji);
	}

	@Test
	void batchRunnerFromTheInstalledPluginJarInPlainImageJ() throws Exception {
		runBatchRunner(install(work.resolve("ImageJ-batch-runner"), false));
	}

	private void runBatchRunner(Path root) throws Exception {
		Path jar;
		try (Stream<Path> s = Files.list(root.resolve("plugins"))) {
			List<Path> jars = s.filter(f -> f.getFileName().toString().startsWith("ConceptScope_-")).toList();
			assertEquals(1, jars.size(), jars.toString());
			jar = jars.get(0).toAbsolutePath();
		}
		Path elsewhere = Files.createDirectories(work.resolve(root.getFileName() + "-cwd"));
		Output usage = javaJar(elsewhere, jar);
		assertEquals(2, usage.exit, usage.err);
		assertTrue(usage.err.contains("Usage: java -jar " + jar + " input="), "the usage names the jar as it was run:\n" + usage.err);

		Path out = root.resolve("batch-results"), stack = testImages.resolve("images/ihc-heldout-patches.tif");
		Output run = javaJar(elsewhere, jar, "input=" + stack, "model=" + testImages.resolve("models/ihc-stain"), "save_dir=" + out,
			"method=saliency", "batch=4");
		assertEquals(0, run.exit, run.err);
		String base = "ihc-heldout-patches-saliency";
		Path csv = out.resolve(base + "-results.csv"), map = out.resolve(base + "-map.tif"), rois = out.resolve(base + "-map-RoiSet.zip");
		List<String> lines = run.out.lines().toList();
		assertEquals(4, lines.size(), "the summary and the three result files on stdout: " + lines + "\n" + run.err);
		assertEquals("ConceptScope batch: 12 slices in 3 parts of 4 slices; 3 parts computed by this run.", lines.get(0));
		assertEquals(java.util.Set.of(csv.toString(), map.toString(), rois.toString()), java.util.Set.copyOf(lines.subList(1, 4)));
		List<String> rows = Files.readAllLines(csv);
		assertEquals(13, rows.size(), "a header and a row per slice: " + rows);
		assertTrue(rows.stream().skip(1).allMatch(r -> r.contains(",saliency,")), rows.toString());
		ImagePlus maps = IJ.openImage(map.toString());
		assertNotNull(maps, "the map stack opens");
		assertEquals(12, maps.getStackSize());
		for (int z = 1; z <= 12; z++) {
			ij.process.ImageStatistics st = maps.getStack().getProcessor(z).getStatistics();
			assertTrue(st.max > 0 && Double.isFinite(st.max), "slice " + z + " has a saliency map");
		}
		checkFile(rois);
	}

	private record Output(int exit, String out, String err) {}

	/** {@code java -jar jar args...} in {@code cwd}, nothing else on the class path. */
	private static Output javaJar(Path cwd, Path jar, String... args) throws Exception {
		List<String> cmd = new ArrayList<>(List.of(java(), "-Xmx1g", "-jar", jar.toString()));
		cmd.addAll(List.of(args));
		ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile());
		pb.environment().remove("CLASSPATH");
		Path stdout = cwd.resolve("stdout.txt"), stderr = cwd.resolve("stderr.txt");
		Process p = pb.redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
		if (!p.waitFor(MINUTES, TimeUnit.MINUTES)) {
			p.destroyForcibly();
			throw new AssertionError("the batch runner did not finish in " + MINUTES + " minutes:\n" + Files.readString(stderr));
		}
		return new Output(p.exitValue(), Files.readString(stdout), Files.readString(stderr));
	}

	/**
	 * Unpacks the site as Fiji's updater does (each record's current file, stored as
	 * {@code <path>-<timestamp>}, copied to {@code <path>}), adds what a Fiji has already (the
	 * Fiji-provided jars) and ij.jar. Plain ImageJ reads only {@code plugins/} and its direct
	 * subfolders, so there every jar of the site goes to {@code plugins/jars/}, as the install page says, with
	 * the slf4j-nop jar its steps add.
	 */
	private Path install(Path root, boolean fiji) throws IOException {
		return install(root, fiji, !fiji);
	}

	/** As {@link #install(Path, boolean)}, with or without the slf4j-nop jar the install page's plain-ImageJ steps add. */
	private Path install(Path root, boolean fiji, boolean slf4jNop) throws IOException {
		Files.createDirectories(root.resolve("plugins"));
		for (DbXml.Plugin p : DbXml.read(site.resolve("db.xml.gz"))) {
			if (p.current() == null) continue;
			String path = p.filename();
			if (!fiji && path.startsWith("jars/")) path = "plugins/jars/" + path.substring(path.lastIndexOf('/') + 1);
			copy(site.resolve(p.filename() + "-" + p.current().timestamp()), root.resolve(path));
		}
		for (UpdateSiteAssembler.Artifact a : artifacts) {
			if (!UpdateSiteAssembler.fijiProvided().contains(a.key())) continue;
			if (a.key().equals("net.imagej:ij")) copy(a.file(), root.resolve("ij.jar"));
			else copy(a.file(), root.resolve((fiji ? "jars/" : "plugins/jars/") + a.file().getFileName()));
		}
		if (slf4jNop) {
			Path nop = slf4jNop();
			copy(nop, root.resolve("plugins/jars").resolve(nop.getFileName()));
		}
		return root;
	}

	private static void copy(Path from, Path to) throws IOException {
		Files.createDirectories(to.getParent());
		Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
	}

	/** The shipped macro of every menu command, run in order by one driver macro in one ImageJ. */
	private String runEveryCommand(Path ij) throws Exception {
		Path model = testImages.resolve("models/ihc-stain"), stack = testImages.resolve("images/ihc-heldout-patches.tif");
		Path out = Files.createDirectories(ij.resolve("results"));
		Map<String, String> runs = new LinkedHashMap<>();
		String m = "model=[" + model + "] ", img = "image=[" + stack + "] ";
		runs.put("model_info", m + "save_dir=[" + out.resolve("model_info") + "]");
		runs.put("attribution_example", img + m + "save_dir=[" + out.resolve("attribution_example") + "]");
		runs.put("attribution_eva", img + m + "bounds=interval save_dir=[" + out.resolve("attribution_eva") + "]");
		runs.put("batch_folder", "input=[" + testImages.resolve("images") + "] " + m + "method=saliency save_dir=[" + out.resolve("batch_folder") + "]");
		runs.put("concept_discovery", img + m + "save_dir=[" + out.resolve("concept_discovery") + "]");
		String bank = "concepts=[" + out.resolve("concept_discovery/concepts.json") + "] ";
		runs.put("concept_localization", img + m + bank + "save_dir=[" + out.resolve("concept_localization") + "]");
		runs.put("concept_importance", img + m + bank + "save_dir=[" + out.resolve("concept_importance") + "]");
		runs.put("evaluate_explanation", img + m + "save_dir=[" + out.resolve("evaluate_explanation") + "]");
		runs.put("sharing_ratio_decomposition", img + m + "save_dir=[" + out.resolve("sharing_ratio_decomposition") + "]");
		runs.put("concept_graph", img + m + "save_dir=[" + out.resolve("concept_graph") + "]");
		runs.put("train_interpretable_head", "folder=[" + inputs.resolve("ihc-classes") + "] " + m + "save_dir=[" + out.resolve("train_interpretable_head") + "]");
		runs.put("explain_with_head", img + m + "head=[" + out.resolve("train_interpretable_head/head") + "] save_dir=["
			+ out.resolve("explain_with_head") + "]");
		runs.put("feature_visualization", img + m + "save_dir=[" + out.resolve("feature_visualization") + "]");
		// TCAV: two class subfolders as concepts, the third as counterexamples, tested on the first class
		List<Path> classes;
		try (Stream<Path> l = Files.list(inputs.resolve("ihc-classes"))) {
			classes = l.filter(Files::isDirectory).sorted().toList();
		}
		Path concepts = inputs.resolve("tcav-concepts");
		for (Path c : classes.subList(0, 2)) {
			Path to = Files.createDirectories(concepts.resolve(c.getFileName().toString()));
			try (Stream<Path> l = Files.list(c)) {
				for (Path f : l.toList()) Files.copy(f, to.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
			}
		}
		runs.put("tcav", "folder=[" + classes.get(0) + "] concepts=[" + concepts + "] random=[" + classes.get(2) + "] " + m + "runs=4 save_dir=["
			+ out.resolve("tcav") + "]");
		runs.put("evaluate_mege_reco", "folder=[" + inputs.resolve("ihc-classes") + "] " + m + "training_steps=60 save_dir=["
			+ out.resolve("evaluate_mege_reco") + "]");

		StringBuilder driver = new StringBuilder("// runs the installed example macros one after the other\n");
		for (Map.Entry<String, String> r : runs.entrySet()) {
			Path installed = ij.resolve("macros").resolve(r.getKey() + ".ijm");
			assertTrue(Files.isRegularFile(installed), "the site installs macros/" + r.getKey() + ".ijm");
			driver.append("print(\"RUN ").append(r.getKey()).append("\");\n");
			driver.append("runMacro(\"").append(installed).append("\", \"").append(r.getValue().replace("\"", "\\\"")).append("\");\n");
			driver.append("close(\"*\");\n");
		}
		driver.append("print(\"ALL DONE\");\n");
		Path macro = ij.resolve("all-commands.ijm");
		Files.writeString(macro, driver);

		Launch run = launch(ij, macro, "", work.resolve(ij.getFileName() + "-blocked.png"));
		assertEquals(0, run.exit, "ImageJ ran every command:\n" + run.console);
		assertTrue(run.console.contains("ALL DONE"), run.console);

		for (String name : runs.keySet()) {
			Path dir = out.resolve(name);
			assertTrue(Files.isDirectory(dir) && !names(dir).isEmpty(), name + " wrote its files:\n" + run.console);
			for (String f : names(dir)) checkFile(dir.resolve(f));
		}
		assertTrue(names(out.resolve("attribution_example")).stream().anyMatch(n -> n.endsWith("-RoiSet.zip")));
		assertTrue(Files.isRegularFile(out.resolve("concept_discovery/concepts.json")));
		assertTrue(Files.isRegularFile(out.resolve("train_interpretable_head/head/saved_model.pb")));
		return run.console;
	}

	/** Every TIFF opens, every RoiSet.zip holds ROIs that decode, every CSV has a header and a row. */
	private static void checkFile(Path f) throws IOException {
		String n = f.getFileName().toString().toLowerCase();
		if (n.endsWith(".tif")) {
			ImagePlus imp = IJ.openImage(f.toString());
			assertNotNull(imp, "opens: " + f);
			assertTrue(imp.getWidth() > 0 && imp.getStackSize() > 0, f.toString());
		} else if (n.endsWith(".zip")) {
			int rois = 0;
			try (ZipInputStream zip = new ZipInputStream(Files.newInputStream(f))) {
				for (ZipEntry e; (e = zip.getNextEntry()) != null; rois++) {
					Roi roi = RoiDecoder.openFromByteArray(zip.readAllBytes());
					assertNotNull(roi, e.getName() + " in " + f);
					assertTrue(e.getName().endsWith(".roi") && e.getName().chars().noneMatch(c -> c < 0x20 || "<>:\"/\\|?*".indexOf(c) >= 0),
						"a ROI name valid as a file name on every system: " + e.getName());
				}
			}
			assertTrue(rois > 0, "ROIs in " + f);
		} else if (n.endsWith(".csv")) {
			List<String> lines = Files.readAllLines(f);
			assertTrue(lines.size() >= 2, "a header and a row in " + f);
		}
	}

	private static void deleteTree(Path dir) throws IOException {
		if (!Files.exists(dir)) return;
		try (Stream<Path> s = Files.walk(dir)) {
			for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(p);
		}
	}

	private static List<String> names(Path dir) throws IOException {
		try (Stream<Path> s = Files.list(dir)) {
			return s.map(p -> p.getFileName().toString()).sorted().toList();
		}
	}

	private record Launch(int exit, String console) {}

	/**
	 * {@code java -jar ij.jar -batch macro arg} in the ImageJ folder under a fresh Xvfb display;
	 * the watchdog saves a screenshot and fails when it does not end in time (a modal dialog).
	 */
	private Launch launch(Path ij, Path macro, String arg, Path screenshot) throws Exception {
		Path log = work.resolve(ij.getFileName() + "-xvfb.txt");
		Process server = new ProcessBuilder(xvfb.toString(), "-displayfd", "1", "-screen", "0", "1280x1024x24", "-nolisten", "tcp")
			.redirectError(log.toFile()).start();
		try {
			String display = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.US_ASCII)).readLine();
			assertTrue(display != null && display.matches("\\d+"), "Xvfb did not report its display: " + Files.readString(log));
			List<String> cmd = new ArrayList<>(List.of(java(), "-Xmx2g", "-XX:MaxDirectMemorySize=1g", "-jar", "ij.jar", "-batch",
				macro.toString()));
			if (!arg.isEmpty()) cmd.add(arg);
			ProcessBuilder pb = new ProcessBuilder(cmd).directory(ij.toFile()).redirectErrorStream(true);
			pb.environment().put("DISPLAY", ":" + display);
			Path console = work.resolve(ij.getFileName() + "-console.txt");
			Process child = pb.redirectOutput(console.toFile()).start();
			if (!child.waitFor(MINUTES, TimeUnit.MINUTES)) {
				screenshot(display, screenshot);
				child.destroyForcibly();
				throw new AssertionError("ImageJ did not finish in " + MINUTES + " minutes (a window blocks it?); screenshot "
					+ screenshot + ":\n" + Files.readString(console));
			}
			return new Launch(child.exitValue(), Files.readString(console));
		} finally {
			server.destroy();
			server.waitFor(10, TimeUnit.SECONDS);
		}
	}

	/** A PNG of the whole X display, taken by a child JVM (this one is headless). */
	private static void screenshot(String display, Path png) throws Exception {
		ProcessBuilder pb = new ProcessBuilder(java(), "-Djava.awt.headless=false", "-cp", System.getProperty("java.class.path"),
			Screenshot.class.getName(), png.toString());
		pb.environment().put("DISPLAY", ":" + display);
		Process p = pb.inheritIO().start();
		p.waitFor(60, TimeUnit.SECONDS);
	}

	private static String java() {
		return Path.of(System.getProperty("java.home"), "bin", "java").toString();
	}

	private static Path onPath(String program) {
		for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
			Path p = Path.of(dir, program);
			if (Files.isExecutable(p)) return p;
		}
		return null;
	}
}
