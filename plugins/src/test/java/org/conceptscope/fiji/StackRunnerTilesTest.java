package org.conceptscope.fiji;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;
import ij.process.ImageProcessor;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.conceptscope.attribution.AttributionMethod;
import org.conceptscope.attribution.Saliency;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.fiji.batch.StackRunner;
import org.conceptscope.fiji.image.Explanation;
import org.conceptscope.fiji.run.Demo;
import org.conceptscope.fiji.run.Explainer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The long-stack runner on slices larger than the model's input (256x256 RGB crops of scikit-image's
 * ihc.png, 225 tiles of the 32x32 IHC model each): every slice is explained tile by tile, its map the
 * one the Attribution command gives that slice alone, whatever the batch; the automatic batch holds
 * about one model batch of tiles; live heap does not grow with the stack length; the out-of-domain
 * warning is written once for the stack, not once per batch.
 */
class StackRunnerTilesTest {

	@TempDir
	static Path dir;

	static TensorFlowClassifier model;
	static ImagePlus ihc;

	@BeforeAll
	static void load() {
		model = TensorFlowClassifier.load(TestFiles.testImages().resolve("models/ihc-stain"));
		ihc = IJ.openImage(TestFiles.testImages().resolve("images/ihc.png").toString());
	}

	@AfterAll
	static void close() {
		model.close();
	}

	/** {@code length} 256x256 crops of ihc.png at offsets spread over it (inverted: the negative), saved as a TIFF stack. */
	static Path stack(int length, boolean inverted) {
		ImageStack s = new ImageStack(256, 256);
		for (int i = 0; i < length; i++) {
			ImageProcessor ip = ihc.getProcessor().duplicate();
			ip.setRoi((i * 37) % 257, (i * 61) % 257, 256, 256);
			ImageProcessor crop = ip.crop();
			if (inverted) crop.invert();
			s.addSlice("crop " + (i + 1), crop);
		}
		Path file = dir.resolve("crops-" + length + (inverted ? "-inverted" : "") + ".tif");
		assertTrue(new ij.io.FileSaver(new ImagePlus("crops", s)).saveAsTiffStack(file.toString()));
		return file;
	}

	@Test
	void eachLargeSliceIsExplainedTileByTileAsTheAttributionCommandExplainsItAlone() throws IOException {
		Path file = stack(5, false);
		int automatic = StackRunner.automaticBatch(model, 256, 256, 0.5);
		assertEquals(Math.max(1, model.preferredBatchSize() / 225), automatic, "about one model batch of tiles per batch of slices");
		ImagePlus image = IJ.openImage(file.toString());
		for (int batch : new int[] { 0, 2 }) {
			Path csv = dir.resolve("tiles-" + batch + ".csv"), maps = dir.resolve("tiles-" + batch + ".tif");
			StackRunner.Result r = StackRunner.run(model, StackRunner.openVirtual(file), new Saliency(), AttributionMethod.PREDICTED, batch, csv,
				maps, null);
			assertEquals(5, r.slices());
			ImagePlus tif = IJ.openImage(maps.toString());
			assertEquals(256, tif.getWidth());
			assertEquals(5, tif.getStackSize());
			List<List<String>> rows = Csv.parse(Files.readString(csv, StandardCharsets.UTF_8));
			assertEquals(6, rows.size());
			for (int z = 1; z <= 5; z++) {
				ImagePlus slice = new ImagePlus("crop", image.getStack().getProcessor(z).duplicate());
				Explanation alone = Explainer.explain(model, slice, new Saliency(), AttributionMethod.PREDICTED, "ihc-stain", null);
				float scale = 1e-6f;
				for (float v : alone.map(0)) scale = Math.max(scale, Math.abs(v));
				assertArrayEquals(alone.map(0), (float[]) tif.getStack().getPixels(z), 1e-5f * scale, "slice " + z + ", batch " + batch);
				assertEquals(alone.className(alone.predicted(0)), rows.get(z).get(3), "predicted class of slice " + z);
			}
		}
	}

	@Test
	void liveHeapDoesNotGrowWithTheNumberOfLargeSlices() throws IOException {
		growth(2); // warm-up
		long shortRun = growth(3), longRun = growth(15);
		// Holding 12 more slices' maps (256 KB each) and inputs (768 KB each as floats) would add about 12 MB.
		System.out.printf("live heap growth: 3 slices %d KB, 15 slices %d KB%n", shortRun >> 10, longRun >> 10);
		assertTrue(longRun - shortRun < 2 << 20, "live heap grew by " + (longRun >> 10) + " KB over 15 large slices but by "
			+ (shortRun >> 10) + " KB over 3");
	}

	private static long growth(int length) throws IOException {
		Path file = stack(length, false);
		ImagePlus virtual = StackRunner.openVirtual(file);
		long before = liveHeap();
		long[] peak = { before };
		StackRunner.run(model, virtual, new Saliency(), AttributionMethod.PREDICTED, 1, dir.resolve("g-" + length + ".csv"),
			dir.resolve("g-" + length + ".tif"), (done, total) -> {
				peak[0] = Math.max(peak[0], liveHeap());
				return true;
			});
		return peak[0] - before;
	}

	@Test
	void theOutOfDomainWarningIsWrittenOnceForTheStack() throws IOException {
		// the negatives of the bundled 32x32 IHC patches (model-size slices, 3 batches of 4) and of large crops (tiled, 4 batches)
		ImagePlus patches = IJ.openImage(TestFiles.testImages().resolve(Demo.IMAGE).toString());
		ImageStack negatives = new ImageStack(patches.getWidth(), patches.getHeight());
		for (int z = 1; z <= patches.getStackSize(); z++) {
			ImageProcessor ip = patches.getStack().getProcessor(z).duplicate();
			ip.invert();
			negatives.addSlice("negative " + z, ip);
		}
		Path small = dir.resolve("negative-patches.tif");
		assertTrue(new ij.io.FileSaver(new ImagePlus("negative-patches", negatives)).saveAsTiffStack(small.toString()));
		assertEquals(1, warnings(small, 4), "model-size slices");
		assertEquals(1, warnings(stack(4, true), 1), "large slices");
	}

	private static int warnings(Path file, int batch) throws IOException {
		PrintStream stdout = System.out;
		ByteArrayOutputStream captured = new ByteArrayOutputStream();
		System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
		try {
			StackRunner.run(model, StackRunner.openVirtual(file), new Saliency(), AttributionMethod.PREDICTED, batch, dir.resolve("neg.csv"),
				dir.resolve("neg.tif"), null);
		} finally {
			System.setOut(stdout);
		}
		String log = captured.toString(StandardCharsets.UTF_8);
		return log.split("ConceptScope warning: The image", -1).length - 1;
	}

	/** Live heap (after a full collection) in bytes. */
	static long liveHeap() {
		System.gc();
		System.gc();
		return java.lang.management.ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
	}
}
