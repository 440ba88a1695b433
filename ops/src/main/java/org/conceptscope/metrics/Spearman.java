package org.conceptscope.metrics;

import java.util.Arrays;

/** Spearman rank correlation: Pearson on ranks, ties sharing their average rank. */
final class Spearman {

	private Spearman() {}

	/** NaN when a value is NaN: it has no rank (sorted last, each NaN would get a rank of its own and a finite result). */
	static double correlation(double[] a, double[] b) {
		for (double v : a) if (Double.isNaN(v)) return Double.NaN;
		for (double v : b) if (Double.isNaN(v)) return Double.NaN;
		return Pearson.correlation(ranks(a), ranks(b));
	}

	private static double[] ranks(double[] v) {
		Integer[] order = new Integer[v.length];
		for (int i = 0; i < v.length; i++) order[i] = i;
		Arrays.sort(order, (x, y) -> Double.compare(v[x], v[y]));
		double[] r = new double[v.length];
		for (int i = 0; i < v.length;) {
			int j = i;
			while (j + 1 < v.length && v[order[j + 1]] == v[order[i]]) j++;
			double mean = (i + j) / 2.0 + 1;
			for (int k = i; k <= j; k++) r[order[k]] = mean;
			i = j + 1;
		}
		return r;
	}
}
