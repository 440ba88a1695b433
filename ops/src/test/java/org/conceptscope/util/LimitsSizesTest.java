package org.conceptscope.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import org.junit.jupiter.api.Test;

/**
 * The sizes every memory sentence writes: kB below 1 MB and MB below 1 GB ("0.2 GB" hid the size), and a need beside
 * what is free with the digits that tell them apart ("need about 0.2 GB, more than the 0.2 GB it has free" said nothing).
 */
class LimitsSizesTest {

	@Test
	void smallSizesAreWrittenInTheirOwnUnit() {
		assertEquals("240 MB", Limits.readableSize(240_000_000L));
		assertEquals("8 kB", Limits.readableSize(8_000L));
		assertEquals("2.5 GB", Limits.readableSize(2_500_000_000L));
		// what rounds to 1000 MB is written as the GB it is
		assertEquals("1.0 GB", Limits.readableSize(999_600_000L));
		assertEquals("999 MB", Limits.readableSize(999_400_000L));
	}

	@Test
	void aNeedAndWhatIsFreeDifferWheneverTheNeedIsLarger() {
		// far apart: the usual digits
		assertEquals("240 MB", Limits.readableSize(240_000_000L, 100_000_000L));
		assertEquals("3.0 GB", Limits.readableSize(3_000_000_000L, 1_000_000_000L));
		// 240.4 MB against 239.6 MB round alike to whole MB: one decimal more, for both
		assertEquals("240.4 MB", Limits.readableSize(240_400_000L, 239_600_000L));
		assertEquals("239.6 MB", Limits.readableSize(239_600_000L, 240_400_000L));
		// one byte apart: to the byte
		assertEquals("2.500000001 GB", Limits.readableSize(2_500_000_001L, 2_500_000_000L));
		assertEquals("2.500000000 GB", Limits.readableSize(2_500_000_000L, 2_500_000_001L));
		// any need above what is free reads larger
		java.util.Random r = new java.util.Random(3);
		for (int i = 0; i < 10_000; i++) {
			long free = (long) Math.pow(10, 3 + 9 * r.nextDouble()), need = free + 1 + (long) (free * 0.01 * r.nextDouble());
			assertNotEquals(Limits.readableSize(free, need), Limits.readableSize(need, free), need + " against " + free);
		}
	}
}
