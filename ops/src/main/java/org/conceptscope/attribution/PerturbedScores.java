package org.conceptscope.attribution;

import java.util.stream.IntStream;

import org.conceptscope.model.Classifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;

/**
 * Scores of one target class on many perturbed copies of one image, streamed in batches: the
 * copies are generated on demand, a batch at a time ({@link Classifier#preferredBatchSize()}),
 * into one buffer reused for every batch, so memory is one batch whatever the number of
 * perturbations. Large batches are generated on all cores. The score is the target's logit or
 * probability ({@link TargetScore}).
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

	/** As above; {@code after} (may be null) is called after every batch. */
	static float[] of(Classifier classifier, TargetScore score, FloatTensor image, int target, int count,
		Perturbation perturbation, BatchScores after, Progress progress, long done, long total, String method) {
		int per = image.stride0();
		int batch = batchSize(classifier, count);
		float[] scores = new float[count];
		long[] shape = image.shape();
		float[] buffer = new float[batch * per];
		for (int from = 0; from < count; from += batch) {
			int to = Math.min(count, from + batch), f = from;
			float[] data = to - from == batch ? buffer : new float[(to - from) * per];
			IntStream indices = IntStream.range(from, to);
			if ((long) (to - from) * per >= PARALLEL_VALUES) indices = indices.parallel();
			indices.forEach(i -> perturbation.fill(i, data, (i - f) * per));
			shape[0] = to - from;
			FloatTensor probs = score.of(classifier, new FloatTensor(shape, data));
			int k = (int) probs.dim(1);
			for (int i = from; i < to; i++) scores[i] = probs.data()[(i - from) * k + target];
			if (after != null) after.accept(from, to, scores);
			GradientMaps.step(progress, done + to, total, method);
		}
		return scores;
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
