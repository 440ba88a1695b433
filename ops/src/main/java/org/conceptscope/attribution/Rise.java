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
		float[] m = new float[h * w];
		mask(index, h, w, m, 0);
		return m;
	}

	/**
	 * Writes soft mask {@code index} into {@code out} at {@code offset}: the seeded binary grid
	 * upsampled bilinearly with its random shift. The interpolation weights of every column are
	 * computed once per mask, not once per pixel.
	 */
	void mask(int index, int h, int w, float[] out, int offset) {
		Random rnd = new Random(seed * 0x9E3779B97F4A7C15L + index);
		int side = grid + 1;
		float[] cells = new float[side * side];
		for (int i = 0; i < cells.length; i++) cells[i] = rnd.nextDouble() < keepProbability ? 1f : 0f;
		double cellH = h / (double) grid, cellW = w / (double) grid;
		double dy = rnd.nextDouble() * cellH, dx = rnd.nextDouble() * cellW;
		int[] x0s = new int[w], x1s = new int[w];
		double[] txs = new double[w];
		for (int x = 0; x < w; x++) {
			double gx = (x + dx) / cellW;
			x0s[x] = (int) gx;
			txs[x] = gx - x0s[x];
			x1s[x] = Math.min(x0s[x] + 1, grid);
		}
		for (int y = 0; y < h; y++) {
			double gy = (y + dy) / cellH;
			int y0 = (int) gy;
			double ty = gy - y0;
			int r0 = y0 * side, r1 = Math.min(y0 + 1, grid) * side;
			for (int x = 0; x < w; x++) {
				double tx = txs[x];
				double top = cells[r0 + x0s[x]] * (1 - tx) + cells[r0 + x1s[x]] * tx;
				double bottom = cells[r1 + x0s[x]] * (1 - tx) + cells[r1 + x1s[x]] * tx;
				out[offset + y * w + x] = (float) (top * (1 - ty) + bottom * ty);
			}
		}
	}

	@Override
	public Attribution explain(Classifier classifier, FloatTensor images, int[] targets, Progress progress) {
		int[] resolved = AttributionMethod.resolveTargets(classifier, images, targets);
		int n = (int) images.dim(0), h = (int) images.dim(1), w = (int) images.dim(2), c = (int) images.dim(3);
		float[] maps = new float[n * h * w];
		int plane = h * w;
		// The masks of one batch, generated once: used for the masked copies, then, with the
		// batch's scores, for the weighted sum. Reused for every batch and every image.
		int batch = PerturbedScores.batchSize(classifier, masks);
		float[] batchMasks = new float[batch * plane];
		for (int i = 0; i < n; i++) {
			float[] src = images.slice(i).data();
			int mapOffset = i * plane;
			PerturbedScores.of(classifier, score, images.slice(i), resolved[i], masks, (index, out, off) -> {
				int slot = (index % batch) * plane;
				mask(index, h, w, batchMasks, slot);
				for (int p = 0; p < plane; p++) {
					float mv = batchMasks[slot + p];
					for (int ch = 0; ch < c; ch++) out[off + p * c + ch] = src[p * c + ch] * mv;
				}
			}, (from, to, scores) -> {
				for (int k = from; k < to; k++) {
					float s = scores[k];
					int slot = (k % batch) * plane;
					for (int p = 0; p < plane; p++) maps[mapOffset + p] += s * batchMasks[slot + p];
				}
			}, progress, (long) i * masks, (long) n * masks, name());
			for (int p = 0; p < plane; p++) maps[mapOffset + p] /= (float) (masks * keepProbability);
		}
		return new Attribution(new FloatTensor(new long[] { n, h, w }, maps), resolved, AttributionMethod.metadata(classifier, name(), resolved, "masks",
			Integer.toString(masks), "grid", Integer.toString(grid), "keep_probability", Double.toString(keepProbability),
			"seed", Long.toString(seed), "score", score.name()));
	}
}
