package org.conceptscope.tcav;

import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Dot products, in double, of the activation rows the SVM fits of one layer use: the random pool
 * (rows 0..p-1, computed once per layer and shared by every fit) and optionally one concept's
 * examples (rows p..p+m-1: their products with the pool and with each other). Each product is a
 * plain sum over the d features in order (float times float is exact in double), the same value
 * whichever row asks; the work is cut into items (rows) that several threads can share. Rows are
 * widened to double once, by whichever item needs them first (the same numbers: float to double is
 * exact), so that the inner loops only multiply and add.
 */
final class Gram {

	final int p, m, d;
	private final float[] pool, concept;
	/** The rows widened to double, each made once when first needed (shared with the concept views). */
	private final AtomicReferenceArray<double[]> widePool, wideConcept;
	/** [p, p] products of the pool, shared with every concept's view. */
	private final double[] poolDots;
	/** [m, p + m] products of the concept's rows with the pool's, then with each other; null without a concept. */
	private final double[] conceptDots;

	private Gram(float[] pool, int p, float[] concept, int m, int d, AtomicReferenceArray<double[]> widePool, double[] poolDots, double[] conceptDots) {
		this.pool = pool;
		this.p = p;
		this.concept = concept;
		this.m = m;
		this.d = d;
		this.widePool = widePool;
		this.wideConcept = new AtomicReferenceArray<>(m);
		this.poolDots = poolDots;
		this.conceptDots = conceptDots;
	}

	/** The pool's products, to be filled by {@link #poolRow(int)} for every row 0..p-1. */
	static Gram pool(float[] acts, int p, int d) {
		return new Gram(acts, p, null, 0, d, new AtomicReferenceArray<>(p), new double[p * p], null);
	}

	/** A view with one concept's examples added, to be filled by {@link #conceptRow(int)} for every row 0..m-1. */
	Gram withConcept(float[] acts, int m) {
		return new Gram(pool, p, acts, m, d, widePool, poolDots, new double[m * (p + m)]);
	}

	/** Fills the pool's products of row i with rows i..p-1 (and their mirror images). */
	void poolRow(int i) {
		double[] row = new double[p - i];
		dots(wide(i), i, p, row);
		for (int k = i; k < p; k++) poolDots[i * p + k] = poolDots[k * p + i] = row[k - i];
	}

	/** Fills the concept's row a: its products with the pool and with concept rows a..m-1 (and their mirror images). */
	void conceptRow(int a) {
		int w = p + m;
		double[] withPool = new double[p], withConcept = new double[m - a];
		double[] x = wide(p + a);
		dots(x, 0, p, withPool);
		dots(x, p + a, p + m, withConcept);
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
	 * The products of n input rows (layer gradients, [n, d]) with this view's rows, filled by
	 * {@link InputDots#row(int)} for every input; a concept's view shares the pool's part with the
	 * pool view's (which fills it).
	 */
	InputDots inputDots(float[] inputs, int n, InputDots poolView) {
		return new InputDots(inputs, n, poolView == null ? new double[n * p] : poolView.withPool, poolView == null, new double[n * m]);
	}

	final class InputDots {

		private final float[] inputs;
		private final int n;
		private final double[] withPool, withConcept;
		private final boolean fillsPool;

		private InputDots(float[] inputs, int n, double[] withPool, boolean fillsPool, double[] withConcept) {
			this.inputs = inputs;
			this.n = n;
			this.withPool = withPool;
			this.fillsPool = fillsPool;
			this.withConcept = withConcept;
		}

		int n() {
			return n;
		}

		/** Fills input i's products (with the pool's rows when this is the pool's view, with the concept's rows). */
		void row(int i) {
			double[] out = new double[Math.max(p, m)];
			double[] x = widen(inputs, i * d, d);
			if (fillsPool) {
				dots(x, 0, p, out);
				System.arraycopy(out, 0, withPool, i * p, p);
			}
			if (m > 0) {
				dots(x, p, p + m, out);
				System.arraycopy(out, 0, withConcept, i * m, m);
			}
		}

		/** g_i . x_row for a row of the view. */
		double dot(int i, int row) {
			return row < p ? withPool[i * p + row] : withConcept[i * m + row - p];
		}
	}

	/** Row i of this view (pool rows first, then the concept's) in double, widened once. */
	double[] wide(int i) {
		AtomicReferenceArray<double[]> rows = i < p ? widePool : wideConcept;
		int r = i < p ? i : i - p;
		double[] w = rows.get(r);
		if (w == null) {
			rows.compareAndSet(r, null, widen(i < p ? pool : concept, r * d, d));
			w = rows.get(r);
		}
		return w;
	}

	static double[] widen(float[] x, int offset, int d) {
		double[] w = new double[d];
		for (int j = 0; j < d; j++) w[j] = x[offset + j];
		return w;
	}

	/**
	 * out[k - from] = x . x_k for rows k in [from, to) of this view, each a sum over j in order; four
	 * rows at a time so the four sums proceed side by side.
	 */
	void dots(double[] x, int from, int to, double[] out) {
		int k = from;
		for (; k + 3 < to; k += 4) {
			double[] y0 = wide(k), y1 = wide(k + 1), y2 = wide(k + 2), y3 = wide(k + 3);
			double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
			for (int j = 0; j < d; j++) {
				double v = x[j];
				s0 += v * y0[j];
				s1 += v * y1[j];
				s2 += v * y2[j];
				s3 += v * y3[j];
			}
			out[k - from] = s0;
			out[k - from + 1] = s1;
			out[k - from + 2] = s2;
			out[k - from + 3] = s3;
		}
		for (; k < to; k++) {
			double[] y = wide(k);
			double s = 0;
			for (int j = 0; j < d; j++) s += x[j] * y[j];
			out[k - from] = s;
		}
	}
}
