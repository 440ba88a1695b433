package org.conceptscope.concepts;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.conceptscope.model.ModelConfig;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.train.CnnArchitecture;
import org.conceptscope.train.SavedModelExport;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model built so that its layer activations are a known non-negative mixture of known
 * patterns: 6-channel images whose every pixel is sum_k u_k(x, y) P_k, an identity 3x3
 * convolution with ReLU ("conv1/relu" = the image), global average pooling and a dense layer v.
 * The class-0 logit is sum_k mean(u_k) (P_k . v), so concept k's importance is known: with
 * P_k . v = 3, 1, 0.3 and coefficients of equal distribution, the ranking is 0, 1, 2.
 */
class CraftKnownMixtureTest {

	static final int C = 6, SIZE = 16;
	static final double[][] PATTERNS = { { 1, 1, 0, 0, 0, 0 }, { 0, 0, 1, 1, 0, 0 }, { 0, 0, 0, 0, 1, 1 } };
	/** Dense weights of class 0: P_0.v = 3, P_1.v = 1, P_2.v = 0.3. */
	static final float[] V0 = { 1.5f, 1.5f, 0.5f, 0.5f, 0.15f, 0.15f };

	@TempDir
	static Path tmp;
	static TensorFlowClassifier model;
	static FloatTensor images;
	static float[][][] truth; // [image][concept][position]

	@BeforeAll
	static void build() throws Exception {
		CnnArchitecture arch = new CnnArchitecture(SIZE, SIZE, C, new int[] { C }, 3, false, CnnArchitecture.Head.GLOBAL_AVERAGE, 2);
		Map<String, FloatTensor> w = new LinkedHashMap<>();
		FloatTensor kernel = FloatTensor.zeros(3, 3, C, C);
		for (int c = 0; c < C; c++) kernel.set(1f, 1, 1, c, c);
		w.put("conv1/kernel", kernel);
		w.put("conv1/bias", FloatTensor.zeros(C));
		FloatTensor dense = FloatTensor.zeros(C, 2);
		for (int c = 0; c < C; c++) {
			dense.set(V0[c], c, 0);
			dense.set(0.1f, c, 1);
		}
		w.put("dense/kernel", dense);
		w.put("dense/bias", FloatTensor.zeros(2));
		ModelConfig config = new ModelConfig();
		config.classes = List.of("mixture", "other");
		SavedModelExport.export(arch, w, config, tmp.resolve("mixture"));
		model = TensorFlowClassifier.load(tmp.resolve("mixture"));

		int n = 24;
		Random r = new Random(4);
		images = FloatTensor.zeros(n, SIZE, SIZE, C);
		truth = new float[n][3][SIZE * SIZE];
		for (int i = 0; i < n; i++) {
			for (int k = 0; k < 3; k++) {
				// one Gaussian blob per concept, random place and amplitude
				double cy = r.nextDouble() * SIZE, cx = r.nextDouble() * SIZE, amp = 0.5 + r.nextDouble();
				for (int y = 0; y < SIZE; y++) for (int x = 0; x < SIZE; x++) {
					double d2 = (y - cy) * (y - cy) + (x - cx) * (x - cx);
					float u = (float) (amp * Math.exp(-d2 / (2 * 9.0)));
					truth[i][k][y * SIZE + x] = u;
					for (int c = 0; c < C; c++) images.data()[((i * SIZE + y) * SIZE + x) * C + c] += (float) (u * PATTERNS[k][c]);
				}
			}
		}
	}

	@AfterAll
	static void close() {
		model.close();
	}

	static ConceptBank fit() {
		return Craft.fit(model, images, 0, new CraftOptions("conv1/relu", 8, 4, 3, 1, 1e-7, 3000, 4), Progress.NONE);
	}

	/** Index of the recovered concept closest to true pattern t. */
	static int match(ConceptBank bank, int t) {
		int best = 0;
		for (int k = 1; k < bank.size(); k++) if (NmfTest.cosine(PATTERNS[t], bank.concepts[k]) > NmfTest.cosine(PATTERNS[t], bank.concepts[best])) best = k;
		return best;
	}

	@Test
	void recoversThePatterns() {
		ConceptBank bank = fit();
		for (double c : NmfTest.matchedCosines(PATTERNS, bank.concepts)) assertTrue(c >= 0.95, "cosine " + c);
		assertEquals(0, bank.clippedFraction, 0, "a ReLU layer needs no clipping");
		assertEquals(3, bank.examples.size());
		assertEquals(4, bank.examples.get(0).size());
	}

	@Test
	void importanceRanksTheConceptsByTheirKnownWeight() {
		ConceptBank bank = fit();
		int[] order = { match(bank, 0), match(bank, 1), match(bank, 2) };
		double[] sobol = ConceptImportance.sobol(model, bank, images, 32, 3, Progress.NONE);
		double[] gxi = ConceptImportance.gradientTimesInput(model, bank, images, Progress.NONE);
		double[] deletion = ConceptImportance.deletion(model, bank, images);
		for (double[] imp : new double[][] { sobol, gxi, deletion }) {
			assertTrue(imp[order[0]] > imp[order[1]] && imp[order[1]] > imp[order[2]], java.util.Arrays.toString(imp));
		}
	}

	/**
	 * The class-0 logit is linear in the rebuilt activations (ReLU passes them, being non-negative; average
	 * pooling; dense v; no bias): with masks m, image i's logit is sum_k m_k c_ik, c_ik = mean_p u_ipk (W_k . v).
	 * For a linear function of independent uniform masks the total Sobol index is exact: ST_ik = c_ik^2 /
	 * sum_j c_ij^2 (Var = sum_k c_k^2 / 12, no interactions), averaged over images. The Jansen estimator on
	 * 4096 quasi-Monte Carlo designs gives it within 0.01 on 4 images. (Its error falls slowly with the
	 * designs: on such a head, about 0.05 on a concept explaining 80 % of the variance at 256 designs, 0.02 at
	 * 1024, measured over seeds.)
	 */
	@Test
	void sobolImportanceIsTheExactTotalIndexOfALinearHead() {
		ConceptBank bank = fit();
		FloatTensor four = images.range(0, 4);
		double[][][] u = ConceptCoefficients.of(model, bank, four).u();
		int n = u.length, k = bank.size();
		double[] expected = new double[k];
		for (int i = 0; i < n; i++) {
			double[] c = new double[k];
			double sum = 0;
			for (int q = 0; q < k; q++) {
				double wv = 0;
				for (int ch = 0; ch < C; ch++) wv += bank.concepts[q][ch] * V0[ch];
				for (double[] up : u[i]) c[q] += up[q] * wv / u[i].length;
				sum += c[q] * c[q];
			}
			for (int q = 0; q < k; q++) expected[q] += c[q] * c[q] / sum / n;
		}
		double[] sobol = ConceptImportance.sobol(model, bank, four, 4096, 3, Progress.NONE);
		assertArrayEquals(expected, sobol, 0.01, "expected " + java.util.Arrays.toString(expected) + ", got " + java.util.Arrays.toString(sobol));
		assertTrue(expected[match(bank, 0)] > 0.5, "the heaviest pattern explains most of the variance: " + java.util.Arrays.toString(expected));
	}

	/**
	 * The class-0 logit is linear in the layer (ReLU passes the rebuilt, non-negative activations; average
	 * pooling; dense v), so gradient x input of concept q is mean_i sum_p u_ipq (W_q . v) / positions: the
	 * gradients of 72 images, two calls of 64 and 8, give it; the coefficients and the gradients report in
	 * one count, and Esc during the coefficients stops before any gradient is asked.
	 */
	@Test
	void gradientImportanceInChunksIsItsDefinitionAndReportsBothPhases() {
		ConceptBank bank = fit();
		int per = (int) images.stride0() * (int) images.dim(0);
		float[] tripled = new float[3 * per];
		for (int t = 0; t < 3; t++) System.arraycopy(images.data(), 0, tripled, t * per, per);
		long[] shape = images.shape();
		shape[0] = 3 * images.dim(0);
		FloatTensor many = new FloatTensor(shape, tripled);
		int n = (int) shape[0];
		double[][][] u = ConceptCoefficients.of(model, bank, many).u();
		double[] expected = new double[bank.size()];
		for (int q = 0; q < bank.size(); q++) {
			double wv = 0;
			for (int c = 0; c < C; c++) wv += bank.concepts[q][c] * V0[c];
			for (int i = 0; i < n; i++) for (double[] up : u[i]) expected[q] += up[q] * wv / (SIZE * SIZE) / n;
		}
		List<long[]> reports = new java.util.ArrayList<>();
		List<String> messages = new java.util.ArrayList<>();
		double[] gxi = ConceptImportance.gradientTimesInput(model, bank, many, (done, total, message) -> {
			reports.add(new long[] { done, total });
			messages.add(message);
			return true;
		});
		assertArrayEquals(expected, gxi, 1e-4 * java.util.Arrays.stream(expected).map(Math::abs).max().orElse(1));
		assertEquals(n + 2, reports.size(), "one report per image's coefficients, one per gradient call");
		for (int r = 0; r < reports.size(); r++) {
			assertEquals(2L * n, reports.get(r)[1], "one count for both phases");
			if (r > 0) assertTrue(reports.get(r)[0] > reports.get(r - 1)[0], "progress never goes back");
		}
		assertEquals(List.of(64L + n, 2L * n), List.of(reports.get(n)[0], reports.get(n + 1)[0]));
		assertEquals("concept coefficients", messages.get(0));
		assertEquals("concept importance", messages.get(n + 1));
		int[] asked = { 0 };
		assertThrows(java.util.concurrent.CancellationException.class, () -> ConceptImportance.gradientTimesInput(model, bank, many,
			(done, total, message) -> ++asked[0] < 5));
		assertEquals(5, asked[0], "stopped at the fifth image's coefficients");
	}

	/**
	 * Sobol and deletion importance report in one count of 2 N: the coefficients one step per image
	 * (before: all at 0 of N, so a log showed "concept coefficients 0% 0/N" and nothing until the end
	 * when the coefficients took long), then the loop's images, ending at 2 N of 2 N.
	 */
	@Test
	void sobolAndDeletionImportanceReportTheCoefficientsAndReachTheEnd() {
		ConceptBank bank = fit();
		int n = (int) images.dim(0);
		for (String estimator : List.of("sobol", "deletion")) {
			List<long[]> reports = new java.util.ArrayList<>();
			List<String> messages = new java.util.ArrayList<>();
			Progress recording = (done, total, message) -> {
				reports.add(new long[] { done, total });
				messages.add(message);
				return true;
			};
			if (estimator.equals("sobol")) ConceptImportance.sobol(model, bank, images, 4, 1, recording);
			else ConceptImportance.deletion(model, bank, images, recording);
			assertEquals(2 * n, reports.size(), estimator + ": one report per image's coefficients, one per image's importance");
			for (int r = 0; r < reports.size(); r++) {
				assertEquals(2L * n, reports.get(r)[1], estimator + ": one count for both phases");
				assertEquals(r + 1L, reports.get(r)[0], estimator + ": report " + r + " moves the bar on");
				assertEquals(r < n ? "concept coefficients" : "concept importance", messages.get(r), estimator + ", report " + r);
			}
		}
	}

	/** The coefficient map of each concept at layer resolution follows the true blob of its pattern. */
	@Test
	void localizationFollowsTheTrueCoefficients() {
		ConceptBank bank = fit();
		ConceptLocalization.ConceptMaps maps = ConceptLocalization.localize(model, bank, images);
		assertArrayEquals(new long[] { images.dim(0), SIZE, SIZE, 3 }, maps.maps().shape());
		for (int t = 0; t < 3; t++) {
			int k = match(bank, t);
			double corr = 0;
			for (int i = 0; i < images.dim(0); i++) {
				float[] found = new float[SIZE * SIZE];
				for (int p = 0; p < found.length; p++) found[p] = maps.coarse().data()[(i * SIZE * SIZE + p) * 3 + k];
				corr += pearson(found, truth[i][t]) / images.dim(0);
			}
			assertTrue(corr > 0.95, "concept " + t + " map correlation " + corr);
		}
	}

	@Test
	void bankRoundTripsThroughItsFile() throws Exception {
		ConceptBank bank = fit();
		bank.importance = new double[] { 0.5, 0.3, 0.2 };
		Path file = tmp.resolve("bank.json");
		bank.save(file);
		ConceptBank back = ConceptBank.load(file);
		assertEquals(bank.layer, back.layer);
		assertEquals(bank.className, back.className);
		for (int k = 0; k < 3; k++) assertArrayEquals(bank.concepts[k], back.concepts[k], 0);
		assertArrayEquals(bank.importance, back.importance, 0);
		assertEquals(bank.examples, back.examples);
		java.nio.file.Files.writeString(tmp.resolve("bad.json"), "{\"format\": \"other\"}");
		var e = assertThrows(java.io.IOException.class, () -> ConceptBank.load(tmp.resolve("bad.json")));
		assertTrue(e.getMessage().contains("not a ConceptScope concept bank"), e.getMessage());
	}

	/** A stack localised in parts (16, then 8 images, with progress) gives the maps of the whole stack at once. */
	@Test
	void localizationInPartsIsTheWholeStacks() {
		ConceptBank bank = fit();
		ConceptLocalization.ConceptMaps whole = ConceptLocalization.localize(model, bank, images);
		java.util.List<String> reports = new java.util.ArrayList<>();
		ConceptLocalization.ConceptMaps parts = ConceptLocalization.localize(model, bank, images, (done, total, message) -> {
			reports.add(done + "/" + total);
			return true;
		});
		assertEquals(java.util.List.of("0/24", "16/24", "24/24"), reports);
		assertArrayEquals(whole.maps().shape(), parts.maps().shape());
		assertArrayEquals(whole.coarse().shape(), parts.coarse().shape());
		for (int i = 0; i < whole.maps().size(); i++) {
			assertEquals(whole.maps().data()[i], parts.maps().data()[i], 1e-5f * (1 + Math.abs(whole.maps().data()[i])), "map value " + i);
		}
		for (int i = 0; i < whole.coarse().size(); i++) {
			assertEquals(whole.coarse().data()[i], parts.coarse().data()[i], 1e-5f * (1 + Math.abs(whole.coarse().data()[i])), "coarse value " + i);
		}
	}

	@Test
	void wrongModelForABankIsNamed() throws Exception {
		ConceptBank bank = fit();
		bank.concepts = new double[][] { { 1, 2, 3 } };
		var e = assertThrows(IllegalArgumentException.class, () -> ConceptLocalization.localize(model, bank, images));
		assertTrue(e.getMessage().contains("3 channels per concept"), e.getMessage());
	}

	static double pearson(float[] a, float[] b) {
		double ma = 0, mb = 0;
		for (int i = 0; i < a.length; i++) {
			ma += a[i];
			mb += b[i];
		}
		ma /= a.length;
		mb /= b.length;
		double ab = 0, aa = 0, bb = 0;
		for (int i = 0; i < a.length; i++) {
			ab += (a[i] - ma) * (b[i] - mb);
			aa += (a[i] - ma) * (a[i] - ma);
			bb += (b[i] - mb) * (b[i] - mb);
		}
		return ab / Math.sqrt(aa * bb);
	}
}
