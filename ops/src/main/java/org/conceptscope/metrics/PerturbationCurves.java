package org.conceptscope.metrics;

import org.conceptscope.model.Classifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;

/**
 * The loop shared by deletion and insertion: image i at step s shows the top
 * round(s / steps * pixels) pixels of its ranking (equal values in a random order drawn from
 * {@code tieSeed}) from {@code revealed} and all others from
 * {@code initial} (every channel of a pixel together); the curve is the target class
 * probability at steps 0..steps. Perturbed images are built and classified {@code batchSize} at a
 * time, and an image's ranking is dropped once its last step is built, so memory does not grow
 * with steps or with the number of images (beyond the curves themselves).
 */
final class PerturbationCurves {

	private PerturbationCurves() {}

	/**
	 * Refuses, before any model call, more steps than the images have pixels ({@link org.conceptscope.attribution.InputBound#STEPS}):
	 * a step would then change no pixel and the curve only repeat its points. The images are the model's inputs, so their size is
	 * the model's fixed input or, for a model that takes any size, the image's.
	 */
	static void checkSteps(String metric, int steps, Classifier classifier, FloatTensor images) {
		if (images == null || images.rank() != 4) return; // MetricInputs.check words a wrong shape
		org.conceptscope.attribution.InputBound.STEPS.check(metric, steps, classifier, images.dim(1), images.dim(2));
	}

	static double[][] probabilities(Classifier classifier, FloatTensor initial, FloatTensor revealed, FloatTensor maps,
		int[] targets, int steps, int batchSize, long tieSeed, Progress progress, String metric) {
		int n = (int) initial.dim(0), c = (int) initial.dim(3), per = initial.stride0(), pixels = per / c;
		int points = steps + 1;
		long total = (long) n * points;
		int[][] orders = new int[n][];
		double[][] curves = new double[n][points];
		float[] init = initial.data(), rev = revealed.data();
		for (long from = 0; from < total; from += batchSize) {
			int size = (int) Math.min(batchSize, total - from);
			float[] batch = new float[size * per];
			for (int b = 0; b < size; b++) {
				int i = (int) ((from + b) / points), s = (int) ((from + b) % points);
				if (orders[i] == null) orders[i] = PixelRanking.descending(maps, i, tieSeed);
				System.arraycopy(init, i * per, batch, b * per, per);
				int count = (int) Math.round((double) s * pixels / steps);
				for (int k = 0; k < count; k++) {
					int p = orders[i][k] * c;
					System.arraycopy(rev, i * per + p, batch, b * per + p, c);
				}
				if (s == steps) orders[i] = null; // its last image is built: at most a batch's images hold a ranking
			}
			long[] shape = initial.shape();
			shape[0] = size;
			FloatTensor probs = classifier.probabilities(new FloatTensor(shape, batch));
			for (int b = 0; b < size; b++) {
				int i = (int) ((from + b) / points), s = (int) ((from + b) % points);
				curves[i][s] = probs.get(b, targets[i]);
			}
			MetricSteps.report(progress, from + size, total, metric);
		}
		return curves;
	}
}
