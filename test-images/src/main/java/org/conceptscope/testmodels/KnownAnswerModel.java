package org.conceptscope.testmodels;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.train.CnnArchitecture;
import org.conceptscope.train.CnnArchitecture.Head;

/**
 * Task (c): a classifier whose evidence is known exactly, built by construction (no training).
 * <p>
 * Input 32x32x1 in [0, 1]. Two identity 3x3 convolutions with ReLU (so layers exist to split
 * at, and the path has the non-linearities real models have) keep the image unchanged, then a
 * dense layer sums the pixels of one square per class: {@code logit_k = sum over R_k of x}.
 * The gradient of class k is exactly the indicator of R_k, Gradient x Input is x inside R_k,
 * and any faithful attribution of class k lies inside R_k.
 */
public final class KnownAnswerModel {

	public static final int SIZE = 32;
	public static final List<String> CLASSES = List.of("region A", "region B");
	/** Evidence squares per class as {x, y, width, height}. */
	public static final int[][] REGIONS = { { 4, 4, 8, 8 }, { 18, 20, 8, 8 } };

	public static final CnnArchitecture ARCHITECTURE = new CnnArchitecture(SIZE, SIZE, 1, new int[] { 1, 1 }, 3, false,
		Head.FLATTEN, 2);

	private KnownAnswerModel() {}

	public static boolean inRegion(int k, int x, int y) {
		int[] r = REGIONS[k];
		return x >= r[0] && x < r[0] + r[2] && y >= r[1] && y < r[1] + r[3];
	}

	public static Map<String, FloatTensor> weights() {
		Map<String, FloatTensor> w = new LinkedHashMap<>();
		for (String block : new String[] { "conv1", "conv2" }) {
			FloatTensor kernel = FloatTensor.zeros(3, 3, 1, 1);
			kernel.set(1f, 1, 1, 0, 0);
			w.put(block + "/kernel", kernel);
			w.put(block + "/bias", FloatTensor.zeros(1));
		}
		FloatTensor dense = FloatTensor.zeros(SIZE * SIZE, 2);
		for (int y = 0; y < SIZE; y++) {
			for (int x = 0; x < SIZE; x++) {
				for (int k = 0; k < 2; k++) {
					if (inRegion(k, x, y)) dense.set(1f, y * SIZE + x, k);
				}
			}
		}
		w.put("dense/kernel", dense);
		w.put("dense/bias", FloatTensor.zeros(2));
		return w;
	}

	/** A test image: a bright square on a dim, seeded-noise background, placed in the region of class k. */
	public static FloatTensor image(int k, long seed) {
		java.util.Random rnd = new java.util.Random(seed);
		FloatTensor img = FloatTensor.zeros(1, SIZE, SIZE, 1);
		for (int y = 0; y < SIZE; y++) {
			for (int x = 0; x < SIZE; x++) {
				float v = 0.1f * rnd.nextFloat();
				if (inRegion(k, x, y)) v += 0.8f;
				img.set(v, 0, y, x, 0);
			}
		}
		return img;
	}
}
