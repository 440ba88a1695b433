package org.conceptscope.metrics;

/** Mean over the finite values. */
final class FiniteMean {

	private FiniteMean() {}

	/** Undefined per-image values (NaN: a constant map or score) are left out; NaN when none is finite. */
	static double of(double[] values) {
		double sum = 0;
		int n = 0;
		for (double v : values) {
			if (Double.isFinite(v)) {
				sum += v;
				n++;
			}
		}
		return n == 0 ? Double.NaN : sum / n;
	}
}
