package org.conceptscope.tensor;

/**
 * The smooth window that blends overlapping tile maps into one map: per axis
 * {@code w(i) = sin^2(pi (i + 1/2) / n)} for pixel i of a tile of n pixels, and the weight of a tile
 * pixel is {@code w_y(i) w_x(j)}. It falls smoothly towards zero at a tile's edge, so a tile's border
 * (where its context ends) counts little and no seam shows; at half-tile overlap the shifted windows
 * sum to exactly one ({@code sin^2 + cos^2}). Blended values are divided by the summed weights
 * ({@link #coverage}), so every pixel gets a weighted mean of the tiles covering it: values that all
 * tiles agree on come back unchanged, whatever the overlap, and pixels at the image's edge, covered
 * by one tile, get that tile's value. Weights stay positive everywhere, so the division is safe.
 */
public final class BlendWindow {

	private BlendWindow() {}

	/** Window weights of a tile side of n pixels. */
	public static float[] weights(int n) {
		if (n < 1) throw new IllegalArgumentException("A tile side has at least 1 pixel, got " + n + ".");
		float[] w = new float[n];
		for (int i = 0; i < n; i++) {
			double s = Math.sin(Math.PI * (i + 0.5) / n);
			w[i] = (float) (s * s);
		}
		return w;
	}

	/**
	 * Summed window weights along an axis of {@code length} pixels covered by tiles of {@code tile}
	 * pixels starting at {@code positions} (tile pixels past the axis' end are ignored).
	 */
	public static double[] coverage(int length, int tile, int[] positions) {
		float[] w = weights(tile);
		double[] sum = new double[length];
		for (int p : positions) {
			for (int i = 0; i < tile && p + i < length; i++) sum[p + i] += w[i];
		}
		return sum;
	}
}
