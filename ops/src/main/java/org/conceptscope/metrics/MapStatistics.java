package org.conceptscope.metrics;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

import org.conceptscope.attribution.Attribution;

/**
 * How concentrated a map is, from the map alone (no model call), as Xplique computes it on
 * |attribution| flattened: Complexity (Bhatt et al. 2020) is the Shannon entropy of |map| / sum,
 * lower for concentrated maps (0 for one pixel, ln(pixels) for a uniform map); Sparseness
 * (Chalasani et al. 2020) is the Gini index of |map|, higher for concentrated maps (0 uniform,
 * (n-1)/n for one pixel). Xplique adds 1e-8 inside the logarithm and the divisions; here an
 * all-zero map gives NaN (undefined) instead of a number that depends on that guard.
 */
public final class MapStatistics {

	/** Which statistic. */
	public enum Kind {
		COMPLEXITY("complexity", "lower"), SPARSENESS("sparseness", "higher");

		final String id, better;

		Kind(String id, String better) {
			this.id = id;
			this.better = better;
		}
	}

	private final Kind kind;

	public MapStatistics(Kind kind) {
		if (kind == null) throw new IllegalArgumentException("No statistic given: COMPLEXITY or SPARSENESS.");
		this.kind = kind;
	}

	/** One value per map and their mean. */
	public MetricResult evaluate(Attribution attribution) {
		int n = (int) attribution.maps().dim(0), per = attribution.maps().stride0();
		int bad = attribution.maps().firstNonFinite();
		if (bad >= 0) throw new IllegalArgumentException("Attribution map " + bad / per + " contains NaN or infinite values; " + kind.id + " needs finite maps.");
		float[] m = attribution.maps().data();
		double[] values = new double[n];
		for (int i = 0; i < n; i++) {
			double[] a = new double[per];
			for (int p = 0; p < per; p++) a[p] = Math.abs(m[i * per + p]);
			values[i] = kind == Kind.COMPLEXITY ? entropy(a) : gini(a);
		}
		Map<String, String> meta = new HashMap<>();
		meta.put("metric", kind.id);
		meta.put("method", attribution.metadata().getOrDefault("method", "unknown"));
		meta.put("better", kind.better);
		return new MetricResult(kind.id, attribution.targets(), values, FiniteMean.of(values), new double[n][0], meta);
	}

	/** -sum p ln p of p = a / sum(a), a >= 0; NaN when a is all zero. */
	static double entropy(double[] a) {
		double sum = 0;
		for (double v : a) sum += v;
		if (!(sum > 0)) return Double.NaN;
		double h = 0;
		for (double v : a) {
			if (v > 0) {
				double p = v / sum;
				h -= p * Math.log(p);
			}
		}
		return h;
	}

	/** Gini index of a >= 0: (2 sum_i i a_(i)) / (n sum a) - (n + 1) / n with a sorted ascending, i from 1; NaN when a is all zero. */
	static double gini(double[] a) {
		double[] s = a.clone();
		Arrays.sort(s);
		double sum = 0, weighted = 0;
		int n = s.length;
		for (int i = 0; i < n; i++) {
			sum += s[i];
			weighted += (i + 1) * s[i];
		}
		if (!(sum > 0)) return Double.NaN;
		return 2 * weighted / (n * sum) - (n + 1.0) / n;
	}
}
