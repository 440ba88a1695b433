package org.conceptscope.heads;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.testsupport.ChildJvm;
import org.junit.jupiter.api.Test;

/**
 * The Java step after InfoDisent training (Q from the trained skew part) holds 4 c x c doubles at
 * its peak, where the code before 7 December 2026 held 7 (A, B, B^2, B^3, B^4 and two sums of the
 * Taylor step): its powers are turned into the Taylor step's sums in place and each product's rows
 * are summed in a block's scratch before they are written. Its Q is that code's (written out below)
 * to the last bit, with 0, a few and many squarings, and at c = 1024 it runs in a heap the old one
 * ran out of.
 */
class InfoDisentJavaHeapTest {

	/** The Java exponential as it was before 7 December 2026 (a new matrix per product and sum), its products row by row. */
	static double[][] before(double[][] a, int s) {
		int c = a.length;
		double scale = Math.pow(2, -s);
		double[][] b = new double[c][c];
		for (int i = 0; i < c; i++) for (int j = 0; j < c; j++) b[i][j] = a[i][j] * scale;
		double[][] b2 = multiply(b, b, false), b3 = multiply(b2, b, false), b4 = multiply(b2, b2, false);
		double[][][] powers = { null, b, b2, b3 };
		double[][] t = null;
		for (int i = InfoDisentGraph.TAYLOR_DEGREE / 4 - 1; i >= 0; i--) {
			double[][] next;
			if (t == null) {
				next = new double[c][c];
				double f = 1 / InfoDisentGraph.factorial(InfoDisentGraph.TAYLOR_DEGREE);
				for (int r = 0; r < c; r++) for (int k = 0; k < c; k++) next[r][k] = b4[r][k] * f;
			} else {
				next = multiply(b4, t, false);
			}
			double[] f = new double[4];
			for (int r = 0; r < 4; r++) f[r] = 1 / InfoDisentGraph.factorial(4 * i + r);
			for (int r = 0; r < c; r++) {
				double[] row = next[r];
				for (int k = 0; k < c; k++) {
					double v = (r == k ? f[0] : 0);
					for (int q = 1; q < 4; q++) v += powers[q][r][k] * f[q];
					row[k] = v + row[k];
				}
			}
			t = next;
		}
		b = b2 = b3 = b4 = null;
		powers = null;
		for (int j = 0; j < s; j++) t = multiply(t, t, false);
		double[][] tt = multiply(t, t, true);
		for (int i = 0; i < c; i++) for (int j = 0; j < c; j++) tt[i][j] = ((i == j ? 3 : 0) - tt[i][j]) / 2;
		return multiply(t, tt, false);
	}

	/** The old product: a new matrix, each row summed in increasing k, zeros of x skipped. */
	static double[][] multiply(double[][] x, double[][] y, boolean transposeX) {
		int n = transposeX ? x[0].length : x.length, inner = y.length, m = y[0].length;
		double[][] out = new double[n][m];
		for (int i = 0; i < n; i++) {
			double[] row = out[i];
			for (int k = 0; k < inner; k++) {
				double v = transposeX ? x[k][i] : x[i][k];
				if (v == 0) continue;
				double[] yk = y[k];
				for (int j = 0; j < m; j++) row[j] += v * yk[j];
			}
		}
		return out;
	}

	/** The old projection: A from the skew part, then {@link #before}. */
	static double[][] beforeProjection(Map<String, FloatTensor> weights, int c) {
		float[] raw = weights.get("skew").data();
		double[][] a = new double[c][c];
		double norm2 = 0, scale = InfoDisentGraph.skewScale(c);
		for (int i = 0; i < c; i++) for (int j = 0; j < c; j++) {
			a[i][j] = ((double) raw[i * c + j] - raw[j * c + i]) * scale;
			norm2 += a[i][j] * a[i][j];
		}
		return before(a, InfoDisentGraph.squarings(Math.sqrt(norm2)));
	}

	/** A seeded skew variable of c channels, entries uniform in [-size, size]. */
	static Map<String, FloatTensor> weights(int c, double size, long seed) {
		SplittableRandom r = new SplittableRandom(seed);
		FloatTensor w = FloatTensor.zeros(c, c);
		for (int i = 0; i < w.size(); i++) w.data()[i] = (float) ((r.nextDouble() * 2 - 1) * size);
		return Map.of("skew", w);
	}

	static void assertSameBits(double[][] want, double[][] got, String what) {
		assertEquals(want.length, got.length, what);
		for (int i = 0; i < want.length; i++) for (int j = 0; j < want.length; j++) {
			if (Double.doubleToRawLongBits(want[i][j]) != Double.doubleToRawLongBits(got[i][j])) {
				throw new AssertionError(what + ": Q[" + i + "][" + j + "] is " + got[i][j] + ", the old code's " + want[i][j]);
			}
		}
	}

	@Test
	void qIsTheOldCodesToTheLastBit() {
		int c = 130; // three blocks of rows, the last one partial
		double[] norms = { 0, 1.9, 7, 100, 6000, 40000 };
		for (int n = 0; n < norms.length; n++) {
			double[][] a = InfoDisentSquaringsTest.skew(c, norms[n], 51 + n);
			int s = InfoDisentGraph.squarings(InfoDisentSquaringsTest.frobenius(a));
			double[][] copy = new double[c][];
			for (int i = 0; i < c; i++) copy[i] = a[i].clone();
			assertSameBits(before(a, s), InfoDisentGraph.exponential(a, s), "norm " + norms[n] + " (" + s + " squarings)");
			assertSameBits(copy, a, "A is left as it is"); // exponential(a, s) scales a copy; projection scales its own A
		}
		// from a trained skew part, as the head computes Q: no squaring, and many
		for (double size : new double[] { 0.01, 3 }) {
			Map<String, FloatTensor> w = weights(c, size, 7);
			assertSameBits(beforeProjection(w, c), InfoDisentGraph.projection(w, c), "skew entries up to " + size);
		}
	}

	@Test
	void theCountedNeed() {
		// 4 c x c doubles and 64 rows of c doubles for the step; the two c x c float skew parts beside it
		assertEquals(8L * 2048 * (4 * 2048 + 64), InfoDisentGraph.javaBytes(2048));
		assertEquals(8L * 2048 * 2048 + InfoDisentGraph.javaBytes(2048), InfoDisent.heapBytes(2048));
		assertTrue(InfoDisent.heapBytes(2048) < 170_000_000L, "about 0.17 GB at 2048 channels: " + InfoDisent.heapBytes(2048));
	}

	/** Computes Q at args[1] channels with the new code or the old ({@code args[0]}); prints DONE or OUT OF MEMORY. */
	public static final class Child {
		public static void main(String[] args) {
			int c = Integer.parseInt(args[1]);
			Map<String, FloatTensor> w = weights(c, 0.01, 3);
			try {
				double[][] q = args[0].equals("old") ? beforeProjection(w, c) : InfoDisentGraph.projection(w, c);
				System.out.println("DONE " + q.length);
			} catch (OutOfMemoryError e) {
				System.out.println("OUT OF MEMORY");
			}
		}
	}

	private static String child(String code, int c, String heap) throws Exception {
		return ChildJvm.output(new ProcessBuilder(ChildJvm.command(List.of(heap, "-Djava.awt.headless=true"), Child.class,
			List.of(code, Integer.toString(c)))), 3);
	}

	/**
	 * At c = 1024 the step needs 34 MB beside the 4 MB skew part, the old code 59 MB: in a heap of 56 MB (JVM's own
	 * objects included) the new code computes Q and the old ran out of memory.
	 */
	@Test
	void atOneThousandChannelsQFitsWhereTheOldCodeRanOutOfMemory() throws Exception {
		String fresh = child("new", 1024, "-Xmx56m"), old = child("old", 1024, "-Xmx56m");
		System.out.println("InfoDisentJavaHeapTest at -Xmx56m: new " + fresh.trim() + ", old " + old.trim());
		assertTrue(fresh.contains("DONE 1024"), fresh);
		assertTrue(old.contains("OUT OF MEMORY"), old);
	}
}
