package org.conceptscope.attribution;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.conceptscope.model.Classifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Limits;
import org.conceptscope.util.Progress;
import org.conceptscope.util.SoftKept;

/**
 * RISE (Petsiuk et al. 2018): random binary grids (cells kept with probability p), upsampled
 * bilinearly to one cell more than the image and cropped at a random shift into soft masks; the map
 * of a pixel is the score of the masked images weighted by that pixel's mask values, divided by the
 * sum of those values (Xplique's normalisation, not the paper's N p: see docs/methods/rise.md).
 * Masks come from the seed and the mask index, so they are regenerated instead of stored.
 */
public final class Rise implements AttributionMethod {

	/** Masks are generated once for all images when they fit in this many bytes (64 MiB; tests lower it). */
	static long maskCacheBytes = 64L << 20;

	private final int masks, grid;
	private final double keepProbability;
	private final long seed;
	private final TargetScore score;
	/**
	 * The masks of the last call that generated them all, kept for its image size ([height, width]): a later call on images of
	 * that size (the next batch of a folder, a stack's next slices) reuses them instead of generating
	 * them again. Published only once complete and never written after; softly held, so memory
	 * pressure drops them.
	 */
	private final SoftKept<List<Integer>, float[]> kept = new SoftKept<>();

	public Rise(int masks, int grid, double keepProbability, long seed) {
		this(masks, grid, keepProbability, seed, TargetScore.LOGIT);
	}

	public Rise(int masks, int grid, double keepProbability, long seed, TargetScore score) {
		if (masks < 1 || grid < 1) throw new IllegalArgumentException("RISE needs at least one mask and a grid of at least 1 cell.");
		Limits.passes("RISE", "samples", masks);
		Limits.grid("RISE", "grid", grid);
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

	@Override
	public org.conceptscope.util.Passes passes(long height, long width, long channels) {
		return new org.conceptscope.util.Passes(masks, "model pass", "RISE: one per mask", "model passes");
	}

	@Override
	public Map<String, Integer> sizes() {
		return Map.of("grid", grid);
	}

	/** Soft mask number {@code index} for an h x w image. */
	float[] mask(int index, int h, int w) {
		float[] m = new float[h * w];
		mask(index, h, w, m, 0);
		return m;
	}

	/**
	 * Writes soft mask {@code index} into {@code out} at {@code offset}. Its generator draws the
	 * grid x grid cells row by row (kept when a uniform draw is below p), then the shift along y in
	 * [0, ceil(h / grid)), then along x in [0, ceil(w / grid)): the paper's masks.
	 */
	void mask(int index, int h, int w, float[] out, int offset) {
		// an independent stream per mask: java.util.Random seeded index apart drew nearly the same first
		// cell in every mask (kept in all 1000 masks at seed 42, in none at seed 0), biasing the map's corner
		SplittableRandom rnd = org.conceptscope.util.Seeds.stream(seed, index);
		float[] cells = new float[grid * grid];
		for (int i = 0; i < cells.length; i++) cells[i] = rnd.nextDouble() < keepProbability ? 1f : 0f;
		int shiftY = rnd.nextInt(cellSize(h, grid)), shiftX = rnd.nextInt(cellSize(w, grid));
		upsample(cells, grid, shiftY, shiftX, h, w, out, offset);
	}

	/** The paper's cell size along an axis of {@code size} pixels, ceil(size / grid): the lattice is upsampled to grid + 1 of them. */
	static int cellSize(int size, int grid) {
		return (size + grid - 1) / grid;
	}

	/**
	 * The grid x grid lattice {@code cells} resized bilinearly (pixel centres, edges clamped, as TensorFlow's resize
	 * in Xplique) to (grid + 1) cellSize pixels per axis, then the h x w window from (shiftY, shiftX), written
	 * separably (the lattice rows along x once, then between rows), which gives the same values as
	 * interpolating each pixel from four cells. So a cell spans (grid + 1) ceil(h / grid) / grid pixels.
	 */
	static void upsample(float[] cells, int grid, int shiftY, int shiftX, int h, int w, float[] out, int offset) {
		int[] x0s = new int[w], x1s = new int[w];
		double[] txs = new double[w];
		double scaleX = grid / (double) ((grid + 1) * cellSize(w, grid)), scaleY = grid / (double) ((grid + 1) * cellSize(h, grid));
		for (int x = 0; x < w; x++) {
			double gx = Math.min(grid - 1, Math.max(0, (x + shiftX + 0.5) * scaleX - 0.5));
			x0s[x] = (int) gx;
			txs[x] = gx - x0s[x];
			x1s[x] = Math.min(x0s[x] + 1, grid - 1);
		}
		double[] rows = new double[grid * w];
		for (int gy = 0; gy < grid; gy++) {
			int r = gy * grid, o = gy * w;
			for (int x = 0; x < w; x++) rows[o + x] = cells[r + x0s[x]] * (1 - txs[x]) + cells[r + x1s[x]] * txs[x];
		}
		for (int y = 0; y < h; y++) {
			double gy = Math.min(grid - 1, Math.max(0, (y + shiftY + 0.5) * scaleY - 0.5));
			int y0 = (int) gy;
			double ty = gy - y0;
			int r0 = y0 * w, r1 = Math.min(y0 + 1, grid - 1) * w, o = offset + y * w;
			for (int x = 0; x < w; x++) out[o + x] = (float) (rows[r0 + x] * (1 - ty) + rows[r1 + x] * ty);
		}
	}

	/**
	 * out[off + p c + ch] = src[p c + ch] * mask[slot + p]: each value of the masked copy, the same
	 * single float product whatever the loop, with the usual channel counts written out so that the
	 * compiler keeps every value in one pass without an inner loop.
	 */
	static void multiply(float[] src, float[] mask, int slot, int plane, int c, float[] out, int off) {
		switch (c) {
			case 1 -> {
				for (int p = 0; p < plane; p++) out[off + p] = src[p] * mask[slot + p];
			}
			case 3 -> {
				for (int p = 0, q = 0; p < plane; p++, q += 3) {
					float mv = mask[slot + p];
					out[off + q] = src[q] * mv;
					out[off + q + 1] = src[q + 1] * mv;
					out[off + q + 2] = src[q + 2] * mv;
				}
			}
			default -> {
				for (int p = 0, q = 0; p < plane; p++, q += c) {
					float mv = mask[slot + p];
					for (int ch = 0; ch < c; ch++) out[off + q + ch] = src[q + ch] * mv;
				}
			}
		}
	}

	/** sum[o + p] += s * mask[slot + p] for the plane's pixels (a product, then a sum: the same two roundings as the inline loop). */
	static void addScaled(float[] sum, int o, float s, float[] mask, int slot, int plane) {
		for (int p = 0; p < plane; p++) sum[o + p] += s * mask[slot + p];
	}

	/** sum[p] += mask[slot + p] for the plane's pixels: each pixel's mask sum, the map's denominator. */
	static void add(float[] sum, float[] mask, int slot, int plane) {
		for (int p = 0; p < plane; p++) sum[p] += mask[slot + p];
	}

	@Override
	public Attribution explain(Classifier classifier, FloatTensor images, int[] targets, Progress progress) {
		int[] resolved = AttributionMethod.resolveTargets(classifier, images, targets);
		int n = (int) images.dim(0), h = (int) images.dim(1), w = (int) images.dim(2), c = (int) images.dim(3);
		float[] maps = new float[n * h * w];
		int plane = h * w;
		// Masks depend on the seed and their index only, so when they all fit in maskCacheBytes
		// they are generated once for every image (and kept for the next call on this image size):
		// by the first image's batches, each while the model runs the batch before. Otherwise they are generated per
		// image, a batch at a time, into two batches' worth of slots (the next batch, of this image or
		// the next, is generated while the model runs the current one), reused for every batch; either way
		// a mask serves both the masked copies and, with the batch's scores, the weighted sum.
		int batch = PerturbedScores.batchSize(classifier, masks), perImage = PerturbedScores.batchesPerImage(classifier, masks);
		boolean cached = (long) masks * plane * 4 <= maskCacheBytes;
		float[] previous = cached ? kept.get(List.of(h, w)) : null;
		boolean reuse = previous != null;
		float[] store = reuse ? previous : new float[(cached ? masks : 2 * batch) * plane];
		// each pixel's mask sum, the same for every image (the masks are): summed by the first image's batches, in mask
		// order, before any image's done()
		float[] maskSums = new float[plane];
		PerturbedScores.stream(classifier, score, images, resolved, masks, i -> {
			float[] src = images.slice(i).data();
			int mapOffset = i * plane;
			return new PerturbedScores.ImageJob() {
				@Override
				public void fill(int index, float[] out, int off) {
					int slot = slot(index) * plane;
					// the first image's batches generate the masks every later image reads (its batches come after)
					if (!cached || (i == 0 && !reuse)) mask(index, h, w, store, slot);
					multiply(src, store, slot, plane, c, out, off);
				}

				@Override
				public void scored(int from, int to, float[] scores) {
					for (int k = from; k < to; k++) {
						addScaled(maps, mapOffset, scores[k], store, slot(k) * plane, plane);
						if (i == 0) add(maskSums, store, slot(k) * plane, plane);
					}
				}

				/**
				 * Divides each pixel by its own mask sum (Xplique's normalisation): dividing by N p instead adds the mean score
				 * times each pixel's sampling error of its keep rate, which swamps the map when the logits are far from 0. A pixel
				 * no mask kept gets the mean score, the estimate without information on it (so a constant added to the
				 * score still shifts the whole map by that constant).
				 */
				@Override
				public void done(float[] scores) {
					float mean = 0;
					for (float s : scores) mean += s;
					mean /= masks;
					for (int p = 0; p < plane; p++) maps[mapOffset + p] = maskSums[p] > 0 ? maps[mapOffset + p] / maskSums[p] : mean;
				}

				/** Where this image's mask {@code index} is kept: all masks cached, or its global batch's half of the double buffer. */
				private int slot(int index) {
					return cached ? index : (int) (((long) i * perImage + index / batch) % 2) * batch + index % batch;
				}
			};
		}, progress, name());
		if (cached && !reuse && n > 0) kept.keep(List.of(h, w), store);
		return new Attribution(new FloatTensor(new long[] { n, h, w }, maps), resolved, AttributionMethod.metadata(classifier, name(), resolved, "masks",
			Integer.toString(masks), "grid", Integer.toString(grid), "keep_probability", Double.toString(keepProbability),
			"seed", Long.toString(seed), "score", score.name()));
	}
}
