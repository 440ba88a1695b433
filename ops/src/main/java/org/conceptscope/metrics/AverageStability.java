package org.conceptscope.metrics;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

import org.conceptscope.attribution.Attribution;
import org.conceptscope.attribution.AttributionMethod;
import org.conceptscope.model.Classifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;

/**
 * Average stability (Bhatt et al. 2020, def. 2 "average sensitivity"), as Xplique computes it:
 * {@code samples} noise images, each value uniform in [0, radius) (normalised input units), drawn
 * once from the seed and added to every image; each noisy neighbour is explained for the same
 * target, and the value of an image is the mean distance (L2 or L1 over the map's pixels) between
 * its map and its neighbours' maps. Lower is better: nearby inputs get nearby explanations. The
 * neighbours of one image are explained in one call of the method (batched like any stack).
 * "Xplique" is its metrics/stability.py since 1.3.1; older Xplique differs (before 0.4.3 it ignored
 * {@code radius}, drawing noise in [0, 1/(H*W*C)) with 200 samples by default; before 1.3.1 its
 * {@code l2} was the squared distance), so its numbers are not comparable.
 */
public final class AverageStability implements Metric {

	@Override
	public String name() {
		return "stability";
	}

	/** Explains the images with the method (first half of the work), then their neighbours. */
	@Override
	public MetricResult evaluate(Classifier classifier, FloatTensor images, int[] targets, AttributionMethod method, Progress progress) {
		Attribution a = Metric.explainFirstHalf(method, classifier, images, targets, progress);
		return evaluate(classifier, images, a, method, Metric.secondHalf(progress));
	}

	/** Distance between two maps. */
	public enum Distance {
		L1, L2
	}

	/** Xplique's defaults (1.3.1 on, as in its current metrics/stability.py): radius 0.1, 20 neighbours, L2. */
	public static final double DEFAULT_RADIUS = 0.1;
	public static final int DEFAULT_SAMPLES = 20;

	private final double radius;
	private final int samples;
	private final Distance distance;
	private final long seed;

	public AverageStability(double radius, int samples, Distance distance, long seed) {
		if (!(radius > 0) || !Double.isFinite(radius)) throw new IllegalArgumentException("The noise radius must be a positive number, got " + radius + ".");
		if (samples < 1) throw new IllegalArgumentException("Average stability needs at least 1 neighbour per image, got " + samples + ".");
		if (distance == null) throw new IllegalArgumentException("No distance given: L1 or L2.");
		this.radius = radius;
		this.samples = samples;
		this.distance = distance;
		this.seed = seed;
	}

	/** Noise image s (uniform in [0, radius) per value), the same for every image. */
	float[] noise(int s, int per) {
		SplittableRandom r = org.conceptscope.util.Seeds.stream(seed, s);
		float[] v = new float[per];
		for (int p = 0; p < per; p++) v[p] = (float) (r.nextDouble() * radius);
		return v;
	}

	/**
	 * @param attribution the maps of these images by {@code method} (their targets are kept)
	 * @throws java.util.concurrent.CancellationException when progress asks to stop
	 */
	public MetricResult evaluate(Classifier classifier, FloatTensor images, Attribution attribution, AttributionMethod method, Progress progress) {
		MetricInputs.check(images, attribution);
		method.checkRuns(classifier);
		int n = (int) images.dim(0), per = images.stride0(), plane = attribution.maps().stride0();
		int[] targets = attribution.targets();
		float[][] noise = new float[samples][];
		for (int s = 0; s < samples; s++) noise[s] = noise(s, per);
		float[] x = images.data(), maps = attribution.maps().data();
		double[] values = new double[n];
		long[] shape = images.shape();
		shape[0] = samples;
		long total = (long) n * samples;
		for (int i = 0; i < n; i++) {
			float[] neighbours = new float[samples * per];
			for (int s = 0; s < samples; s++) {
				for (int p = 0; p < per; p++) neighbours[s * per + p] = x[i * per + p] + noise[s][p];
			}
			int[] t = new int[samples];
			java.util.Arrays.fill(t, targets[i]);
			// one image's neighbours can take minutes (RISE, Sobol): their explanation reports its part of the count and can be stopped
			long base = (long) i * samples;
			Progress part = (d, tt, m) -> progress.report(base + (tt > 0 ? Math.min(samples, d * samples / tt) : 0), total, "average_stability");
			FloatTensor neighbourMaps = method.explain(classifier, new FloatTensor(shape, neighbours), t, part).maps();
			// a NaN distance would leave this image out of the mean without a word (as random_logit refuses such maps)
			int bad = neighbourMaps.firstNonFinite();
			if (bad >= 0) {
				throw new IllegalArgumentException("The " + method.name() + " map of noisy neighbour " + bad / plane + " of image " + i
					+ " contains NaN or infinite values, so its distance to the image's map is undefined: check the model's outputs on"
					+ " inputs with noise up to radius " + radius + " (normalised units), or use a smaller radius.");
			}
			float[] nm = neighbourMaps.data();
			double sum = 0;
			for (int s = 0; s < samples; s++) {
				double d = 0;
				for (int p = 0; p < plane; p++) {
					double diff = nm[s * plane + p] - maps[i * plane + p];
					d += distance == Distance.L2 ? diff * diff : Math.abs(diff);
				}
				sum += distance == Distance.L2 ? Math.sqrt(d) : d;
			}
			values[i] = sum / samples;
			MetricSteps.report(progress, (long) (i + 1) * samples, total, "average_stability");
		}
		Map<String, String> meta = new HashMap<>();
		meta.put("metric", "average_stability");
		meta.put("method", attribution.metadata().getOrDefault("method", method.name()));
		meta.put("radius", String.format(Locale.ROOT, "%s", radius));
		meta.put("samples", Integer.toString(samples));
		meta.put("distance", distance.name().toLowerCase(Locale.ROOT));
		meta.put("seed", Long.toString(seed));
		meta.put("better", "lower");
		return new MetricResult("average_stability", targets, values, FiniteMean.of(values), new double[n][0], meta);
	}
}
