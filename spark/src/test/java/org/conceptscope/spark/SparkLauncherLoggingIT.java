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
 * of the user's, named as Spark documents, replaces the launcher's.
 */
class SparkLauncherLoggingIT {

	@TempDir
	Path work;

	@Test
	void sparksErrorsReachStderrAndAUsersConfigurationReplacesTheLaunchers() throws Exception {
		Path cohort = SparkBatchTest.cohort(work.resolve("cohort"));
		// Spark itself refuses the job: each part's result exceeds spark.driver.maxResultSize, a cap a cluster's
		// spark-defaults.conf may set; Spark's TaskSetManager logs it as an ERROR and aborts the job.
		List<String> failing = List.of("-Dspark.driver.maxResultSize=1k", "-jar", launcher().toString(), "input=" + cohort,
			"model=" + SparkBatchTest.MODEL, "method=gradient_x_input", "batch=4", "save_dir=" + work.resolve("results"), "master=local[2]");
		Run run = run("default", failing);
		assertEquals(1, run.status, run.err);
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
		assertFalse(mine.err.contains(" ERROR TaskSetManager: "), "the user's configuration, not the launcher's, is in force:\n" + mine.err);
		assertTrue(mine.err.contains("The Spark job failed: "), mine.err);
		try (var logs = Files.list(events)) {
			String eventLog = Files.readString(logs.findFirst().orElseThrow(), StandardCharsets.UTF_8);
			assertTrue(eventLog.contains("\"Event\":\"SparkListenerJobEnd\""), eventLog);
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
