package org.conceptscope.attribution;

import org.conceptscope.model.Classifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;

/**
 * Scores of one target class on many perturbed copies of one image, streamed in chunks: the
 * copies are generated on demand, so memory is one chunk whatever the number of perturbations.
 * The score is the target's logit or probability ({@link TargetScore}).
 */
final class PerturbedScores {

	/** Default number of perturbed copies per model call. */
	static final int CHUNK = 64;

	/** Writes perturbed copy {@code index} of the image into {@code out} (HWC, image-sized). */
	@FunctionalInterface
	interface Perturbation {
		void fill(int index, float[] out);
	}

	private PerturbedScores() {}

	/**
	 * @param image [1, H, W, C]
	 * @param done, total progress offset and total for the caller's whole job
	 */
	static float[] of(Classifier classifier, TargetScore score, FloatTensor image, int target, int count,
		Perturbation perturbation, Progress progress, long done, long total, String method) {
		int per = image.stride0();
		float[] scores = new float[count];
		long[] shape = image.shape();
		for (int from = 0; from < count; from += CHUNK) {
			int to = Math.min(count, from + CHUNK);
			float[] batch = new float[(to - from) * per];
			float[] one = new float[per];
			for (int i = from; i < to; i++) {
				perturbation.fill(i, one);
				System.arraycopy(one, 0, batch, (i - from) * per, per);
			}
			shape[0] = to - from;
			FloatTensor probs = score.of(classifier, new FloatTensor(shape, batch));
			int k = (int) probs.dim(1);
			for (int i = from; i < to; i++) scores[i] = probs.data()[(i - from) * k + target];
			GradientMaps.step(progress, done + to, total, method);
		}
		return scores;
	}

	/** Score of the target for the unperturbed image. */
	static float clean(Classifier classifier, TargetScore score, FloatTensor image, int target) {
		return score.of(classifier, image).data()[target];
	}
}
