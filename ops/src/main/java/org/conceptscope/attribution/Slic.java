package org.conceptscope.attribution;

import java.util.Arrays;

/**
 * SLIC superpixels (Achanta et al. 2012, "SLIC Superpixels Compared to State-of-the-Art
 * Superpixel Methods"): k-means over (intensity, y, x) with cluster centres seeded on a regular
 * grid of step S = sqrt(pixels / wanted), moved to the lowest-gradient position of their 3x3
 * neighbourhood, each centre searching only a window of about 2S x 2S, with the distance
 * D = sqrt(dc^2 + (ds / S)^2 m^2) (dc over all channels, ds in pixels, m the compactness); ten
 * iterations, then connectivity enforced by merging fragments smaller than a quarter of a
 * superpixel into a neighbour. Channels are compared after scaling the image's values jointly to
 * [0, 1] (the paper's CIELAB is for colour photographs; microscopy channels are not colours), so
 * the compactness is in units of that range: 0.1 there is skimage's default of 10 on Lab's 0..100.
 * Deterministic: no random choice.
 */
public final class Slic {

	/** k-means iterations: the paper finds 10 enough for nearly all images. */
	static final int ITERATIONS = 10;

	private Slic() {}

	/**
	 * @param hwc one image, row-major HWC
	 * @param wanted about how many superpixels
	 * @param compactness m: larger gives squarer superpixels, smaller follows edges more closely
	 */
	public static Segments segment(float[] hwc, int h, int w, int c, int wanted, double compactness) {
		if (wanted < 1) throw new IllegalArgumentException("SLIC needs at least 1 superpixel, got " + wanted + ".");
		if (!(compactness >= 0) || !Double.isFinite(compactness)) {
			throw new IllegalArgumentException("The SLIC compactness must be a finite number >= 0, got " + compactness + ".");
		}
		if (hwc.length != h * w * c) throw new IllegalArgumentException(hwc.length + " values for a " + w + "x" + h + "x" + c + " image.");
		int n = h * w;
		wanted = Math.min(wanted, n);
		float[] v = scaled(hwc);
		double step = Math.sqrt(n / (double) wanted);
		int ny = Math.max(1, Math.min(h, (int) Math.round(h / step))), nx = Math.max(1, Math.min(w, (int) Math.round(w / step)));
		int k = ny * nx;
		// centre k: c channel means, then y, x
		double[][] centres = new double[k][c + 2];
		for (int i = 0; i < ny; i++) {
			for (int j = 0; j < nx; j++) {
				int y = Math.min(h - 1, (int) ((i + 0.5) * h / ny)), x = Math.min(w - 1, (int) ((j + 0.5) * w / nx));
				int[] moved = lowestGradient(v, h, w, c, y, x);
				double[] ctr = centres[i * nx + j];
				for (int ch = 0; ch < c; ch++) ctr[ch] = v[(moved[0] * w + moved[1]) * c + ch];
				ctr[c] = moved[0];
				ctr[c + 1] = moved[1];
			}
		}
		// the window reaches one grid step around a centre, so every pixel is searched by some centre
		int radius = (int) Math.ceil(Math.max(h / (double) ny, w / (double) nx));
		double spatial = compactness * compactness / (step * step);
		int[] labels = new int[n];
		double[] dist = new double[n];
		for (int it = 0; it < ITERATIONS; it++) {
			Arrays.fill(dist, Double.POSITIVE_INFINITY);
			for (int q = 0; q < k; q++) {
				double[] ctr = centres[q];
				int cy = (int) Math.round(ctr[c]), cx = (int) Math.round(ctr[c + 1]);
				for (int y = Math.max(0, cy - radius); y <= Math.min(h - 1, cy + radius); y++) {
					double dy = y - ctr[c];
					for (int x = Math.max(0, cx - radius); x <= Math.min(w - 1, cx + radius); x++) {
						double dx = x - ctr[c + 1], dc = 0;
						int o = (y * w + x) * c;
						for (int ch = 0; ch < c; ch++) {
							double d = v[o + ch] - ctr[ch];
							dc += d * d;
						}
						double d2 = dc + (dy * dy + dx * dx) * spatial;
						if (d2 < dist[y * w + x]) {
							dist[y * w + x] = d2;
							labels[y * w + x] = q;
						}
					}
				}
			}
			double[][] sums = new double[k][c + 2];
			int[] counts = new int[k];
			for (int y = 0; y < h; y++) {
				for (int x = 0; x < w; x++) {
					int q = labels[y * w + x];
					double[] s = sums[q];
					for (int ch = 0; ch < c; ch++) s[ch] += v[(y * w + x) * c + ch];
					s[c] += y;
					s[c + 1] += x;
					counts[q]++;
				}
			}
			for (int q = 0; q < k; q++) {
				if (counts[q] == 0) continue; // an empty cluster keeps its centre
				for (int d = 0; d < c + 2; d++) centres[q][d] = sums[q][d] / counts[q];
			}
		}
		return new Segments(connected(labels, h, w, Math.max(1, n / k / 4)), h, w, c);
	}

	/** Values scaled jointly to [0, 1] (all zero for a constant image). */
	private static float[] scaled(float[] hwc) {
		float min = Float.POSITIVE_INFINITY, max = Float.NEGATIVE_INFINITY;
		for (float f : hwc) {
			min = Math.min(min, f);
			max = Math.max(max, f);
		}
		float[] v = new float[hwc.length];
		if (!(max > min)) return v;
		for (int i = 0; i < v.length; i++) v[i] = (hwc[i] - min) / (max - min);
		return v;
	}

	/** The position of least gradient magnitude in the 3x3 neighbourhood of (y, x) (the paper's seed move). */
	private static int[] lowestGradient(float[] v, int h, int w, int c, int y0, int x0) {
		int[] best = { y0, x0 };
		double least = Double.POSITIVE_INFINITY;
		for (int y = Math.max(1, y0 - 1); y <= Math.min(h - 2, y0 + 1); y++) {
			for (int x = Math.max(1, x0 - 1); x <= Math.min(w - 2, x0 + 1); x++) {
				double g = 0;
				for (int ch = 0; ch < c; ch++) {
					double gx = v[(y * w + x + 1) * c + ch] - v[(y * w + x - 1) * c + ch];
					double gy = v[((y + 1) * w + x) * c + ch] - v[((y - 1) * w + x) * c + ch];
					g += gx * gx + gy * gy;
				}
				if (g < least) {
					least = g;
					best = new int[] { y, x };
				}
			}
		}
		return best;
	}

	/**
	 * Relabels 4-connected pieces in scan order: a piece of at least {@code minSize} pixels becomes a
	 * segment of its own, a smaller one joins the segment of a neighbour found before it (the
	 * reference implementation's rule), so every segment is connected and numbered 0..m-1.
	 */
	static int[] connected(int[] labels, int h, int w, int minSize) {
		int n = h * w;
		int[] out = new int[n];
		Arrays.fill(out, -1);
		int[] queue = new int[n];
		int next = 0;
		for (int start = 0; start < n; start++) {
			if (out[start] >= 0) continue;
			int y0 = start / w, x0 = start % w;
			// a labelled neighbour (left or above: scanned already) to join if this piece is small
			int adjacent = -1;
			if (x0 > 0) adjacent = out[start - 1];
			else if (y0 > 0) adjacent = out[start - w];
			int size = 0;
			queue[size++] = start;
			out[start] = next;
			for (int head = 0; head < size; head++) {
				int p = queue[head], py = p / w, px = p % w;
				int[] nbrs = { px > 0 ? p - 1 : -1, px < w - 1 ? p + 1 : -1, py > 0 ? p - w : -1, py < h - 1 ? p + w : -1 };
				for (int q : nbrs) {
					if (q >= 0 && out[q] < 0 && labels[q] == labels[start]) {
						out[q] = next;
						queue[size++] = q;
					}
				}
			}
			if (size < minSize && adjacent >= 0) {
				for (int i = 0; i < size; i++) out[queue[i]] = adjacent;
			} else {
				next++;
			}
		}
		return out;
	}
}
