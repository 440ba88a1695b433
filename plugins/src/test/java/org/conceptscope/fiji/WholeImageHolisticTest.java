package org.conceptscope.fiji;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;
import ij.gui.Roi;
import ij.io.FileSaver;
import ij.process.ImageProcessor;

import java.awt.Rectangle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.conceptscope.concepts.ConceptAttributionMaps;
import org.conceptscope.concepts.ConceptBank;
import org.conceptscope.concepts.ConceptLocalization;
import org.conceptscope.concepts.HolisticConcepts;
import org.conceptscope.fiji.MacroRunner.Macro;
import org.conceptscope.fiji.run.Models;
import org.conceptscope.fiji.write.MapChannels;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.tensor.TileGrid;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Concept Discovery's holistic outputs on an image larger than the model's input, as a user runs
 * them: run("Concept Discovery...", "... holistic save_dir=...") in ImageJ 1.x's macro interpreter
 * on a two-slice stack of a 112x80 region of scikit-image's ihc.png and its mirror image (the 32x32
 * IHC model; 112 is not a multiple of 32; target=hematoxylin, not the class most of its windows are
 * predicted as). The concept attribution maps and the per-position
 * importance maps are of the image's size, each slice its own, blended from tiles overlapping by
 * half. Known answers, computed here with the ops on 32x32 windows cut by hand for the saved bank:
 * where one tile alone covers the image (its corners) the map is that window's own map; inside,
 * every pixel is the sin²-window-weighted mean of the covering windows' maps. The numbers of
 * holistic.csv stay those of the samples (the tiles cut edge to edge, each one image).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WholeImageHolisticTest {

	@TempDir
	static Path work;

	private static final int TILE = 32, WIDTH = 112, HEIGHT = 80, X0 = 200, Y0 = 150;
	/** Not the class most windows are predicted as, so maps of the predicted class would differ. */
	private static final String TARGET = "hematoxylin";
	private final Path model = TestFiles.testImages().resolve("models/ihc-stain");
	private Path holistic;
	private String log;
	private Map<String, String> logs;
	private ImagePlus stack;
	private ConceptBank bank;

	@BeforeAll
	void runTheMacro() throws Exception {
		ImagePlus ihc = IJ.openImage(TestFiles.testImages().resolve("images/ihc.png").toString());
		ImageProcessor region = ihc.getProcessor().duplicate();
		region.setRoi(X0, Y0, WIDTH, HEIGHT);
		region = region.crop();
		ImageProcessor mirror = region.duplicate();
		mirror.flipHorizontal();
		ImageStack two = new ImageStack(WIDTH, HEIGHT);
		two.addSlice("region", region);
		two.addSlice("mirror", mirror);
		stack = new ImagePlus("ihc-region", two);
		Path file = work.resolve("ihc-region.tif");
		new FileSaver(stack).saveAsTiffStack(file.toString());
		holistic = work.resolve("holistic");
		// the same two slices as two files of a folder; and with a third file of another size
		Path folder = Files.createDirectories(work.resolve("folder")), mixed = Files.createDirectories(work.resolve("mixed"));
		for (Path f : List.of(folder, mixed)) {
			assertTrue(new FileSaver(new ImagePlus("a", region)).saveAsTiff(f.resolve("a-region.tif").toString()));
			assertTrue(new FileSaver(new ImagePlus("b", mirror)).saveAsTiff(f.resolve("b-mirror.tif").toString()));
		}
		ImageProcessor other = region.duplicate();
		other.setRoi(0, 0, 64, 48);
		assertTrue(new FileSaver(new ImagePlus("c", other.crop())).saveAsTiff(mixed.resolve("c-smaller.tif").toString()));
		Map<String, Macro> runs = new LinkedHashMap<>();
		String options = "model=[" + model + "] target=" + TARGET + " concepts=3 designs=4 examples=2 holistic";
		runs.put("holistic", new Macro("setBatchMode(true);\nopen('" + file + "');\nrun('Concept Discovery...', '" + options + " save_dir=["
			+ holistic + "]');\n", ""));
		runs.put("folder", new Macro("setBatchMode(true);\nrun('Concept Discovery...', '" + options + " folder=[" + folder + "] save_dir=["
			+ work.resolve("holistic-folder") + "]');\n", ""));
		runs.put("mixed", new Macro("setBatchMode(true);\nrun('Concept Discovery...', '" + options + " folder=[" + mixed + "] save_dir=["
			+ work.resolve("holistic-mixed") + "]');\n", ""));
		logs = MacroRunner.run(runs, work);
		log = logs.get("holistic");
		bank = ConceptBank.load(holistic.resolve("concepts.json"));
	}

	@Test
	void theMapsAreOfTheImagesSizeEachSliceItsOwn() throws Exception {
		assertFalse(log.contains("Error"), log);
		assertEquals(List.of("atlas.tif", "concept-importance-maps.tif", "concept-maps-RoiSet.zip", "concept-maps.tif", "concepts.json",
			"holistic.csv", "importance.csv", "importance.png"), TestFiles.names(holistic));
		int k = bank.size();
		for (String file : List.of("concept-maps.tif", "concept-importance-maps.tif")) {
			ImagePlus maps = open(file);
			assertEquals(WIDTH, maps.getWidth(), file);
			assertEquals(HEIGHT, maps.getHeight(), file);
			assertEquals(3 + k, maps.getNChannels(), file + ": R, G, B, then one channel per concept");
			assertEquals(2, maps.getNSlices(), file + ": one plane per slice of the image, not one per tile");
			String info = String.valueOf(maps.getProperty("Info"));
			assertTrue(info.contains("tiles=6x4 tiles of 32x32, overlap 0.5"), file + ": " + info);
			assertEquals(info.indexOf("tiles="), info.lastIndexOf("tiles="), file + ": the grid is noted once");
			for (int z = 1; z <= 2; z++) {
				for (int c = 1; c <= 3; c++) {
					org.junit.jupiter.api.Assertions.assertArrayEquals(rgb(stack, z, c), plane(maps, c, z), file + ": the image's own channels come first");
				}
			}
		}
		List<Roi> rois = RoiZip.read(holistic.resolve("concept-maps-RoiSet.zip"));
		assertTrue(rois.size() >= 2, "ROIs of the concepts' top fractions on both slices: " + rois.size());
		boolean[] slices = new boolean[3];
		for (Roi roi : rois) {
			Rectangle b = roi.getBounds();
			assertTrue(b.x >= 0 && b.y >= 0 && b.x + b.width <= WIDTH && b.y + b.height <= HEIGHT, roi.getName() + " inside the image: " + b);
			slices[roi.getZPosition()] = true;
		}
		assertTrue(slices[1] && slices[2], "each slice has its ROIs");
	}

	@Test
	void whereOneTileCoversTheImageTheMapsAreThatWindowsOwnAndInsideTheWindowWeightedMean() throws Exception {
		ImagePlus attribution = open("concept-maps.tif"), importance = open("concept-importance-maps.tif");
		int k = bank.size();
		assertEquals(TARGET, bank.className);
		try (TensorFlowClassifier classifier = TensorFlowClassifier.load(model)) {
			double spread = 0;
			int otherClass = 0;
			for (int z = 1; z <= 2; z++) {
				Map<String, FloatTensor[]> windows = new LinkedHashMap<>();
				for (int[] w : new int[][] { { 0, 0 }, { 80, 48 }, { 32, 16 }, { 48, 16 }, { 32, 32 }, { 48, 32 } }) {
					FloatTensor x = Models.input(window(z, w[0], w[1]), classifier).tensor();
					if (classifier.logits(x).argmaxRows()[0] != bank.classIndex) otherClass++;
					FloatTensor local = ConceptLocalization.upsample(HolisticConcepts.importanceMaps(classifier, bank, x, bank.classIndex), TILE, TILE);
					FloatTensor maps = ConceptAttributionMaps.maps(classifier, bank, x, ConceptAttributionMaps.Rule.GRADIENT_X_INPUT, Progress.NONE);
					windows.put(w[0] + "," + w[1], new FloatTensor[] { maps, local });
				}
				for (int kind = 0; kind < 2; kind++) {
					ImagePlus whole = kind == 0 ? attribution : importance;
					for (int q = 0; q < k; q++) {
						float[] m = plane(whole, 4 + q, z);
						String what = (kind == 0 ? "attribution" : "importance") + " map of concept " + (q + 1) + ", slice " + z;
						for (int y = 0; y < 16; y++) {
							for (int x = 0; x < 16; x++) {
								float topLeft = MapChannels.map(windows.get("0,0")[kind], 0, q)[y * TILE + x];
								assertEquals(topLeft, m[y * WIDTH + x], WholeImageConceptsTest.tolerance(topLeft), what + " at (" + x + ", " + y + ")");
								float bottomRight = MapChannels.map(windows.get("80,48")[kind], 0, q)[(16 + y) * TILE + 16 + x];
								assertEquals(bottomRight, m[(64 + y) * WIDTH + 96 + x], WholeImageConceptsTest.tolerance(bottomRight), what + " at (" + (96 + x) + ", "
									+ (64 + y) + ")");
							}
						}
						// [48, 64) x [32, 48) is covered by the tiles at x 32 and 48, y 16 and 32
						for (int y = 32; y < 48; y++) {
							for (int x = 48; x < 64; x++) {
								double sum = 0, weights = 0;
								float lo = Float.POSITIVE_INFINITY, hi = Float.NEGATIVE_INFINITY;
								for (int[] w : new int[][] { { 32, 16 }, { 48, 16 }, { 32, 32 }, { 48, 32 } }) {
									double weight = WholeImageConceptsTest.sin2(y - w[1]) * WholeImageConceptsTest.sin2(x - w[0]);
									float v = MapChannels.map(windows.get(w[0] + "," + w[1])[kind], 0, q)[(y - w[1]) * TILE + x - w[0]];
									sum += weight * v;
									weights += weight;
									lo = Math.min(lo, v);
									hi = Math.max(hi, v);
								}
								double expected = sum / weights;
								assertEquals(expected, m[y * WIDTH + x], WholeImageConceptsTest.tolerance(expected), what + " at (" + x + ", " + y + ")");
								spread = Math.max(spread, hi - lo);
							}
						}
					}
				}
			}
			assertTrue(spread > 1e-4, "the windows disagree there, so the blend is a real mean: " + spread);
			assertTrue(otherClass > 0, "some windows are predicted as another class than the bank's, so the class the maps speak of shows");
		}
	}

	@Test
	void theNumbersAreTheSamplesTheTilesCutEdgeToEdge() throws Exception {
		TileGrid grid = TileGrid.of(HEIGHT, WIDTH, TILE, TILE, 0);
		assertEquals(12, grid.count(), "4x3 tiles of 32x32 spread over 112x80");
		List<ImagePlus> samples = new ArrayList<>();
		for (int z = 1; z <= 2; z++) for (int t = 0; t < grid.count(); t++) samples.add(window(z, grid.x(t), grid.y(t)));
		ImageStack s = new ImageStack(TILE, TILE);
		for (ImagePlus sample : samples) s.addSlice(sample.getProcessor());
		try (TensorFlowClassifier classifier = TensorFlowClassifier.load(model)) {
			FloatTensor x = Models.input(new ImagePlus("samples", s), classifier).tensor();
			assertEquals(24, x.dim(0));
			HolisticConcepts.Summary expected = HolisticConcepts.summarize(classifier, bank, x, HolisticConcepts.predictedAs(classifier, x,
				bank.classIndex));
			List<List<String>> csv = Csv.parse(Files.readString(holistic.resolve("holistic.csv")));
			assertEquals(bank.size() + 1, csv.size());
			double prevalence = 0;
			for (int q = 0; q < bank.size(); q++) {
				List<String> row = csv.get(q + 1);
				double local = 0;
				for (double[] perImage : expected.perImage()) local += perImage[q] / expected.perImage().length;
				assertEquals(expected.prevalence()[q], Double.parseDouble(row.get(2)), 1e-5, "prevalence of concept " + (q + 1));
				assertEquals(expected.reliability()[q], Double.parseDouble(row.get(3)), 1e-5, "reliability of concept " + (q + 1));
				assertEquals(local, Double.parseDouble(row.get(4)), 1e-5 * Math.max(1, Math.abs(local)), "local importance of concept " + (q + 1));
				prevalence += expected.prevalence()[q];
			}
			assertEquals(1, prevalence, 1e-9);
		}
	}

	/**
	 * A folder of the stack's two slices as two files gives the stack's results: the same samples in
	 * the same order, so the same bank, numbers and maps of the images' size, one plane per file.
	 */
	@Test
	void aFolderOfImagesOfOneSizeGivesMapsOfTheirSizeOnePlanePerFile() throws Exception {
		Path folder = work.resolve("holistic-folder");
		assertFalse(logs.get("folder").contains("Error"), logs.get("folder"));
		assertEquals(Files.readString(holistic.resolve("holistic.csv")), Files.readString(folder.resolve("holistic.csv")));
		for (String file : List.of("concept-maps.tif", "concept-importance-maps.tif")) {
			ImagePlus fromStack = open(file), fromFolder = IJ.openImage(folder.resolve(file).toString());
			assertEquals(WIDTH, fromFolder.getWidth(), file);
			assertEquals(HEIGHT, fromFolder.getHeight(), file);
			assertEquals(fromStack.getNChannels(), fromFolder.getNChannels(), file);
			assertEquals(2, fromFolder.getNSlices(), file + ": one plane per file, not one per tile");
			assertTrue(String.valueOf(fromFolder.getProperty("Info")).contains("tiles=6x4 tiles of 32x32, overlap 0.5"), file);
			assertEquals("b-mirror.tif", fromFolder.getStack().getSliceLabel(fromFolder.getStackIndex(1, 2, 1)), file + ": planes named by file");
			String concept = fromFolder.getStack().getSliceLabel(fromFolder.getStackIndex(fromFolder.getNChannels(), 2, 1));
			assertTrue(concept.startsWith("b-mirror \u00b7 concept "), file + ": a concept plane names its file, short, as ImageJ does: " + concept);
			for (int z = 1; z <= 2; z++) {
				for (int c = 1; c <= fromStack.getNChannels(); c++) {
					org.junit.jupiter.api.Assertions.assertArrayEquals(plane(fromStack, c, z), plane(fromFolder, c, z), 1e-6f,
						file + ": channel " + c + ", plane " + z);
				}
			}
		}
		assertEquals(RoiZip.read(holistic.resolve("concept-maps-RoiSet.zip")).size(), RoiZip.read(folder.resolve("concept-maps-RoiSet.zip")).size());
	}

	/** A folder whose images are not of one size keeps one plane per sample, and the Log says why. */
	@Test
	void aFolderOfImagesOfSeveralSizesKeepsOnePlanePerSampleAndSaysWhy() throws Exception {
		String mixedLog = logs.get("mixed");
		assertTrue(mixedLog.contains("ConceptScope Concept Discovery: the holistic maps are one plane per sample (each tile its own):"
			+ " 'c-smaller.tif' (64x48, 1 channel(s), 24-bit) and 'a-region.tif' (112x80, 1 channel(s), 24-bit) are not one stack"), mixedLog);
		ImagePlus maps = IJ.openImage(work.resolve("holistic-mixed/concept-maps.tif").toString());
		assertEquals(TILE, maps.getWidth());
		assertEquals(24 + 4, maps.getNSlices(), "12 tiles of each 112x80 image and 4 of the 64x48 one");
	}

	/** The 32x32 window at (x, y) of slice z, cut by hand. */
	private ImagePlus window(int z, int x, int y) {
		ImageProcessor ip = stack.getStack().getProcessor(z).duplicate();
		ip.setRoi(x, y, TILE, TILE);
		return new ImagePlus("window", ip.crop());
	}

	private static float[] rgb(ImagePlus imp, int slice, int channel) {
		int[] pixels = (int[]) imp.getStack().getProcessor(slice).getPixels();
		float[] out = new float[pixels.length];
		for (int i = 0; i < pixels.length; i++) out[i] = (pixels[i] >> (8 * (3 - channel))) & 0xff;
		return out;
	}

	private ImagePlus open(String file) {
		ImagePlus imp = IJ.openImage(holistic.resolve(file).toString());
		assertNotNull(imp, file + " was written");
		return imp;
	}

	private static float[] plane(ImagePlus imp, int channel, int slice) {
		Object pixels = imp.getStack().getProcessor(imp.getStackIndex(channel, slice, 1)).convertToFloat().getPixels();
		return (float[]) pixels;
	}
}
