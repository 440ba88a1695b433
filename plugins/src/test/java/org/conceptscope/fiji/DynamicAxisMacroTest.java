package org.conceptscope.fiji;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;
import ij.process.ByteProcessor;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.conceptscope.fiji.MacroRunner.Macro;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model whose input has one fixed axis (8 pixels high) and one of any size (width -1), as a
 * sample command meets it from a macro in ImageJ 1.x: a 20x16 image is cut into tiles 8 high and
 * as wide as the image, and the Log describes the model's input as it is, not as the tile's size.
 */
class DynamicAxisMacroTest {

	@TempDir
	static Path work;

	@Test
	void aModelOfAnyWidthTakesAnImageAsTilesOfItsHeight() throws Exception {
		Path model = TanhModel.export(work.resolve("any-width"), -1);
		ByteProcessor ip = new ByteProcessor(20, 16);
		for (int i = 0; i < 20 * 16; i++) ip.set(i, (i * 37) % 256);
		Path image = work.resolve("strip.tif");
		assertTrue(IJ.saveAsTiff(new ImagePlus("strip", ip), image.toString()));
		Map<String, Macro> runs = new LinkedHashMap<>();
		runs.put("evaluate", new Macro("setBatchMode(true);\nopen('" + image + "');\nrun('Evaluate Explanation...', 'model=[" + model
			+ "] method=saliency metric=deletion steps=4 save_dir=[" + work.resolve("out") + "]');\n", ""));
		String log = MacroRunner.run(runs, work).get("evaluate");
		assertFalse(log.contains("Error"), log);
		assertTrue(log.contains("'strip.tif' (20x16) is larger than the model's input (8 pixels high, any width): its 1x2 tiles of 20x8"
			+ " without overlap are taken as 2 images"), log);
		List<Path> csv;
		try (java.util.stream.Stream<Path> s = Files.list(work.resolve("out"))) {
			csv = s.filter(p -> p.toString().endsWith(".csv")).toList();
		}
		assertEquals(1, csv.size(), csv.toString());
		List<List<String>> rows = Csv.parse(Files.readString(csv.get(0)));
		String table = rows.toString();
		assertEquals(4, rows.size(), "a header, a row per tile and the mean: " + table);
		assertEquals("strip.tif x=0 y=0", rows.get(1).get(2), table);
		assertEquals("strip.tif x=0 y=8", rows.get(2).get(2), table);
	}
}
