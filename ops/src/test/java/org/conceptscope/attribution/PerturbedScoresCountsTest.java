package org.conceptscope.attribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.Test;

/**
 * {@link PerturbedScores#stream} when image jobs score fewer copies than asked
 * ({@link PerturbedScores.ImageJob#scoredCopies}, Kernel SHAP's enumerated coalitions, whose count
 * varies with each image's segments): every image's batches stop at its own count, never mix images,
 * and its scores are those of scoring each copy alone, the unscored ones 0, in image order.
 */
class PerturbedScoresCountsTest {

	@Test
	void eachImageScoresOnlyItsOwnCopies() {
		int n = 4, size = 5, count = 7, per = size * size;
		int[] scored = { 7, 2, 5, 1 };
		FloatTensor x = StreamedScoresTest.images(n, size, 1, 11);
		int[] targets = { 0, 1, 1, 0 };
		for (int batch : new int[] { 1, 3, 7, 64 }) {
			StreamedScoresTest.LinearModel model = new StreamedScoresTest.LinearModel(per, 2, batch, 2);
			List<Integer> order = new ArrayList<>();
			float[][] got = new float[n][];
			PerturbedScores.stream(model, TargetScore.LOGIT, x, targets, count, i -> new PerturbedScores.ImageJob() {
				@Override
				public int scoredCopies(int c) {
					return scored[i];
				}

				@Override
				public void fill(int index, float[] out, int off) {
					assertTrue(index < scored[i], "copy " + index + " of image " + i + " generated");
					float[] xi = x.slice(i).data();
					for (int p = 0; p < per; p++) out[off + p] = xi[p] * (index + 1);
				}

				@Override
				public void done(float[] scores) {
					order.add(i);
					got[i] = scores;
				}
			}, Progress.NONE, "test");
			assertEquals(List.of(0, 1, 2, 3), order, "batches of " + batch);
			List<Integer> want = new ArrayList<>();
			for (int s : scored) for (int from = 0; from < s; from += batch) want.add(Math.min(batch, s - from));
			assertEquals(want, model.calls, "model calls, batches of " + batch);
			for (int i = 0; i < n; i++) {
				assertEquals(count, got[i].length);
				for (int c = 0; c < count; c++) {
					float expected = 0;
					if (c < scored[i]) {
						float[] copy = x.slice(i).data().clone();
						for (int p = 0; p < per; p++) copy[p] *= c + 1;
						expected = model.logits(new FloatTensor(new long[] { 1, size, size, 1 }, copy)).data()[targets[i]];
					}
					assertEquals(expected, got[i][c], "image " + i + ", copy " + c + ", batches of " + batch);
				}
			}
		}
	}
}
