package org.conceptscope.attribution;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

import org.apache.commons.math3.random.SobolSequenceGenerator;
import org.conceptscope.model.Classifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;

/**
 * Sobol attribution (Fel et al. 2021): real-valued masks on a grid x grid lattice (optionally one
 * lattice per channel, for multi-channel microscopy), drawn from a quasi-Monte Carlo Sobol
 * sequence, perturb the image; each cell's total-order Sobol index (Jansen estimator) says how
 * much of the target score's variance it explains, alone or with others.
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

	/** Defaults of the paper: grid 8, 32 designs, inpainting with 0. */
	public SobolAttribution(long seed) {
		this(8, 32, MaskedImage.constant(0), false, seed);
	}

	public SobolAttribution(int grid, int designs, MaskedImage perturbation, boolean perChannel, long seed) {
		this(grid, designs, perturbation, perChannel, seed, TargetScore.LOGIT);
	}

	public SobolAttribution(int grid, int designs, MaskedImage perturbation, boolean perChannel, long seed, TargetScore score) {
		if (grid < 1 || designs < 2) throw new IllegalArgumentException("Sobol attribution needs grid >= 1 and at least 2 designs.");
		this.grid = grid;
		this.designs = designs;
		this.perturbation = perturbation;
		this.perChannel = perChannel;
		this.seed = seed;
		this.score = score;
	}

	@Override
	public String name() {
		return "sobol";
	}

	/** Masks A (designs x d), B, from a shifted Sobol sequence of dimension 2d. */
	double[][][] designMatrices(int d) {
		if (2 * d > 1000) {
			throw new IllegalArgumentException("Sobol attribution with " + d + " cells needs a " + 2 * d
				+ "-dimensional sequence; at most 1000 are available. Use a smaller grid or turn off per-channel masks.");
		}
		SobolSequenceGenerator gen = new SobolSequenceGenerator(2 * d);
		gen.nextVector(); // the first point is all zeros
		double[] shift = new double[2 * d];
		Random rnd = new Random(seed);
		for (int j = 0; j < shift.length; j++) shift[j] = rnd.nextDouble();
		double[][] a = new double[designs][d], b = new double[designs][d];
		for (int i = 0; i < designs; i++) {
			double[] v = gen.nextVector();
			for (int j = 0; j < d; j++) {
				a[i][j] = (v[j] + shift[j]) % 1.0;
				b[i][j] = (v[d + j] + shift[d + j]) % 1.0;
			}
		}
		return new double[][][] { a, b };
	}

	@Override
	public Attribution explain(Classifier classifier, FloatTensor images, int[] targets, Progress progress) {
		int[] resolved = AttributionMethod.resolveTargets(classifier, images, targets);
		int n = (int) images.dim(0), h = (int) images.dim(1), w = (int) images.dim(2), c = (int) images.dim(3);
		int layers = perChannel ? c : 1, d = grid * grid * layers;
		double[][][] ab = designMatrices(d);
		double[][] a = ab[0], b = ab[1];
		int passes = designs * (d + 2);
		float[] maps = new float[n * h * w];
		float[] channelMaps = perChannel ? new float[n * h * w * c] : null;
		for (int i = 0; i < n; i++) {
			float[] x = images.slice(i).data();
			float[] repl = perturbation.replacement(x, h, w, c);
			// design row r: 0..N-1 = A, N..2N-1 = B, then for each cell j, N rows of C_j (A with column j from B)
			float[] scores = PerturbedScores.of(classifier, score, images.slice(i), resolved[i], passes, (index, out) -> {
				int block = index / designs, row = index % designs;
				double[] m = block == 1 ? b[row] : a[row];
				int swapped = block >= 2 ? block - 2 : -1;
				for (int y = 0; y < h; y++) {
					int gy = Math.min(grid - 1, y * grid / h);
					for (int xx = 0; xx < w; xx++) {
						int gx = Math.min(grid - 1, xx * grid / w);
						for (int ch = 0; ch < c; ch++) {
							int cell = ((perChannel ? ch : 0) * grid + gy) * grid + gx;
							double mv = cell == swapped ? b[row][cell] : m[cell];
							int p = (y * w + xx) * c + ch;
							out[p] = (float) (mv * x[p] + (1 - mv) * repl[p]);
						}
					}
				}
			}, progress, (long) i * passes, (long) n * passes, name());
			double[] total = jansenTotalOrder(scores, designs, d);
			for (int y = 0; y < h; y++) {
				int gy = Math.min(grid - 1, y * grid / h);
				for (int xx = 0; xx < w; xx++) {
					int gx = Math.min(grid - 1, xx * grid / w);
					float s = 0;
					for (int ch = 0; ch < layers; ch++) {
						float v = (float) total[(ch * grid + gy) * grid + gx];
						s += v;
						if (perChannel) channelMaps[((i * h + y) * w + xx) * c + ch] = v;
					}
					maps[(i * h + y) * w + xx] = s;
				}
			}
		}
		Map<String, String> meta = new LinkedHashMap<>();
		meta.put("method", name());
		meta.put("grid", Integer.toString(grid));
		meta.put("designs", Integer.toString(designs));
		meta.put("perturbation", perturbation.describe());
		meta.put("per_channel", Boolean.toString(perChannel));
		meta.put("seed", Long.toString(seed));
		meta.put("score", score.name());
		meta.put("estimator", "Jansen total order");
		meta.put("targets", Arrays.toString(resolved));
		return new Attribution(new FloatTensor(new long[] { n, h, w }, maps), resolved, meta,
			perChannel ? new FloatTensor(new long[] { n, h, w, c }, channelMaps) : null);
	}

	/** ST_j = mean over designs of (f(A) - f(C_j))^2 / (2 Var f), Var over the A and B outputs. */
	static double[] jansenTotalOrder(float[] scores, int designs, int d) {
		double mean = 0;
		for (int r = 0; r < 2 * designs; r++) mean += scores[r];
		mean /= 2 * designs;
		double var = 0;
		for (int r = 0; r < 2 * designs; r++) var += (scores[r] - mean) * (scores[r] - mean);
		var /= 2 * designs - 1;
		double[] st = new double[d];
		if (var <= 1e-12) return st; // the output does not move: no cell matters
		for (int j = 0; j < d; j++) {
			double s = 0;
			for (int r = 0; r < designs; r++) {
				double diff = scores[r] - scores[(2 + j) * designs + r];
				s += diff * diff;
			}
			st[j] = s / (2.0 * designs) / var;
		}
		return st;
	}
}
