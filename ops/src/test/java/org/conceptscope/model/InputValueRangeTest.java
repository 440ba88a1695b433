package org.conceptscope.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import org.junit.jupiter.api.Test;

/** A declared range is a value: compared by its channels' ends, and not changed through the arrays it was made from or hands out. */
class InputValueRangeTest {

	@Test
	void perChannelRangesAreComparedByValueAndNotShared() {
		double[] lo = { 0, -1 }, hi = { 1, 2 };
		InputValueRange a = InputValueRange.perChannel(lo, hi, "declared"), b = InputValueRange.perChannel(lo.clone(), hi.clone(), "declared");
		assertEquals(a, b);
		assertEquals(a.hashCode(), b.hashCode());
		assertNotEquals(a, InputValueRange.perChannel(new double[] { 0, -1 }, new double[] { 1, 3 }, "declared"));
		a.channelLo()[0] = 5;
		assertArrayEquals(new double[] { 0, -1 }, a.channelLo(), 0);
		double[] given = { 0, -1 };
		InputValueRange c = new InputValueRange(-1, 2, "declared", given, new double[] { 1, 2 });
		given[0] = 5;
		assertEquals(a, c);
		assertEquals(new InputValueRange(0, 1, "one"), new InputValueRange(0, 1, "one"));
	}
}
