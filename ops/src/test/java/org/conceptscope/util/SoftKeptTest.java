package org.conceptscope.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

/** A kept value comes back for an equal key only, is made once per key change, and is replaced by the next key's. */
class SoftKeptTest {

	@Test
	void anEqualKeyGetsTheKeptValueAnotherKeyMakesANewOne() {
		SoftKept<List<Integer>, int[]> kept = new SoftKept<>();
		AtomicInteger made = new AtomicInteger();
		assertNull(kept.get(List.of(3, 4)), "nothing kept yet");
		int[] first = kept.get(List.of(3, 4), () -> new int[] { made.incrementAndGet() });
		assertSame(first, kept.get(List.of(3, 4), () -> new int[] { made.incrementAndGet() }), "an equal key (another list) gets the same value");
		assertEquals(1, made.get());
		int[] other = kept.get(List.of(4, 3), () -> new int[] { made.incrementAndGet() });
		assertEquals(2, other[0], "another key makes its own value");
		assertNull(kept.get(List.of(3, 4)), "which replaces the first");
		kept.keep(List.of(5, 5), first);
		assertSame(first, kept.get(List.of(5, 5)));
		assertThrows(NullPointerException.class, () -> kept.keep(null, first));
	}
}
