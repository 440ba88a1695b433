package org.conceptscope.attribution;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;

import org.conceptscope.model.BundledModels;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The known-answer model (test-images/models/known-answer) computes logit k = sum of the pixels
 * in square R_k, so its input gradient for class k is exactly the indicator of R_k.
 */
class KnownAnswerSaliencyTest {

	// Evidence squares {x, y, w, h}, as in conceptscope.json's evidence_regions_xywh.
	static final int[][] REGIONS = { { 4, 4, 8, 8 }, { 18, 20, 8, 8 } };
	static TensorFlowClassifier model;

	@BeforeAll
	static void load() {
		model = TensorFlowClassifier.load(BundledModels.dir("known-answer"));
	}

	@AfterAll
	static void close() {
		model.close();
	}

	static boolean inside(int k, int x, int y) {
		int[] r = REGIONS[k];
		return x >= r[0] && x < r[0] + r[2] && y >= r[1] && y < r[1] + r[3];
	}

	static FloatTensor noise(int n, long seed) {
		Random r = new Random(seed);
		FloatTensor t = FloatTensor.zeros(n, 32, 32, 1);
		for (int i = 0; i < t.size(); i++) t.data()[i] = r.nextFloat();
		return t;
	}

	@Test
	void logitsAreTheRegionSums() {
		FloatTensor x = noise(3, 11);
		FloatTensor logits = model.logits(x);
		for (int i = 0; i < 3; i++) {
			for (int k = 0; k < 2; k++) {
				double sum = 0;
				for (int y = 0; y < 32; y++) for (int xx = 0; xx < 32; xx++) if (inside(k, xx, y)) sum += x.get(i, y, xx, 0);
				assertEquals(sum, logits.get(i, k), 1e-3);
			}
		}
	}

	@Test
	void saliencyIsExactlyTheEvidenceRegion() {
		FloatTensor x = noise(2, 12);
		Attribution a = new Saliency().explain(model, x, new int[] { 0, 1 }, Progress.NONE);
		assertArrayEquals(new int[] { 0, 1 }, a.targets());
		for (int i = 0; i < 2; i++) {
			for (int y = 0; y < 32; y++) {
				for (int xx = 0; xx < 32; xx++) {
					assertEquals(inside(i, xx, y) ? 1f : 0f, a.maps().get(i, y, xx), 1e-6, "map " + i + " at " + xx + "," + y);
				}
			}
		}
	}

	@Test
	void predictedTargetIsTheArgmax() {
		FloatTensor x = FloatTensor.zeros(1, 32, 32, 1);
		for (int y = 20; y < 28; y++) for (int xx = 18; xx < 26; xx++) x.set(1f, 0, y, xx, 0); // bright in R_1
		Attribution a = new Saliency().explain(model, x, new int[] { AttributionMethod.PREDICTED }, Progress.NONE);
		assertEquals(1, a.targets()[0]);
	}
}
