package org.conceptscope.fiji;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.conceptscope.fiji.MacroRunner.Macro;
import org.conceptscope.fiji.run.Models;
import org.conceptscope.heads.BiIce;
import org.conceptscope.model.ModelConfig;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.train.GraphNetwork;
import org.conceptscope.train.SavedModelExport;
import org.conceptscope.train.TrainingOptions;
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
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * Heads saved by an earlier ConceptScope, given to Explain with Head by a macro as a user does. An
 * InfoDisent head saved before 6 December 2026 (Q a product of c Householder reflections, graph
 * and conceptscope.json as Train Interpretable Head wrote them then, rebuilt here on the IHC stain
 * model's conv3/pool) gives the explanation of its own saved graph: every contribution is squared
 * weight times evidence under Q = H_0 ... H_{m-1} computed here in double, the bias rows are its
 * b_k, each target logit and prediction is the old graph's, and the image's Info says the rotation
 * was converted. A damaged one (a reflection missing) and a Bi-ICE head from before the
 * layer-normalised binding are refused in one sentence naming their folder and what to do, and
 * nothing is written.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OldHeadMacrosTest {

	@TempDir
	static Path work;

	private final Path model = TestFiles.testImages().resolve("models").resolve("ihc-stain");
	private final Path stack = TestFiles.testImages().resolve("images").resolve("ihc-heldout-patches.tif");
	private static final String LAYER = "conv3/pool";
	private Map<String, String> logs;
	private Map<String, FloatTensor> values;
	private int h, w, c, m;
	private List<String> classes;

	/** InfoDisentGraph as it was before the skew-symmetric rotation: Q = H_0 ... H_{m-1} from its variables, in the graph. */
	static final class HouseholderGraph extends GraphNetwork {

		HouseholderGraph(Graph g, Map<String, FloatTensor> values, int h, int w, int c, int m) {
			Ops tf = Ops.create(g);
			input = tf.withName("features").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, h, w, c)));
			Ops scope = tf.withSubScope("infodisent");
			float[] eye = new float[c * c];
			for (int i = 0; i < c; i++) eye[i * c + i] = 1;
			Operand<TFloat32> q = scope.withName("identity").constant(Shape.of(c, c), DataBuffers.of(eye));
			for (int i = 0; i < m; i++) {
				Variable<TFloat32> var = scope.withName("householder_" + i).variable(constant(tf, values.get("householder_" + i)));
				variables.put("householder_" + i, var);
				Operand<TFloat32> v = tf.identity(var);
				Operand<TFloat32> vtv = tf.sum(tf.math.mul(v, v), tf.constant(new int[] { 0, 1 }));
				Operand<TFloat32> outer = tf.linalg.matMul(tf.linalg.matMul(q, v), v, org.tensorflow.op.linalg.MatMul.transposeB(true));
				q = tf.math.sub(q, tf.math.div(tf.math.mul(tf.constant(2f), outer), vtv));
			}
			Operand<TFloat32> flat = tf.reshape(input, tf.constant(new long[] { -1, c }));
			Operand<TFloat32> projected = scope.withName("projected").reshape(tf.linalg.matMul(flat, scope.withName("q").identity(q)),
				tf.constant(new long[] { -1, (long) h * w, c }));
			Operand<TFloat32> pos = tf.max(tf.nn.relu(projected), tf.constant(1));
			Operand<TFloat32> neg = tf.max(tf.nn.relu(tf.math.neg(projected)), tf.constant(1));
			Operand<TFloat32> evidence = scope.withName("evidence").math.sub(pos, neg);
			Variable<TFloat32> wRaw = scope.withName("classifier").variable(constant(tf, values.get("classifier")));
			Variable<TFloat32> bias = scope.withName("bias").variable(constant(tf, values.get("bias")));
			variables.put("classifier", wRaw);
			variables.put("bias", bias);
			Operand<TFloat32> wRead = tf.identity(wRaw);
			logits = tf.withName("logits").nn.biasAdd(tf.linalg.matMul(evidence, tf.math.mul(wRead, wRead)), bias);
			probabilities = tf.withName("probabilities").nn.softmax(logits);
		}

		private static Operand<TFloat32> constant(Ops tf, FloatTensor t) {
			return tf.constant(Shape.of(t.shape()), DataBuffers.of(t.data().clone()));
		}
	}

	/** Saves as Train Interpretable Head did before 6 December 2026: the Householder graph, metadata without 'rotation'. */
	private void saveOld(Map<String, FloatTensor> v, int reflections, String backbone, Path dir) throws Exception {
		ModelConfig config = new ModelConfig();
		config.name = "InfoDisent head on " + backbone;
		config.description = "Interpretable head: orthogonal projection (Householder), max positive minus max negative evidence per part,"
			+ " non-negative linear classifier. Input: the feature map of layer '" + LAYER + "' of " + backbone + ".";
		config.classes = new ArrayList<>(classes);
		config.metadata.put("head", "infodisent");
		config.metadata.put("backbone", backbone);
		config.metadata.put("backbone_layer", LAYER);
		config.metadata.put("parts", c);
		config.metadata.put("backbone_path", model.toAbsolutePath().toString());
		config.metadata.put("backbone_classes", classes);
		config.metadata.put("head_accuracy", 0.9);
		config.metadata.put("backbone_accuracy", 0.95);
		SavedModelExport.export(g -> new HouseholderGraph(g, v, h, w, c, reflections), config, dir);
	}

	@BeforeAll
	void saveOldHeadsAndRunMacros() throws Exception {
		try (TensorFlowClassifier backbone = TensorFlowClassifier.load(model)) {
			classes = backbone.classNames();
			FloatTensor features = backbone.activations(Models.input(IJ.openImage(stack.toString()), backbone).tensor(), LAYER);
			h = (int) features.dim(1);
			w = (int) features.dim(2);
			c = (int) features.dim(3);
			m = c % 2 == 0 ? c : c + 1;
			Random r = new Random(7);
			values = new LinkedHashMap<>();
			for (int i = 0; i < m; i++) {
				float[] x = new float[c];
				for (int j = 0; j < c; j++) x[j] = (float) r.nextGaussian();
				values.put("householder_" + i, new FloatTensor(new long[] { c, 1 }, x));
			}
			int k = classes.size();
			float[] wr = new float[c * k], b = new float[k];
			for (int i = 0; i < wr.length; i++) wr[i] = (float) (2 * r.nextDouble() - 1);
			for (int i = 0; i < k; i++) b[i] = (float) (r.nextDouble() - 0.5);
			values.put("classifier", new FloatTensor(new long[] { c, k }, wr));
			values.put("bias", new FloatTensor(new long[] { k }, b));
			saveOld(values, m, backbone.name(), work.resolve("old-infodisent"));
			saveOld(values, m - 1, backbone.name(), work.resolve("short-infodisent")); // the last reflection missing
			// a Bi-ICE head as saved before the layer norms: its conceptscope.json has no 'binding'
			BiIce biIce = BiIce.train(features, LAYER, backbone.logits(Models.input(IJ.openImage(stack.toString()), backbone).tensor())
				.argmaxRows(), k, 3, 4, BiIce.DEFAULT_SPARSITY, 1, new TrainingOptions(2, 4, 0.01, 1), Progress.NONE);
			Path old = work.resolve("old-bi-ice");
			biIce.save(old, classes, backbone.name(), Map.of("backbone_path", model.toAbsolutePath().toString(), "backbone_classes", classes));
			ModelConfig config = ModelConfig.read(old);
			assertTrue(config.metadata.remove("binding") != null, "today's heads say their binding");
			config.write(old);
		}
		Map<String, Macro> runs = new LinkedHashMap<>();
		for (String head : List.of("old-infodisent", "short-infodisent", "old-bi-ice")) {
			runs.put(head, new Macro("setBatchMode(true); open('" + stack + "');\nrun('Explain with Head...', 'model=[" + model + "] head=["
				+ work.resolve(head) + "] top=100000 against=true save_dir=[" + work.resolve("explain-" + head) + "]');\nprint('still running');\n",
				""));
		}
		logs = MacroRunner.run(runs, work);
	}

	/** Q = H_0 H_1 ... H_{m-1}, each H_i = I - 2 v v^T / v^T v written out, in double. */
	private double[][] q() {
		double[][] q = new double[c][c];
		for (int i = 0; i < c; i++) q[i][i] = 1;
		for (int i = 0; i < m; i++) {
			float[] v = values.get("householder_" + i).data();
			double vtv = 0;
			for (float x : v) vtv += (double) x * x;
			double[][] hi = new double[c][c], next = new double[c][c];
			for (int a = 0; a < c; a++) for (int b = 0; b < c; b++) hi[a][b] = (a == b ? 1 : 0) - 2.0 * v[a] * v[b] / vtv;
			for (int a = 0; a < c; a++) for (int b = 0; b < c; b++) {
				double s = 0;
				for (int j = 0; j < c; j++) s += q[a][j] * hi[j][b];
				next[a][b] = s;
			}
			q = next;
		}
		return q;
	}

	@Test
	void anInfoDisentHeadSavedWithHouseholderReflectionsExplainsAsItsOwnGraph() throws Exception {
		String log = logs.get("old-infodisent");
		assertTrue(log.contains("still running") && !log.contains("Error"), log);
		Path dir = work.resolve("explain-old-infodisent");
		List<List<String>> csv = Csv.parse(Files.readString(dir.resolve("ihc-heldout-patches-infodisent-results.csv")));
		assertEquals(List.of("slice", "frame", "label", "head_predicted", "backbone_predicted", "target", "rank", "part", "contribution",
			"share", "target_logit"), csv.get(0));
		double[][] q = q();
		float[] wr = values.get("classifier").data(), b = values.get("bias").data();
		int k = classes.size();
		try (TensorFlowClassifier backbone = TensorFlowClassifier.load(model);
			TensorFlowClassifier saved = TensorFlowClassifier.load(work.resolve("old-infodisent"))) {
			FloatTensor features = backbone.activations(Models.input(IJ.openImage(stack.toString()), backbone).tensor(), LAYER);
			int n = (int) features.dim(0);
			float[] oldLogits = saved.logits(features).data(); // what the old head's own graph says
			// evidence of each part under Q, computed here: max ReLU(p) - max ReLU(-p) over positions
			double[][] evidence = new double[n][c];
			for (int i = 0; i < n; i++) for (int j = 0; j < c; j++) {
				double pos = 0, neg = 0;
				for (int s = 0; s < h * w; s++) {
					double p = 0;
					for (int a = 0; a < c; a++) p += features.data()[(i * h * w + s) * c + a] * q[a][j];
					pos = Math.max(pos, p);
					neg = Math.max(neg, -p);
				}
				evidence[i][j] = pos - neg;
			}
			int[] parts = new int[n], biasRows = new int[n], targets = new int[n];
			for (List<String> row : csv.subList(1, csv.size())) {
				int i = Integer.parseInt(row.get(0)) - 1, target = classes.indexOf(row.get(5));
				int predicted = 0;
				for (int y = 1; y < k; y++) if (oldLogits[i * k + y] > oldLogits[i * k + predicted]) predicted = y;
				assertEquals(classes.get(predicted), row.get(3), "the old graph's prediction, slice " + (i + 1));
				assertEquals(predicted, target, "target=predicted by default");
				targets[i] = target;
				double logit = oldLogits[i * k + target], got = Double.parseDouble(row.get(8));
				assertEquals(logit, Double.parseDouble(row.get(10)), 1e-4 * Math.max(1, Math.abs(logit)), "the old graph's logit");
				if (row.get(7).equals("bias")) {
					biasRows[i]++;
					assertEquals(b[target], got, 1e-5, "the old head's class bias");
					continue;
				}
				parts[i]++;
				int j = Integer.parseInt(row.get(7)) - 1;
				double expected = evidence[i][j] * wr[j * k + target] * wr[j * k + target];
				assertEquals(expected, got, 1e-4 * Math.max(1, Math.abs(expected)), "part " + (j + 1) + " of slice " + (i + 1));
			}
			for (int i = 0; i < n; i++) {
				assertEquals(1, biasRows[i], "one bias row, slice " + (i + 1));
				int nonZero = 0;
				for (int j = 0; j < c; j++) if (evidence[i][j] != 0 && wr[j * k + targets[i]] != 0) nonZero++;
				assertEquals(nonZero, parts[i], "every part with a contribution is a row (top=100000 against=true), slice " + (i + 1));
			}
		}
		ImagePlus maps = IJ.openImage(dir.resolve("ihc-heldout-patches-infodisent.tif").toString());
		assertTrue(maps.getInfoProperty().contains("rotation=converted from householder (" + m + " reflections, multiplied out on loading)"),
			maps.getInfoProperty());
	}

	@Test
	void aDamagedOldHeadIsRefusedInOneSentenceNamingItsFolder() {
		String log = logs.get("short-infodisent");
		assertTrue(log.contains("The InfoDisent head in " + work.resolve("short-infodisent") + " has a rotation (metadata 'rotation' = null in"
			+ " its conceptscope.json) that is neither 'skew-exponential' nor " + m + " Householder reflections 'infodisent/householder_0.."
			+ (m - 1) + "' of an older ConceptScope: train it again with Train Interpretable Head."), log);
		assertFalse(log.contains("still running"), "the macro is aborted: " + log);
		assertFalse(Files.exists(work.resolve("explain-short-infodisent")), "nothing written");
	}

	@Test
	void aBiIceHeadFromBeforeTheLayerNormsIsRefusedInOneSentenceNamingItsFolder() {
		String log = logs.get("old-bi-ice");
		assertTrue(log.contains("The Bi-ICE head in " + work.resolve("old-bi-ice") + " was saved by an older ConceptScope whose binding had no"
			+ " layer norms (no 'binding' = 'layer-normalised' in its conceptscope.json); train it again with Train Interpretable Head"
			+ " (its logits would differ from the saved ones)."), log);
		assertFalse(log.contains("still running"), "the macro is aborted: " + log);
		assertFalse(Files.exists(work.resolve("explain-old-bi-ice")), "nothing written");
	}
}
