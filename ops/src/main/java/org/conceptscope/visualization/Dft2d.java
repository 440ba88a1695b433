package org.conceptscope.visualization;

/**
 * Two-dimensional discrete Fourier transforms of small images by separable direct sums
 * (O(H W (H + W)), fine at model-input sizes; no size restriction). Arrays hold real and
 * imaginary parts row-major. Public for ForGrad's low-pass filter of attribution maps.
 */
public final class Dft2d {

	private final int h, w;
	private final double[] cosH, sinH, cosW, sinW;

	public Dft2d(int h, int w) {
		this.h = h;
		this.w = w;
		cosH = new double[h];
		sinH = new double[h];
		cosW = new double[w];
		sinW = new double[w];
		for (int i = 0; i < h; i++) {
			cosH[i] = Math.cos(2 * Math.PI * i / h);
			sinH[i] = Math.sin(2 * Math.PI * i / h);
		}
		for (int i = 0; i < w; i++) {
			cosW[i] = Math.cos(2 * Math.PI * i / w);
			sinW[i] = Math.sin(2 * Math.PI * i / w);
		}
	}

	/** sign -1: forward transform; sign +1: inverse without the 1/(HW) factor. In place. */
	public void transform(double[] re, double[] im, int sign) {
		double[] tr = new double[Math.max(h, w)], ti = new double[Math.max(h, w)];
		for (int y = 0; y < h; y++) {
			for (int k = 0; k < w; k++) {
				double sr = 0, si = 0;
				for (int x = 0; x < w; x++) {
					int idx = (k * x) % w;
					double c = cosW[idx], s = sign * sinW[idx], a = re[y * w + x], b = im[y * w + x];
					sr += a * c - b * s;
					si += a * s + b * c;
				}
				tr[k] = sr;
				ti[k] = si;
			}
			System.arraycopy(tr, 0, re, y * w, w);
			System.arraycopy(ti, 0, im, y * w, w);
		}
		for (int x = 0; x < w; x++) {
			for (int k = 0; k < h; k++) {
				double sr = 0, si = 0;
				for (int y = 0; y < h; y++) {
					int idx = (k * y) % h;
					double c = cosH[idx], s = sign * sinH[idx], a = re[y * w + x], b = im[y * w + x];
					sr += a * c - b * s;
					si += a * s + b * c;
				}
				tr[k] = sr;
				ti[k] = si;
			}
			for (int k = 0; k < h; k++) {
				re[k * w + x] = tr[k];
				im[k * w + x] = ti[k];
			}
		}
	}
}
