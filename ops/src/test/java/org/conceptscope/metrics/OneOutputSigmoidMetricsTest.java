package org.conceptscope.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.conceptscope.attribution.Attribution;
import org.conceptscope.model.Classifier;
import org.conceptscope.model.Classifiers;
import org.conceptscope.model.LoadOptions;
import org.conceptscope.model.ModelConfig;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.train.GraphNetwork;
import org.conceptscope.train.SavedModelExport;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * A binary classifier with one output ({@code Dense(1, sigmoid)}): its probability is its sigmoid, so deletion,
 * insertion and the confidence metrics score it; a one-output model without a sigmoid, whose probability is the
 * softmax of one value (1 for every image), is still refused. Known answers from the model's definition on a
 * 2 x 2 image: z = b + sum_p w_p x_p, p = 1 / (1 + exp(-z)).
 */
class OneOutputSigmoidMetricsTest {

	@TempDir
	static Path tmp;

	static final float[] W = { 1f, -2f, 0.5f, 3f };
	static final float B = -0.5f;
	static final float[] X = { 0.9f, 0.2f, 0.6f, 0.4f };
	/** Ranks the pixels 1, 2, 3, 0 (no ties); |map| scaled to [0, 1] is 0, 1, 2/3, 1/3. */
	static final float[] MAP = { 0.1f, 0.4f, 0.3f, 0.2f };
	static final int[] ORDER = { 1, 2, 3, 0 };

	/** flatten(x) W + b, its sigmoid as the probabilities when {@code sigmoid}, else none (the export adds a softmax). */
	static final class OneOutput extends GraphNetwork {

		OneOutput(Graph g, boolean sigmoid, boolean map) {
			Ops tf = Ops.create(g);
			input = tf.withName("input").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 2, 2, 1)));
			if (map) {
				// a one-channel segmentation map: z = 2x - 1 per pixel
				logits = tf.withName("logits").math.add(tf.math.mul(input, tf.constant(2f)), tf.constant(-1f));
			} else {
				var flat = tf.reshape(input, tf.constant(new long[] { -1, 4 }));
				var w = tf.constant(new float[][] { { W[0] }, { W[1] }, { W[2] }, { W[3] } });
				logits = tf.withName("logits").math.add(tf.linalg.matMul(flat, w), tf.constant(new float[] { B }));
			}
			if (sigmoid) probabilities = tf.withName("probabilities").math.sigmoid(logits);
		}
	}

	static Classifier load(String name, boolean sigmoid, boolean map) throws Exception {
		ModelConfig config = new ModelConfig();
		config.name = name;
		config.classes = List.of("positive");
		Path dir = tmp.resolve(name);
		SavedModelExport.export(g -> new OneOutput(g, sigmoid, map), config, dir);
		return Classifiers.explained(TensorFlowClassifier.load(dir, LoadOptions.defaults().withWorkDir(tmp.resolve("work"))));
	}

	static double sigmoid(double z) {
		return 1 / (1 + Math.exp(-z));
	}

	/** The model's probability for the image with the pixels of {@code kept} as they are and the others 0. */
	static double p(boolean[] kept) {
		double z = B;
		for (int q = 0; q < 4; q++) if (kept[q]) z += (double) W[q] * X[q];
		return sigmoid(z);
	}

	static double area(double[] c) {
		double s = 0;
		for (int j = 0; j + 1 < c.length; j++) s += (c[j] + c[j + 1]) / 2;
		return s / (c.length - 1);
	}

	static FloatTensor image() {
		return new FloatTensor(new long[] { 1, 2, 2, 1 }, X.clone());
	}

	static Attribution attribution() {
		return new Attribution(new FloatTensor(new long[] { 1, 2, 2 }, MAP.clone()), new int[] { 0 }, Map.of("method", "test"));
	}

	@Test
	void aOneOutputSigmoidModelIsScoredOnItsSigmoid() throws Exception {
		try (Classifier m = load("binary", true, false)) {
			assertTrue(m.isMultiLabel());
			assertEquals(1, m.numClasses());
			// deletion: pixels set to 0 in the map's order, one a step; insertion: revealed from 0 in that order
			double[] deletion = new double[5], insertion = new double[5];
			for (int s = 0; s <= 4; s++) {
				boolean[] removed = new boolean[4], revealed = new boolean[4];
				for (int k = 0; k < s; k++) removed[ORDER[k]] = revealed[ORDER[k]] = true;
				boolean[] kept = new boolean[4];
				for (int q = 0; q < 4; q++) kept[q] = !removed[q];
				deletion[s] = p(kept);
				insertion[s] = p(revealed);
			}
			MetricResult d = new Deletion(4, Reference.constant(0), 8).evaluate(m, image(), attribution(), Progress.NONE);
			MetricResult i = new Insertion(4, Reference.constant(0), 8).evaluate(m, image(), attribution(), Progress.NONE);
			assertArrayEquals(deletion, d.curves()[0], 1e-6);
			assertArrayEquals(insertion, i.curves()[0], 1e-6);
			assertEquals(area(deletion), d.values()[0], 1e-6);
			assertEquals(area(insertion), i.values()[0], 1e-6);
			assertTrue(Math.abs(d.values()[0] - 1) > 0.1, "not the AUC 1 of a softmax of one value: " + d.values()[0]);
			// average drop: Y of the image, O of the image times the mask 0, 1, 2/3, 1/3
			float[] mask = { 0, 1, 2f / 3, 1f / 3 };
			double zy = B, zo = B;
			for (int q = 0; q < 4; q++) {
				zy += (double) W[q] * X[q];
				zo += (double) W[q] * X[q] * mask[q];
			}
			double y = sigmoid(zy), o = sigmoid(zo);
			MetricResult ad = new MaskedConfidence(MaskedConfidence.Kind.AVERAGE_DROP).evaluate(m, image(), attribution(), Progress.NONE);
			assertEquals(Math.max(0, y - o) / y, ad.values()[0], 1e-6);
			assertTrue(ad.values()[0] > 0.05, "a real drop: " + ad.values()[0]);
		}
	}

	@Test
	void aOneOutputModelWithoutSigmoidIsStillRefused() throws Exception {
		try (Classifier m = load("linear", false, false)) {
			assertFalse(m.isMultiLabel());
			for (Runnable run : List.<Runnable>of(() -> new Deletion(4, 0f).evaluate(m, image(), attribution(), Progress.NONE),
				() -> new Insertion(4, 0f).evaluate(m, image(), attribution(), Progress.NONE),
				() -> new MaskedConfidence(MaskedConfidence.Kind.INCREASE_IN_CONFIDENCE).evaluate(m, image(), attribution(), Progress.NONE))) {
				IllegalArgumentException e = assertThrows(IllegalArgumentException.class, run::run);
				assertTrue(e.getMessage().contains("1 for every image of a model with one output and no sigmoid"), e.getMessage());
			}
		}
	}

	/** A one-channel sigmoid map seen through its whole-map zone (OperatorClassifier): the zone's mean sigmoid is a probability. */
	@Test
	void aSigmoidMapsZoneIsScoredOnItsMeanSigmoid() throws Exception {
		try (Classifier m = load("binary-map", true, true)) {
			assertTrue(m.isMultiLabel(), m.getClass().getSimpleName());
			MetricResult d = new Deletion(4, Reference.constant(0), 8).evaluate(m, image(), attribution(), Progress.NONE);
			double[] want = new double[5];
			for (int s = 0; s <= 4; s++) {
				double sum = 0;
				for (int q = 0; q < 4; q++) {
					boolean removed = false;
					for (int k = 0; k < s; k++) removed |= ORDER[k] == q;
					sum += sigmoid(2 * (removed ? 0 : X[q]) - 1);
				}
				want[s] = sum / 4;
			}
			assertArrayEquals(want, d.curves()[0], 1e-6);
		}
		try (Classifier m = load("linear-map", false, true)) {
			assertFalse(m.isMultiLabel(), "a softmax over one channel is 1 everywhere");
		}
	}
}
