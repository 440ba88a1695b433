package org.conceptscope.attribution;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A partition of an h x w image into numbered segments (grid cells or superpixels): the
 * interpretable features of LIME and Kernel SHAP. Each segment is also kept as runs of
 * consecutive values of the row-major HWC array (one run per image row it crosses), so a
 * perturbation fills a segment with a few bulk copies.
 */
public final class Segments {

	private final int h, w, count;
	private final int[] labels;
	private final int[][] runs;
	private final int[] sizes;

	/**
	 * @param labels segment of each pixel, row-major, numbered 0..count-1 with every number used
	 * @param c channels of the images the runs will index
	 */
	public Segments(int[] labels, int h, int w, int c) {
		if (labels.length != h * w) throw new IllegalArgumentException(labels.length + " labels for a " + w + "x" + h + " image.");
		int max = -1;
		for (int l : labels) {
			if (l < 0) throw new IllegalArgumentException("Segment labels are numbered from 0, got " + l + ".");
			max = Math.max(max, l);
		}
		this.h = h;
		this.w = w;
		this.count = max + 1;
		this.labels = labels.clone();
		this.sizes = new int[count];
		for (int l : labels) sizes[l]++;
		for (int s = 0; s < count; s++) {
			if (sizes[s] == 0) throw new IllegalArgumentException("Segment " + s + " has no pixel; number segments 0.." + (count - 1) + " without gaps.");
		}
		List<List<Integer>> perSegment = new ArrayList<>();
		for (int s = 0; s < count; s++) perSegment.add(new ArrayList<>());
		for (int y = 0; y < h; y++) {
			int x = 0;
			while (x < w) {
				int s = labels[y * w + x], x1 = x;
				while (x1 < w && labels[y * w + x1] == s) x1++;
				List<Integer> r = perSegment.get(s);
				r.add((y * w + x) * c);
				r.add((y * w + x1) * c);
				x = x1;
			}
		}
		runs = new int[count][];
		for (int s = 0; s < count; s++) runs[s] = perSegment.get(s).stream().mapToInt(Integer::intValue).toArray();
	}

	/** The grid x grid lattice of equal cells (cell of pixel (y, x): min(grid-1, y*grid/h), min(grid-1, x*grid/w)). */
	public static Segments grid(int h, int w, int c, int grid) {
		if (grid < 1 || grid > Math.min(h, w)) {
			throw new IllegalArgumentException("A " + grid + "x" + grid + " grid does not fit a " + w + "x" + h + " image: use 1.." + Math.min(h, w) + " cells per side.");
		}
		int[] labels = new int[h * w];
		for (int y = 0; y < h; y++) {
			int gy = Math.min(grid - 1, y * grid / h);
			for (int x = 0; x < w; x++) labels[y * w + x] = gy * grid + Math.min(grid - 1, x * grid / w);
		}
		return new Segments(labels, h, w, c);
	}

	public int count() {
		return count;
	}

	public int height() {
		return h;
	}

	public int width() {
		return w;
	}

	/** The segment of pixel (y, x). */
	public int label(int y, int x) {
		return labels[y * w + x];
	}

	/** Segment of each pixel, row-major (a copy). */
	public int[] labels() {
		return labels.clone();
	}

	/** Pixels in segment s. */
	public int size(int s) {
		return sizes[s];
	}

	/** Runs of segment s as [start, end) offsets into an HWC array, flattened pairwise. */
	int[] runs(int s) {
		return runs[s];
	}

	/** One value per segment painted onto its pixels: an [h*w] map. */
	float[] paint(double[] perSegment) {
		if (perSegment.length != count) throw new IllegalArgumentException(perSegment.length + " values for " + count + " segments.");
		float[] out = new float[h * w];
		for (int p = 0; p < out.length; p++) out[p] = (float) perSegment[labels[p]];
		return out;
	}

	@Override
	public String toString() {
		return count + " segments over " + w + "x" + h + " (" + Arrays.stream(sizes).min().orElse(0) + ".." + Arrays.stream(sizes).max().orElse(0)
			+ " pixels each)";
	}
}
