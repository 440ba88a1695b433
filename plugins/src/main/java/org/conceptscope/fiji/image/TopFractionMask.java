package org.conceptscope.fiji.image;

import ij.process.ByteProcessor;

import java.util.Arrays;

/**
 * The pixels of a map that belong to its top fraction q of values, as a 0/255 mask.
 * <p>
 * A rank threshold is used instead of a value threshold because attribution values have no
 * common scale: they differ between images, targets, models and methods, so "top 10 %" marks
 * comparable amounts of evidence everywhere. Pixels tied with the threshold value are all kept.
 * Pixels at the map's minimum are never kept (a map that is mostly zero marks only its non-zero
 * part; a constant map marks nothing), and NaN is never kept.
 */
public final class TopFractionMask {

	private TopFractionMask() {}

	public static ByteProcessor of(float[] map, int width, int height, double topFraction) {
		if (!(topFraction > 0 && topFraction <= 1)) {
			throw new IllegalArgumentException("The top fraction must be in (0, 1], got " + topFraction + ".");
		}
		if (map.length != width * height) {
			throw new IllegalArgumentException("The map has " + map.length + " values, not " + width + " x " + height + ".");
		}
		float threshold = threshold(map, topFraction);
		float min = min(map);
		byte[] mask = new byte[map.length];
		for (int i = 0; i < map.length; i++) {
			if (map[i] >= threshold && map[i] > min) mask[i] = (byte) 255;
		}
		return new ByteProcessor(width, height, mask);
	}

	/** The smallest value among the top ceil(q * n) finite values. */
	static float threshold(float[] map, double topFraction) {
		float[] finite = finiteValues(map);
		if (finite.length == 0) return Float.POSITIVE_INFINITY;
		Arrays.sort(finite);
		int keep = (int) Math.min(finite.length, Math.max(1, Math.ceil(topFraction * finite.length)));
		return finite[finite.length - keep];
	}

	private static float[] finiteValues(float[] map) {
		float[] out = new float[map.length];
		int n = 0;
		for (float v : map) {
			if (Float.isFinite(v)) out[n++] = v;
		}
		return n == out.length ? out : Arrays.copyOf(out, n); // a map without NaN is copied once, not twice (a large image's map is large)
	}

	private static float min(float[] map) {
		float min = Float.POSITIVE_INFINITY;
		for (float v : map) {
			if (v < min) min = v;
		}
		return min;
	}
}
