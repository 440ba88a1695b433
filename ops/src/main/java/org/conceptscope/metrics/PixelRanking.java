package org.conceptscope.metrics;

import java.util.Arrays;

import org.conceptscope.tensor.FloatTensor;

/** Pixel order of an attribution map: most important first. */
final class PixelRanking {

	private PixelRanking() {}

	/** Pixel indices (y * W + x) of map i of [N, H, W] maps, by descending value; ties keep pixel order. */
	static int[] descending(FloatTensor maps, int i) {
		int per = maps.stride0();
		float[] d = maps.data();
		Integer[] order = new Integer[per];
		for (int p = 0; p < per; p++) order[p] = p;
		int base = i * per;
		// a stable sort: equal values (flat maps, zeros) are removed in reading order, reproducibly
		Arrays.sort(order, (a, b) -> Float.compare(d[base + b], d[base + a]));
		return Arrays.stream(order).mapToInt(Integer::intValue).toArray();
	}
}
