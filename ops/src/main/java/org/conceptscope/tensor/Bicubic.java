package org.conceptscope.tensor;

/**
 * Bicubic upsampling of a coarse grid of values (one per cell) to an image size, the way
 * TensorFlow's {@code tf.image.resize(..., method="bicubic")} does it, which is what Xplique
 * applies to the indices of its grid methods: pixel centres aligned (half-pixel convention, the
 * sample position of output pixel o is (o + 0.5) * in / out - 0.5), Keys' cubic convolution
 * kernel with a = -0.5, and taps that fall outside the grid dropped with the remaining weights
 * renormalised to sum 1. Separable: rows first, then columns.
 */
public final class Bicubic {

	private Bicubic() {}

	/** Keys' cubic convolution kernel with a = -0.5 at distance d. */
	static double keys(double d) {
		double x = Math.abs(d);
		if (x <= 1) return (1.5 * x - 2.5) * x * x + 1;
		if (x < 2) return ((-0.5 * x + 2.5) * x - 4) * x + 2;
		return 0;
	}

	/**
	 * The {@code out x in} interpolation matrix of one axis, row-major: out[o] = sum_k m[o][k] in[k].
	 * An axis that keeps its size is the identity.
	 */
	static double[] axisWeights(int in, int out) {
		double[] m = new double[out * in];
		if (in == out) {
			for (int o = 0; o < out; o++) m[o * in + o] = 1;
			return m;
		}
		double scale = in / (double) out;
		for (int o = 0; o < out; o++) {
			double pos = (o + 0.5) * scale - 0.5;
			int base = (int) Math.floor(pos);
			double t = pos - base, sum = 0;
			double[] w = new double[4];
			for (int k = 0; k < 4; k++) {
				int idx = base - 1 + k;
				w[k] = idx >= 0 && idx < in ? keys(t - (k - 1)) : 0;
				sum += w[k];
			}
			for (int k = 0; k < 4; k++) {
				int idx = base - 1 + k;
				if (idx >= 0 && idx < in) m[o * in + idx] += w[k] / sum;
			}
		}
		return m;
	}

	/** Upsamples one gh x gw grid (row-major) to height x width (row-major). */
	public static float[] resize(double[] grid, int gh, int gw, int height, int width) {
		if (grid.length != gh * gw) throw new IllegalArgumentException("A " + gh + " x " + gw + " grid needs " + gh * gw + " values, not " + grid.length + ".");
		if (height < 1 || width < 1) throw new IllegalArgumentException("Bicubic upsampling needs a positive output size.");
		double[] wy = axisWeights(gh, height), wx = axisWeights(gw, width);
		// along x for every grid row, then along y
		double[] rows = new double[gh * width];
		for (int gy = 0; gy < gh; gy++) {
			for (int x = 0; x < width; x++) {
				double s = 0;
				for (int gx = 0; gx < gw; gx++) s += wx[x * gw + gx] * grid[gy * gw + gx];
				rows[gy * width + x] = s;
			}
		}
		float[] out = new float[height * width];
		double[] line = new double[width];
		for (int y = 0; y < height; y++) {
			java.util.Arrays.fill(line, 0);
			for (int gy = 0; gy < gh; gy++) {
				double wgt = wy[y * gh + gy];
				if (wgt == 0) continue;
				for (int x = 0; x < width; x++) line[x] += wgt * rows[gy * width + x];
			}
			for (int x = 0; x < width; x++) out[y * width + x] = (float) line[x];
		}
		return out;
	}
}
