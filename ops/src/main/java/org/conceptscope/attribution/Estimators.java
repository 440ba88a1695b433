package org.conceptscope.attribution;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * One background thread for the per-image estimation step of a perturbation method (HSIC's
 * kernel sums, LIME's and Kernel SHAP's regressions): image i's estimate is computed while the
 * model scores image i + 1's perturbed copies, instead of the model waiting for it. Tasks run in
 * submission order; {@link #close()} waits for all of them and rethrows the first failure.
 */
final class Estimators implements AutoCloseable {

	private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
		Thread t = new Thread(r, "conceptscope-estimator");
		t.setDaemon(true);
		return t;
	});
	private final List<Future<?>> pending = new ArrayList<>();

	void submit(Runnable task) {
		pending.add(thread.submit(task));
	}

	/** Waits for every submitted task; the first failure is rethrown. */
	void finish() {
		try {
			for (Future<?> f : pending) {
				try {
					f.get();
				} catch (InterruptedException e) {
					Thread.currentThread().interrupt();
					throw new CancellationException("Interrupted while waiting for the estimates.");
				} catch (ExecutionException e) {
					if (e.getCause() instanceof RuntimeException r) throw r;
					if (e.getCause() instanceof Error err) throw err;
					throw new IllegalStateException(e.getCause());
				}
			}
		} finally {
			pending.clear();
		}
	}

	/** Stops the thread; tasks not yet finished are abandoned (after {@link #finish()} there are none). */
	@Override
	public void close() {
		thread.shutdownNow();
	}
}
