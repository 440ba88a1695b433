package org.conceptscope.metrics;

/**
 * Histogram of oriented gradients (Dalal and Triggs 2005) of a single-channel image with the
 * defaults of scikit-image's {@code skimage.feature.hog}: central differences (0 on the border
 * rows and columns), unsigned orientations in [0, 180) degrees in 9 bins, each cell of 8 x 8
 * pixels the mean magnitude per bin over its pixels (cells that do not fit are left out), blocks of
 * 3 x 3 cells with a stride of one cell, each normalised with L2-Hys (L2, clipped at 0.2, L2 again,
 * eps 1e-5). Adebayo et al. 2018 compare two maps by the Pearson correlation of their HOGs
 * ({@link #similarity}).
 */
final class Hog {

	static final int ORIENTATIONS = 9, CELL = 8, BLOCK = 3;
	private static final double EPS = 1e-5, CLIP = 0.2;

	private Hog() {}

	/** The feature vector (block row, block column, cell row, cell column, bin); empty when the image holds no block (under 24 x 24 pixels). */
	static double[] features(float[] image, int h, int w) {
		int cellsY = h / CELL, cellsX = w / CELL;
		int blocksY = cellsY - BLOCK + 1, blocksX = cellsX - BLOCK + 1;
		if (blocksY < 1 || blocksX < 1) return new double[0];
		double[] hist = new double[cellsY * cellsX * ORIENTATIONS];
		for (int y = 0; y < cellsY * CELL; y++) {
			for (int x = 0; x < cellsX * CELL; x++) {
				double gy = y == 0 || y == h - 1 ? 0 : (double) image[(y + 1) * w + x] - image[(y - 1) * w + x];
				double gx = x == 0 || x == w - 1 ? 0 : (double) image[y * w + x + 1] - image[y * w + x - 1];
				double o = Math.toDegrees(Math.atan2(gy, gx)) % 180;
				if (o < 0) o += 180;
				int bin = (int) Math.floor(o / (180.0 / ORIENTATIONS));
				// an angle that rounds to 180 falls in no bin, as in skimage
				if (bin >= ORIENTATIONS) continue;
				hist[((y / CELL) * cellsX + x / CELL) * ORIENTATIONS + bin] += Math.hypot(gy, gx) / (CELL * CELL);
			}
		}
		int per = BLOCK * BLOCK * ORIENTATIONS;
		double[] out = new double[blocksY * blocksX * per];
		double[] block = new double[per];
		for (int by = 0; by < blocksY; by++) {
			for (int bx = 0; bx < blocksX; bx++) {
				int k = 0;
				for (int cy = 0; cy < BLOCK; cy++) {
					for (int cx = 0; cx < BLOCK; cx++) {
						for (int o = 0; o < ORIENTATIONS; o++) block[k++] = hist[((by + cy) * cellsX + bx + cx) * ORIENTATIONS + o];
					}
				}
				double norm = 0;
				for (double v : block) norm += v * v;
				norm = Math.sqrt(norm + EPS * EPS);
				double again = 0;
				for (int i = 0; i < per; i++) {
					block[i] = Math.min(block[i] / norm, CLIP);
					again += block[i] * block[i];
				}
				again = Math.sqrt(again + EPS * EPS);
				int at = (by * blocksX + bx) * per;
				for (int i = 0; i < per; i++) out[at + i] = block[i] / again;
			}
		}
		return out;
	}

	/** The Pearson correlation of the two images' HOGs; NaN when the images hold no block or a HOG is constant (a flat image). */
	static double similarity(float[] a, float[] b, int h, int w) {
		double[] fa = features(a, h, w), fb = features(b, h, w);
		return fa.length < 2 ? Double.NaN : Pearson.correlation(fa, fb);
	}
}
