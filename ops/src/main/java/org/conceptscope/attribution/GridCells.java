package org.conceptscope.attribution;

import java.util.ArrayList;
import java.util.List;

/**
 * The cells of a grid x grid lattice over an h x w x c image as runs of consecutive values:
 * cell (gy, gx) holds the pixels with min(grid-1, y*grid/h) = gy and min(grid-1, x*grid/w) = gx,
 * which in a row-major HWC array are one run of values per image row. Perturbation methods
 * then fill a cell with a few bulk copies instead of a lookup per value.
 */
final class GridCells {

	final int grid, cells;
	/** Per cell, its runs as [start, end) offsets into the HWC array, flattened pairwise. */
	private final int[][] runs;

	GridCells(int h, int w, int c, int grid) {
		this.grid = grid;
		this.cells = grid * grid;
		List<List<Integer>> perCell = new ArrayList<>();
		for (int j = 0; j < cells; j++) perCell.add(new ArrayList<>());
		for (int y = 0; y < h; y++) {
			int gy = Math.min(grid - 1, y * grid / h);
			int x = 0;
			while (x < w) {
				int gx = Math.min(grid - 1, x * grid / w), x1 = x;
				while (x1 < w && Math.min(grid - 1, x1 * grid / w) == gx) x1++;
				List<Integer> r = perCell.get(gy * grid + gx);
				r.add((y * w + x) * c);
				r.add((y * w + x1) * c);
				x = x1;
			}
		}
		runs = new int[cells][];
		int count = 0;
		for (int j = 0; j < cells; j++) {
			runs[j] = perCell.get(j).stream().mapToInt(Integer::intValue).toArray();
			count += runs[j].length / 2;
		}
		size = h * w * c;
		cellOf = new int[size];
		for (int j = 0; j < cells; j++) for (int k = 0; k < runs[j].length; k += 2) java.util.Arrays.fill(cellOf, runs[j][k], runs[j][k + 1], j);
		perValue = size < (long) perValueBelow * count;
	}

	/**
	 * Cells whose runs are shorter than this many values on average are composed value by value
	 * ({@link #compose}): a call to System.arraycopy and a mispredicted test per cell cost more than
	 * picking each value (an 8 x 8 grid on 16 x 16 pixels has runs of 2 values; at 4 values the runs were already faster).
	 */
	static int perValueBelow = 3;

	/** The cell of every value of the HWC array. */
	private final int[] cellOf;
	private final int size;
	private final boolean perValue;

	/**
	 * Writes the image x with the cells that are not kept taken from repl into out at off:
	 * out[off + p] = keep[cell of p] ? x[p] : repl[p]. Only values are copied, so both ways of
	 * writing it (value by value for short runs, else the image and then the removed cells' runs) give
	 * the same copy.
	 */
	void compose(boolean[] keep, float[] x, float[] repl, float[] out, int off) {
		if (perValue) {
			for (int p = 0; p < size; p++) out[off + p] = keep[cellOf[p]] ? x[p] : repl[p];
			return;
		}
		System.arraycopy(x, 0, out, off, size);
		for (int j = 0; j < cells; j++) {
			if (keep[j]) continue;
			int[] r = runs[j];
			for (int k = 0; k < r.length; k += 2) System.arraycopy(repl, r[k], out, off + r[k], r[k + 1] - r[k]);
		}
	}

	/** The runs of cell j: start0, end0, start1, end1, ... */
	int[] runs(int cell) {
		return runs[cell];
	}
}
