package org.conceptscope.fiji.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.ImagePlus;
import ij.ImageStack;
import ij.process.ByteProcessor;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.conceptscope.model.ModelConfig;
import org.conceptscope.train.GraphNetwork;
import org.conceptscope.train.SavedModelExport;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * Evaluate Explanation refuses what a metric cannot score before it explains anything, on a model
 * with one output and no sigmoid (one linear logit) and 6 x 6 inputs. Its class probability, the
 * softmax of one value, is 1 for every image, so deletion and insertion would score AUC 1 and average
 * drop 0 whatever the map; random logit has no other class; MuFidelity's default 9 x 9 grid has cells
 * without pixels (a grid the input holds runs). Stability, which needs none of these, runs. The same model ending in a sigmoid (a
 * Dense(1, sigmoid) binary classifier) has a real probability: deletion scores it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EvaluationModelChecksTest {

	@TempDir
	static Path work;

	private Path model, binary;
	private ImagePlus image;

	@BeforeAll
	void build() throws Exception {
		ModelConfig config = new ModelConfig();
		config.name = "One-output model";
		config.classes = List.of("positive");
		config.normalization = "unit_range";
		model = work.resolve("one-output");
		SavedModelExport.export(g -> new OneOutput(g, false), config, model);
		binary = work.resolve("binary");
		SavedModelExport.export(g -> new OneOutput(g, true), config, binary);
		ImageStack stack = new ImageStack(6, 6);
		Random r = new Random(2);
		for (int s = 0; s < 2; s++) {
			ByteProcessor ip = new ByteProcessor(6, 6);
			for (int p = 0; p < 36; p++) ip.set(p, r.nextInt(256));
			stack.addSlice("s" + (s + 1), ip);
		}
		image = new ImagePlus("one", stack);
	}

	private static final class OneOutput extends GraphNetwork {

		OneOutput(Graph g, boolean sigmoid) {
			Ops tf = Ops.create(g);
			input = tf.withName("input").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 6, 6, 1)));
			float[] k = new float[3 * 3 * 2];
			for (int i = 0; i < k.length; i++) k[i] = i % 3 == 0 ? 0.3f : -0.1f;
			Operand<TFloat32> conv = tf.withName("conv").nn.relu(tf.nn.conv2d(input, tf.constant(Shape.of(3, 3, 1, 2), DataBuffers.of(k)),
				List.of(1L, 1L, 1L, 1L), "SAME"));
			Operand<TFloat32> mean = tf.withName("features").math.mean(conv, tf.constant(new int[] { 1, 2 }));
			logits = tf.withName("logits").linalg.matMul(mean, tf.constant(Shape.of(2, 1), DataBuffers.of(new float[] { 2, -1 })));
			if (sigmoid) probabilities = tf.withName("probabilities").math.sigmoid(logits);
		}
	}

	private EvaluationSettings settings(String metric) {
		EvaluationSettings s = new EvaluationSettings();
		s.model = model;
		s.method = "saliency";
		s.metric = metric;
		return s;
	}

	@Test
	void whatAMetricCannotScoreIsRefusedBeforeTheExplanation() {
		Map<String, String> refusals = Map.of(
			"deletion", "The metric deletion scores the target class probability, which is 1 for every image of a model with one output",
			"insertion", "The metric insertion scores the target class probability",
			"average_drop", "The metric average_drop scores the target class probability",
			"increase_in_confidence", "The metric increase_in_confidence scores the target class probability",
			"random_logit", "The metric random_logit explains each image again for another class, and the model has only one output",
			"mufidelity", "MuFidelity's grid=9 does not fit the model's input of 6 x 6 pixels, the image each map is made on (a finer grid"
				+ " leaves cells that hold no pixel): give grid=6 or less.");
		for (Map.Entry<String, String> e : refusals.entrySet()) {
			List<String> reports = new ArrayList<>();
			IllegalArgumentException x = assertThrows(IllegalArgumentException.class,
				() -> EvaluationRun.run(image, settings(e.getKey()), (done, total, message) -> reports.add(message + " " + done + "/" + total)));
			assertTrue(x.getMessage().startsWith(e.getValue()), e.getKey() + ": " + x.getMessage());
			assertEquals(List.of(), reports, e.getKey() + ": refused before the explanation");
		}
	}

	/** The macro key grid sets MuFidelity's grid: a 3 x 3 grid, which the 6 x 6 input holds, runs and is recorded in the result. */
	@Test
	void mufidelityTakesTheGridKey() throws Exception {
		EvaluationSettings s = EvaluationSettings.parse("model=[" + model + "] method=saliency metric=mufidelity grid=3 samples=8");
		EvaluationRun.Result r = EvaluationRun.run(image, s.validate(), Progress.NONE);
		assertEquals("3", r.metric().metadata().get("grid_size"));
		assertEquals("8", r.metric().metadata().get("samples"));
		assertEquals(2, r.metric().values().length);
		IllegalArgumentException one = assertThrows(IllegalArgumentException.class,
			() -> EvaluationSettings.parse("model=[" + model + "] metric=mufidelity grid=1").validate());
		assertEquals("grid must be at least 2 (mufidelity), got 1.", one.getMessage());
		IllegalArgumentException huge = assertThrows(IllegalArgumentException.class,
			() -> EvaluationSettings.parse("model=[" + model + "] metric=mufidelity grid=5000").validate());
		assertTrue(huge.getMessage().startsWith("grid=5000 is more than 1024"), huge.getMessage());
	}

	@Test
	void deletionScoresTheSigmoidOfABinaryClassifier() throws Exception {
		EvaluationSettings s = settings("deletion");
		s.model = binary;
		EvaluationRun.Result r = EvaluationRun.run(image, s, Progress.NONE);
		assertEquals(2, r.metric().values().length);
		for (double v : r.metric().values()) assertTrue(v > 0 && v < 1, "deletion AUC of a sigmoid, not the 1 of a softmax of one value: " + v);
	}

	/** Model Info says that a sigmoid output's probabilities are per class (multi-label), and a softmax is a softmax. */
	@Test
	void modelInfoSaysASigmoidOutputIsMultiLabel() {
		String sigmoid = line(ModelReport.load(binary).text(), "Probabilities: "), linear = line(ModelReport.load(model).text(), "Probabilities: ");
		assertTrue(sigmoid.matches("Probabilities: \\S+ \\[-1, 1\\] \\S+, a sigmoid per class \\(multi-label: each class's own"
			+ " probability, not a softmax over the classes; they need not sum to 1\\)"), sigmoid);
		assertTrue(linear.matches("Probabilities: \\S+ \\[-1, 1\\] \\S+"), "the export's softmax output, as it is: " + linear);
		assertFalse(linear.contains("multi-label"), linear);
	}

	private static String line(String text, String start) {
		return text.lines().filter(l -> l.startsWith(start)).findFirst().orElseThrow(() -> new AssertionError("no " + start + " in " + text));
	}

	@Test
	void stabilityScoresTheOneOutputModel() throws Exception {
		EvaluationSettings s = settings("stability");
		s.neighbours = 3;
		EvaluationRun.Result r = EvaluationRun.run(image, s, Progress.NONE);
		assertEquals(2, r.metric().values().length);
		for (double v : r.metric().values()) assertTrue(Double.isFinite(v) && v >= 0, "stability " + v);
	}
}
