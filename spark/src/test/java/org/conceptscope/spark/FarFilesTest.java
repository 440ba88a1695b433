package org.conceptscope.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.ImagePlus;
import ij.process.ByteProcessor;
import ij.process.ShortProcessor;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.conceptscope.fiji.run.Models;
import org.conceptscope.model.Classifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cluster drivers' form of the warning that a model's preprocessing casts image values to an integer type that
 * does not hold them (a bioimage.io ensure_dtype to uint8 of 16-bit files), as a local command logs it for its set:
 * the tasks find the files and print nothing, the driver merges their counts in file order and writes one line, the
 * first such file's sentence (the local one, word for word) and how many of the job's files are so. The model is the
 * bundled known-answer model with the normalisation "cast(uint8)" in its card (as in CastWarningTest).
 */
class FarFilesTest {

	@TempDir
	Path tmp;

	@Test
	void filesWhoseValuesTheModelsCastWrapsGetOneLineFromTheDriver() throws Exception {
		Path dir = tmp.resolve("known-answer-uint8");
		Path from = SparkBatchTest.TEST_IMAGES.resolve("models/known-answer");
		try (var files = Files.walk(from)) {
			for (Path f : files.toList()) {
				Path to = dir.resolve(from.relativize(f).toString());
				if (Files.isDirectory(f)) Files.createDirectories(to);
				else Files.copy(f, to);
			}
		}
		String card = Files.readString(dir.resolve("conceptscope.json"));
		assertTrue(card.contains("\"normalization\": \"unit_range\""), card);
		Files.writeString(dir.resolve("conceptscope.json"), card.replace("\"normalization\": \"unit_range\"", "\"normalization\": \"cast(uint8)\""));
		ImagePlus a = sixteen("a.tif", 4000), b = sixteen("b.tif", 300);
		ByteProcessor bytes = new ByteProcessor(32, 32);
		for (int i = 0; i < 32 * 32; i++) bytes.set(i, i % 256);
		try (Classifier model = Models.open(dir)) {
			List<String> local = new ArrayList<>();
			Models.warnDomain(List.of(a), model, local::add);
			String sentence = Models.castOverflow(a, model);
			assertEquals(List.of("ConceptScope warning: The image 'a.tif' has values from 0 to 4000 that the model's preprocessing casts to"
				+ " uint8 (ensure_dtype): 24 of 1024 lie outside 0 to 255 and wrap modulo 256 as in bioimageio.core (e.g. 4000 becomes 160),"
				+ " so the model sees other values than the image holds; convert the image to uint8 first (Image > Type, which scales by the"
				+ " display range)."), local, "the local line");
			assertEquals(local.get(0), "ConceptScope warning: " + sentence, "the sentence is the local one");
			// two tasks: an 8-bit file and the first 16-bit one, then the second
			FarFiles first = FarFiles.of(List.of(new ImagePlus("bytes.tif", bytes), a), model), second = FarFiles.of(List.of(b), model);
			assertEquals(1, first.wrapped());
			assertEquals(1, second.wrapped());
			ByteArrayOutputStream out = new ByteArrayOutputStream();
			first.merge(second).warn(new PrintStream(out, true, StandardCharsets.UTF_8), "concepts", 3);
			List<String> lines = out.toString(StandardCharsets.UTF_8).lines().filter(l -> l.contains("casts to")).toList();
			assertEquals(List.of("ConceptScope Spark concepts warning: " + sentence + " (2 of the 3 files are so.)"), lines);
			// the later task's file is the first when the earlier one has none
			out.reset();
			FarFiles.of(List.of(new ImagePlus("bytes.tif", bytes)), model).merge(second).warn(new PrintStream(out, true, StandardCharsets.UTF_8),
				"mege_reco", 2);
			lines = out.toString(StandardCharsets.UTF_8).lines().filter(l -> l.contains("casts to")).toList();
			assertEquals(List.of("ConceptScope Spark mege_reco warning: " + Models.castOverflow(b, model) + " (1 of the 2 files is so.)"), lines);
			assertTrue(lines.get(0).contains("The image 'b.tif' has values from 0 to 300"), lines.get(0));
		}
	}

	/** A 16-bit image whose first 1000 values are 0 to 255 and the other 24 {@code high}. */
	private static ImagePlus sixteen(String title, int high) {
		ShortProcessor ip = new ShortProcessor(32, 32);
		for (int i = 0; i < 32 * 32; i++) ip.set(i, i < 1000 ? i % 256 : high);
		return new ImagePlus(title, ip);
	}
}
