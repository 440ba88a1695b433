package org.conceptscope.visualization;

/**
 * Two-dimensional discrete Fourier transforms of any size, separable over rows and columns, each
 * line by a fast transform: radix-2 when its length is a power of two, otherwise Bluestein's
 * chirp-z (the line as a convolution, done by power-of-two transforms). O(HW log(HW)), so a
 * 2048-pixel MACO canvas costs what a 64-pixel one did with direct sums. Arrays hold real and
 * imaginary parts row-major. Instances are immutable and may be shared between threads.
 */
public final class Dft2d {

	private final int h, w;
	private final Line rows, columns;

	public Dft2d(int h, int w) {
		if (h < 1 || w < 1) throw new IllegalArgumentException("A Fourier transform needs at least one row and one column, not " + h + " x " + w + ".");
		this.h = h;
		this.w = w;
		rows = Line.of(w);
		columns = h == w ? rows : Line.of(h);
	}

	/** sign -1: forward transform; sign +1: inverse without the 1/(HW) factor. In place. */
	public void transform(double[] re, double[] im, int sign) {
		if (sign != -1 && sign != 1) throw new IllegalArgumentException("sign must be -1 or +1, not " + sign);
		Line.Scratch rs = rows.scratch(), cs = columns == rows ? rs : columns.scratch();
		double[] lr = new double[Math.max(h, w)], li = new double[Math.max(h, w)];
		for (int y = 0; y < h; y++) {
			System.arraycopy(re, y * w, lr, 0, w);
			System.arraycopy(im, y * w, li, 0, w);
			rows.transform(lr, li, sign, rs);
			System.arraycopy(lr, 0, re, y * w, w);
			System.arraycopy(li, 0, im, y * w, w);
		}
		for (int x = 0; x < w; x++) {
			for (int y = 0; y < h; y++) {
				lr[y] = re[y * w + x];
				li[y] = im[y * w + x];
			}
			columns.transform(lr, li, sign, cs);
			for (int y = 0; y < h; y++) {
				re[y * w + x] = lr[y];
				im[y * w + x] = li[y];
			}
		}
	}

	/** The transform of one line of length n: X_k = sum_j x_j e^{sign 2 pi i jk / n}. */
	private abstract static class Line {

		final int n;

		Line(int n) {
			this.n = n;
		}

		static Line of(int n) {
			return Integer.bitCount(n) == 1 ? new Radix2(n) : new Bluestein(n);
		}

		/** Work arrays of one call (a call may run beside another on the same instance). */
		record Scratch(double[] re, double[] im) {}

		abstract Scratch scratch();

		/** Transforms x[0..n) in place. */
		abstract void transform(double[] re, double[] im, int sign, Scratch scratch);
	}

	/** Iterative Cooley-Tukey on a power-of-two length, twiddles tabulated once. */
	private static final class Radix2 extends Line {

		private final int[] reversed;
		private final double[] cos, sin;

		Radix2(int n) {
			super(n);
			reversed = new int[n];
			int bits = Integer.numberOfTrailingZeros(n);
			for (int i = 0; i < n; i++) reversed[i] = bits == 0 ? 0 : Integer.reverse(i) >>> (32 - bits);
			cos = new double[Math.max(1, n / 2)];
			sin = new double[cos.length];
			for (int k = 0; k < n / 2; k++) {
				cos[k] = Math.cos(2 * Math.PI * k / n);
				sin[k] = Math.sin(2 * Math.PI * k / n);
			}
		}

		@Override
		Scratch scratch() {
			return null;
		}

		@Override
		void transform(double[] re, double[] im, int sign, Scratch unused) {
			for (int i = 0; i < n; i++) {
				int j = reversed[i];
				if (j > i) {
					double t = re[i];
					re[i] = re[j];
					re[j] = t;
					t = im[i];
					im[i] = im[j];
					im[j] = t;
				}
			}
			for (int len = 2; len <= n; len <<= 1) {
				int half = len >> 1, step = n / len;
				for (int start = 0; start < n; start += len) {
					for (int k = 0; k < half; k++) {
						double c = cos[k * step], s = sign * sin[k * step];
						int a = start + k, b = a + half;
						double tr = re[b] * c - im[b] * s, ti = re[b] * s + im[b] * c;
						re[b] = re[a] - tr;
						im[b] = im[a] - ti;
						re[a] += tr;
						im[a] += ti;
					}
				}
			}
		}
	}

	/**
	 * Bluestein: with jk = (j^2 + k^2 - (k - j)^2) / 2 and c_j = e^{sign pi i j^2 / n},
	 * X_k = c_k sum_j (x_j c_j) conj(c_{k-j}), a convolution done by radix-2 transforms of length
	 * m >= 2n - 1. The transform of the chirp filter is tabulated for each sign.
	 */
	private static final class Bluestein extends Line {

		private final Radix2 pow2;
		/** c_j for sign -1 (its conjugate serves sign +1). */
		private final double[] chirpRe, chirpIm;
		/** The transform of the filter conj(c_d), d in (-n, n), for sign -1 and for sign +1. */
		private final double[] forwardRe, forwardIm, inverseRe, inverseIm;

		Bluestein(int n) {
			super(n);
			int m = Integer.highestOneBit(2 * n - 1) << 1;
			pow2 = new Radix2(m);
			chirpRe = new double[n];
			chirpIm = new double[n];
			for (int j = 0; j < n; j++) {
				// j^2 mod 2n keeps the angle small, so large j lose no precision
				double angle = Math.PI * ((long) j * j % (2L * n)) / n;
				chirpRe[j] = Math.cos(angle);
				chirpIm[j] = -Math.sin(angle);
			}
			forwardRe = new double[m];
			forwardIm = new double[m];
			inverseRe = new double[m];
			inverseIm = new double[m];
			filter(-1, forwardRe, forwardIm);
			filter(+1, inverseRe, inverseIm);
		}

		private void filter(int sign, double[] re, double[] im) {
			int m = re.length;
			for (int d = 0; d < n; d++) {
				double cr = chirpRe[d], ci = sign < 0 ? -chirpIm[d] : chirpIm[d]; // conj(c_d) for this sign
				re[d] = cr;
				im[d] = ci;
				if (d > 0) {
					re[m - d] = cr;
					im[m - d] = ci;
				}
			}
			pow2.transform(re, im, -1, null);
		}

		@Override
		Scratch scratch() {
			return new Scratch(new double[pow2.n], new double[pow2.n]);
		}

		@Override
		void transform(double[] re, double[] im, int sign, Scratch scratch) {
			int m = pow2.n;
			double[] ar = scratch.re(), ai = scratch.im();
			for (int j = 0; j < n; j++) {
				double cr = chirpRe[j], ci = sign < 0 ? chirpIm[j] : -chirpIm[j];
				ar[j] = re[j] * cr - im[j] * ci;
				ai[j] = re[j] * ci + im[j] * cr;
			}
			java.util.Arrays.fill(ar, n, m, 0);
			java.util.Arrays.fill(ai, n, m, 0);
			pow2.transform(ar, ai, -1, null);
			double[] fr = sign < 0 ? forwardRe : inverseRe, fi = sign < 0 ? forwardIm : inverseIm;
			for (int k = 0; k < m; k++) {
				double r = ar[k] * fr[k] - ai[k] * fi[k];
				ai[k] = ar[k] * fi[k] + ai[k] * fr[k];
				ar[k] = r;
			}
			// the inverse transform by the forward one: conjugate, transform, conjugate, divide by m
			for (int k = 0; k < m; k++) ai[k] = -ai[k];
			pow2.transform(ar, ai, -1, null);
			for (int k = 0; k < n; k++) {
				double cr = ar[k] / m, ci = -ai[k] / m;
				double kr = chirpRe[k], ki = sign < 0 ? chirpIm[k] : -chirpIm[k];
				re[k] = cr * kr - ci * ki;
				im[k] = cr * ki + ci * kr;
			}
		}
	}
}
