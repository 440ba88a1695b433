package org.conceptscope.tcav;

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
			FeatureColumns rows = FeatureColumns.of(pool, p, d);
			synchronized (poolColumns) {
				poolColumns[0] = rows;
			}
		} else {
			conceptColumns = FeatureColumns.of(concept, m, d);
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
		FeatureColumns rows = poolColumns();
		rows.dots(rows.group(first, last), first, out);
		for (int i = first; i < last; i++) {
			for (int k = first; k < p; k++) poolDots[i * p + k] = poolDots[k * p + i] = out[i - first][k];
		}
	}

	/** Fills group g of the concept's rows a: their products with the pool and with concept rows from the group's first on (and their mirror images). */
	void conceptGroup(int g) {
		int first = g * FeatureColumns.GROUP, last = Math.min(m, first + FeatureColumns.GROUP), w = p + m;
		double[][] withPool = new double[last - first][p], withConcept = new double[last - first][m];
		FeatureColumns.Group points = conceptColumns.group(first, last);
		poolColumns().dots(points, 0, withPool);
		conceptColumns.dots(points, first, withConcept);
		for (int a = first; a < last; a++) {
			System.arraycopy(withPool[a - first], 0, conceptDots, a * w, p);
			for (int b = first; b < m; b++) conceptDots[a * w + p + b] = conceptDots[b * w + p + a] = withConcept[a - first][b];
		}
	}

	/**
	 * [p + m][p + m]: x_i . x_k for the rows of this view (the pool's first, then the concept's),
	 * gathered once from the pool's and the concept's blocks when first asked for, after every group
	 * is filled: each fit reads its own rows in its own order, and a row lookup there costs a
	 * fraction of what finding each product's block would.
	 */
	double[][] products() {
		double[][] r = products;
		if (r == null) {
			synchronized (this) {
				if ((r = products) == null) products = r = gatherProducts();
			}
		}
		return r;
	}

	private volatile double[][] products;

	private double[][] gatherProducts() {
		int w = p + m;
		double[][] r = new double[w][w];
		for (int i = 0; i < p; i++) {
			System.arraycopy(poolDots, i * p, r[i], 0, p);
			for (int b = 0; b < m; b++) r[i][p + b] = conceptDots[b * w + i];
		}
		for (int a = 0; a < m; a++) System.arraycopy(conceptDots, a * w, r[p + a], 0, w);
		return r;
	}

	/** sum_i share[i] x_i over the rows of this view (pool rows first), each feature's sum in row order, rows of share 0 skipped. */
	double[] combination(double[] share) {
		double[] w = new double[d];
		poolColumns().addCombination(share, 0, w);
		if (m > 0) conceptColumns.addCombination(share, p, w);
		return w;
	}

	/**
	 * The products of n input rows (layer gradients, [n, d]) with this view's rows, filled by
	 * {@link InputDots#group(int)} for every group of inputs once the view is laid out; a concept's
	 * view shares the pool's part with the pool view's (which fills it).
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

		/** Fills the products of group g's inputs (with the pool's rows when this is the pool's view, with the concept's rows). */
		void group(int g) {
			int first = g * FeatureColumns.GROUP, last = Math.min(n, first + FeatureColumns.GROUP);
			FeatureColumns.Group points = FeatureColumns.Group.ofRows(inputs, first, last, d);
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

		/** [n][p + m]: g_i . x_row for the rows of the view, gathered once when first asked for, after every group is filled (see {@link Gram#products()}). */
		double[][] products() {
			double[][] r = products;
			if (r == null) {
				synchronized (this) {
					if ((r = products) == null) {
						r = new double[n][p + m];
						for (int i = 0; i < n; i++) {
							System.arraycopy(withPool, i * p, r[i], 0, p);
							System.arraycopy(withConcept, i * m, r[i], p, m);
						}
						products = r;
					}
				}
			}
			return r;
		}

		private volatile double[][] products;
	}
}
