package org.conceptscope.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import org.conceptscope.attribution.AttributionMethod;
import org.conceptscope.attribution.Saliency;
import org.conceptscope.model.ModelConfig;
import org.conceptscope.model.TensorFlowClassifier;
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
import org.tensorflow.op.nn.FusedBatchNorm;
import org.tensorflow.types.TFloat32;

/**
 * The sanity check on a model with variances among its weights, as most CNNs have (BatchNorm): a
 * SavedModel with variables, input [N, 8, 8, 1], a Keras-style Normalization ((x - mean) /
 * max(sqrt(norm/variance), 1e-7)), conv 3x3 to 4 channels, fused batch norm in inference (its
 * variance is the variable bn/running_var, a name no rule knows: found through the op), ReLU,
 * global mean, dense to 2 logits. Gaussian values for a variance are negative half the time, and a
 * negative variance makes the model compute NaN (which the ReLU after it turns into 0 on the way
 * forward, but not in the gradient).
 */
class BatchNormSanityTest {

	@TempDir
	static Path work;

	static TensorFlowClassifier model;
	static FloatTensor x;
	static int[] predicted;

	@BeforeAll
	static void build() throws Exception {
		ModelConfig config = new ModelConfig();
		config.name = "BatchNorm model";
		config.classes = List.of("a", "b");
		config.normalization = "none";
		Path dir = work.resolve("bn-model");
		SavedModelExport.export(Net::new, config, dir);
		model = TensorFlowClassifier.load(dir);
		Random r = new Random(5);
		x = FloatTensor.zeros(4, 8, 8, 1);
		for (int i = 0; i < x.size(); i++) x.data()[i] = r.nextFloat();
		predicted = new int[4];
		Arrays.fill(predicted, AttributionMethod.PREDICTED);
	}

	@AfterAll
	static void close() {
		model.close();
	}

	private static final class Net extends GraphNetwork {

		Net(Graph g) {
			Ops tf = Ops.create(g);
			Random r = new Random(11);
			input = tf.withName("input").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 8, 8, 1)));
			Ops norm = tf.withSubScope("norm"), conv = tf.withSubScope("conv"), bn = tf.withSubScope("bn"), dense = tf.withSubScope("dense");
			Operand<TFloat32> centred = tf.math.sub(input, variable(norm, "mean", new long[] { 1 }, new float[] { 0.5f }));
			Operand<TFloat32> sd = tf.math.maximum(tf.math.sqrt(variable(norm, "variance", new long[] { 1 }, new float[] { 0.08f })),
				tf.constant(1e-7f));
			Operand<TFloat32> normalised = tf.math.div(centred, sd);
			Operand<TFloat32> c = tf.nn.biasAdd(tf.nn.conv2d(normalised, variable(conv, "kernel", new long[] { 3, 3, 1, 4 }, gaussian(r, 36, 0.5)),
				List.of(1L, 1L, 1L, 1L), "SAME"), variable(conv, "bias", new long[] { 4 }, gaussian(r, 4, 0.1)));
			float[] var = new float[4];
			for (int i = 0; i < 4; i++) var[i] = 0.5f + r.nextFloat();
			FusedBatchNorm<TFloat32, TFloat32> b = tf.withName("batch_norm").nn.fusedBatchNorm(c,
				variable(bn, "gamma", new long[] { 4 }, new float[] { 1, 0.8f, 1.2f, 0.9f }),
				variable(bn, "beta", new long[] { 4 }, gaussian(r, 4, 0.1)), variable(bn, "running_mean", new long[] { 4 }, gaussian(r, 4, 0.2)),
				variable(bn, "running_var", new long[] { 4 }, var), FusedBatchNorm.isTraining(false), FusedBatchNorm.epsilon(1e-3f));
			Operand<TFloat32> features = tf.math.mean(tf.nn.relu(b.y()), tf.constant(new int[] { 1, 2 }));
			logits = tf.withName("logits").nn.biasAdd(tf.linalg.matMul(features, variable(dense, "kernel", new long[] { 4, 2 }, gaussian(r, 8, 1))),
				variable(dense, "bias", new long[] { 2 }, new float[] { 0.1f, -0.1f }));
		}

		private Variable<TFloat32> variable(Ops scope, String name, long[] shape, float[] value) {
			Variable<TFloat32> v = scope.withName(name).variable(scope.constant(Shape.of(shape), DataBuffers.of(value)));
			variables.put(v.op().name(), v);
			return v;
		}

		private static float[] gaussian(Random r, int n, double scale) {
			float[] v = new float[n];
			for (int i = 0; i < n; i++) v[i] = (float) (r.nextGaussian() * scale);
			return v;
		}
	}

	private static boolean finite(float[] v) {
		for (float f : v) if (!Float.isFinite(f)) return false;
		return true;
	}

	@Test
	void variancesAreFoundByNameAndByTheBatchNormInput() {
		assertEquals(10, model.variables().size(), model.variables().toString());
		assertEquals(Set.of("norm/variance", "bn/running_var"), model.varianceVariables());
	}

	@Test
	void theRandomisedModelKeepsItsVariancesPositiveAndComputesFiniteLogits() {
		assertTrue(finite(model.logits(x).data()));
		try (TensorFlowClassifier random = RandomizedWeights.copy(model, model.variables(), 42)) {
			float[] logits = random.logits(x).data();
			assertTrue(finite(logits), "randomised logits " + Arrays.toString(logits));
			// the ReLU after the batch norm turns NaN into 0, so the logits alone would not show it
			assertTrue(finite(random.activations(x, "batch_norm").data()), "randomised batch norm output");
			for (String v : model.varianceVariables()) {
				for (float f : random.variable(v).data()) assertTrue(f >= 0, v + " holds " + f);
			}
			float[] kernel = random.variable("conv/kernel").data();
			assertTrue(kernel[0] != model.variable("conv/kernel").data()[0]);
			boolean negative = false;
			for (float f : kernel) negative |= f < 0;
			assertTrue(negative, "other weights stay Gaussian, signs included");
			assertTrue(Math.abs(logits[0] - model.logits(x).data()[0]) > 1e-3, "the copy computes something else");
		}
	}

	/** The check's value per image is the Spearman correlation of the two finite maps, recomputed here from the same copy. */
	@Test
	void theSanityScoreComesFromFiniteMaps() {
		MetricResult r = SanityCheck.randomizing(42).evaluate(model, x, predicted, new Saliency(), Progress.NONE);
		float[] a = new Saliency().explain(model, x, r.targets(), Progress.NONE).maps().data();
		float[] b;
		try (TensorFlowClassifier random = RandomizedWeights.copy(model, model.variables(), 42)) {
			b = new Saliency().explain(random, x, r.targets(), Progress.NONE).maps().data();
		}
		assertTrue(finite(a) && finite(b), "both maps finite");
		int per = 64;
		double mean = 0;
		for (int i = 0; i < 4; i++) {
			double[] p = new double[per], q = new double[per];
			for (int k = 0; k < per; k++) {
				p[k] = Math.abs(a[i * per + k]);
				q[k] = Math.abs(b[i * per + k]);
			}
			assertEquals(Spearman.correlation(p, q), r.values()[i], 1e-12, "image " + i);
			mean += r.values()[i] / 4;
		}
		assertEquals(mean, r.mean(), 1e-12);
		assertEquals("0", r.metadata().get("undefined"));
	}

	/** A copy that computes NaN (here a negative variance set by hand) is refused in one sentence, not scored. */
	@Test
	void mapsWithNaNAreRefused() {
		try (TensorFlowClassifier broken = model.withVariables(Map.of("bn/running_var", new FloatTensor(new long[] { 4 },
			new float[] { -1, -1, -1, -1 })))) {
			assertTrue(!finite(broken.activations(x, "batch_norm").data()), "a negative variance gives NaN after the batch norm");
			IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
				() -> new SanityCheck(new Saliency()).evaluate(model, broken, x, predicted, Progress.NONE));
			assertTrue(e.getMessage().startsWith("The saliency map of image 0 on its randomised copy contains NaN or infinite values"),
				e.getMessage());
			assertTrue(e.getMessage().endsWith("try another seed."), e.getMessage());
		}
	}

	@Test
	void spearmanOfNaNIsUndefined() {
		assertTrue(Double.isNaN(Spearman.correlation(new double[] { 1, 2, 3 }, new double[] { Double.NaN, Double.NaN, 1 })));
	}
}
