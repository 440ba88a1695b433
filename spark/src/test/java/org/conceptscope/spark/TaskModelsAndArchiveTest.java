package org.conceptscope.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import org.conceptscope.model.Classifier;
import org.conceptscope.tensor.FloatTensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** How a model reaches the executors (a linked folder too) and how a task thread keeps the models it uses together. */
class TaskModelsAndArchiveTest {

	@TempDir
	Path tmp;

	/** models/current -> the real folder: the archive holds the folder's files under the link's name (it once held nothing). */
	@Test
	void aModelFolderThatIsALinkShipsItsFiles() throws Exception {
		Path link = Files.createSymbolicLink(tmp.resolve("current"), SparkMegeRecoTest.MODEL.toAbsolutePath());
		Path zip = ModelArchive.zip(link, tmp.resolve("current.zip"));
		List<String> names = new ArrayList<>();
		try (ZipFile z = new ZipFile(zip.toFile())) {
			for (ZipEntry e : java.util.Collections.list(z.entries())) names.add(e.getName());
		}
		List<String> want = new ArrayList<>();
		try (Stream<Path> s = Files.walk(model())) {
			for (Path f : s.filter(Files::isRegularFile).sorted().toList()) {
				want.add("current/" + model().relativize(f).toString().replace('\\', '/'));
			}
		}
		assertTrue(names.contains("current/saved_model.pb"), names.toString());
		assertEquals(want, names);
	}

	/** MeGe/ReCo with 18 folds uses 19 models in one task: none is closed while the task holds it. */
	@Test
	void aTaskKeepsEveryModelItOpensTogetherBeyondTheUsualCount() throws Exception {
		// 19 distinct paths of one model (links to it), as the shipped fold models are 19 folders
		List<Path> paths = new ArrayList<>();
		for (int i = 0; i < 19; i++) paths.add(Files.createSymbolicLink(tmp.resolve("fold-" + i), model()));
		List<Classifier> models = TaskModels.openTogether(paths);
		FloatTensor x = FloatTensor.zeros(1, 16, 16, 1);
		for (int i = 0; i < models.size(); i++) assertEquals(1, models.get(i).logits(x).dim(0), "model " + i + " is still open");
	}

	/**
	 * A bioimage.io package (a zip, its weights a zip) opened by two task threads of an executor JVM leaves nothing in
	 * the temporary folder once the JVM has exited: each thread's copy of the unpacked package and weights went into
	 * a folder ({@code conceptscope-bioimage-*}) that only closing the model removed, and a task thread's models are
	 * kept open, never closed; so each task thread of each executor left its copy, after the JVM exited too.
	 */
	@Test
	void aBioimagePackageOpenedByTaskThreadsLeavesNothingInTheTemporaryFolderOnceTheJvmExits() throws Exception {
		Path temp = Files.createDirectories(tmp.resolve("child-tmp"));
		String output = child(temp, TaskModelsChild.class, ihcPackage().toString());
		assertTrue(output.contains("opened: [3 classes, 3 classes]"), output);
		assertEquals(List.of(), ours(temp), "left in the child's temporary folder " + temp);
	}

	/**
	 * The batch job on a local master of two threads with a bioimage.io package: each task thread keeps the model for
	 * the run's next parts, and once the job's JVM has exited nothing of it is left in its temporary folder (each
	 * thread once left its {@code conceptscope-bioimage-*} folder).
	 */
	@Test
	void theBatchJobWithABioimagePackageLeavesNothingInTheTemporaryFolderOnceTheJvmExits() throws Exception {
		Path temp = Files.createDirectories(tmp.resolve("batch-tmp")), save = tmp.resolve("batch-results");
		String output = child(temp, SparkBatch.class, "input=" + SparkBatchTest.cohort(tmp.resolve("cohort")), "model=" + ihcPackage(),
			"save_dir=" + save, "method=saliency", "batch=3", "master=local[2]");
		assertTrue(Files.isRegularFile(save.resolve("cohort-saliency-results.csv")), output);
		assertEquals(List.of(), ours(temp), "left in the job's temporary folder " + temp);
	}

	/**
	 * An executor killed outright ({@code kill -9}, an out-of-memory kill) runs no shutdown hook: its folder, with the
	 * whole unpacked package, stayed in the temporary folder for good, one more for each executor a cluster restarted.
	 * Now the next JVM to make its folder there removes it, and leaves the folder of a JVM still running, a folder
	 * without the owner file, and one made in another process namespace; a folder whose process number now belongs
	 * to a process that started later (the number reused) is removed.
	 */
	@Test
	@Timeout(value = 5, unit = TimeUnit.MINUTES)
	void aJvmKilledOutrightLeavesItsFolderOnlyUntilTheNextJvmMakesOne() throws Exception {
		Path temp = Files.createDirectories(tmp.resolve("killed-tmp"));
		Process killed = start(temp, TaskModelsHoldChild.class, "hold", ihcPackage().toString());
		Path killedDir = workDirOf(killed);
		TaskModels.Owner owner = TaskModels.Owner.parse(Files.readString(killedDir.resolve(TaskModels.OWNER)));
		assertEquals(killed.pid(), owner.pid());
		try (Stream<Path> s = Files.list(killedDir)) {
			assertTrue(s.anyMatch(p -> p.getFileName().toString().startsWith("conceptscope-bioimage-")), "the unpacked package is in " + killedDir);
		}
		killed.destroyForcibly();
		assertTrue(killed.waitFor(1, TimeUnit.MINUTES));
		assertEquals(137, killed.exitValue(), "killed with SIGKILL");
		assertTrue(Files.isDirectory(killedDir), "a JVM killed outright runs no shutdown hook");

		Process live = start(temp, TaskModelsHoldChild.class, "hold");
		try {
			Path liveDir = workDirOf(live);
			String dead = TaskModels.PREFIX + killed.pid() + "-" + owner.start() + "-";
			Path noOwner = Files.createDirectories(temp.resolve(dead + "noowner"));
			Files.writeString(noOwner.resolve("kept"), "no owner file: not judged");
			Path otherNamespace = Files.createDirectories(temp.resolve(dead + "container"));
			Files.writeString(otherNamespace.resolve(TaskModels.OWNER),
				new TaskModels.Owner(killed.pid(), owner.start(), owner.boot(), "pid:[1]").text());
			Path reused = Files.createDirectories(temp.resolve(TaskModels.PREFIX + live.pid() + "-1-reused"));
			Files.writeString(reused.resolve(TaskModels.OWNER), new TaskModels.Owner(live.pid(), "1", owner.boot(), owner.namespace()).text());

			Process next = start(temp, TaskModelsHoldChild.class, "exit");
			Path nextDir = workDirOf(next);
			assertTrue(next.waitFor(1, TimeUnit.MINUTES));
			assertEquals(0, next.exitValue());

			assertFalse(Files.exists(killedDir), "the killed JVM's folder is removed");
			assertFalse(Files.exists(reused), "a folder whose process number is another process's now is removed");
			assertFalse(Files.exists(nextDir), "the JVM that exited removed its own");
			assertTrue(live.isAlive());
			assertTrue(Files.isRegularFile(liveDir.resolve(TaskModels.OWNER)), "a live JVM's folder is kept");
			assertEquals(List.of(liveDir, noOwner, otherNamespace).stream().map(p -> p.getFileName().toString()).sorted().toList(), ours(temp));
			assertTrue(Files.isRegularFile(noOwner.resolve("kept")));
		} finally {
			live.destroy();
			assertTrue(live.waitFor(1, TimeUnit.MINUTES));
		}
	}

	/** The folder a child started with {@link TaskModelsHoldChild} printed that it made. */
	private static Path workDirOf(Process child) throws Exception {
		java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(child.getInputStream(), java.nio.charset.StandardCharsets.UTF_8));
		StringBuilder seen = new StringBuilder();
		for (String line; (line = in.readLine()) != null;) {
			if (line.startsWith("workdir: ")) return Path.of(line.substring("workdir: ".length()));
			seen.append(line).append('\n');
		}
		throw new AssertionError("the child printed no folder: " + seen);
	}

	/** A bioimage.io package of the IHC SavedModel: a zip holding rdf.yaml (format 0.4) and the weights as a zip. */
	private Path ihcPackage() throws Exception {
		Path pkg = Files.createDirectories(tmp.resolve("ihc-package"));
		ModelArchive.zip(SparkBatchTest.MODEL.toAbsolutePath(), pkg.resolve("tf-weights.zip"));
		Files.writeString(pkg.resolve("rdf.yaml"), """
			format_version: 0.4.10
			type: model
			name: IHC stain classifier
			description: Background / hematoxylin / DAB-positive patches (ConceptScope test package)
			authors: [{name: ConceptScope developers}]
			license: Apache-2.0
			timestamp: '2026-11-24T00:00:00Z'
			inputs:
			  - name: input
			    axes: byxc
			    data_type: float32
			    data_range: [-.inf, .inf]
			    shape: [1, 32, 32, 3]
			outputs:
			  - name: probabilities
			    axes: bc
			    data_type: float32
			    shape: [1, 3]
			weights:
			  tensorflow_saved_model_bundle:
			    source: tf-weights.zip
			    tensorflow_version: 2.16.1
			config:
			  conceptscope:
			    classes: [background, hematoxylin, DAB-positive]
			""");
		return ModelArchive.zip(pkg, tmp.resolve("ihc-package.zip"));
	}

	/** Runs {@code main} in a JVM of its own whose temporary folder is {@code temp}; its output, once it has exited with status 0. */
	private static String child(Path temp, Class<?> main, String... args) throws Exception {
		Process child = start(temp, main, args);
		String output = new String(child.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
		assertTrue(child.waitFor(5, java.util.concurrent.TimeUnit.MINUTES), "the child JVM exits");
		assertEquals(0, child.exitValue(), output);
		return output;
	}

	/** Starts {@code main} in a JVM of its own whose temporary folder is {@code temp}, its output and errors on one stream. */
	private static Process start(Path temp, Class<?> main, String... args) throws Exception {
		List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g",
			"-Djava.io.tmpdir=" + temp, "-Djava.awt.headless=true"));
		for (String a : java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()) {
			if (a.startsWith("--add-opens") || a.startsWith("-Djdk.reflect")) command.add(a);
		}
		command.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
		command.addAll(List.of(args));
		return new ProcessBuilder(command).redirectErrorStream(true).start();
	}

	/** ConceptScope's files and folders in {@code temp} (Spark's own are Spark's). */
	private static List<String> ours(Path temp) throws Exception {
		try (Stream<Path> s = Files.list(temp)) {
			return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("conceptscope-")).sorted().toList();
		}
	}

	/**
	 * With a local master the fold models MeGe/ReCo trained are unpacked into the job's scratch folder and read there
	 * (deleted with it), not shipped: Spark's copy of a shipped zip stayed in the temporary folder until the JVM exited.
	 */
	@Test
	void aLocalJobsFoldModelsAreReadFromItsScratchFolderNotShipped() throws Exception {
		Path fold = Files.createDirectories(tmp.resolve("trained").resolve("mege-fold-1").resolve("variables"));
		Files.writeString(fold.resolve("variables.index"), "weights of fold 1");
		Files.writeString(fold.getParent().resolve("saved_model.pb"), "graph of fold 1");
		byte[] zip = Files.readAllBytes(ModelArchive.zip(fold.getParent(), tmp.resolve("fold.zip")));
		Path scratch = Files.createDirectories(tmp.resolve("scratch"));
		try (SparkBatch.LazyContext spark = new SparkBatch.LazyContext("local[1]")) {
			org.apache.spark.SparkContext sc = spark.get().sc();
			List<String> shipped = SparkMegeReco.shipFolds(sc,
				List.of(new SparkMegeReco.FoldModel(1, zip, new int[] { 1 }, new int[] { 0 }, new org.conceptscope.fiji.batch.InputWarnings())), scratch);
			assertEquals(List.of(scratch.resolve("mege-fold-1").toAbsolutePath().normalize().toString()), shipped);
			assertEquals(0, sc.listArchives().size(), "nothing shipped: " + sc.listArchives());
			Path local = ModelArchive.local(shipped.get(0));
			assertEquals("graph of fold 1", Files.readString(local.resolve("saved_model.pb")));
			assertEquals("weights of fold 1", Files.readString(local.resolve("variables").resolve("variables.index")));
		}
	}

	private static Path model() {
		return SparkMegeRecoTest.MODEL.toAbsolutePath();
	}
}
