package org.conceptscope.fiji;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.conceptscope.testsupport.ChildJvm;

/**
 * Runs a batch of ImageJ 1.x macros in a child JVM that hosts a {@link HeadlessImageJ1}.
 * <p>
 * Why a child JVM: TensorFlow's natives can be loaded by one class loader per JVM; a second
 * one aborts the JVM (libprotobuf: "File already exists in database"). The other tests load
 * TensorFlow through the test class loader and ImageJ loads it through its plugin class loader,
 * so the macros get a JVM of their own, started once for all of them, and a crash there fails
 * the macro tests instead of killing the test run.
 */
final class MacroRunner {

	/** A macro and its argument (what getArgument() returns). */
	record Macro(String code, String argument) {}

	private MacroRunner() {}

	/** Runs the macros in order in one child JVM; returns what each printed, by name. */
	static Map<String, String> run(Map<String, Macro> macros, Path work) throws IOException, InterruptedException {
		return run(macros, work, "-Xmx2g");
	}

	/** As {@link #run(Map, Path)} in a JVM of this heap ("-Xmx320m"): what a user with less memory meets. */
	static Map<String, String> run(Map<String, Macro> macros, Path work, String heap) throws IOException, InterruptedException {
		Path jobs = Files.createDirectories(work.resolve("macro-jobs"));
		List<String> names = new ArrayList<>(macros.keySet());
		for (int i = 0; i < names.size(); i++) {
			Files.writeString(jobs.resolve(i + ".ijm"), macros.get(names.get(i)).code());
			Files.writeString(jobs.resolve(i + ".arg"), macros.get(names.get(i)).argument());
		}
		Path console = work.resolve("macro-jvm.txt");
		Process p = new ProcessBuilder(javaCommand(jobs, names.size(), heap)).redirectErrorStream(true)
			.redirectOutput(console.toFile()).start();
		// 5 minutes; a machine shared by many builds may need more (-Dconceptscope.test.macroMinutes=15)
		long minutes = Long.getLong("conceptscope.test.macroMinutes", 5);
		if (!p.waitFor(minutes, TimeUnit.MINUTES)) {
			p.destroyForcibly();
			throw new IllegalStateException("The ImageJ 1.x JVM did not finish in " + minutes + " minutes:\n" + Files.readString(console));
		}
		if (p.exitValue() != 0) {
			throw new IllegalStateException("The ImageJ 1.x JVM failed (exit " + p.exitValue() + "):\n" + Files.readString(console));
		}
		Map<String, String> logs = new LinkedHashMap<>();
		for (int i = 0; i < names.size(); i++) logs.put(names.get(i), Files.readString(jobs.resolve(i + ".log")));
		return logs;
	}

	private static List<String> javaCommand(Path jobs, int count, String heap) {
		return ChildJvm.command(List.of(heap, "-XX:MaxDirectMemorySize=1g", "-Djava.awt.headless=true",
			"--add-opens=java.base/java.lang=ALL-UNNAMED"), MacroRunner.class, List.of(jobs.toString(), Integer.toString(count)));
	}

	/**
	 * The child JVM: {@code MacroRunner <jobs folder> <count>} runs jobs/i.ijm with jobs/i.arg and
	 * writes what it printed to jobs/i.log. Only ij1-patcher is touched from this class loader.
	 */
	public static void main(String[] args) throws Exception {
		Path jobs = Path.of(args[0]);
		int count = Integer.parseInt(args[1]);
		HeadlessImageJ1 imagej = new HeadlessImageJ1(Path.of("target/classes").toAbsolutePath(), dependencies(), jobs);
		for (int i = 0; i < count; i++) {
			String log = imagej.run(Files.readString(jobs.resolve(i + ".ijm")), Files.readString(jobs.resolve(i + ".arg")));
			Files.writeString(jobs.resolve(i + ".log"), log, StandardCharsets.UTF_8);
		}
		// TensorFlow's native threads must not keep this JVM alive.
		System.exit(0);
	}

	/** The runtime class path minus ImageJ itself (the environment brings its own), this module and test tools. */
	private static List<File> dependencies() {
		List<File> out = new ArrayList<>();
		for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
			Path p = Path.of(entry).toAbsolutePath().normalize();
			String name = p.getFileName().toString();
			boolean thisModule = p.endsWith(Path.of("plugins", "target", "classes")) || name.equals("test-classes");
			boolean testTool = name.startsWith("ij-") || name.startsWith("ij1-patcher") || name.startsWith("junit")
				|| name.startsWith("opentest4j") || name.startsWith("apiguardian") || name.contains("surefire")
				|| name.startsWith("jacoco");
			if (!thisModule && !testTool) out.add(p.toFile());
		}
		return out;
	}
}
