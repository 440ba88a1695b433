package org.conceptscope.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.conceptscope.tensor.FloatTensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Keras/TF2-style SavedModel (signature -> StatefulPartitionedCall -> wrapper -> model ->
 * per-layer functions, resource variables, restore through a function), built in Java: after
 * inlining, logits match both TensorFlow's own function calls and a plain-Java computation,
 * gradients match finite differences, and inner layers can be fetched and fed.
 */
class FunctionInliningTest {

	@TempDir
	static Path tmp;
	static TestGraphs.KerasWeights weights;
	static Path modelDir, work;
	static TensorFlowClassifier inlined, asCalls;

	static final String RELU = "StatefulPartitionedCall/model/conv2d/Relu";
	static final String POOL = "StatefulPartitionedCall/model/global_average_pooling2d";

	@BeforeAll
	static void build() throws Exception {
		modelDir = tmp.resolve("keras-style");
		weights = TestGraphs.kerasStyle(modelDir, 7, 16);
		work = Files.createDirectories(tmp.resolve("work"));
		inlined = TensorFlowClassifier.load(modelDir, LoadOptions.defaults().withWorkDir(work));
		asCalls = TensorFlowClassifier.load(modelDir, LoadOptions.defaults().withWorkDir(work).withInlineFunctions(false));
	}

	@AfterAll
	static void close() {
		if (inlined != null) inlined.close();
		if (asCalls != null) asCalls.close();
	}

	static FloatTensor images(int n, long seed) {
		Random r = new Random(seed);
		FloatTensor t = FloatTensor.zeros(n, 16, 16, 3);
		for (int i = 0; i < t.size(); i++) t.data()[i] = r.nextFloat();
		return t;
	}

	@Test
	void inlinesEveryNestedCallAndFindsTheLogitsInside() {
		assertEquals(4, inlined.inlinedCalls(), "wrapper, model, conv2d and dense");
		assertEquals(0, asCalls.inlinedCalls());
		ModelSignature s = inlined.signature();
		assertEquals("StatefulPartitionedCall/model/dense/BiasAdd:0", s.logits().tensorName(),
			"the Softmax inside the model function gives away the logits");
		assertNotNull(s.probabilities());
		assertEquals(3, inlined.numClasses());
	}

	@Test
	void forwardMatchesFunctionCallsAndPlainJava() {
		FloatTensor x = images(5, 1);
		FloatTensor probs = inlined.probabilities(x);
		FloatTensor viaCalls = asCalls.output("output_0", x);
		assertArrayEquals(new long[] { 5, 3 }, probs.shape());
		for (int i = 0; i < probs.size(); i++) assertEquals(viaCalls.data()[i], probs.data()[i], 1e-5);
		FloatTensor logits = inlined.logits(x), expected = referenceLogits(x);
		for (int i = 0; i < logits.size(); i++) assertEquals(expected.data()[i], logits.data()[i], 1e-4);
	}

	@Test
	void innerLayersAreListedOnlyAfterInlining() {
		List<String> names = inlined.layers().stream().map(LayerInfo::name).toList();
		assertTrue(names.containsAll(List.of(RELU, POOL, "StatefulPartitionedCall/model/conv2d/Conv2D",
			"StatefulPartitionedCall/model/dense/MatMul")), names.toString());
		assertFalse(names.stream().anyMatch(n -> n.endsWith("Identity")), "Identity copies are not layers: " + names);
		assertTrue(asCalls.layers().stream().noneMatch(l -> l.name().contains("conv2d")),
			"without inlining the layers hide inside function calls: " + asCalls.layers());
		LayerInfo relu = inlined.layers().stream().filter(l -> l.name().equals(RELU)).findFirst().orElseThrow();
		assertArrayEquals(new long[] { -1, 16, 16, 4 }, relu.shape());
		assertTrue(relu.isSpatial());
	}

	@Test
	void inputGradientMatchesFiniteDifferences() {
		FloatTensor x = images(2, 2);
		FloatTensor w = FloatTensor.oneHot(new int[] { 1, 2 }, 3);
		FloatTensor g = inlined.inputGradient(x, w);
		assertArrayEquals(x.shape(), g.shape());
		double eps = 1e-2;
		int[] probes = { 0, 17, 300, 767, 768 + 5, 768 + 600 };
		for (int p : probes) {
			int n = p / 768;
			FloatTensor plus = x.copy(), minus = x.copy();
			plus.data()[p] += eps;
			minus.data()[p] -= eps;
			double fd = (score(plus, w, n) - score(minus, w, n)) / (2 * eps);
			assertEquals(fd, g.data()[p], 2e-3 + 0.02 * Math.abs(fd), "pixel " + p);
		}
	}

	private static double score(FloatTensor x, FloatTensor w, int n) {
		FloatTensor l = referenceLogits(x);
		double s = 0;
		for (int k = 0; k < 3; k++) s += l.data()[n * 3 + k] * w.data()[n * 3 + k];
		return s;
	}

	@Test
	void layersCanBeFetchedAndFed() {
		FloatTensor x = images(3, 3);
		FloatTensor w = FloatTensor.oneHot(new int[] { 0, 1, 2 }, 3);
		for (String layer : List.of(RELU, POOL)) {
			FloatTensor a = inlined.activations(x, layer);
			FloatTensor h = inlined.logitsFromLayer(layer, a), logits = inlined.logits(x);
			for (int i = 0; i < logits.size(); i++) assertEquals(logits.data()[i], h.data()[i], 1e-4, layer);
			FloatTensor g1 = inlined.layerGradient(x, layer, w), g2 = inlined.gradientFromLayer(layer, a, w);
			assertArrayEquals(a.shape(), g1.shape());
			for (int i = 0; i < g1.size(); i++) assertEquals(g1.data()[i], g2.data()[i], 1e-5, layer);
		}
		// h at the pooled features is linear: its gradient is the dense kernel's column
		FloatTensor pooled = inlined.activations(x, POOL);
		FloatTensor g = inlined.gradientFromLayer(POOL, pooled, FloatTensor.oneHot(new int[] { 2, 2, 2 }, 3));
		for (int f = 0; f < 4; f++) assertEquals(weights.denseKernel().data()[f * 3 + 2], g.data()[f], 1e-5);
	}

	@Test
	void resourceVariablesAreListedReadAndReplaced() {
		List<String> vars = inlined.variables();
		assertEquals(List.of("dense/bias", "dense/kernel", "conv2d/bias", "conv2d/kernel"), vars, "top layer first");
		assertArrayEquals(weights.convKernel().data(), inlined.variable("conv2d/kernel").data(), 0f);
		FloatTensor zeros = FloatTensor.zeros(4, 3);
		try (TensorFlowClassifier copy = inlined.withVariables(Map.of("dense/kernel", zeros))) {
			FloatTensor l = copy.logits(images(1, 4));
			for (int k = 0; k < 3; k++) assertEquals(weights.denseBias().data()[k], l.data()[k], 1e-6);
		}
		assertArrayEquals(weights.denseKernel().data(), inlined.variable("dense/kernel").data(), 0f, "the original is untouched");
	}

	@Test
	void callsWithControlInputsAndConstantsInTheBodyInline() throws Exception {
		Path dir = tmp.resolve("control");
		org.tensorflow.ConcreteFunction f = org.tensorflow.ConcreteFunction.create(tf -> {
			var x = tf.withName("x").placeholder(org.tensorflow.types.TFloat32.class,
				org.tensorflow.op.core.Placeholder.shape(org.tensorflow.ndarray.Shape.of(-1, 4)));
			var y = tf.withName("times_three").math.mul(x, tf.withName("three").constant(3f));
			return org.tensorflow.Signature.builder().key("__inference_triple").input("x", x).output("y", y).build();
		});
		org.tensorflow.proto.GraphDef graph;
		try (org.tensorflow.Graph g = new org.tensorflow.Graph()) {
			org.tensorflow.op.Ops tf = org.tensorflow.op.Ops.create(g);
			var in = tf.withName("input").placeholder(org.tensorflow.types.TFloat32.class,
				org.tensorflow.op.core.Placeholder.shape(org.tensorflow.ndarray.Shape.of(-1, 2, 2, 1)));
			var flat = tf.withName("flat").reshape(in, tf.constant(new long[] { -1, 4 }));
			var ready = tf.withName("ready").noOp();
			var call = tf.withName("call").withControlDependencies(List.of(ready))
				.statefulPartitionedCall(List.of(flat), List.of(org.tensorflow.types.TFloat32.class), f);
			tf.withName("logits").identity((org.tensorflow.Operand<org.tensorflow.types.TFloat32>) call.output().get(0));
			graph = g.toGraphDef();
		}
		f.close();
		TestGraphs.writeSavedModel(dir, graph, "input:0", org.tensorflow.ndarray.Shape.of(-1, 2, 2, 1), Map.of("logits", "logits:0"), null);
		try (TensorFlowClassifier m = TensorFlowClassifier.load(dir, LoadOptions.defaults().withWorkDir(work))) {
			assertEquals(1, m.inlinedCalls());
			FloatTensor x = new FloatTensor(new long[] { 1, 2, 2, 1 }, new float[] { 1, 2, 3, 4 });
			assertArrayEquals(new float[] { 3, 6, 9, 12 }, m.logits(x).data(), 0f);
			assertArrayEquals(new float[] { 0, 3, 0, 0 }, m.inputGradient(x, FloatTensor.oneHot(new int[] { 1 }, 4)).data(), 0f);
			// (TF_GraphToFunction may suffix body node names, e.g. times_three_0)
			assertTrue(m.signature().logits().tensorName().startsWith("call/times_three"), "the logits are the op inside the call: "
				+ m.signature().logits().tensorName());
			// the body waits for the call's control input: the inlined copy still runs after 'ready'
			assertTrue(m.layers().stream().anyMatch(l -> l.name().equals("flat")), m.layers().toString());
		}
	}

	@Test
	void noTemporaryFilesAreLeft() throws Exception {
		try (var s = Files.list(work)) {
			assertEquals(List.of(), s.toList(), "the staged graph is removed once TensorFlow has loaded it");
		}
	}

	/** conv 3x3 SAME + bias + ReLU, global average pooling, dense: the model in plain Java. */
	static FloatTensor referenceLogits(FloatTensor x) {
		int n = (int) x.dim(0), h = 16, wd = 16, c = 3, f = 4, k = 3;
		float[] in = x.data(), kern = weights.convKernel().data(), cb = weights.convBias().data();
		float[] dk = weights.denseKernel().data(), db = weights.denseBias().data();
		float[] out = new float[n * k];
		for (int b = 0; b < n; b++) {
			double[] pooled = new double[f];
			for (int y = 0; y < h; y++) {
				for (int xx = 0; xx < wd; xx++) {
					for (int o = 0; o < f; o++) {
						double s = cb[o];
						for (int dy = 0; dy < 3; dy++) {
							for (int dx = 0; dx < 3; dx++) {
								int yy = y + dy - 1, xs = xx + dx - 1;
								if (yy < 0 || yy >= h || xs < 0 || xs >= wd) continue;
								for (int ch = 0; ch < c; ch++) {
									s += in[((b * h + yy) * wd + xs) * c + ch] * kern[((dy * 3 + dx) * c + ch) * f + o];
								}
							}
						}
						pooled[o] += Math.max(0, s) / (h * wd);
					}
				}
			}
			for (int j = 0; j < k; j++) {
				double s = db[j];
				for (int o = 0; o < f; o++) s += pooled[o] * dk[o * k + j];
				out[b * k + j] = (float) s;
			}
		}
		return new FloatTensor(new long[] { n, k }, out);
	}
}
