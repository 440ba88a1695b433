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

	@BeforeAll
	void models() throws Exception {
		ResidualModel.export(tmp.resolve("residual"), 3);
		FloatTensor ct = IntervalBoundsTest.random(7, 3, 16, 16, 1);
		for (int i = 0; i < ct.size(); i++) ct.data()[i] = 2.4f * ct.data()[i] - 1f; // -1000 .. 1400 HU: air to bone
		cases = List.of(new Case("ihc-stain", BundledModels.dir("ihc-stain"), IhcPatches.load(3), 0.01),
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
				Box ball = new Eva(c.epsilon(), 4).ball(x, -1);
				Map<String, Box> bounds = LinearBounds.intermediate(p, ball, Progress.NONE);
				MarginBounds.Bounds margin = LinearBounds.margin(p, bounds, target);
				Box logits = bounds.get(p.output);
				int k = m.numClasses();
				double[] range = { Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY };
				BallSamples.logits(m, x, target, c.epsilon(), 10_000, 11, out -> {
					for (int i = 0; i < out.dim(0); i++) {
						float[] row = java.util.Arrays.copyOfRange(out.data(), i * k, (i + 1) * k);
						double v = MarginBounds.margin(row, target);
						range[0] = Math.min(range[0], v);
						range[1] = Math.max(range[1], v);
						for (int j = 0; j < k; j++) {
							assertTrue(row[j] >= logits.lo()[j] - 1e-4 && row[j] <= logits.hi()[j] + 1e-4, c.name() + ": logit " + j
								+ " = " + row[j] + " outside [" + logits.lo()[j] + ", " + logits.hi()[j] + "]");
						}
					}
				});
				double lowest = range[0], highest = range[1];
				System.out.printf("%s: sampled margin [%.4f, %.4f], CROWN [%.4f, %.4f]%n", c.name(), lowest, highest, margin.lower(), margin.upper());
				assertTrue(lowest >= margin.lower() - 1e-4, c.name() + ": sampled margin " + lowest + " below the CROWN bound " + margin.lower());
				assertTrue(highest <= margin.upper() + 1e-4, c.name() + ": sampled margin " + highest + " above the CROWN bound " + margin.upper());
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
					MarginBounds.Bounds crown = LinearBounds.margin(p, LinearBounds.intermediate(p, ball, Progress.NONE), targets[i]);
					assertTrue(crown.lower() >= interval.lower() - 1e-9 && crown.upper() <= interval.upper() + 1e-9,
						c.name() + " image " + i + ": CROWN " + crown + " vs interval " + interval);
					crownWidth += crown.upper() - crown.lower();
					intervalWidth += interval.upper() - interval.lower();
				}
				assertTrue(crownWidth < 0.8 * intervalWidth, c.name() + ": mean CROWN width " + crownWidth / targets.length
					+ " vs interval " + intervalWidth / targets.length);
			}
		}
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
	}
}
