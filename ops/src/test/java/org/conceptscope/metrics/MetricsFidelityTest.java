package org.conceptscope.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.conceptscope.attribution.Attribution;
import org.conceptscope.attribution.AttributionMethod;
import org.conceptscope.attribution.TargetScore;
import org.conceptscope.model.BundledModels;
import org.conceptscope.model.Classifier;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.train.TrainingOptions;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.Test;

/**
 * The evaluation metrics as their papers and Xplique define them (issue 19): MeGe/ReCo explain
 * the true label; MuFidelity ranks (Spearman) and scores an undefined correlation 0 instead of
 * dropping the image.
 */
class MetricsFidelityTest {

	/** Records the targets it is asked to explain; its map is the image. */
	static final class RecordingMethod implements AttributionMethod {
		final List<int[]> asked = new ArrayList<>();

		@Override
		public String name() {
			return "recording";
		}

		@Override
		public Attribution explain(Classifier classifier, FloatTensor images, int[] targets, Progress progress) {
			asked.add(targets.clone());
			int n = (int) images.dim(0), hw = (int) (images.dim(1) * images.dim(2));
			float[] maps = new float[n * hw];
			for (int i = 0; i < n; i++) for (int p = 0; p < hw; p++) maps[i * hw + p] = images.data()[i * hw + p];
			int[] t = AttributionMethod.resolveTargets(classifier, images, targets);
			return new Attribution(new FloatTensor(new long[] { n, images.dim(1), images.dim(2) }, maps), t, AttributionMethod.metadata(classifier, name(), t));
		}
	}

	@Test
	void megeRecoExplainsTheTrueLabel() {
		RecordingMethod m = new RecordingMethod();
		// 10 % label noise: no model predicts every label, so explaining predictions would differ
		new MegeReco(MegeRecoTest.ARCH, new TrainingOptions(25, 32, 0.02, 5), 4).evaluate(MegeRecoTest.images, MegeRecoTest.labels, List.of(m),
			Progress.NONE);
		assertEquals(4, m.asked.size(), "one explanation run per fold model");
		for (int[] t : m.asked) assertArrayEquals(MegeRecoTest.labels, t, "every model explains the labels");
	}

	@Test
	void muFidelityRanksAndKeepsConstantMaps() {
		try (TensorFlowClassifier known = TensorFlowClassifier.load(BundledModels.dir("known-answer"))) {
			int[] targets = { 0, 1, 1, 0 };
			FloatTensor x = KnownAnswer.images(targets, 1);
			MuFidelity mu = new MuFidelity(8, 0.2, 64, 0f, 3, TargetScore.LOGIT);
			// the exact map (x inside R_k) cubed: its subset sums are no longer linear in the logit
			// drop but still nearly ordered like it, so the rank correlation stays high; and a
			// map that is constant for image 2 scores 0 there and counts in the mean
			Attribution exact = KnownAnswer.maps(x, targets, true, false, 2, "exact");
			float[] cubed = exact.maps().data().clone();
			for (int p = 0; p < cubed.length; p++) cubed[p] = cubed[p] * cubed[p] * cubed[p];
			int per = exact.maps().stride0();
			java.util.Arrays.fill(cubed, 2 * per, 3 * per, 0.25f);
			Attribution a = new Attribution(new FloatTensor(exact.maps().shape(), cubed), exact.targets(), exact.metadata());
			MetricResult r = mu.evaluate(known, x, a, Progress.NONE);
			assertEquals(0.0, r.values()[2], 0, "a constant map has no ranks: 0, as Xplique");
			assertEquals((r.values()[0] + r.values()[1] + r.values()[3]) / 4, r.mean(), 1e-12, "and it stays in the mean");
			assertEquals("1", r.metadata().get("undefined"));
			assertEquals("spearman", r.metadata().get("correlation"));
			// image 0 recomputed by hand: the same seeded subsets, drops of the target logit
			boolean[][] masks = GridSubsets.masks(8, 32, 32, 13, 64, 3);
			double[] attributed = new double[64], drop = new double[64];
			float[] x0 = x.slice(0).data();
			double base = known.logits(x.slice(0)).get(0, targets[0]);
			for (int s = 0; s < 64; s++) {
				float[] xs = x0.clone();
				for (int p = 0; p < 1024; p++) {
					if (!masks[s][p]) continue;
					attributed[s] += cubed[p];
					xs[p] = 0;
				}
				drop[s] = base - known.logits(new FloatTensor(new long[] { 1, 32, 32, 1 }, xs)).get(0, targets[0]);
			}
			assertEquals(Spearman.correlation(attributed, drop), r.values()[0], 1e-9, "Spearman of the subset sums and drops");
			assertTrue(Math.abs(Pearson.correlation(attributed, drop) - r.values()[0]) > 1e-3, "and not Pearson");
		}
		// Spearman, not Pearson: a monotone but curved relation correlates perfectly
		double[] attributed = { 1, 2, 3, 4, 5, 6 }, drop = { 0.1, 0.2, 0.4, 0.8, 1.6, 12.8 };
		assertEquals(1.0, Spearman.correlation(attributed, drop), 1e-12);
		assertTrue(Pearson.correlation(attributed, drop) < 0.8);
	}
}
