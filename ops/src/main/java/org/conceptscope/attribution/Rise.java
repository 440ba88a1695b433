package org.conceptscope.attribution;

import java.util.Random;

import org.conceptscope.model.Classifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;

/**
 * RISE (Petsiuk et al. 2018): random binary grids (cells kept with probability p), upsampled
 * bilinearly with a random sub-cell shift into soft masks; the map is the mask average weighted
 * by the target score of the masked image, divided by p. Masks come from the seed and the
 * mask index, so they are regenerated instead of stored.
 */
public final class Rise implements AttributionMethod {

	private final int masks, grid;
	private final double keepProbability;
	private final long seed;
	private final TargetScore score;

	public Rise(int masks, int grid, double keepProbability, long seed) {
		this(masks, grid, keepProbability, seed, TargetScore.LOGIT);
	}

	public Rise(int masks, int grid, double keepProbability, long seed, TargetScore score) {
		if (masks < 1 || grid < 1) throw new IllegalArgumentException("RISE needs at least one mask and a grid of at least 1 cell.");
		if (!(keepProbability > 0 && keepProbability <= 1)) throw new IllegalArgumentException("The keep probability must be in (0, 1].");
		this.masks = masks;
		this.grid = grid;
		this.keepProbability = keepProbability;
		this.seed = seed;
		this.score = score;
	}

	@Override
	public String name() {
		return "rise";
	}

	/** Soft mask number {@code index} for an h x w image. */
	float[] mask(int index, int h, int w) {
		Random rnd = new Random(seed * 0x9E3779B97F4A7C15L + index);
		float[] cells = new float[(grid + 1) * (grid + 1)];
		for (int i = 0; i < cells.length; i++) cells[i] = rnd.nextDouble() < keepProbability ? 1f : 0f;
		double cellH = h / (double) grid, cellW = w / (double) grid;
		double dy = rnd.nextDouble() * cellH, dx = rnd.nextDouble() * cellW;
		float[] m = new float[h * w];
		for (int y = 0; y < h; y++) {
			double gy = (y + dy) / cellH;
			int y0 = (int) gy;
			double ty = gy - y0;
			for (int x = 0; x < w; x++) {
				double gx = (x + dx) / cellW;
				int x0 = (int) gx;
				double tx = gx - x0;
				int y1 = Math.min(y0 + 1, grid), x1 = Math.min(x0 + 1, grid);
				double top = cells[y0 * (grid + 1) + x0] * (1 - tx) + cells[y0 * (grid + 1) + x1] * tx;
				double bottom = cells[y1 * (grid + 1) + x0] * (1 - tx) + cells[y1 * (grid + 1) + x1] * tx;
				m[y * w + x] = (float) (top * (1 - ty) + bottom * ty);
			}
		}
		return m;
	}

	@Override
	public Attribution explain(Classifier classifier, FloatTensor images, int[] targets, Progress progress) {
		int[] resolved = AttributionMethod.resolveTargets(classifier, images, targets);
		int n = (int) images.dim(0), h = (int) images.dim(1), w = (int) images.dim(2), c = (int) images.dim(3);
		float[] maps = new float[n * h * w];
		for (int i = 0; i < n; i++) {
			float[] src = images.slice(i).data();
			float[] scores = PerturbedScores.of(classifier, score, images.slice(i), resolved[i], masks, (index, out) -> {
				float[] m = mask(index, h, w);
				for (int p = 0; p < h * w; p++) for (int ch = 0; ch < c; ch++) out[p * c + ch] = src[p * c + ch] * m[p];
			}, progress, (long) i * masks, (long) n * masks, name());
			for (int k = 0; k < masks; k++) {
				float[] m = mask(k, h, w);
				for (int p = 0; p < h * w; p++) maps[i * h * w + p] += scores[k] * m[p];
			}
			for (int p = 0; p < h * w; p++) maps[i * h * w + p] /= (float) (masks * keepProbability);
		}
		return new Attribution(new FloatTensor(new long[] { n, h, w }, maps), resolved, AttributionMethod.metadata(classifier, name(), resolved, "masks",
			Integer.toString(masks), "grid", Integer.toString(grid), "keep_probability", Double.toString(keepProbability),
			"seed", Long.toString(seed), "score", score.name()));
	}
}
