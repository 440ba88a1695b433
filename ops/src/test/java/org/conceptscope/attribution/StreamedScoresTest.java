package org.conceptscope.attribution;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.conceptscope.model.Classifier;
import org.conceptscope.model.LayerInfo;
import org.conceptscope.model.ModelSignature;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.tensor.Normalization;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.Test;

/**
 * Perturbation methods hand each batch's scores to the method on a worker thread while the model
 * scores the next batch, and HSIC computes its estimates on the estimator thread while later
 * images are scored. The order of the work changed, not the arithmetic: with a model whose scores
 * do not depend on the batch (a linear model computed here in Java), the maps are the same to the
 * bit whatever the batch size, and RISE's map is its plain definition (one copy at a time, masks
 * summed in order) to the bit.
 */
class StreamedScoresTest {

	/** Logit k of an image: sum over values of w_k[p] x[p], in double, per image; so a copy's score never depends on its batch. */
	static class LinearModel implements Classifier {
		final float[][] weights;
		final int batch;
		final List<Integer> calls = new ArrayList<>();

		LinearModel(int values, int classes, int batch, long seed) {
			Random r = new Random(seed);
			weights = new float[classes][values];
			for (float[] w : weights) for (int p = 0; p < values; p++) w[p] = (float) r.nextGaussian();
			this.batch = batch;
		}

		@Override
		public ModelSignature signature() {
			throw new UnsupportedOperationException();
		}

		@Override
		public List<String> classNames() {
			List<String> names = new ArrayList<>();
			for (int k = 0; k < weights.length; k++) names.add("class " + k);
			return names;
		}

		@Override
		public Normalization normalization() {
			throw new UnsupportedOperationException();
		}

		@Override
		public int preferredBatchSize() {
			return batch;
		}

		@Override
		public List<LayerInfo> layers() {
			return List.of();
		}

		@Override
		public synchronized FloatTensor logits(FloatTensor images) {
			calls.add((int) images.dim(0));
			int n = (int) images.dim(0), per = images.stride0(), k = weights.length;
			float[] out = new float[n * k];
			for (int i = 0; i < n; i++) {
				for (int c = 0; c < k; c++) {
					double s = 0;
					for (int p = 0; p < per; p++) s += (double) weights[c][p] * images.data()[i * per + p];
					out[i * k + c] = (float) s;
				}
			}
			return new FloatTensor(new long[] { n, k }, out);
		}

		@Override
		public FloatTensor probabilities(FloatTensor images) {
			throw new UnsupportedOperationException();
		}

		@Override
		public FloatTensor inputGradient(FloatTensor images, FloatTensor classWeights) {
			throw new UnsupportedOperationException();
		}

		@Override
		public FloatTensor activations(FloatTensor images, String layer) {
			throw new UnsupportedOperationException();
		}

		@Override
		public FloatTensor layerGradient(FloatTensor images, String layer, FloatTensor classWeights) {
			throw new UnsupportedOperationException();
		}

		@Override
		public FloatTensor logitsFromLayer(String layer, FloatTensor activations) {
			throw new UnsupportedOperationException();
		}

		@Override
		public FloatTensor gradientFromLayer(String layer, FloatTensor activations, FloatTensor classWeights) {
			throw new UnsupportedOperationException();
		}

		@Override
		public void close() {}
	}

	static FloatTensor images(int n, int size, int channels, long seed) {
		Random r = new Random(seed);
		FloatTensor x = FloatTensor.zeros(n, size, size, channels);
		for (int i = 0; i < x.size(); i++) x.data()[i] = r.nextFloat();
		return x;
	}

	@Test
	void riseIsItsPlainDefinitionToTheBit() {
		int n = 3, size = 20, c = 2, masks = 37;
		FloatTensor x = images(n, size, c, 1);
		int[] targets = { 1, 0, 2 };
		Rise rise = new Rise(masks, 4, 0.5, 9);
		// plain: each copy scored alone, masks summed in index order (weighted by the scores, and alone), divided at the end
		LinearModel plainModel = new LinearModel(size * size * c, 3, 1, 5);
		float[] want = new float[n * size * size], sums = new float[size * size];
		for (int i = 0; i < n; i++) {
			float[] src = x.slice(i).data();
			for (int k = 0; k < masks; k++) {
				float[] m = rise.mask(k, size, size);
				float[] copy = new float[src.length];
				for (int p = 0; p < size * size; p++) for (int ch = 0; ch < c; ch++) copy[p * c + ch] = src[p * c + ch] * m[p];
				float s = plainModel.logits(new FloatTensor(new long[] { 1, size, size, c }, copy)).data()[targets[i]];
				for (int p = 0; p < size * size; p++) want[i * size * size + p] += s * m[p];
				if (i == 0) for (int p = 0; p < size * size; p++) sums[p] += m[p];
			}
			for (int p = 0; p < size * size; p++) want[i * size * size + p] /= sums[p];
		}
		long before = Rise.maskCacheBytes;
		try {
			// masks generated once (by the first image's batches, then kept for the later calls), or per batch into two halves
			for (long cache : new long[] { before, 0 }) {
				Rise.maskCacheBytes = cache;
				for (int batch : new int[] { 256, 37, 10, 1 }) {
					LinearModel model = new LinearModel(size * size * c, 3, batch, 5);
					float[] got = rise.explain(model, x, targets, Progress.NONE).maps().data();
					assertArrayEquals(want, got, "RISE, batches of " + batch + ", mask cache " + cache + " bytes");
				}
			}
		} finally {
			Rise.maskCacheBytes = before;
		}
	}

	/** The masks a RISE instance keeps from one call serve the next call on images of that size only. */
	@Test
	void riseKeepsItsMasksPerImageSize() {
		Rise kept = new Rise(29, 3, 0.5, 4);
		int[] targets = { 2, 1 };
		LinearModel big = new LinearModel(20 * 20, 3, 8, 6), small = new LinearModel(12 * 12, 3, 8, 6);
		FloatTensor x20 = images(2, 20, 1, 7), x12 = images(2, 12, 1, 8);
		float[] first = kept.explain(big, x20, targets, Progress.NONE).maps().data();
		float[] other = kept.explain(small, x12, targets, Progress.NONE).maps().data();
		float[] again = kept.explain(big, x20, targets, Progress.NONE).maps().data();
		assertArrayEquals(new Rise(29, 3, 0.5, 4).explain(small, x12, targets, Progress.NONE).maps().data(), other, "12x12 after 20x20");
		assertArrayEquals(first, again, "20x20 again, with the masks kept");
		assertArrayEquals(first, kept.explain(big, x20, targets, Progress.NONE).maps().data(), "20x20 a third time");
	}

	@Test
	void mapsAreTheSameToTheBitWhateverTheBatchSize() {
		int n = 3, size = 16, c = 1;
		FloatTensor x = images(n, size, c, 2);
		int[] targets = { 0, 2, 1 };
		List<AttributionMethod> methods = List.of(new Occlusion(4, 2, 0f), new SobolAttribution(4, 8, MaskedImage.constant(0), false, 3),
			new HsicAttribution(4, 40, MaskedImage.constant(0), 4), new Lime(50, Segmentation.grid(4), MaskedImage.constant(0), 5),
			new KernelShap(50, Segmentation.grid(4), MaskedImage.constant(0), 5));
		for (AttributionMethod m : methods) {
			LinearModel one = new LinearModel(size * size * c, 3, 1, 7);
			float[] want = m.explain(one, x, targets, Progress.NONE).maps().data();
			assertTrue(one.calls.size() >= 3 * 40, m.name() + ": one copy per call");
			for (int batch : new int[] { 7, 256 }) {
				float[] got = m.explain(new LinearModel(size * size * c, 3, batch, 7), x, targets, Progress.NONE).maps().data();
				assertArrayEquals(want, got, m.name() + ", batches of " + batch);
			}
		}
	}

	@Test
	void occlusionScoresTheCleanImageOnTheCallersThreadBetweenImages() {
		int n = 3, size = 16;
		FloatTensor x = images(n, size, 1, 3);
		Thread caller = Thread.currentThread();
		LinearModel model = new LinearModel(size * size, 3, 256, 8) {
			@Override
			public synchronized FloatTensor logits(FloatTensor images) {
				assertEquals(caller, Thread.currentThread(), "the model is called from the caller's thread only");
				return super.logits(images);
			}
		};
		int[] targets = { 0, 1, 2 };
		new Occlusion(4, 4, 0f).explain(model, x, targets, Progress.NONE);
		// per image: its 16 copies in one call, then its clean score
		assertEquals(List.of(16, 1, 16, 1, 16, 1), model.calls);
	}

	@Test
	void hsicOnOneThreadIsTheParallelEstimateToTheBit() {
		HsicAttribution hsic = new HsicAttribution(8, 512, MaskedImage.constant(0), 11);
		boolean[][] on = hsic.designs(64);
		Random r = new Random(6);
		float[] y = new float[512];
		for (int a = 0; a < y.length; a++) y[a] = (float) r.nextGaussian();
		double[] parallel = HsicAttribution.hsicPerCell(on, y, 64, true), sequential = HsicAttribution.hsicPerCell(on, y, 64, false);
		assertArrayEquals(parallel, sequential);
		assertTrue(Arrays.stream(parallel).anyMatch(v -> v != 0));
	}
}
