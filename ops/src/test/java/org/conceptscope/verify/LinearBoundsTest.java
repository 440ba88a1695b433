package org.conceptscope.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.conceptscope.attribution.Attribution;
import org.conceptscope.metrics.IhcPatches;
import org.conceptscope.model.BundledModels;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * CROWN linear bounds on the two bundled CNNs (real IHC patches; CT-like inputs in HU / 1000) and
 * on a model with batch norm, max pooling and a residual Add: sound on 10,000 sampled inputs of
 * the ball each, never looser than interval bounds there, and much tighter on average.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LinearBoundsTest {

	@TempDir
	static Path tmp;

	/** A model, images to centre balls on, and a radius. */
	record Case(String name, Path dir, FloatTensor images, double epsilon) {}

	private List<Case> cases;
	/** CROWN bounds of every node per case and image, computed once for both tests that need them. */
	private final Map<String, Map<String, Box>> crown = new java.util.HashMap<>();

	private Map<String, Box> crown(Case c, GraphProgram p, int i) {
		return crown.computeIfAbsent(c.name() + " " + i,
			k -> LinearBounds.intermediate(p, new Eva(c.epsilon(), 4).ball(c.images().slice(i), -1), Progress.NONE));
	}

	@BeforeAll
	void models() throws Exception {
		ResidualModel.export(tmp.resolve("residual"), 3);
		FloatTensor ct = IntervalBoundsTest.random(7, 3, 16, 16, 1);
		for (int i = 0; i < ct.size(); i++) ct.data()[i] = 2.4f * ct.data()[i] - 1f; // -1000 .. 1400 HU: air to bone
		cases = List.of(new Case("ihc-stain", BundledModels.dir("ihc-stain"), IhcPatches.load(2), 0.01),
			new Case("ct-tissue", BundledModels.dir("ct-tissue"), ct, 0.02),
			new Case("residual", tmp.resolve("residual"), IntervalBoundsTest.random(8, 3, 8, 8, 2), 0.05));
	}

	@Test
	void crownBoundsHoldForTenThousandSampledInputsOfEachModel() {
		for (Case c : cases) {
			try (TensorFlowClassifier m = TensorFlowClassifier.load(c.dir())) {
				GraphProgram p = GraphProgram.of(m);
				FloatTensor x = c.images().slice(0);
				int target = m.logits(x).argmaxRows()[0];
				Map<String, Box> bounds = crown(c, p, 0);
				// bounds of TensorFlow's float32 values: the exact ones widened by the rounding error, no other tolerance
				MarginBounds.Bounds margin = LinearBounds.margin(p, bounds, target).widen(RoundingError.marginSlack(p, bounds, target));
				Box logits = bounds.get(p.output);
				double[] e = RoundingError.of(p, bounds).get(p.output);
				int k = m.numClasses();
				double[] range = { Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY };
				BallSamples.logits(m, x, target, c.epsilon(), 10_000, 11, out -> {
					for (int i = 0; i < out.dim(0); i++) {
						float[] row = java.util.Arrays.copyOfRange(out.data(), i * k, (i + 1) * k);
						double v = MarginBounds.margin(row, target);
						range[0] = Math.min(range[0], v);
						range[1] = Math.max(range[1], v);
						for (int j = 0; j < k; j++) {
							assertTrue(row[j] >= logits.lo()[j] - e[j] && row[j] <= logits.hi()[j] + e[j], c.name() + ": logit " + j
								+ " = " + row[j] + " outside [" + logits.lo()[j] + ", " + logits.hi()[j] + "]");
						}
					}
				});
				double lowest = range[0], highest = range[1];
				System.out.printf("%s: sampled margin [%.4f, %.4f], CROWN [%.4f, %.4f]%n", c.name(), lowest, highest, margin.lower(), margin.upper());
				assertTrue(lowest >= margin.lower(), c.name() + ": sampled margin " + lowest + " below the CROWN bound " + margin.lower());
				assertTrue(highest <= margin.upper(), c.name() + ": sampled margin " + highest + " above the CROWN bound " + margin.upper());
			}
		}
	}

	@Test
	void crownIsNeverLooserThanIntervalsAndTighterOnAverage() {
		for (Case c : cases) {
			try (TensorFlowClassifier m = TensorFlowClassifier.load(c.dir())) {
				GraphProgram p = GraphProgram.of(m);
				int[] targets = m.logits(c.images()).argmaxRows();
				double crownWidth = 0, intervalWidth = 0;
				for (int i = 0; i < targets.length; i++) {
					Box ball = new Eva(c.epsilon(), 4).ball(c.images().slice(i), -1);
					MarginBounds.Bounds interval = MarginBounds.interval(p, ball, targets[i]);
					MarginBounds.Bounds linear = LinearBounds.margin(p, crown(c, p, i), targets[i]);
					assertTrue(linear.lower() >= interval.lower() - 1e-9 && linear.upper() <= interval.upper() + 1e-9,
						c.name() + " image " + i + ": CROWN " + linear + " vs interval " + interval);
					crownWidth += linear.upper() - linear.lower();
					intervalWidth += interval.upper() - interval.lower();
				}
				assertTrue(crownWidth < 0.8 * intervalWidth, c.name() + ": mean CROWN width " + crownWidth / targets.length
					+ " vs interval " + intervalWidth / targets.length);
			}
		}
	}

	/** Strided VALID convolution, ReLU6 across both kinks, SAME average pooling, Mul, both Subs, transposed MatMul. */
	@Test
	void everyOtherSupportedOperationIsBoundedSoundly(@TempDir Path dir) throws Exception {
		ResidualModel.exportOddOps(dir.resolve("odd"), 5);
		try (TensorFlowClassifier m = TensorFlowClassifier.load(dir.resolve("odd"))) {
			GraphProgram p = GraphProgram.of(m);
			FloatTensor x = IntervalBoundsTest.random(9, 1, 9, 9, 2);
			for (int i = 0; i < x.size(); i++) x.data()[i] *= 3;
			Box point = IntervalPropagation.logits(p, Box.point(x.shape(), x.data()));
			FloatTensor tf = m.logits(x);
			for (int k = 0; k < 3; k++) assertEquals(tf.data()[k], point.lo()[k], 1e-4, "the Java program computes what TensorFlow computes");
			int target = tf.argmaxRows()[0];
			double eps = 0.1;
			Box ball = new Eva(eps, 3).ball(x, -1);
			Map<String, Box> bounds = LinearBounds.intermediate(p, ball, Progress.NONE);
			Box six = bounds.get("bias");
			boolean below = false, inside = false, above = false;
			for (int i = 0; i < six.size(); i++) {
				below |= six.lo()[i] < 0 && six.hi()[i] > 0;
				above |= six.lo()[i] < 6 && six.hi()[i] > 6;
				inside |= six.lo()[i] > 0 && six.hi()[i] < 6;
			}
			assertTrue(below && above && inside, "ReLU6 inputs straddle 0, straddle 6 and lie between");
			MarginBounds.Bounds crown = LinearBounds.margin(p, bounds, target);
			MarginBounds.Bounds interval = MarginBounds.interval(p, ball, target);
			MarginBounds.Bounds float32 = crown.widen(RoundingError.marginSlack(p, bounds, target));
			assertTrue(crown.upper() - crown.lower() < interval.upper() - interval.lower(), crown + " vs " + interval);
			double[] range = { Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY };
			BallSamples.logits(m, x, target, eps, 10_000, 13, out -> {
				for (int i = 0; i < out.dim(0); i++) {
					double v = MarginBounds.margin(java.util.Arrays.copyOfRange(out.data(), i * 3, i * 3 + 3), target);
					range[0] = Math.min(range[0], v);
					range[1] = Math.max(range[1], v);
				}
			});
			assertTrue(range[0] >= float32.lower() && range[1] <= float32.upper(), "sampled [" + range[0] + ", " + range[1]
				+ "] outside CROWN " + float32);
		}
	}

	/**
	 * The relaxation lines of ReLU and ReLU6 enclose the function on every interval (all cases:
	 * dead, identity, triangle with either lower slope, both ReLU6 kinks), and touch it where a
	 * linear bound can: at both ends of the interval for the upper line of the triangle.
	 */
	@Test
	void reluLinesEncloseTheFunctionAndTouchItAtTheEnds() {
		double[][] intervals = { { -3, -1 }, { 1, 4 }, { -2, 3 }, { -3, 2 }, { 7, 9 }, { 1, 8 }, { 5, 13 }, { -2, 8 }, { -1, 5 } };
		for (boolean six : new boolean[] { false, true }) {
			for (double[] lu : intervals) {
				double l = lu[0], u = lu[1];
				double[] line = LinearBounds.lines(l, u, six);
				for (int i = 0; i <= 1000; i++) {
					double x = l + (u - l) * i / 1000, f = six ? Math.min(6, Math.max(0, x)) : Math.max(0, x);
					String what = (six ? "relu6" : "relu") + " on [" + l + ", " + u + "] at " + x;
					assertTrue(line[0] * x + line[1] <= f + 1e-12, what + ": lower line above");
					assertTrue(line[2] * x + line[3] >= f - 1e-12, what + ": upper line below");
				}
				double fl = six ? Math.min(6, Math.max(0, l)) : Math.max(0, l), fu = six ? Math.min(6, Math.max(0, u)) : Math.max(0, u);
				if (!six || u <= 6) {
					assertEquals(fl, line[2] * l + line[3], 1e-12, "upper line through (l, f(l))");
					assertEquals(fu, line[2] * u + line[3], 1e-12, "upper line through (u, f(u))");
				}
				if (six && l >= 0 && l < 6 && u > 6) {
					assertEquals(fl, line[0] * l + line[1], 1e-12, "chord through (l, f(l))");
					assertEquals(fu, line[0] * u + line[1], 1e-12, "chord through (u, f(u))");
				}
			}
		}
	}

	/** Two sound bounds overlap: a rounding-sized miss becomes the midpoint, a real one names the node instead of hiding it. */
	@Test
	void intersectingBoundsThatMissEachOtherIsAnError() {
		Box a = new Box(new long[] { 1, 2 }, new double[] { 0, 1 }, new double[] { 2, 3 });
		Box b = new Box(new long[] { 1, 2 }, new double[] { 1, 3 + 1e-12 }, new double[] { 4, 5 });
		Box both = LinearBounds.intersect(a, b, "dense");
		assertEquals(1, both.lo()[0], 0);
		assertEquals(2, both.hi()[0], 0);
		assertEquals(3 + 0.5e-12, both.lo()[1], 1e-15, "a miss of 1e-12 is rounding: the midpoint");
		assertEquals(both.lo()[1], both.hi()[1], 0);
		Box apart = new Box(new long[] { 1, 2 }, new double[] { 1, 3.001 }, new double[] { 4, 5 });
		IllegalStateException e = assertThrows(IllegalStateException.class, () -> LinearBounds.intersect(a, apart, "block2/conv"));
		assertTrue(e.getMessage().startsWith("Bounds of node 'block2/conv' (element 1) do not overlap: [1.0, 3.0] and [3.001, 5.0]"), e.getMessage());
	}

	/** A point box: every relaxation is exact, so CROWN gives the margin itself. */
	@Test
	void aPointHasTheMarginAsBothBounds() {
		Case c = cases.get(2);
		try (TensorFlowClassifier m = TensorFlowClassifier.load(c.dir())) {
			GraphProgram p = GraphProgram.of(m);
			FloatTensor x = c.images().slice(1);
			int t = m.logits(x).argmaxRows()[0];
			MarginBounds.Bounds b = LinearBounds.margin(p, LinearBounds.intermediate(p, Box.point(x.shape(), x.data()), Progress.NONE), t);
			double margin = MarginBounds.margin(m.logits(x).data(), t);
			assertEquals(margin, b.lower(), 1e-4);
			assertEquals(margin, b.upper(), 1e-4);
		}
	}

	/** With CROWN, EVA still puts its map on the cells of the two evidence squares of the known-answer model. */
	@Test
	void evaWithCrownTargetsTheEvidenceRegions() {
		try (TensorFlowClassifier m = TensorFlowClassifier.load(BundledModels.dir("known-answer"))) {
			FloatTensor x = IntervalBoundsTest.random(5, 1, 32, 32, 1);
			Attribution a = new Eva(0.05, 8, BoundMethod.CROWN).explain(m, x, new int[] { 1 }, Progress.NONE);
			assertEquals(IntervalBoundsTest.shareOnEvidenceCells(a), 1.0, 0.01, "share of EVA's map on the evidence cells");
			List<Eva.VerifiedMargin> v = Eva.verifiedMargins(a);
			assertEquals(1, v.size());
			assertEquals("crown", a.metadata().get("bounds"));
			assertTrue(v.get(0).lower() <= v.get(0).margin() && v.get(0).margin() <= v.get(0).upper(), v.toString());
			Attribution interval = new Eva(0.05, 8).explain(m, x, new int[] { 1 }, Progress.NONE);
			Eva.VerifiedMargin iv = Eva.verifiedMargins(interval).get(0);
			assertTrue(v.get(0).lower() >= iv.lower() && v.get(0).upper() <= iv.upper(), "CROWN never reports looser bounds: " + v + " " + iv);
		}
	}

	@Test
	void unsupportedOperationsAreNamed(@TempDir Path dir) throws Exception {
		ResidualModel.exportWithTanh(dir.resolve("tanh"), 4);
		try (TensorFlowClassifier m = TensorFlowClassifier.load(dir.resolve("tanh"))) {
			IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
				() -> new Eva(0.01, 2, BoundMethod.CROWN).explain(m, FloatTensor.zeros(1, 8, 8, 2), new int[] { 0 }, Progress.NONE));
			assertTrue(e.getMessage().startsWith("EVA cannot bound this model: Operation Tanh (node 'squash') is not supported"), e.getMessage());
			assertTrue(e.getMessage().endsWith("Use another attribution method for it."), e.getMessage());
		}
		assertThrows(IllegalArgumentException.class, () -> BoundMethod.parse("zonotope"));
		try (TensorFlowClassifier m = TensorFlowClassifier.load(BundledModels.dir("ct-tissue"))) {
			assertEquals("EVA's grid of 32 cells per side is finer than the 16 x 16 image: use grid <= 16.", assertThrows(
				IllegalArgumentException.class, () -> new Eva(0.01, 32).explain(m, FloatTensor.zeros(1, 16, 16, 1), new int[] { 0 },
					Progress.NONE)).getMessage());
		}
	}
}
