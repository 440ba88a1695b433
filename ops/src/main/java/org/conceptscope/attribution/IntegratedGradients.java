package org.conceptscope.attribution;

import java.util.Arrays;
import java.util.Locale;

import org.conceptscope.model.Classifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Limits;
import org.conceptscope.util.Progress;

/**
 * Integrated Gradients (Sundararajan et al. 2017): (x - x0) times the mean gradient along the
 * straight path from a constant baseline x0 to x, by the midpoint rule with {@code steps} points,
 * summed over channels. Completeness: the map sums to f(x) - f(x0) as steps grow.
 * One image at a time, path points in batches of the classifier's preferred size, so memory
 * stays one batch of points whatever the number of steps or the stack length.
 */
public final class IntegratedGradients implements AttributionMethod {

	private final int steps;
	private final float baseline;

	/** @param baseline constant baseline value in normalised input units (0: black after unit_range) */
	public IntegratedGradients(int steps, float baseline) {
		if (steps < 1) throw new IllegalArgumentException("Integrated Gradients needs at least 1 step, got " + steps + ".");
		Limits.passes("Integrated Gradients", "steps", steps);
		if (!Float.isFinite(baseline)) throw new IllegalArgumentException("The baseline must be a finite number.");
		this.steps = steps;
		this.baseline = baseline;
	}

	@Override
	public boolean needsGradients() {
		return true;
	}

	@Override
	public String name() {
		return "integrated_gradients";
	}

	@Override
	public Attribution explain(Classifier classifier, FloatTensor images, int[] targets, Progress progress) {
		int[] resolved = AttributionMethod.resolveTargets(classifier, images, targets);
		int n = (int) images.dim(0), per = images.stride0();
		int batch = Math.max(1, Math.min(steps, classifier.preferredBatchSize()));
		float[] out = new float[n * per];
		// Buffers reused for every batch of path points and every image.
		float[] path = new float[batch * per];
		double[] sum = new double[per];
		for (int i = 0; i < n; i++) {
			int base = i * per;
			float[] x = images.data();
			Arrays.fill(sum, 0);
			for (int from = 0; from < steps; from += batch) {
				int to = Math.min(steps, from + batch);
				float[] points = to - from == batch ? path : new float[(to - from) * per];
				for (int s = from; s < to; s++) {
					float alpha = (s + 0.5f) / steps;
					int o = (s - from) * per;
					for (int p = 0; p < per; p++) points[o + p] = baseline + alpha * (x[base + p] - baseline);
				}
				long[] shape = images.shape();
				shape[0] = to - from;
				int[] t = new int[to - from];
				Arrays.fill(t, resolved[i]);
				float[] g = classifier.inputGradient(new FloatTensor(shape, points), FloatTensor.oneHot(t, classifier.numClasses())).data();
				for (int s = 0; s < to - from; s++) {
					int o = s * per;
					for (int p = 0; p < per; p++) sum[p] += g[o + p];
				}
			}
			for (int p = 0; p < per; p++) out[base + p] = (float) ((x[base + p] - baseline) * sum[p] / steps);
			GradientMaps.step(progress, i + 1, n, name());
		}
		return new Attribution(GradientMaps.sumChannels(new FloatTensor(images.shape(), out)), resolved,
			AttributionMethod.metadata(classifier, name(), resolved, "steps", Integer.toString(steps), "baseline", String.format(Locale.ROOT, "%s", baseline)));
	}
}
