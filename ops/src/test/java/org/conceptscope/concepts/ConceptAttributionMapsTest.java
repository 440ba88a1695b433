package org.conceptscope.concepts;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.conceptscope.attribution.GradCam;
import org.conceptscope.metrics.IhcPatches;
import org.conceptscope.model.BundledModels;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Concept attribution maps by implicit differentiation through the NNLS solve, checked against the
 * definition computed another way: central finite differences of the concept scores, each score
 * recomputed from scratch (activations of the perturbed image, a fresh NNLS solve), on the bundled
 * ihc-stain model with real held-out patches of ihc.png and concepts CRAFT extracts from them.
 */
class ConceptAttributionMapsTest {

	static TensorFlowClassifier model;
	static FloatTensor x;
	static ConceptBank bank;

	@BeforeAll
	static void fit() {
		model = TensorFlowClassifier.load(BundledModels.dir("ihc-stain"));
		x = IhcPatches.load(6);
		CraftOptions o = new CraftOptions(GradCam.lastSpatialLayer(model), 16, 8, 4, 42, 1e-4, 500, 4);
		bank = Craft.fit(model, x, 2, o, Progress.NONE);
	}

	@AfterAll
	static void close() {
		model.close();
	}

	/** Pure algebra: the active-set Jacobian row equals finite differences of the NNLS solution itself. */
	@Test
	void jacobianOfTheNnlsSolveMatchesFiniteDifferences() {
		double[][] w = { { 1, 0.5, 0, 0.2 }, { 0, 1, 0.7, 0 }, { 0.3, 0, 1, 1 } };
		float[] a = { 0.9f, 1.1f, 0.8f, 0.6f };
		Nnls nnls = new Nnls(w, 10000);
		double[] u = nnls.solve(a, 0);
		for (int k = 0; k < 3; k++) {
			double[] row = ConceptAttributionMaps.jacobianRow(w, u, k);
			if (u[k] == 0) {
				assertNull(row, "an inactive concept does not move");
				continue;
			}
			for (int j = 0; j < 4; j++) {
				float[] plus = a.clone(), minus = a.clone();
				float h = 1e-3f;
				plus[j] += h;
				minus[j] -= h;
				double fd = (nnls.solve(plus, 0)[k] - nnls.solve(minus, 0)[k]) / (2 * h);
				assertEquals(fd, row[j], 1e-3, "du_" + k + "/da_" + j);
			}
		}
		// a point where concept 1 is pushed out of the active set: its coefficient is 0 and so is its row
		double[] v = nnls.solve(new float[] { 1, 0, 0, 0.2f }, 0);
		assertEquals(0, v[1], 1e-12);
		assertNull(ConceptAttributionMaps.jacobianRow(w, v, 1));
	}

	/**
	 * The gradient of each concept score matches central differences along random directions
	 * through the whole model: g, clipping, NNLS and the mean over positions. A random direction
	 * crosses ReLU kinks and active-set changes even at h = 1e-4 (float32 limits a smaller step), so
	 * each error is measured against the largest derivative of that concept and direction over the
	 * images (at most 2 %), and the median relative error must be under 1 %.
	 */
	@Test
	void scoreGradientMatchesFiniteDifferencesOnARealModel() {
		Random r = new Random(19);
		java.util.List<Double> relative = new java.util.ArrayList<>();
		for (int q = 0; q < bank.size(); q++) {
			FloatTensor g = ConceptAttributionMaps.scoreGradient(model, bank, x, q);
			assertArrayEquals(x.shape(), g.shape());
			for (int trial = 0; trial < 2; trial++) {
				float[] v = new float[x.size()];
				for (int i = 0; i < v.length; i++) v[i] = (float) r.nextGaussian();
				double[][] fd = directional(v, 1e-4f);
				double scale = 0;
				for (double[] row : fd) scale = Math.max(scale, Math.abs(row[q]));
				assertTrue(scale > 1e-3, "concept " + q + " moves along a random direction");
				for (int i = 0; i < x.dim(0); i++) {
					double dot = 0;
					for (int j = 0; j < x.stride0(); j++) dot += g.data()[i * x.stride0() + j] * v[i * x.stride0() + j];
					assertEquals(fd[i][q], dot, 0.02 * scale, "concept " + q + " image " + i + " direction " + trial);
					relative.add(Math.abs(dot - fd[i][q]) / Math.max(1e-12, Math.abs(fd[i][q])));
				}
			}
		}
		java.util.Collections.sort(relative);
		assertTrue(relative.get(relative.size() / 2) < 0.01, "median relative error " + relative.get(relative.size() / 2));
	}

	/** At the layer, the upstream weights are ds/da: finite differences of fresh NNLS solves on the real (clipped) activations. */
	@Test
	void layerJacobianMatchesFiniteDifferencesOfTheNnlsSolve() {
		ConceptAttributionMaps.Solve s = ConceptAttributionMaps.solve(model, bank, x);
		float[] raw = s.raw().data();
		int c = bank.channels(), pos = s.u()[0].length;
		Nnls nnls = new Nnls(bank.concepts);
		Random r = new Random(7);
		for (int q = 0; q < bank.size(); q++) {
			float[] up = ConceptAttributionMaps.upstream(bank, s, q).data();
			for (int i = 0; i < x.dim(0); i++) {
				double[] v = new double[pos * c];
				for (int j = 0; j < v.length; j++) v[j] = raw[i * pos * c + j] > 0 ? r.nextGaussian() : 0;
				double h = 1e-3, plus = 0, minus = 0, dot = 0;
				for (int p = 0; p < pos; p++) {
					float[] ap = new float[c], am = new float[c];
					for (int ch = 0; ch < c; ch++) {
						int j = p * c + ch;
						float a = Math.max(0, raw[i * pos * c + j]);
						ap[ch] = (float) (a + h * v[j]);
						am[ch] = (float) (a - h * v[j]);
						dot += up[i * pos * c + j] * v[j];
					}
					plus += nnls.solve(ap, 0)[q] / pos;
					minus += nnls.solve(am, 0)[q] / pos;
				}
				double fd = (plus - minus) / (2 * h);
				assertEquals(fd, dot, 0.01 * Math.abs(fd) + 1e-4, "concept " + q + " image " + i);
			}
		}
	}

	/**
	 * Gradient x input maps sum, per image and concept, to the derivative of the score along the image
	 * itself (d/dt s_k(t x) at t = 1), computed by finite differences; saliency maps are the largest
	 * absolute gradient over channels; both have one channel per concept at the input resolution.
	 */
	@Test
	void mapsAreTheAttributionOfTheConceptScores() {
		FloatTensor gxi = ConceptAttributionMaps.maps(model, bank, x, ConceptAttributionMaps.Rule.GRADIENT_X_INPUT, Progress.NONE);
		assertArrayEquals(new long[] { x.dim(0), 32, 32, bank.size() }, gxi.shape());
		double[][] along = directional(x.data().clone(), 1e-4f);
		int k = bank.size();
		for (int i = 0; i < x.dim(0); i++) for (int q = 0; q < k; q++) {
			double sum = 0;
			for (int p = 0; p < 32 * 32; p++) sum += gxi.data()[(i * 32 * 32 + p) * k + q];
			assertEquals(along[i][q], sum, 0.03 * Math.max(1e-3, Math.abs(along[i][q])) + 1e-4, "image " + i + " concept " + q);
		}
		FloatTensor sal = ConceptAttributionMaps.maps(model, bank, x, ConceptAttributionMaps.Rule.SALIENCY, Progress.NONE);
		FloatTensor g0 = ConceptAttributionMaps.scoreGradient(model, bank, x, 0);
		for (int p = 0; p < x.dim(0) * 32 * 32; p++) {
			float m = 0;
			for (int c = 0; c < 3; c++) m = Math.max(m, Math.abs(g0.data()[p * 3 + c]));
			assertEquals(m, sal.data()[p * k], 1e-7f);
		}
		assertThrows(java.util.concurrent.CancellationException.class,
			() -> ConceptAttributionMaps.maps(model, bank, x, ConceptAttributionMaps.Rule.SALIENCY, (d, t, m) -> false));
	}

	@Test
	void badInputGetsOneSentence() {
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ConceptAttributionMaps.scoreGradient(model, bank, x, 9));
		assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
		assertEquals(ConceptAttributionMaps.Rule.SALIENCY, ConceptAttributionMaps.Rule.of(" Saliency "));
		assertThrows(IllegalArgumentException.class, () -> ConceptAttributionMaps.Rule.of("lrp"));
	}

	/** (s(x + h v) - s(x - h v)) / 2h per image and concept, each score from a fresh forward pass and NNLS solve. */
	private static double[][] directional(float[] v, float h) {
		FloatTensor plus = x.copy(), minus = x.copy();
		for (int i = 0; i < v.length; i++) {
			plus.data()[i] += h * v[i];
			minus.data()[i] -= h * v[i];
		}
		double[][] sp = ConceptAttributionMaps.scores(model, bank, plus), sm = ConceptAttributionMaps.scores(model, bank, minus);
		double[][] out = new double[sp.length][sp[0].length];
		for (int i = 0; i < sp.length; i++) for (int q = 0; q < sp[0].length; q++) out[i][q] = (sp[i][q] - sm[i][q]) / (2 * h);
		return out;
	}
}
