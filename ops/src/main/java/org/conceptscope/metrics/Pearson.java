package org.conceptscope.metrics;

/** Pearson correlation coefficient. */
final class Pearson {

	private Pearson() {}

	/** NaN when either series is constant: a correlation is then undefined, not zero. */
	static double correlation(double[] a, double[] b) {
		if (a.length != b.length || a.length < 2) {
			throw new IllegalArgumentException("Correlation needs two series of equal length >= 2, got " + a.length + " and " + b.length + ".");
		}
		int n = a.length;
		double ma = 0, mb = 0;
		for (int i = 0; i < n; i++) {
			ma += a[i];
			mb += b[i];
		}
		ma /= n;
		mb /= n;
		double sab = 0, saa = 0, sbb = 0;
		for (int i = 0; i < n; i++) {
			double da = a[i] - ma, db = b[i] - mb;
			sab += da * db;
			saa += da * da;
			sbb += db * db;
		}
		if (saa == 0 || sbb == 0) return Double.NaN;
		return sab / Math.sqrt(saa * sbb);
	}
}
