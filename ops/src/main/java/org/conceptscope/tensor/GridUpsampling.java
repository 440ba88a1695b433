package org.conceptscope.tensor;

/**
 * How a grid method (Sobol, HSIC, EVA) turns its one value per cell into a map of the image's
 * size. {@link #BILINEAR} (pixel centres aligned, clamped at the borders) interpolates between
 * cell centres and keeps every pixel between its neighbouring cells' values, so non-negative
 * indices stay non-negative; {@link #BICUBIC} is what Xplique does (TensorFlow's bicubic resize,
 * which overshoots slightly next to a large cell); {@link #NEAREST} paints each cell as a constant
 * block (cell (gy, gx) holds the pixels with min(grid-1, y*grid/h) = gy and min(grid-1, x*grid/w)
 * = gx), which shows the per-cell estimates exactly.
 */
public enum GridUpsampling {
	BILINEAR, BICUBIC, NEAREST;

	/**
	 * The default of the global sensitivity analysis methods (Sobol, HSIC): bicubic, what Xplique's
	 * GSA base explainer applies to the indices of both (tf.image.resize, method BICUBIC). Bicubic
	 * can overshoot below 0 next to a large cell; ask for {@link #BILINEAR} for non-negative maps.
	 */
	public static final GridUpsampling SENSITIVITY_DEFAULT = BICUBIC;

	/** The gh x gw grid (row-major) as a height x width map (row-major). */
	public float[] apply(double[] grid, int gh, int gw, int height, int width) {
		if (this == BICUBIC) return Bicubic.resize(grid, gh, gw, height, width);
		if (this == BILINEAR) {
			if (grid.length != gh * gw) throw new IllegalArgumentException("A " + gh + " x " + gw + " grid needs " + gh * gw + " values, not " + grid.length + ".");
			float[] g = new float[grid.length];
			for (int i = 0; i < g.length; i++) g[i] = (float) grid[i];
			return Resampling.bilinear(new FloatTensor(new long[] { 1, gh, gw }, g), height, width).data();
		}
		if (grid.length != gh * gw) throw new IllegalArgumentException("A " + gh + " x " + gw + " grid needs " + gh * gw + " values, not " + grid.length + ".");
		float[] out = new float[height * width];
		for (int y = 0; y < height; y++) {
			int gy = Math.min(gh - 1, (int) ((long) y * gh / height));
			for (int x = 0; x < width; x++) out[y * width + x] = (float) grid[gy * gw + Math.min(gw - 1, (int) ((long) x * gw / width))];
		}
		return out;
	}

	/** The lower-case key used in metadata and parameters. */
	public String key() {
		return name().toLowerCase(java.util.Locale.ROOT);
	}

	/** Every key, in declaration order (the choices of the {@code upsampling} parameter). */
	public static java.util.List<String> keys() {
		return java.util.Arrays.stream(values()).map(GridUpsampling::key).toList();
	}

	/** The value for a key ("bilinear", "bicubic" or "nearest"); a clear message otherwise. */
	public static GridUpsampling parse(String key) {
		for (GridUpsampling u : values()) if (u.key().equalsIgnoreCase(key == null ? "" : key.trim())) return u;
		throw new IllegalArgumentException("Unknown grid upsampling '" + key + "': use bilinear, bicubic or nearest.");
	}
}
