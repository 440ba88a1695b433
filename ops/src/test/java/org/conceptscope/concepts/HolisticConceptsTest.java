package org.conceptscope.concepts;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.conceptscope.tensor.FloatTensor;
import org.junit.jupiter.api.Test;

/** Prevalence and reliability as Fel et al.'s holistic framework (and Xplique's HolisticCraft) reduce per-image importance. */
class HolisticConceptsTest {

	@Test
	void prevalenceAndReliabilityByHand() {
		// 5 images, 3 concepts; dominant concepts 0, 2, 0, 1, 0
		double[][] perImage = { { 3, 1, 0 }, { 0, 1, 2 }, { 5, 4, 1 }, { -1, 0.5, 0.2 }, { 1, 0, 0.5 } };
		assertArrayEquals(new double[] { 0.6, 0.2, 0.2 }, HolisticConcepts.prevalence(perImage), 1e-12);
		double[] correct = { 1, 0, 0, 1, 1 };
		assertArrayEquals(new double[] { 2 / 3.0, 1, 0 }, HolisticConcepts.reliability(perImage, correct), 1e-12);
		assertArrayEquals(new double[] { 0, 0, 0, 1 }, HolisticConcepts.reliability(new double[][] { { 0, 0, 0, 1 } }, new double[] { 1 }), 0,
			"concepts that dominate no image: 0");
	}

	@Test
	void perImageIsTheMeanOverPositions() {
		FloatTensor maps = new FloatTensor(new long[] { 1, 1, 2, 2 }, new float[] { 1, 2, 3, 6 });
		assertArrayEquals(new double[] { 2, 4 }, HolisticConcepts.perImage(maps)[0], 1e-12);
	}

	/**
	 * Known answer: the known-answer model is the identity (with ReLU) up to conv2/relu and logit 1
	 * sums R_1 (x 18..25, y 20..27) without bias; with one concept w = [1] the coefficients are the
	 * activations, so concept 0's importance for class 1 is x inside R_1 and 0 elsewhere.
	 */
	@Test
	void perPositionImportanceOnTheKnownAnswerModel() {
		try (org.conceptscope.model.TensorFlowClassifier m = org.conceptscope.model.TensorFlowClassifier.load(
			org.conceptscope.model.BundledModels.dir("known-answer"))) {
			java.util.Random r = new java.util.Random(5);
			FloatTensor x = FloatTensor.zeros(2, 32, 32, 1);
			for (int i = 0; i < x.size(); i++) x.data()[i] = r.nextFloat();
			ConceptBank bank = new ConceptBank();
			bank.layer = "conv2/relu";
			bank.concepts = new double[][] { { 1 } };
			bank.rank = 1;
			FloatTensor maps = HolisticConcepts.importanceMaps(m, bank, x, 1);
			assertArrayEquals(new long[] { 2, 32, 32, 1 }, maps.shape());
			for (int i = 0; i < 2; i++) {
				double sum = 0;
				for (int y = 0; y < 32; y++) for (int xx = 0; xx < 32; xx++) {
					boolean inside = xx >= 18 && xx < 26 && y >= 20 && y < 28;
					assertEquals(inside ? x.get(i, y, xx, 0) : 0f, maps.get(i, y, xx, 0), 1e-5f);
					sum += maps.get(i, y, xx, 0);
				}
				assertEquals(m.logits(x.slice(i)).get(0, 1), sum, 1e-3, "completeness of a linear head");
			}
		}
	}
}
