package org.conceptscope.heads;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.train.TrainingOptions;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.Test;

/**
 * InfoDisent's explanations keep what the paper's decision contains (issue 19): the evidence of a
 * part is max ReLU(p) - max ReLU(-p), so its map shows negative responses too, and a decision is
 * the sum of the signed part contributions plus the class bias.
 */
class InfoDisentEvidenceTest {

	@Test
	void negativeEvidenceAndTheBiasAreInTheExplanation() {
		int[] trainY = new int[150];
		FloatTensor train = InfoDisentTest.signedFeatures(150, trainY, 1);
		InfoDisent head = InfoDisent.train(train, "features", trainY, 3, new TrainingOptions(150, 32, 0.05, 3), Progress.NONE);
		double[][] logits = head.logits(train), evidence = head.evidence(train);
		int h = head.featureShape()[0], w = head.featureShape()[1];
		boolean sawNegativeMap = false, sawNegativeContribution = false, sawBias = false;
		for (int i = 0; i < 20; i++) {
			for (int k = 0; k < 3; k++) {
				double[] c = head.contributions(train, i, k);
				double sum = head.bias(train, i, k);
				for (double v : c) {
					sum += v;
					sawNegativeContribution |= v < 0;
				}
				assertEquals(logits[i][k], sum, 1e-4 * (1 + Math.abs(logits[i][k])), "parts plus bias make the logit");
				assertEquals(head.bias(k), head.bias(train, i, k), 0);
				sawBias |= Math.abs(head.bias(k)) > 1e-6;
			}
			for (int j = 0; j < head.units(); j++) {
				FloatTensor m = head.unitMaps(train.slice(i), j);
				double pos = 0, neg = 0;
				for (int p = 0; p < h * w; p++) {
					pos = Math.max(pos, m.data()[p]);
					neg = Math.max(neg, -m.data()[p]);
				}
				sawNegativeMap |= neg > 0;
				assertEquals(evidence[i][j], pos - neg, 1e-4, "the map holds the part's evidence, both signs");
			}
		}
		assertTrue(sawNegativeMap, "signed features give negative responses in some part map");
		assertTrue(sawNegativeContribution, "some part speaks against some class");
		assertTrue(sawBias, "the trained head has a class bias");
	}

	/**
	 * A part's prototypes are the images of its strongest positive response (the paper's highest
	 * activations; Train Interpretable Head's montage), not of its largest evidence: image 0 peaks at
	 * 1.0 with a negative peak of 0.9 (evidence 0.1), image 1 at 0.5 (evidence 0.5), image 2 only
	 * below 0 (no positive response: none). Q is the identity to 1e-5 after one step at a tiny rate.
	 */
	@Test
	void prototypesAreTheStrongestPositiveResponsesAsTheMontageShows() {
		FloatTensor f = FloatTensor.zeros(3, 2, 2, 2);
		f.set(1.0f, 0, 0, 0, 0);
		f.set(-0.9f, 0, 1, 1, 0);
		f.set(0.5f, 1, 0, 1, 0);
		f.set(-0.7f, 2, 1, 0, 0);
		InfoDisent head = InfoDisent.train(f, "features", new int[] { 0, 1, 0 }, 2, new TrainingOptions(1, 3, 1e-7, 1), Progress.NONE);
		assertEquals(1, head.projection()[0][0], 1e-5, "Q = I");
		assertTrue(head.evidence(f)[1][0] > head.evidence(f)[0][0], "image 1 has the larger evidence");
		org.junit.jupiter.api.Assertions.assertArrayEquals(new int[] { 0, 1 }, head.prototypes(f, 0, 3));
		assertEquals(java.util.List.of(0, 1), HeadPrototypes.top(head, f, 0, 3).stream().map(HeadPrototypes.Prototype::image).toList(),
			"the montage's prototypes");
	}
}
