package org.conceptscope.testmodels;

import java.util.List;

import org.conceptscope.tensor.FloatTensor;

/**
 * Labelled patches cut from a real image, split by position so held-out patches never overlap
 * training patches. Images are normalised NHWC model input; raw patches are kept for writing
 * demo stacks.
 */
public record PatchDataset(List<String> classes, FloatTensor trainImages, int[] trainLabels, FloatTensor testImages,
	int[] testLabels, FloatTensor rawTestPatches) {

	static FloatTensor stack(List<float[]> patches, int side, int channels) {
		int per = side * side * channels;
		float[] all = new float[patches.size() * per];
		for (int i = 0; i < patches.size(); i++) System.arraycopy(patches.get(i), 0, all, i * per, per);
		return new FloatTensor(new long[] { patches.size(), side, side, channels }, all);
	}

	static int[] ints(List<Integer> xs) {
		return xs.stream().mapToInt(Integer::intValue).toArray();
	}
}
