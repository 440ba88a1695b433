package org.conceptscope.fiji.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.ImagePlus;
import ij.ImageStack;
import ij.process.ByteProcessor;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import org.conceptscope.fiji.TestFiles;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Evaluate Explanation's sanity check with {@code cascade} on the known-answer model (logit k = the
 * sum of the pixels of square R_k through two identity 3x3 convolutions with ReLU): Saliency of
 * class B is exactly R_B's indicator, which lives in the dense layer, so randomising that layer (the
 * first step) leaves nothing of it; the table has one row per layer, the last row is the check
 * without cascade.
 */
class EvaluationCascadeTest {

	@TempDir
	Path out;

	static ImagePlus image() {
		ImageStack stack = new ImageStack(32, 32);
		Random r = new Random(5);
		for (int z = 0; z < 3; z++) {
			ByteProcessor p = new ByteProcessor(32, 32);
			for (int i = 0; i < 32 * 32; i++) p.set(i, 30 + r.nextInt(200));
			stack.addSlice("s" + z, p);
		}
		return new ImagePlus("textured", stack);
	}

	static EvaluationSettings settings(boolean cascade) {
		EvaluationSettings s = new EvaluationSettings();
		s.model = TestFiles.testImages().resolve("models").resolve("known-answer");
		s.method = "saliency";
		s.metric = "sanity";
		s.target = "region B";
		s.cascade = cascade;
		return s;
	}

	@Test
	void oneRowPerLayerTopFirstEndingAtTheFullRandomisation() throws Exception {
		ImagePlus image = image();
		EvaluationSettings s = settings(true);
		s.saveDir = out;
		EvaluationRun.Result r = EvaluationRun.run(image, s, Progress.NONE);
		assertEquals(List.of("step", "layer", "variables", "method", "spearman_abs", "spearman", "ssim", "hog"), r.header());
		List<List<String>> rows = r.rows();
		assertTrue(rows.size() >= 3, "dense and two convolutions: " + rows);
		assertEquals("1", rows.get(0).get(0));
		assertTrue(rows.get(0).get(1).contains("dense"), "the logits' layer first: " + rows);
		for (int k = 1; k < rows.size(); k++) {
			assertTrue(Integer.parseInt(rows.get(k).get(2)) > Integer.parseInt(rows.get(k - 1).get(2)), "each step adds variables: " + rows);
		}
		// the map is R_B's indicator: random dense weights spread the gradient over the whole image
		double first = Double.parseDouble(rows.get(0).get(4)), firstSsim = Double.parseDouble(rows.get(0).get(6));
		assertTrue(Math.abs(first) < 0.3, "Spearman after randomising the dense layer " + first);
		assertTrue(firstSsim < 0.3, "SSIM after randomising the dense layer " + firstSsim);
		// 32 x 32 maps: 2 x 2 HOG blocks; R_B's edges are gone from the map of random dense weights
		double firstHog = Double.parseDouble(rows.get(0).get(7));
		assertTrue(Double.isFinite(firstHog) && firstHog < 0.5, "HOG similarity after randomising the dense layer " + firstHog);
		EvaluationRun.Result full = EvaluationRun.run(image, settings(false), Progress.NONE);
		double last = Double.parseDouble(rows.get(rows.size() - 1).get(4));
		assertEquals(full.metric().mean(), last, 1e-5, "the last step randomises every layer, as the check without cascade");
		assertNotNull(r.plot(), "a plot of the similarities per step");
		assertEquals(2, r.written().size(), "the table and its plot: " + r.written());
		List<String> csv = Files.readAllLines(r.written().get(0));
		assertEquals(rows.size() + 1, csv.size(), "header and one line per step: " + csv);
		assertTrue(Files.size(r.written().get(1)) > 0);
		EvaluationSettings again = EvaluationSettings.parse(s.toMacroOptions());
		assertTrue(again.cascade, "the macro line keeps cascade: " + s.toMacroOptions());
	}

	/**
	 * With {@code independent} each row randomises one layer alone: the rows' variables add up to the model's (a cascade's
	 * last row has them all), the first row (dense alone) is the cascade's first row, value for value, and the Log's mean is
	 * the full randomisation's; the macro line keeps the flag, and cascade with independent is refused before any work.
	 */
	@Test
	void independentRowsRandomiseOneLayerEach() throws Exception {
		ImagePlus image = image();
		EvaluationSettings s = settings(false);
		s.independent = true;
		EvaluationRun.Result r = EvaluationRun.run(image, s, Progress.NONE);
		EvaluationRun.Result c = EvaluationRun.run(image, settings(true), Progress.NONE);
		List<List<String>> rows = r.rows(), cascade = c.rows();
		assertEquals(cascade.size(), rows.size(), "one row per layer: " + rows);
		int variables = 0;
		for (int k = 0; k < rows.size(); k++) {
			assertEquals(cascade.get(k).get(1), rows.get(k).get(1), "the same layers in the same order");
			variables += Integer.parseInt(rows.get(k).get(2));
		}
		assertEquals(cascade.get(cascade.size() - 1).get(2), Integer.toString(variables), "each row randomises its own layer's variables: " + rows);
		assertEquals(cascade.get(0), rows.get(0), "dense alone is the cascade's first step");
		EvaluationRun.Result full = EvaluationRun.run(image, settings(false), Progress.NONE);
		assertEquals(full.metric().mean(), r.metric().mean(), 1e-12, "the value is the full randomisation's");
		assertEquals("independent", r.metric().metadata().get("randomization"));
		assertTrue(r.summary().contains("independent"), r.summary());
		EvaluationSettings again = EvaluationSettings.parse(s.toMacroOptions());
		assertTrue(again.independent && !again.cascade, "the macro line keeps independent: " + s.toMacroOptions());
		s.cascade = true;
		IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, s::validate);
		assertTrue(e.getMessage().contains("set only one of them"), e.getMessage());
	}
}
