package org.conceptscope.mechanistic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.conceptscope.model.BundledModels;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.junit.jupiter.api.Test;

class SharingRatioDecompositionTest {

	static FloatTensor random(long seed, long... shape) {
		Random r = new Random(seed);
		FloatTensor t = FloatTensor.zeros(shape);
		for (int i = 0; i < t.size(); i++) t.data()[i] = r.nextFloat();
		return t;
	}

	/** Relevance is conserved step by step: input relevance plus the bias shares equals the logit. */
	@Test
	void relevanceIsConservedOnARealCnn() {
		try (TensorFlowClassifier m = TensorFlowClassifier.load(BundledModels.dir("ihc-stain"))) {
			SharingRatioDecomposition srd = new SharingRatioDecomposition(m);
			for (int k = 0; k < 3; k++) {
				FloatTensor x = random(k, 1, 32, 32, 3);
				SharingRatioDecomposition.Decomposition d = srd.classRelevance(x, k);
				assertEquals(m.logits(x).get(0, k), d.start(), 1e-4, "starts from the logit");
				assertEquals(0, d.conservationError(), 1e-9 * (1 + Math.abs(d.start())), "class " + k);
			}
		}
	}

	/** Known answer: logit_1 = sum of x over R_1 with no bias, so SRD's map is x inside R_1 and 0 elsewhere. */
	@Test
	void knownAnswerModelGivesTheInputInsideTheEvidence() {
		try (TensorFlowClassifier m = TensorFlowClassifier.load(BundledModels.dir("known-answer"))) {
			FloatTensor x = random(7, 1, 32, 32, 1);
			SharingRatioDecomposition.Decomposition d = new SharingRatioDecomposition(m).classRelevance(x, 1);
			for (int y = 0; y < 32; y++) for (int xx = 0; xx < 32; xx++) {
				boolean inside = xx >= 18 && xx < 26 && y >= 20 && y < 28;
				assertEquals(inside ? x.get(0, y, xx, 0) : 0f, d.map().get(0, y, xx), 1e-5);
			}
			assertEquals(0, d.biasRelevance(), 1e-9);
		}
	}

	/**
	 * conv1 (3x3) -> pool (2) -> conv2 (3x3): a conv2/relu PFV at (qy, qx) of the 16x16 map sees
	 * input pixels 2q-3 .. 2q+4 on each axis. Its ERF must stay inside, and carry relevance 1.
	 */
	@Test
	void effectiveReceptiveFieldLiesInsideTheTrueReceptiveField() {
		try (TensorFlowClassifier m = TensorFlowClassifier.load(BundledModels.dir("ihc-stain"))) {
			SharingRatioDecomposition srd = new SharingRatioDecomposition(m);
			FloatTensor x = random(3, 1, 32, 32, 3);
			int qy = 7, qx = 4;
			SharingRatioDecomposition.Decomposition d = srd.effectiveReceptiveField(x, "conv2/relu", qy * 16 + qx);
			double inside = 0;
			for (int y = 0; y < 32; y++) for (int xx = 0; xx < 32; xx++) {
				float v = d.map().get(0, y, xx);
				boolean in = y >= 2 * qy - 3 && y <= 2 * qy + 4 && xx >= 2 * qx - 3 && xx <= 2 * qx + 4;
				if (!in) assertEquals(0f, v, 0f, "relevance outside the receptive field at " + xx + "," + y);
				else inside += v;
			}
			assertTrue(Math.abs(inside) > 0, "the PFV's relevance reaches the pixels");
			assertEquals(0, d.conservationError(), 1e-7, "conserved up to double rounding");
		}
	}

	/** APOP with the real image as its own replacement is the ordinary forward pass; agreement is a fraction. */
	@Test
	void activationPatternPrediction() {
		try (TensorFlowClassifier m = TensorFlowClassifier.load(BundledModels.dir("ihc-stain"))) {
			ActivationPatternPrediction apop = new ActivationPatternPrediction(m);
			FloatTensor x = random(4, 1, 32, 32, 3);
			double[] gated = apop.gatedLogits(x, x);
			for (int k = 0; k < 3; k++) assertEquals(m.logits(x).get(0, k), gated[k], 1e-4);
			double agreement = apop.agreement(random(5, 6, 32, 32, 3), 1f);
			assertTrue(agreement >= 0 && agreement <= 1);
		}
	}
}
