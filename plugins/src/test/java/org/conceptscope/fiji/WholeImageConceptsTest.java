package org.conceptscope.fiji;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.CompositeImage;
import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;
import ij.io.FileSaver;
import ij.process.ImageProcessor;
import ij.process.LUT;

import java.awt.Color;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.conceptscope.concepts.ConceptBank;
import org.conceptscope.fiji.MacroRunner.Macro;
import org.conceptscope.fiji.write.MapLuts;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Concept Localization over whole images, as users run it: Concept Discovery on the IHC held-out
 * patches, then Concept Localization from macros in ImageJ 1.x on scikit-image's ihc.png (512x512,
 * 16 times the 32x32 model input), on a two-slice stack of it and its mirror image, and on single
 * 32x32 windows cut from it (the untiled maps). Known answers: where one tile alone covers the image
 * (its corners) the whole-image map is that window's own map; inside, every pixel is the mean of the
 * covering windows' maps weighted by the sin² window, computed here from the window runs; every
 * slice of a stack gets its own slice's maps; each concept channel keeps its name, colour and own
 * display range, and the label image read back is the dominant concept; no step at tile borders larger than elsewhere, while
 * the same tiles cut edge to edge (overlap 0) step there.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WholeImageConceptsTest {

	@TempDir
	static Path work;

	private static final int TILE = 32, SIZE = 512;
	private final Path ihc = TestFiles.testImages().resolve("images/ihc.png");
	private final Path patches = TestFiles.testImages().resolve("images/ihc-heldout-patches.tif");
	private final Path model = TestFiles.testImages().resolve("models/ihc-stain");
	/** Windows cut from ihc.png and localised alone: the two corners and the four tiles covering [32, 48)². */
	private static final int[][] WINDOWS = { { 0, 0 }, { 480, 480 }, { 16, 16 }, { 32, 16 }, { 16, 32 }, { 32, 32 } };
	/** The stack's label image is 0 where no concept map exceeds this. */
	private static final double THRESHOLD = 1.0;
	private Map<String, String> logs;
	private int k;
	private String className;

	@BeforeAll
	void runTheMacros() throws Exception {
		ImagePlus image = IJ.openImage(ihc.toString());
		ImageProcessor mirror = image.getProcessor().duplicate();
		mirror.flipHorizontal();
		new FileSaver(new ImagePlus("ihc-mirror", mirror)).saveAsTiff(work.resolve("ihc-mirror.tif").toString());
		ImageStack two = new ImageStack(SIZE, SIZE);
		two.addSlice("ihc", image.getProcessor().duplicate());
		two.addSlice("mirror", mirror.duplicate());
		new FileSaver(new ImagePlus("ihc-two", two)).saveAsTiff(work.resolve("ihc-two.tif").toString());

		Path bank = work.resolve("discovery/concepts.json");
		String localize = "run('Concept Localization...', 'model=[" + model + "] concepts=[" + bank + "] output=image";
		Map<String, Macro> runs = new LinkedHashMap<>();
		runs.put("discovery", new Macro("setBatchMode(true);\nopen('" + patches + "');\nrun('Concept Discovery...', 'model=[" + model
			+ "] concepts=3 designs=4 examples=2 save_dir=[" + work.resolve("discovery") + "]');\n", ""));
		StringBuilder m = new StringBuilder("setBatchMode(true);\nopen('" + ihc + "');\nid = getImageID();\n");
		m.append(localize).append(" save_dir=[").append(work.resolve("whole")).append("]');\n");
		m.append("print('result ' + getTitle() + ' ' + getWidth() + 'x' + getHeight() + 'x' + nSlices);\n");
		m.append("selectImage(id);\n").append(localize).append(" overlap=0 save_dir=[").append(work.resolve("cut")).append("]');\n");
		for (int[] w : WINDOWS) {
			String title = "window-" + w[0] + "-" + w[1];
			m.append("selectImage(id);\nmakeRectangle(").append(w[0]).append(", ").append(w[1]).append(", 32, 32);\n");
			m.append("run('Duplicate...', 'title=").append(title).append("');\n");
			m.append(localize).append(" save_dir=[").append(work.resolve("windows")).append("]');\n");
		}
		runs.put("whole", new Macro(m.toString(), ""));
		runs.put("stack", new Macro("setBatchMode(true);\nopen('" + work.resolve("ihc-two.tif") + "');\n" + localize
			+ " label_threshold=" + THRESHOLD + " save_dir=["
			+ work.resolve("stack") + "]');\nopen('" + work.resolve("ihc-mirror.tif") + "');\n" + localize + " save_dir=["
			+ work.resolve("mirror") + "]');\n", ""));
		logs = MacroRunner.run(runs, work);
		k = ConceptBank.load(bank).size();
		className = ConceptBank.load(bank).className;
	}

	@Test
	void oneConceptMapPerConceptOfTheImagesSize() throws Exception {
		assertEquals(3, k);
		assertTrue(logs.get("whole").contains("result ihc-concepts-map 512x512x3"), logs.get("whole"));
		assertFalse(logs.get("whole").contains("Error"), logs.get("whole"));
		ImagePlus maps = open("whole/ihc-concepts-map.tif");
		assertEquals(k, maps.getNChannels());
		assertTrue(String.valueOf(maps.getProperty("Info")).contains("tiles=31x31 tiles of 32x32, overlap 0.5"),
			String.valueOf(maps.getProperty("Info")));
		List<List<String>> csv = Csv.parse(Files.readString(work.resolve("whole/ihc-concepts-results.csv")));
		assertEquals(2, csv.size(), "one row for the one slice");
		for (int q = 0; q < k; q++) {
			float[] map = plane(maps, q + 1, 1);
			double max = 0;
			for (float v : map) {
				assertTrue(v >= -1e-6f && Float.isFinite(v), "concept coefficients are not negative: " + v);
				max = Math.max(max, v);
			}
			assertTrue(max > 0, "concept " + (q + 1) + " is somewhere in ihc.png");
			// The largest coefficient of the table (over every tile's layer positions) bounds the blended map.
			assertTrue(max <= Double.parseDouble(csv.get(1).get(5 + 2 * q)) * (1 + 1e-4), "map max " + max + " vs " + csv.get(1));
		}
	}

	@Test
	void whereOneTileCoversTheImageTheMapIsThatWindowsOwnMap() throws Exception {
		ImagePlus maps = open("whole/ihc-concepts-map.tif");
		for (int q = 1; q <= k; q++) {
			float[] whole = plane(maps, q, 1);
			float[] topLeft = plane(window(0, 0), q, 1), bottomRight = plane(window(480, 480), q, 1);
			for (int y = 0; y < 16; y++) {
				for (int x = 0; x < 16; x++) {
					assertEquals(topLeft[y * TILE + x], whole[y * SIZE + x], tolerance(topLeft[y * TILE + x]), "top left (" + x + ", " + y + ")");
					int wx = 16 + x, wy = 16 + y;
					assertEquals(bottomRight[wy * TILE + wx], whole[(480 + wy) * SIZE + 480 + wx], tolerance(bottomRight[wy * TILE + wx]),
						"bottom right (" + (480 + wx) + ", " + (480 + wy) + ")");
				}
			}
		}
	}

	@Test
	void insideEachPixelIsTheWindowWeightedMeanOfTheTilesCoveringIt() throws Exception {
		ImagePlus maps = open("whole/ihc-concepts-map.tif");
		double maxDiff = 0;
		for (int q = 1; q <= k; q++) {
			float[] whole = plane(maps, q, 1);
			for (int y = 32; y < 48; y++) {
				for (int x = 32; x < 48; x++) {
					double sum = 0, weights = 0;
					for (int[] w : new int[][] { { 16, 16 }, { 32, 16 }, { 16, 32 }, { 32, 32 } }) {
						double weight = sin2(y - w[1]) * sin2(x - w[0]);
						sum += weight * plane(window(w[0], w[1]), q, 1)[(y - w[1]) * TILE + x - w[0]];
						weights += weight;
					}
					double expected = sum / weights;
					assertEquals(expected, whole[y * SIZE + x], tolerance(expected), "concept " + q + " at (" + x + ", " + y + ")");
					maxDiff = Math.max(maxDiff, Math.abs(plane(window(16, 16), q, 1)[(y - 16) * TILE + x - 16] - expected));
				}
			}
		}
		assertTrue(maxDiff > 1e-3, "the windows disagree there, so the blend is a real mean: " + maxDiff);
	}

	@Test
	void everySliceOfAStackGetsItsOwnMaps() throws Exception {
		assertFalse(logs.get("stack").contains("Error"), logs.get("stack"));
		ImagePlus stack = open("stack/ihc-two-concepts-map.tif");
		assertEquals(k, stack.getNChannels());
		assertEquals(2, stack.getNSlices());
		ImagePlus whole = open("whole/ihc-concepts-map.tif"), mirror = open("mirror/ihc-mirror-concepts-map.tif");
		for (int q = 1; q <= k; q++) {
			assertClose(plane(whole, q, 1), plane(stack, q, 1), "slice 1, concept " + q);
			assertClose(plane(mirror, q, 1), plane(stack, q, 2), "slice 2, concept " + q);
		}
		List<List<String>> csv = Csv.parse(Files.readString(work.resolve("stack/ihc-two-concepts-results.csv")));
		assertEquals(3, csv.size(), "one row per slice");
	}

	@Test
	void noSeamAtTileBordersWhileTilesCutEdgeToEdgeStep() throws Exception {
		ImagePlus blended = open("whole/ihc-concepts-map.tif"), cut = open("cut/ihc-concepts-map.tif");
		for (int q = 1; q <= k; q++) {
			double ratio = WholeImageTest.borderRatio(plane(blended, q, 1), 16);
			assertTrue(ratio < 1.05, "concept " + q + ": steps at tile borders are " + ratio + " times those elsewhere");
			double cutRatio = WholeImageTest.borderRatio(plane(cut, q, 1), TILE);
			assertTrue(cutRatio > 3, "concept " + q + ": tiles cut without overlap step by " + cutRatio + " at their borders");
		}
	}

	@Test
	void eachConceptHasItsNameColourAndRangeAndTheLabelImageIsTheDominantConcept() throws Exception {
		ImagePlus maps = open("whole/ihc-concepts-map.tif");
		assertTrue(maps instanceof CompositeImage, "a composite of the concept channels");
		CompositeImage ci = (CompositeImage) maps;
		ImagePlus labels = open("whole/ihc-concept-labels.tif");
		assertEquals(8, labels.getBitDepth());
		assertEquals(SIZE, labels.getWidth());
		for (int q = 1; q <= k; q++) {
			assertEquals("concept " + q + ": " + className, maps.getStack().getSliceLabel(maps.getStackIndex(q, 1, 1)));
			LUT lut = ci.getChannelLut(q);
			Color colour = MapLuts.conceptColor(q - 1);
			assertEquals(colour.getRGB(), lut.getRGB(255), "concept " + q + " is drawn black to its own colour");
			assertEquals(colour.getRGB(), labels.getProcessor().getColorModel().getRGB(q), "label " + q + " has concept " + q + "'s colour");
			float max = 0;
			for (float v : plane(maps, q, 1)) max = Math.max(max, v);
			assertEquals(0, lut.min, 1e-9, "concept " + q + "'s range starts at 0");
			assertEquals(max, lut.max, 1e-6 * max, "concept " + q + "'s range ends at its own largest value: nothing saturates");
		}
		assertEquals(0xff000000, labels.getProcessor().getColorModel().getRGB(0), "no concept: black");
		checkLabels(maps, labels, 1, 0);

		ImagePlus stack = open("stack/ihc-two-concepts-map.tif"), stackLabels = open("stack/ihc-two-concept-labels.tif");
		assertEquals(2, stackLabels.getNSlices());
		int zeros = 0;
		for (int z = 1; z <= 2; z++) zeros += checkLabels(stack, stackLabels, z, THRESHOLD);
		assertTrue(zeros > 0 && zeros < 2 * SIZE * SIZE, "label_threshold=" + THRESHOLD + " leaves some pixels without a concept: " + zeros);
	}

	/** The labels read back are the arg-max + 1 of the maps read back, 0 where none exceeds the threshold; returns the zeros. */
	private int checkLabels(ImagePlus maps, ImagePlus labels, int slice, double threshold) {
		float[][] m = new float[k][];
		for (int q = 0; q < k; q++) m[q] = plane(maps, q + 1, slice);
		ImageProcessor l = labels.getStack().getProcessor(slice);
		int zeros = 0;
		int[] counts = new int[k + 1];
		for (int p = 0; p < SIZE * SIZE; p++) {
			int best = 0;
			for (int q = 1; q < k; q++) if (m[q][p] > m[best][p]) best = q;
			int expected = m[best][p] > threshold ? best + 1 : 0;
			assertEquals(expected, l.get(p), "slice " + slice + " pixel " + p);
			counts[expected]++;
			if (expected == 0) zeros++;
		}
		int present = 0;
		for (int q = 1; q <= k; q++) if (counts[q] > 0) present++;
		assertTrue(present >= 2, "more than one concept dominates somewhere: " + java.util.Arrays.toString(counts));
		return zeros;
	}

	/** The blend window of a 32-pixel tile at pixel i of it, sin²(π (i + ½) / 32) (docs/whole-images.md). */
	static double sin2(int i) {
		double s = Math.sin(Math.PI * (i + 0.5) / TILE);
		return s * s;
	}

	/** Float agreement of blended maps: 1e-5 relative, absolute below 1. */
	static float tolerance(double v) {
		return (float) (1e-5 * Math.max(1, Math.abs(v)));
	}

	private static void assertClose(float[] expected, float[] actual, String what) {
		assertEquals(expected.length, actual.length);
		for (int i = 0; i < expected.length; i++) assertEquals(expected[i], actual[i], tolerance(expected[i]), what + " at " + i);
	}

	private final Map<String, ImagePlus> windows = new LinkedHashMap<>();

	private ImagePlus window(int x, int y) {
		return windows.computeIfAbsent(x + "-" + y, key -> {
			ImagePlus w = open("windows/window-" + key + "-concepts-map.tif");
			assertEquals(TILE, w.getWidth());
			return w;
		});
	}

	private static ImagePlus open(String file) {
		ImagePlus imp = IJ.openImage(work.resolve(file).toString());
		assertNotNull(imp, file + " was written");
		return imp;
	}

	private static float[] plane(ImagePlus imp, int channel, int slice) {
		return (float[]) imp.getStack().getProcessor(imp.getStackIndex(channel, slice, 1)).getPixels();
	}
}
