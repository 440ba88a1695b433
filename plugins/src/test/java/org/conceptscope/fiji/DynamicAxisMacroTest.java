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
 * as wide as the image, and the Log describes the model's input as it is, not as the tile's size;
 * TCAV's ROI concepts on that image are cut to the size of its tiles; Feature Visualization, which
 * makes one image of the input's size, refuses such a model in one sentence before reading anything.
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
		Path random = Files.createDirectories(work.resolve("random"));
		for (int k = 0; k < 6; k++) {
			ByteProcessor r = new ByteProcessor(20, 8);
			for (int i = 0; i < 20 * 8; i++) r.set(i, (i * 53 + k * 91) % 256);
			assertTrue(IJ.saveAsTiff(new ImagePlus("r" + k, r), random.resolve("r" + k + ".tif").toString()));
		}
		// concept examples 12 wide: a model of any width tiles them to nothing, so they stay narrower than the class tiles
		Path concepts = Files.createDirectories(work.resolve("concepts").resolve("narrow"));
		for (int k = 0; k < 3; k++) {
			ByteProcessor c = new ByteProcessor(12, 8);
			for (int i = 0; i < 12 * 8; i++) c.set(i, (i * 29 + k * 17) % 256);
			assertTrue(IJ.saveAsTiff(new ImagePlus("c" + k, c), concepts.resolve("c" + k + ".tif").toString()));
		}
		Map<String, Macro> runs = new LinkedHashMap<>();
		String sizes = "run('TCAV...', 'model=[" + model + "] concepts=[" + concepts.getParent() + "] random=[" + random + "] target=high runs=4";
		runs.put("tcav sizes", new Macro("setBatchMode(true);\nopen('" + image + "');\n" + sizes + " layers=[act] save_dir=[" + work.resolve("sizes")
			+ "]');\nprint('still running');\n", ""));
		runs.put("tcav pooled", new Macro("setBatchMode(true);\nopen('" + image + "');\n" + sizes + " layers=[features] save_dir=["
			+ work.resolve("pooled") + "]');\n", ""));
		// TCAV's ROI concept crops take the class inputs' size (20x8 tiles here), the model having no fixed width
		runs.put("tcav", new Macro("setBatchMode(true);\nopen('" + image + "');\nmakeRectangle(0, 0, 10, 8); Roi.setName('left');"
			+ " Overlay.addSelection;\nmakeRectangle(10, 8, 10, 8); Roi.setName('left'); Overlay.addSelection;\nrun('Select None');\n"
			+ "run('TCAV...', 'model=[" + model + "] random=[" + random + "] target=high layers=[act] runs=4 save_dir=[" + work.resolve("tcav")
			+ "]');\n", ""));
		runs.put("visualization", new Macro("setBatchMode(true);\nopen('" + image + "');\nrun('Feature Visualization...', 'model=[" + model
			+ "] target=high recipe=simple steps=3 save_dir=[" + work.resolve("fv") + "]');\nprint('still running');\n", ""));
		runs.put("evaluate", new Macro("setBatchMode(true);\nopen('" + image + "');\nrun('Evaluate Explanation...', 'model=[" + model
			+ "] method=saliency metric=deletion steps=4 save_dir=[" + work.resolve("out") + "]');\n", ""));
		Map<String, String> logs = MacroRunner.run(runs, work);
		String log = logs.get("evaluate");
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
		assertFalse(logs.get("tcav").contains("Error"), logs.get("tcav"));
		List<List<String>> tcav = Csv.parse(Files.readString(work.resolve("tcav/tcav.csv")));
		assertEquals(List.of("left", "act", "high"), tcav.get(1).subList(0, 3), tcav.toString());
		assertEquals("2", tcav.get(1).get(tcav.get(0).indexOf("examples")), tcav.toString());
		// a layer with positions: the narrow examples cannot be compared with the class tiles, refused before the model runs
		String sized = logs.get("tcav sizes");
		assertTrue(sized.contains("The class images are 20 x 8 pixels but the examples of 'narrow' 12 x 8: a layer's activations are compared"
			+ " image by image, so give every folder images of one size"), sized);
		assertFalse(sized.contains("still running"), "the macro is aborted");
		assertFalse(Files.exists(work.resolve("sizes")), "nothing written");
		// a layer of one value per channel compares images of any size
		assertFalse(logs.get("tcav pooled").contains("Error"), logs.get("tcav pooled"));
		List<List<String>> pooled = Csv.parse(Files.readString(work.resolve("pooled/tcav.csv")));
		assertEquals(List.of("narrow", "features", "high"), pooled.get(1).subList(0, 3), pooled.toString());
		assertEquals("3", pooled.get(1).get(pooled.get(0).indexOf("examples")));
		assertEquals("3", pooled.get(1).get(pooled.get(0).indexOf("random_set")), "6 random images: sets of 3, the examples' count");
		String fv = logs.get("visualization");
		assertTrue(fv.contains("The visualization is one image of the model's input size, and Tanh model takes images of 8 pixels high,"
			+ " any width: use a model with a fixed input size."), fv);
		assertFalse(fv.contains("still running"), "the macro is aborted");
		assertFalse(fv.contains("is larger than the model's input"), "refused before the image is cut into tiles: " + fv);
		assertFalse(Files.exists(work.resolve("fv")), "nothing written");
	}
}
