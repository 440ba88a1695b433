package org.conceptscope.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.conceptscope.util.Folders;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cluster path of docs/spark.md, tried for real on one machine: a Spark standalone cluster (a Master and
 * one Worker, each a JVM of its own, started as Spark's scripts start them: the launcher library builds the
 * command) and the docs' {@code spark-submit} command, run by bash in the folder that holds
 * {@code conceptscope-spark.jar} and {@code lib/}, with only {@code --master yarn} changed to the standalone
 * master. The executor is a JVM the Worker starts from the cluster's Spark jars alone: the ConceptScope classes,
 * their libraries and the model reach it only through spark-submit ({@code --jars}, the application jar, the
 * shipped archive). The results equal those of the same command on a local master, read back.
 * <p>
 * The cluster's {@code SPARK_HOME} is made under {@code target/}: {@code jars/} holds links to the jars of
 * {@code lib/} that a Spark distribution holds (Spark and the libraries it runs on, not ConceptScope's), and
 * {@code bin/spark-class} and {@code bin/spark-submit} ask Spark's launcher library for the command, as
 * Spark's own scripts do.
 */
class SparkClusterIT {

	/** The libraries of lib/ that ConceptScope brings and a Spark distribution does not hold (by file name). */
	static final List<String> NOT_SPARKS = List.of("ConceptScope_", "conceptscope-", "ij-", "imglib2-", "scijava-", "parsington-", "api-0",
		"tensorflow-", "pytorch-", "onnxruntime", "javacpp-", "protobuf-java-", "gson-", "jna-", "snakeyaml-");

	static final String LOOPBACK = "127.0.0.1";

	@TempDir
	Path work;

	private final List<Process> started = new java.util.concurrent.CopyOnWriteArrayList<>();

	private final Thread stopAll = new Thread(() -> {
		for (Process p : started) {
			p.descendants().forEach(ProcessHandle::destroyForcibly);
			p.destroyForcibly();
		}
	});

	@Test
	void theDocsSparkSubmitOnAStandaloneClusterGivesTheLocalMastersResults() throws Exception {
		Path launcher = Path.of(System.getProperty("conceptscope.spark.launcher", "target/conceptscope-spark.jar")).toAbsolutePath();
		assertTrue(Files.isRegularFile(launcher), launcher + " is built by mvn package");
		Path target = launcher.getParent(), lib = target.resolve("lib");
		int masterPort;
		try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName(LOOPBACK))) {
			masterPort = probe.getLocalPort();
		} catch (IOException e) {
			Assumptions.abort("No port can be bound on " + LOOPBACK + " (" + e + "): the standalone cluster cannot start here.");
			return;
		}
		// A test JVM stopped from outside (a build's timeout, Ctrl-C) stops the cluster and the jobs too.
		Runtime.getRuntime().addShutdownHook(stopAll);
		Path it = target.resolve("spark-cluster-it");
		Folders.deleteTree(it);
		Path sparkHome = sparkHome(it.resolve("spark-home"), lib), tmp = Files.createDirectories(it.resolve("tmp"));
		// The cluster's own configuration (not the command's): every JVM of the cluster and the driver use a temporary
		// folder of the test, so what they leave there can be seen.
		Files.writeString(sparkHome.resolve("conf/spark-defaults.conf"), "spark.driver.extraJavaOptions -Djava.io.tmpdir=" + tmp + "\n"
			+ "spark.executor.extraJavaOptions -Djava.io.tmpdir=" + tmp + "\n");

		Path stack = SparkBatchTest.TEST_IMAGES.resolve("images/ihc-heldout-patches.tif"), cohort = SparkBatchTest.cohort(work.resolve("cohort"));
		List<String> batchKeys = List.of("input=" + stack, "model=" + SparkBatchTest.MODEL, "method=gradient_x_input", "batch=6");
		List<String> conceptKeys = List.of("input=" + cohort, "model=" + SparkBatchTest.MODEL, "target=hematoxylin", "select=all", "concepts=2",
			"designs=4", "batch=5");
		Path localBatch = work.resolve("local-batch"), clusterBatch = work.resolve("cluster-batch");
		Path localConcepts = work.resolve("local-concepts"), clusterConcepts = work.resolve("cluster-concepts");
		try {
			// The same jobs on a local master (the launcher's java -jar, as SparkLauncherIT runs it), while the cluster works.
			Run localB = javaJar(launcher, it.resolve("local-batch.log"), List.of(), batchKeys, localBatch);
			Run localC = javaJar(launcher, it.resolve("local-concepts.log"), List.of(SparkConcepts.COMMAND), conceptKeys, localConcepts);
			sparkClass(sparkHome, it.resolve("master.log"), "org.apache.spark.deploy.master.Master", "--host", LOOPBACK, "--port",
				String.valueOf(masterPort), "--webui-port", "0");
			awaitPort(masterPort);
			String url = "spark://" + LOOPBACK + ":" + masterPort;
			Path executors = it.resolve("work");
			Process worker = sparkClass(sparkHome, it.resolve("worker.log"), "org.apache.spark.deploy.worker.Worker", url, "--host", LOOPBACK,
				"--cores", "2", "--memory", "2g", "--webui-port", "0", "--work-dir", executors.toString());
			// An application waits for the Worker to register: the first job starts as soon as it has.
			String submit = docsSubmit().replace("--master yarn", "--master " + url);
			finish(submit(target, it.resolve("cluster-batch.log"), submit, batchKeys, clusterBatch));
			finish(submit(target, it.resolve("cluster-concepts.log"), submit.replace(SparkBatch.class.getName(), SparkConcepts.class.getName()),
				conceptKeys, clusterConcepts));
			finish(localB);
			finish(localC);

			// Each job's executor was a JVM of its own, which the Worker started from the cluster's jars alone.
			List<Path> launched;
			try (Stream<Path> logs = Files.find(executors, 3, (p, a) -> p.getFileName().toString().equals("stderr"))) {
				launched = logs.toList();
			}
			assertEquals(2, launched.size(), "one executor per job: " + launched);
			for (Path log : launched) {
				String head = Files.readString(log, StandardCharsets.UTF_8).lines().findFirst().orElse("");
				assertTrue(head.startsWith("Spark Executor Command: ") && head.contains("CoarseGrainedExecutorBackend"), log + ": " + head);
				String classPath = "\"-cp\" \"" + sparkHome.resolve("conf") + "/:" + sparkHome.resolve("jars") + "/*\"";
				assertTrue(head.contains(classPath), "the executor's class path is the cluster's Spark alone: " + head);
			}

			String name = "ihc-heldout-patches-gradient_x_input";
			SparkBatchTest.assertSameResults(localBatch, clusterBatch, name);
			assertTrue(Files.isDirectory(clusterBatch.resolve(name + "-results.parquet")));
			for (String file : List.of(SparkConcepts.BANK, "importance.csv", SparkConcepts.PER_IMAGE)) {
				assertEquals(Files.readString(localConcepts.resolve(file)), Files.readString(clusterConcepts.resolve(file)), file);
			}
			// Nothing of ConceptScope's is left in the cluster's temporary folder once its JVMs have exited.
			stop(worker);
			try (Stream<Path> left = Files.list(tmp)) {
				assertEquals(List.of(), left.filter(p -> p.getFileName().toString().toLowerCase().startsWith("conceptscope")).toList());
			}
		} finally {
			for (Process p : started) stop(p);
			Runtime.getRuntime().removeShutdownHook(stopAll);
		}
	}

	/** The docs' spark-submit command for a cluster, up to and with the launcher jar (its keys are the test's). */
	static String docsSubmit() throws IOException {
		String docs = Files.readString(SparkBatchTest.TEST_IMAGES.resolveSibling("docs").resolve("spark.md"), StandardCharsets.UTF_8);
		Matcher m = Pattern.compile("(?s)\n(spark-submit --master yarn .*?conceptscope-spark\\.jar) ").matcher(docs);
		assertTrue(m.find(), "docs/spark.md shows the spark-submit command");
		return m.group(1).replace("\\\n", " ");
	}

	/** The cluster's Spark installation: jars/ as links to Spark's jars among lib/'s, bin/ with the two scripts used. */
	static Path sparkHome(Path home, Path lib) throws IOException {
		Path jars = Files.createDirectories(home.resolve("jars"));
		Files.createDirectories(home.resolve("conf"));
		try (Stream<Path> all = Files.list(lib)) {
			for (Path jar : all.sorted().toList()) {
				String name = jar.getFileName().toString();
				if (NOT_SPARKS.stream().noneMatch(name::startsWith)) Files.createSymbolicLink(jars.resolve(name), jar);
			}
		}
		assertTrue(jars.resolve("spark-core_2.12-3.5.9.jar").toFile().exists() || jars.toFile().list((d, n) -> n.startsWith("spark-core_")).length == 1,
			"Spark is among " + lib);
		Path bin = Files.createDirectories(home.resolve("bin"));
		// Spark's launcher library prints its messages, then a NUL and a line break, then the command to run, its words
		// each ended by a NUL.
		Files.writeString(bin.resolve("spark-class"), String.join("\n", "#!/usr/bin/env bash", "set -euo pipefail",
			"home=\"$(cd \"$(dirname \"$0\")/..\" && pwd)\"", "export SPARK_HOME=\"$home\" SPARK_SCALA_VERSION=2.12",
			"words=()", "while IFS= read -r -d '' word; do words+=(\"$word\"); done < <(\"$JAVA_HOME/bin/java\" -Xmx128m -cp \"$home/jars/*\" org.apache.spark.launcher.Main \"$@\")",
			"[ -n \"${words[0]}\" ] && echo \"${words[0]}\" >&2", "words[1]=\"${words[1]#$'\\n'}\"", "exec \"${words[@]:1}\"", ""));
		Files.writeString(bin.resolve("spark-submit"), String.join("\n", "#!/usr/bin/env bash",
			"exec \"$(dirname \"$0\")/spark-class\" org.apache.spark.deploy.SparkSubmit \"$@\"", ""));
		for (String s : List.of("spark-class", "spark-submit")) bin.resolve(s).toFile().setExecutable(true);
		return home;
	}

	/** A cluster daemon as Spark's scripts start it, its output in {@code log}. */
	private Process sparkClass(Path sparkHome, Path log, String... args) throws IOException {
		List<String> command = new ArrayList<>(List.of(sparkHome.resolve("bin/spark-class").toString()));
		command.addAll(List.of(args));
		ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
		environment(pb, sparkHome);
		return start(pb);
	}

	/** The docs' command, run by bash in the launcher's folder with the cluster's bin/ on the PATH. */
	private Run submit(Path target, Path log, String submit, List<String> keys, Path saveDir) throws Exception {
		StringBuilder line = new StringBuilder(submit);
		for (String k : keys) line.append(" '").append(k).append('\'');
		line.append(" 'save_dir=").append(saveDir).append('\'');
		ProcessBuilder pb = new ProcessBuilder("bash", "-c", line.toString()).directory(target.toFile()).redirectErrorStream(true)
			.redirectOutput(log.toFile());
		Path sparkHome = target.resolve("spark-cluster-it/spark-home");
		environment(pb, sparkHome);
		pb.environment().put("PATH", sparkHome.resolve("bin") + ":" + pb.environment().getOrDefault("PATH", "/usr/bin:/bin"));
		return new Run(start(pb), log, line.toString());
	}

	private Run javaJar(Path launcher, Path log, List<String> command, List<String> keys, Path saveDir) throws Exception {
		List<String> line = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", launcher.toString()));
		line.addAll(command);
		line.addAll(keys);
		line.addAll(List.of("save_dir=" + saveDir, "master=local[2]"));
		ProcessBuilder pb = new ProcessBuilder(line).redirectErrorStream(true).redirectOutput(log.toFile());
		pb.environment().put("TF_CPP_MIN_LOG_LEVEL", "1");
		return new Run(start(pb), log, String.join(" ", line));
	}

	/** A job's process, its log and its command line. */
	private record Run(Process process, Path log, String line) {}

	private static void environment(ProcessBuilder pb, Path sparkHome) {
		pb.environment().put("SPARK_HOME", sparkHome.toString());
		pb.environment().put("SPARK_SCALA_VERSION", "2.12");
		pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
		pb.environment().put("TF_CPP_MIN_LOG_LEVEL", "1");
		pb.environment().put("SPARK_LOCAL_IP", LOOPBACK); // the driver too: the cluster is this machine's loopback
		pb.environment().remove("SPARK_CONF_DIR");
	}

	private Process start(ProcessBuilder pb) throws IOException {
		Process p = pb.start();
		started.add(p);
		return p;
	}

	private static void finish(Run run) throws Exception {
		// a guard against a hang, not the time expected (seconds on a quiet machine; minutes on a shared, loaded one)
		boolean done = run.process.waitFor(10, TimeUnit.MINUTES);
		String text = Files.readString(run.log, StandardCharsets.UTF_8);
		assertTrue(done, "finished: " + run.line + "\n" + text);
		assertEquals(0, run.process.exitValue(), run.line + "\n" + text);
	}

	/** Waits (a minute at most) until the Master takes connections. */
	private static void awaitPort(int port) throws Exception {
		long end = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
		while (true) {
			try (java.net.Socket s = new java.net.Socket(LOOPBACK, port)) {
				return;
			} catch (IOException e) {
				if (System.nanoTime() > end) throw new AssertionError("the Master takes no connection on port " + port + " within a minute", e);
				Thread.sleep(200);
			}
		}
	}

	/** Stops a process and every process it started (a Worker's executors), forcibly after ten seconds. */
	private static void stop(Process p) throws InterruptedException {
		List<ProcessHandle> all = new ArrayList<>(p.descendants().toList());
		all.add(p.toHandle());
		for (ProcessHandle h : all) h.destroy();
		for (ProcessHandle h : all) {
			try {
				h.onExit().get(10, TimeUnit.SECONDS);
			} catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
				h.destroyForcibly();
			}
		}
	}
}
