package org.conceptscope.fiji;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import org.conceptscope.fiji.MacroRunner.Macro;
import org.conceptscope.fiji.batch.Batch;
import org.conceptscope.fiji.batch.BatchJob;
import org.conceptscope.tensor.Bicubic;
import org.conceptscope.tensor.GridUpsampling;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code upsampling} key of Sobol and HSIC as users give it: macros calling the Attribution
 * command on the bundled 16 x 16 CT stack (grid 4: cells of 4 x 4 pixels), and the batch runner.
 * The same seed gives the same per-cell estimates whatever the upsampling, so the {@code nearest}
 * map (one constant block per cell) hands the test the cells, and the other maps must be those
 * cells resized: bilinear interpolation between cell centres written out here, bicubic as
 * TensorFlow's resize (Bicubic, itself checked against TensorFlow in GridMethodsFidelityTest).
 * The default, with no key, is bicubic: Xplique's choice for both methods.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UpsamplingMacroTest {

	@TempDir
	static Path work;

	static final int SIDE = 16, GRID = 4, SLICES = 12;
	private final Path stack = TestFiles.testImages().resolve("images/ct-heldout-patches.tif");
	private final Path model = TestFiles.testImages().resolve("models/ct-tissue");
	private Map<String, String> logs;

	private String attribution(String method, String upsampling, String dir) {
		String extra = method.equals("sobol") ? " designs=8" : " samples=64";
		return "setBatchMode(true);\nopen('" + stack + "');\nrun('Attribution...', 'model=[" + model + "] method=" + method + " grid=" + GRID
			+ extra + " seed=5" + (upsampling == null ? "" : " upsampling=" + upsampling) + (dir == null ? "" : " save_dir=[" + work.resolve(dir) + "]")
			+ "');\n";
	}

	@BeforeAll
	void runTheMacros() throws Exception {
		Map<String, Macro> runs = new LinkedHashMap<>();
		for (String up : new String[] { null, "bicubic", "bilinear", "nearest" }) {
			String name = "sobol-" + (up == null ? "default" : up);
			runs.put(name, new Macro(attribution("sobol", up, name), ""));
		}
		runs.put("hsic-default", new Macro(attribution("hsic", null, "hsic-default"), ""));
		runs.put("hsic-nearest", new Macro(attribution("hsic", "nearest", "hsic-nearest"), ""));
		runs.put("unknown", new Macro(attribution("sobol", "cubic", "unknown"), ""));
		logs = MacroRunner.run(runs, work);
	}

	/** Slice z's map (the channel after the CT values). */
	private float[] map(String run, String method, int z) {
		assertFalse(logs.get(run).contains("Error"), logs.get(run));
		ImagePlus heat = IJ.openImage(work.resolve(run).resolve("ct-heldout-patches-" + method + ".tif").toString());
		assertEquals(2, heat.getNChannels(), "CT values + the map");
		assertEquals(SLICES, heat.getNSlices());
		return (float[]) heat.getStack().getPixels(heat.getStackIndex(2, z, 1));
	}

	/** The per-cell values of a nearest map, after checking that it is constant on every cell. */
	private static double[] cells(float[] nearest) {
		double[] cells = new double[GRID * GRID];
		int size = SIDE / GRID;
		for (int y = 0; y < SIDE; y++) {
			for (int x = 0; x < SIDE; x++) {
				int c = (y / size) * GRID + x / size;
				if (x % size == 0 && y % size == 0) cells[c] = nearest[y * SIDE + x];
				else assertEquals(nearest[(y / size * size) * SIDE + x / size * size], nearest[y * SIDE + x], 0f, "constant cell at " + x + "," + y);
			}
		}
		return cells;
	}

	/** Bilinear with pixel centres aligned and clamped borders, written out: sample position (o + 0.5) * in / out - 0.5. */
	private static double bilinear(double[] cells, int x, int y) {
		double sy = Math.max(0, (y + 0.5) * GRID / SIDE - 0.5), sx = Math.max(0, (x + 0.5) * GRID / SIDE - 0.5);
		int y0 = (int) Math.floor(sy), x0 = (int) Math.floor(sx), y1 = Math.min(GRID - 1, y0 + 1), x1 = Math.min(GRID - 1, x0 + 1);
		double fy = sy - y0, fx = sx - x0;
		double top = cells[y0 * GRID + x0] * (1 - fx) + cells[y0 * GRID + x1] * fx;
		double bottom = cells[y1 * GRID + x0] * (1 - fx) + cells[y1 * GRID + x1] * fx;
		return top * (1 - fy) + bottom * fy;
	}

	@Test
	void nearestPaintsOneBlockPerCellAndTheOthersResizeThoseCells() {
		boolean bicubicLeavesTheCellRange = false, bicubicDiffers = false;
		for (int z = 1; z <= SLICES; z++) {
			float[] nearest = map("sobol-nearest", "sobol", z), bilinear = map("sobol-bilinear", "sobol", z);
			float[] bicubic = map("sobol-bicubic", "sobol", z), byDefault = map("sobol-default", "sobol", z);
			Set<Float> distinct = new HashSet<>();
			for (float v : nearest) distinct.add(v);
			assertTrue(distinct.size() <= GRID * GRID, "slice " + z + ": " + distinct.size() + " values from " + GRID * GRID + " cells");
			double[] cells = cells(nearest);
			double lo = Double.MAX_VALUE, hi = -Double.MAX_VALUE;
			for (double c : cells) {
				lo = Math.min(lo, c);
				hi = Math.max(hi, c);
			}
			float[] cubic = Bicubic.resize(cells, GRID, GRID, SIDE, SIDE);
			double tolerance = 1e-5 * (1 + hi - lo);
			for (int y = 0; y < SIDE; y++) {
				for (int x = 0; x < SIDE; x++) {
					int i = y * SIDE + x;
					assertEquals(bilinear(cells, x, y), bilinear[i], tolerance, "slice " + z + " bilinear at " + x + "," + y);
					assertTrue(bilinear[i] >= lo - tolerance && bilinear[i] <= hi + tolerance, "bilinear stays within the cells' range");
					assertEquals(cubic[i], bicubic[i], tolerance, "slice " + z + " bicubic at " + x + "," + y);
					assertEquals(bicubic[i], byDefault[i], 0f, "slice " + z + ": no key is bicubic");
					if (bicubic[i] < lo - tolerance || bicubic[i] > hi + tolerance) bicubicLeavesTheCellRange = true;
					if (Math.abs(bicubic[i] - bilinear[i]) > 1e-3 * (hi - lo)) bicubicDiffers = true;
				}
			}
		}
		assertTrue(bicubicDiffers, "the key changes the map");
		assertTrue(bicubicLeavesTheCellRange, "bicubic overshoots the cells somewhere on 12 slices (bilinear never does)");
	}

	@Test
	void hsicFollowsTheKeyAndDefaultsToBicubic() {
		for (int z = 1; z <= SLICES; z++) {
			double[] cells = cells(map("hsic-nearest", "hsic", z));
			float[] cubic = Bicubic.resize(cells, GRID, GRID, SIDE, SIDE), byDefault = map("hsic-default", "hsic", z);
			for (int i = 0; i < cubic.length; i++) assertEquals(cubic[i], byDefault[i], 1e-5 * (1 + Math.abs(cubic[i])), "slice " + z);
		}
	}

	@Test
	void theReplayLineRecordsTheKeyAndAnUnknownValueIsOneSentence() throws Exception {
		ImagePlus heat = IJ.openImage(work.resolve("sobol-nearest/ct-heldout-patches-sobol.tif").toString());
		assertTrue(((String) heat.getProperty("Info")).contains(" upsampling=nearest "), (String) heat.getProperty("Info"));
		ImagePlus byDefault = IJ.openImage(work.resolve("sobol-default/ct-heldout-patches-sobol.tif").toString());
		assertTrue(((String) byDefault.getProperty("Info")).contains(" upsampling=" + GridUpsampling.BICUBIC.key() + " "));
		String log = logs.get("unknown");
		assertTrue(log.contains("Unknown grid upsampling 'cubic': use bilinear, bicubic or nearest."), log);
		assertFalse(Files.exists(work.resolve("unknown")) && TestFiles.names(work.resolve("unknown")).size() > 0, "nothing written");
	}

	@Test
	void theBatchRunnerPassesTheKey() throws Exception {
		BatchJob.Job job = Batch.parse(new String[] { "input=" + stack, "model=" + model, "save_dir=" + work.resolve("batch"), "method=sobol",
			"grid=" + GRID, "designs=8", "seed=5", "upsampling=nearest" });
		BatchJob.run(job, Progress.NONE, null);
		ImagePlus batch = IJ.openImage(work.resolve("batch").resolve("ct-heldout-patches-sobol-map.tif").toString());
		for (int z = 1; z <= SLICES; z++) {
			float[] fromBatch = (float[]) batch.getStack().getProcessor(z).convertToFloat().getPixels(), fromMacro = map("sobol-nearest", "sobol", z);
			for (int i = 0; i < fromBatch.length; i++) {
				assertEquals(fromMacro[i], fromBatch[i], 1e-5 * (1 + Math.abs(fromMacro[i])), "slice " + z + ": batch runner vs Attribution command");
			}
		}
	}
}
