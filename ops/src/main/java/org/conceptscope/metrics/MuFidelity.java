package org.conceptscope.metrics;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

import org.conceptscope.attribution.Attribution;
import org.conceptscope.attribution.TargetScore;
import org.conceptscope.model.Classifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;

/**
 * MuFidelity (Bhatt, Weller, Moura 2020): the image is cut into a grid; for each of
 * {@code samples} random subsets of cells (a fixed fraction of them, the same subsets for every
 * image, from the seed) the subset's pixels are set to the baseline. Per image, the value is the
 * Spearman rank correlation between the attribution summed over the removed pixels and the drop
 * of the target score, as Xplique's {@code MuFidelity} computes it (the paper writes the
 * correlation generically; Xplique, the reference this project follows, ranks). Higher is better.
 * When the map or the score does not vary over the subsets the correlation is undefined; as in
 * Xplique that image scores 0 and stays in the mean (a constant map shows nothing about the
 * model), and the metadata counts such images ({@code undefined}).
 */
public final class MuFidelity implements Metric.OfMaps {

	@Override
	public String name() {
		return "mufidelity";
	}

	private final int gridSize;
	private final double subsetFraction;
	private final int samples;
	private final float baseline;
	private final long seed;
	private final TargetScore score;
	private final int batchSize = Deletion.DEFAULT_BATCH;

	public MuFidelity(int gridSize, double subsetFraction, int samples, float baseline, long seed, TargetScore score) {
		if (gridSize < 2) throw new IllegalArgumentException("The MuFidelity grid needs at least 2x2 cells, got " + gridSize + ".");
		org.conceptscope.util.Limits.grid("MuFidelity", "grid", gridSize);
		if (!(subsetFraction > 0 && subsetFraction < 1)) {
			throw new IllegalArgumentException("The removed fraction of grid cells must lie strictly between 0 and 1, got " + subsetFraction + ".");
		}
		if (samples < 2) throw new IllegalArgumentException("A correlation needs at least 2 random subsets, got " + samples + ".");
		if (!Float.isFinite(baseline)) throw new IllegalArgumentException("The baseline value must be a finite number.");
		this.gridSize = gridSize;
		this.subsetFraction = subsetFraction;
		this.samples = samples;
		this.baseline = baseline;
		this.seed = seed;
		this.score = Objects.requireNonNull(score, "No score given: TargetScore.LOGIT or TargetScore.PROBABILITY.");
	}

	/** Every cell of the grid must hold pixels ({@link org.conceptscope.attribution.InputBound#METRIC_GRID}). */
	@Override
	public void check(Classifier classifier, FloatTensor images) {
		MetricInputs.images(images);
		org.conceptscope.attribution.InputBound.METRIC_GRID.check(name(), gridSize, classifier, images.dim(1), images.dim(2));
	}

	/**
	 * Correlation per image for the attribution's targets, and their mean.
	 *
	 * @throws java.util.concurrent.CancellationException when progress asks to stop
	 */
	@Override
	public MetricResult evaluate(Classifier classifier, FloatTensor images, Attribution attribution, Progress progress) {
		MetricInputs.check(images, attribution);
		check(classifier, images);
		int n = (int) images.dim(0), h = (int) images.dim(1), w = (int) images.dim(2), c = (int) images.dim(3);
		int cells = gridSize * gridSize;
		int removed = (int) Math.min(cells - 1, Math.max(1, Math.round(subsetFraction * cells)));
		boolean[][] masks = GridSubsets.masks(gridSize, h, w, removed, samples, seed);
		int[] targets = attribution.targets();
		float[] maps = attribution.maps().data(), x = images.data();
		FloatTensor original = score.of(classifier, images);
		int per = images.stride0();
		long[] shape = images.shape();
		double[] values = new double[n];
		int undefined = 0;
		long total = (long) n * samples;
		for (int i = 0; i < n; i++) {
			double[] attributed = new double[samples], drop = new double[samples];
			for (int from = 0; from < samples; from += batchSize) {
				int size = Math.min(batchSize, samples - from);
				float[] batch = new float[size * per];
				for (int b = 0; b < size; b++) {
					boolean[] m = masks[from + b];
					System.arraycopy(x, i * per, batch, b * per, per);
					double sum = 0;
					for (int p = 0; p < h * w; p++) {
						if (!m[p]) continue;
						sum += maps[i * h * w + p];
						for (int ch = 0; ch < c; ch++) batch[b * per + p * c + ch] = baseline;
					}
					attributed[from + b] = sum;
				}
				shape[0] = size;
				FloatTensor scores = score.of(classifier, new FloatTensor(shape, batch));
				for (int b = 0; b < size; b++) drop[from + b] = original.get(i, targets[i]) - scores.get(b, targets[i]);
				MetricSteps.report(progress, (long) i * samples + from + size, total, "mufidelity");
			}
			for (double d : drop) {
				if (!Double.isFinite(d)) {
					// not "undefined" (a map or scores that do not vary): the model's own numbers failed
					throw new IllegalArgumentException("The model gives NaN or infinite scores for image " + (i + 1) + " with cells set to the"
						+ " baseline " + baseline + ": MuFidelity cannot rank its score drops; choose a baseline within the model's input range.");
				}
			}
			double rho = Spearman.correlation(attributed, drop);
			if (Double.isNaN(rho)) undefined++;
			values[i] = Double.isNaN(rho) ? 0 : rho;
		}
		Map<String, String> meta = new HashMap<>();
		meta.put("metric", "mufidelity");
		meta.put("method", attribution.metadata().getOrDefault("method", "unknown"));
		meta.put("grid_size", Integer.toString(gridSize));
		meta.put("subset_fraction", String.format(Locale.ROOT, "%s", subsetFraction));
		meta.put("samples", Integer.toString(samples));
		meta.put("baseline", String.format(Locale.ROOT, "%s", baseline));
		meta.put("seed", Long.toString(seed));
		meta.put("score", score.name().toLowerCase(Locale.ROOT));
		meta.put("better", "higher");
		meta.put("correlation", "spearman");
		meta.put("undefined", Integer.toString(undefined));
		return new MetricResult("mufidelity", targets, values, FiniteMean.of(values), new double[n][0], meta);
	}

}
