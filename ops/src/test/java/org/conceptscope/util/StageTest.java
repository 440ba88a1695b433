package org.conceptscope.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

import org.junit.jupiter.api.Test;

/**
 * Background work in items: each item done once, after the stages it needs; a failure rethrown
 * as thrown; scratch space made once per thread that helps and never shared between threads.
 */
class StageTest {

	@Test
	void everyItemRunsOnceAfterTheStagesItNeeds() {
		int n = 200;
		AtomicIntegerArray firstDone = new AtomicIntegerArray(n), secondDone = new AtomicIntegerArray(n);
		Stage first = Stage.start(n, i -> {
			busy(i);
			firstDone.incrementAndGet(i);
		});
		AtomicInteger early = new AtomicInteger();
		Stage second = Stage.start(n, i -> {
			for (int k = 0; k < n; k++) if (firstDone.get(k) != 1) early.incrementAndGet();
			secondDone.incrementAndGet(i);
		}, first);
		second.join();
		for (int i = 0; i < n; i++) {
			assertEquals(1, firstDone.get(i), "item " + i + " of the first stage");
			assertEquals(1, secondDone.get(i), "item " + i + " of the second stage");
		}
		assertEquals(0, early.get(), "items of the second stage that saw the first unfinished");
	}

	@Test
	void aFailureIsRethrownAsThrown() {
		IllegalStateException thrown = new IllegalStateException("item 7 failed");
		Stage s = Stage.start(50, i -> {
			if (i == 7) throw thrown;
		});
		assertSame(thrown, assertThrows(IllegalStateException.class, s::join));
		// a stage after a failed one does not run its items, and fails the same way
		Stage t = Stage.start(4, i -> {
			throw new AssertionError("ran after a failed stage");
		}, s);
		assertSame(thrown, assertThrows(IllegalStateException.class, t::join));
	}

	@Test
	void eachThreadMakesItsScratchOnceAndKeepsItToItself() {
		int n = 400;
		Map<int[], Thread> owner = new ConcurrentHashMap<>();
		AtomicInteger made = new AtomicInteger(), shared = new AtomicInteger(), done = new AtomicInteger();
		Stage s = Stage.start(n, () -> {
			made.incrementAndGet();
			return new int[1];
		}, (int[] scratch, int i) -> {
			Thread me = Thread.currentThread();
			if (owner.putIfAbsent(scratch, me) != null && owner.get(scratch) != me) shared.incrementAndGet();
			scratch[0]++;
			busy(i);
			done.incrementAndGet();
		});
		s.join();
		assertEquals(n, done.get());
		assertEquals(0, shared.get(), "items that got another thread's scratch");
		// one per thread that did items: the pool's helpers and the caller at most
		assertTrue(made.get() >= 1 && made.get() <= Runtime.getRuntime().availableProcessors() + 1, made.get() + " scratch spaces made");
		assertEquals(n, owner.keySet().stream().mapToInt(a -> a[0]).sum(), "items counted in their threads' scratch");
	}

	private static double sink;

	/** A few microseconds of work, so that more than one thread gets items. */
	private static void busy(int i) {
		double s = i;
		for (int k = 0; k < 2000; k++) s = Math.sqrt(s + k);
		sink += s;
	}

	/**
	 * Esc in a join that reports stops the stage as a failure: the stage after it, which waited on it,
	 * fails too instead of running on its partial results.
	 */
	@Test
	void aStageStoppedInItsJoinFailsTheStagesAfterIt() {
		AtomicInteger after = new AtomicInteger();
		Stage first = Stage.start(200, i -> {
			try {
				Thread.sleep(1);
			} catch (InterruptedException e) {
				Thread.currentThread().interrupt();
			}
		});
		Stage second = Stage.start(10, i -> after.incrementAndGet(), first);
		assertThrows(java.util.concurrent.CancellationException.class, () -> first.join(done -> done < 3));
		assertThrows(java.util.concurrent.CancellationException.class, second::join);
		assertEquals(0, after.get(), "no item of the stage after ran");
	}
}
