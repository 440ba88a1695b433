package org.conceptscope.attribution;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.Test;

/**
 * HSIC attribution's per-cell estimator, computed with all cells at once from the upper triangle
 * of the centred output kernel, equals the biased estimator as Novello et al. (2022) write it,
 * tr(K H L H) / (n - 1)^2, built here from full n x n matrices for each cell: Gaussian kernel on
 * the binary cell state (unit bandwidth), Gaussian kernel on the scores with the median pairwise
 * distance as bandwidth, H = I - 11'/n.
 */
class HsicEstimatorTest {

	@Test
	void equalsTheTraceFormula() {
		Random r = new Random(21);
		for (int[] size : new int[][] { { 16, 4 }, { 30, 9 }, { 64, 16 } }) {
			int n = size[0], cells = size[1];
			boolean[][] on = new HsicAttribution(1, n, MaskedImage.constant(0), 3).designs(cells);
			float[] y = new float[n];
			for (int i = 0; i < n; i++) {
				y[i] = (float) r.nextGaussian();
				for (int j = 0; j < cells; j += 3) if (on[i][j]) y[i] += 1 + j; // some cells matter
			}
			double[] got = HsicAttribution.hsicPerCell(on, y, cells);
			double[] d = new double[n * (n - 1) / 2];
			int q = 0;
			for (int a = 0; a < n; a++) for (int b = a + 1; b < n; b++) d[q++] = Math.abs(y[a] - y[b]);
			Arrays.sort(d);
			double sigma = d[d.length / 2];
			double[][] l = new double[n][n], h = new double[n][n];
			for (int a = 0; a < n; a++) {
				for (int b = 0; b < n; b++) {
					double t = (y[a] - y[b]) / sigma;
					l[a][b] = Math.exp(-0.5 * t * t);
					h[a][b] = (a == b ? 1 : 0) - 1.0 / n;
				}
			}
			double[][] hlh = times(times(h, l), h);
			for (int j = 0; j < cells; j++) {
				double trace = 0;
				for (int a = 0; a < n; a++) {
					for (int b = 0; b < n; b++) {
						double t = (on[a][j] ? 1 : 0) - (on[b][j] ? 1 : 0);
						trace += Math.exp(-0.5 * t * t) * hlh[b][a];
					}
				}
				double want = trace / ((n - 1.0) * (n - 1.0));
				assertEquals(want, got[j], 1e-12 + 1e-9 * Math.abs(want), n + " samples, cell " + j);
			}
		}
	}

	private static double[][] times(double[][] a, double[][] b) {
		int n = a.length;
		double[][] c = new double[n][n];
		for (int i = 0; i < n; i++) for (int k = 0; k < n; k++) for (int j = 0; j < n; j++) c[i][j] += a[i][k] * b[k][j];
		return c;
	}
}
