package org.conceptscope.tcav;

/**
 * Dot products, in double, of the activation rows the SVM fits of one layer use: the random pool
 * (rows 0..p-1, computed once per layer and shared by every fit) and optionally one concept's
 * examples (rows p..p+m-1: their products with the pool and with each other). Each product is a
 * plain sum over the d features in order (float times float is exact in double), the same value
 * whichever row asks; the work is cut into items (rows) that several threads can share.
 */
final class Gram {

	final int p, m, d;
	private final float[] pool, concept;
	/** [p, p] products of the pool, shared with every concept's view. */
	private final double[] poolDots;
	/** [m, p + m] products of the concept's rows with the pool's, then with each other; null without a concept. */
	private final double[] conceptDots;

	private Gram(float[] pool, int p, float[] concept, int m, int d, double[] poolDots, double[] conceptDots) {
		this.pool = pool;
		this.p = p;
		this.concept = concept;
		this.m = m;
		this.d = d;
		this.poolDots = poolDots;
		this.conceptDots = conceptDots;
	}

	/** The pool's products, to be filled by {@link #poolRow(int)} for every row 0..p-1. */
	static Gram pool(float[] acts, int p, int d) {
		return new Gram(acts, p, null, 0, d, new double[p * p], null);
	}

	/** A view with one concept's examples added, to be filled by {@link #conceptRow(int)} for every row 0..m-1. */
	Gram withConcept(float[] acts, int m) {
		return new Gram(pool, p, acts, m, d, poolDots, new double[m * (p + m)]);
	}

	/** Fills the pool's products of row i with rows i..p-1 (and their mirror images). */
	void poolRow(int i) {
		double[] row = new double[p - i];
		dots(pool, i * d, pool, i, p, d, row);
		for (int k = i; k < p; k++) poolDots[i * p + k] = poolDots[k * p + i] = row[k - i];
	}

	/** Fills the concept's row a: its products with the pool and with concept rows a..m-1 (and their mirror images). */
	void conceptRow(int a) {
		int w = p + m;
		double[] withPool = new double[p], withConcept = new double[m - a];
		dots(concept, a * d, pool, 0, p, d, withPool);
		dots(concept, a * d, concept, a, m, d, withConcept);
		System.arraycopy(withPool, 0, conceptDots, a * w, p);
		for (int b = a; b < m; b++) conceptDots[a * w + p + b] = conceptDots[b * w + p + a] = withConcept[b - a];
	}

	/** x_i . x_k for rows of this view (pool rows first, then the concept's). */
	double dot(int i, int k) {
		if (i < p && k < p) return poolDots[i * p + k];
		if (i < p) return conceptDots[(k - p) * (p + m) + i];
		return conceptDots[(i - p) * (p + m) + k];
	}

	/** w += c * x_i. */
	void addRow(double[] w, double c, int i) {
		float[] x = i < p ? pool : concept;
		int o = (i < p ? i : i - p) * d;
		for (int j = 0; j < d; j++) w[j] += c * x[o + j];
	}

	/**
	 * out[k - from] = x . y_k for rows k in [from, to) of y, each a sum over j in order; four rows
	 * at a time so the four sums proceed side by side.
	 */
	static void dots(float[] x, int xo, float[] y, int from, int to, int d, double[] out) {
		int k = from;
		for (; k + 3 < to; k += 4) {
			int o0 = k * d, o1 = o0 + d, o2 = o1 + d, o3 = o2 + d;
			double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
			for (int j = 0; j < d; j++) {
				double v = x[xo + j];
				s0 += v * y[o0 + j];
				s1 += v * y[o1 + j];
				s2 += v * y[o2 + j];
				s3 += v * y[o3 + j];
			}
			out[k - from] = s0;
			out[k - from + 1] = s1;
			out[k - from + 2] = s2;
			out[k - from + 3] = s3;
		}
		for (; k < to; k++) {
			int o = k * d;
			double s = 0;
			for (int j = 0; j < d; j++) s += (double) x[xo + j] * y[o + j];
			out[k - from] = s;
		}
	}
}
