package org.conceptscope.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import org.conceptscope.model.Classifier;
import org.conceptscope.tensor.FloatTensor;
import org.junit.jupiter.api.Test;
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
		List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g",
			"-Djava.io.tmpdir=" + temp, "-Djava.awt.headless=true"));
		for (String a : java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()) {
			if (a.startsWith("--add-opens") || a.startsWith("-Djdk.reflect")) command.add(a);
		}
		command.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
		command.addAll(List.of(args));
		Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
		String output = new String(child.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
		assertTrue(child.waitFor(5, java.util.concurrent.TimeUnit.MINUTES), "the child JVM exits");
		assertEquals(0, child.exitValue(), output);
		return output;
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
				List.of(new SparkMegeReco.FoldModel(1, zip, new int[] { 1 }, new int[] { 0 }, FarFiles.NONE)), scratch);
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
