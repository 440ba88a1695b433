package org.conceptscope.tensor;

/**
 * The rows of a [n, d] float matrix stored feature by feature and widened to double: column k
 * holds feature k of every row. A point's squared distances or dot products with all the rows
 * then run as loops across the rows, which the JIT turns into vector instructions; a loop along
 * one row is a chain of dependent additions, four to eight times slower. The points come in
 * {@link Group}s of up to {@value #GROUP}, read where they are in row-major floats (a set's own
 * rows, for its distances among them, read where they were given). Each result is still one sum over the
 * features in order, in double, started from 0, so it has the same bits whichever points are
 * computed together and on whichever thread. Dot products of float values are the
 * exact products summed in order (float times float is exact in double); squared distances take
 * the difference in double (exact unless the two values are more than 2^29 apart in scale) and,
 * where the JVM has {@link #FUSED fused multiply-add}, add its exact square with one rounding.
 * Immutable once made: threads may share it.
 */
public final class FeatureColumns {

	/** Points compared with the rows together, so that each column value is loaded once for all of them. */
	public static final int GROUP = 4;

	/**
	 * Whether this JVM computes {@link Math#fma} with one instruction (HotSpot's UseFMA, on by
	 * itself where the processor has FMA). Then each term is added to its sum with one rounding:
	 * for dot products of float values the same bits (their products are exact in double), for
	 * squared distances the exact square rounded once with the sum (the plain kernels round the
	 * square first, so their last bit can differ); and the loops take two or three features per
	 * pass, a fifth to a third less time (measured on known-answer's layer). Elsewhere Math.fma is a
	 * slow software routine, so the plain kernels run.
	 */
	public static final boolean FUSED = fusedMultiplyAdd();

	private static boolean fusedMultiplyAdd() {
		try {
			com.sun.management.HotSpotDiagnosticMXBean vm = java.lang.management.ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class);
			return vm != null && "true".equals(vm.getVMOption("UseFMA").getValue());
		} catch (RuntimeException | LinkageError e) {
			return false; // not HotSpot, or no such flag: take the plain kernels
		}
	}

	/** Feature k of row j at columns[k][j]; one array per column (in one array the JIT does not vectorise the kernels: three times slower, measured). */
	private final double[][] columns;
	/** Whether column k holds finite values only: then a point's 0 there adds only zeros to its products, which change no sum. */
	private final boolean[] finite;
	/** The rows as given (row-major floats), read by this set's own {@link #group groups}. */
	private final float[] rows;
	private final int n, d;

	private FeatureColumns(double[][] columns, boolean[] finite, float[] rows, int n, int d) {
		this.columns = columns;
		this.finite = finite;
		this.rows = rows;
		this.n = n;
		this.d = d;
	}

	/**
	 * Rows 0..n-1 of x (row-major, d values each). The set keeps x for its own groups of points: x
	 * must not change while the set is in use.
	 */
	public static FeatureColumns of(float[] x, int n, int d) {
		if (n < 0 || d < 0 || (long) n * d > x.length) throw new IllegalArgumentException(n + " rows of " + d + " values need " + (long) n * d + ", got " + x.length + ".");
		// one allocation per column, in line: new double[d][n] goes through a runtime call per row and
		// was 2.4 times slower for a few rows of many features (measured, 4 x 200 704)
		double[][] c = new double[d][];
		for (int k = 0; k < d; k++) c[k] = new double[n];
		boolean[] finite = new boolean[d];
		java.util.Arrays.fill(finite, true);
		// eight rows at a time: each feature's eight values are written as one cache line of its
		// column, read from eight rows that stream in order (a third faster than blocks of 16
		// features row by row, measured on 32 rows of 1024 features)
		int j0 = 0;
		for (; j0 + 7 < n; j0 += 8) {
			int o0 = j0 * d, o1 = o0 + d, o2 = o1 + d, o3 = o2 + d, o4 = o3 + d, o5 = o4 + d, o6 = o5 + d, o7 = o6 + d;
			for (int k = 0; k < d; k++) {
				float v0 = x[o0 + k], v1 = x[o1 + k], v2 = x[o2 + k], v3 = x[o3 + k], v4 = x[o4 + k], v5 = x[o5 + k], v6 = x[o6 + k], v7 = x[o7 + k];
				double[] column = c[k];
				column[j0] = v0;
				column[j0 + 1] = v1;
				column[j0 + 2] = v2;
				column[j0 + 3] = v3;
				column[j0 + 4] = v4;
				column[j0 + 5] = v5;
				column[j0 + 6] = v6;
				column[j0 + 7] = v7;
				// v - v is 0 for a finite v, NaN for an infinity or NaN; NaN stays in the sum
				if ((v0 - v0) + (v1 - v1) + (v2 - v2) + (v3 - v3) + (v4 - v4) + (v5 - v5) + (v6 - v6) + (v7 - v7) != 0) finite[k] = false;
			}
		}
		// the last rows (fewer than eight: all of them in a set of a few rows of many features) in
		// blocks of 16 features, so that the columns a block writes stay in the cache while each
		// row writes its value into them
		for (int k0 = 0; k0 < d && j0 < n; k0 += 16) {
			int k1 = Math.min(d, k0 + 16);
			for (int j = j0; j < n; j++) {
				int o = j * d;
				for (int k = k0; k < k1; k++) {
					float v = x[o + k];
					c[k][j] = v;
					if (!Float.isFinite(v)) finite[k] = false;
				}
			}
		}
		return new FeatureColumns(c, finite, x, n, d);
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

	/**
	 * Up to {@value #GROUP} points of d features, read where they are: rows of a row-major float
	 * matrix (no copy; the kernels read a point's value once per feature, outside their loops across
	 * the rows). A group of fewer repeats its last point, whose sums are dropped.
	 */
	public static final class Group {

		private final float[] x;
		/** Where point r's row starts in x (r = 0..3). */
		private final int[] offsets;
		private final int size, d;

		private Group(float[] x, int[] offsets, int size, int d) {
			this.x = x;
			this.offsets = offsets;
			this.size = size;
			this.d = d;
		}

		/** Rows first..last-1 (at most {@value #GROUP}) of x, row-major with d values each; x must not change while the group is in use. */
		public static Group ofRows(float[] x, int first, int last, int d) {
			check(first, last, d == 0 ? 0 : x.length / d);
			int[] offsets = new int[GROUP];
			for (int r = 0; r < GROUP; r++) offsets[r] = Math.min(first + r, last - 1) * d;
			return new Group(x, offsets, last - first, d);
		}

		public int size() {
			return size;
		}

		private static void check(int first, int last, long rows) {
			if (first < 0 || last <= first || last - first > GROUP || last > rows) {
				throw new IllegalArgumentException("A group of points " + first + ".." + (last - 1) + " (1 to " + GROUP + " of " + rows + ").");
			}
		}
	}

	/** Rows first..last-1 of this set (at most {@value #GROUP}) as a group of points. */
	public Group group(int first, int last) {
		Group.check(first, last, n);
		return Group.ofRows(rows, first, last, d);
	}

	/**
	 * out[k] += sum of weights[first + j] * (feature k of row j), over the rows j in order, skipping
	 * rows of weight 0: the same sums as adding the weighted rows one after the other, read down the
	 * columns eight features at a time (eight independent sums in flight: each sum is a chain of
	 * dependent additions, so four at a time waited on them, measured twice as slow).
	 */
	public void addCombination(double[] weights, int first, double[] out) {
		if (first < 0 || (long) first + n > weights.length || out.length != d) {
			throw new IllegalArgumentException(n + " rows of " + d + " values, " + weights.length + " weights from " + first + ", an output of " + out.length + ".");
		}
		int[] used = new int[n];
		int u = 0;
		for (int j = 0; j < n; j++) if (weights[first + j] != 0) used[u++] = j;
		double[] w = new double[u];
		for (int t = 0; t < u; t++) w[t] = weights[first + used[t]];
		int k = 0;
		for (; k + 7 < d; k += 8) {
			double[] c0 = columns[k], c1 = columns[k + 1], c2 = columns[k + 2], c3 = columns[k + 3];
			double[] c4 = columns[k + 4], c5 = columns[k + 5], c6 = columns[k + 6], c7 = columns[k + 7];
			double s0 = out[k], s1 = out[k + 1], s2 = out[k + 2], s3 = out[k + 3], s4 = out[k + 4], s5 = out[k + 5], s6 = out[k + 6], s7 = out[k + 7];
			for (int t = 0; t < u; t++) {
				int j = used[t];
				double wt = w[t];
				s0 += wt * c0[j];
				s1 += wt * c1[j];
				s2 += wt * c2[j];
				s3 += wt * c3[j];
				s4 += wt * c4[j];
				s5 += wt * c5[j];
				s6 += wt * c6[j];
				s7 += wt * c7[j];
			}
			out[k] = s0;
			out[k + 1] = s1;
			out[k + 2] = s2;
			out[k + 3] = s3;
			out[k + 4] = s4;
			out[k + 5] = s5;
			out[k + 6] = s6;
			out[k + 7] = s7;
		}
		for (; k < d; k++) {
			double[] c = columns[k];
			double s0 = out[k];
			for (int t = 0; t < u; t++) s0 += w[t] * c[used[t]];
			out[k] = s0;
		}
	}

	/** out[q][j] = |point q - row j|^2 for the group's points q and rows j in [from, n) (out[q] has at least n entries). */
	public void squaredDistances(Group points, int from, double[][] out) {
		double[][] o = outputs(points, from, out);
		if (FUSED) {
			squaredDistancesFused(points, 0, 1, from, o[0], o[1]);
			squaredDistancesFused(points, 2, 3, from, o[2], o[3]);
		} else {
			squaredDistances(points, from, o[0], o[1], o[2], o[3]);
		}
	}

	/**
	 * out[q][j] = point q . row j, as {@link #squaredDistances}. Features where the points are 0 are
	 * skipped (ReLU activations and their gradients are often mostly 0): a sum that starts at +0 is
	 * never -0, and adding +-0 to it changes nothing, so the sums are the same to the bit; not where
	 * the column holds an infinity or NaN, whose product with 0 is NaN.
	 */
	public void dots(Group points, int from, double[][] out) {
		double[][] o = outputs(points, from, out);
		if (FUSED) dotsFused(points, from, o[0], o[1], o[2], o[3]);
		else dots(points, from, o[0], o[1], o[2], o[3]);
	}

	/** The group's outputs, each zeroed from {@code from} on (every sum starts at +0), and scratch rows for the repeated points. */
	private double[][] outputs(Group points, int from, double[][] out) {
		if (points.d != d) throw new IllegalArgumentException("Points of " + points.d + " values against rows of " + d + ".");
		if (from < 0 || from > n) throw new IllegalArgumentException("Rows from " + from + " of " + n + ".");
		if (out.length < points.size) throw new IllegalArgumentException(points.size + " points, " + out.length + " outputs.");
		double[][] o = new double[GROUP][];
		for (int q = 0; q < GROUP; q++) {
			if (q >= points.size) {
				o[q] = new double[n];
				continue;
			}
			if (out[q].length < n) throw new IllegalArgumentException("An output of " + out[q].length + " for " + n + " rows.");
			java.util.Arrays.fill(out[q], from, n, 0);
			o[q] = out[q];
		}
		return o;
	}

	/*
	 * The kernels read feature k of the rows j at columns[k][j], and a point's value of feature k at
	 * x[o + k], o its row's offset (taken into a local first: read through the group
	 * inside the loops over features, the same kernels ran a quarter slower, measured).
	 */

	private void squaredDistances(Group p, int from, double[] o0, double[] o1, double[] o2, double[] o3) {
		float[] x = p.x;
		int p0 = p.offsets[0], p1 = p.offsets[1], p2 = p.offsets[2], p3 = p.offsets[3];
		for (int k = 0; k < d; k++) {
			double[] c = columns[k];
			double v0 = x[p0 + k], v1 = x[p1 + k], v2 = x[p2 + k], v3 = x[p3 + k];
			for (int j = from; j < n; j++) {
				double cj = c[j], e0 = v0 - cj, e1 = v1 - cj, e2 = v2 - cj, e3 = v3 - cj;
				o0[j] += e0 * e0;
				o1[j] += e1 * e1;
				o2[j] += e2 * e2;
				o3[j] += e3 * e3;
			}
		}
	}

	/**
	 * Points r0 and r1 of a group: their squared distances, each exact square added with one
	 * rounding, three features per pass over the sums (a third of the loads and stores of the sums).
	 * C2 vectorises a loop only when its body is small enough to unroll: three features of two
	 * points is, four of either or two of four points is not (measured: those run unvectorised,
	 * slower than the plain kernel).
	 */
	private void squaredDistancesFused(Group p, int r0, int r1, int from, double[] o0, double[] o1) {
		float[] x = p.x;
		int p0 = p.offsets[r0], p1 = p.offsets[r1];
		int k = 0;
		for (; k + 2 < d; k += 3) {
			double[] c = columns[k], e = columns[k + 1], f = columns[k + 2];
			double a0 = x[p0 + k], a1 = x[p1 + k], b0 = x[p0 + k + 1], b1 = x[p1 + k + 1], g0 = x[p0 + k + 2], g1 = x[p1 + k + 2];
			for (int j = from; j < n; j++) {
				double cj = c[j], ej = e[j], fj = f[j];
				double y0 = a0 - cj, y1 = a1 - cj, z0 = b0 - ej, z1 = b1 - ej, w0 = g0 - fj, w1 = g1 - fj;
				o0[j] = Math.fma(w0, w0, Math.fma(z0, z0, Math.fma(y0, y0, o0[j])));
				o1[j] = Math.fma(w1, w1, Math.fma(z1, z1, Math.fma(y1, y1, o1[j])));
			}
		}
		for (; k < d; k++) {
			double[] c = columns[k];
			double a0 = x[p0 + k], a1 = x[p1 + k];
			for (int j = from; j < n; j++) {
				double y0 = a0 - c[j], y1 = a1 - c[j];
				o0[j] = Math.fma(y0, y0, o0[j]);
				o1[j] = Math.fma(y1, y1, o1[j]);
			}
		}
	}

	/** The four points' dot products, skipping the features where all four are 0 (see {@link #dots(Group, int, double[][])}). */
	private void dots(Group p, int from, double[] o0, double[] o1, double[] o2, double[] o3) {
		float[] x = p.x;
		int p0 = p.offsets[0], p1 = p.offsets[1], p2 = p.offsets[2], p3 = p.offsets[3];
		for (int k = 0; k < d; k++) {
			double v0 = x[p0 + k], v1 = x[p1 + k], v2 = x[p2 + k], v3 = x[p3 + k];
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

	/**
	 * As above, each product added with one rounding (the same bits for products of float values,
	 * which are exact in double), two of the features not skipped per pass over the sums (three do
	 * not vectorise, see {@link #squaredDistancesFused}): a feature waits for the next one kept.
	 */
	private void dotsFused(Group p, int from, double[] o0, double[] o1, double[] o2, double[] o3) {
		float[] x = p.x;
		int p0 = p.offsets[0], p1 = p.offsets[1], p2 = p.offsets[2], p3 = p.offsets[3];
		int waiting = -1;
		double a0 = 0, a1 = 0, a2 = 0, a3 = 0; // the waiting feature's values
		for (int k = 0; k < d; k++) {
			double b0 = x[p0 + k], b1 = x[p1 + k], b2 = x[p2 + k], b3 = x[p3 + k];
			if (b0 == 0 && b1 == 0 && b2 == 0 && b3 == 0 && finite[k]) continue;
			if (waiting < 0) {
				waiting = k;
				a0 = b0;
				a1 = b1;
				a2 = b2;
				a3 = b3;
				continue;
			}
			double[] c = columns[waiting], e = columns[k];
			for (int j = from; j < n; j++) {
				double cj = c[j], ej = e[j];
				o0[j] = Math.fma(b0, ej, Math.fma(a0, cj, o0[j]));
				o1[j] = Math.fma(b1, ej, Math.fma(a1, cj, o1[j]));
				o2[j] = Math.fma(b2, ej, Math.fma(a2, cj, o2[j]));
				o3[j] = Math.fma(b3, ej, Math.fma(a3, cj, o3[j]));
			}
			waiting = -1;
		}
		if (waiting >= 0) {
			double[] c = columns[waiting];
			for (int j = from; j < n; j++) {
				double cj = c[j];
				o0[j] = Math.fma(a0, cj, o0[j]);
				o1[j] = Math.fma(a1, cj, o1[j]);
				o2[j] = Math.fma(a2, cj, o2[j]);
				o3[j] = Math.fma(a3, cj, o3[j]);
			}
		}
	}
}
