package org.conceptscope.tcav;

import java.util.concurrent.atomic.AtomicReferenceArray;

import org.conceptscope.tensor.FeatureColumns;

/**
 * Dot products, in double, of the activation rows the SVM fits of one layer use: the random pool
 * (rows 0..p-1, computed once per layer and shared by every fit) and optionally one concept's
 * examples (rows p..p+m-1: their products with the pool and with each other). Each product is a
 * plain sum over the d features in order (float times float is exact in double), the same value
 * whichever row asks. The rows are first laid out by feature ({@link #layOut()}, {@link
 * FeatureColumns}), then the products are made in groups of {@value FeatureColumns#GROUP} rows,
 * items that several threads can share.
 */
final class Gram {

	final int p, m, d;
	private final float[] pool, concept;
	/** The pool's rows by feature (shared with the concept views), and this view's concept rows; set by {@link #layOut()}. */
	private final FeatureColumns[] poolColumns;
	private volatile FeatureColumns conceptColumns;
	/** This view's own rows (the pool's, or the concept's) widened, as points; set by {@link #layOut()}. */
	private volatile double[][] ownRows;
	/** [p, p] products of the pool, shared with every concept's view. */
	private final double[] poolDots;
	/** [m, p + m] products of the concept's rows with the pool's, then with each other; null without a concept. */
	private final double[] conceptDots;

	private Gram(float[] pool, int p, float[] concept, int m, int d, FeatureColumns[] poolColumns, double[] poolDots, double[] conceptDots) {
		this.pool = pool;
		this.p = p;
		this.concept = concept;
		this.m = m;
		this.d = d;
		this.poolColumns = poolColumns;
		this.poolDots = poolDots;
		this.conceptDots = conceptDots;
	}

	/** The pool's products: {@link #layOut()}, then {@link #poolGroup(int)} for every group of its rows. */
	static Gram pool(float[] acts, int p, int d) {
		return new Gram(acts, p, null, 0, d, new FeatureColumns[1], new double[p * p], null);
	}

	/** A view with one concept's examples added: {@link #layOut()}, then {@link #conceptGroup(int)} for every group of its rows. */
	Gram withConcept(float[] acts, int m) {
		return new Gram(pool, p, acts, m, d, poolColumns, poolDots, new double[m * (p + m)]);
	}

	/** Lays this view's own rows out by feature (the pool's for the pool's view, the concept's for a concept's view). */
	void layOut() {
		if (concept == null) {
			double[][] rows = FeatureColumns.points(pool, p, d);
			synchronized (poolColumns) {
				poolColumns[0] = FeatureColumns.of(rows, d);
			}
			ownRows = rows;
		} else {
			double[][] rows = FeatureColumns.points(concept, m, d);
			conceptColumns = FeatureColumns.of(rows, d);
			ownRows = rows;
		}
	}

	private FeatureColumns poolColumns() {
		synchronized (poolColumns) {
			if (poolColumns[0] == null) throw new IllegalStateException("The pool's rows are not laid out yet.");
			return poolColumns[0];
		}
	}

	/** Fills the pool's products of group g's rows i with rows from the group's first on (and their mirror images). */
	void poolGroup(int g) {
		int first = g * FeatureColumns.GROUP, last = Math.min(p, first + FeatureColumns.GROUP);
		double[][] out = new double[last - first][p];
		poolColumns().dots(java.util.Arrays.copyOfRange(ownRows, first, last), first, out);
		for (int i = first; i < last; i++) {
			for (int k = first; k < p; k++) poolDots[i * p + k] = poolDots[k * p + i] = out[i - first][k];
		}
	}

	/** Fills group g of the concept's rows a: their products with the pool and with concept rows from the group's first on (and their mirror images). */
	void conceptGroup(int g) {
		int first = g * FeatureColumns.GROUP, last = Math.min(m, first + FeatureColumns.GROUP), w = p + m;
		double[][] points = java.util.Arrays.copyOfRange(ownRows, first, last), withPool = new double[last - first][p], withConcept = new double[last - first][m];
		poolColumns().dots(points, 0, withPool);
		conceptColumns.dots(points, first, withConcept);
		for (int a = first; a < last; a++) {
			System.arraycopy(withPool[a - first], 0, conceptDots, a * w, p);
			for (int b = first; b < m; b++) conceptDots[a * w + p + b] = conceptDots[b * w + p + a] = withConcept[a - first][b];
		}
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
	 * {@link InputDots#group(int)} for every group of inputs once the view is laid out; a concept's
	 * view shares the pool's part with the pool view's (which fills it).
	 */
	InputDots inputDots(float[] inputs, int n, InputDots poolView) {
		return new InputDots(inputs, n, poolView == null ? new AtomicReferenceArray<>(n) : poolView.widened, poolView == null ? new double[n * p] : poolView.withPool,
			poolView == null, new double[n * m]);
	}

	final class InputDots {

		private final float[] inputs;
		private final int n;
		/** The inputs widened, each by the first view whose group needs it (the pool's), shared with the concept views. */
		private final AtomicReferenceArray<double[]> widened;
		private final double[] withPool, withConcept;
		private final boolean fillsPool;

		private InputDots(float[] inputs, int n, AtomicReferenceArray<double[]> widened, double[] withPool, boolean fillsPool, double[] withConcept) {
			this.inputs = inputs;
			this.n = n;
			this.widened = widened;
			this.withPool = withPool;
			this.fillsPool = fillsPool;
			this.withConcept = withConcept;
		}

		int n() {
			return n;
		}

		/** Fills the products of group g's inputs (with the pool's rows when this is the pool's view, with the concept's rows). */
		void group(int g) {
			int first = g * FeatureColumns.GROUP, last = Math.min(n, first + FeatureColumns.GROUP);
			double[][] points = new double[last - first][];
			for (int i = first; i < last; i++) {
				double[] x = widened.get(i);
				if (x == null) {
					widened.compareAndSet(i, null, FeatureColumns.point(inputs, i, d));
					x = widened.get(i);
				}
				points[i - first] = x;
			}
			if (fillsPool) {
				double[][] out = new double[last - first][p];
				poolColumns().dots(points, 0, out);
				for (int i = first; i < last; i++) System.arraycopy(out[i - first], 0, withPool, i * p, p);
			}
			if (m > 0) {
				double[][] out = new double[last - first][m];
				conceptColumns.dots(points, 0, out);
				for (int i = first; i < last; i++) System.arraycopy(out[i - first], 0, withConcept, i * m, m);
			}
		}

		/** g_i . x_row for a row of the view. */
		double dot(int i, int row) {
			return row < p ? withPool[i * p + row] : withConcept[i * m + row - p];
		}
	}
}
