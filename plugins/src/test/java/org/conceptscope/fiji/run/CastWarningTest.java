package org.conceptscope.fiji.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.ImagePlus;
import ij.process.ByteProcessor;
import ij.process.ShortProcessor;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.conceptscope.fiji.TestFiles;
import org.conceptscope.model.Classifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 16-bit image fed to a model whose preprocessing casts to uint8 (a bioimage.io ensure_dtype: the values wrap
 * modulo 256, as in bioimageio.core) gets one warning line in the Log, naming the values and what to do; the image's
 * own pixels are left as they were, and an 8-bit image gets no line. The model is the bundled known-answer model with
 * the normalisation "cast(uint8)" in its card.
 */
class CastWarningTest {

	@TempDir
	Path tmp;

	@Test
	void aSixteenBitImageIntoAUint8CastGetsOneLineAndKeepsItsPixels() throws Exception {
		Path dir = tmp.resolve("known-answer-uint8");
		Path from = TestFiles.testImages().resolve("models/known-answer");
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
		ShortProcessor ip = new ShortProcessor(32, 32);
		for (int i = 0; i < 32 * 32; i++) ip.set(i, i < 1000 ? i % 256 : 4000); // 24 values of 4000 wrap
		ImagePlus sixteen = new ImagePlus("wraps-" + tmp.getFileName(), ip);
		short[] before = ((short[]) ip.getPixels()).clone();
		try (Classifier model = Models.open(dir)) {
			List<String> lines = new ArrayList<>();
			Models.warnDomain(List.of(sixteen), model, lines::add);
			assertEquals(List.of("ConceptScope warning: The image '" + sixteen.getTitle() + "' has values from 0 to 4000 that the model's"
				+ " preprocessing casts to uint8 (ensure_dtype): 24 of 1024 lie outside 0 to 255 and wrap modulo 256 as in bioimageio.core"
				+ " (e.g. 4000 becomes 160), so the model sees other values than the image holds; convert the image to uint8 first"
				+ " (Image > Type, which scales by the display range)."), lines);
			assertArrayEquals(before, (short[]) sixteen.getProcessor().getPixels(), "the user's pixels are not changed");
			lines.clear();
			ByteProcessor bytes = new ByteProcessor(32, 32);
			for (int i = 0; i < 32 * 32; i++) bytes.set(i, i % 256);
			Models.warnDomain(List.of(new ImagePlus("bytes-" + tmp.getFileName(), bytes)), model, lines::add);
			assertEquals(List.of(), lines, "8-bit values fit uint8: no line");
		}
	}
}
