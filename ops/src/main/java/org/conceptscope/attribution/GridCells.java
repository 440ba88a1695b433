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
		for (int j = 0; j < cells; j++) runs[j] = perCell.get(j).stream().mapToInt(Integer::intValue).toArray();
	}

	/** The runs of cell j: start0, end0, start1, end1, ... */
	int[] runs(int cell) {
		return runs[cell];
	}
}
