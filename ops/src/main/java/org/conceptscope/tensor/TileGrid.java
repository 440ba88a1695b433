package org.conceptscope.tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Where the model-size tiles of an image sit: a regular grid of {@code rows x cols} tiles of
 * {@code tileHeight x tileWidth} pixels covering an image of {@code height x width}, neighbours
 * overlapping by at least {@code overlap} (a fraction of the tile). Along an axis longer than the
 * tile, the first tile starts at 0, the last ends at the image's edge, and the others are spread
 * evenly between them; along an axis shorter than the tile (or equal) there is one tile at 0, which
 * reaches past the image (the pixels there are padding: see {@link TileSource}). Tiles are numbered
 * row by row.
 */
public record TileGrid(int height, int width, int tileHeight, int tileWidth, double overlap, int[] ys, int[] xs) {

	/** Default overlap of neighbouring tiles: half a tile, where the blending window sums to one. */
	public static final double DEFAULT_OVERLAP = 0.5;

	public TileGrid {
		if (height < 1 || width < 1) throw new IllegalArgumentException("The image is empty (" + width + "x" + height + ").");
		if (tileHeight < 1 || tileWidth < 1) throw new IllegalArgumentException("Tiles must be at least 1x1, got " + tileWidth + "x" + tileHeight + ".");
		ys = ys.clone();
		xs = xs.clone();
	}

	/**
	 * The grid of tiles of the model's size over an image.
	 *
	 * @param overlap fraction of a tile shared with its neighbour, in [0, 1)
	 */
	public static TileGrid of(int height, int width, int tileHeight, int tileWidth, double overlap) {
		checkOverlap(overlap);
		if (height < 1 || width < 1) throw new IllegalArgumentException("The image is empty (" + width + "x" + height + ").");
		return new TileGrid(height, width, tileHeight, tileWidth, overlap, positions(height, tileHeight, overlap),
			positions(width, tileWidth, overlap));
	}

	/** Refuses an overlap outside [0, 1) in one sentence naming the key. */
	public static void checkOverlap(double overlap) {
		if (!(overlap >= 0 && overlap < 1)) {
			throw new IllegalArgumentException("overlap must be at least 0 and below 1 (a fraction of the tile; 0.5 = half a tile), got "
				+ overlap + ".");
		}
	}

	/**
	 * Start positions of windows of {@code patch} pixels along an axis of {@code size} pixels, every
	 * {@code stride} pixels from 0, the last flush with the border ({0} when the window covers the
	 * axis): Occlusion's patches and CRAFT's crops.
	 */
	public static int[] strided(int size, int patch, int stride) {
		if (patch >= size) return new int[] { 0 };
		List<Integer> s = new ArrayList<>();
		for (int p = 0; p + patch <= size; p += stride) s.add(p);
		if (s.get(s.size() - 1) + patch < size) s.add(size - patch);
		return s.stream().mapToInt(Integer::intValue).toArray();
	}

	/**
	 * Start positions of tiles of {@code tile} pixels along an axis of {@code length} pixels:
	 * first 0, last {@code length - tile}, evenly spread with steps of at most
	 * {@code tile * (1 - overlap)} (at least 1).
	 */
	public static int[] positions(int length, int tile, double overlap) {
		checkOverlap(overlap);
		if (length <= tile) return new int[] { 0 };
		int step = Math.max(1, (int) Math.floor(tile * (1 - overlap) + 1e-9));
		int span = length - tile;
		int n = (span + step - 1) / step + 1;
		int[] p = new int[n];
		for (int i = 0; i < n; i++) p[i] = (int) Math.round((double) i * span / (n - 1));
		return p;
	}

	public int rows() {
		return ys.length;
	}

	public int cols() {
		return xs.length;
	}

	/** Number of tiles. */
	public int count() {
		return ys.length * xs.length;
	}

	/** Top row of tile t. */
	public int y(int t) {
		return ys[t / xs.length];
	}

	/** Left column of tile t. */
	public int x(int t) {
		return xs[t % xs.length];
	}

	/** Whether the image is smaller than a tile along some axis, so tiles reach past it (padding). */
	public boolean padded() {
		return height < tileHeight || width < tileWidth;
	}

	@Override
	public int[] ys() {
		return ys.clone();
	}

	@Override
	public int[] xs() {
		return xs.clone();
	}

	/** "31x31 tiles of 32x32, overlap 0.5": for logs and metadata. */
	public String describe() {
		return String.format(Locale.ROOT, "%dx%d tiles of %dx%d, overlap %s", cols(), rows(), tileWidth, tileHeight, overlap);
	}

	@Override
	public boolean equals(Object o) {
		return o instanceof TileGrid g && g.height == height && g.width == width && g.tileHeight == tileHeight && g.tileWidth == tileWidth
			&& Double.compare(g.overlap, overlap) == 0 && Arrays.equals(g.ys, ys) && Arrays.equals(g.xs, xs);
	}

	@Override
	public int hashCode() {
		return Arrays.hashCode(new int[] { height, width, tileHeight, tileWidth, Arrays.hashCode(ys), Arrays.hashCode(xs) });
	}

	@Override
	public String toString() {
		return "TileGrid[" + width + "x" + height + ", " + describe() + "]";
	}
}
