package org.conceptscope.util;

import java.util.concurrent.CancellationException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import java.util.function.IntPredicate;
import java.util.function.Supplier;

/**
 * A piece of background work made of independent items 0..n-1 (rows of dot products, SVM fits),
 * started on the common pool's threads after the stages it needs; whoever waits for it with
 * {@link #join()} takes the items nobody has started yet, so a caller waiting for the work adds
 * its own core instead of idling. Each item is done exactly once, by whichever thread claims it;
 * an item's result never depends on which thread did it. The first failure stops the remaining
 * items and is rethrown by {@link #join()} as it was thrown. Items may share scratch space per
 * thread ({@link #start(int, Supplier, Item, Stage...)}): each thread that helps makes its own once
 * and hands it to every item it does.
 */
public final class Stage {

	/** One item, given the scratch space of the thread that does it. */
	@FunctionalInterface
	public interface Item<S> {
		void run(S scratch, int item);
	}

	/** How long {@link #join()} spins for the running items before it sleeps. */
	private static final long SPIN_NANOS = 50_000;

	private final int items;
	private final Supplier<?> scratch;
	private final Item<Object> body;
	private final Stage[] after;
	private final AtomicInteger next = new AtomicInteger(), finished = new AtomicInteger();
	private volatile Throwable failure;
	private volatile boolean stopped;

	@SuppressWarnings("unchecked")
	private <S> Stage(int items, Supplier<S> scratch, Item<S> body, Stage[] after) {
		this.items = items;
		this.scratch = scratch;
		this.body = (Item<Object>) body;
		this.after = after;
	}

	/** Starts items 0..items-1 of {@code body} in the background, each once {@code after} are all done. */
	public static Stage start(int items, IntConsumer body, Stage... after) {
		return start(items, () -> null, (none, i) -> body.accept(i), after);
	}

	/**
	 * As {@link #start(int, IntConsumer, Stage...)}, each thread that does items making its scratch
	 * space once with {@code scratch} (items that need large temporary arrays reuse them, which are
	 * then in the cache, instead of allocating them anew).
	 */
	public static <S> Stage start(int items, Supplier<S> scratch, Item<S> body, Stage... after) {
		Stage s = new Stage(items, scratch, body, after.clone());
		ForkJoinPool pool = ForkJoinPool.commonPool();
		int helpers = Math.min(items, Math.max(1, pool.getParallelism()));
		for (int i = 0; i < helpers; i++) pool.execute(s::help);
		return s;
	}

	/** Waits for the stages this one needs (doing their open items), then does open items of this one. */
	private void help() {
		help(null);
	}

	/** As above, asking {@code goOn} (given the items finished so far) after each item this thread does; false stops the stage. */
	private void help(IntPredicate goOn) {
		for (Stage a : after) {
			if (stopped) break;
			try {
				a.join();
			} catch (Throwable e) {
				fail(e);
			}
		}
		Object space = null;
		boolean made = false;
		for (int i; (i = next.getAndIncrement()) < items;) {
			try {
				if (!stopped) {
					if (!made) {
						space = scratch.get();
						made = true;
					}
					body.run(space, i);
				}
			} catch (Throwable e) {
				fail(e);
			} finally {
				if (finished.incrementAndGet() == items) {
					synchronized (this) {
						notifyAll();
					}
				}
			}
			if (goOn != null && !stopped && !goOn.test(finished.get())) throw stopped();
		}
	}

	/**
	 * Stops the stage as a failure, so the stages after it fail instead of running on its partial
	 * results, and returns the exception the caller throws.
	 */
	private CancellationException stopped() {
		CancellationException e = new CancellationException("Stopped after " + finished.get() + " of " + items + " items.");
		fail(e);
		return e;
	}

	/**
	 * Does the items nobody has started, waits for the others, and rethrows the first failure.
	 *
	 * @throws CancellationException when interrupted while waiting (the interrupt stays set)
	 */
	public void join() {
		join(null);
	}

	/**
	 * {@link #join()}, asking {@code goOn} after each item the caller does, and every 100 ms while it
	 * waits for items the pool's threads do, with the number of items finished so far (to report
	 * progress); false stops the items not yet started, and the stages after this one fail.
	 *
	 * @throws CancellationException when {@code goOn} says stop (items already running go on: {@link #cancel()} waits for them)
	 */
	public void join(IntPredicate goOn) {
		help(goOn);
		// only items already running are left, usually shorter than sleeping and being woken (two
		// thread switches): spin a little first (on TCAV's known-answer row, a third fewer thread
		// switches and the replayed run's best time 0.34 -> 0.28 ms, measured)
		for (long end = System.nanoTime() + SPIN_NANOS; finished.get() < items && System.nanoTime() < end;) Thread.onSpinWait();
		while (finished.get() < items) {
			synchronized (this) {
				try {
					if (finished.get() < items) wait(goOn == null ? 0 : 100);
				} catch (InterruptedException e) {
					Thread.currentThread().interrupt();
					stop();
					throw new CancellationException("Interrupted while waiting for background work.");
				}
			}
			// asked outside the lock: reporting may take its time, and the items' threads need the lock to say they are done
			if (goOn != null && finished.get() < items && !stopped && !goOn.test(finished.get())) throw stopped();
		}
		Throwable f = failure;
		if (f instanceof RuntimeException r) throw r;
		if (f instanceof Error e) throw e;
		if (f != null) throw new IllegalStateException(f);
	}

	/** Items not yet started are skipped (a failure elsewhere, or the caller gave up). */
	public void stop() {
		stopped = true;
	}

	/**
	 * Stops the items not yet started and waits for those already running, so that none of this
	 * stage's work goes on after it returns (for a caller that fails or gives up). An interrupt while
	 * waiting is kept for the caller; the items are short.
	 *
	 * @return the stage's first failure, or null (the caller's own exception is usually the one to
	 *         throw, with this one added as suppressed)
	 */
	public Throwable cancel() {
		stop();
		help();
		boolean interrupted = false;
		synchronized (this) {
			while (finished.get() < items) {
				try {
					wait();
				} catch (InterruptedException e) {
					interrupted = true;
				}
			}
		}
		if (interrupted) Thread.currentThread().interrupt();
		return failure;
	}

	private synchronized void fail(Throwable e) {
		if (failure == null) failure = e;
		stopped = true;
	}
}
