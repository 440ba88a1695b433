package org.conceptscope.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.conceptscope.tensor.FloatTensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The runtime on the bundled IHC model: signature, forward, layers, gradients against finite differences. */
class TensorFlowClassifierTest {

	static TensorFlowClassifier model;

	@BeforeAll
	static void load() {
		model = TensorFlowClassifier.load(BundledModels.dir("ihc-stain"));
	}

	@AfterAll
	static void close() {
		model.close();
	}

	static FloatTensor randomImages(int n, long seed) {
		Random r = new Random(seed);
		FloatTensor t = FloatTensor.zeros(n, 32, 32, 3);
		for (int i = 0; i < t.size(); i++) t.data()[i] = r.nextFloat();
		return t;
	}

	@Test
	void readsSignatureAndConfig() {
		ModelSignature s = model.signature();
		assertArrayEquals(new long[] { -1, 32, 32, 3 }, s.input().shape());
		assertEquals("DT_FLOAT", s.input().dtype());
		assertEquals("logits:0", s.logits().tensorName());
		assertNotNull(s.probabilities(), "the Softmax output is recognised as probabilities");
		assertEquals("probabilities:0", s.probabilities().tensorName());
		assertEquals(List.of("background", "hematoxylin", "DAB-positive"), model.classNames());
		assertEquals("unit_range", model.normalization().describe());
	}

	@Test
	void probabilitiesAreSoftmaxOfLogits() {
		FloatTensor x = randomImages(5, 1);
		FloatTensor p = model.probabilities(x), fromLogits = TensorFlowClassifier.softmax(model.logits(x));
		for (int i = 0; i < p.size(); i++) assertEquals(fromLogits.data()[i], p.data()[i], 1e-5);
	}

	@Test
	void chunkedBatchesGiveTheSameLogits() {
		FloatTensor x = randomImages(13, 2);
		FloatTensor whole = model.logits(x);
		model.setMaxBatch(4);
		try {
			FloatTensor chunked = model.logits(x);
			assertArrayEquals(whole.shape(), chunked.shape());
			for (int i = 0; i < whole.size(); i++) assertEquals(whole.data()[i], chunked.data()[i], 1e-5);
		} finally {
			model.setMemoryBudget(TensorFlowClassifier.DEFAULT_MEMORY_BUDGET);
		}
	}

	@Test
	void listsTheLayersBetweenInputAndLogits() {
		List<String> names = model.layers().stream().map(LayerInfo::name).toList();
		assertTrue(names.containsAll(List.of("conv1/relu", "conv2/relu", "conv3/pool", "features", "dense/matmul")), names.toString());
		assertFalse(names.contains("input"), "the input placeholder is not a layer");
		assertFalse(names.contains("logits"), "the logits are the end of h, not a split point");
		assertTrue(names.stream().noneMatch(n -> n.startsWith("conceptscope_")), "our own gradient ops are hidden");
		LayerInfo relu2 = model.layers().stream().filter(l -> l.name().equals("conv2/relu")).findFirst().orElseThrow();
		assertArrayEquals(new long[] { -1, 16, 16, 32 }, relu2.shape());
		assertEquals("Relu", relu2.opType());
	}

	@Test
	void feedingFetchedActivationsReproducesTheLogits() {
		FloatTensor x = randomImages(4, 3);
		FloatTensor logits = model.logits(x);
		for (LayerInfo layer : model.layers()) {
			FloatTensor a = model.activations(x, layer.name());
			assertEquals(4, a.dim(0));
			FloatTensor h = model.logitsFromLayer(layer.name(), a);
			for (int i = 0; i < logits.size(); i++) assertEquals(logits.data()[i], h.data()[i], 1e-4, layer.name());
		}
	}

	/** Directional derivative: grad . v against the central difference of the weighted logits along v. */
	@Test
	void inputGradientMatchesFiniteDifferences() {
		FloatTensor x = randomImages(2, 4);
		FloatTensor w = new FloatTensor(new long[] { 2, 3 }, new float[] { 1, 0, 0, 0, -0.5f, 2 });
		FloatTensor g = model.inputGradient(x, w);
		assertArrayEquals(x.shape(), g.shape());
		Random r = new Random(5);
		for (int trial = 0; trial < 3; trial++) {
			float[] v = unitDirection(x.size(), r);
			double analytic = dot(g.data(), v);
			double eps = 1e-2;
			double numeric = (weighted(model.logits(shift(x, v, eps)), w) - weighted(model.logits(shift(x, v, -eps)), w)) / (2 * eps);
			assertEquals(analytic, numeric, 0.01 * Math.abs(analytic) + 1e-3, "trial " + trial);
		}
	}

	@Test
	void layerGradientMatchesFiniteDifferencesOfTheUpperModel() {
		FloatTensor x = randomImages(2, 6);
		FloatTensor w = FloatTensor.oneHot(new int[] { 2, 1 }, 3);
		String layer = "conv2/relu";
		FloatTensor a = model.activations(x, layer);
		FloatTensor g = model.layerGradient(x, layer, w);
		FloatTensor gFed = model.gradientFromLayer(layer, a, w);
		assertArrayEquals(a.shape(), g.shape());
		for (int i = 0; i < g.size(); i++) assertEquals(g.data()[i], gFed.data()[i], 1e-5);
		Random r = new Random(7);
		float[] v = unitDirection(a.size(), r);
		double eps = 1e-2;
		double numeric = (weighted(model.logitsFromLayer(layer, shift(a, v, eps)), w)
			- weighted(model.logitsFromLayer(layer, shift(a, v, -eps)), w)) / (2 * eps);
		double analytic = dot(g.data(), v);
		assertEquals(analytic, numeric, 0.01 * Math.abs(analytic) + 1e-3);
	}

	@Test
	void concurrentCallsAgree() throws Exception {
		FloatTensor x = randomImages(8, 8);
		FloatTensor expected = model.logits(x);
		ExecutorService pool = Executors.newFixedThreadPool(4);
		try {
			List<Future<FloatTensor>> futures = new java.util.ArrayList<>();
			for (int i = 0; i < 16; i++) futures.add(pool.submit(() -> model.logits(x)));
			for (Future<FloatTensor> f : futures) assertArrayEquals(expected.data(), f.get().data(), 1e-6f);
		} finally {
			pool.shutdownNow();
		}
	}

	/** A random unit vector: a small step along it stays inside one linear piece of the ReLU network. */
	static float[] unitDirection(int n, Random r) {
		float[] v = new float[n];
		double norm = 0;
		for (int i = 0; i < n; i++) {
			v[i] = (float) r.nextGaussian();
			norm += v[i] * v[i];
		}
		for (int i = 0; i < n; i++) v[i] /= (float) Math.sqrt(norm);
		return v;
	}

	static FloatTensor shift(FloatTensor x, float[] v, double eps) {
		float[] d = x.data().clone();
		for (int i = 0; i < d.length; i++) d[i] += (float) (eps * v[i]);
		return new FloatTensor(x.shape(), d);
	}

	static double weighted(FloatTensor logits, FloatTensor w) {
		return dot(logits.data(), w.data());
	}

	static double dot(float[] a, float[] b) {
		double s = 0;
		for (int i = 0; i < a.length; i++) s += (double) a[i] * b[i];
		return s;
	}
}
