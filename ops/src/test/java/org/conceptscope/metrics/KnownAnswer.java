package org.conceptscope.metrics;

import java.util.Map;
import java.util.Random;

import org.conceptscope.attribution.Attribution;
import org.conceptscope.tensor.FloatTensor;

/**
 * Inputs and maps for the known-answer model (logit k = sum of the pixels in square R_k):
 * the exact evidence for class k is R_k, and x inside R_k is its exact Gradient x Input.
 */
final class KnownAnswer {

	/** Evidence squares {x, y, w, h} of classes 0 and 1. */
	static final int[][] REGIONS = { { 4, 4, 8, 8 }, { 18, 20, 8, 8 } };

	private KnownAnswer() {}

	static boolean inside(int k, int x, int y) {
		int[] r = REGIONS[k];
		return x >= r[0] && x < r[0] + r[2] && y >= r[1] && y < r[1] + r[3];
	}

	/** Noise in [0, 1), plus 0.5 inside R_targets[i] so that image i is clearly of class targets[i]. */
	static FloatTensor images(int[] targets, long seed) {
		Random r = new Random(seed);
		FloatTensor t = FloatTensor.zeros(targets.length, 32, 32, 1);
		for (int i = 0; i < targets.length; i++) {
			for (int y = 0; y < 32; y++) {
				for (int x = 0; x < 32; x++) t.set(r.nextFloat() + (inside(targets[i], x, y) ? 0.5f : 0f), i, y, x, 0);
			}
		}
		return t;
	}

	/** Map i: {@code in} inside R_targets[i], {@code out} (seeded uniform noise in [0.1, 1)) outside. */
	static Attribution maps(FloatTensor images, int[] targets, boolean timesInput, boolean zeroInside, long seed, String name) {
		Random r = new Random(seed);
		FloatTensor m = FloatTensor.zeros(targets.length, 32, 32);
		for (int i = 0; i < targets.length; i++) {
			for (int y = 0; y < 32; y++) {
				for (int x = 0; x < 32; x++) {
					boolean in = inside(targets[i], x, y);
					float v;
					if (zeroInside) v = in ? 0f : 0.1f + 0.9f * r.nextFloat();
					else v = in ? (timesInput ? images.get(i, y, x, 0) : 1f) : 0f;
					m.set(v, i, y, x);
				}
			}
		}
		return new Attribution(m, targets, Map.of("method", name));
	}

	/** A seeded uniform random map per image: an ordering that knows nothing. */
	static Attribution random(int n, int h, int w, int[] targets, long seed) {
		Random r = new Random(seed);
		FloatTensor m = FloatTensor.zeros(n, h, w);
		for (int i = 0; i < m.size(); i++) m.data()[i] = r.nextFloat();
		return new Attribution(m, targets, Map.of("method", "random"));
	}
}
