package org.conceptscope.heads;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.conceptscope.model.ModelConfig;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.train.GraphNetwork;
import org.conceptscope.train.SavedModelExport;
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
 * Heads saved before the skew-symmetric rotation (commit 0fb6963) held Q as a product of
 * Householder reflections: such a head, saved here as that ConceptScope saved it (its graph
 * rebuilt below, its conceptscope.json without 'rotation'), loads through
 * {@link InterpretableHead#load} (what Explain with Head, Feature Visualization and the ops call)
 * with Q multiplied out, and its contributions, bias, logits, part maps, prototypes and the saved
 * graph's evidence and gradients are those of a forward pass computed here on its own.
 */
class InfoDisentHouseholderTest {

	static final int H = 3, W = 2, C = 4, K = 3, N = 5;

	/** The older InfoDisentGraph (before 0fb6963), for this test: Q = H_0 ... H_{m-1} computed in the graph from its variables. */
	static final class HouseholderGraph extends GraphNetwork {

		HouseholderGraph(Graph g, Map<String, FloatTensor> values, int m) {
			Ops tf = Ops.create(g);
			input = tf.withName("features").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, H, W, C)));
			Ops scope = tf.withSubScope("infodisent");
			float[] eye = new float[C * C];
			for (int i = 0; i < C; i++) eye[i * C + i] = 1;
			Operand<TFloat32> q = scope.withName("identity").constant(Shape.of(C, C), DataBuffers.of(eye));
			for (int i = 0; i < m; i++) {
				Variable<TFloat32> var = scope.withName("householder_" + i).variable(constant(tf, values.get("householder_" + i)));
				variables.put("householder_" + i, var);
				Operand<TFloat32> v = tf.identity(var);
				Operand<TFloat32> qv = tf.linalg.matMul(q, v);
				Operand<TFloat32> vtv = tf.sum(tf.math.mul(v, v), tf.constant(new int[] { 0, 1 }));
				Operand<TFloat32> outer = tf.linalg.matMul(qv, v, org.tensorflow.op.linalg.MatMul.transposeB(true));
				q = tf.math.sub(q, tf.math.div(tf.math.mul(tf.constant(2f), outer), vtv));
			}
			Operand<TFloat32> flat = tf.reshape(input, tf.constant(new long[] { -1, C }));
			Operand<TFloat32> projected = scope.withName("projected").reshape(tf.linalg.matMul(flat, scope.withName("q").identity(q)),
				tf.constant(new long[] { -1, (long) H * W, C }));
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

	/** Random reflections (not in equal pairs, so Q is far from I), signed raw classifier weights and a bias, seeded. */
	static Map<String, FloatTensor> values(long seed, int m) {
		Random r = new Random(seed);
		Map<String, FloatTensor> v = new LinkedHashMap<>();
		for (int i = 0; i < m; i++) {
			float[] x = new float[C];
			for (int j = 0; j < C; j++) x[j] = (float) r.nextGaussian();
			v.put("householder_" + i, new FloatTensor(new long[] { C, 1 }, x));
		}
		float[] w = new float[C * K], b = new float[K];
		for (int i = 0; i < w.length; i++) w[i] = (float) (2 * r.nextDouble() - 1);
		for (int i = 0; i < K; i++) b[i] = (float) (r.nextDouble() - 0.5);
		v.put("classifier", new FloatTensor(new long[] { C, K }, w));
		v.put("bias", new FloatTensor(new long[] { K }, b));
		return v;
	}

	/** Saves as InfoDisent.save did before 0fb6963: the Householder graph, and metadata without 'rotation'. */
	static void saveOld(Map<String, FloatTensor> values, int m, Map<String, Object> extra, Path dir) throws Exception {
		ModelConfig config = new ModelConfig();
		config.name = "InfoDisent head on test";
		config.description = "Interpretable head: orthogonal projection (Householder), max positive minus max negative evidence per part,"
			+ " non-negative linear classifier. Input: the feature map of layer 'conv' of test.";
		config.classes = new ArrayList<>(List.of("a", "b", "c"));
		config.metadata.put(InterpretableHead.KIND, InfoDisent.NAME);
		config.metadata.put("backbone", "test");
		config.metadata.put("backbone_layer", "conv");
		config.metadata.put("parts", C);
		config.metadata.putAll(extra);
		config.metadata.putAll(Map.of("head_accuracy", 0.9, "backbone_accuracy", 0.95));
		SavedModelExport.export(g -> new HouseholderGraph(g, values, m), config, dir);
	}

	/** Q = H_0 H_1 ... H_{m-1}, each H_i = I - 2 v v^T / v^T v written out as a matrix, in double. */
	static double[][] q(Map<String, FloatTensor> values, int m) {
		double[][] q = new double[C][C];
		for (int i = 0; i < C; i++) q[i][i] = 1;
		for (int i = 0; i < m; i++) {
			float[] v = values.get("householder_" + i).data();
			double vtv = 0;
			for (float x : v) vtv += (double) x * x;
			double[][] h = new double[C][C], next = new double[C][C];
			for (int a = 0; a < C; a++) for (int b = 0; b < C; b++) h[a][b] = (a == b ? 1 : 0) - 2.0 * v[a] * v[b] / vtv;
			for (int a = 0; a < C; a++) for (int b = 0; b < C; b++) for (int k = 0; k < C; k++) next[a][b] += q[a][k] * h[k][b];
			q = next;
		}
		return q;
	}

	@Test
	void householderHeadLoadsAndExplainsAsItsOwnGraph(@TempDir Path tmp) throws Exception {
		int m = 4; // c = 4 rounded up to even: the number the older code saved
		Map<String, FloatTensor> values = values(21, m);
		Path dir = tmp.resolve("head");
		saveOld(values, m, Map.of(), dir);
		double[][] q = q(values, m);
		InfoDisent head = (InfoDisent) InterpretableHead.load(dir);
		assertNotNull(head.conversion(), "the head says its rotation was converted");
		assertTrue(head.conversion().startsWith("householder (4 reflections"), head.conversion());
		double[][] got = head.projection();
		double off = 0;
		for (int i = 0; i < C; i++) for (int j = 0; j < C; j++) {
			assertEquals(q[i][j], got[i][j], 1e-6, "Q[" + i + "][" + j + "]");
			off = Math.max(off, Math.abs(q[i][j] - (i == j ? 1 : 0)));
		}
		assertTrue(off > 0.1, "the reflections rotate: Q is not I");
		for (int i = 0; i < C; i++) for (int j = 0; j < C; j++) { // Q^T Q = I, from the loaded Q
			double s = 0;
			for (int r = 0; r < C; r++) s += got[r][i] * got[r][j];
			assertEquals(i == j ? 1 : 0, s, 1e-6, "(Q^T Q)[" + i + "][" + j + "]");
		}
		assertTrue(head.orthogonalityError() < 1e-6);

		Random r = new Random(5);
		float[] f = new float[N * H * W * C];
		for (int i = 0; i < f.length; i++) f[i] = (float) r.nextGaussian();
		FloatTensor features = new FloatTensor(new long[] { N, H, W, C }, f);
		// the forward pass: p = f Q per position, e_j = max ReLU(p_j) - max ReLU(-p_j), logit_k = b_k + sum_j e_j w_jk^2
		double[][][] p = new double[N][H * W][C];
		double[][] e = new double[N][C];
		int[][] argMax = new int[N][C], argMin = new int[N][C];
		for (int n = 0; n < N; n++) for (int j = 0; j < C; j++) {
			double pos = 0, neg = 0;
			for (int s = 0; s < H * W; s++) {
				for (int c = 0; c < C; c++) p[n][s][j] += f[(n * H * W + s) * C + c] * q[c][j];
				if (p[n][s][j] > p[n][argMax[n][j]][j]) argMax[n][j] = s;
				if (p[n][s][j] < p[n][argMin[n][j]][j]) argMin[n][j] = s;
				pos = Math.max(pos, p[n][s][j]);
				neg = Math.max(neg, -p[n][s][j]);
			}
			e[n][j] = pos - neg;
		}
		float[] w = values.get("classifier").data(), b = values.get("bias").data();
		double[][] logits = head.logits(features);
		for (int n = 0; n < N; n++) for (int k = 0; k < K; k++) {
			double logit = b[k];
			double[] contributions = head.contributions(features, n, k);
			for (int j = 0; j < C; j++) {
				double contribution = e[n][j] * w[j * K + k] * w[j * K + k];
				assertEquals(contribution, contributions[j], 1e-5, "image " + n + " class " + k + " part " + j);
				logit += contribution;
			}
			assertEquals(b[k], head.bias(features, n, k), 1e-6, "bias of class " + k);
			assertEquals(logit, logits[n][k], 1e-5, "logit of image " + n + " class " + k);
		}
		for (int j = 0; j < C; j++) {
			FloatTensor maps = head.unitMaps(features, j);
			for (int n = 0; n < N; n++) for (int s = 0; s < H * W; s++) {
				assertEquals(p[n][s][j], maps.data()[n * H * W + s], 1e-5, "part map " + j + " of image " + n + " at " + s);
			}
			List<HeadPrototypes.Prototype> top = HeadPrototypes.top(head, features, j, N);
			for (int i = 0; i < top.size(); i++) { // ranked by the strongest positive response, at its cell
				HeadPrototypes.Prototype t = top.get(i);
				assertEquals(Math.max(0, p[t.image()][argMax[t.image()][j]][j]), t.response(), 1e-5);
				assertEquals(argMax[t.image()][j], t.y() * W + t.x());
				if (i > 0) assertTrue(top.get(i - 1).response() >= t.response());
			}
		}

		// the saved graph, as Feature Visualization runs it: its own Q from the reflections
		try (TensorFlowClassifier saved = TensorFlowClassifier.load(dir)) {
			FloatTensor graphLogits = saved.logits(features), evidence = saved.activations(features, head.unitLayer());
			for (int n = 0; n < N; n++) {
				for (int k = 0; k < K; k++) assertEquals(logits[n][k], graphLogits.get(n, k), 1e-5, "graph logit " + n + ", " + k);
				for (int j = 0; j < C; j++) assertEquals(e[n][j], evidence.get(n, j), 1e-5, "graph evidence " + n + ", " + j);
			}
			double[][][][] de = new double[C][N][H * W][C]; // d e_j / d f, gathered for the logits' gradient below
			for (int j = 0; j < C; j++) {
				int[] pick = new int[N];
				java.util.Arrays.fill(pick, j);
				FloatTensor g = saved.layerInputGradient(features, head.unitLayer(), FloatTensor.oneHot(pick, C));
				for (int n = 0; n < N; n++) for (int s = 0; s < H * W; s++) for (int c = 0; c < C; c++) {
					// d e_j / d f: column j of Q at the arg max (where p_j > 0) and at the arg min (where p_j < 0)
					double want = (s == argMax[n][j] && p[n][s][j] > 0 ? q[c][j] : 0) + (s == argMin[n][j] && p[n][s][j] < 0 ? q[c][j] : 0);
					assertEquals(want, g.data()[(n * H * W + s) * C + c], 1e-5, "gradient of part " + j + ", image " + n + ", " + s + ", " + c);
					de[j][n][s][c] = want;
				}
			}
			for (int k = 0; k < K; k++) { // a class logit's gradient (Feature Visualization of a head's class): sum_j w_jk^2 d e_j / d f
				int[] pick = new int[N];
				java.util.Arrays.fill(pick, k);
				FloatTensor g = saved.inputGradient(features, FloatTensor.oneHot(pick, K));
				for (int n = 0; n < N; n++) for (int s = 0; s < H * W; s++) for (int c = 0; c < C; c++) {
					double want = 0;
					for (int j = 0; j < C; j++) want += w[j * K + k] * w[j * K + k] * de[j][n][s][c];
					assertEquals(want, g.data()[(n * H * W + s) * C + c], 1e-5, "gradient of class " + k + ", image " + n + ", " + s + ", " + c);
				}
			}
		}

		// saved again, it is a head of today's format that still says where its rotation came from
		Path again = tmp.resolve("again");
		head.save(again, List.of("a", "b", "c"), "test", Map.of());
		ModelConfig config = ModelConfig.read(again);
		assertEquals(InfoDisent.ROTATION, config.metadata.get("rotation"));
		assertEquals(head.conversion(), config.metadata.get(InfoDisent.CONVERTED));
		assertTrue(config.description.contains("converted from an older head's householder"), config.description);
		InfoDisent reloaded = (InfoDisent) InterpretableHead.load(again);
		assertEquals(head.conversion(), reloaded.conversion());
		for (int n = 0; n < N; n++) for (int k = 0; k < K; k++) {
			assertEquals(logits[n][k], reloaded.logits(features)[n][k], 1e-6);
		}
	}

	/** An odd number of channels had c + 1 reflections; the Java product follows the graph's float rounding. */
	@Test
	void productMatchesTheGraphInFloat() {
		Map<String, FloatTensor> values = values(3, C);
		FloatTensor[] v = new FloatTensor[C];
		for (int i = 0; i < C; i++) v[i] = values.get("householder_" + i);
		float[] got = InfoDisent.householderProduct(v, C).data();
		double[][] q = q(values, C);
		for (int i = 0; i < C; i++) for (int j = 0; j < C; j++) assertEquals(q[i][j], got[i * C + j], 1e-6);
		assertEquals(6, InfoDisent.householderReflections(5));
		assertEquals(4, InfoDisent.householderReflections(4));
	}

	@Test
	void unknownRotationIsRefusedInOneSentence(@TempDir Path tmp) throws Exception {
		Map<String, FloatTensor> values = values(8, 4);
		saveOld(values, 2, Map.of(), tmp.resolve("short")); // reflections missing
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> InterpretableHead.load(tmp.resolve("short")));
		assertTrue(e.getMessage().contains("infodisent/householder_0..3") && e.getMessage().endsWith("Train Interpretable Head."), e.getMessage());
		saveOld(values, 4, Map.of("rotation", "cayley"), tmp.resolve("other"));
		e = assertThrows(IllegalArgumentException.class, () -> InterpretableHead.load(tmp.resolve("other")));
		assertTrue(e.getMessage().contains("'rotation' = cayley"), e.getMessage());
	}

	@Test
	void headsOfTodayAreNotMarkedConverted(@TempDir Path tmp) throws Exception {
		FloatTensor f = FloatTensor.zeros(6, H, W, C);
		Random r = new Random(1);
		for (int i = 0; i < f.size(); i++) f.data()[i] = (float) r.nextGaussian();
		InfoDisent head = InfoDisent.train(f, "conv", new int[] { 0, 1, 2, 0, 1, 2 }, K,
			new org.conceptscope.train.TrainingOptions(2, 3, 0.01, 1), org.conceptscope.util.Progress.NONE);
		assertNull(head.conversion());
		head.save(tmp.resolve("new"), List.of("a", "b", "c"), "test", Map.of());
		assertNull(ModelConfig.read(tmp.resolve("new")).metadata.get(InfoDisent.CONVERTED));
		assertNull(((InfoDisent) InterpretableHead.load(tmp.resolve("new"))).conversion());
	}
}
