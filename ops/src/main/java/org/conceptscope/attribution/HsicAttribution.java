package org.conceptscope.attribution;

import java.util.Map;
import java.util.Random;
import java.util.concurrent.ForkJoinPool;
import java.util.stream.IntStream;

import org.conceptscope.model.Classifier;
import org.conceptscope.tensor.Bicubic;
import org.conceptscope.tensor.GridUpsampling;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Limits;
import org.conceptscope.util.Progress;
import org.conceptscope.util.SoftKept;

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
 * upsampled to the image by interpolation: bicubically by default, as Xplique
 * ({@link GridUpsampling#SENSITIVITY_DEFAULT}, {@link Bicubic}); {@link GridUpsampling#BILINEAR}
 * (no overshoot) and {@link GridUpsampling#NEAREST} (one block per cell) on request.
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
		this(grid, samples, perturbation, seed, score, GridUpsampling.SENSITIVITY_DEFAULT);
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

	@Override
	public org.conceptscope.util.Passes passes(long height, long width, long channels) {
		return new org.conceptscope.util.Passes(samples, "model pass", "HSIC: one per sampled mask", "model passes");
	}

	@Override
	public Map<String, Integer> sizes() {
		return Map.of("grid", grid);
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

	/**
	 * The designs for a number of cells, with each cell's on samples listed: they depend on the seed,
	 * the number of samples and of cells only, so they are kept for the next call (a folder's next
	 * batch, a stack's next slices) instead of being drawn again. Softly held.
	 */
	private record Designs(boolean[][] on, int[][] onLists) {}

	private final SoftKept<Integer, Designs> kept = new SoftKept<>();

	private Designs designsFor(int cells) {
		return kept.get(cells, () -> {
			boolean[][] on = designs(cells);
			return new Designs(on, onLists(on, cells));
		});
	}

	@Override
	public Attribution explain(Classifier classifier, FloatTensor images, int[] targets, Progress progress) {
		int[] resolved = AttributionMethod.resolveTargets(classifier, images, targets);
		int n = (int) images.dim(0), h = (int) images.dim(1), w = (int) images.dim(2), c = (int) images.dim(3);
		int cells = grid * grid;
		Designs designs = designsFor(cells);
		boolean[][] on = designs.on();
		float[] maps = new float[n * h * w];
		double[] widths = new double[n];
		GridCells lattice = new GridCells(h, w, c, grid);
		// Image i's estimate runs on its own thread while the model scores image i + 1's copies.
		try (Estimators estimator = new Estimators()) {
			PerturbedScores.stream(classifier, score, images, resolved, samples, i -> {
				float[] x = images.slice(i).data();
				float[] repl = perturbation.replacement(x, h, w, c);
				return new PerturbedScores.ImageJob() {
					@Override
					public void fill(int index, float[] out, int off) {
						// the image with the removed cells replaced
						lattice.compose(on[index], x, repl, out, off);
					}

					@Override
					public void done(float[] scores) {
						// while later images are scored, the estimate keeps to its own thread (on the shared
						// pool it would hold up the generation of their copies); the last one uses every core
						boolean last = i == n - 1;
						estimator.submit(() -> {
							widths[i] = bandwidth(scores); // recorded: the median rule's, or the fallback's when the median is 0
							double[] hsic = hsicPerCell(on, designs.onLists(), scores, cells, last);
							System.arraycopy(upsampling.apply(hsic, grid, grid, h, w), 0, maps, i * h * w, h * w);
						});
					}
				};
			}, progress, name());
			estimator.finish();
		}
		Map<String, String> meta = AttributionMethod.metadata(classifier, name(), resolved);
		meta.put("grid", Integer.toString(grid));
		meta.put("samples", Integer.toString(samples));
		meta.put("perturbation", perturbation.describe());
		meta.put("seed", Long.toString(seed));
		meta.put("score", score.name());
		meta.put("upsampling", upsampling.key());
		meta.put("output_kernel_width", java.util.Arrays.stream(widths).mapToObj(v -> String.format(java.util.Locale.ROOT, "%.6g", v))
			.collect(java.util.stream.Collectors.joining(",")));
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

	/**
	 * HSIC per cell. Xplique's estimator is sum(H K H o H L H) / m with L the output Gram matrix,
	 * K(a,b) = 1 + 1/2 - (u_a - u_b)^2 the input kernel on the cell's on/off vector u, H the centring
	 * matrix. Since H L H has zero row sums, sum(K o HLH) = 2 u'HLHu = 2 c'Lc with c = Hu = u - p1
	 * (p = on / m): each cell's value is 2 c'Lc / m. Two exact ways to that quadratic form, chosen by
	 * cost: {@link #bySeries} when the scores span a few kernel widths (every bundled model), else
	 * {@link #byPairs}.
	 */
	static double[] hsicPerCell(boolean[][] on, float[] y, int cells) {
		return hsicPerCell(on, y, cells, true);
	}

	/**
	 * As above; {@code parallel} false computes {@link #byPairs}' row slices one after the other on the
	 * calling thread: the same sums in the same order, so the same bits ({@link #bySeries} is one thread).
	 */
	static double[] hsicPerCell(boolean[][] on, float[] y, int cells, boolean parallel) {
		return hsicPerCell(on, null, y, cells, parallel);
	}

	/** As above, with each cell's on samples already listed ({@link #onLists}; null: listed here when needed). */
	static double[] hsicPerCell(boolean[][] on, int[][] onLists, float[] y, int cells, boolean parallel) {
		double inverse = 1 / bandwidth(y);
		int terms = seriesTerms(y, inverse);
		if (terms == 0) return byPairs(on, y, cells, inverse, parallel);
		return bySeries(onLists != null ? onLists : onLists(on, cells), y, cells, inverse, terms);
	}

	/** A bound on one entry's truncation error in {@link #bySeries}: far below a double's rounding of the diagonal's 1. */
	static final double SERIES_TOLERANCE = 1e-17;
	/** The widest spread, in kernel widths around the scores' mid-range, that {@link #bySeries} takes (|x| <= 8). */
	static final double SERIES_MAX_RADIUS2 = 64;

	/**
	 * The number of series terms {@link #bySeries} needs for these scores ({@code inverse} = 1 / w; x = y / w -
	 * centre, R = max |x|):
	 * the smallest K with R^2K / K! / (1 - R^2 / (K + 1)) <= {@link #SERIES_TOLERANCE}; 0 when the scores
	 * spread wider than {@link #SERIES_MAX_RADIUS2} or K is over a fifth of the samples (then the pair sums
	 * cost less: the series costs about m K cells / 2 additions, the pairs m^2 / 2 exponentials and m^2 cells / 8
	 * gathered additions).
	 */
	static int seriesTerms(float[] y, double inverse) {
		int m = y.length;
		double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
		for (float v : y) {
			double d = v * inverse;
			lo = Math.min(lo, d);
			hi = Math.max(hi, d);
		}
		double radius2 = 0.25 * (hi - lo) * (hi - lo);
		if (!(radius2 <= SERIES_MAX_RADIUS2)) return 0;
		double term = 1;
		int k = 0;
		while (k < m) {
			k++;
			term *= radius2 / k;
			if (radius2 < k + 1 && term / (1 - radius2 / (k + 1)) <= SERIES_TOLERANCE) break;
		}
		return 5 * k <= m ? k : 0;
	}

	/**
	 * c'Lc ({@code inverse} = 1 / w) through a factorisation of the output kernel: with x = y / w - centre (centre the scores'
	 * mid-range, |x| <= R), exp(-(x_a - x_b)^2 / 2) = g_a g_b exp(x_a x_b), g = exp(-x^2 / 2), and the
	 * Taylor series of exp(x_a x_b) makes L = Z Z' with z_ak = g_a x_a^k / sqrt(k!), k < K. Then
	 * c'Lc = sum_k (sum_a c_a z_ak)^2 = sum_k (sum of z_ak - mean_k over the cell's on samples)^2: per cell, K sums over its on samples, no pair of samples and
	 * m exponentials in all instead of m^2 / 2. Left out: the terms k >= K, at most
	 * g_a g_b R^2K / K! / (1 - R^2 / (K + 1)) <= R^2K / K! / (...) per entry, which {@link #seriesTerms}
	 * keeps under {@link #SERIES_TOLERANCE}; the sum of a row of Z Z' never exceeds 1 in absolute
	 * value (g_a g_b exp(|x_a x_b|) <= 1), so rounding stays at the level of a double's.
	 */
	static double[] bySeries(boolean[][] on, float[] y, int cells, double inverse, int terms) {
		return bySeries(onLists(on, cells), y, cells, inverse, terms);
	}

	/** Per cell, the samples where it is on, in increasing order. */
	static int[][] onLists(boolean[][] on, int cells) {
		int m = on.length;
		int[] count = new int[cells];
		for (boolean[] row : on) for (int j = 0; j < cells; j++) if (row[j]) count[j]++;
		int[][] lists = new int[cells][];
		for (int j = 0; j < cells; j++) lists[j] = new int[count[j]];
		java.util.Arrays.fill(count, 0);
		for (int a = 0; a < m; a++) for (int j = 0; j < cells; j++) if (on[a][j]) lists[j][count[j]++] = a;
		return lists;
	}

	/** As {@link #bySeries(boolean[][], float[], int, double, int)} with each cell's on samples listed ({@link #onLists}). */
	static double[] bySeries(int[][] onLists, float[] y, int cells, double inverse, int terms) {
		int m = y.length;
		double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
		for (float v : y) {
			lo = Math.min(lo, v * inverse);
			hi = Math.max(hi, v * inverse);
		}
		double centre = 0.5 * (lo + hi);
		double[] step = new double[terms];
		for (int k = 1; k < terms; k++) step[k] = 1 / Math.sqrt(k);
		// Z, then its columns centred: c'Z = u'(Z - 1 mean') exactly when p = on / m, with far less cancellation
		double[] z = new double[m * terms], mean = new double[terms];
		for (int a = 0; a < m; a++) {
			double x = y[a] * inverse - centre;
			int row = a * terms;
			z[row] = Math.exp(-0.5 * x * x);
			for (int k = 1; k < terms; k++) z[row + k] = z[row + k - 1] * x * step[k];
			for (int k = 0; k < terms; k++) mean[k] += z[row + k];
		}
		for (int k = 0; k < terms; k++) mean[k] /= m;
		for (int a = 0; a < m; a++) {
			int row = a * terms;
			for (int k = 0; k < terms; k++) z[row + k] -= mean[k];
		}
		// per cell, its on samples' rows summed in sample order (no test per sample and cell)
		double[] v = new double[cells * terms];
		for (int j = 0; j < cells; j++) {
			int base = j * terms;
			for (int a : onLists[j]) {
				int row = a * terms;
				for (int k = 0; k < terms; k++) v[base + k] += z[row + k];
			}
		}
		double[] result = new double[cells];
		for (int j = 0; j < cells; j++) {
			double q = 0;
			for (int k = 0; k < terms; k++) q += v[j * terms + k] * v[j * terms + k];
			result[j] = 2 * q / m;
		}
		return result;
	}

	/**
	 * c'Lc ({@code inverse} = 1 / w) = S - 2p R + p^2 T, pair by pair: S the sum of L over on-on pairs, R the sum of L's row sums r
	 * over on rows, T the sum of L. L is never stored: each row's upper part is computed into a buffer and
	 * summed at once over every cell where that row is on (gathering only its on columns after the row),
	 * so S = on count (L's diagonal is 1) + twice those upper sums: a quarter of the pairs, read from a row
	 * that stays in the cache. Rows are dealt to all cores in turn ({@code parallel}), or the same slices
	 * run one after the other.
	 */
	static double[] byPairs(boolean[][] on, float[] y, int cells, double inverse, boolean parallel) {
		int m = y.length;
		// per cell its on samples in order, and per (sample, cell) the sample's position in that list
		int[][] onList = new int[cells][m];
		int[] count = new int[cells];
		int[] position = new int[m * cells];
		for (int a = 0; a < m; a++) {
			for (int j = 0; j < cells; j++) {
				if (!on[a][j]) continue;
				position[a * cells + j] = count[j];
				onList[j][count[j]++] = a;
			}
		}
		int tasks = (long) cells * m * m >= 1 << 18 ? Math.min(8, ForkJoinPool.getCommonPoolParallelism() + 1) : 1;
		double[][] pairSums = new double[tasks][cells], rowSums = new double[tasks][m];
		IntStream slices = IntStream.range(0, tasks);
		if (tasks > 1 && parallel) slices = slices.parallel();
		slices.forEach(task -> {
			double[] pairs = pairSums[task], r = rowSums[task], row = new double[m];
			for (int a = task; a < m; a += tasks) {
				double ya = y[a];
				double upper = 0;
				for (int b = a + 1; b < m; b++) {
					double d = (ya - y[b]) * inverse;
					double e = Math.exp(-0.5 * d * d);
					row[b] = e;
					upper += e;
					r[b] += e;
				}
				r[a] += 1 + upper;
				boolean[] onA = on[a];
				for (int j = 0; j < cells; j++) {
					if (!onA[j]) continue;
					int[] list = onList[j];
					int end = count[j], ib = position[a * cells + j] + 1;
					double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
					for (; ib + 3 < end; ib += 4) {
						s0 += row[list[ib]];
						s1 += row[list[ib + 1]];
						s2 += row[list[ib + 2]];
						s3 += row[list[ib + 3]];
					}
					for (; ib < end; ib++) s0 += row[list[ib]];
					pairs[j] += (s0 + s1) + (s2 + s3);
				}
			}
		});
		double[] rowSum = new double[m];
		double total = 0;
		for (int a = 0; a < m; a++) {
			for (int task = 0; task < tasks; task++) rowSum[a] += rowSums[task][a];
			total += rowSum[a];
		}
		double[] result = new double[cells];
		for (int j = 0; j < cells; j++) {
			double pairs = 0, onRows = 0;
			for (int task = 0; task < tasks; task++) pairs += pairSums[task][j];
			for (int k = 0; k < count[j]; k++) onRows += rowSum[onList[j][k]];
			double p = count[j] / (double) m;
			result[j] = 2 * (count[j] + 2 * pairs - 2 * p * onRows + p * p * total) / m;
		}
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
