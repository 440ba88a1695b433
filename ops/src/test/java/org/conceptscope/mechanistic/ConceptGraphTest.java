package org.conceptscope.mechanistic;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import org.conceptscope.concepts.ConceptBank;
import org.conceptscope.model.BundledModels;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.conceptscope.verify.ResidualModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/** PFV concept vectors, k-means reproducibility, and GIG completeness between layers and to the class. */
class ConceptGraphTest {

	static TensorFlowClassifier model;
	static FloatTensor images;

	@BeforeAll
	static void load() {
		model = TensorFlowClassifier.load(BundledModels.dir("ihc-stain"));
		Random r = new Random(1);
		images = FloatTensor.zeros(6, 32, 32, 3);
		for (int i = 0; i < images.size(); i++) images.data()[i] = r.nextFloat();
	}

	@AfterAll
	static void close() {
		model.close();
	}

	@Test
	void kMeansIsSeededAndFindsSeparatedClusters() {
		Random r = new Random(2);
		double[][] x = new double[90][2];
		for (int i = 0; i < 90; i++) {
			int c = i % 3;
			x[i][0] = 10 * c + r.nextGaussian() * 0.3;
			x[i][1] = -5 * c + r.nextGaussian() * 0.3;
		}
		KMeans.Result a = KMeans.fit(x, 3, 7, 100), b = KMeans.fit(x, 3, 7, 100);
		for (int k = 0; k < 3; k++) assertArrayEquals(a.centroids()[k], b.centroids()[k]);
		for (int i = 0; i < 90; i++) assertEquals(a.assignment()[i % 3], a.assignment()[i], "points of one cluster stay together");
		assertTrue(a.inertia() < 90 * 0.3 * 0.3 * 2 * 2, "inertia " + a.inertia());
	}

	@Test
	void pfvConceptsAreSeeded() {
		ConceptBank a = PfvConcepts.fit(model, images, 2, "conv2/relu", 4, 300, 5, 3);
		ConceptBank b = PfvConcepts.fit(model, images, 2, "conv2/relu", 4, 300, 5, 3);
		assertEquals(4, a.size());
		assertEquals(32, a.channels());
		for (int k = 0; k < 4; k++) assertArrayEquals(a.concepts[k], b.concepts[k]);
		assertEquals(3, a.examples.get(0).size());
		for (double[] c : a.concepts) for (double v : c) assertTrue(v >= 0, "concepts of ReLU PFVs are non-negative");
	}

	/**
	 * Known contributions: on the known-answer model, conv2/relu is the image (identity
	 * convolutions, non-negative pixels) and logit 1 sums R_1 = [18, 20, 8, 8], so a PFV's
	 * contribution to class 1 is its pixel inside R_1 and 0 outside. 20,000 draws with a fixed
	 * seed: none outside R_1, and the counts inside pass a chi-square test against proportions
	 * x_p / sum x (63 degrees of freedom, 0.999 quantile 103.5); uniform draws would not (checked).
	 */
	@Test
	void pfvsAreSampledInProportionToTheirContribution() {
		try (TensorFlowClassifier m = TensorFlowClassifier.load(BundledModels.dir("known-answer"))) {
			Random r = new Random(4);
			FloatTensor x = FloatTensor.zeros(1, 32, 32, 1);
			for (int i = 0; i < x.size(); i++) x.data()[i] = 0.1f + 0.9f * r.nextFloat();
			double[] w = PfvConcepts.contributions(m, x, 1, "conv2/relu");
			double inside = 0;
			for (int p = 0; p < 1024; p++) {
				boolean in = p % 32 >= 18 && p % 32 < 26 && p / 32 >= 20 && p / 32 < 28;
				assertEquals(in ? x.data()[p] : 0, w[p], 1e-6, "contribution of PFV " + p);
				if (in) inside += x.data()[p];
			}
			int draws = 20_000;
			int[] counts = new int[1024];
			for (int i : PfvConcepts.sample(w, draws, new Random(9))) counts[i]++;
			double chi2 = 0, chi2Uniform = 0;
			for (int p = 0; p < 1024; p++) {
				if (w[p] == 0) {
					assertEquals(0, counts[p], "PFV " + p + " contributes nothing and is never drawn");
					continue;
				}
				double expected = draws * w[p] / inside, uniform = draws / 64.0;
				chi2 += (counts[p] - expected) * (counts[p] - expected) / expected;
				chi2Uniform += (counts[p] - uniform) * (counts[p] - uniform) / uniform;
			}
			assertTrue(chi2 < 103.5, "chi-square " + chi2 + " against proportional sampling");
			assertTrue(chi2Uniform > 103.5, "the test can tell: chi-square " + chi2Uniform + " against uniform sampling");
		}
	}

	/**
	 * PFVs are clipped at 0 for NNLS as for GIG: on a pre-activation layer (conv2/bias_add, with
	 * negative values) every example's coefficient is the one GIG integrates at that PFV.
	 */
	@Test
	void exampleCoefficientsAreGigsCoefficients() {
		PfvConcepts.Fit fit = PfvConcepts.fitWithPfvs(model, images, 2, "conv2/bias_add", 3, 300, 5, 4);
		FloatTensor acts = model.activations(images, "conv2/bias_add");
		boolean negative = false;
		for (float v : acts.data()) negative |= v < 0;
		assertTrue(negative, "the layer has negative values");
		for (int k = 0; k < fit.bank().size(); k++) {
			for (int j = 0; j < fit.examplePfvs().get(k).length; j++) {
				int pfv = fit.examplePfvs().get(k)[j], image = pfv / 256, position = pfv % 256;
				double[][] u = GeneralizedIntegratedGradients.coefficients(fit.bank(), acts, image);
				ConceptBank.Example e = fit.bank().examples.get(k).get(j);
				assertEquals(image, e.image());
				assertEquals(u[position][k], e.coefficient(), 1e-12, "concept " + k + " example " + j);
			}
		}
	}

	/**
	 * Fitting PFV concepts reports every phase (the contributions, each k-means iteration, each
	 * image's coefficients, each concept's strongest PFVs), and a cancel stops it where it is asked:
	 * at the first k-means iteration no coefficient is computed, at the second image's coefficients
	 * the third is not.
	 */
	@Test
	void pfvConceptsReportProgressAndStopOnCancel() {
		int[] targets = new int[6];
		java.util.Arrays.fill(targets, 2);
		List<String> seen = new java.util.ArrayList<>();
		PfvConcepts.fitWithPfvs(model, images, targets, 2, "conv2/relu", 3, 300, 5, 2, (d, t, m) -> seen.add(m + " " + d + "/" + t));
		assertEquals("PFV contributions 1/1", seen.get(0));
		assertTrue(seen.get(1).startsWith("k-means iteration 1/300"), seen.toString());
		for (int i = 1; i <= 6; i++) assertTrue(seen.contains("concept coefficients, image " + i + "/6"), seen.toString());
		for (int k = 1; k <= 3; k++) assertTrue(seen.contains("strongest PFVs, concept " + k + "/3"), seen.toString());

		List<String> stopped = new java.util.ArrayList<>();
		assertThrows(java.util.concurrent.CancellationException.class, () -> PfvConcepts.fitWithPfvs(model, images, targets, 2, "conv2/relu", 3,
			300, 5, 2, (d, t, m) -> stopped.add(m) && !m.startsWith("k-means")));
		assertEquals(List.of("PFV contributions", "k-means iteration"), stopped, "nothing after the cancel");

		List<String> midway = new java.util.ArrayList<>();
		assertThrows(java.util.concurrent.CancellationException.class, () -> PfvConcepts.fitWithPfvs(model, images, targets, 2, "conv2/relu", 3,
			300, 5, 2, (d, t, m) -> midway.add(m + " " + d) && !m.equals("concept coefficients, image") || d < 2));
		assertEquals("concept coefficients, image 2", midway.get(midway.size() - 1));
		assertEquals(2, midway.stream().filter(m -> m.startsWith("concept coefficients")).count());
	}

	/**
	 * Cells in image pixels from receptive fields: a 5x5 VALID convolution maps 12x12 to 8x8, so
	 * PFV (gx, gy) sees pixels gx..gx+4 and its one-pixel cell is (gx + 2, gy + 2) (12 / 8 would
	 * have put it at (gx, gy)); on the IHC model conv2/relu (stride 2, SAME) cell g starts at 2g,
	 * conv3/relu (stride 4) at 4g: 4 pixels around 4g + 1.5, the centre of pixels 4g - 7 .. 4g + 10.
	 */
	@Test
	void cellsFollowTheReceptiveFields(@TempDir Path tmp) throws Exception {
		ResidualModel.export(tmp.resolve("valid"), 3, 12, 1, (tf, g, x, r) -> {
			Operand<TFloat32> relu = tf.withName("valid_relu").nn.relu(ResidualModel.conv(tf, "valid_conv", x, ResidualModel.random(r, 50, 0.3),
				new long[] { 5, 5, 1, 2 }, 1, "VALID"));
			Operand<TFloat32> mean = tf.withName("gap").math.mean(relu, tf.constant(new int[] { 1, 2 }));
			return tf.withName("logits").linalg.matMul(mean, ResidualModel.constant(tf, new long[] { 2, 2 }, ResidualModel.random(r, 4, 1)));
		});
		try (TensorFlowClassifier valid = TensorFlowClassifier.load(tmp.resolve("valid"))) {
			PfvConcepts.Cells cells = PfvConcepts.Cells.of(valid, FloatTensor.zeros(1, 12, 12, 1), "valid_relu");
			assertEquals(1, cells.size);
			for (int p = 0; p < 64; p++) {
				ConceptBank.Example e = cells.example(0, p, 1);
				assertEquals(p % 8 + 2, e.x(), "position " + p);
				assertEquals(p / 8 + 2, e.y(), "position " + p);
			}
			assertEquals(5 * 8 + 3, cells.nearest(5, 7), "pixel (5, 7) is the cell of PFV (3, 5)");
			assertEquals(0, cells.nearest(0, 1), "pixels no cell holds (the VALID border) go to the nearest cell");
			assertEquals(63, cells.nearest(11, 11));
		}
		PfvConcepts.Cells conv2 = PfvConcepts.Cells.of(model, images.slice(0), "conv2/relu"), conv3 = PfvConcepts.Cells.of(model, images.slice(0),
			"conv3/relu");
		assertEquals(2, conv2.size);
		assertEquals(4, conv3.size);
		assertEquals(2 * 5, conv2.example(0, 3 * 16 + 5, 1).x());
		assertEquals(2 * 3, conv2.example(0, 3 * 16 + 5, 1).y());
		assertEquals(4 * 6, conv3.example(0, 2 * 8 + 6, 1).x());
		assertEquals(4 * 2, conv3.example(0, 2 * 8 + 6, 1).y());
		assertEquals(0, conv3.example(0, 0, 1).x());
		assertEquals(28, conv3.example(0, 7, 1).x());
	}

	/** Sum of GIG over concepts and residual = h(A) - h(0) at the class logit, A the real activations, within 1 % (128 midpoint steps). */
	@Test
	void gigToTheClassIsComplete() {
		ConceptBank bank = PfvConcepts.fit(model, images, 2, "conv2/relu", 4, 300, 5, 3);
		FloatTensor x = images.slice(0);
		GeneralizedIntegratedGradients.Credit gig = new GeneralizedIntegratedGradients(model, 128).toClass(bank, x, 2);
		FloatTensor rebuilt = model.activations(x, bank.layer); // GIG integrates the model's own activations
		double end = model.logitsFromLayer(bank.layer, rebuilt).get(0, 2);
		double start = model.logitsFromLayer(bank.layer, FloatTensor.zeros(rebuilt.shape())).get(0, 2);
		assertEquals(end - start, gig.total(), 0.01 * Math.abs(end - start) + 1e-4);
	}

	/** Between two layers: sum of GIG over concepts and residual = change of the upper concept's projection along the path. */
	@Test
	void gigBetweenLayersIsCompleteAndTheGraphHasAllEdges() {
		ConceptBank lower = PfvConcepts.fit(model, images, 2, "conv2/relu", 3, 300, 5, 2);
		ConceptBank upper = PfvConcepts.fit(model, images, 2, "conv3/relu", 2, 300, 6, 2);
		FloatTensor x = images.slice(1);
		GeneralizedIntegratedGradients gig = new GeneralizedIntegratedGradients(model, 128);
		GeneralizedIntegratedGradients.Credit r = gig.toConcept(lower, upper, 1, x);
		FloatTensor rebuilt = model.activations(x, lower.layer); // GIG integrates the model's own activations
		double end = GeneralizedIntegratedGradients.projection(upper, 1, model.layerFromLayer(lower.layer, rebuilt, upper.layer))[0];
		double start = GeneralizedIntegratedGradients.projection(upper, 1,
			model.layerFromLayer(lower.layer, FloatTensor.zeros(rebuilt.shape()), upper.layer))[0];
		assertEquals(end - start, r.total(), 0.01 * Math.abs(end - start) + 1e-5);
		List<GeneralizedIntegratedGradients.Edge> edges = gig.graph(lower, upper, x);
		assertEquals((3 + 1) * 2 + 2 + 1, edges.size(), "every lower-upper pair and every upper concept to the class, a residual into each target");
		assertEquals(r.residual(), edges.get(7).relevance(), 1e-12, "upper concept 2's residual edge");
		assertTrue(edges.get(7).isResidual() && edges.get(7).toConcept() == 1);
	}

	static FloatTensor rebuild(ConceptBank bank, FloatTensor image) {
		FloatTensor acts = model.activations(image, bank.layer);
		double[][] u = GeneralizedIntegratedGradients.coefficients(bank, acts, 0);
		int c = bank.channels();
		float[] d = new float[acts.size()];
		for (int p = 0; p < u.length; p++) for (int ch = 0; ch < c; ch++) {
			double v = 0;
			for (int q = 0; q < bank.size(); q++) v += u[p][q] * bank.concepts[q][ch];
			d[p * c + ch] = (float) v;
		}
		return new FloatTensor(acts.shape(), d);
	}
}
