package org.conceptscope.verify;

import java.util.Random;
import java.util.function.Consumer;

import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;

/**
 * Inputs of an L-infinity ball that probe verified bounds: half drawn at random (half of those
 * on corners, where linear pieces take their extremes), half found by projected signed-gradient
 * steps that push the margin down and up from random starts (an attack gets much closer to the
 * true extremes than random points in thousands of dimensions). Every point visited is a sample.
 */
final class BallSamples {

	private BallSamples() {}

	/** Calls {@code check} with the logits [n, K] of each batch of samples; {@code total} samples in all. */
	static void logits(TensorFlowClassifier m, FloatTensor x, int target, double eps, int total, long seed, Consumer<FloatTensor> check) {
		Random r = new Random(seed);
		int per = x.size(), k = m.numClasses(), chunk = 500, steps = 10;
		int random = total / 2;
		for (int from = 0; from < random; from += chunk) {
			int n = Math.min(chunk, random - from);
			float[] batch = new float[n * per];
			for (int i = 0; i < n; i++) {
				boolean corner = i % 2 == 0;
				for (int j = 0; j < per; j++) {
					double d = corner ? (r.nextBoolean() ? 1 : -1) : 2 * r.nextDouble() - 1;
					batch[i * per + j] = inside(x.data()[j], d * eps, eps);
				}
			}
			check.accept(m.logits(tensor(x, n, batch)));
		}
		int starts = (total - random) / (2 * steps);
		for (int direction : new int[] { -1, 1 }) {
			float[] batch = new float[starts * per];
			for (int i = 0; i < starts; i++) for (int j = 0; j < per; j++) batch[i * per + j] = inside(x.data()[j], (2 * r.nextDouble() - 1) * eps, eps);
			for (int step = 0; step < steps; step++) {
				FloatTensor points = tensor(x, starts, batch);
				FloatTensor logits = m.logits(points);
				check.accept(logits);
				// gradient of logit_t - logit_j for the runner-up j: the piece of the margin that is active here
				FloatTensor weights = FloatTensor.zeros(starts, k);
				for (int i = 0; i < starts; i++) {
					int runnerUp = -1;
					for (int j = 0; j < k; j++) if (j != target && (runnerUp < 0 || logits.get(i, j) > logits.get(i, runnerUp))) runnerUp = j;
					weights.set(1f, i, target);
					weights.set(-1f, i, runnerUp);
				}
				float[] g = m.inputGradient(points, weights).data();
				double size = eps * 0.5 * Math.pow(0.1, step / (double) (steps - 1)); // eps/2 down to eps/20
				for (int i = 0; i < batch.length; i++) {
					double moved = batch[i] + direction * size * Math.signum(g[i]);
					double centre = x.data()[i % per];
					batch[i] = inside(centre, moved - centre, eps);
				}
			}
		}
	}

	/**
	 * The float nearest centre + offset that lies in [centre - eps, centre + eps] (offset clamped
	 * to +-eps): rounding to float must not put a sample outside the ball the bounds are for.
	 */
	static float inside(double centre, double offset, double eps) {
		double target = centre + Math.max(-eps, Math.min(eps, offset));
		float f = (float) target;
		if (f > centre + eps) f = Math.nextDown(f);
		if (f < centre - eps) f = Math.nextUp(f);
		return f;
	}

	private static FloatTensor tensor(FloatTensor x, int n, float[] data) {
		long[] shape = x.shape();
		shape[0] = n;
		return new FloatTensor(shape, data);
	}
}
