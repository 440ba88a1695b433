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

	/**
	 * Evidence and logits, computed image by image with one projected vector at a time, equal to the
	 * last bit the definition computed over the whole projected map [N, h*w, c] (what the code did,
	 * allocating twice the feature maps' size in doubles at once), and the computation allocates far
	 * less than that map.
	 */
	@Test
	void evidenceIsComputedWithBoundedMemoryAndTheSameValues() {
		int n = 64, s = 8, c = 16;
		java.util.Random r = new java.util.Random(7);
		int[] labels = new int[n];
		FloatTensor f = FloatTensor.zeros(n, s, s, c);
		for (int i = 0; i < f.size(); i++) f.data()[i] = (float) r.nextGaussian();
		for (int i = 0; i < n; i++) labels[i] = i % 3;
		InfoDisent head = InfoDisent.train(f, "features", labels, 3, new TrainingOptions(30, 16, 0.05, 5), Progress.NONE);
		double[][] q = head.projection(), wk = head.classWeights();
		assertTrue(Math.abs(q[0][1]) > 1e-3, "a rotation away from the identity: Q[0][1] = " + q[0][1]);
		// the definition over the whole projected map, sums over channels in increasing order
		double[] p = new double[n * s * s * c];
		for (int i = 0; i < n * s * s; i++) for (int j = 0; j < c; j++) {
			double v = 0;
			for (int m = 0; m < c; m++) v += f.data()[i * c + m] * q[m][j];
			p[i * c + j] = v;
		}
		double[][] want = new double[n][c];
		for (int i = 0; i < n; i++) for (int j = 0; j < c; j++) {
			double pos = 0, neg = 0;
			for (int t = 0; t < s * s; t++) {
				pos = Math.max(pos, p[(i * s * s + t) * c + j]);
				neg = Math.max(neg, -p[(i * s * s + t) * c + j]);
			}
			want[i][j] = pos - neg;
		}
		com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
		head.evidence(f.slice(0)); // classes loaded
		long before = threads.getCurrentThreadAllocatedBytes();
		double[][] got = head.evidence(f);
		long allocated = threads.getCurrentThreadAllocatedBytes() - before;
		for (int i = 0; i < n; i++) org.junit.jupiter.api.Assertions.assertArrayEquals(want[i], got[i], 0, "image " + i);
		long map = 8L * n * s * s * c;
		assertTrue(allocated < map / 8, "evidence allocated " + allocated + " bytes; the projected map is " + map);
		double[][] logits = head.logits(f);
		for (int i = 0; i < n; i++) for (int k = 0; k < 3; k++) {
			double v = head.bias(k);
			for (int j = 0; j < c; j++) v += want[i][j] * wk[j][k];
			assertEquals(v, logits[i][k], 1e-12, "logit " + i + ", " + k);
		}
	}
}
