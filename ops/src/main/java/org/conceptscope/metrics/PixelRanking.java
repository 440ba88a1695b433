package org.conceptscope.metrics;

import java.util.Arrays;
import java.util.Random;

import org.conceptscope.tensor.FloatTensor;

/** Pixel order of an attribution map: most important first. */
final class PixelRanking {

	private PixelRanking() {}

	/** Pixel indices (y * W + x) of map i of [N, H, W] maps, by descending value; ties keep pixel order. */
	static int[] descending(FloatTensor maps, int i) {
		int per = maps.stride0();
		Integer[] order = new Integer[per];
		for (int p = 0; p < per; p++) order[p] = p;
		return sorted(maps, i, order);
	}

	/**
	 * Pixel indices of map i by descending value, equal values in a random order drawn from
	 * {@code seed} and i. Xplique sorts with numpy's argsort, which leaves the order of ties
	 * unspecified; a seeded shuffle keeps that order free of any spatial bias (reading order
	 * would delete flat regions top row first) and reproducible.
	 */
	static int[] descending(FloatTensor maps, int i, long seed) {
		int per = maps.stride0();
		Integer[] order = new Integer[per];
		for (int p = 0; p < per; p++) order[p] = p;
		java.util.SplittableRandom rnd = org.conceptscope.util.Seeds.stream(seed, i); // maps, and seeds, shuffle independently
		for (int p = per - 1; p > 0; p--) {
			int k = rnd.nextInt(p + 1);
			Integer t = order[p];
			order[p] = order[k];
			order[k] = t;
		}
		return sorted(maps, i, order);
	}

	/**
	 * A stable sort of the given order by descending value. Values are compared as numbers, so
	 * -0.0 and 0.0 tie (Float.compare alone puts every 0.0 before every -0.0: a negated map, or a
	 * product x * g with g = 0, would have its zeros deleted by the sign of x or g, not at random).
	 */
	private static int[] sorted(FloatTensor maps, int i, Integer[] order) {
		int per = maps.stride0(), base = i * per;
		float[] d = maps.data();
		Arrays.sort(order, (a, b) -> Float.compare(d[base + b] + 0f, d[base + a] + 0f)); // + 0f turns -0.0 into 0.0
		return Arrays.stream(order).mapToInt(Integer::intValue).toArray();
	}
}
