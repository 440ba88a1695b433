package org.conceptscope.verify;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.conceptscope.attribution.Attribution;
import org.conceptscope.model.BundledModels;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.Test;
import org.tensorflow.proto.AttrValue;

class IntervalBoundsTest {

	static FloatTensor random(long seed, long... shape) {
		Random r = new Random(seed);
		FloatTensor t = FloatTensor.zeros(shape);
		for (int i = 0; i < t.size(); i++) t.data()[i] = r.nextFloat();
		return t;
	}

	/**
	 * A graph written with default attributes stripped: a missing epsilon is TensorFlow's 1e-4 and
	 * a missing is_training is TensorFlow's true, refused with a message that says how to fix it.
	 */
	@Test
	void batchNormUsesTensorFlowsDefaultsForMissingAttributes() {
		FloatTensor gamma = new FloatTensor(new long[] { 2 }, new float[] { 2, 1 }), beta = new FloatTensor(new long[] { 2 }, new float[] { 0.5f, 0 }),
			mean = new FloatTensor(new long[] { 2 }, new float[] { 1, -1 }), var = new FloatTensor(new long[] { 2 }, new float[] { 0.01f, 4 });
		AttrValue no = AttrValue.newBuilder().setB(false).build(), yes = AttrValue.newBuilder().setB(true).build();
		double[][] ab = IntervalPropagation.batchNormAffine(gamma, beta, mean, var, java.util.Map.of("is_training", no), 2, "bn");
		assertEquals(2 / Math.sqrt(0.01f + 1e-4), ab[0][0], 1e-12, "epsilon 1e-4 when the attribute is missing");
		assertEquals(0.5 - ab[0][0] * 1, ab[1][0], 1e-12);
		ab = IntervalPropagation.batchNormAffine(gamma, beta, mean, var, java.util.Map.of("is_training", no, "epsilon",
			AttrValue.newBuilder().setF(1e-3f).build()), 2, "bn");
		assertEquals(2 / Math.sqrt((double) 0.01f + (double) 1e-3f), ab[0][0], 1e-12, "a given epsilon is used");
		String missing = assertThrows(UnsupportedOperationException.class,
			() -> IntervalPropagation.batchNormAffine(gamma, beta, mean, var, java.util.Map.of(), 2, "block1/bn")).getMessage();
		assertTrue(missing.contains("'block1/bn' is in training mode (is_training not set, TensorFlow's default true)")
			&& missing.contains("export the model for inference"), missing);
		String training = assertThrows(UnsupportedOperationException.class,
			() -> IntervalPropagation.batchNormAffine(gamma, beta, mean, var, java.util.Map.of("is_training", yes), 2, "bn")).getMessage();
		assertTrue(training.contains("(is_training true)"), training);
	}

	/**
	 * A ball restricted to a region: outside it every channel stays at the image; with an empty
	 * region every node's bounds are the point evaluation (both methods); growing nested regions
	 * (a square from the centre) only widen the interval bounds of every node and of the margin.
	 */
	@Test
	void ballRestrictedToARegion() {
		try (TensorFlowClassifier m = TensorFlowClassifier.load(BundledModels.dir("ct-tissue"))) {
			FloatTensor x = random(3, 1, 16, 16, 1);
			for (int i = 0; i < x.size(); i++) x.data()[i] = 2.4f * x.data()[i] - 1f; // -1000 .. 1400 HU
			GraphProgram p = GraphProgram.of(m);
			int t = m.logits(x).argmaxRows()[0];
			java.util.Map<String, Box> point = IntervalPropagation.propagate(p, Box.point(x.shape(), x.data()));
			for (BoundMethod method : BoundMethod.values()) {
				java.util.Map<String, Box> none = Verification.nodeBounds(p, Verification.ball(x, 0.05, new boolean[16 * 16]), method, Progress.NONE);
				for (GraphProgram.Step s : p.steps()) {
					assertArrayEquals(point.get(s.name()).lo(), none.get(s.name()).lo(), 1e-9, method + " " + s.name());
					assertArrayEquals(point.get(s.name()).lo(), none.get(s.name()).hi(), 1e-9, method + " " + s.name());
				}
			}
			MarginBounds.Bounds previous = null;
			java.util.Map<String, Box> before = point;
			for (int half = 0; half <= 8; half += 2) {
				boolean[] region = new boolean[16 * 16];
				for (int y = 8 - half; y < 8 + half; y++) for (int xx = 8 - half; xx < 8 + half; xx++) region[y * 16 + xx] = true;
				Box ball = Verification.ball(x, 0.02, region);
				for (int i = 0; i < ball.size(); i++) {
					boolean in = region[i];
					assertEquals(in ? x.data()[i] - 0.02 : x.data()[i], ball.lo()[i], 1e-12);
					assertEquals(in ? x.data()[i] + 0.02 : x.data()[i], ball.hi()[i], 1e-12);
				}
				java.util.Map<String, Box> v = Verification.nodeBounds(p, ball, BoundMethod.INTERVAL, Progress.NONE);
				for (GraphProgram.Step s : p.steps()) {
					Box a = before.get(s.name()), b = v.get(s.name());
					for (int i = 0; i < a.size(); i++) {
						assertTrue(b.lo()[i] <= a.lo()[i] + 1e-12 && b.hi()[i] >= a.hi()[i] - 1e-12, "region of half-side " + half + ", node "
							+ s.name() + ": bounds shrank");
					}
				}
				MarginBounds.Bounds margin = Verification.float32Margin(p, v, t, BoundMethod.INTERVAL);
				if (previous != null) {
					assertTrue(margin.lower() <= previous.lower() && margin.upper() >= previous.upper(), previous + " then " + margin);
					assertTrue(margin.lower() < previous.lower(), "a larger region strictly widens the margin bounds: " + previous + " then " + margin);
				}
				previous = margin;
				before = v;
			}
		}
	}

	/** A point box through the Java program reproduces TensorFlow's logits on every bundled model. */
	@Test
	void programMatchesTensorFlow() {
		for (String name : new String[] { "ihc-stain", "ct-tissue", "known-answer" }) {
			try (TensorFlowClassifier m = TensorFlowClassifier.load(BundledModels.dir(name))) {
				long[] s = m.signature().input().shape();
				s[0] = 1;
				FloatTensor x = random(1, s);
				GraphProgram p = GraphProgram.of(m);
				Box out = IntervalPropagation.logits(p, Box.point(x.shape(), x.data()));
				FloatTensor tf = m.logits(x);
				for (int k = 0; k < tf.size(); k++) {
					assertEquals(tf.data()[k], out.lo()[k], 1e-4 * (1 + Math.abs(tf.data()[k])), name);
					assertEquals(out.lo()[k], out.hi()[k], 0, "a point stays a point");
				}
			}
		}
	}

	/** No sampled input of the ball (10,000, corners included) leaves the bounds. */
	@Test
	void boundsAreSoundOnTenThousandSamples() {
		try (TensorFlowClassifier m = TensorFlowClassifier.load(BundledModels.dir("ihc-stain"))) {
			FloatTensor x = random(2, 1, 32, 32, 3);
			double eps = 0.01;
			GraphProgram p = GraphProgram.of(m);
			Box ball = new Eva(eps, 4).ball(x, -1);
			Box logits = IntervalPropagation.logits(p, ball);
			int target = m.logits(x).argmaxRows()[0];
			// TensorFlow's float32 logits stay within the rounding error of the exact ones
			double[] e = RoundingError.of(p, IntervalPropagation.propagate(p, ball)).get(p.output);
			double margin = MarginBounds.lower(p, ball, target) - RoundingError.marginSlack(p, IntervalPropagation.propagate(p, ball), target);
			Random r = new Random(3);
			int total = 10_000, chunk = 500, per = x.size();
			for (int from = 0; from < total; from += chunk) {
				float[] batch = new float[chunk * per];
				for (int i = 0; i < chunk; i++) {
					boolean corner = (from + i) % 2 == 0;
					for (int j = 0; j < per; j++) {
						double d = corner ? (r.nextBoolean() ? eps : -eps) : (2 * r.nextDouble() - 1) * eps;
						batch[i * per + j] = BallSamples.inside(x.data()[j], d, eps);
					}
				}
				FloatTensor out = m.logits(new FloatTensor(new long[] { chunk, 32, 32, 3 }, batch));
				for (int i = 0; i < chunk; i++) {
					double best = Double.POSITIVE_INFINITY;
					for (int k = 0; k < 3; k++) {
						float v = out.get(i, k);
						assertTrue(v >= logits.lo()[k] - e[k] && v <= logits.hi()[k] + e[k], "sample outside the bounds of logit " + k);
						if (k != target) best = Math.min(best, out.get(i, target) - v);
					}
					assertTrue(best >= margin, "sampled margin " + best + " below the verified float32 bound " + margin);
				}
			}
		}
	}

	/**
	 * Naive bound: epsilon times the product of the layers' L-infinity operator norms (ReLU,
	 * pooling and means are 1-Lipschitz). Interval propagation must be tighter on a real CNN.
	 */
	@Test
	void boundsAreTighterThanTheLipschitzProduct() {
		try (TensorFlowClassifier m = TensorFlowClassifier.load(BundledModels.dir("ihc-stain"))) {
			GraphProgram p = GraphProgram.of(m);
			double lipschitz = 1;
			for (GraphProgram.Step s : p.steps()) {
				if (!s.op().equals("Conv2D") && !s.op().equals("MatMul")) continue;
				FloatTensor w = p.params.get(s.inputs().get(1));
				int out = (int) w.dim(w.rank() - 1), in = w.size() / out;
				double norm = 0;
				for (int o = 0; o < out; o++) {
					double row = 0;
					for (int i = 0; i < in; i++) row += Math.abs(w.data()[i * out + o]);
					norm = Math.max(norm, row);
				}
				lipschitz *= norm;
			}
			double eps = 0.01;
			FloatTensor x = random(4, 1, 32, 32, 3);
			Box logits = IntervalPropagation.logits(p, new Eva(eps, 4).ball(x, -1));
			double naiveWidth = 2 * eps * lipschitz;
			assertTrue(logits.maxWidth() < naiveWidth, "interval width " + logits.maxWidth() + " vs naive " + naiveWidth);
		}
	}

	/**
	 * On the known-answer model the margin logit_1 - logit_0 depends only on the pixels of R_1 and
	 * R_0, so EVA's map lives on the grid cells that touch them.
	 */
	@Test
	void evaTargetsTheEvidenceRegions() {
		try (TensorFlowClassifier m = TensorFlowClassifier.load(BundledModels.dir("known-answer"))) {
			FloatTensor x = random(5, 1, 32, 32, 1);
			Attribution a = new Eva(0.05, 8).explain(m, x, new int[] { 1 }, Progress.NONE);
			assertArrayEquals(new long[] { 1, 32, 32 }, a.maps().shape());
			double share = shareOnEvidenceCells(a);
			assertTrue(share >= 0.99, "share of EVA's map on the evidence cells: " + share);
			assertTrue(a.metadata().get("verified_margin_lower_bound").startsWith("["));
		}
	}

	/**
	 * Share of an 8x8-grid map of the known-answer model on the cells that touch R_0 = [4, 4, 8, 8]
	 * or R_1 = [18, 20, 8, 8] (x, y, w, h; cells are 4 pixels wide).
	 */
	static double shareOnEvidenceCells(Attribution a) {
		double inside = 0, all = 0;
		for (int y = 0; y < 32; y++) for (int xx = 0; xx < 32; xx++) {
			double v = Math.max(0, a.maps().get(0, y, xx));
			all += v;
			boolean near0 = xx >= 4 && xx < 12 && y >= 4 && y < 12, near1 = xx >= 16 && xx < 28 && y >= 20 && y < 28;
			if (near0 || near1) inside += v;
		}
		assertTrue(all > 0, "the evidence cells matter");
		return inside / all;
	}
}
