package org.conceptscope.attribution;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.Future;
import java.util.function.IntFunction;
import java.util.stream.IntStream;

import org.conceptscope.model.Classifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;

/**
 * Scores of one target class on many perturbed copies of one image, streamed in batches: the
 * copies are generated on demand, a batch at a time ({@link Classifier#preferredBatchSize()}),
 * into two buffers reused for every batch, so memory is two batches whatever the number of
 * perturbations. The next batch is generated while the model runs the current one, on all cores
 * when it is large. The score is the target's logit or probability ({@link TargetScore}).
 */
final class PerturbedScores {

	/** Below this many values per batch, generating copies in parallel costs more than it saves. */
	private static final int PARALLEL_VALUES = 1 << 15;

	/**
	 * Writes perturbed copy {@code index} of the image into {@code out} at {@code offset} (HWC,
	 * image-sized). Called from several threads at once for different indices: implementations
	 * keep no shared mutable state.
	 */
	@FunctionalInterface
	interface Perturbation {
		void fill(int index, float[] out, int offset);
	}

	/** Sees the scores of copies [from, to) after they are computed, while the batch's state is current (in batch order, on a worker thread). */
	@FunctionalInterface
	interface BatchScores {
		void accept(int from, int to, float[] scores);
	}

	private PerturbedScores() {}

	/**
	 * @param image [1, H, W, C]
	 * @param done, total progress offset and total for the caller's whole job
	 */
	static float[] of(Classifier classifier, TargetScore score, FloatTensor image, int target, int count,
		Perturbation perturbation, Progress progress, long done, long total, String method) {
		return of(classifier, score, image, target, count, perturbation, null, progress, done, total, method);
	}

	/**
	 * As above; {@code after} (may be null) is called after every batch. Batches are pipelined:
	 * the copies of batch b+1 are generated and {@code after} for batch b-1 runs (on a worker thread)
	 * while the model runs batch b, and {@code after} for batch b runs before the copies of batch b+2
	 * are generated. State kept per batch can therefore be double-buffered by {@code (index / batchSize) % 2}.
	 */
	static float[] of(Classifier classifier, TargetScore score, FloatTensor image, int target, int count,
		Perturbation perturbation, BatchScores after, Progress progress, long done, long total, String method) {
		float[][] result = new float[1][];
		run(classifier, score, image, new int[] { target }, count, i -> new ImageJob() {
			@Override
			public void fill(int index, float[] out, int offset) {
				perturbation.fill(index, out, offset);
			}

			@Override
			public void scored(int from, int to, float[] scores) {
				if (after != null) after.accept(from, to, scores);
			}

			@Override
			public void done(float[] scores) {
				result[0] = scores;
			}
		}, progress, done, total, method);
		return result[0];
	}

	/** One image's perturbed copies in a {@link #stream} over several images. */
	interface ImageJob {
		/** Writes copy {@code index} of this image (see {@link Perturbation#fill}); called from several threads at once. */
		void fill(int index, float[] out, int offset);

		/**
		 * The scores of this image's copies [from, to) are known. Called in batch order, one call at a
		 * time, on a worker thread (or on the caller's while it waits for that thread) while the model scores
		 * the next batch, so it must not call the model.
		 */
		default void scored(int from, int to, float[] scores) {}

		/**
		 * All of this image's scores are known (called after its last {@link #scored}); the array is the
		 * image's own. Runs on a worker thread, in image order, while the model scores the next image,
		 * unless {@link #doneCallsModel()}: then on the caller's thread.
		 */
		void done(float[] scores);

		/**
		 * How many of the {@code count} copies to score, 1 to count: copies from there on carry no
		 * information for this image (Kernel SHAP's weight-0 repeats once every coalition is
		 * enumerated), are neither generated nor scored, and keep a score of 0. All by default.
		 */
		default int scoredCopies(int count) {
			return count;
		}

		/** Whether {@link #done} calls the model (which only the caller's thread may do). */
		default boolean doneCallsModel() {
			return false;
		}
	}

	/**
	 * Scores of {@code count} perturbed copies of every image of {@code images} [N, H, W, C] for its
	 * target, in batches that never mix images (the same model calls as one {@link #of} per image),
	 * pipelined: while the model runs global batch q, a worker thread generates batch q + 1's copies
	 * (making image i + 1's job, {@code jobs.apply(i + 1)}, first when batch q + 1 starts it) after it
	 * has handed batch q - 1's scores to {@link ImageJob#scored} (and {@link ImageJob#done} when that
	 * batch ended an image). So {@code scored} for batch q always runs before batch q + 2's copies are
	 * generated: state kept per batch can be double-buffered by global batch parity. The scores and
	 * the order of the {@code scored} and {@code done} calls are those of a plain loop over batches.
	 */
	static void stream(Classifier classifier, TargetScore score, FloatTensor images, int[] targets, int count,
		IntFunction<ImageJob> jobs, Progress progress, String method) {
		int n = (int) images.dim(0);
		run(classifier, score, images, targets, count, jobs, progress, 0, (long) n * count, method);
	}

	/** Batches of one image's copies: {@code ceil(count / batchSize)}. */
	static int batchesPerImage(Classifier classifier, int count) {
		int batch = batchSize(classifier, count);
		return (count + batch - 1) / batch;
	}

	/** Copies [from, to) of image {@code image}, whose job scores {@code count} copies. */
	private record Filled(ImageJob job, float[] data, int image, int from, int to, int count) {}

	private static void run(Classifier classifier, TargetScore score, FloatTensor images, int[] targets, int count,
		IntFunction<ImageJob> jobs, Progress progress, long done, long total, String method) {
		int n = (int) images.dim(0), per = images.stride0();
		int batch = batchSize(classifier, count), perImage = (count + batch - 1) / batch, batches = n * perImage;
		long[] shape = images.shape();
		float[][] buffers = { new float[batch * per], batches > 1 ? new float[batch * per] : null };
		// batch q - 1's scored (and done) calls, made by the task that then generates batch q + 1's copies
		Runnable pending = null;
		Future<Filled> next = fillAsync(jobs, null, 0, 0, count, -1, per, batch, buffers[0], null);
		float[] scores = new float[count];
		boolean failed = true;
		try {
			// an image's batches end where its job's scored copies end (ImageJob.scoredCopies), so the
			// batches are planned one at a time: the next starts where this one ended, or at the next image
			for (int q = 0;; q++) {
				Filled filled = await(next);
				ImageJob job = filled.job();
				int i = filled.image(), from = filled.from(), to = filled.to(), imageCount = filled.count();
				boolean last = to == imageCount;
				int ni = last ? i + 1 : i;
				if (ni < n) {
					// batch q + 1 reuses batch q - 1's buffer and slots: generated after batch q - 1's scores are handed over
					next = fillAsync(jobs, last ? null : job, ni, last ? 0 : to, count, last ? -1 : imageCount, per, batch, buffers[(q + 1) % 2],
						pending);
				} else {
					next = pending == null ? null : handAsync(pending);
				}
				pending = null;
				shape[0] = to - from;
				FloatTensor probs = score.of(classifier, new FloatTensor(shape, filled.data()));
				int k = (int) probs.dim(1), target = targets[i];
				for (int c = from; c < to; c++) scores[c] = probs.data()[(c - from) * k + target];
				float[] imageScores = scores;
				Runnable hand = () -> {
					job.scored(from, to, imageScores);
					if (last) job.done(imageScores);
				};
				if (last && job.doneCallsModel()) {
					// on this thread, after batch q - 1's calls (made by the task generating batch q + 1)
					if (next != null) {
						Future<Filled> generated = next;
						Filled ready = await(generated);
						next = CompletableFuture.completedFuture(ready);
					}
					hand.run();
				} else {
					pending = hand;
				}
				if (last && i + 1 < n) scores = new float[count];
				// an image's copies left unscored count as done
				GradientMaps.step(progress, done + (long) i * count + (last ? count : to), total, method);
				if (last && i + 1 == n) break;
			}
			if (next != null) await(next);
			if (pending != null) pending.run();
			next = null;
			failed = false;
		} finally {
			if (failed && next != null) {
				next.cancel(false);
				quietly(next);
			}
		}
	}

	/** Batch scores handed over on the common pool (the last batch's predecessor, with no copies left to generate). */
	private static Future<Filled> handAsync(Runnable hand) {
		return ForkJoinPool.commonPool().submit(() -> {
			hand.run();
			return (Filled) null;
		});
	}

	/** Waits for a task that is no longer needed, ignoring how it ended. */
	private static void quietly(Future<?> f) {
		if (f == null) return;
		try {
			f.get();
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
		} catch (ExecutionException | CancellationException e) {
			// not needed any more
		}
	}

	/**
	 * Generates image {@code image}'s next batch of copies, from {@code from} to at most its scored
	 * copies ({@code imageCount}, or asked of the job when it is made here: -1), into the buffer (or an
	 * exact-size array for a short batch) on the common pool, making the image's job first when
	 * {@code job} is null.
	 */
	private static Future<Filled> fillAsync(IntFunction<ImageJob> jobs, ImageJob job, int image, int from, int count, int imageCount, int per,
		int batch, float[] buffer, Runnable before) {
		return ForkJoinPool.commonPool().submit(() -> {
			if (before != null) before.run();
			ImageJob j = job != null ? job : jobs.apply(image);
			int scored = imageCount >= 0 ? imageCount : j.scoredCopies(count);
			if (scored < 1 || scored > count) throw new IllegalStateException("An image job asked to score " + scored + " of " + count + " copies.");
			int to = Math.min(scored, from + batch);
			float[] data = to - from == batch ? buffer : new float[(to - from) * per];
			IntStream indices = IntStream.range(from, to);
			if ((long) (to - from) * per >= PARALLEL_VALUES) indices = indices.parallel();
			indices.forEach(c -> j.fill(c, data, (c - from) * per));
			return new Filled(j, data, image, from, to, scored);
		});
	}

	private static <T> T await(Future<T> f) {
		try {
			return f.get();
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			throw new CancellationException("Interrupted while generating perturbed copies.");
		} catch (ExecutionException e) {
			Throwable cause = e.getCause() instanceof java.util.concurrent.CompletionException c && c.getCause() != null ? c.getCause() : e.getCause();
			// ForkJoinTask.get() may rethrow another thread's exception as a copy of its class wrapping it,
			// whose message is "java.lang.IllegalArgumentException: ...": the original is the one to show
			if (cause != null && cause.getCause() != null && cause.getCause().getClass() == cause.getClass()
				&& java.util.Objects.equals(cause.getMessage(), cause.getCause().toString())) cause = cause.getCause();
			if (cause instanceof RuntimeException r) throw r;
			if (cause instanceof Error err) throw err;
			throw new IllegalStateException(cause);
		}
	}

	/** Copies generated per model call: the classifier's preferred batch, no more than needed. */
	static int batchSize(Classifier classifier, int count) {
		return Math.max(1, Math.min(count, classifier.preferredBatchSize()));
	}

	/** Score of the target for the unperturbed image. */
	static float clean(Classifier classifier, TargetScore score, FloatTensor image, int target) {
		return score.of(classifier, image).data()[target];
	}
}
