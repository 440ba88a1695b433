package org.conceptscope.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/** Streams of neighbouring seeds and items are unrelated, and one seed and item always gives the same stream. */
class SeedsTest {

	@Test
	void neighbouringSeedsAndItemsGiveUnrelatedStreams() {
		assertEquals(Seeds.stream(42, 7).nextLong(), Seeds.stream(42, 7).nextLong(), "reproducible");
		// seed * G + index made seed 43's stream seed 42's shifted by one draw
		SplittableRandom old42 = new SplittableRandom(42 * 0x9E3779B97F4A7C15L + 7), old43 = new SplittableRandom(43 * 0x9E3779B97F4A7C15L + 7);
		old42.nextLong();
		assertEquals(old42.nextLong(), old43.nextLong(), "the flaw this replaces");
		for (long seed = 0; seed < 50; seed++) {
			for (int item = 0; item < 20; item++) {
				SplittableRandom a = Seeds.stream(seed, item), b = Seeds.stream(seed + 1, item), c = Seeds.stream(seed, item + 1);
				long a0 = a.nextLong(), a1 = a.nextLong();
				long b0 = b.nextLong(), c0 = c.nextLong();
				assertNotEquals(a1, b0, "seed " + seed + " item " + item);
				assertNotEquals(a1, c0);
				assertNotEquals(a0, b0);
			}
		}
		// the first uniform draw of items 0..9999 of one seed is uniform (mean 1/2 within 4 standard errors)
		double mean = 0;
		for (int item = 0; item < 10_000; item++) mean += Seeds.stream(42, item).nextDouble() / 10_000;
		assertTrue(Math.abs(mean - 0.5) < 4 * Math.sqrt(1 / 12.0 / 10_000), "mean of first draws " + mean);
	}
}
