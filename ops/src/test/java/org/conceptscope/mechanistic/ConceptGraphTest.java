package org.conceptscope.mechanistic;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;

import org.conceptscope.concepts.ConceptBank;
import org.conceptscope.model.BundledModels;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

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

	/** Sum of GIG over concepts = h(U W) - h(0) at the class logit, within 1 % (128 midpoint steps). */
	@Test
	void gigToTheClassIsComplete() {
		ConceptBank bank = PfvConcepts.fit(model, images, 2, "conv2/relu", 4, 300, 5, 3);
		FloatTensor x = images.slice(0);
		double[] gig = new GeneralizedIntegratedGradients(model, 128).toClass(bank, x, 2);
		FloatTensor rebuilt = rebuild(bank, x);
		double end = model.logitsFromLayer(bank.layer, rebuilt).get(0, 2);
		double start = model.logitsFromLayer(bank.layer, FloatTensor.zeros(rebuilt.shape())).get(0, 2);
		double sum = 0;
		for (double g : gig) sum += g;
		assertEquals(end - start, sum, 0.01 * Math.abs(end - start) + 1e-4);
	}

	/** Between two layers: sum of GIG = change of the upper concept's projection along the path. */
	@Test
	void gigBetweenLayersIsCompleteAndTheGraphHasAllEdges() {
		ConceptBank lower = PfvConcepts.fit(model, images, 2, "conv2/relu", 3, 300, 5, 2);
		ConceptBank upper = PfvConcepts.fit(model, images, 2, "conv3/relu", 2, 300, 6, 2);
		FloatTensor x = images.slice(1);
		GeneralizedIntegratedGradients gig = new GeneralizedIntegratedGradients(model, 128);
		double[] r = gig.toConcept(lower, upper, 1, x);
		FloatTensor rebuilt = rebuild(lower, x);
		double end = GeneralizedIntegratedGradients.projection(upper, 1, model.layerFromLayer(lower.layer, rebuilt, upper.layer))[0];
		double start = GeneralizedIntegratedGradients.projection(upper, 1,
			model.layerFromLayer(lower.layer, FloatTensor.zeros(rebuilt.shape()), upper.layer))[0];
		double sum = 0;
		for (double v : r) sum += v;
		assertEquals(end - start, sum, 0.01 * Math.abs(end - start) + 1e-5);
		List<GeneralizedIntegratedGradients.Edge> edges = gig.graph(lower, upper, x);
		assertEquals(3 * 2 + 2, edges.size(), "every lower-upper pair and every upper concept to the class");
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
