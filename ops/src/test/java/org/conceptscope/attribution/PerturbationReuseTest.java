package org.conceptscope.attribution;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;

import org.conceptscope.attribution.StreamedScoresTest.LinearModel;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.Test;

/**
 * What the perturbation methods keep or write faster gives the maps of their plain definitions to
 * the bit: RISE's masked copies for one, three and four channels (written without an inner channel
 * loop for the usual counts), and LIME (interpretable distance) and Kernel SHAP, whose samples and
 * prepared fit are shared by every image with as many segments and kept from one call to the next.
 * The model is a linear one computed in Java, so a copy's score does not depend on its batch.
 */
class PerturbationReuseTest {

	@Test
	void riseIsItsPlainDefinitionToTheBitForOneThreeAndFourChannels() {
		int n = 2, size = 12, masks = 23;
		int[] targets = { 1, 2 };
		for (int c : new int[] { 1, 3, 4 }) {
			FloatTensor x = StreamedScoresTest.images(n, size, c, 10 + c);
			Rise rise = new Rise(masks, 3, 0.5, 3);
			LinearModel plain = new LinearModel(size * size * c, 3, 1, 4);
			float[] want = new float[n * size * size], sums = new float[size * size];
			for (int i = 0; i < n; i++) {
				float[] src = x.slice(i).data();
				for (int k = 0; k < masks; k++) {
					float[] m = rise.mask(k, size, size);
					float[] copy = new float[src.length];
					for (int p = 0; p < size * size; p++) for (int ch = 0; ch < c; ch++) copy[p * c + ch] = src[p * c + ch] * m[p];
					float s = plain.logits(new FloatTensor(new long[] { 1, size, size, c }, copy)).data()[targets[i]];
					for (int p = 0; p < size * size; p++) want[i * size * size + p] += s * m[p];
					if (i == 0) for (int p = 0; p < size * size; p++) sums[p] += m[p];
				}
				for (int p = 0; p < size * size; p++) want[i * size * size + p] /= sums[p];
			}
			for (int batch : new int[] { 256, 5 }) {
				float[] got = rise.explain(new LinearModel(size * size * c, 3, batch, 4), x, targets, Progress.NONE).maps().data();
				assertArrayEquals(want, got, c + " channels, batches of " + batch);
			}
		}
	}

	/** Image i's map by the definition: each sample drawn from its own generator, scored alone, one weighted fit per image. */
	static float[] plainSurrogate(LinearSurrogate method, boolean lime, FloatTensor images, int[] targets, Segmentation segmentation, int samples,
		long seed, double width, double ridge) {
		int n = (int) images.dim(0), h = (int) images.dim(1), w = (int) images.dim(2), c = (int) images.dim(3);
		LinearModel model = new LinearModel(h * w * c, 3, 1, 7);
		float[] maps = new float[n * h * w];
		for (int i = 0; i < n; i++) {
			float[] x = images.slice(i).data();
			Segments s = segmentation.of(x, h, w, c);
			int m = s.count();
			boolean[][] z = new boolean[samples][m];
			double[] weights = new double[samples];
			float[] y = new float[samples];
			for (int j = 0; j < samples; j++) {
				method.draw(j, org.conceptscope.util.Seeds.stream(seed, j), z[j]);
				int kept = 0;
				for (boolean b : z[j]) if (b) kept++;
				double d = kept == 0 ? 1 : 1 - Math.sqrt(kept / (double) m);
				weights[j] = lime ? Math.exp(-d * d / (width * width)) : j < 2 ? KernelShap.ENDPOINT_WEIGHT : 1 << m > samples ? 1
					// every coalition enumerated: the Shapley kernel (m - 1) / (C(m, k) k (m - k)); the repeats after them weigh 0
					: j < 1 << m ? (m - 1) / (KernelShapExactTest.factorial(m) / (KernelShapExactTest.factorial(kept) * KernelShapExactTest.factorial(m - kept))
						* kept * (m - kept)) : 0;
				float[] copy = x.clone();
				for (int p = 0; p < h * w; p++) if (!z[j][s.label(p / w, p % w)]) for (int ch = 0; ch < c; ch++) copy[p * c + ch] = 0;
				y[j] = model.logits(new FloatTensor(new long[] { 1, h, w, c }, copy)).data()[targets[i]];
			}
			double[] beta = WeightedLinearFit.fit(z, y, weights, ridge).coefficients();
			for (int p = 0; p < h * w; p++) maps[i * h * w + p] = (float) beta[s.label(p / w, p % w)];
		}
		return maps;
	}

	@Test
	void limeAndKernelShapKeepTheirSamplesAndFitAcrossImagesAndCallsToTheBit() {
		int samples = 40;
		long seed = 8;
		// SLIC gives these images different segment counts: the kept samples must follow the count
		FloatTensor a = StreamedScoresTest.images(3, 16, 1, 21), b = StreamedScoresTest.images(2, 16, 1, 22);
		Segmentation slic = Segmentation.slic(9, 0.1), grid = Segmentation.grid(4);
		int[] ta = { 0, 2, 1 }, tb = { 1, 0 };
		int[] counts = new int[3];
		for (int i = 0; i < 3; i++) counts[i] = slic.of(a.slice(i).data(), 16, 16, 1).count();
		assertTrue(Arrays.stream(counts).distinct().count() > 1, "the images have different segment counts: " + Arrays.toString(counts));
		for (boolean lime : new boolean[] { true, false }) {
			LinearSurrogate onSlic = lime ? new Lime(samples, slic, MaskedImage.constant(0), seed) : new KernelShap(samples, slic, MaskedImage.constant(0), seed);
			LinearSurrogate onGrid = lime ? new Lime(samples, grid, MaskedImage.constant(0), seed) : new KernelShap(samples, grid, MaskedImage.constant(0), seed);
			double ridge = lime ? Lime.DEFAULT_RIDGE : 0;
			float[] wantA = plainSurrogate(onSlic, lime, a, ta, slic, samples, seed, Lime.DEFAULT_WIDTH, ridge);
			float[] wantB = plainSurrogate(onGrid, lime, b, tb, grid, samples, seed, Lime.DEFAULT_WIDTH, ridge);
			String name = onSlic.name();
			for (int batch : new int[] { 256, 7 }) {
				for (int call = 0; call < 2; call++) {
					// the same instances again: the second call starts from what the first kept
					assertArrayEquals(wantA, onSlic.explain(new LinearModel(256, 3, batch, 7), a, ta, Progress.NONE).maps().data(),
						name + " SLIC, batches of " + batch + ", call " + call);
					assertArrayEquals(wantB, onGrid.explain(new LinearModel(256, 3, batch, 7), b, tb, Progress.NONE).maps().data(),
						name + " grid, batches of " + batch + ", call " + call);
				}
			}
		}
	}

	/** HSIC's series estimate as it was summed before the cells' on samples were listed: row by row, testing every cell. */
	static double[] rowOrderSeries(boolean[][] on, float[] y, int cells, double inverse, int terms) {
		int m = y.length;
		double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
		for (float v : y) {
			lo = Math.min(lo, v * inverse);
			hi = Math.max(hi, v * inverse);
		}
		double centre = 0.5 * (lo + hi);
		double[] step = new double[terms];
		for (int k = 1; k < terms; k++) step[k] = 1 / Math.sqrt(k);
		double[] z = new double[m * terms], mean = new double[terms];
		for (int a = 0; a < m; a++) {
			double x = y[a] * inverse - centre;
			z[a * terms] = Math.exp(-0.5 * x * x);
			for (int k = 1; k < terms; k++) z[a * terms + k] = z[a * terms + k - 1] * x * step[k];
			for (int k = 0; k < terms; k++) mean[k] += z[a * terms + k];
		}
		for (int k = 0; k < terms; k++) mean[k] /= m;
		double[] v = new double[cells * terms];
		for (int a = 0; a < m; a++) {
			for (int k = 0; k < terms; k++) z[a * terms + k] -= mean[k];
			for (int j = 0; j < cells; j++) if (on[a][j]) for (int k = 0; k < terms; k++) v[j * terms + k] += z[a * terms + k];
		}
		double[] result = new double[cells];
		for (int j = 0; j < cells; j++) {
			double q = 0;
			for (int k = 0; k < terms; k++) q += v[j * terms + k] * v[j * terms + k];
			result[j] = 2 * q / m;
		}
		return result;
	}

	/** The series sums each cell's on samples from its list, in sample order: the row-by-row sums to the bit; designs are kept across calls. */
	@Test
	void hsicSeriesOverEachCellsListIsTheRowOrderSumAndDesignsAreKept() {
		java.util.Random r = new java.util.Random(12);
		for (int cells : new int[] { 16, 64 }) {
			HsicAttribution hsic = new HsicAttribution((int) Math.sqrt(cells), 300, MaskedImage.constant(0), 5);
			boolean[][] on = hsic.designs(cells);
			float[] y = new float[300];
			for (int a = 0; a < y.length; a++) y[a] = (float) (0.4 * r.nextGaussian() + 1);
			double inverse = 1 / HsicAttribution.bandwidth(y);
			int terms = HsicAttribution.seriesTerms(y, inverse);
			assertTrue(terms > 0, "these scores take the series");
			double[] want = rowOrderSeries(on, y, cells, inverse, terms);
			assertArrayEquals(want, HsicAttribution.bySeries(on, y, cells, inverse, terms), cells + " cells");
			assertArrayEquals(want, HsicAttribution.hsicPerCell(on, y, cells), cells + " cells, through the estimator");
		}
		// one instance called again, and on images of another size in between, gives a fresh instance's maps
		HsicAttribution kept = new HsicAttribution(4, 40, MaskedImage.constant(0), 6);
		FloatTensor x16 = StreamedScoresTest.images(2, 16, 1, 30), x12 = StreamedScoresTest.images(2, 12, 1, 31);
		int[] t = { 0, 2 };
		float[] first = kept.explain(new LinearModel(256, 3, 64, 3), x16, t, Progress.NONE).maps().data();
		float[] other = kept.explain(new LinearModel(144, 3, 64, 3), x12, t, Progress.NONE).maps().data();
		assertArrayEquals(new HsicAttribution(4, 40, MaskedImage.constant(0), 6).explain(new LinearModel(144, 3, 64, 3), x12, t, Progress.NONE).maps().data(),
			other, "12x12 after 16x16");
		assertArrayEquals(first, kept.explain(new LinearModel(256, 3, 64, 3), x16, t, Progress.NONE).maps().data(), "16x16 again");
	}

	/** A lattice's perturbed copy, value by value or run by run: the image where the cell is kept, the replacement elsewhere. */
	@Test
	void gridCellsComposeTheCopyEitherWay() {
		SplittableRandom r = new SplittableRandom(3);
		int before = GridCells.perValueBelow;
		try {
			for (int[] shape : new int[][] { { 16, 16, 1, 8 }, { 32, 32, 3, 8 }, { 13, 10, 2, 3 }, { 64, 48, 1, 4 }, { 7, 7, 3, 7 } }) {
				int h = shape[0], w = shape[1], c = shape[2], grid = shape[3];
				float[] x = new float[h * w * c], repl = new float[h * w * c];
				for (int p = 0; p < x.length; p++) {
					x[p] = (float) r.nextDouble();
					repl[p] = -1 - p;
				}
				boolean[] keep = new boolean[grid * grid];
				for (int j = 0; j < keep.length; j++) keep[j] = r.nextBoolean();
				float[] want = new float[x.length + 5];
				for (int y = 0; y < h; y++) {
					for (int xx = 0; xx < w; xx++) {
						int cell = Math.min(grid - 1, y * grid / h) * grid + Math.min(grid - 1, xx * grid / w);
						for (int ch = 0; ch < c; ch++) {
							int p = (y * w + xx) * c + ch;
							want[5 + p] = keep[cell] ? x[p] : repl[p];
						}
					}
				}
				for (int below : new int[] { 0, 8, Integer.MAX_VALUE / 2 }) {
					GridCells.perValueBelow = below;
					float[] got = new float[x.length + 5];
					new GridCells(h, w, c, grid).compose(keep, x, repl, got, 5);
					assertArrayEquals(want, got, Arrays.toString(shape) + ", per value below " + below);
				}
			}
		} finally {
			GridCells.perValueBelow = before;
		}
	}
}
