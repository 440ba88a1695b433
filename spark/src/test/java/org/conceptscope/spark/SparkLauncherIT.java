package org.conceptscope.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.conceptscope.fiji.batch.Batch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged launcher as a user runs it: {@code java -jar conceptscope-spark.jar ...} in a JVM
 * of its own, with no class path and no JVM option added (Spark's module openings come from the
 * jar's manifest). Its results equal the single-JVM batch runner's.
 */
class SparkLauncherIT {

	@TempDir
	Path work;

	@Test
	void javaDashJarOnALaptopWritesTheBatchRunnersResults() throws Exception {
		Path launcher = Path.of(System.getProperty("conceptscope.spark.launcher", "target/conceptscope-spark.jar"));
		assertTrue(Files.isRegularFile(launcher), launcher + " is built by mvn package");
		Path cohort = SparkBatchTest.cohort(work.resolve("cohort")), single = work.resolve("single"), spark = work.resolve("spark");
		List<String> keys = List.of("input=" + cohort, "model=" + SparkBatchTest.MODEL, "method=gradient_x_input", "batch=4");
		assertEquals(0, Batch.run(with(keys, "save_dir=" + single), SparkBatchTest.quiet(), SparkBatchTest.quiet(), null, null));

		Path java = Path.of(System.getProperty("java.home"), "bin", "java");
		ProcessBuilder pb = new ProcessBuilder(java.toString(), "-jar", launcher.toString());
		pb.command().addAll(List.of(with(keys, "save_dir=" + spark, "master=local[2]")));
		pb.redirectErrorStream(true).redirectOutput(work.resolve("launcher.log").toFile());
		pb.environment().put("TF_CPP_MIN_LOG_LEVEL", "1");
		Process p = pb.start();
		assertTrue(p.waitFor(5, TimeUnit.MINUTES), "the launcher finished");
		String log = Files.readString(work.resolve("launcher.log"), StandardCharsets.UTF_8);
		assertEquals(0, p.exitValue(), log);
		SparkBatchTest.assertSameResults(single, spark, "cohort-gradient_x_input");
		assertTrue(Files.isDirectory(spark.resolve("cohort-gradient_x_input-results.parquet")), log);

		// The cohort concept job through the same launcher: its first argument names it.
		Path concepts = work.resolve("concepts");
		ProcessBuilder craft = new ProcessBuilder(java.toString(), "-jar", launcher.toString(), SparkConcepts.COMMAND, "input=" + cohort,
			"model=" + SparkBatchTest.MODEL, "target=hematoxylin", "select=all", "concepts=2", "designs=4", "save_dir=" + concepts,
			"master=local[2]");
		craft.redirectErrorStream(true).redirectOutput(work.resolve("concepts.log").toFile());
		Process c = craft.start();
		assertTrue(c.waitFor(5, TimeUnit.MINUTES), "the concept job finished");
		String clog = Files.readString(work.resolve("concepts.log"), StandardCharsets.UTF_8);
		assertEquals(0, c.exitValue(), clog);
		org.conceptscope.concepts.ConceptBank bank = org.conceptscope.concepts.ConceptBank.load(concepts.resolve(SparkConcepts.BANK));
		assertEquals(2, bank.size(), clog);
		assertEquals("hematoxylin", bank.className);
		assertEquals(13, Files.readAllLines(concepts.resolve(SparkConcepts.PER_IMAGE)).size(), "a header and a row per slice");

		// MeGe/ReCo through the same launcher: the fold models are shipped between the JVM's executor threads as a cluster ships them.
		Path labelled = org.conceptscope.testmodels.LabelledPatchFolders.ct(work.resolve("ct"), 8), mege = work.resolve("mege");
		ProcessBuilder folds = new ProcessBuilder(java.toString(), "-jar", launcher.toString(), SparkMegeReco.COMMAND, "folder=" + labelled,
			"model=" + SparkBatchTest.TEST_IMAGES.resolve("models/ct-tissue"), "methods=saliency,random", "folds=2", "training_steps=40",
			"save_dir=" + mege, "master=local[2]");
		folds.redirectErrorStream(true).redirectOutput(work.resolve("mege.log").toFile());
		Process m = folds.start();
		assertTrue(m.waitFor(5, TimeUnit.MINUTES), "the MeGe/ReCo job finished");
		String mlog = Files.readString(work.resolve("mege.log"), StandardCharsets.UTF_8);
		assertEquals(0, m.exitValue(), mlog);
		List<String> table = Files.readAllLines(mege.resolve("ct-mege_reco.csv"));
		assertEquals(3, table.size(), "a header and a row per method: " + table);
		assertTrue(table.get(1).startsWith("saliency,") && table.get(2).startsWith("random,"), table.toString());
	}

	private static String[] with(List<String> keys, String... more) {
		return java.util.stream.Stream.concat(keys.stream(), java.util.stream.Stream.of(more)).toArray(String[]::new);
	}
}
