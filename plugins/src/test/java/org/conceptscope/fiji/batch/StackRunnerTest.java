package org.conceptscope.fiji.batch;

import org.conceptscope.fiji.Csv;
import org.conceptscope.fiji.TestFiles;
import org.conceptscope.fiji.write.AtomicFiles;
import org.conceptscope.fiji.run.Demo;
import org.conceptscope.fiji.run.Explainer;
import org.conceptscope.fiji.image.Explanation;
import org.conceptscope.fiji.write.ResultsCsvWriter;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CancellationException;

import org.conceptscope.attribution.AttributionMethod;
import org.conceptscope.attribution.Saliency;
import org.conceptscope.model.TensorFlowClassifier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The headless long-stack runner: the same results as explaining the whole image at once, files
 * that appear complete or not at all, and live heap that does not grow with the stack length.
 */
class StackRunnerTest {

	@TempDir
	static Path dir;

	static TensorFlowClassifier model;
	static ImagePlus patches;

	@BeforeAll
	static void load() {
		Path testImages = TestFiles.testImages();
		model = TensorFlowClassifier.load(testImages.resolve(Demo.MODEL));
		patches = IJ.openImage(testImages.resolve(Demo.IMAGE).toString());
	}

	@AfterAll
	static void close() {
		model.close();
	}

	/** A stack of {@code length} RGB slices cycling through the bundled IHC patches, saved as a TIFF. */
	static Path writeStack(int length) {
		return TestFiles.cyclingStack(patches, length, dir.resolve("stack-" + length + ".tif"));
	}

	@Test
	void batchedRunMatchesExplainingTheWholeImage() throws IOException {
		Path stack = writeStack(29);
		ImagePlus virtual = StackRunner.openVirtual(stack);
		assertTrue(virtual.getStack().isVirtual(), "the stack is read on demand");
		Path csv = dir.resolve("whole.csv"), maps = dir.resolve("whole-maps.tif");
		StackRunner.Result r = StackRunner.run(model, virtual, new Saliency(), AttributionMethod.PREDICTED, 8, csv, maps, null);
		assertEquals(29, r.slices());
		assertEquals(4, r.batches(), "29 slices in batches of 8");

		Explanation whole = Explainer.explain(model, IJ.openImage(stack.toString()), new Saliency(), AttributionMethod.PREDICTED,
			"ihc-stain", null);
		List<List<String>> rows = Csv.parse(Files.readString(csv, StandardCharsets.UTF_8));
		assertEquals(ResultsCsvWriter.header(whole), rows.get(0));
		List<List<String>> expected = ResultsCsvWriter.rows(whole);
		assertEquals(29, rows.size() - 1);
		for (int b = 0; b < 29; b++) {
			List<String> got = rows.get(b + 1), want = expected.get(b);
			assertEquals(want.subList(0, 4), got.subList(0, 4), "slice, frame, label, predicted of slice " + (b + 1));
			for (int k = 4; k < want.size(); k++) {
				if (k == want.size() - 4 || k == want.size() - 3) assertEquals(want.get(k), got.get(k), "target and method");
				else assertEquals(Float.parseFloat(want.get(k)), Float.parseFloat(got.get(k)), 1e-5, "column " + rows.get(0).get(k));
			}
		}

		ImagePlus tif = IJ.openImage(maps.toString());
		assertEquals(29, tif.getStackSize());
		assertEquals(patches.getWidth(), tif.getWidth());
		assertEquals(32, tif.getBitDepth());
		float max = 0;
		ImagePlus command = org.conceptscope.fiji.write.HeatmapWriter.buildMapImage(whole); // the Attribution command's maps alone
		for (int b = 0; b < 29; b++) {
			assertEquals(command.getStack().getSliceLabel(b + 1), tif.getStack().getSliceLabel(b + 1), "the command's label of slice " + (b + 1));
			float[] got = (float[]) tif.getStack().getProcessor(b + 1).getPixels();
			assertArrayEquals(whole.map(b), got, 1e-5f, "map of slice " + (b + 1));
			for (float v : got) max = Math.max(max, v);
		}
		assertEquals(max, tif.getDisplayRangeMax(), 1e-6 * max, "the display range covers every map");
		ImagePlus again = StackRunner.openVirtual(maps);
		assertEquals(29, again.getStackSize(), "the maps open as a virtual stack too");
		assertArrayEquals(whole.map(28), (float[]) again.getStack().getProcessor(29).getPixels(), 1e-5f);
		assertEquals("patch 29 \u00b7 saliency: " + rows.get(29).get(3), again.getStack().getSliceLabel(29), "labelled as a virtual stack too");
		assertTrue(TestFiles.names(dir).stream().noneMatch(n -> n.endsWith(AtomicFiles.TEMP_SUFFIX)));
	}

	@Test
	void stoppedRunLeavesNoFile() throws IOException {
		Path stack = writeStack(40);
		Path csv = dir.resolve("stopped.csv"), maps = dir.resolve("stopped.tif");
		assertThrows(CancellationException.class, () -> StackRunner.run(model, StackRunner.openVirtual(stack), new Saliency(),
			AttributionMethod.PREDICTED, 10, csv, maps, (done, total) -> done < 20));
		assertFalse(Files.exists(csv));
		assertFalse(Files.exists(maps));
		assertTrue(TestFiles.names(dir).stream().noneMatch(n -> n.endsWith(AtomicFiles.TEMP_SUFFIX)), "no temporary file is left");
	}

	/** Live heap (after a full collection) in bytes. */
	static long liveHeap() {
		System.gc();
		System.gc();
		return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
	}

	/** Largest live heap seen after any batch, minus the live heap before the run (stack already opened). */
	static long growth(int length) throws IOException {
		Path stack = writeStack(length);
		ImagePlus virtual = StackRunner.openVirtual(stack);
		long before = liveHeap();
		long[] peak = { before };
		StackRunner.run(model, virtual, new Saliency(), AttributionMethod.PREDICTED, 25, dir.resolve("len-" + length + ".csv"),
			dir.resolve("len-" + length + ".tif"), (done, total) -> {
				peak[0] = Math.max(peak[0], liveHeap());
				return true;
			});
		return peak[0] - before;
	}

	@Test
	void liveHeapDoesNotGrowWithStackLength() throws IOException {
		growth(30); // warm-up: classes, gradient ops, JIT
		long shortRun = growth(50), longRun = growth(600);
		// Holding the results would keep at least the 550 extra slices' maps (4 KB each) and
		// inputs (12 KB each): about 8.8 MB more for the long run.
		long tolerance = 1 << 20;
		System.out.printf("live heap growth: 50 slices %d KB, 600 slices %d KB%n", shortRun >> 10, longRun >> 10);
		assertTrue(longRun - shortRun < tolerance, "live heap grew by " + (longRun >> 10) + " KB over 600 slices but by "
			+ (shortRun >> 10) + " KB over 50: it depends on the stack length");
	}
}
