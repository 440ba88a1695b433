package org.conceptscope.metrics;

import java.util.Random;

/** Random subsets of the cells of a grid laid over an image, as pixel masks. */
final class GridSubsets {

	private GridSubsets() {}

	/**
	 * {@code samples} masks over h x w pixels; each marks (true) the pixels of {@code removed}
	 * distinct cells of a grid x grid partition, drawn uniformly from the seed.
	 */
	static boolean[][] masks(int grid, int h, int w, int removed, int samples, long seed) {
		int cells = grid * grid;
		boolean[][] masks = new boolean[samples][h * w];
		Random rnd = new Random(seed);
		int[] ids = new int[cells];
		for (int s = 0; s < samples; s++) {
			for (int k = 0; k < cells; k++) ids[k] = k;
			for (int k = 0; k < removed; k++) { // partial Fisher-Yates: the first 'removed' ids are a uniform subset
				int j = k + rnd.nextInt(cells - k);
				int t = ids[k];
				ids[k] = ids[j];
				ids[j] = t;
			}
			boolean[] chosen = new boolean[cells];
			for (int k = 0; k < removed; k++) chosen[ids[k]] = true;
			for (int y = 0; y < h; y++) {
				for (int x = 0; x < w; x++) masks[s][y * w + x] = chosen[(y * grid / h) * grid + x * grid / w];
			}
		}
		return masks;
	}
}
