package org.conceptscope.util;

import java.util.concurrent.CancellationException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * A piece of background work made of independent items 0..n-1 (rows of dot products, SVM fits),
 * started on the common pool's threads after the stages it needs; whoever waits for it with
 * {@link #join()} takes the items nobody has started yet, so a caller waiting for the work adds
 * its own core instead of idling. Each item is done exactly once, by whichever thread claims it;
 * an item's result never depends on which thread did it. The first failure stops the remaining
 * items and is rethrown by {@link #join()} as it was thrown.
 */
public final class Stage {

	private final int items;
	private final IntConsumer body;
	private final Stage[] after;
	private final AtomicInteger next = new AtomicInteger(), finished = new AtomicInteger();
	private volatile Throwable failure;
	private volatile boolean stopped;

	private Stage(int items, IntConsumer body, Stage[] after) {
		this.items = items;
		this.body = body;
		this.after = after;
	}

	/** Starts items 0..items-1 of {@code body} in the background, each once {@code after} are all done. */
	public static Stage start(int items, IntConsumer body, Stage... after) {
		Stage s = new Stage(items, body, after.clone());
		ForkJoinPool pool = ForkJoinPool.commonPool();
		int helpers = Math.min(items, Math.max(1, pool.getParallelism()));
		for (int i = 0; i < helpers; i++) pool.execute(s::help);
		return s;
	}

	/** Waits for the stages this one needs (doing their open items), then does open items of this one. */
	private void help() {
		for (Stage a : after) {
			if (stopped) break;
			try {
				a.join();
			} catch (Throwable e) {
				fail(e);
			}
		}
		for (int i; (i = next.getAndIncrement()) < items;) {
			try {
				if (!stopped) body.accept(i);
			} catch (Throwable e) {
				fail(e);
			} finally {
				if (finished.incrementAndGet() == items) {
					synchronized (this) {
						notifyAll();
					}
				}
			}
		}
	}

	/**
	 * Does the items nobody has started, waits for the others, and rethrows the first failure.
	 *
	 * @throws CancellationException when interrupted while waiting (the interrupt stays set)
	 */
	public void join() {
		help();
		synchronized (this) {
			while (finished.get() < items) {
				try {
					wait();
				} catch (InterruptedException e) {
					Thread.currentThread().interrupt();
					stop();
					throw new CancellationException("Interrupted while waiting for background work.");
				}
			}
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
