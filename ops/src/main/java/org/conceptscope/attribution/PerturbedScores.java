package org.conceptscope.attribution;

import java.util.concurrent.CancellationException;
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

	/** Sees the scores of copies [from, to) right after they are computed, while the batch's state is current. */
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
	 * the copies of batch b+1 are generated (on other threads) while the model runs batch b, and
	 * {@code after} for batch b runs before the copies of batch b+2 are generated. State kept per
	 * batch can therefore be double-buffered by {@code (index / batchSize) % 2}.
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

		/** The scores of this image's copies [from, to) are known (called on the caller's thread after each batch). */
		default void scored(int from, int to, float[] scores) {}

		/** All of this image's scores are known (called on the caller's thread after its last batch); the array is the image's own. */
		void done(float[] scores);
	}

	/**
	 * Scores of {@code count} perturbed copies of every image of {@code images} [N, H, W, C] for its
	 * target, in batches that never mix images (the same model calls as one {@link #of} per image),
	 * pipelined across images: image i + 1's job ({@code jobs.apply(i + 1)}, made on another thread)
	 * and its first batch of copies are generated while the model runs image i's last batch, so the
	 * model does not wait at every image. Global batch q's copies are generated while the model runs
	 * batch q - 1, and {@link ImageJob#scored} for batch q runs before batch q + 2's copies are
	 * generated: state kept per batch can be double-buffered by global batch parity.
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

	private record Filled(ImageJob job, float[] data) {}

	private static void run(Classifier classifier, TargetScore score, FloatTensor images, int[] targets, int count,
		IntFunction<ImageJob> jobs, Progress progress, long done, long total, String method) {
		int n = (int) images.dim(0), per = images.stride0();
		int batch = batchSize(classifier, count), perImage = (count + batch - 1) / batch, batches = n * perImage;
		long[] shape = images.shape();
		float[][] buffers = { new float[batch * per], batches > 1 ? new float[batch * per] : null };
		Future<Filled> next = fillAsync(jobs, null, 0, 0, Math.min(count, batch), per, batch, buffers[0]);
		float[] scores = new float[count];
		try {
			for (int q = 0; q < batches; q++) {
				int i = q / perImage, from = (q % perImage) * batch, to = Math.min(count, from + batch);
				Filled filled = await(next);
				ImageJob job = filled.job();
				int nq = q + 1;
				if (nq < batches) {
					int ni = nq / perImage, nFrom = (nq % perImage) * batch, nTo = Math.min(count, nFrom + batch);
					next = fillAsync(jobs, ni == i ? job : null, ni, nFrom, nTo, per, batch, buffers[nq % 2]);
				} else {
					next = null;
				}
				shape[0] = to - from;
				FloatTensor probs = score.of(classifier, new FloatTensor(shape, filled.data()));
				int k = (int) probs.dim(1), target = targets[i];
				for (int c = from; c < to; c++) scores[c] = probs.data()[(c - from) * k + target];
				job.scored(from, to, scores);
				if (to == count) {
					job.done(scores);
					if (i + 1 < n) scores = new float[count];
				}
				GradientMaps.step(progress, done + (long) i * count + to, total, method);
			}
		} finally {
			if (next != null) {
				next.cancel(false);
				try {
					next.get();
				} catch (InterruptedException e) {
					Thread.currentThread().interrupt();
				} catch (ExecutionException | CancellationException e) {
					// the batch is not needed any more
				}
			}
		}
	}

	/**
	 * Generates image {@code image}'s copies [from, to) into the buffer (or an exact-size array for a
	 * short batch) on the common pool, making the image's job first when {@code job} is null.
	 */
	private static Future<Filled> fillAsync(IntFunction<ImageJob> jobs, ImageJob job, int image, int from, int to, int per, int batch,
		float[] buffer) {
		return ForkJoinPool.commonPool().submit(() -> {
			ImageJob j = job != null ? job : jobs.apply(image);
			float[] data = to - from == batch ? buffer : new float[(to - from) * per];
			IntStream indices = IntStream.range(from, to);
			if ((long) (to - from) * per >= PARALLEL_VALUES) indices = indices.parallel();
			indices.forEach(c -> j.fill(c, data, (c - from) * per));
			return new Filled(j, data);
		});
	}

	private static <T> T await(Future<T> f) {
		try {
			return f.get();
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			throw new CancellationException("Interrupted while generating perturbed copies.");
		} catch (ExecutionException e) {
			if (e.getCause() instanceof RuntimeException r) throw r;
			if (e.getCause() instanceof Error err) throw err;
			throw new IllegalStateException(e.getCause());
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
