package org.conceptscope.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class FloatTensorTest {

	@Test
	void rowsPicksEntriesOfTheFirstAxisInTheOrderGiven() {
		float[] v = new float[4 * 2 * 3];
		for (int i = 0; i < v.length; i++) v[i] = i;
		FloatTensor t = new FloatTensor(new long[] { 4, 2, 3 }, v);
		FloatTensor picked = t.rows(3, 0, 3);
		assertArrayEquals(new long[] { 3, 2, 3 }, picked.shape());
		// the same entries as slicing one at a time and concatenating
		assertArrayEquals(FloatTensor.concat(java.util.List.of(t.slice(3), t.slice(0), t.slice(3))).data(), picked.data());
		assertArrayEquals(new float[] { 18, 19, 20, 21, 22, 23 }, java.util.Arrays.copyOf(picked.data(), 6));
		assertArrayEquals(new long[] { 0, 2, 3 }, t.rows().shape(), "no entries: an empty batch of the same entry shape");
		assertThrows(IndexOutOfBoundsException.class, () -> t.rows(4));
		assertThrows(IndexOutOfBoundsException.class, () -> t.rows(-1));
	}
}
