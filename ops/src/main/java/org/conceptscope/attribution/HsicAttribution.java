package org.conceptscope.attribution;

import java.util.Map;
import java.util.Random;

import org.conceptscope.model.Classifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Limits;
import org.conceptscope.util.Progress;

/**
 * HSIC attribution (Novello et al. 2022): random binary masks on a grid x grid lattice (each
 * cell kept with probability 1/2, balanced per cell by Latin-hypercube-style stratification),
 * and for each cell the Hilbert-Schmidt independence criterion between the cell's on/off state
 * and the target score. Kernels: for the binary cell state, equal or not (a Gaussian kernel
 * on {0, 1}); for the output, a Gaussian kernel whose bandwidth is the median pairwise distance.
 * Biased estimator HSIC = tr(K H L H) / (n - 1)^2.
 */
public final class HsicAttribution implements AttributionMethod {

	private final int grid, samples;
	private final MaskedImage perturbation;
	private final long seed;
	private final TargetScore score;

	public HsicAttribution(int grid, int samples, MaskedImage perturbation, long seed) {
		this(grid, samples, perturbation, seed, TargetScore.LOGIT);
	}

	public HsicAttribution(int grid, int samples, MaskedImage perturbation, long seed, TargetScore score) {
		if (grid < 1 || samples < 4) throw new IllegalArgumentException("HSIC attribution needs grid >= 1 and at least 4 samples.");
		Limits.grid("HSIC attribution", "grid", grid);
		Limits.passes("HSIC attribution", "samples", samples);
		this.grid = grid;
		this.samples = samples;
		this.perturbation = perturbation;
		this.seed = seed;
		this.score = score;
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
		// The estimator of image i runs on its own thread while the model scores image i + 1's copies.
		try (Estimators estimator = new Estimators()) {
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
				int image = i;
				estimator.submit(() -> {
					double[] hsic = hsicPerCell(on, scores, cells);
					for (int y = 0; y < h; y++) {
						int gy = Math.min(grid - 1, y * grid / h);
						for (int xx = 0; xx < w; xx++) maps[(image * h + y) * w + xx] = (float) hsic[gy * grid + Math.min(grid - 1, xx * grid / w)];
					}
				});
			}
			estimator.finish();
		}
		Map<String, String> meta = AttributionMethod.metadata(classifier, name(), resolved);
		meta.put("grid", Integer.toString(grid));
		meta.put("samples", Integer.toString(samples));
		meta.put("perturbation", perturbation.describe());
		meta.put("seed", Long.toString(seed));
		meta.put("score", score.name());
		return new Attribution(new FloatTensor(new long[] { n, h, w }, maps), resolved, meta);
	}

	static double[] hsicPerCell(boolean[][] on, float[] y, int cells) {
		int m = y.length;
		double bandwidth = m < 2 ? 1 : medianDistance(y);
		if (bandwidth <= 1e-12) bandwidth = 1e-12;
		// centred output Gram matrix HLH, row-major, computed once (symmetric: each pair once)
		double[] l = new double[m * m];
		double scale = -0.5 / (bandwidth * bandwidth);
		for (int a = 0; a < m; a++) {
			l[a * m + a] = 1;
			for (int b = a + 1; b < m; b++) {
				double d = y[a] - y[b];
				l[a * m + b] = l[b * m + a] = Math.exp(scale * d * d);
			}
		}
		double[] rowMean = new double[m];
		double all = 0;
		for (int a = 0; a < m; a++) {
			double r = 0;
			for (int b = 0; b < m; b++) r += l[a * m + b];
			all += r;
			rowMean[a] = r / m;
		}
		all /= (double) m * m;
		for (int a = 0; a < m; a++) for (int b = 0; b < m; b++) l[a * m + b] += all - rowMean[a] - rowMean[b];
		// Input kernel on {0,1}: 1 when equal, d = exp(-1/2) otherwise (Gaussian, unit bandwidth).
		// With u the cell's on/off vector, sum_ab k(a,b) L~(a,b) = d 1'L~1 + (1-d)(u'L~u + (1-u)'L~(1-u)),
		// and the centred L~ has zero row sums, so this is 2 (1-d) u'L~u. All cells at once: u_j'L~u_j
		// is the diagonal of U'L~U (U: samples x cells, 0/1), from the upper triangle of L~ (symmetric):
		// sum_a u_j(a) (L~(a,a) + 2 sum_{b>a} L~(a,b) u_j(b)). The inner loop runs over the cells of
		// one sample, contiguous, which the JIT vectorises.
		double[] u = new double[m * cells];
		for (int a = 0; a < m; a++) for (int j = 0; j < cells; j++) u[a * cells + j] = on[a][j] ? 1 : 0;
		// Four rows of L~ at a time, so each sample's row of U is read once per four rows (the
		// product is bound by reading U otherwise); entries on or below the diagonal count as 0.
		double[] sum = new double[cells];
		double[][] acc = new double[4][cells];
		for (int a0 = 0; a0 < m; a0 += 4) {
			int rows = Math.min(4, m - a0);
			for (double[] r : acc) java.util.Arrays.fill(r, 0);
			double[] acc0 = acc[0], acc1 = acc[1], acc2 = acc[2], acc3 = acc[3];
			for (int b = a0 + 1; b < m; b++) {
				double v0 = l[a0 * m + b];
				double v1 = rows > 1 && b > a0 + 1 ? l[(a0 + 1) * m + b] : 0;
				double v2 = rows > 2 && b > a0 + 2 ? l[(a0 + 2) * m + b] : 0;
				double v3 = rows > 3 && b > a0 + 3 ? l[(a0 + 3) * m + b] : 0;
				int ub = b * cells;
				for (int j = 0; j < cells; j++) {
					double x = u[ub + j];
					acc0[j] += v0 * x;
					acc1[j] += v1 * x;
					acc2[j] += v2 * x;
					acc3[j] += v3 * x;
				}
			}
			for (int k = 0; k < rows; k++) {
				int a = a0 + k, ua = a * cells;
				double diag = l[a * m + a];
				double[] r = acc[k];
				for (int j = 0; j < cells; j++) sum[j] += u[ua + j] * (diag + 2 * r[j]);
			}
		}
		double differ = Math.exp(-0.5);
		double[] result = new double[cells];
		for (int j = 0; j < cells; j++) result[j] = 2 * (1 - differ) * sum[j] / ((double) (m - 1) * (m - 1));
		return result;
	}

	/**
	 * The median pairwise distance |y_a - y_b| (a < b, the differences taken in float), as the
	 * element at index pairs / 2 of the sorted distances: from the sorted scores, by bisection on
	 * the distance's float bits with a two-pointer count of the pairs within each candidate
	 * (O(m log m) rather than sorting or selecting among all m (m - 1) / 2 distances).
	 */
	static double medianDistance(float[] y) {
		float[] v = y.clone();
		java.util.Arrays.sort(v);
		int m = v.length;
		long k = (long) m * (m - 1) / 2 / 2; // index of the wanted distance among the sorted ones
		// smallest non-negative float t with count(d <= t) > k; float bits of non-negative values are ordered
		int lo = 0, hi = Float.floatToIntBits(Math.abs(v[m - 1] - v[0]));
		while (lo < hi) {
			int mid = lo + (hi - lo) / 2;
			if (pairsWithin(v, Float.intBitsToFloat(mid)) > k) hi = mid;
			else lo = mid + 1;
		}
		return Float.intBitsToFloat(lo);
	}

	/** Pairs a < b of sorted values with v[b] - v[a] <= t (float subtraction, monotone in a and b). */
	private static long pairsWithin(float[] v, float t) {
		long count = 0;
		int b = 0;
		for (int a = 0; a < v.length; a++) {
			if (b < a) b = a;
			while (b + 1 < v.length && v[b + 1] - v[a] <= t) b++;
			count += b - a;
		}
		return count;
	}
}
