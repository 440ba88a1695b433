package org.conceptscope.fiji;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;
import ij.gui.ImageRoi;
import ij.gui.Roi;
import ij.gui.TextRoi;
import ij.process.LUT;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.conceptscope.fiji.MacroRunner.Macro;
import org.conceptscope.fiji.write.HeatOverlay;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Segmentation networks on the TorchScript and ONNX engines as users run them: macros calling the
 * Attribution command on ihc.png with a selection and the {@code operator} key, on the box
 * segmentation of test-images/models/box-segmentation (make_fixtures.py: output channel k is the
 * 3x3 box mean of input channel k). Known by construction: the red channel averaged over a
 * selection R has the input gradient #{p in R : |p - q|_inf <= 1} / (9 |R|) on the red channel at
 * pixel q, and none on the others, whatever the image.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DenseEnginesMacroTest {

	@TempDir
	static Path work;

	static final int RX = 200, RY = 300, RW = 10, RH = 8;
	private final Path ihc = TestFiles.testImages().resolve("images/ihc.png");
	private final Path torch = TestFiles.testImages().resolve("models/box-segmentation/torchscript");
	private final Path onnx = TestFiles.testImages().resolve("models/box-segmentation/onnx");
	private Map<String, String> logs;

	@BeforeAll
	void runTheMacros() throws Exception {
		String open = "setBatchMode(true);\nopen('" + ihc + "');\nmakeRectangle(" + RX + ", " + RY + ", " + RW + ", " + RH + ");\n";
		Map<String, Macro> runs = new LinkedHashMap<>();
		runs.put("torchscript", new Macro(open + "run('Attribution...', 'model=[" + torch + "] method=saliency target=red operator=segmentation"
			+ " rois=selection region=window calibration_bar=true save_dir=[" + work.resolve("torchscript") + "]');\n", ""));
		runs.put("onnx occlusion", new Macro(open + "run('Attribution...', 'model=[" + onnx + "] method=occlusion target=red operator=segmentation"
			+ " rois=selection region=window save_dir=[" + work.resolve("onnx") + "]');\n", ""));
		runs.put("onnx saliency", new Macro(open + "run('Attribution...', 'model=[" + onnx + "] method=saliency target=red operator=segmentation"
			+ " rois=selection region=window');\n", ""));
		logs = MacroRunner.run(runs, work);
	}

	private static float[] map(Path tif) {
		ImagePlus maps = IJ.openImage(tif.toString());
		assertEquals(512, maps.getWidth());
		return (float[]) maps.getProcessor().getPixels();
	}

	private static boolean inReach(int x, int y, int reach) {
		return x >= RX - reach && x < RX + RW + reach && y >= RY - reach && y < RY + RH + reach;
	}

	@Test
	void torchScriptSaliencyOfASelectionIsTheBoxFiltersExactGradient() {
		assertFalse(logs.get("torchscript").contains("Error"), logs.get("torchscript"));
		float[] m = map(work.resolve("torchscript/ihc-saliency-regions.tif"));
		int window = 0;
		for (int y = 0; y < 512; y++) {
			for (int x = 0; x < 512; x++) {
				float v = m[y * 512 + x];
				if (Float.isNaN(v)) continue;
				window++;
				int count = 0;
				for (int py = RY; py < RY + RH; py++) for (int px = RX; px < RX + RW; px++) if (Math.abs(py - y) <= 1 && Math.abs(px - x) <= 1) count++;
				assertEquals(count / (9.0 * RW * RH), v, 1e-7, "pixel (" + x + ", " + y + ")");
			}
		}
		assertEquals(32 * 32, window, "one model-size window");
	}

	@Test
	void onnxOcclusionOfASelectionStaysWithinReachAndGradientsAreRefused() {
		assertFalse(logs.get("onnx occlusion").contains("Error"), logs.get("onnx occlusion"));
		float[] m = map(work.resolve("onnx/ihc-occlusion-regions.tif"));
		double inside = 0;
		int window = 0;
		for (int y = 0; y < 512; y++) {
			for (int x = 0; x < 512; x++) {
				float v = m[y * 512 + x];
				if (Float.isNaN(v)) continue;
				window++;
				// a patch moves the red mean over R only if it touches R dilated by 1: nothing beyond a patch (<= 8 pixels) from there
				if (!inReach(x, y, 1 + 8)) assertEquals(0f, v, 1e-6f, "pixel (" + x + ", " + y + ")");
				if (inReach(x, y, 0)) inside += v;
			}
		}
		assertEquals(32 * 32, window);
		assertTrue(inside > 0, "occluding the selection lowers its red mean");
		String log = logs.get("onnx saliency");
		assertTrue(log.contains("needs gradients, which the model box segmentation cannot give (it runs forward passes only)"), log);
	}

	@Test
	void theRegionsImageCarriesTheCalibrationBarOfItsLutAndRange() {
		ImagePlus maps = IJ.openImage(work.resolve("torchscript/ihc-saliency-regions.tif").toString());
		LUT lut = maps.getProcessor().getLut();
		double min = maps.getDisplayRangeMin(), max = maps.getDisplayRangeMax();
		java.util.List<String> texts = new java.util.ArrayList<>();
		ImageRoi bar = null;
		int outlines = 0;
		for (Roi roi : maps.getOverlay().toArray()) {
			if (roi instanceof TextRoi t) texts.add(t.getText().trim());
			else if (roi instanceof ImageRoi r) bar = r;
			else outlines++;
		}
		assertEquals(1, outlines, "the selection outlined");
		assertEquals(java.util.List.of(HeatOverlay.number(max), HeatOverlay.number(min)), texts, "the range's ends, top to bottom (an unsigned map)");
		assertTrue(bar != null, "the bar is in the overlay");
		assertEquals(lut.getRGB(255) & 0xffffff, bar.getProcessor().get(0, 0) & 0xffffff, "top: the LUT's highest colour");
		assertEquals(lut.getRGB(0) & 0xffffff, bar.getProcessor().get(0, bar.getProcessor().getHeight() - 1) & 0xffffff, "bottom: its lowest");
	}
}
