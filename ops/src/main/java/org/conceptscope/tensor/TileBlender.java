package org.conceptscope.tensor;

/**
 * Blends maps computed on the tiles of a {@link TileGrid} into maps of the image's size, for
 * {@code images} images and {@code channels} maps per pixel: each tile's values are weighted by the
 * window {@link BlendWindow#weights} (per axis) and summed; {@link #blended()} divides by the summed
 * weights ({@link BlendWindow#coverage}), so every pixel holds the weighted mean of the tiles that
 * cover it. Attribution maps (one channel) and concept maps (one channel per concept) are blended by
 * this one class, so both have the same seams: none.
 */
public final class TileBlender {

	private final TileGrid grid;
	private final int images, channels;
	private final float[] sum, wy, wx;
	private boolean done;

	/** @throws IllegalArgumentException when the maps would hold more values than one array */
	public TileBlender(TileGrid grid, int images, int channels) {
		if (images < 1 || channels < 1) throw new IllegalArgumentException("Blending needs at least one image and one map, got " + images
			+ " and " + channels + ".");
		long values = (long) images * grid.height() * grid.width() * channels;
		if (values > Integer.MAX_VALUE - 8) {
			throw new IllegalArgumentException("The maps of " + images + " images of " + grid.width() + "x" + grid.height() + " with "
				+ channels + " channels hold more values than one array; explain fewer slices at a time.");
		}
		this.grid = grid;
		this.images = images;
		this.channels = channels;
		this.sum = new float[(int) values];
		this.wy = BlendWindow.weights(grid.tileHeight());
		this.wx = BlendWindow.weights(grid.tileWidth());
	}

	/**
	 * Adds the maps of tile {@code tile} of image {@code image}: values [tileHeight, tileWidth,
	 * channels] from {@code offset} in {@code values} (tile pixels past the image are ignored).
	 */
	public void add(int image, int tile, float[] values, int offset) {
		if (done) throw new IllegalStateException("The maps are already blended.");
		if (image < 0 || image >= images) throw new IndexOutOfBoundsException("Image " + image + " outside 0.." + (images - 1) + ".");
		int th = grid.tileHeight(), tw = grid.tileWidth(), h = grid.height(), w = grid.width(), k = channels;
		int y0 = grid.y(tile), x0 = grid.x(tile), base = image * h * w * k;
		for (int yy = 0; yy < th && y0 + yy < h; yy++) {
			int row = base + ((y0 + yy) * w + x0) * k, trow = offset + yy * tw * k;
			float wrow = wy[yy];
			for (int xx = 0; xx < tw && x0 + xx < w; xx++) {
				for (int q = 0; q < k; q++) sum[row + xx * k + q] += wrow * wx[xx] * values[trow + xx * k + q];
			}
		}
	}

	/** The blended maps [images, height, width, channels], row by row, channel fastest (once: the sums are divided in place). */
	public float[] blended() {
		if (done) return sum;
		int h = grid.height(), w = grid.width(), k = channels;
		double[] cy = BlendWindow.coverage(h, grid.tileHeight(), grid.ys()), cx = BlendWindow.coverage(w, grid.tileWidth(), grid.xs());
		for (int b = 0; b < images; b++) {
			for (int y = 0; y < h; y++) {
				int row = (b * h + y) * w * k;
				for (int x = 0; x < w; x++) {
					double c = cy[y] * cx[x];
					for (int q = 0; q < k; q++) sum[row + x * k + q] = (float) (sum[row + x * k + q] / c);
				}
			}
		}
		done = true;
		return sum;
	}

	public TileGrid grid() {
		return grid;
	}
}
