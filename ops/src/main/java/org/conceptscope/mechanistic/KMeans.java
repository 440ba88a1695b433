package org.conceptscope.mechanistic;

import java.util.Random;
import java.util.concurrent.CancellationException;

import org.conceptscope.util.Progress;

/**
 * k-means with k-means++ seeding (Arthur and Vassilvitskii 2007) and Lloyd iterations; the seed
 * fixes everything, so the same data and seed give the same centroids.
 */
public final class KMeans {

	/** Centroids, the cluster of every point, and the within-cluster sum of squares. */
	public record Result(double[][] centroids, int[] assignment, double inertia) {}

	private KMeans() {}

	public static Result fit(double[][] x, int k, long seed, int maxIterations) {
		return fit(x, k, seed, maxIterations, Progress.NONE);
	}

	/** @throws CancellationException when progress asks to stop (asked after every iteration) */
	public static Result fit(double[][] x, int k, long seed, int maxIterations, Progress progress) {
		int n = x.length;
		if (k < 1 || k > n) throw new IllegalArgumentException("k-means needs 1 <= k <= " + n + " points, got k = " + k + ".");
		int d = x[0].length;
		Random rnd = new Random(seed);
		double[][] c = new double[k][];
		c[0] = x[rnd.nextInt(n)].clone();
		double[] dist = new double[n];
		for (int j = 1; j < k; j++) {
			double total = 0;
			for (int i = 0; i < n; i++) {
				double best = Double.POSITIVE_INFINITY;
				for (int q = 0; q < j; q++) best = Math.min(best, sq(x[i], c[q]));
				dist[i] = best;
				total += best;
			}
			double pick = rnd.nextDouble() * total;
			int chosen = n - 1;
			for (int i = 0; i < n; i++) {
				pick -= dist[i];
				if (pick <= 0) {
					chosen = i;
					break;
				}
			}
			c[j] = x[chosen].clone();
		}
		int[] a = new int[n];
		double inertia = 0;
		for (int it = 0; it < maxIterations; it++) {
			boolean changed = it == 0;
			inertia = 0;
			for (int i = 0; i < n; i++) {
				int best = 0;
				double bd = sq(x[i], c[0]);
				for (int q = 1; q < k; q++) {
					double dq = sq(x[i], c[q]);
					if (dq < bd) {
						bd = dq;
						best = q;
					}
				}
				if (a[i] != best) changed = true;
				a[i] = best;
				inertia += bd;
			}
			if (!changed) break;
			if (!progress.report(it + 1, maxIterations, "k-means iteration")) {
				throw new CancellationException("k-means cancelled at iteration " + (it + 1) + ".");
			}
			double[][] sum = new double[k][d];
			int[] count = new int[k];
			for (int i = 0; i < n; i++) {
				count[a[i]]++;
				for (int j = 0; j < d; j++) sum[a[i]][j] += x[i][j];
			}
			for (int q = 0; q < k; q++) {
				if (count[q] == 0) continue; // an empty cluster keeps its centroid
				for (int j = 0; j < d; j++) c[q][j] = sum[q][j] / count[q];
			}
		}
		return new Result(c, a, inertia);
	}

	static double sq(double[] a, double[] b) {
		double s = 0;
		for (int i = 0; i < a.length; i++) s += (a[i] - b[i]) * (a[i] - b[i]);
		return s;
	}
}
