package org.conceptscope.attribution;

import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;

import org.conceptscope.model.Classifier;
import org.conceptscope.tensor.Bicubic;
import org.conceptscope.tensor.GridUpsampling;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Limits;
import org.conceptscope.util.Progress;

/**
 * HSIC attribution (Novello et al. 2022): random binary masks on a grid x grid lattice (each
 * cell kept with probability 1/2, balanced per cell by Latin-hypercube-style stratification),
 * and for each cell the Hilbert-Schmidt independence criterion between the cell's on/off state
 * and the target score, as Xplique's {@code HsicAttributionMethod} with its default binary
 * estimator computes it: input kernel k(u, u') = 1 + (1/2 - (u - u')^2) on the cell's on/off
 * state; output kernel exp(-(y - y')^2 / (2 w^2)) whose width w is the median of the scores
 * themselves (linear interpolation between order statistics, Xplique's rule; when that median is 0
 * the kernel would be undefined, and the median pairwise distance |y - y'| is used instead);
 * estimator HSIC = sum(HKH o HLH) / n with H the centring matrix. The grid of HSIC values is
 * upsampled to the image by interpolation, as Xplique does: bilinearly by default (no overshoot),
 * or bicubically as Xplique ({@link GridUpsampling#BICUBIC}, {@link Bicubic}).
 */
public final class HsicAttribution implements AttributionMethod {

	private final int grid, samples;
	private final MaskedImage perturbation;
	private final long seed;
	private final TargetScore score;
	private final GridUpsampling upsampling;

	public HsicAttribution(int grid, int samples, MaskedImage perturbation, long seed) {
		this(grid, samples, perturbation, seed, TargetScore.LOGIT);
	}

	public HsicAttribution(int grid, int samples, MaskedImage perturbation, long seed, TargetScore score) {
		this(grid, samples, perturbation, seed, score, GridUpsampling.BILINEAR);
	}

	public HsicAttribution(int grid, int samples, MaskedImage perturbation, long seed, TargetScore score, GridUpsampling upsampling) {
		if (grid < 1 || samples < 4) throw new IllegalArgumentException("HSIC attribution needs grid >= 1 and at least 4 samples.");
		Limits.grid("HSIC attribution", "grid", grid);
		Limits.passes("HSIC attribution", "samples", samples);
		this.grid = grid;
		this.samples = samples;
		this.perturbation = perturbation;
		this.seed = seed;
		this.score = score;
		this.upsampling = upsampling;
	}

	@Override
	public String name() {
		return "hsic";
	}

	/** samples x cells binary designs: each cell is on in exactly half of the samples (rounded), in a seeded random order. */
	boolean[][] designs(int cells) {
		Random rnd = new Random(seed);
		boolean[][] on = new boolean[samples][cells];
		int[] order = new int[samples];
		for (int j = 0; j < cells; j++) {
			for (int i = 0; i < samples; i++) order[i] = i;
			for (int i = samples - 1; i > 0; i--) {
				int k = rnd.nextInt(i + 1);
				int t = order[i];
				order[i] = order[k];
				order[k] = t;
			}
			for (int i = 0; i < samples / 2; i++) on[order[i]][j] = true;
		}
		return on;
	}

	@Override
	public Attribution explain(Classifier classifier, FloatTensor images, int[] targets, Progress progress) {
		int[] resolved = AttributionMethod.resolveTargets(classifier, images, targets);
		int n = (int) images.dim(0), h = (int) images.dim(1), w = (int) images.dim(2), c = (int) images.dim(3);
		int cells = grid * grid;
		boolean[][] on = designs(cells);
		float[] maps = new float[n * h * w];
		GridCells lattice = new GridCells(h, w, c, grid);
		for (int i = 0; i < n; i++) {
			float[] x = images.slice(i).data();
			float[] repl = perturbation.replacement(x, h, w, c);
			float[] scores = PerturbedScores.of(classifier, score, images.slice(i), resolved[i], samples, (index, out, off) -> {
				// the image, then the removed cells replaced run by run
				System.arraycopy(x, 0, out, off, x.length);
				boolean[] keep = on[index];
				for (int j = 0; j < cells; j++) {
					if (keep[j]) continue;
					int[] r = lattice.runs(j);
					for (int k = 0; k < r.length; k += 2) System.arraycopy(repl, r[k], out, off + r[k], r[k + 1] - r[k]);
				}
			}, progress, (long) i * samples, (long) n * samples, name());
			double[] hsic = hsicPerCell(on, scores, cells);
			System.arraycopy(upsampling.apply(hsic, grid, grid, h, w), 0, maps, i * h * w, h * w);
		}
		Map<String, String> meta = AttributionMethod.metadata(classifier, name(), resolved);
		meta.put("grid", Integer.toString(grid));
		meta.put("samples", Integer.toString(samples));
		meta.put("perturbation", perturbation.describe());
		meta.put("seed", Long.toString(seed));
		meta.put("score", score.name());
		meta.put("upsampling", upsampling.key());
		return new Attribution(new FloatTensor(new long[] { n, h, w }, maps), resolved, meta);
	}

	/** The output kernel's width: the median of the scores (Xplique's rule), or when it is 0 the median pairwise distance. */
	static double bandwidth(float[] y) {
		int m = y.length;
		double[] sorted = new double[m];
		for (int a = 0; a < m; a++) sorted[a] = y[a];
		java.util.Arrays.sort(sorted);
		double pos = 0.5 * (m - 1);
		int lo = (int) Math.floor(pos);
		double median = lo + 1 < m ? sorted[lo] + (pos - lo) * (sorted[lo + 1] - sorted[lo]) : sorted[lo];
		if (Math.abs(median) > 1e-12) return Math.abs(median);
		double[] dists = new double[m * (m - 1) / 2];
		int q = 0;
		for (int a = 0; a < m; a++) for (int b = a + 1; b < m; b++) dists[q++] = Math.abs(y[a] - y[b]);
		double pairwise = dists.length == 0 ? 1 : select(dists, dists.length / 2);
		return Math.max(pairwise, 1e-12);
	}

	static double[] hsicPerCell(boolean[][] on, float[] y, int cells) {
		int m = y.length;
		double bandwidth = bandwidth(y);
		// centred output Gram matrix HLH, computed once (symmetric: each pair once)
		double[][] l = new double[m][m];
		for (int a = 0; a < m; a++) {
			l[a][a] = 1;
			for (int b = a + 1; b < m; b++) {
				double d = (y[a] - y[b]) / bandwidth;
				l[a][b] = l[b][a] = Math.exp(-0.5 * d * d);
			}
		}
		double[] rowMean = new double[m];
		double all = 0;
		for (int a = 0; a < m; a++) {
			for (int b = 0; b < m; b++) rowMean[a] += l[a][b];
			all += rowMean[a];
			rowMean[a] /= m;
		}
		all /= (double) m * m;
		for (int a = 0; a < m; a++) for (int b = 0; b < m; b++) l[a][b] += all - rowMean[a] - rowMean[b];
		// Input kernel on {0,1}: 1 + 1/2 - (u - u')^2, that is 3/2 when equal and 1/2 otherwise.
		// With u the cell's on/off vector, sum_ab k(a,b) L~(a,b) = 1/2 1'L~1 + u'L~u + (1-u)'L~(1-u),
		// and the centred L~ has zero row sums, so this is 2 u'L~u: a sum over on-on pairs
		// only, a quarter of the pairs, and cells are independent (run on all cores).
		double[] result = new double[cells];
		IntStream cellIndices = IntStream.range(0, cells);
		if ((long) cells * m * m >= 1 << 16) cellIndices = cellIndices.parallel();
		cellIndices.forEach(j -> {
			int[] onIdx = new int[m];
			int count = 0;
			for (int a = 0; a < m; a++) if (on[a][j]) onIdx[count++] = a;
			double s = 0;
			for (int ia = 0; ia < count; ia++) {
				double[] row = l[onIdx[ia]];
				for (int ib = 0; ib < count; ib++) s += row[onIdx[ib]];
			}
			result[j] = 2 * s / m;
		});
		return result;
	}

	/** The k-th smallest value (0-based) of v, which it reorders: Hoare's selection, O(n) on average. */
	static double select(double[] v, int k) {
		int lo = 0, hi = v.length - 1;
		Random rnd = new Random(v.length);
		while (lo < hi) {
			double pivot = v[lo + rnd.nextInt(hi - lo + 1)];
			int i = lo, j = hi;
			while (i <= j) {
				while (v[i] < pivot) i++;
				while (v[j] > pivot) j--;
				if (i <= j) {
					double t = v[i];
					v[i] = v[j];
					v[j] = t;
					i++;
					j--;
				}
			}
			if (k <= j) hi = j;
			else if (k >= i) lo = i;
			else return v[k];
		}
		return v[k];
	}
}
