package org.conceptscope.attribution;

import java.util.Map;

import org.conceptscope.model.Classifier;
import org.conceptscope.tensor.Bicubic;
import org.conceptscope.tensor.GridUpsampling;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Limits;
import org.conceptscope.util.Progress;
import org.conceptscope.util.SobolDesigns;

/**
 * Sobol attribution (Fel et al. 2021): real-valued masks on a grid x grid lattice (optionally one
 * lattice per channel, for multi-channel microscopy), drawn from a quasi-Monte Carlo Sobol
 * sequence, perturb the image; each cell's total-order Sobol index (Jansen estimator) says how
 * much of the target score's variance it explains, alone or with others. The grid of indices is
 * upsampled to the image by interpolation, as Xplique does, so the map is smooth rather than one
 * constant block per cell (the perturbations themselves keep one value per cell): bicubically by
 * default, as Xplique ({@link GridUpsampling#SENSITIVITY_DEFAULT}, {@link Bicubic}; it can dip
 * slightly below 0 next to a large index); {@link GridUpsampling#BILINEAR} keeps the non-negative
 * indices non-negative, {@link GridUpsampling#NEAREST} shows the per-cell estimates as blocks.
 * <p>
 * N designs cost N x (d + 2) forward passes for d cells. The sequence gets a seeded random shift
 * modulo 1 (Cranley-Patterson rotation), so different seeds give independent estimates.
 */
public final class SobolAttribution implements AttributionMethod {

	private final int grid, designs;
	private final MaskedImage perturbation;
	private final boolean perChannel;
	private final long seed;
	private final TargetScore score;
	private final GridUpsampling upsampling;

	/** Defaults of the paper: grid 8, 32 designs, inpainting with 0. */
	public SobolAttribution(long seed) {
		this(8, 32, MaskedImage.constant(0), false, seed);
	}

	public SobolAttribution(int grid, int designs, MaskedImage perturbation, boolean perChannel, long seed) {
		this(grid, designs, perturbation, perChannel, seed, TargetScore.LOGIT);
	}

	public SobolAttribution(int grid, int designs, MaskedImage perturbation, boolean perChannel, long seed, TargetScore score) {
		this(grid, designs, perturbation, perChannel, seed, score, GridUpsampling.SENSITIVITY_DEFAULT);
	}

	public SobolAttribution(int grid, int designs, MaskedImage perturbation, boolean perChannel, long seed, TargetScore score,
		GridUpsampling upsampling) {
		if (grid < 1 || designs < 2) throw new IllegalArgumentException("Sobol attribution needs grid >= 1 and at least 2 designs.");
		Limits.grid("Sobol attribution", "grid", grid);
		Limits.passes("Sobol attribution", "designs", designs);
		if ((long) grid * grid > SobolDesigns.MAX_DIMENSIONS) {
			throw new IllegalArgumentException("Sobol attribution: grid=" + grid + " makes " + (long) grid * grid + " cells, more than the "
				+ SobolDesigns.MAX_DIMENSIONS + " the Sobol sequence supports; use grid=" + (int) Math.sqrt(SobolDesigns.MAX_DIMENSIONS)
				+ " or less.");
		}
		this.grid = grid;
		this.designs = designs;
		this.perturbation = perturbation;
		this.perChannel = perChannel;
		this.seed = seed;
		this.score = score;
		this.upsampling = upsampling;
	}

	@Override
	public String name() {
		return "sobol";
	}

	/**
	 * designs x (cells + 2): A, B and one mixed design per cell ({@link SobolDesigns#evaluations}). Asked before the
	 * work, so more cells than the Sobol sequence supports are refused here, before the passes are announced.
	 */
	@Override
	public org.conceptscope.util.Passes passes(long height, long width, long channels) {
		long cells = checkCells((long) grid * grid * (perChannel ? channels : 1));
		return new org.conceptscope.util.Passes(designs * (cells + 2), "model pass", "Sobol: " + designs + " designs x (" + cells + " cells + 2)",
			"model passes");
	}

	/** The cells (grid x grid, per channel with per-channel masks), refused past what the Sobol sequence supports. */
	private static long checkCells(long cells) {
		if (cells > SobolDesigns.MAX_DIMENSIONS) {
			throw new IllegalArgumentException("Sobol attribution with " + cells + " cells is more than the " + SobolDesigns.MAX_DIMENSIONS
				+ " the Sobol sequence supports. Use a smaller grid or turn off per-channel masks.");
		}
		return cells;
	}

	@Override
	public Map<String, Integer> sizes() {
		return Map.of("grid", grid);
	}

	@Override
	public Attribution explain(Classifier classifier, FloatTensor images, int[] targets, Progress progress) {
		int[] resolved = AttributionMethod.resolveTargets(classifier, images, targets);
		int n = (int) images.dim(0), h = (int) images.dim(1), w = (int) images.dim(2), c = (int) images.dim(3);
		int layers = perChannel ? c : 1;
		int d = (int) checkCells((long) grid * grid * layers);
		SobolDesigns sobol = new SobolDesigns(d, designs, seed);
		int passes = sobol.evaluations();
		float[] maps = new float[n * h * w];
		float[] channelMaps = perChannel ? new float[n * h * w * c] : null;
		// the mask cell of every value (pixel and channel), computed once; runs of one cell for
		// the common single-lattice case
		GridCells lattice = perChannel ? null : new GridCells(h, w, c, grid);
		int[] cellOf = new int[perChannel ? h * w * c : 0];
		for (int y = 0; perChannel && y < h; y++) {
			int gy = Math.min(grid - 1, y * grid / h);
			for (int xx = 0; xx < w; xx++) {
				int gx = Math.min(grid - 1, xx * grid / w);
				for (int ch = 0; ch < c; ch++) cellOf[(y * w + xx) * c + ch] = (ch * grid + gy) * grid + gx;
			}
		}
		PerturbedScores.stream(classifier, score, images, resolved, passes, i -> {
			float[] x = images.slice(i).data();
			float[] repl = perturbation.replacement(x, h, w, c);
			return new PerturbedScores.ImageJob() {
				// design row r: 0..N-1 = A, N..2N-1 = B, then for each cell j, N rows of C_j (A with column j from B)
				@Override
				public void fill(int index, float[] out, int off) {
					double[] m = new double[d];
					sobol.point(index, m);
					if (lattice != null) {
						for (int j = 0; j < d; j++) {
							double mv = m[j];
							int[] r = lattice.runs(j);
							for (int k = 0; k < r.length; k += 2) {
								for (int p = r[k]; p < r[k + 1]; p++) out[off + p] = (float) (mv * x[p] + (1 - mv) * repl[p]);
							}
						}
					} else {
						for (int p = 0; p < cellOf.length; p++) {
							double mv = m[cellOf[p]];
							out[off + p] = (float) (mv * x[p] + (1 - mv) * repl[p]);
						}
					}
				}

				@Override
				public void done(float[] scores) {
					double[] total = sobol.totalOrder(scores);
					// one index per cell (and channel lattice), upsampled bicubically to the image as Xplique does
					for (int ch = 0; ch < layers; ch++) {
						float[] up = upsampling.apply(java.util.Arrays.copyOfRange(total, ch * grid * grid, (ch + 1) * grid * grid), grid, grid, h, w);
						for (int p = 0; p < h * w; p++) {
							maps[i * h * w + p] += up[p];
							if (perChannel) channelMaps[(i * h * w + p) * c + ch] = up[p];
						}
					}
				}
			};
		}, progress, name());
		Map<String, String> meta = AttributionMethod.metadata(classifier, name(), resolved);
		meta.put("grid", Integer.toString(grid));
		meta.put("designs", Integer.toString(designs));
		meta.put("perturbation", perturbation.describe());
		meta.put("per_channel", Boolean.toString(perChannel));
		meta.put("seed", Long.toString(seed));
		meta.put("score", score.name());
		meta.put("estimator", "Jansen total order");
		meta.put("upsampling", upsampling.key());
		return new Attribution(new FloatTensor(new long[] { n, h, w }, maps), resolved, meta,
			perChannel ? new FloatTensor(new long[] { n, h, w, c }, channelMaps) : null);
	}
}
