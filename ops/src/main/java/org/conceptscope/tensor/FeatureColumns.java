package org.conceptscope.tensor;

/**
 * The rows of a [n, d] float matrix stored feature by feature and widened to double: column k
 * holds feature k of every row. A point's squared distances or dot products with all the rows
 * then run as loops across the rows, which the JIT turns into vector instructions; a loop along
 * one row is a chain of dependent additions, four to eight times slower. Each result is still one
 * sum over the features in order, in double, started from 0, so it has the same bits whichever
 * points are computed together and on whichever thread. Dot products of float values are the
 * exact products summed in order (float times float is exact in double); squared distances take
 * the difference in double (exact unless the two values are more than 2^29 apart in scale).
 * Immutable once made: threads may share it.
 */
public final class FeatureColumns {

	/** Points read from the columns together, so that each column value is loaded once for all of them. */
	public static final int GROUP = 4;

	private final double[][] columns;
	/** Whether column k holds finite values only: then a point's 0 there adds only zeros to its products, which change no sum. */
	private final boolean[] finite;
	private final int n, d;

	private FeatureColumns(double[][] columns, boolean[] finite, int n, int d) {
		this.columns = columns;
		this.finite = finite;
		this.n = n;
		this.d = d;
	}

	/** Rows 0..n-1 of x (row-major, d values each). */
	public static FeatureColumns of(float[] x, int n, int d) {
		if ((long) n * d > x.length) throw new IllegalArgumentException(n + " rows of " + d + " values need " + (long) n * d + ", got " + x.length + ".");
		double[][] c = new double[d][n];
		boolean[] finite = new boolean[d];
		java.util.Arrays.fill(finite, true);
		// blocks of 16 features: each row's 16 values are one cache line read, written into 16 columns
		for (int k0 = 0; k0 < d; k0 += 16) {
			int k1 = Math.min(d, k0 + 16);
			for (int j = 0; j < n; j++) {
				int o = j * d;
				for (int k = k0; k < k1; k++) {
					float v = x[o + k];
					c[k][j] = v;
					if (!Float.isFinite(v)) finite[k] = false;
				}
			}
		}
		return new FeatureColumns(c, finite, n, d);
	}

	/** The given rows, already widened (callers that also use them as points widen each value once). */
	public static FeatureColumns of(double[][] rows, int d) {
		int n = rows.length;
		for (int j = 0; j < n; j++) if (rows[j].length != d) throw new IllegalArgumentException("Row " + j + " has " + rows[j].length + " values, not " + d + ".");
		double[][] c = new double[d][];
		boolean[] finite = new boolean[d];
		// column by column, each made where it is filled (on small sets faster than blocks of features)
		for (int k = 0; k < d; k++) {
			double[] col = new double[n];
			boolean f = true;
			for (int j = 0; j < n; j++) {
				double v = rows[j][k];
				col[j] = v;
				f &= Double.isFinite(v);
			}
			c[k] = col;
			finite[k] = f;
		}
		return new FeatureColumns(c, finite, n, d);
	}

	/** Rows 0..n-1 of x widened to double, as points. */
	public static double[][] points(float[] x, int n, int d) {
		return points(x, 0, n, d);
	}

	/** Rows first..last-1 of x (row-major, d values each) widened to double, as points. */
	public static double[][] points(float[] x, int first, int last, int d) {
		double[][] p = new double[last - first][];
		for (int i = first; i < last; i++) p[i - first] = point(x, i, d);
		return p;
	}

	/** The number of groups of {@value #GROUP} that n points make (the last one possibly smaller). */
	public static int groups(int n) {
		return (n + GROUP - 1) / GROUP;
	}

	public int rows() {
		return n;
	}

	public int features() {
		return d;
	}

	/** Row i of x (row-major, d values each) widened to double, as a point to compare with the rows. */
	public static double[] point(float[] x, int i, int d) {
		double[] p = new double[d];
		int o = i * d;
		for (int k = 0; k < d; k++) p[k] = x[o + k];
		return p;
	}

	/** out[q][j] = |points[q] - row j|^2 for rows j in [from, n) (out[q] has at least n entries). */
	public void squaredDistances(double[][] points, int from, double[][] out) {
		inGroups(points, from, out, true);
	}

	/**
	 * out[q][j] = points[q] . row j for rows j in [from, n) (out[q] has at least n entries). Features
	 * where the points are 0 are skipped (ReLU activations and their gradients are often mostly 0): a
	 * sum that starts at +0 is never -0, and adding +-0 to it changes nothing, so the sums are the
	 * same to the bit; not where the column holds an infinity or NaN, whose product with 0 is NaN.
	 */
	public void dots(double[][] points, int from, double[][] out) {
		inGroups(points, from, out, false);
	}

	/** The points four at a time, then the rest one by one (each result the same either way). */
	private void inGroups(double[][] points, int from, double[][] out, boolean distances) {
		check(points, from, out);
		for (int q = 0; q < points.length; q++) java.util.Arrays.fill(out[q], from, n, 0); // every sum starts at +0
		int q = 0;
		for (; q + GROUP <= points.length; q += GROUP) {
			double[] p0 = points[q], p1 = points[q + 1], p2 = points[q + 2], p3 = points[q + 3];
			if (distances) squaredDistances4(p0, p1, p2, p3, from, out[q], out[q + 1], out[q + 2], out[q + 3]);
			else dots4(p0, p1, p2, p3, from, out[q], out[q + 1], out[q + 2], out[q + 3]);
		}
		for (; q < points.length; q++) {
			if (distances) squaredDistances1(points[q], from, out[q]);
			else dots1(points[q], from, out[q]);
		}
	}

	private void check(double[][] points, int from, double[][] out) {
		if (from < 0 || from > n) throw new IllegalArgumentException("Rows from " + from + " of " + n + ".");
		if (out.length < points.length) throw new IllegalArgumentException(points.length + " points, " + out.length + " outputs.");
		for (int q = 0; q < points.length; q++) {
			if (points[q].length != d) throw new IllegalArgumentException("A point of " + points[q].length + " values against rows of " + d + ".");
			if (out[q].length < n) throw new IllegalArgumentException("An output of " + out[q].length + " for " + n + " rows.");
		}
	}

	private void squaredDistances1(double[] p, int from, double[] o) {
		for (int k = 0; k < d; k++) {
			double v = p[k];
			double[] c = columns[k];
			for (int j = from; j < n; j++) {
				double e = v - c[j];
				o[j] += e * e;
			}
		}
	}

	private void squaredDistances4(double[] p0, double[] p1, double[] p2, double[] p3, int from, double[] o0, double[] o1, double[] o2, double[] o3) {
		for (int k = 0; k < d; k++) {
			double v0 = p0[k], v1 = p1[k], v2 = p2[k], v3 = p3[k];
			double[] c = columns[k];
			for (int j = from; j < n; j++) {
				double cj = c[j], e0 = v0 - cj, e1 = v1 - cj, e2 = v2 - cj, e3 = v3 - cj;
				o0[j] += e0 * e0;
				o1[j] += e1 * e1;
				o2[j] += e2 * e2;
				o3[j] += e3 * e3;
			}
		}
	}

	private void dots1(double[] p, int from, double[] o) {
		for (int k = 0; k < d; k++) {
			double v = p[k];
			if (v == 0 && finite[k]) continue;
			double[] c = columns[k];
			for (int j = from; j < n; j++) o[j] += v * c[j];
		}
	}

	private void dots4(double[] p0, double[] p1, double[] p2, double[] p3, int from, double[] o0, double[] o1, double[] o2, double[] o3) {
		for (int k = 0; k < d; k++) {
			double v0 = p0[k], v1 = p1[k], v2 = p2[k], v3 = p3[k];
			if (v0 == 0 && v1 == 0 && v2 == 0 && v3 == 0 && finite[k]) continue;
			double[] c = columns[k];
			for (int j = from; j < n; j++) {
				double cj = c[j];
				o0[j] += v0 * cj;
				o1[j] += v1 * cj;
				o2[j] += v2 * cj;
				o3[j] += v3 * cj;
			}
		}
	}
}
