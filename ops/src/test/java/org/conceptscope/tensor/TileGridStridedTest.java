package org.conceptscope.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Windows every stride with the last flush with the border: Occlusion's patches and CRAFT's crops. */
class TileGridStridedTest {

	@Test
	void everyStrideThenOneFlushWithTheBorder() {
		assertArrayEquals(new int[] { 0, 4, 6 }, TileGrid.strided(10, 4, 4), "0 and 4 fit; 8 would overhang, so 6 ends at the border");
		assertArrayEquals(new int[] { 0, 2, 4, 6 }, TileGrid.strided(10, 4, 2), "6 already ends at the border: no extra window");
		assertArrayEquals(new int[] { 0 }, TileGrid.strided(8, 8, 3), "a window as large as the axis");
	}

	@Test
	void everyPixelIsCoveredAndNoWindowOverhangs() {
		for (int size = 1; size <= 40; size++) for (int patch = 1; patch <= size; patch++) for (int stride = 1; stride <= patch; stride++) {
			int[] s = TileGrid.strided(size, patch, stride);
			boolean[] covered = new boolean[size];
			for (int p : s) {
				assertTrue(p >= 0 && p + patch <= size, size + " " + patch + " " + stride);
				for (int i = p; i < p + patch; i++) covered[i] = true;
			}
			for (boolean c : covered) assertTrue(c, size + " " + patch + " " + stride);
			assertEquals(size - patch, s[s.length - 1], "the last window ends at the border");
		}
	}
}
