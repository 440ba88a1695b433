package org.conceptscope.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CancellationException;

import org.conceptscope.attribution.Saliency;
import org.conceptscope.model.ModelConfig;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.registry.Registry;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.train.GraphNetwork;
import org.conceptscope.train.SavedModelExport;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * Independent and cascading randomisation (Adebayo et al. 2018, section 4) on a linear model built
 * here with a known answer: logits = W^T (s x + o) + b, layer {@code gain} (scalars s, o) below
 * layer {@code dense} (W, b). Saliency of class k is |s| |W[:, k]|, whatever the image. Randomising
 * {@code gain} alone only rescales it: Spearman of the absolute maps 1 and SSIM 1. Randomising
 * {@code dense} (alone, or with {@code gain}) gives |s'| |W'[:, k]|: the Spearman of |W[:, k]| and
 * the random copy's |W'[:, k]|, computed here with ranks of its own. So the independent
 * randomisation's second step is 1 where the cascade's is not.
 */
class IndependentRandomizationTest {

	@TempDir
	static Path work;

	static TensorFlowClassifier model;
	static FloatTensor x;
	static final int[] TARGETS = { 0, 1, 0, 1 };
	static final long SEED = 42;

	@BeforeAll
	static void build() throws Exception {
		ModelConfig config = new ModelConfig();
		config.name = "Gain and dense";
		config.classes = List.of("a", "b");
		config.normalization = "none";
		Path dir = work.resolve("gain-dense");
		SavedModelExport.export(Net::new, config, dir);
		model = TensorFlowClassifier.load(dir);
		Random r = new Random(3);
		x = FloatTensor.zeros(4, 8, 8, 1);
		for (int i = 0; i < x.size(); i++) x.data()[i] = r.nextFloat();
	}

	@AfterAll
	static void close() {
		model.close();
	}

	private static final class Net extends GraphNetwork {

		Net(Graph g) {
			Ops tf = Ops.create(g);
			Random r = new Random(17);
			input = tf.withName("input").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 8, 8, 1)));
			Ops gain = tf.withSubScope("gain"), dense = tf.withSubScope("dense");
			Operand<TFloat32> flat = tf.reshape(input, tf.constant(new long[] { -1, 64 }));
			Operand<TFloat32> scaled = tf.math.add(tf.math.mul(flat, variable(gain, "scale", new long[] { 1 }, new float[] { 2 })),
				variable(gain, "offset", new long[] { 1 }, new float[] { 0.5f }));
			float[] w = new float[128];
			for (int i = 0; i < w.length; i++) w[i] = (float) r.nextGaussian();
			logits = tf.withName("logits").nn.biasAdd(tf.linalg.matMul(scaled, variable(dense, "kernel", new long[] { 64, 2 }, w)),
				variable(dense, "bias", new long[] { 2 }, new float[] { 0.1f, -0.1f }));
		}

		private Variable<TFloat32> variable(Ops scope, String name, long[] shape, float[] value) {
			Variable<TFloat32> v = scope.withName(name).variable(scope.constant(Shape.of(shape), DataBuffers.of(value)));
			variables.put(v.op().name(), v);
			return v;
		}
	}

	/** Rank of each |value| (1 + smaller values + half the other equal ones) and their Pearson correlation. */
	static double spearmanAbs(float[] a, float[] b) {
		double[] ra = ranks(a), rb = ranks(b);
		double m = (a.length + 1) / 2.0, ab = 0, aa = 0, bb = 0;
		for (int i = 0; i < ra.length; i++) {
			ab += (ra[i] - m) * (rb[i] - m);
			aa += (ra[i] - m) * (ra[i] - m);
			bb += (rb[i] - m) * (rb[i] - m);
		}
		return ab / Math.sqrt(aa * bb);
	}

	static double[] ranks(float[] v) {
		double[] r = new double[v.length];
		for (int i = 0; i < v.length; i++) {
			int less = 0, equal = 0;
			for (int j = 0; j < v.length; j++) {
				if (Math.abs(v[j]) < Math.abs(v[i])) less++;
				else if (Math.abs(v[j]) == Math.abs(v[i]) && j != i) equal++;
			}
			r[i] = 1 + less + equal / 2.0;
		}
		return r;
	}

	/** Column k of a 64 x 2 kernel. */
	static float[] column(float[] kernel, int k) {
		float[] c = new float[64];
		for (int p = 0; p < 64; p++) c[p] = kernel[p * 2 + k];
		return c;
	}

	/** Spearman of |W[:, k]| and the seed's random |W'[:, k]|, per class. */
	static double[] randomDense() {
		float[] w = model.variable("dense/kernel").data();
		try (TensorFlowClassifier random = RandomizedWeights.copy(model, List.of("dense/kernel"), SEED)) {
			float[] v = random.variable("dense/kernel").data();
			return new double[] { spearmanAbs(column(w, 0), column(v, 0)), spearmanAbs(column(w, 1), column(v, 1)) };
		}
	}

	@Test
	void theLayersAreDenseThenGain() {
		assertEquals(List.of("dense", "gain"), new ArrayList<>(SanityCheck.layers(model.variables()).keySet()), model.variables().toString());
	}

	@Test
	void independentStepsRandomiseOneLayerEachAndKnowTheirAnswers() {
		List<long[]> reports = new ArrayList<>();
		SanityCheck.Layerwise r = SanityCheck.independent(model, x, TARGETS, new Saliency(), SEED, (d, t, m) -> reports.add(new long[] { d, t }));
		assertEquals(SanityCheck.Randomization.INDEPENDENT, r.randomization());
		assertEquals(List.of("dense", "gain"), r.steps().stream().map(SanityCheck.Step::layer).toList());
		assertEquals(List.of("dense/kernel", "dense/bias"), r.steps().get(0).randomized().stream().sorted(java.util.Comparator.reverseOrder()).toList());
		assertEquals(List.of("gain/scale", "gain/offset"), r.steps().get(1).randomized().stream().sorted(java.util.Comparator.reverseOrder()).toList(),
			"the second step randomises gain alone, dense keeps its trained weights");
		double[] dense = randomDense();
		assertTrue(Math.abs(dense[0]) < 0.5 && Math.abs(dense[1]) < 0.5, "independent random columns: " + dense[0] + ", " + dense[1]);
		SanityCheck.Step first = r.steps().get(0), second = r.steps().get(1);
		for (int i = 0; i < TARGETS.length; i++) {
			assertEquals(dense[TARGETS[i]], first.spearmanAbs()[i], 1e-9, "dense alone, image " + i);
			assertEquals(1.0, second.spearmanAbs()[i], 1e-12, "gain alone only rescales the map, image " + i);
			assertEquals(1.0, second.ssim()[i], 1e-5, "the scaled maps are the same, image " + i);
		}
		// the value is the full randomisation's, as without steps: |s'| |W'[:, k]|
		MetricResult full = SanityCheck.randomizing(SEED).evaluate(model, x, TARGETS, new Saliency(), Progress.NONE);
		assertArrayEquals(full.values(), r.result().values(), 1e-12);
		for (int i = 0; i < TARGETS.length; i++) assertEquals(dense[TARGETS[i]], full.values()[i], 1e-9);
		assertEquals("independent", r.result().metadata().get("randomization"));
		assertEquals("dense,gain", r.result().metadata().get("steps"));
		String[] means = r.result().metadata().get("step_spearman_abs").split(",");
		assertEquals((dense[0] + dense[1]) / 2, Double.parseDouble(means[0]), 1e-9);
		assertEquals(1.0, Double.parseDouble(means[1]), 1e-12);
		// progress: the original, two layers and the full copy, forward to the end
		double previous = -1;
		for (long[] p : reports) {
			double f = p[0] / (double) p[1];
			assertTrue(f >= previous - 1e-12 && f <= 1, "progress goes forward: " + f + " after " + previous);
			previous = f;
		}
		assertEquals(1.0, previous, 1e-12);
		assertThrows(CancellationException.class, () -> SanityCheck.independent(model, x, TARGETS, new Saliency(), SEED,
			(d, t, m) -> m == null || !m.equals("randomising every layer")));
	}

	/** The cascade's second step randomises gain and dense: |s'| |W'[:, k]|, not 1; its first step is the independent one's. */
	@Test
	void theCascadeKeepsTheLayersAboveRandomised() {
		SanityCheck.Layerwise c = SanityCheck.cascade(model, x, TARGETS, new Saliency(), SEED, Progress.NONE);
		SanityCheck.Layerwise i = SanityCheck.independent(model, x, TARGETS, new Saliency(), SEED, Progress.NONE);
		double[] dense = randomDense();
		for (int k = 0; k < TARGETS.length; k++) {
			assertEquals(dense[TARGETS[k]], c.steps().get(1).spearmanAbs()[k], 1e-9, "gain and dense randomised, image " + k);
		}
		assertArrayEquals(i.steps().get(0).spearmanAbs(), c.steps().get(0).spearmanAbs(), 1e-12, "both start with dense alone");
		assertArrayEquals(c.result().values(), i.result().values(), 1e-12, "both score the full randomisation");
		assertEquals("cascade", c.result().metadata().get("randomization"));
	}

	/** The registry's flags (the command's and the op's keys) choose the randomisation; both at once are refused in one sentence. */
	@Test
	void theFlagsChooseTheRandomisation() {
		assertEquals(SanityCheck.Randomization.FULL, ((SanityCheck) Registry.metric("sanity", Map.of())).randomization());
		assertEquals(SanityCheck.Randomization.CASCADE, ((SanityCheck) Registry.metric("sanity", Map.of("cascade", true))).randomization());
		assertEquals(SanityCheck.Randomization.INDEPENDENT,
			((SanityCheck) Registry.metric("sanity", Map.of("independent", true))).randomization());
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
			() -> Registry.metric("sanity", Map.of("cascade", true, "independent", true)));
		assertTrue(e.getMessage().contains("set only one of them"), e.getMessage());
		MetricResult r = Registry.metric("sanity", Map.of("independent", true, "seed", SEED)).evaluate(model, x, TARGETS, new Saliency(),
			Progress.NONE);
		assertEquals("independent", r.metadata().get("randomization"));
		assertEquals(1.0, Double.parseDouble(r.metadata().get("step_spearman_abs").split(",")[1]), 1e-12);
	}
}
