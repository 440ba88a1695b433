package org.conceptscope.fiji;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;
import ij.gui.Roi;
import ij.io.FileSaver;
import ij.process.ImageProcessor;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.conceptscope.fiji.MacroRunner.Macro;
import org.conceptscope.fiji.write.RoiWriter;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commands that treat every input as one sample (Concept Discovery, Concept Importance, Concept
 * Graph, Evaluate Explanation, Nearest Examples, TCAV) on whole images, from macros in ImageJ 1.x as
 * users run them: scikit-image's ihc.png (512x512) with the 32x32 IHC model, against the same image
 * cut here into its 256 tiles by ImageJ's own crop, row by row, as a stack. Known answers: the whole
 * image gives the hand-cut stack's concepts, importance, metric values and concept graph, each
 * sample named by its tile's position; a tile copied into the training examples is found at
 * distance 0 from that tile of the image; a concept of three 64x64 images has twelve examples; an
 * image smaller than the input is refused in one sentence before anything is written.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WholeImageSamplesTest {

	@TempDir
	static Path work;

	private static final int TILE = 32, SIZE = 512, PER_ROW = SIZE / TILE;
	private final Path ihc = TestFiles.testImages().resolve("images/ihc.png");
	private final Path model = TestFiles.testImages().resolve("models/ihc-stain");
	private Map<String, String> logs;

	@BeforeAll
	void runTheMacros() throws Exception {
		ImagePlus image = IJ.openImage(ihc.toString());
		ImageStack tiles = new ImageStack(TILE, TILE);
		for (int y = 0; y < SIZE; y += TILE) {
			for (int x = 0; x < SIZE; x += TILE) tiles.addSlice("tile", crop(image, x, y, TILE));
		}
		new FileSaver(new ImagePlus("tiles", tiles)).saveAsTiffStack(work.resolve("tiles.tif").toString());
		save(crop(image, 96, 64, TILE), "train/crop-a.png");
		save(crop(image, 320, 224, TILE), "train/crop-b.png");
		save(crop(image, 192, 96, 64), "train/big.png");
		for (int i = 0; i < 3; i++) {
			save(crop(image, 100 + 64 * i, 200, 64), "concepts/dab/d" + i + ".png");
			save(crop(image, 64 * i, 448, 64), "concepts/flat/f" + i + ".png");
		}
		for (int i = 0; i < 4; i++) save(crop(image, 70 * i, 300 - 40 * i, 96), "random/r" + i + ".png");
		save(crop(image, 0, 0, 256), "class/q1.png");
		save(crop(image, 0, 0, 20), "small.png");
		save(crop(image, 0, 0, 64), "mixed/a-big.png");
		save(crop(image, 0, 0, 20), "mixed/b-small.png");
		save(image.getProcessor().convertToByte(true), "gray.png");
		// an indexed-colour PNG (8 bits and a palette) and the same colours as RGB
		ImageProcessor palette = new ij.process.MedianCut((ij.process.ColorProcessor) crop(image, 128, 160, 64)).convertToByte(64);
		assertTrue(palette.isColorLut());
		save(palette, "palette/indexed.png");
		save(crop(image, 400, 400, 32), "palette/other.png");
		save(crop(image, 96, 64, TILE), "same-name/a.png");
		assertTrue(new FileSaver(new ImagePlus("a", crop(image, 320, 224, TILE))).saveAsTiff(work.resolve("same-name/a.tif").toString()));
		save(palette.convertToRGB(), "indexed-as-rgb.png");
		ImageProcessor small = palette.duplicate();
		small.setRoi(16, 16, 32, 32);
		save(small.crop(), "indexed-32.png");
		save(small.crop().convertToRGB(), "indexed-32-as-rgb.png");

		Map<String, Macro> runs = new LinkedHashMap<>();
		String[] inputs = { "whole", "tiles" };
		Path[] files = { ihc, work.resolve("tiles.tif") };
		for (int i = 0; i < 2; i++) {
			String open = "setBatchMode(true);\nopen('" + files[i] + "');\n";
			runs.put("discovery-" + inputs[i], new Macro(open + "run('Concept Discovery...', 'model=[" + model
				+ "] concepts=3 designs=4 examples=2 seed=7 save_dir=[" + work.resolve("cd-" + inputs[i]) + "]');\n", ""));
			runs.put("importance-" + inputs[i], new Macro(open + "run('Concept Importance...', 'model=[" + model + "] concepts=["
				+ work.resolve("cd-whole/concepts.json") + "] estimator=sobol designs=4 seed=7 save_dir=[" + work.resolve("ci-" + inputs[i])
				+ "]');\n", ""));
			runs.put("evaluate-" + inputs[i], new Macro(open + "run('Evaluate Explanation...', 'model=[" + model
				+ "] method=saliency metric=deletion target=predicted steps=8 save_dir=[" + work.resolve("ev-" + inputs[i]) + "]');\n", ""));
			runs.put("visualization-" + inputs[i], new Macro(open + "run('Feature Visualization...', 'model=[" + model
				+ "] target=[DAB-positive] recipe=simple steps=3 seed=7 save_dir=[" + work.resolve("fv-" + inputs[i]) + "]');\n", ""));
			runs.put("graph-" + inputs[i], new Macro(open + "run('Concept Graph...', 'model=[" + model
				+ "] layers=[conv2/relu,conv3/relu] scope=class target=predicted concepts=2 samples=100 seed=7 steps=8 examples=2"
				+ " output=channel save_dir=[" + work.resolve("cg-" + inputs[i]) + "]');\n", ""));
		}
		runs.put("nearest", new Macro("setBatchMode(true);\nopen('" + ihc + "');\nrun('Nearest Examples...', 'model=[" + model
			+ "] folder=[" + work.resolve("train") + "] layer=conv2/relu neighbours=1 prototypes=0 save_dir=[" + work.resolve("ne") + "]');\n",
			""));
		runs.put("tcav", new Macro("setBatchMode(true);\nrun('TCAV...', 'model=[" + model + "] folder=[" + work.resolve("class")
			+ "] concepts=[" + work.resolve("concepts") + "] random=[" + work.resolve("random") + "] target=[DAB-positive] runs=4 seed=7"
			+ " save_dir=[" + work.resolve("tc") + "]');\n", ""));
		runs.put("small", new Macro("setBatchMode(true);\nopen('" + work.resolve("small.png") + "');\nrun('Concept Discovery...', 'model=["
			+ model + "] concepts=3 designs=4 save_dir=[" + work.resolve("small-out") + "]');\nprint('still running');\n", ""));
		runs.put("mixed", new Macro("setBatchMode(true);\nrun('Nearest Examples...', 'model=[" + model + "] folder=[" + work.resolve("mixed")
			+ "] neighbours=0 prototypes=1 save_dir=[" + work.resolve("mixed-out") + "]');\nprint('still running');\n", ""));
		runs.put("gray", new Macro("setBatchMode(true);\nopen('" + work.resolve("gray.png") + "');\nrun('Concept Discovery...', 'model=["
			+ model + "] concepts=3 designs=4 save_dir=[" + work.resolve("gray-out") + "]');\nprint('still running');\n", ""));
		runs.put("palette", new Macro("setBatchMode(true);\nopen('" + work.resolve("indexed-as-rgb.png") + "');\nrun('Nearest Examples...', 'model=["
			+ model + "] folder=[" + work.resolve("palette") + "] layer=conv2/relu neighbours=1 prototypes=0 save_dir=[" + work.resolve("pal")
			+ "]');\n", ""));
		for (String name : List.of("indexed", "indexed-as-rgb")) {
			runs.put("attribution-" + name, new Macro("setBatchMode(true);\nopen('" + work.resolve(name.equals("indexed") ? "palette/indexed.png"
				: name + ".png") + "');\nrun('Attribution...', 'model=[" + model + "] method=saliency output=image save_dir=["
				+ work.resolve("at-" + name) + "]');\n", ""));
			runs.put("srd-" + name, new Macro("setBatchMode(true);\nopen('" + work.resolve(name.replace("indexed", "indexed-32") + ".png")
				+ "');\nrun('Sharing Ratio Decomposition...', 'model=[" + model + "] save_dir=[" + work.resolve("srd-" + name) + "]');\n", ""));
		}
		runs.put("graph-palette", new Macro("setBatchMode(true);\nopen('" + work.resolve("palette/indexed.png") + "');\nrun('Concept Graph...',"
			+ " 'model=[" + model + "] layers=[conv2/relu,conv3/relu] scope=class target=predicted concepts=2 samples=50 seed=7 steps=4"
			+ " examples=2 output=channel save_dir=[" + work.resolve("cg-palette") + "]');\n", ""));
		runs.put("graph-same-name", new Macro("setBatchMode(true);\nrun('Concept Graph...', 'model=[" + model + "] folder=["
			+ work.resolve("same-name") + "] layers=[conv2/relu,conv3/relu] scope=class target=predicted concepts=2 samples=50 seed=7 steps=4"
			+ " examples=2 output=channel save_dir=[" + work.resolve("cg-same-name") + "]');\n", ""));
		logs = MacroRunner.run(runs, work);
	}

	@Test
	void conceptsOfTheWholeImageAreThoseOfItsTilesCutByHand() throws Exception {
		for (String run : List.of("discovery-whole", "discovery-tiles", "importance-whole", "importance-tiles")) {
			assertFalse(logs.get(run).contains("Error"), run + ": " + logs.get(run));
		}
		assertTrue(logs.get("discovery-whole").contains("'ihc.png' (512x512) is larger than the model's input (32x32): its 16x16 tiles of"
			+ " 32x32 without overlap are taken as 256 images"), logs.get("discovery-whole"));
		assertFalse(logs.get("discovery-tiles").contains("larger than"), "the hand-cut tiles are the model's size");
		assertEquals(Files.readString(work.resolve("cd-tiles/concepts.json")), Files.readString(work.resolve("cd-whole/concepts.json")));
		assertEquals(Files.readString(work.resolve("cd-tiles/importance.csv")), Files.readString(work.resolve("cd-whole/importance.csv")));
		assertEquals(Files.readString(work.resolve("ci-tiles/concepts-importance-sobol.csv")),
			Files.readString(work.resolve("ci-whole/concepts-importance-sobol.csv")));
		// The atlas names each example crop by its tile: tile (x, y) is slice y / 32 * 16 + x / 32 + 1 of the hand-cut stack.
		List<Roi> whole = rois("cd-whole/atlas.tif"), cut = rois("cd-tiles/atlas.tif");
		assertEquals(cut.size(), whole.size());
		assertTrue(whole.size() >= 3);
		for (int i = 0; i < whole.size(); i++) {
			String w = whole.get(i).getName(), c = cut.get(i).getName();
			java.util.regex.Matcher at = java.util.regex.Pattern.compile("ihc\\.png x=(\\d+) y=(\\d+)").matcher(w);
			assertTrue(at.find(), w);
			int slice = Integer.parseInt(at.group(2)) / TILE * PER_ROW + Integer.parseInt(at.group(1)) / TILE + 1;
			assertTrue(c.contains("tiles.tif slice " + slice + RoiWriter.SEPARATOR), w + " vs " + c);
		}
	}

	@Test
	void theMetricScoresEveryTileAsItScoresTheTileCutByHand() throws Exception {
		List<List<String>> whole = Csv.parse(Files.readString(work.resolve("ev-whole/ihc-saliency-deletion.csv")));
		List<List<String>> cut = Csv.parse(Files.readString(work.resolve("ev-tiles/tiles-saliency-deletion.csv")));
		assertEquals(1 + 256 + 1, whole.size(), "one row per tile and the mean");
		assertEquals(cut.size(), whole.size());
		assertEquals(cut.get(0), whole.get(0));
		for (int t = 0; t < 256; t++) {
			List<String> w = whole.get(1 + t), c = cut.get(1 + t);
			assertEquals(Integer.toString(t + 1), w.get(0));
			assertEquals("ihc.png x=" + t % PER_ROW * TILE + " y=" + t / PER_ROW * TILE, w.get(2));
			assertEquals(c.get(3), w.get(3), "target of tile " + t);
			assertEquals(Double.parseDouble(c.get(6)), Double.parseDouble(w.get(6)), 1e-6, "deletion AUC of tile " + t);
		}
		assertEquals(Double.parseDouble(cut.get(257).get(6)), Double.parseDouble(whole.get(257).get(6)), 1e-6);
	}

	@Test
	void theConceptGraphOfTheWholeImageMapsTheWholeImage() throws Exception {
		assertFalse(logs.get("graph-whole").contains("Error"), logs.get("graph-whole"));
		assertEquals(Files.readString(work.resolve("cg-tiles/concept-graph.csv")), Files.readString(work.resolve("cg-whole/concept-graph.csv")));
		ImagePlus whole = IJ.openImage(work.resolve("cg-whole/ihc-concept-graph.tif").toString());
		ImagePlus cut = IJ.openImage(work.resolve("cg-tiles/tiles-concept-graph.tif").toString());
		assertEquals(SIZE, whole.getWidth());
		assertEquals(SIZE, whole.getHeight());
		assertEquals(cut.getNChannels(), whole.getNChannels());
		assertEquals(3 + 2 + 2, whole.getNChannels(), "R, G, B and two concepts of each layer");
		// Only the tile at (0, 0) covers the image's top-left 16x16 pixels (tiles overlap by half a tile).
		for (int c = 4; c <= whole.getNChannels(); c++) {
			ImageProcessor w = whole.getStack().getProcessor(whole.getStackIndex(c, 1, 1));
			ImageProcessor t = cut.getStack().getProcessor(cut.getStackIndex(c, 1, 1));
			double max = 0;
			for (int y = 0; y < 16; y++) {
				for (int x = 0; x < 16; x++) {
					float expected = t.getf(x, y);
					assertEquals(expected, w.getf(x, y), 1e-5 + 1e-4 * Math.abs(expected), "channel " + c + " at (" + x + ", " + y + ")");
					max = Math.max(max, Math.abs(expected));
				}
			}
			assertTrue(Float.isFinite(w.getf(SIZE - 1, SIZE - 1)));
		}
	}

	/** MACO's simple recipe keeps the mean magnitude spectrum of its images: the whole image's tiles give the hand-cut tiles' result. */
	@Test
	void featureVisualizationKeepsTheSpectrumOfTheImagesTiles() throws Exception {
		assertFalse(logs.get("visualization-whole").contains("Error"), logs.get("visualization-whole"));
		assertTrue(logs.get("visualization-whole").contains("taken as 256 images"), logs.get("visualization-whole"));
		String csv = "ihc-stain-DAB-positive-maco-scores.csv";
		assertEquals(Files.readString(work.resolve("fv-tiles/" + csv)), Files.readString(work.resolve("fv-whole/" + csv)));
	}

	/** A palette image (64x64, indexed colours) through Concept Graph: concepts from its 4 tiles, maps of the whole image in its colours. */
	@Test
	void theConceptGraphOfAPaletteImageMapsItsColours() throws Exception {
		assertFalse(logs.get("graph-palette").contains("Error"), logs.get("graph-palette"));
		ImagePlus maps = IJ.openImage(work.resolve("cg-palette/indexed-concept-graph.tif").toString());
		assertEquals(64, maps.getWidth());
		assertEquals(3 + 2 + 2, maps.getNChannels(), "R, G, B of the palette's colours and two concepts of each layer");
	}

	/** A folder holding a.png and a.tif: each image's maps and ROIs get a file of their own, numbered in the folder's order. */
	@Test
	void imagesOfOneNameInAFolderKeepTheirOwnMapFiles() throws Exception {
		assertFalse(logs.get("graph-same-name").contains("Error"), logs.get("graph-same-name"));
		Path out = work.resolve("cg-same-name");
		for (int i = 1; i <= 2; i++) {
			ImagePlus maps = IJ.openImage(out.resolve("a-concept-graph-" + i + ".tif").toString());
			assertEquals(TILE, maps.getWidth(), "image " + i);
			assertTrue(Files.isRegularFile(out.resolve("a-concept-graph-" + i + "-RoiSet.zip")), "image " + i + ": " + TestFiles.names(out));
		}
		assertFalse(Files.exists(out.resolve("a-concept-graph.tif")), TestFiles.names(out).toString());
	}

	/** Attribution (a 64x64 palette image, tiled) and SRD (a 32x32 one) read a palette as its colours: the RGB twin's results. */
	@Test
	void attributionAndSrdReadAPaletteAsItsColours() throws Exception {
		for (String run : List.of("attribution-indexed", "attribution-indexed-as-rgb", "srd-indexed", "srd-indexed-as-rgb")) {
			assertFalse(logs.get(run).contains("Error"), run + ": " + logs.get(run));
		}
		assertEquals(Files.readString(work.resolve("at-indexed-as-rgb/indexed-as-rgb-saliency-results.csv")),
			Files.readString(work.resolve("at-indexed/indexed-saliency-results.csv")));
		assertEquals(Files.readString(work.resolve("srd-indexed-as-rgb/indexed-32-as-rgb-srd-results.csv")),
			Files.readString(work.resolve("srd-indexed/indexed-32-srd-results.csv")));
	}

	@Test
	void aTileCopiedIntoTheTrainingExamplesIsItsOwnNearestExample() throws Exception {
		assertFalse(logs.get("nearest").contains("Error"), logs.get("nearest"));
		List<List<String>> csv = Csv.parse(Files.readString(work.resolve("ne/ihc-nearest.csv")));
		assertEquals(List.of("case", "rank", "example", "distance"), csv.get(0));
		assertEquals(1 + 256, csv.size(), "one nearest example per tile");
		Map<String, String> expected = Map.of("ihc.png x=96 y=64", "crop-a.png slice 1", "ihc.png x=320 y=224", "crop-b.png slice 1",
			"ihc.png x=192 y=96", "big.png x=0 y=0", "ihc.png x=224 y=96", "big.png x=32 y=0", "ihc.png x=192 y=128", "big.png x=0 y=32",
			"ihc.png x=224 y=128", "big.png x=32 y=32");
		int found = 0;
		for (List<String> row : csv.subList(1, csv.size())) {
			if (!expected.containsKey(row.get(0))) continue;
			found++;
			assertEquals(expected.get(row.get(0)), row.get(2), row.toString());
			assertEquals(0, Double.parseDouble(row.get(3)), 1e-4, row.toString());
		}
		assertEquals(expected.size(), found);
	}

	@Test
	void tcavTakesEveryTileOfItsExamples() throws Exception {
		assertFalse(logs.get("tcav").contains("Error"), logs.get("tcav"));
		List<List<String>> csv = Csv.parse(Files.readString(work.resolve("tc/tcav.csv")));
		int examples = csv.get(0).indexOf("examples");
		assertEquals(3, csv.size(), "two concepts: " + csv);
		for (List<String> row : csv.subList(1, csv.size())) assertEquals("12", row.get(examples), "three 64x64 images, four tiles each");
	}

	@Test
	void anImageSmallerThanTheInputIsRefusedBeforeAnythingIsWritten() {
		String small = logs.get("small"), mixed = logs.get("mixed");
		assertTrue(small.contains("Images must be at least the model's input size (32x32), and 'small.png' is 20x20:"
			+ " scale it up (Image > Scale...) or enlarge its canvas (Image > Adjust > Canvas Size...)."), small);
		assertFalse(small.contains("still running"), "the macro is aborted");
		assertFalse(Files.exists(work.resolve("small-out")));
		assertTrue(mixed.contains("'b-small.png' is 20x20"), mixed);
		assertFalse(mixed.contains("larger than"), "sizes are checked before any image is cut: " + mixed);
		assertFalse(Files.exists(work.resolve("mixed-out")));
	}

	@Test
	void channelsAreCheckedBeforeAnyImageIsCut() {
		String gray = logs.get("gray");
		// the report names the command (with -batch: "ConceptScope Concept Discovery: "); the sentence does not again
		assertTrue(gray.contains("Macro Error: 'gray.png' has 1 channel(s), but the model takes 3 (an RGB image has 3, a composite one"
			+ " per channel): give images of the kind the model was trained on (Image > Type > RGB Color makes an RGB image of a grey one)."),
			gray);
		assertFalse(gray.contains("larger than"), gray);
		assertFalse(gray.contains("still running"));
		assertFalse(Files.exists(work.resolve("gray-out")));
	}

	/** A training image with a colour palette is read as its colours, tile by tile: the same colours as RGB find it at distance 0. */
	@Test
	void aPaletteImageOfAFolderIsReadAsItsColours() throws Exception {
		assertFalse(logs.get("palette").contains("Error"), logs.get("palette"));
		List<List<String>> csv = Csv.parse(Files.readString(work.resolve("pal/indexed-as-rgb-nearest.csv")));
		assertEquals(1 + 4, csv.size(), csv.toString());
		for (List<String> row : csv.subList(1, csv.size())) {
			assertEquals(row.get(0).replace("indexed-as-rgb.png", "indexed.png"), row.get(2), row.toString());
			assertEquals(0, Double.parseDouble(row.get(3)), 1e-4, row.toString());
		}
	}

	/** A size x size square of the image at (x, y), cut by ImageJ's own crop. */
	static ImageProcessor crop(ImagePlus image, int x, int y, int size) {
		ImageProcessor ip = image.getProcessor().duplicate();
		ip.setRoi(x, y, size, size);
		return ip.crop();
	}

	private static void save(ImageProcessor ip, String path) throws Exception {
		savePng(ip, work.resolve(path));
	}

	/** Saves a PNG, creating its folder. */
	static void savePng(ImageProcessor ip, Path file) throws Exception {
		Files.createDirectories(file.getParent());
		assertTrue(new FileSaver(new ImagePlus(file.getFileName().toString(), ip)).saveAsPng(file.toString()));
	}

	private static List<Roi> rois(String tif) {
		ImagePlus atlas = IJ.openImage(work.resolve(tif).toString());
		List<Roi> out = new ArrayList<>();
		for (Roi r : atlas.getOverlay().toArray()) out.add(r);
		return out;
	}
}
