package org.conceptscope.attribution;

import java.util.Arrays;
import java.util.Locale;

import org.conceptscope.model.Classifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;

/**
 * Integrated Gradients (Sundararajan et al. 2017): (x - x0) times the mean gradient along the
 * straight path from a constant baseline x0 to x, by the midpoint rule with {@code steps} points,
 * summed over channels. Completeness: the map sums to f(x) - f(x0) as steps grow.
 * One image at a time, so memory stays at steps x one image whatever the stack length.
 */
public final class IntegratedGradients implements AttributionMethod {

	private final int steps;
	private final float baseline;

	/** @param baseline constant baseline value in normalised input units (0: black after unit_range) */
	public IntegratedGradients(int steps, float baseline) {
		if (steps < 1) throw new IllegalArgumentException("Integrated Gradients needs at least 1 step, got " + steps + ".");
		if (!Float.isFinite(baseline)) throw new IllegalArgumentException("The baseline must be a finite number.");
		this.steps = steps;
		this.baseline = baseline;
	}

	@Override
	public String name() {
		return "integrated_gradients";
	}

	@Override
	public Attribution explain(Classifier classifier, FloatTensor images, int[] targets, Progress progress) {
		int[] resolved = AttributionMethod.resolveTargets(classifier, images, targets);
		int n = (int) images.dim(0), per = images.stride0();
		long[] one = images.shape();
		one[0] = steps;
		float[] out = new float[n * per];
		for (int i = 0; i < n; i++) {
			float[] x = Arrays.copyOfRange(images.data(), i * per, (i + 1) * per);
			float[] path = new float[steps * per];
			for (int s = 0; s < steps; s++) {
				float alpha = (s + 0.5f) / steps;
				for (int p = 0; p < per; p++) path[s * per + p] = baseline + alpha * (x[p] - baseline);
			}
			int[] t = new int[steps];
			Arrays.fill(t, resolved[i]);
			float[] g = classifier.inputGradient(new FloatTensor(one, path), FloatTensor.oneHot(t, classifier.numClasses())).data();
			for (int p = 0; p < per; p++) {
				double mean = 0;
				for (int s = 0; s < steps; s++) mean += g[s * per + p];
				out[i * per + p] = (float) ((x[p] - baseline) * mean / steps);
			}
			GradientMaps.step(progress, i + 1, n, name());
		}
		return new Attribution(GradientMaps.sumChannels(new FloatTensor(images.shape(), out)), resolved,
			AttributionMethod.metadata(classifier, name(), resolved, "steps", Integer.toString(steps), "baseline", String.format(Locale.ROOT, "%s", baseline)));
	}
}
