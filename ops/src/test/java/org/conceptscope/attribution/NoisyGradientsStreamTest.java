package org.conceptscope.attribution;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.Test;

/**
 * SmoothGrad and VarGrad draw batch q + 1's noisy copies while the model computes batch q's
 * gradients: the maps are still their plain definition, copy by copy, to the bit, whatever the
 * batch size, and the model sees each copy once.
 */
class NoisyGradientsStreamTest {

	/** Gradient of copy x for class k: (k + 1) x^2 per value, so each map depends on every noisy copy. */
	static final class SquareModel extends StreamedScoresTest.LinearModel {
		final List<float[]> seen = new ArrayList<>();

		SquareModel(int values, int batch) {
			super(values, 3, batch, 1);
		}

		@Override
		public synchronized FloatTensor inputGradient(FloatTensor images, FloatTensor classWeights) {
			calls.add((int) images.dim(0));
			int n = (int) images.dim(0), per = images.stride0(), k = (int) classWeights.dim(1);
			float[] g = new float[n * per];
			for (int i = 0; i < n; i++) {
				int cls = 0;
				for (int c = 0; c < k; c++) if (classWeights.data()[i * k + c] > 0) cls = c;
				for (int p = 0; p < per; p++) {
					float v = images.data()[i * per + p];
					g[i * per + p] = (cls + 1) * v * v;
				}
				seen.add(java.util.Arrays.copyOfRange(images.data(), i * per, (i + 1) * per));
			}
			return new FloatTensor(images.shape(), g);
		}
	}

	/** The definition: per image, its copies x + sigma N(0, 1) from the copy's own generator, gradients summed in order. */
	static float[] plain(NoisyGradients.Statistic statistic, FloatTensor x, int[] targets, int samples, double fraction, long seed) {
		int n = (int) x.dim(0), h = (int) x.dim(1), w = (int) x.dim(2), c = (int) x.dim(3), per = h * w * c;
		float[] out = new float[n * h * w];
		for (int i = 0; i < n; i++) {
			float[] xi = x.slice(i).data();
			float min = Float.POSITIVE_INFINITY, max = Float.NEGATIVE_INFINITY;
			for (float v : xi) {
				min = Math.min(min, v);
				max = Math.max(max, v);
			}
			double sd = fraction * (max > min ? max - min : NoisyGradients.CONSTANT_IMAGE_RANGE);
			SplittableRandom seeds = new SplittableRandom(seed * 1_000_003L + i);
			double[] sum = new double[per], sq = new double[per];
			for (int s = 0; s < samples; s++) {
				SplittableRandom rnd = new SplittableRandom(seeds.nextLong());
				for (int p = 0; p < per; p++) {
					float copy = (float) (xi[p] + sd * rnd.nextGaussian());
					double g = (targets[i] + 1) * copy * copy;
					sum[p] += g;
					sq[p] += g * g;
				}
			}
			for (int p = 0; p < h * w; p++) {
				float best = Float.NEGATIVE_INFINITY;
				for (int ch = 0; ch < c; ch++) {
					int q = p * c + ch;
					double mean = sum[q] / samples, meanSq = sq[q] / samples;
					float v = (float) (statistic == NoisyGradients.Statistic.VAR_GRAD ? Math.max(meanSq - mean * mean, 0) : Math.abs(mean));
					best = Math.max(best, v);
				}
				out[i * h * w + p] = best;
			}
		}
		return out;
	}

	@Test
	void noisyGradientMapsAreTheirPlainDefinitionWhateverTheBatch() {
		int n = 3, size = 12, c = 2, samples = 10;
		FloatTensor x = StreamedScoresTest.images(n, size, c, 6);
		int[] targets = { 2, 0, 1 };
		for (NoisyGradients.Statistic st : List.of(NoisyGradients.Statistic.SMOOTH_GRAD, NoisyGradients.Statistic.VAR_GRAD)) {
			float[] want = plain(st, x, targets, samples, 0.2, 9);
			for (int batch : new int[] { 1, 4, 7, 30, 256 }) {
				SquareModel model = new SquareModel(size * size * c, batch);
				float[] got = new NoisyGradients(st, samples, 0.2, 9).explain(model, x, targets, Progress.NONE).maps().data();
				assertArrayEquals(want, got, st + ", batches of " + batch);
				assertEquals(n * samples, model.seen.size(), "every copy once");
			}
		}
	}

	/**
	 * A constant image (a blank slice) has no value range: its noise is the fraction of 1 (the
	 * normalised input's scale), not 0, so SmoothGrad averages noisy gradients and VarGrad is their
	 * variance, not 0 (the gradient here, 3 x^2 for class 2, varies with the noise: its variance at
	 * x = c with noise s is 9 (4 c^2 s^2 + 2 s^4)). The other image keeps its own range; sigma per image
	 * is in the metadata.
	 */
	@Test
	void aConstantImageGetsNoiseOfTheNormalisedScale() {
		int size = 8, samples = 4000;
		FloatTensor x = StreamedScoresTest.images(2, size, 1, 3);
		java.util.Arrays.fill(x.data(), 0, size * size, 0.5f);
		int[] targets = { 2, 2 };
		double fraction = 0.2, s = fraction * NoisyGradients.CONSTANT_IMAGE_RANGE;
		Attribution vg = new NoisyGradients(NoisyGradients.Statistic.VAR_GRAD, samples, fraction, 4).explain(new SquareModel(size * size, 64), x,
			targets, Progress.NONE);
		double want = 9 * (4 * 0.25 * s * s + 2 * s * s * s * s), mean = 0;
		for (int p = 0; p < size * size; p++) mean += vg.maps().data()[p] / (size * size);
		assertEquals(want, mean, 0.05 * want, "VarGrad of the constant image");
		assertArrayEquals(plain(NoisyGradients.Statistic.VAR_GRAD, x, targets, samples, fraction, 4), vg.maps().data());
		float min = Float.POSITIVE_INFINITY, max = Float.NEGATIVE_INFINITY;
		for (int p = size * size; p < 2 * size * size; p++) {
			min = Math.min(min, x.data()[p]);
			max = Math.max(max, x.data()[p]);
		}
		assertEquals(String.format(java.util.Locale.ROOT, "[%.6g, %.6g]", s, fraction * (max - min)), vg.metadata().get("sigma"));
	}

	/** One image of 20 copies in batches of 8: progress after each batch (8, 16, 20 of 20), and Esc stops after the first batch. */
	@Test
	void progressAndCancelComeAfterEachBatchOfCopies() {
		FloatTensor x = StreamedScoresTest.images(1, 12, 2, 6);
		List<Long> reports = new ArrayList<>();
		new NoisyGradients(NoisyGradients.Statistic.SMOOTH_GRAD, 20, 0.2, 9).explain(new SquareModel(12 * 12 * 2, 8), x, new int[] { 1 },
			(done, total, message) -> {
				assertEquals(20, total);
				reports.add(done);
				return true;
			});
		assertEquals(List.of(8L, 16L, 20L), reports);
		SquareModel model = new SquareModel(12 * 12 * 2, 8);
		org.junit.jupiter.api.Assertions.assertThrows(java.util.concurrent.CancellationException.class,
			() -> new NoisyGradients(NoisyGradients.Statistic.SMOOTH_GRAD, 20, 0.2, 9).explain(model, x, new int[] { 1 }, (d, t, m) -> false));
		assertEquals(List.of(8), model.calls, "stopped after the first batch's gradients");
	}
}
