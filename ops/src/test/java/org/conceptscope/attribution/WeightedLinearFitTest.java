package org.conceptscope.attribution;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import java.util.SplittableRandom;

import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.Test;

/**
 * The fit prepared once and solved per image (Kernel SHAP reuses it for every image) against the
 * one-step fit as it was written before (accumulating the normal matrix and the right-hand side
 * together for every target vector): the same bits.
 */
class WeightedLinearFitTest {

	/** The one-step weighted least squares the surrogates used before the fit was split. */
	static WeightedLinearFit.Result oneStep(boolean[][] z, float[] y, double[] weights, double alpha) {
		int n = z.length, m = z[0].length;
		double sw = 0, my = 0;
		double[] mz = new double[m];
		for (int i = 0; i < n; i++) {
			sw += weights[i];
			my += weights[i] * y[i];
			for (int j = 0; j < m; j++) if (z[i][j]) mz[j] += weights[i];
		}
		my /= sw;
		for (int j = 0; j < m; j++) mz[j] /= sw;
		double[][] a = new double[m][m];
		double[] b = new double[m];
		for (int i = 0; i < n; i++) {
			double r = weights[i] * (y[i] - my);
			for (int p = 0; p < m; p++) {
				if (!z[i][p]) continue;
				b[p] += r;
				for (int q = 0; q < m; q++) if (z[i][q]) a[p][q] += weights[i];
			}
		}
		double trace = 0;
		for (int p = 0; p < m; p++) {
			for (int q = 0; q < m; q++) a[p][q] -= sw * mz[p] * mz[q];
			a[p][p] += alpha;
			trace += a[p][p];
		}
		double jitter = 0, scale = Math.max(trace / m, 1e-300);
		for (int attempt = 0; attempt < 40; attempt++) {
			double[] beta = solve(a, b, jitter);
			if (beta != null) {
				double intercept = my;
				for (int j = 0; j < m; j++) intercept -= beta[j] * mz[j];
				return new WeightedLinearFit.Result(beta, intercept);
			}
			jitter = jitter == 0 ? 1e-12 * scale : jitter * 10;
		}
		throw new AssertionError("singular");
	}

	private static double[] solve(double[][] a, double[] b, double jitter) {
		int m = b.length;
		double[][] l = new double[m][m];
		for (int i = 0; i < m; i++) {
			for (int j = 0; j <= i; j++) {
				double s = a[i][j] + (i == j ? jitter : 0);
				for (int k = 0; k < j; k++) s -= l[i][k] * l[j][k];
				if (i == j) {
					if (!(s > 1e-13 * Math.max(1, Math.abs(a[i][i])))) return null;
					l[i][i] = Math.sqrt(s);
				} else {
					l[i][j] = s / l[j][j];
				}
			}
		}
		double[] x = new double[m];
		for (int i = 0; i < m; i++) {
			double s = b[i];
			for (int k = 0; k < i; k++) s -= l[i][k] * x[k];
			x[i] = s / l[i][i];
		}
		for (int i = m - 1; i >= 0; i--) {
			double s = x[i];
			for (int k = i + 1; k < m; k++) s -= l[k][i] * x[k];
			x[i] = s / l[i][i];
		}
		return x;
	}

	private static void assertSame(WeightedLinearFit.Result want, WeightedLinearFit.Result got, String what) {
		assertArrayEquals(want.coefficients(), got.coefficients(), 0.0, what);
		assertEquals(want.intercept(), got.intercept(), 0.0, what);
	}

	private static float[] targets(int n, Random r) {
		float[] y = new float[n];
		for (int i = 0; i < n; i++) y[i] = (float) (r.nextGaussian() * 3);
		return y;
	}

	@Test
	void oneFitPreparedForKernelShapSamplesSolvesEveryTargetLikeTheOneStepFit() {
		KernelShap ks = new KernelShap(256, Segmentation.grid(8), MaskedImage.constant(0), 11);
		boolean[][] z = new boolean[256][64];
		for (int j = 0; j < z.length; j++) ks.draw(j, new SplittableRandom(j * 31L + 5), z[j]);
		double[] w = ks.weights(z, null);
		WeightedLinearFit.Prepared prepared = WeightedLinearFit.prepare(z, w, ks.ridge());
		Random r = new Random(3);
		for (int image = 0; image < 5; image++) {
			float[] y = targets(z.length, r);
			assertSame(oneStep(z, y, w, 0), prepared.solve(y), "image " + image);
			assertSame(oneStep(z, y, w, 0), WeightedLinearFit.fit(z, y, w, 0), "one call, image " + image);
		}
	}

	@Test
	void ridgeWeightedAndSingularFitsAreTheOneStepFit() {
		Random r = new Random(8);
		// LIME-like: random weights and a ridge; and fewer samples than features without one (the jitter path)
		for (int[] shape : new int[][] { { 120, 16 }, { 6, 10 } }) {
			boolean[][] z = new boolean[shape[0]][shape[1]];
			double[] w = new double[shape[0]];
			for (int i = 0; i < z.length; i++) {
				for (int j = 0; j < shape[1]; j++) z[i][j] = r.nextBoolean();
				w[i] = r.nextDouble();
			}
			double alpha = shape[0] > shape[1] ? 2 : 0;
			WeightedLinearFit.Prepared prepared = WeightedLinearFit.prepare(z, w, alpha);
			for (int k = 0; k < 3; k++) {
				float[] y = targets(z.length, r);
				assertSame(oneStep(z, y, w, alpha), prepared.solve(y), shape[0] + " samples, target " + k);
			}
		}
	}

	@Test
	void kernelShapMapsAreTheOneStepFitOfEachImagesScores() {
		int n = 3, size = 16, grid = 4, samples = 60;
		long seed = 5;
		FloatTensor x = StreamedScoresTest.images(n, size, 1, 9);
		int[] targets = { 2, 0, 1 };
		StreamedScoresTest.LinearModel model = new StreamedScoresTest.LinearModel(size * size, 3, 17, 4);
		KernelShap ks = new KernelShap(samples, Segmentation.grid(grid), MaskedImage.constant(0), seed);
		float[] maps = ks.explain(model, x, targets, Progress.NONE).maps().data();
		Segments segments = Segments.grid(size, size, 1, grid);
		int m = segments.count();
		boolean[][] z = new boolean[samples][m];
		for (int j = 0; j < samples; j++) ks.draw(j, org.conceptscope.util.Seeds.stream(seed, j), z[j]);
		double[] w = ks.weights(z, null);
		for (int i = 0; i < n; i++) {
			float[] image = x.slice(i).data();
			FloatTensor copies = FloatTensor.zeros(samples, size, size, 1);
			for (int j = 0; j < samples; j++) {
				for (int p = 0; p < image.length; p++) {
					copies.data()[j * image.length + p] = z[j][segments.label(p / size, p % size)] ? image[p] : 0f;
				}
			}
			float[] logits = model.logits(copies).data(), y = new float[samples];
			for (int j = 0; j < samples; j++) y[j] = logits[j * 3 + targets[i]];
			float[] want = segments.paint(oneStep(z, y, w, 0).coefficients());
			float[] got = java.util.Arrays.copyOfRange(maps, i * size * size, (i + 1) * size * size);
			assertArrayEquals(want, got, "image " + i);
		}
	}
}
