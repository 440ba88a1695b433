package org.conceptscope.fiji.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.ImagePlus;
import ij.ImageStack;
import ij.gui.Overlay;
import ij.gui.Roi;
import ij.io.FileSaver;
import ij.process.ByteProcessor;
import ij.process.ColorProcessor;

import java.awt.Rectangle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.conceptscope.fiji.image.ImageSet;
import org.conceptscope.fiji.write.PrototypeMontage;
import org.conceptscope.heads.HeadPrototypes;
import org.conceptscope.model.ModelConfig;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.train.CnnArchitecture;
import org.conceptscope.train.SavedModelExport;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Montages of a model whose input is not square (40 wide, 16 high): Nearest Examples shows every
 * case, nearest example and prototype whole, each panel the input's 40 x 16 pixels replicated, where
 * a square cut from the top left (16 x 16) showed less than half of it; the interpretable heads' patch
 * is a cell's footprint doubled along each axis.
 */
class NonSquareMontagesTest {

	static final int W = 40, H = 16;

	@TempDir
	Path dir;

	/** 40 x 16 x 1 in, an identity 3x3 convolution with ReLU (conv1/relu is the image), flattened to 2 logits. */
	private Path model() throws Exception {
		CnnArchitecture arch = new CnnArchitecture(H, W, 1, new int[] { 1 }, 3, false, CnnArchitecture.Head.FLATTEN, 2);
		Map<String, FloatTensor> w = new LinkedHashMap<>();
		FloatTensor kernel = FloatTensor.zeros(3, 3, 1, 1);
		kernel.set(1f, 1, 1, 0, 0);
		w.put("conv1/kernel", kernel);
		w.put("conv1/bias", FloatTensor.zeros(1));
		FloatTensor dense = FloatTensor.zeros(W * H, 2);
		for (int p = 0; p < W * H; p++) dense.set(p < W * H / 2 ? 1f : -1f, p, 0);
		w.put("dense/kernel", dense);
		w.put("dense/bias", FloatTensor.zeros(2));
		ModelConfig config = new ModelConfig();
		config.name = "wide";
		config.classes = List.of("top", "bottom");
		config.normalization = "unit_range";
		Path m = dir.resolve("wide-model");
		SavedModelExport.export(arch, w, config, m);
		return m;
	}

	private static void assertWhole(ColorProcessor montage, Roi roi, ByteProcessor source, int scale) {
		Rectangle r = roi.getBounds();
		assertEquals(W * scale, r.width, roi.getName() + ": the input's whole width");
		assertEquals(H * scale, r.height, roi.getName() + ": the input's whole height");
		for (int py = 0; py < r.height; py++) {
			for (int px = 0; px < r.width; px++) {
				int v = source.get(px / scale, py / scale);
				assertEquals((v << 16) | (v << 8) | v, montage.get(r.x + px, r.y + py) & 0xffffff, roi.getName() + " at " + px + "," + py);
			}
		}
	}

	@Test
	void nearestExamplesAndPrototypesShowWholeNonSquareInputs() throws Exception {
		Path model = model(), training = Files.createDirectories(dir.resolve("training"));
		Random r = new Random(11);
		ByteProcessor[] examples = new ByteProcessor[5];
		for (int i = 0; i < examples.length; i++) {
			examples[i] = new ByteProcessor(W, H);
			for (int p = 0; p < W * H; p++) examples[i].set(p, r.nextInt(256));
			assertTrue(new FileSaver(new ImagePlus("t" + i + ".tif", examples[i])).saveAsTiff(training.resolve("t" + i + ".tif").toString()));
		}
		ImageStack stack = new ImageStack(W, H);
		stack.addSlice("copy of t1", examples[1].duplicate());
		stack.addSlice("copy of t3", examples[3].duplicate());
		ImagePlus cases = new ImagePlus("cases.tif", stack);
		ExamplesSettings s = new ExamplesSettings();
		s.model = model;
		s.folder = training;
		s.layer = "conv1/relu";
		s.neighbours = 3;
		s.prototypes = 2;
		s.saveDir = dir.resolve("out");
		ExamplesRun.Result result = ExamplesRun.run(cases, s, Progress.NONE);

		int scale = 2; // the longer side, 40, replicated to at least 48
		Pattern name = Pattern.compile("(.+); example (\\d); (cases\\.tif|t(\\d)\\.tif) slice (\\d); x=0,y=0");
		Overlay nearest = result.nearest().getOverlay();
		assertEquals(2 * (1 + 3), nearest.size(), "per case: the case and its 3 nearest examples");
		ColorProcessor pixels = (ColorProcessor) result.nearest().getProcessor();
		for (int i = 0; i < nearest.size(); i++) {
			Roi roi = nearest.get(i);
			Matcher m = name.matcher(roi.getName());
			assertTrue(m.matches(), roi.getName());
			int c = i / 4, j = Integer.parseInt(m.group(2));
			ByteProcessor source = m.group(4) == null ? (ByteProcessor) stack.getProcessor(Integer.parseInt(m.group(5)))
				: examples[Integer.parseInt(m.group(4))];
			if (j == 1) assertEquals("cases.tif slice " + (c + 1), m.group(3) + " slice " + m.group(5), "the case first");
			if (j == 2) assertEquals(c == 0 ? "1" : "3", m.group(4), "the nearest example is the case's source");
			assertWhole(pixels, roi, source, scale);
		}
		Overlay prototypes = result.prototypes().getOverlay();
		assertEquals(2, prototypes.size());
		for (Roi roi : prototypes) {
			Matcher m = name.matcher(roi.getName());
			assertTrue(m.matches() && m.group(4) != null, roi.getName());
			assertWhole((ColorProcessor) result.prototypes().getProcessor(), roi, examples[Integer.parseInt(m.group(4))], scale);
		}
	}

	/** A head's patch: the cell's footprint (width / map width by height / map height) doubled along each axis, inside the image. */
	@Test
	void aHeadPatchIsTheCellsFootprintDoubledAlongEachAxis() {
		ImageSet images = new ImageSet(List.of(new ImagePlus("wide.tif", new ByteProcessor(64, 32))));
		// a 1 x 1 map: its one cell covers the whole 64 x 32 input, which the patch shows
		assertEquals(new PrototypeMontage.Crop(0, 0, 0, 64, 32, 0.7),
			HeadTrainingRun.crop(images, 0, new HeadPrototypes.Prototype(0, 0, 0, 0.7), new int[] { 1, 1 }));
		// a 4 x 4 map: cells of 16 x 8, doubled 32 x 16, centred on cell (x 1, y 2) at (24, 20): from (8, 12)
		assertEquals(new PrototypeMontage.Crop(0, 8, 12, 32, 16, 0.5),
			HeadTrainingRun.crop(images, 0, new HeadPrototypes.Prototype(0, 2, 1, 0.5), new int[] { 4, 4 }));
		// the bottom-right cell: kept inside the image
		assertEquals(new PrototypeMontage.Crop(0, 32, 16, 32, 16, 0.5),
			HeadTrainingRun.crop(images, 0, new HeadPrototypes.Prototype(0, 3, 3, 0.5), new int[] { 4, 4 }));
		// a square input and a square map: the square patch as before (cells of 4, doubled 8, centred at (10, 2))
		ImageSet square = new ImageSet(List.of(new ImagePlus("square.tif", new ByteProcessor(32, 32))));
		assertEquals(new PrototypeMontage.Crop(0, 6, 0, 8, 8, 0.5),
			HeadTrainingRun.crop(square, 0, new HeadPrototypes.Prototype(0, 0, 2, 0.5), new int[] { 8, 8 }));
	}
}
