package org.conceptscope.attribution;

import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.Future;
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
		int per = image.stride0();
		int batch = batchSize(classifier, count);
		float[] scores = new float[count];
		long[] shape = image.shape();
		float[][] buffers = { new float[batch * per], count > batch ? new float[batch * per] : null };
		Future<float[]> next = fillAsync(perturbation, 0, Math.min(count, batch), per, batch, buffers[0]);
		try {
			for (int b = 0, from = 0; from < count; b++, from += batch) {
				int to = Math.min(count, from + batch);
				float[] data = await(next);
				int nextFrom = to, nextTo = Math.min(count, nextFrom + batch);
				next = nextFrom < count ? fillAsync(perturbation, nextFrom, nextTo, per, batch, buffers[(b + 1) % 2]) : null;
				shape[0] = to - from;
				FloatTensor probs = score.of(classifier, new FloatTensor(shape, data));
				int k = (int) probs.dim(1);
				for (int i = from; i < to; i++) scores[i] = probs.data()[(i - from) * k + target];
				if (after != null) after.accept(from, to, scores);
				GradientMaps.step(progress, done + to, total, method);
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
		return scores;
	}

	/** Generates copies [from, to) into the buffer (or an exact-size array for a short last batch) on the common pool. */
	private static Future<float[]> fillAsync(Perturbation perturbation, int from, int to, int per, int batch, float[] buffer) {
		return ForkJoinPool.commonPool().submit(() -> {
			float[] data = to - from == batch ? buffer : new float[(to - from) * per];
			IntStream indices = IntStream.range(from, to);
			if ((long) (to - from) * per >= PARALLEL_VALUES) indices = indices.parallel();
			indices.forEach(i -> perturbation.fill(i, data, (i - from) * per));
			return data;
		});
	}

	private static float[] await(Future<float[]> f) {
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
