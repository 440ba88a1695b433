package org.conceptscope.concepts;

import org.conceptscope.model.Classifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.tensor.Resampling;

/**
 * Where each concept sits: per image and concept, the NNLS coefficient at every position of the
 * bank's layer, bilinearly upsampled to the image. Maps are [N, H, W, k] (one channel per concept,
 * the layout of per-channel attribution maps), coarse maps [N, h, w, k].
 */
public final class ConceptLocalization {

	/** Upsampled and layer-resolution concept maps. */
	public record ConceptMaps(FloatTensor maps, FloatTensor coarse) {}

	private ConceptLocalization() {}

	public static ConceptMaps localize(Classifier classifier, ConceptBank bank, FloatTensor images) {
		ConceptCoefficients cc = ConceptCoefficients.of(classifier, bank, images);
		long[] ls = cc.layerShape();
		int n = cc.u().length, k = bank.size();
		int h = ls.length == 4 ? (int) ls[1] : 1, w = ls.length == 4 ? (int) ls[2] : 1;
		int height = (int) images.dim(1), width = (int) images.dim(2);
		float[] coarse = new float[n * h * w * k];
		for (int i = 0; i < n; i++) for (int p = 0; p < h * w; p++) for (int q = 0; q < k; q++) {
			coarse[(i * h * w + p) * k + q] = (float) cc.u()[i][p][q];
		}
		FloatTensor small = new FloatTensor(new long[] { n, h, w, k }, coarse);
		return new ConceptMaps(upsample(small, height, width), small);
	}

	/** Per-channel maps [N, h, w, K] bilinearly upsampled to [N, height, width, K]. */
	public static FloatTensor upsample(FloatTensor coarse, int height, int width) {
		int n = (int) coarse.dim(0), h = (int) coarse.dim(1), w = (int) coarse.dim(2), k = (int) coarse.dim(3);
		float[] maps = new float[n * height * width * k];
		for (int q = 0; q < k; q++) {
			float[] one = new float[n * h * w];
			for (int i = 0; i < n * h * w; i++) one[i] = coarse.data()[i * k + q];
			float[] up = Resampling.bilinear(new FloatTensor(new long[] { n, h, w }, one), height, width).data();
			for (int i = 0; i < up.length; i++) maps[i * k + q] = up[i];
		}
		return new FloatTensor(new long[] { n, height, width, k }, maps);
	}
}
