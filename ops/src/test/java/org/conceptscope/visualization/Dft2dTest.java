package org.conceptscope.visualization;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;

import org.junit.jupiter.api.Test;

/** The fast transform against the DFT's definition summed directly, on power-of-two and other sizes. */
class Dft2dTest {

	/** X[ky][kx] = sum_{y,x} x[y][x] e^{sign 2 pi i (ky y / h + kx x / w)}, summed directly. */
	private static double[][] definition(double[] re, double[] im, int h, int w, int sign) {
		double[] outR = new double[h * w], outI = new double[h * w];
		for (int ky = 0; ky < h; ky++) {
			for (int kx = 0; kx < w; kx++) {
				double sr = 0, si = 0;
				for (int y = 0; y < h; y++) {
					for (int x = 0; x < w; x++) {
						// angles reduced exactly in integers first, so the reference is accurate at every size
						double a = sign * 2 * Math.PI * (((long) ky * y % h) / (double) h + ((long) kx * x % w) / (double) w);
						double c = Math.cos(a), s = Math.sin(a);
						sr += re[y * w + x] * c - im[y * w + x] * s;
						si += re[y * w + x] * s + im[y * w + x] * c;
					}
				}
				outR[ky * w + kx] = sr;
				outI[ky * w + kx] = si;
			}
		}
		return new double[][] { outR, outI };
	}

	@Test
	void equalsTheDefinitionOnEverySizeAndSign() {
		Random r = new Random(5);
		int[][] sizes = { { 1, 1 }, { 1, 7 }, { 2, 3 }, { 5, 5 }, { 6, 8 }, { 16, 16 }, { 17, 12 }, { 31, 9 }, { 64, 3 }, { 7, 100 }, { 3, 224 } };
		for (int[] size : sizes) {
			int h = size[0], w = size[1];
			for (int sign : new int[] { -1, 1 }) {
				double[] re = new double[h * w], im = new double[h * w];
				double norm = 0;
				for (int p = 0; p < h * w; p++) {
					re[p] = r.nextGaussian();
					im[p] = r.nextGaussian();
					norm += re[p] * re[p] + im[p] * im[p];
				}
				double[][] want = definition(re, im, h, w, sign);
				new Dft2d(h, w).transform(re, im, sign);
				// Parseval: |X| is sqrt(hw) |x|, so errors are compared against that scale
				double scale = Math.sqrt(norm * h * w);
				for (int p = 0; p < h * w; p++) {
					assertEquals(want[0][p], re[p], 1e-12 * scale, h + "x" + w + " sign " + sign + " re at " + p);
					assertEquals(want[1][p], im[p], 1e-12 * scale, h + "x" + w + " sign " + sign + " im at " + p);
				}
			}
		}
	}

	/** Forward then inverse gives back hw times the image, at sizes far from powers of two too. */
	@Test
	void inverseUndoesTheForwardTransformAtLargeSizes() {
		Random r = new Random(6);
		for (int[] size : new int[][] { { 224, 224 }, { 1000, 3 }, { 257, 509 } }) {
			int h = size[0], w = size[1];
			double[] re = new double[h * w], im = new double[h * w], orig = new double[h * w];
			for (int p = 0; p < h * w; p++) orig[p] = re[p] = r.nextDouble();
			Dft2d dft = new Dft2d(h, w);
			dft.transform(re, im, -1);
			dft.transform(re, im, +1);
			for (int p = 0; p < h * w; p++) {
				assertEquals(orig[p], re[p] / (h * w), 1e-12, h + "x" + w + " at " + p);
				assertEquals(0, im[p] / (h * w), 1e-12, h + "x" + w + " imaginary part at " + p);
			}
		}
	}

	@Test
	void refusesEmptySizesAndOtherSigns() {
		assertThrows(IllegalArgumentException.class, () -> new Dft2d(0, 4));
		assertThrows(IllegalArgumentException.class, () -> new Dft2d(2, 2).transform(new double[4], new double[4], 2));
	}
}
