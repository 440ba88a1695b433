package org.conceptscope.fiji;

import org.conceptscope.fiji.batch.Batch;
import org.conceptscope.fiji.batch.BatchJob;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;
import ij.process.ByteProcessor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import org.conceptscope.util.Progress;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * LIME, Kernel SHAP (grid and SLIC segments), Guided Backpropagation, DeconvNet and FORGrad-filtered
 * Saliency through the batch runner, as a user runs them (keys on the command line, a TIFF stack in,
 * map stack out), on the known-answer model: logit k is the sum of the pixels of square R_k, and
 * each slice has its class's square bright over faint seeded noise. The map of every slice must
 * put most of its mass on that square (grown to the 4-pixel cells of the 8 x 8 grid the
 * segment-based methods use, which hold 64 or 96 of the 1024 pixels) and peak inside it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KnownAnswerBatchTest {

	@TempDir
	static Path work;

	/** R_0 and R_1 as {x, y, w, h} (the model card's evidence_regions_xywh); the class of each slice. */
	private static final int[][] REGIONS = { { 4, 4, 8, 8 }, { 18, 20, 8, 8 } };
	private static final int[] CLASSES = { 1, 0, 1 };
	private final Path model = TestFiles.testImages().resolve("models/known-answer");
	private Path stack;

	@BeforeAll
	void stack() {
		Random r = new Random(11);
		ImageStack s = new ImageStack(32, 32);
		for (int k : CLASSES) {
			ByteProcessor ip = new ByteProcessor(32, 32);
			for (int y = 0; y < 32; y++) for (int x = 0; x < 32; x++) ip.set(x, y, 1 + r.nextInt(25) + (inside(REGIONS[k], x, y, 0) ? 200 : 0));
			s.addSlice(ip);
		}
		stack = work.resolve("known.tif");
		IJ.saveAsTiff(new ImagePlus("known", s), stack.toString());
	}

	private static boolean inside(int[] q, int x, int y, int grow) {
		return x >= q[0] - grow && x < q[0] + q[2] + grow && y >= q[1] - grow && y < q[1] + q[3] + grow;
	}

	/** The square grown to the 4 x 4 cells it touches. */
	private static boolean nearSquare(int[] q, int x, int y) {
		int cx = x / 4, cy = y / 4;
		return cx >= q[0] / 4 && cx <= (q[0] + q[2] - 1) / 4 && cy >= q[1] / 4 && cy <= (q[1] + q[3] - 1) / 4;
	}

	@TestFactory
	Stream<DynamicTest> eachMethodFindsTheEvidenceSquare() {
		return Stream.of("method=lime samples=400 grid=8", "method=kernel_shap samples=400 grid=8",
			"method=lime samples=400 segments=slic superpixels=16", "method=guided_backprop", "method=deconvnet",
			"method=saliency forgrad=true forgrad_bandwidth=8").map(o -> DynamicTest.dynamicTest(o, () -> findsTheEvidenceSquare(o)));
	}

	private void findsTheEvidenceSquare(String options) throws IOException {
		Path out = work.resolve(options.replaceAll("[^a-z0-9]+", "-"));
		List<String> args = new ArrayList<>(List.of("input=" + stack, "model=" + model, "save_dir=" + out, "seed=5"));
		args.addAll(List.of(options.split(" ")));
		BatchJob.Result result = BatchJob.run(Batch.parse(args.toArray(new String[0])), Progress.NONE, null);
		assertEquals(3, result.entries());
		List<String> maps = TestFiles.names(out).stream().filter(n -> n.endsWith("-map.tif")).toList();
		assertEquals(1, maps.size(), "one map stack: " + TestFiles.names(out));
		ImagePlus m = IJ.openImage(out.resolve(maps.get(0)).toString());
		assertEquals(3, m.getStackSize());
		boolean segments = options.contains("lime") || options.contains("kernel_shap");
		for (int z = 1; z <= 3; z++) {
			int[] q = REGIONS[CLASSES[z - 1]];
			float[] v = (float[]) m.getStack().getProcessor(z).getPixels();
			double near = 0, all = 0, best = Double.NEGATIVE_INFINITY;
			int bestAt = -1;
			for (int p = 0; p < v.length; p++) {
				int x = p % 32, y = p / 32;
				double a = Math.abs(v[p]);
				all += a;
				if (nearSquare(q, x, y)) near += a;
				if (v[p] > best) {
					best = v[p];
					bestAt = p;
				}
			}
			double share = near / all;
			// Pixel-exact gradients land on the square only; surrogate maps carry fitting noise; the filtered map is blurred.
			double need = options.contains("forgrad") ? 0.6 : segments ? 0.8 : 0.99;
			assertTrue(share >= need, options + ", slice " + z + ": " + share + " of the map near the evidence, needs " + need);
			assertTrue(inside(q, bestAt % 32, bestAt / 32, segments ? 4 : 0), options + ", slice " + z + ": maximum at " + bestAt % 32 + ", "
				+ bestAt / 32 + ", outside the square " + java.util.Arrays.toString(q));
		}
	}
}
