package org.conceptscope.examples;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.conceptscope.tensor.FloatTensor;

/**
 * Prototypes by MMD-critic (Kim, Khanna and Koyejo 2016, "Examples are not Enough, Learn to
 * Criticize!"), Xplique's MMDCritic: greedily, the examples S whose kernel mean embedding is
 * closest to the data's, maximising F(S) = 2/(n|S|) sum_i sum_{j in S} k(x_i, x_j) - 1/|S|^2
 * sum_{j,l in S} k(x_j, x_l) with the RBF kernel k(x, y) = exp(-gamma |x - y|^2). Per class, the
 * prototypes of that class's examples. gamma defaults to 1 / the median squared distance between
 * examples (the median heuristic); Xplique's default, 1 / the number of features, assumes features
 * of unit scale, which layer activations are not.
 */
public final class Prototypes {

	/** Selected examples (indices into the examples given, in selection order) and F after each selection. */
	public record Selection(int[] indices, double[] objective, double gamma) {}

	private final int count;
	private final double gamma;

	/** @param gamma the RBF kernel's gamma, or 0 for the median heuristic */
	public Prototypes(int count, double gamma) {
		if (count < 1) throw new IllegalArgumentException("Ask for at least 1 prototype, got " + count + ".");
		if (!(gamma >= 0) || !Double.isFinite(gamma)) throw new IllegalArgumentException("The kernel's gamma must be a number >= 0 (0: median heuristic).");
		this.count = count;
		this.gamma = gamma;
	}

	/** Prototypes of all the examples [n, d] together. */
	public Selection select(FloatTensor examples) {
		int n = (int) examples.dim(0);
		if (n < 1) throw new IllegalArgumentException("No examples to choose prototypes from.");
		return select(LatentSpace.squaredDistances(examples));
	}

	/** Prototypes of the examples whose squared distances (symmetric, each pair mirrored) are d2 [n][n], n >= 1. */
	Selection select(double[][] d2) {
		int n = d2.length;
		double g = gamma > 0 ? gamma : medianHeuristic(d2);
		// k is symmetric as d2 is (mirrored): each exp once
		double[][] k = new double[n][n];
		for (int i = 0; i < n; i++) {
			double[] ki = k[i], di = d2[i];
			for (int j = i; j < n; j++) k[j][i] = ki[j] = Math.exp(-g * di[j]);
		}
		double[] colMean = new double[n];
		for (int i = 0; i < n; i++) {
			double[] ki = k[i];
			for (int j = 0; j < n; j++) colMean[j] += ki[j] / n;
		}
		int m = Math.min(count, n);
		int[] chosen = new int[m];
		double[] objective = new double[m];
		boolean[] taken = new boolean[n];
		double[] cross = new double[n]; // sum over S of k(c, j)
		double selMean = 0, selSum = 0;
		for (int s = 0; s < m; s++) {
			int size = s + 1, best = -1;
			double bestF = Double.NEGATIVE_INFINITY;
			for (int c = 0; c < n; c++) {
				if (taken[c]) continue;
				double f = 2.0 / size * (selMean + colMean[c]) - (selSum + 2 * cross[c] + k[c][c]) / ((double) size * size);
				if (f > bestF) {
					bestF = f;
					best = c;
				}
			}
			taken[best] = true;
			chosen[s] = best;
			objective[s] = bestF;
			selMean += colMean[best];
			selSum += 2 * cross[best] + k[best][best];
			for (int c = 0; c < n; c++) cross[c] += k[c][best];
		}
		return new Selection(chosen, objective, g);
	}

	/** Prototypes of each class's examples; indices refer to the examples given. */
	public List<Selection> perClass(FloatTensor examples, int[] labels, int classes) {
		if (labels.length != examples.dim(0)) throw new IllegalArgumentException(labels.length + " labels for " + examples.dim(0) + " examples.");
		List<Selection> out = new ArrayList<>();
		for (int[] members : classMembers(labels, classes)) out.add(members.length == 0 ? NONE : global(select(examples.rows(members)), members));
		return out;
	}

	/**
	 * Bytes the prototypes of groups of these sizes hold at once: every group's squared distances (n x n
	 * doubles each) and, while a group's prototypes are chosen, its kernel and the copy of its distances
	 * the median heuristic sorts, for the groups chosen at the same time (the largest {@link #AT_ONCE}).
	 */
	static long bytesNeeded(int[] sizes) {
		long all = 0;
		for (int s : sizes) all += (long) s * s;
		long[] squares = Arrays.stream(sizes).mapToLong(s -> (long) s * s).sorted().toArray();
		long chosen = 0;
		for (int i = squares.length - 1; i >= Math.max(0, squares.length - AT_ONCE); i--) chosen += squares[i] + squares[i] / 2;
		return 8 * (all + chosen);
	}

	/** Groups chosen at the same time: one per thread of the common pool, and the caller's. */
	static final int AT_ONCE = java.util.concurrent.ForkJoinPool.commonPool().getParallelism() + 1;

	/**
	 * Refuses, in one sentence, groups whose prototypes need more memory than {@code available} bytes,
	 * before any image goes through the model (they fail out of memory only after the projection).
	 */
	static void checkMemory(int[] sizes, long available) {
		checkMemory(sizes, bytesNeeded(sizes), available);
	}

	/** As above, {@code need} bytes counting what the prototypes need besides their distances. */
	static void checkMemory(int[] sizes, long need, long available) {
		if (need <= available) return;
		int images = java.util.Arrays.stream(sizes).sum();
		throw new IllegalArgumentException(String.format(java.util.Locale.ROOT, "Prototypes of %d training images%s need about %s with"
			+ " their pairwise distances, and Java has %s left: choose them per class (one subfolder of images per class, which splits"
			+ " the distances), from fewer images, or give Java more memory (-Xmx); prototypes=0 finds the nearest examples only.", images,
			sizes.length > 1 ? " in " + sizes.length + " classes" : "", org.conceptscope.util.Limits.readableSize(need, available), org.conceptscope.util.Limits.readableSize(available, need)));
	}

	/** The selection of a class without examples. */
	static final Selection NONE = new Selection(new int[0], new double[0], Double.NaN);

	/** The examples of each class 0..classes-1, in the order given. */
	static int[][] classMembers(int[] labels, int classes) {
		int[][] out = new int[classes][];
		for (int c = 0; c < classes; c++) {
			int cls = c;
			out[c] = java.util.stream.IntStream.range(0, labels.length).filter(i -> labels[i] == cls).toArray();
		}
		return out;
	}

	/** A selection among some examples, its indices turned into the indices of all the examples. */
	static Selection global(Selection s, int[] members) {
		return new Selection(Arrays.stream(s.indices()).map(i -> members[i]).toArray(), s.objective(), s.gamma());
	}

	/** 1 / the median of the squared distances between distinct examples (1 when they are all equal). */
	static double medianHeuristic(double[][] d2) {
		int n = d2.length;
		double[] v = new double[Math.toIntExact((long) n * (n - 1) / 2)]; // n * (n - 1) overflows an int past 46 341
		int q = 0;
		for (int i = 0; i < n; i++) for (int j = i + 1; j < n; j++) v[q++] = d2[i][j];
		if (v.length == 0) return 1;
		double median = kth(v, v.length / 2);
		return median > 0 ? 1 / median : 1;
	}

	/**
	 * The k-th smallest of v (0-based) in {@link Double#compare}'s order, what {@code Arrays.sort(v)}
	 * would put at k, found by partitioning (Hoare's FIND) instead of sorting; v is reordered.
	 */
	static double kth(double[] v, int k) {
		int lo = 0, hi = v.length - 1;
		while (lo < hi) {
			double pivot = v[(lo + hi) >>> 1];
			int i = lo, j = hi;
			while (i <= j) {
				while (Double.compare(v[i], pivot) < 0) i++;
				while (Double.compare(v[j], pivot) > 0) j--;
				if (i <= j) {
					double t = v[i];
					v[i++] = v[j];
					v[j--] = t;
				}
			}
			if (k <= j) hi = j;
			else if (k >= i) lo = i;
			else return v[k];
		}
		return v[k];
	}

	/** F(S) computed from its definition (for tests of the greedy bookkeeping). */
	static double objective(double[][] k, int[] s) {
		int n = k.length;
		double a = 0, b = 0;
		for (int i = 0; i < n; i++) for (int j : s) a += k[i][j];
		for (int j : s) for (int l : s) b += k[j][l];
		return 2 * a / ((double) n * s.length) - b / ((double) s.length * s.length);
	}
}
