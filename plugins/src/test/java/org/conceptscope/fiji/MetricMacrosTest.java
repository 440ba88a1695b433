package org.conceptscope.fiji;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.ImagePlus;
import ij.ImageStack;
import ij.io.FileSaver;
import ij.process.ByteProcessor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.conceptscope.fiji.MacroRunner.Macro;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The map metrics of Evaluate Explanation run as a macro does, through ImageJ 1.x's macro
 * interpreter in a child JVM, on the known-answer model (logit k = the sum of the normalised pixels
 * in square R_k, 8 x 8 = 64 of the 1024 pixels; ReLU passes every positive pixel). The slices are
 * noise in [1, 11) with R_1 raised by 20, so the model calls them class 1 but not with probability
 * 1 (logits about 6 and 1.1). Known answers for the Saliency map of class 1, which is 1 on R_1 and 0
 * elsewhere: complexity ln 64 (entropy of 64 equal values), sparseness 960 / 1024 (Gini index of 64
 * ones among 1024), average drop 0 and increase in confidence 1 (the map as a mask keeps R_1 and
 * removes R_0, so the probability of class 1 rises). Random logit: Grad-CAM on the model's one-channel
 * last layer gives both classes the same map (SSIM 1, what the metric exposes), Saliency disjoint
 * squares (far below 1). Average stability: Saliency's map of this piecewise-linear model is the same for every
 * noisy neighbour (0).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MetricMacrosTest {

	@TempDir
	static Path work;

	static final List<String> METRICS = List.of("complexity", "sparseness", "average_drop", "increase_in_confidence", "random_logit",
		"stability");
	private Map<String, String> logs;

	static boolean inR1(int x, int y) {
		return x >= 18 && x < 26 && y >= 20 && y < 28;
	}

	@BeforeAll
	void runMacrosInImageJ() throws Exception {
		ImageStack stack = new ImageStack(32, 32);
		Random r = new Random(3);
		for (int i = 0; i < 3; i++) {
			ByteProcessor ip = new ByteProcessor(32, 32);
			for (int y = 0; y < 32; y++) for (int x = 0; x < 32; x++) ip.set(x, y, 1 + r.nextInt(10) + (inR1(x, y) ? 20 : 0));
			stack.addSlice("s" + (i + 1), ip);
		}
		Path image = work.resolve("known.tif");
		assertTrue(new FileSaver(new ImagePlus("known.tif", stack)).saveAsTiffStack(image.toString()));
		Path model = TestFiles.testImages().resolve("models").resolve("known-answer");
		String open = "setBatchMode(true); open('" + image + "');\n";
		Map<String, Macro> runs = new LinkedHashMap<>();
		for (String metric : METRICS) {
			runs.put(metric, new Macro(open + "run('Evaluate Explanation...', 'model=[" + model + "] method=saliency metric=" + metric
				+ " target=1 save_dir=[" + work.resolve(metric) + "]');\n", ""));
		}
		runs.put("random_logit gradcam", new Macro(open + "run('Evaluate Explanation...', 'model=[" + model
			+ "] method=gradcam metric=random_logit target=1 save_dir=[" + work.resolve("gradcam") + "]');\n", ""));
		logs = MacroRunner.run(runs, work);
	}

	/** Per slice the metric's value, from the CSV the run saved; checks the mean row against them. */
	private double[] values(String folder, String method, String metric) throws IOException {
		List<List<String>> csv = Csv.parse(Files.readString(work.resolve(folder).resolve("known-" + method + "-" + metric + ".csv")));
		assertEquals(List.of("slice", "frame", "label", "target", "method", "metric", "value"), csv.get(0));
		assertEquals(1 + 3 + 1, csv.size(), "3 slices and the mean");
		double[] v = new double[3];
		double mean = 0;
		for (int i = 0; i < 3; i++) {
			assertEquals("region B", csv.get(1 + i).get(3));
			assertEquals(metric, csv.get(1 + i).get(5));
			v[i] = Double.parseDouble(csv.get(1 + i).get(6));
			mean += v[i] / 3;
		}
		assertEquals("mean", csv.get(4).get(0));
		assertEquals(mean, Double.parseDouble(csv.get(4).get(6)), 1e-5);
		return v;
	}

	@Test
	void everyNewMetricRunsFromTheMenusMacroLine() {
		for (String name : logs.keySet()) assertFalse(logs.get(name).contains("Error"), name + ": " + logs.get(name));
	}

	@Test
	void complexityAndSparsenessOfTheExactMap() throws IOException {
		for (double v : values("complexity", "saliency", "complexity")) assertEquals(Math.log(64), v, 1e-4);
		for (double v : values("sparseness", "saliency", "sparseness")) assertEquals(960 / 1024.0, v, 1e-4);
	}

	@Test
	void theExactMapAsAMaskKeepsTheEvidence() throws IOException {
		for (double v : values("average_drop", "saliency", "average_drop")) assertEquals(0, v, 0);
		for (double v : values("increase_in_confidence", "saliency", "increase_in_confidence")) assertEquals(1, v, 0);
	}

	/** Saliency of the known-answer model does not move under small noise: the same map for every neighbour. */
	@Test
	void theExactMapIsStable() throws IOException {
		for (double v : values("stability", "saliency", "stability")) assertEquals(0, v, 1e-6);
	}

	@Test
	void randomLogitTellsAClassBlindMapFromAClassSpecificOne() throws IOException {
		for (double v : values("gradcam", "gradcam", "random_logit")) assertEquals(1, v, 1e-6);
		for (double v : values("random_logit", "saliency", "random_logit")) assertTrue(v < 0.5, "SSIM of the maps of R_1 and R_0: " + v);
	}
}
