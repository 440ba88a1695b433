package org.conceptscope.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;

import org.conceptscope.tensor.FloatTensor;
import org.junit.jupiter.api.Test;

/**
 * Deletion and insertion rank pixels by attribution; pixels of equal attribution (flat maps,
 * grid blocks, zeros) must not be taken in reading order, which would remove the top rows first
 * and turn a flat map into a spatial statement. Ties get a seeded random order.
 */
class PixelRankingTiesTest {

	@Test
	void tiesOfAFlatMapAreSpreadOverTheImage() {
		FloatTensor flat = FloatTensor.zeros(1, 32, 32);
		int[] order = PixelRanking.descending(flat, 0, 7);
		// the first half of the ranking: in reading order all 512 would be in the top 16 rows
		int top = 0;
		for (int k = 0; k < 512; k++) if (order[k] / 32 < 16) top++;
		assertTrue(top > 200 && top < 312, "pixels from the top half among the first 512 ranked: " + top);
		int[] sorted = order.clone();
		Arrays.sort(sorted);
		for (int p = 0; p < 1024; p++) if (sorted[p] != p) throw new AssertionError("not a permutation");
		assertArrayEquals(order, PixelRanking.descending(flat, 0, 7), "same seed, same order");
		assertFalse(Arrays.equals(order, PixelRanking.descending(flat, 0, 8)), "another seed, another order");
	}

	@Test
	void valuesStillComeFirstByMagnitude() {
		FloatTensor m = new FloatTensor(new long[] { 1, 1, 6 }, new float[] { 0.5f, 2f, 0.5f, -1f, 2f, 0.5f });
		int[] order = PixelRanking.descending(m, 0, 3);
		float[] values = new float[6];
		for (int k = 0; k < 6; k++) values[k] = m.data()[order[k]];
		assertArrayEquals(new float[] { 2f, 2f, 0.5f, 0.5f, 0.5f, -1f }, values);
		// over seeds, each of the three tied 0.5 pixels comes first among them sometimes
		boolean[] first = new boolean[6];
		for (long s = 0; s < 40; s++) first[PixelRanking.descending(m, 0, s)[2]] = true;
		assertTrue(first[0] && first[2] && first[5], "each tied pixel leads its tie group for some seed");
	}

	/**
	 * -0.0 and 0.0 are the same attribution (numpy's argsort, as Xplique sorts, ties them): a map
	 * whose zeros carry a sign (a negated map, x * g with g = 0) must not have its 0.0 pixels taken
	 * before its -0.0 pixels. With the zeros' signs by half, the order is that of a flat map.
	 */
	@Test
	void signedZerosTie() {
		float[] d = new float[32 * 32];
		for (int p = 0; p < d.length; p++) d[p] = p % 32 < 16 ? 0f : -0f;
		FloatTensor signed = new FloatTensor(new long[] { 1, 32, 32 }, d);
		int[] order = PixelRanking.descending(signed, 0, 7);
		assertArrayEquals(PixelRanking.descending(FloatTensor.zeros(1, 32, 32), 0, 7), order, "the order of a flat map with the same seed");
		int left = 0;
		for (int k = 0; k < 512; k++) if (order[k] % 32 < 16) left++;
		assertTrue(left > 200 && left < 312, "pixels of the 0.0 half among the first 512 ranked: " + left);
		// values around the zeros keep their places
		d[5] = 1e-30f;
		d[40] = -1e-30f;
		int[] withValues = PixelRanking.descending(new FloatTensor(new long[] { 1, 32, 32 }, d), 0, 7);
		assertEquals(5, withValues[0]);
		assertEquals(40, withValues[1023]);
	}
}
