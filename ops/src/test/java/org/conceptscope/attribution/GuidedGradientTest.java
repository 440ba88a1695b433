package org.conceptscope.attribution;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;

import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Guided Backpropagation and DeconvNet on the known-answer model (two identity 3x3 convolutions
 * with ReLU, then logit k = sum over R_k). The dense weights of the target are the indicator of
 * R_1, never negative, so every upstream signal is non-negative and the rules differ only in the
 * ReLU gates: where a pixel of R_1 is negative its unit is off, so the gradient and Guided
 * Backpropagation give 0 there while DeconvNet, which ignores the gates, gives 1; elsewhere in
 * R_1 all give 1, and 0 outside R_1.
 */
class GuidedGradientTest {

	@BeforeAll
	static void load() {
		KnownAnswerMethodsTest.load();
	}

	@AfterAll
	static void close() {
		KnownAnswerMethodsTest.close();
	}

	@Test
	void findTheEvidenceSquare() {
		KnownAnswerMethodsTest.check(GuidedGradient.guidedBackprop(), 0.99);
		KnownAnswerMethodsTest.check(GuidedGradient.deconvNet(), 0.99);
	}

	@Test
	void gatesDecideWhereTheImageIsNegative() {
		Random r = new Random(21);
		FloatTensor x = FloatTensor.zeros(2, 32, 32, 1);
		for (int i = 0; i < x.size(); i++) x.data()[i] = r.nextFloat() - 0.3f;
		int[] targets = { 1, 1 };
		FloatTensor guided = GuidedGradient.guidedBackprop().explain(KnownAnswerMethodsTest.model, x, targets, Progress.NONE).maps();
		FloatTensor deconv = GuidedGradient.deconvNet().explain(KnownAnswerMethodsTest.model, x, targets, Progress.NONE).maps();
		int negativeInside = 0;
		for (int i = 0; i < 2; i++) {
			for (int y = 0; y < 32; y++) {
				for (int xx = 0; xx < 32; xx++) {
					boolean in = KnownAnswerSaliencyTest.inside(1, xx, y);
					boolean on = x.get(i, y, xx, 0) > 0;
					if (in && !on) negativeInside++;
					assertEquals(in && on ? 1f : 0f, guided.get(i, y, xx), 1e-6f, "guided at " + xx + ", " + y);
					assertEquals(in ? 1f : 0f, deconv.get(i, y, xx), 1e-6f, "deconvnet at " + xx + ", " + y);
				}
			}
		}
		assertEquals(true, negativeInside > 10, "the images must hold negative pixels in R_1 for the test to mean anything");
	}
}
