package org.conceptscope.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What Spark logs reaches the user of {@code java -jar conceptscope-spark.jar}: its warnings and errors on
 * stderr, without SLF4J's complaints about a missing provider (slf4j-api 1.7 beside Spark's SLF4J 2
 * provider once dropped every line of Spark's log) and without its INFO lines; a log4j2 configuration
 * of the user's, named as Spark documents, replaces the launcher's. The inputs' pixel-size warning and palette
 * note are the driver's, one line each for the job on stderr (they were once each task's, one per file, on
 * stdout); DJL's "Failed to detect GPU count" warning, which a CUDA runtime without a GPU gave four times a job,
 * is not shown (a stand-in libcudart that answers as such a machine's does, compiled here when a C compiler
 * is); and lib/ holds exactly the jars the launcher's manifest names (a build without clean once left stale ones).
 */
class SparkLauncherLoggingIT {

	@TempDir
	Path work;

	@Test
	void sparksErrorsReachStderrAndAUsersConfigurationReplacesTheLaunchers() throws Exception {
		// four 8-bit patches with a colour palette, two of them at 1 micron a pixel, for the IHC model said to be trained at 0.5 micron
		Path cohort = palettes(work.resolve("palettes"), 4, 2), model = calibratedModel(work.resolve("ihc-half-micron"));
		Path cuda = cudaWithoutGpu(work.resolve("cuda"));
		// Spark itself refuses the job: each part's result exceeds spark.driver.maxResultSize, a cap a cluster's
		// spark-defaults.conf may set; Spark's TaskSetManager logs it as an ERROR and aborts the job.
		List<String> failing = new ArrayList<>(List.of("-Dspark.driver.maxResultSize=1k"));
		if (cuda != null) failing.add("-Djna.library.path=" + cuda); // where DJL's JNA finds libcudart
		failing.addAll(List.of("-jar", launcher().toString(), "input=" + cohort, "model=" + model, "method=gradient_x_input", "batch=2",
			"save_dir=" + work.resolve("results"), "master=local[2]"));
		Run run = run("default", failing);
		assertEquals(1, run.status, run.err);
		List<String> palette = run.err.lines().filter(l -> l.contains("with a colour palette")).toList();
		assertEquals(1, palette.size(), "one palette note for the job:\n" + run.err);
		assertTrue(palette.get(0).startsWith("ConceptScope note: 'palette-1.tif' ") && palette.get(0).endsWith(" (4 of the 4 images are so.)"),
			palette.get(0));
		List<String> pixels = run.err.lines().filter(l -> l.contains("was trained on pixels of")).toList();
		assertEquals(1, pixels.size(), "one pixel-size warning for the job:\n" + run.err);
		assertTrue(pixels.get(0).startsWith("ConceptScope warning: ") && pixels.get(0).endsWith(" (2 of the 4 images are so.)"), pixels.get(0));
		assertFalse(run.out.contains("colour palette") || run.out.contains("trained on pixels"), "no task's note on stdout:\n" + run.out);
		if (cuda != null) {
			assertFalse(run.err.contains("Failed to detect GPU count"), "DJL's GPU-count warning is not shown:\n" + run.err);
			assertTrue(run.err.contains(" WARN "), "Spark's warnings still are:\n" + run.err);
		}
		try (java.util.jar.JarFile jar = new java.util.jar.JarFile(launcher().toFile()); var jars = Files.list(launcher().resolveSibling("lib"))) {
			java.util.Set<String> classPath = java.util.Set.of(jar.getManifest().getMainAttributes().getValue("Class-Path").trim().split("\\s+"));
			assertEquals(new java.util.TreeSet<>(classPath), jars.map(j -> "lib/" + j.getFileName()).collect(java.util.stream.Collectors.toCollection(
				java.util.TreeSet::new)), "lib/ holds the launcher's class path, nothing else");
		}
		assertFalse(run.err.contains("SLF4J"), "no SLF4J provider warnings:\n" + run.err);
		assertTrue(run.err.lines().anyMatch(l -> l.contains(" ERROR TaskSetManager: ") && l.contains("spark.driver.maxResultSize")),
			"Spark's ERROR line is on stderr:\n" + run.err);
		assertTrue(run.err.contains("The Spark job failed: "), "and the launcher's sentence:\n" + run.err);
		assertFalse(run.err.lines().anyMatch(l -> l.matches("\\S+ \\S+ INFO \\S+: .*")), "no INFO line of Spark's:\n" + run.err);
		assertFalse(run.out.contains("SLF4J") || run.out.contains(" ERROR "), "stdout holds no log lines:\n" + run.out);

		// The user's own log4j2 configuration (Spark's documented -Dlog4j.configurationFile): INFO lines to a file of theirs.
		Path userLog = work.resolve("user.log"), userConfig = work.resolve("my-log4j2.properties");
		Files.writeString(userConfig, String.join("\n", "rootLogger.level = info", "rootLogger.appenderRef.file.ref = file",
			"appender.file.type = File", "appender.file.name = file", "appender.file.fileName = " + userLog.toString().replace('\\', '/'),
			"appender.file.layout.type = PatternLayout", "appender.file.layout.pattern = %p %c{1}: %m%n", ""));
		// With Spark's event log on (for its history server): Spark's jackson-databind once ran on an older
		// jackson-core and this run ended in NoClassDefFoundError before any task.
		Path events = Files.createDirectories(work.resolve("events"));
		List<String> own = new ArrayList<>(List.of("-Dlog4j.configurationFile=" + userConfig, "-Dspark.eventLog.enabled=true",
			"-Dspark.eventLog.dir=" + events.toUri()));
		own.addAll(failing);
		Run mine = run("user", own);
		assertEquals(1, mine.status, mine.err);
		String logged = Files.readString(userLog, StandardCharsets.UTF_8);
		assertTrue(logged.contains("INFO SparkContext: Running Spark version "), logged);
		assertTrue(logged.contains("ERROR TaskSetManager: "), logged);
		if (cuda != null) {
			// the launcher's file is not read here: the code drops DJL's GPU-count warning under the user's configuration too
			assertFalse(logged.contains("Failed to detect GPU count"), "DJL's GPU-count warning is not logged:\n" + logged);
		}
		assertFalse(mine.err.contains(" ERROR TaskSetManager: "), "the user's configuration, not the launcher's, is in force:\n" + mine.err);
		assertTrue(mine.err.contains("The Spark job failed: "), mine.err);
		try (var logs = Files.list(events)) {
			String eventLog = Files.readString(logs.findFirst().orElseThrow(), StandardCharsets.UTF_8);
			assertTrue(eventLog.contains("\"Event\":\"SparkListenerJobEnd\""), eventLog);
		}
	}

	/** The IHC model with a card that says it was trained on pixels of 0.5 micron. */
	static Path calibratedModel(Path folder) throws Exception {
		try (var files = Files.walk(SparkBatchTest.MODEL)) {
			for (Path f : (Iterable<Path>) files::iterator) {
				Path to = folder.resolve(SparkBatchTest.MODEL.relativize(f).toString());
				if (Files.isDirectory(f)) Files.createDirectories(to);
				else Files.copy(f, to);
			}
		}
		Path card = folder.resolve("conceptscope.json");
		Files.writeString(card, Files.readString(card).replaceFirst("\\{", "{\"pixel_size\": {\"x\": 0.5, \"y\": 0.5, \"unit\": \"micron\"},"));
		return folder;
	}

	/** {@code count} 8-bit patches with a colour palette, the first {@code calibrated} of them at 1 micron a pixel. */
	static Path palettes(Path folder, int count, int calibrated) throws Exception {
		Files.createDirectories(folder);
		ij.ImagePlus patches = ij.IJ.openImage(SparkBatchTest.TEST_IMAGES.resolve("images/ihc-heldout-patches.tif").toString());
		byte[] r = new byte[256], g = new byte[256], b = new byte[256];
		for (int i = 0; i < 256; i++) {
			r[i] = (byte) i;
			g[i] = (byte) (255 - i);
			b[i] = (byte) (i / 2);
		}
		for (int k = 1; k <= count; k++) {
			ij.process.ByteProcessor ip = patches.getStack().getProcessor(k).convertToByteProcessor();
			ip.setColorModel(new java.awt.image.IndexColorModel(8, 256, r, g, b));
			ij.ImagePlus imp = new ij.ImagePlus("palette-" + k + ".tif", ip);
			if (k <= calibrated) {
				imp.getCalibration().setUnit("micron");
				imp.getCalibration().pixelWidth = imp.getCalibration().pixelHeight = 1;
			}
			assertTrue(new ij.io.FileSaver(imp).saveAsTiff(folder.resolve(imp.getTitle()).toString()));
		}
		return folder;
	}

	/**
	 * A folder with a libcudart.so that answers as the CUDA runtime of a machine with no GPU driver does (error 35), or null
	 * without a C compiler.
	 */
	private static Path cudaWithoutGpu(Path folder) throws Exception {
		Files.createDirectories(folder);
		Path source = Files.writeString(folder.resolve("cudart.c"), String.join("\n",
			"int cudaGetDeviceCount(int *count) { *count = 0; return 35; }",
			"const char *cudaGetErrorString(int error) { return \"CUDA driver version is insufficient for CUDA runtime version\"; }", ""));
		try {
			Process cc = new ProcessBuilder("cc", "-shared", "-fPIC", "-o", folder.resolve("libcudart.so").toString(), source.toString())
				.redirectErrorStream(true).start();
			cc.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
			return cc.waitFor(1, TimeUnit.MINUTES) && cc.exitValue() == 0 ? folder : null;
		} catch (java.io.IOException e) {
			return null; // no C compiler
		}
	}

	private static Path launcher() {
		Path launcher = Path.of(System.getProperty("conceptscope.spark.launcher", "target/conceptscope-spark.jar"));
		assertTrue(Files.isRegularFile(launcher), launcher + " is built by mvn package");
		return launcher;
	}

	private record Run(int status, String out, String err) {}

	/** java [options] -jar ... as a user types it, stdout and stderr kept apart. */
	private Run run(String name, List<String> arguments) throws Exception {
		List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx2g"));
		command.addAll(arguments);
		Path out = work.resolve(name + ".out"), err = work.resolve(name + ".err");
		ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
		pb.environment().put("TF_CPP_MIN_LOG_LEVEL", "1");
		pb.environment().remove("LOG4J_CONFIGURATION_FILE");
		Process p = pb.start();
		assertTrue(p.waitFor(5, TimeUnit.MINUTES), "the launcher finished");
		return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
	}
}
