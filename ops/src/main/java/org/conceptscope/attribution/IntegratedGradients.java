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
 * summed over channels. Completeness: the map sums to f(x) - f(x0) as steps grow; the metadata
 * report both per image ({@link #perImageKeys}).
 * The path points of all images are sent in batches of the classifier's preferred size (across
 * images: a model with a large batch gets full batches even with few steps), so memory stays one
 * batch of points whatever the number of steps or the stack length.
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
		// the images' scores: the predicted classes where asked, and f(x) of the completeness check below (one forward pass)
		FloatTensor[] scores = new FloatTensor[1];
		int[] resolved = AttributionMethod.resolveTargets(classifier, images.dim(0), targets, () -> scores[0] = classifier.logits(images));
		int n = (int) images.dim(0), per = images.stride0();
		long total = (long) n * steps;
		// Path points of all images in one sequence (image by image, step by step), sent in batches
		// of the classifier's preferred size: a batch may hold the last points of one image and the
		// first of the next, so small models get full batches however few steps an image has.
		int batch = (int) Math.max(1, Math.min(total, classifier.preferredBatchSize()));
		float[] out = new float[n * per];
		float[] x = images.data();
		// Buffers reused for every batch; the sum is the current image's (points arrive in image order).
		float[] path = new float[batch * per];
		int[] t = new int[batch];
		double[] sum = new double[per];
		long[] shape = images.shape();
		for (long from = 0; from < total; from += batch) {
			int count = (int) Math.min(batch, total - from);
			float[] points = count == batch ? path : new float[count * per];
			for (int k = 0; k < count; k++) {
				int i = (int) ((from + k) / steps), s = (int) ((from + k) % steps);
				float alpha = (s + 0.5f) / steps;
				int o = k * per, base = i * per;
				for (int p = 0; p < per; p++) points[o + p] = baseline + alpha * (x[base + p] - baseline);
				t[k] = resolved[i];
			}
			shape[0] = count;
			float[] g = classifier.inputGradient(new FloatTensor(shape, points),
				FloatTensor.oneHot(count == batch ? t : Arrays.copyOf(t, count), classifier.numClasses())).data();
			for (int k = 0; k < count; k++) {
				int o = k * per;
				for (int p = 0; p < per; p++) sum[p] += g[o + p];
				long index = from + k;
				if (index % steps == steps - 1) { // the image's last point: its map is complete
					int i = (int) (index / steps), base = i * per;
					for (int p = 0; p < per; p++) out[base + p] = (float) ((x[base + p] - baseline) * sum[p] / steps);
					Arrays.fill(sum, 0);
					GradientMaps.step(progress, i + 1, n, name());
				}
			}
		}
		FloatTensor maps = GradientMaps.sumChannels(new FloatTensor(images.shape(), out));
		// Completeness (the paper's check, Captum's convergence delta): the map sums to f(x) - f(x0)
		// up to the quadrature error, so the gap tells whether the steps were enough.
		float[] fx = (scores[0] != null ? scores[0] : classifier.logits(images)).data();
		long[] one = images.shape();
		one[0] = 1;
		FloatTensor base = FloatTensor.zeros(one);
		Arrays.fill(base.data(), baseline);
		float[] f0 = classifier.logits(base).data();
		int k = classifier.numClasses(), pixels = maps.stride0();
		String[] sums = new String[n], change = new String[n], gap = new String[n];
		for (int i = 0; i < n; i++) {
			double mapSum = 0;
			for (int p = i * pixels; p < (i + 1) * pixels; p++) mapSum += maps.data()[p];
			double delta = (double) fx[i * k + resolved[i]] - f0[resolved[i]];
			sums[i] = String.format(Locale.ROOT, "%.9g", mapSum);
			change[i] = String.format(Locale.ROOT, "%.9g", delta);
			gap[i] = String.format(Locale.ROOT, "%.6g", mapSum - delta);
		}
		return new Attribution(maps, resolved, AttributionMethod.metadata(classifier, name(), resolved, "steps", Integer.toString(steps), "baseline",
			String.format(Locale.ROOT, "%s", baseline), Completeness.ATTRIBUTION_SUM, Arrays.toString(sums), Completeness.SCORE_CHANGE, Arrays.toString(change), Completeness.GAP,
			Arrays.toString(gap)));
	}

	/**
	 * Per image: {@code attribution_sum}, the map's sum, {@code score_change}, f(x) - f(x0) for the
	 * target logit, and {@code completeness_gap}, the map's sum minus that change (0 for the exact
	 * integral; raise steps when it is not small next to the change). {@link Completeness} reads them.
	 */
	@Override
	public java.util.List<String> perImageKeys() {
		return java.util.List.of(Completeness.ATTRIBUTION_SUM, Completeness.SCORE_CHANGE, Completeness.GAP);
	}
}
