package org.conceptscope.heads;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Random;

import org.conceptscope.model.Classifier;
import org.conceptscope.model.LayerInfo;
import org.conceptscope.model.ModelSignature;
import org.conceptscope.model.TensorFlowEngine;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.tensor.Normalization;
import org.conceptscope.train.TrainingOptions;
import org.conceptscope.util.Progress;
import org.conceptscope.util.Seeds;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.types.TFloat32;

/**
 * InfoDisent's rotation Q = exp(W - W^T) (the paper trains its rotation through skew-symmetric
 * matrices): known answers in 2 and 3 dimensions (a plane rotation, Rodrigues' formula), Q = I at
 * the start, orthogonality and det +1 of the graph's float Q at a norm that needs squarings, the
 * Java Q equal to the graph's, and the memory rule that refuses a layer too wide before any work
 * (the product of c Householder reflections kept about 12 c^3 bytes of gradients: 100 GB at c = 2048).
 */
class InfoDisentRotationTest {

	/** W with (W - W^T) s = A for a skew-symmetric A (s = InfoDisentGraph.skewScale(c), a power of two): its upper triangle over s. */
	static FloatTensor skewVariable(double[][] a) {
		int c = a.length;
		FloatTensor w = FloatTensor.zeros(c, c);
		for (int i = 0; i < c; i++) for (int j = i + 1; j < c; j++) w.data()[i * c + j] = (float) (a[i][j] / InfoDisentGraph.skewScale(c));
		return w;
	}

	static Map<String, FloatTensor> weights(double[][] a, int classes) {
		int c = a.length;
		return Map.of("skew", skewVariable(a), "classifier", FloatTensor.zeros(c, classes), "bias", FloatTensor.zeros(classes));
	}

	/** The graph's Q (float) for these weights. */
	static double[][] graphQ(Map<String, FloatTensor> weights, int c) {
		TensorFlowEngine.start();
		try (Graph g = new Graph()) {
			new InfoDisentGraph(g, 1, 1, c, 2, weights);
			try (Session s = new Session(g)) {
				s.initialize();
				try (Result r = s.runner().fetch("infodisent/q").run()) {
					TFloat32 q = (TFloat32) r.get(0);
					double[][] out = new double[c][c];
					for (int i = 0; i < c; i++) for (int j = 0; j < c; j++) out[i][j] = q.getFloat(i, j);
					return out;
				}
			}
		}
	}

	@Test
	void aPlaneRotationIsTheExponentialOfItsSkewPart() {
		for (double theta : new double[] { 0.7, -2.5, 40 }) { // 40: |A|_F = 56.6, five squarings
			double[][] a = { { 0, -theta }, { theta, 0 } };
			double[][] expected = { { Math.cos(theta), -Math.sin(theta) }, { Math.sin(theta), Math.cos(theta) } };
			double[][] java = InfoDisentGraph.projection(weights(a, 2), 2), graph = graphQ(weights(a, 2), 2);
			for (int i = 0; i < 2; i++) for (int j = 0; j < 2; j++) {
				assertEquals(expected[i][j], java[i][j], 1e-7, "theta " + theta + ", Java Q[" + i + "][" + j + "]");
				assertEquals(expected[i][j], graph[i][j], 2e-5, "theta " + theta + ", graph Q[" + i + "][" + j + "]");
			}
		}
	}

	/** Rodrigues: exp(theta K) = I + sin(theta) K + (1 - cos(theta)) K^2 for the cross-product matrix K of a unit axis. */
	@Test
	void aRotationAboutAnAxisIsRodriguesFormula() {
		double[] k = { 1 / 3.0, 2 / 3.0, 2 / 3.0 };
		double theta = 2.2;
		double[][] kx = { { 0, -k[2], k[1] }, { k[2], 0, -k[0] }, { -k[1], k[0], 0 } };
		double[][] a = new double[3][3], expected = new double[3][3];
		for (int i = 0; i < 3; i++) for (int j = 0; j < 3; j++) {
			a[i][j] = theta * kx[i][j];
			double k2 = 0;
			for (int m = 0; m < 3; m++) k2 += kx[i][m] * kx[m][j];
			expected[i][j] = (i == j ? 1 : 0) + Math.sin(theta) * kx[i][j] + (1 - Math.cos(theta)) * k2;
		}
		double[][] java = InfoDisentGraph.projection(weights(a, 2), 3), graph = graphQ(weights(a, 2), 3);
		for (int i = 0; i < 3; i++) for (int j = 0; j < 3; j++) {
			assertEquals(expected[i][j], java[i][j], 1e-7, "Java Q[" + i + "][" + j + "]");
			assertEquals(expected[i][j], graph[i][j], 2e-5, "graph Q[" + i + "][" + j + "]");
		}
		// the axis is fixed by the rotation
		for (int i = 0; i < 3; i++) assertEquals(k[i], java[i][0] * k[0] + java[i][1] * k[1] + java[i][2] * k[2], 1e-7);
	}

	@Test
	void trainingStartsAtTheIdentityWhateverTheSeed() {
		for (long seed : new long[] { 1, 42 }) {
			Map<String, FloatTensor> init = InfoDisentGraph.initialWeights(5, 3, Seeds.stream(seed, HeadTraining.WEIGHTS_STREAM));
			double[][] q = InfoDisentGraph.projection(init, 5), g = graphQ(init, 5);
			for (int i = 0; i < 5; i++) for (int j = 0; j < 5; j++) {
				assertEquals(i == j ? 1 : 0, q[i][j], 0, "Java Q = I");
				assertEquals(i == j ? 1 : 0, g[i][j], 0, "graph Q = I");
			}
		}
	}

	/** A random skew part of Frobenius norm about 90 (six squarings): the graph's float Q is orthogonal with det +1 and equals Java's. */
	@Test
	void theGraphsRotationIsOrthogonalWithDeterminantOneAtALargeNorm() {
		int c = 64;
		Random r = new Random(5);
		double[][] a = new double[c][c];
		for (int i = 0; i < c; i++) for (int j = i + 1; j < c; j++) {
			a[i][j] = r.nextGaussian();
			a[j][i] = -a[i][j];
		}
		double[][] java = InfoDisentGraph.projection(weights(a, 2), c), graph = graphQ(weights(a, 2), c);
		assertTrue(orthogonalityError(graph) < 1e-5, "graph: |Q^T Q - I| " + orthogonalityError(graph));
		assertTrue(orthogonalityError(java) < 1e-12, "Java: |Q^T Q - I| " + orthogonalityError(java));
		assertEquals(1, determinant(graph), 1e-4, "det of the graph's Q");
		assertEquals(1, determinant(java), 1e-10, "det of Java's Q");
		double diff = 0;
		for (int i = 0; i < c; i++) for (int j = 0; j < c; j++) diff = Math.max(diff, Math.abs(java[i][j] - graph[i][j]));
		assertTrue(diff < 1e-4, "Java Q = graph Q: largest difference " + diff);
		// and Q is the exponential: Q(t) Q(t) = Q(2t) for the skew part doubled
		double[][] a2 = new double[c][c];
		for (int i = 0; i < c; i++) for (int j = 0; j < c; j++) a2[i][j] = 2 * a[i][j];
		double[][] twice = InfoDisentGraph.projection(weights(a2, 2), c);
		for (int i = 0; i < c; i++) for (int j = 0; j < c; j++) {
			double s = 0;
			for (int m = 0; m < c; m++) s += java[i][m] * java[m][j];
			assertEquals(twice[i][j], s, 1e-6, "exp(A)^2 = exp(2A) at [" + i + "][" + j + "]");
		}
	}

	/**
	 * A layer of 100000 channels is refused before the images go through the backbone (the stub's
	 * activations fail the test if asked), naming the deepest narrower layer that fits.
	 */
	@Test
	void aLayerTooWideIsRefusedBeforeAnyWorkNamingANarrowerOne() {
		Classifier wide = new WideBackbone();
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> InfoDisent.train(wide, "wide", FloatTensor.zeros(2, 8, 8, 1),
			new int[] { 0, 1 }, new TrainingOptions(1, 32, 0.01, 1), Progress.NONE));
		String m = e.getMessage();
		assertTrue(m.startsWith("InfoDisent on layer 'wide' (100000 channels) needs about "), m);
		assertTrue(m.contains("of native memory for its 100000 x 100000 rotation and its gradients") && m.contains(
			"choose a narrower layer, such as layer=[narrow] (64 channels), or train a Bi-ICE head (head=bi_ice)"), m);
		assertEquals(1, m.split("\\. ").length, "one sentence: " + m);
		// the rule: bytes grow with c^2 (the rotation) and with the batch's feature maps
		assertEquals(2 * 4L * (InfoDisentGraph.Q_MATRICES * 64L * 64 + 6L * 32 * 49 * 64), InfoDisent.nativeBytes(7, 7, 64, 32));
		InfoDisent.checkMemory("narrow", 7, 7, 64, 32, InfoDisent.nativeBytes(7, 7, 64, 32), null); // exactly fits
		IllegalArgumentException tight = assertThrows(IllegalArgumentException.class,
			() -> InfoDisent.checkMemory("narrow", 7, 7, 64, 32, InfoDisent.nativeBytes(7, 7, 64, 32) - 1, null));
		assertTrue(tight.getMessage().contains("choose a narrower layer (fewer channels), or train a Bi-ICE head"), tight.getMessage());
	}

	static double orthogonalityError(double[][] q) {
		int c = q.length;
		double e = 0;
		for (int i = 0; i < c; i++) for (int j = 0; j < c; j++) {
			double s = 0;
			for (int r = 0; r < c; r++) s += q[r][i] * q[r][j];
			e = Math.max(e, Math.abs(s - (i == j ? 1 : 0)));
		}
		return e;
	}

	/** Gaussian elimination with partial pivoting. */
	static double determinant(double[][] m) {
		int n = m.length;
		double[][] a = new double[n][];
		for (int i = 0; i < n; i++) a[i] = m[i].clone();
		double det = 1;
		for (int col = 0; col < n; col++) {
			int p = col;
			for (int r = col + 1; r < n; r++) if (Math.abs(a[r][col]) > Math.abs(a[p][col])) p = r;
			if (p != col) {
				double[] t = a[p];
				a[p] = a[col];
				a[col] = t;
				det = -det;
			}
			det *= a[col][col];
			for (int r = col + 1; r < n; r++) {
				double f = a[r][col] / a[col][col];
				for (int k = col; k < n; k++) a[r][k] -= f * a[col][k];
			}
		}
		return det;
	}

	/** Layers 'narrow' (8 x 8 x 64) and 'wide' (7 x 7 x 100000); any pass through it fails the test. */
	static final class WideBackbone implements Classifier {

		@Override
		public ModelSignature signature() {
			throw new AssertionError("no pass expected");
		}

		@Override
		public List<String> classNames() {
			return List.of("a", "b");
		}

		@Override
		public Normalization normalization() {
			throw new AssertionError("no pass expected");
		}

		@Override
		public List<LayerInfo> layers() {
			return List.of(new LayerInfo("narrow", "Relu", new long[] { -1, 8, 8, 64 }), new LayerInfo("wide", "Relu", new long[] { -1, 7, 7, 100000 }));
		}

		@Override
		public FloatTensor logits(FloatTensor images) {
			throw new AssertionError("no pass expected");
		}

		@Override
		public FloatTensor probabilities(FloatTensor images) {
			throw new AssertionError("no pass expected");
		}

		@Override
		public FloatTensor inputGradient(FloatTensor images, FloatTensor classWeights) {
			throw new AssertionError("no pass expected");
		}

		@Override
		public FloatTensor activations(FloatTensor images, String layer) {
			throw new AssertionError("no pass expected: the layer must be refused before the images go through the backbone");
		}

		@Override
		public FloatTensor layerGradient(FloatTensor images, String layer, FloatTensor classWeights) {
			throw new AssertionError("no pass expected");
		}

		@Override
		public FloatTensor logitsFromLayer(String layer, FloatTensor activations) {
			throw new AssertionError("no pass expected");
		}

		@Override
		public FloatTensor gradientFromLayer(String layer, FloatTensor activations, FloatTensor classWeights) {
			throw new AssertionError("no pass expected");
		}

		@Override
		public void close() {}
	}
}
