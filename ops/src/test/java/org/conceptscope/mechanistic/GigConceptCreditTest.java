package org.conceptscope.mechanistic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import org.conceptscope.concepts.ConceptBank;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.verify.ResidualModel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * GIG's concept credit against answers computed by hand (integrated gradients in the coordinates
 * of the concept decomposition: concept q gets u_q &lt;g, w_q&gt;, g the gradient averaged along the
 * path, the rest is the residual &lt;g, a - a^&gt;). A model of one PFV per image: input [N, 1, 1, 2],
 * layer "pfv" = the input (a 1 x 1 identity convolution), layer "upper" = b = (a1, a1 - a2) (a 1 x 1
 * convolution), logits (b1, b2, b2^2) = (a1, a1 - a2, (a1 - a2)^2). Every target is linear or
 * quadratic along the path, so the midpoint rule is exact. The old geometric sharing
 * u_q &lt;w_q, a^&gt; / |a^|^2 of each PFV's relevance failed every one: with orthonormal concepts and
 * a = (2, 1) it gave class 0 (which reads concept 1 only) the edges (1.6, 0.4) and class 1
 * (concept 2 lowers it) (0.8, 0.2).
 */
class GigConceptCreditTest {

	@TempDir
	static Path dir;
	static TensorFlowClassifier model;

	@BeforeAll
	static void export() {
		ResidualModel.export(dir.resolve("m"), 1, 1, 2, (tf, g, x, r) -> {
			Operand<TFloat32> pfv = ResidualModel.conv(tf, "pfv", x, new float[] { 1, 0, 0, 1 }, new long[] { 1, 1, 2, 2 }, 1, "SAME");
			// kernel [in, out]: b1 = a1, b2 = a1 - a2
			Operand<TFloat32> upper = ResidualModel.conv(tf, "upper", pfv, new float[] { 1, 1, 0, -1 }, new long[] { 1, 1, 2, 2 }, 1, "SAME");
			Operand<TFloat32> mean = tf.withName("gap").math.mean(upper, tf.constant(new int[] { 1, 2 }));
			Operand<TFloat32> linear = tf.withName("linear").linalg.matMul(mean, ResidualModel.constant(tf, new long[] { 2, 3 },
				new float[] { 1, 0, 0, 0, 1, 0 }));
			Operand<TFloat32> square = tf.withName("square").math.square(tf.withName("pick").linalg.matMul(mean,
				ResidualModel.constant(tf, new long[] { 2, 3 }, new float[] { 0, 0, 0, 0, 0, 1 })));
			return tf.withName("logits").math.add(linear, square);
		});
		model = TensorFlowClassifier.load(dir.resolve("m"));
	}

	@AfterAll
	static void close() {
		model.close();
	}

	static ConceptBank bank(String layer, int classIndex, double[]... concepts) {
		ConceptBank b = new ConceptBank();
		b.layer = layer;
		b.concepts = concepts;
		b.rank = concepts.length;
		b.classIndex = classIndex;
		b.className = model.classNames().get(classIndex);
		return b;
	}

	static FloatTensor pfvs(float... values) {
		return new FloatTensor(new long[] { values.length / 2, 1, 1, 2 }, values);
	}

	static void assertCredit(double[] concepts, double residual, GeneralizedIntegratedGradients.Credit got, String what) {
		for (int q = 0; q < concepts.length; q++) assertEquals(concepts[q], got.concepts()[q], 1e-4, what + ", concept " + (q + 1));
		assertEquals(residual, got.residual(), 1e-4, what + ", residual");
	}

	/** The audit's case: orthonormal w1, w2, a = (2, 1) = 2 w1 + w2. */
	@Test
	void aConceptTheTargetDoesNotReadGetsNothingAndAnInhibitoryOneANegativeCredit() {
		GeneralizedIntegratedGradients gig = new GeneralizedIntegratedGradients(model, 8);
		ConceptBank b = bank("pfv", 0, new double[] { 1, 0 }, new double[] { 0, 1 });
		FloatTensor x = pfvs(2, 1);
		// T = a1: g = (1, 0), so (2 * 1, 1 * 0)
		assertCredit(new double[] { 2, 0 }, 0, gig.toClass(b, x, 0), "T = a1");
		// T = a1 - a2: g = (1, -1), so (2, -1)
		assertCredit(new double[] { 2, -1 }, 0, gig.toClass(b, x, 1), "T = a1 - a2");
		// T = (a1 - a2)^2: g(alpha) = 2 alpha (a1 - a2) (1, -1), averaged (1, -1): (2, -1), summing to T(a) = 1
		assertCredit(new double[] { 2, -1 }, 0, gig.toClass(b, x, 2), "T = (a1 - a2)^2");
		// two images, a = (2, 1) and (1, 3): the means of (2, -1) and (1, -3)
		assertCredit(new double[] { 1.5, -2 }, 0, gig.toClass(b, pfvs(2, 1, 1, 3), 1), "mean over two images");
	}

	/**
	 * Correlated concepts w1 = (1, 0), w2 = (1, 1), a = (3, 1) = 2 w1 + w2: T = a1 - a2 does not change
	 * along w2, so concept 2 gets 0 (the old sharing gave it 40 %).
	 */
	@Test
	void aConceptAlongWhichTheTargetIsFlatGetsNothingEvenWhenItOverlapsAnother() {
		GeneralizedIntegratedGradients gig = new GeneralizedIntegratedGradients(model, 8);
		ConceptBank b = bank("pfv", 1, new double[] { 1, 0 }, new double[] { 1, 1 });
		assertCredit(new double[] { 2, 0 }, 0, gig.toClass(b, pfvs(3, 1), 1), "T = a1 - a2");
		// T = a1: g = (1, 0), concept 1: 2 * 1, concept 2: 1 * 1
		assertCredit(new double[] { 2, 1 }, 0, gig.toClass(b, pfvs(3, 1), 0), "T = a1");
	}

	/**
	 * What the concepts do not rebuild is the residual, not some concept's: with w1 = (1, 0) alone and
	 * a = (2, 1), T = a1 - a2 gives w1 2 and the residual &lt;(1, -1), (0, 1)&gt; = -1; a negative
	 * value (clipped for NNLS), a = (2, -1) with w1, w2 orthonormal: u = (2, 0), residual
	 * &lt;(1, -1), (0, -1)&gt; = 1. Concepts + residual = T(a) - T(0) every time.
	 */
	@Test
	void whatTheConceptsDoNotRebuildIsTheResidual() {
		GeneralizedIntegratedGradients gig = new GeneralizedIntegratedGradients(model, 8);
		ConceptBank one = bank("pfv", 1, new double[] { 1, 0 });
		GeneralizedIntegratedGradients.Credit c = gig.toClass(one, pfvs(2, 1), 1);
		assertCredit(new double[] { 2 }, -1, c, "w1 alone");
		assertEquals(1, c.total(), 1e-4, "T(a) - T(0) = 2 - 1");
		ConceptBank two = bank("pfv", 1, new double[] { 1, 0 }, new double[] { 0, 1 });
		c = gig.toClass(two, pfvs(2, -1), 1);
		assertCredit(new double[] { 2, 0 }, 1, c, "a negative value");
		assertEquals(3, c.total(), 1e-4, "T(a) - T(0) = 2 - (-1)");
	}

	/**
	 * Layer to layer: upper concepts v1 = (1, 0), v2 = (0, 1) at "upper" (b = (a1, a1 - a2)), targets
	 * their projections b1 and b2; lower concepts w1, w2 orthonormal, a = (2, 1). Into v1: (2, 0); into
	 * v2: (2, -1); into class 1 (= b2) through the upper concepts: (0, 1). The graph lists each
	 * target's concept edges, then its residual edge.
	 */
	@Test
	void layerToLayerEdgesAndTheGraphFollowTheGradient() {
		GeneralizedIntegratedGradients gig = new GeneralizedIntegratedGradients(model, 8);
		ConceptBank lower = bank("pfv", 1, new double[] { 1, 0 }, new double[] { 0, 1 });
		ConceptBank upper = bank("upper", 1, new double[] { 1, 0 }, new double[] { 0, 1 });
		FloatTensor x = pfvs(2, 1);
		assertCredit(new double[] { 2, 0 }, 0, gig.toConcept(lower, upper, 0, x), "into v1 = b1 = a1");
		assertCredit(new double[] { 2, -1 }, 0, gig.toConcept(lower, upper, 1, x), "into v2 = b2 = a1 - a2");
		List<GeneralizedIntegratedGradients.Edge> edges = gig.graph(lower, upper, x);
		assertEquals(3 + 3 + 3, edges.size(), "per target two concept edges and a residual edge");
		double[] want = { 2, 0, 0, 2, -1, 0, 0, 1, 0 };
		for (int e = 0; e < 9; e++) {
			GeneralizedIntegratedGradients.Edge edge = edges.get(e);
			assertEquals(want[e], edge.relevance(), 1e-4, edge.toString());
			assertEquals(e % 3 == 2, edge.isResidual(), edge.toString());
		}
		assertEquals("class:" + model.classNames().get(1), edges.get(8).toLayer());
		assertTrue(edges.get(8).className() != null);
	}

	/**
	 * A long path is integrated in batches of whole points (one point, three points with a last batch of
	 * one) with the answer of one batch: T = (a1 - a2)^2 over 7 midpoints gives (2, -1) for a = (2, 1);
	 * T = a1 - a2 over a = (2, 1) and (1, 3) the mean (1.5, -2), and so do the edges into v2 = b2 = a1 - a2. Steps beyond the limit are refused in one sentence.
	 */
	@Test
	void aLongPathIsIntegratedInBatchesWithTheAnswerOfOne() {
		ConceptBank b = bank("pfv", 1, new double[] { 1, 0 }, new double[] { 0, 1 });
		ConceptBank upper = bank("upper", 1, new double[] { 1, 0 }, new double[] { 0, 1 });
		FloatTensor x = pfvs(2, 1, 1, 3);
		GeneralizedIntegratedGradients whole = new GeneralizedIntegratedGradients(model, 7);
		for (long values : new long[] { 1, 2, 6 }) { // a PFV has 2 values: 1 and 2 give one point a batch, 6 three
			GeneralizedIntegratedGradients gig = new GeneralizedIntegratedGradients(model, 7, () -> true, values);
			assertCredit(new double[] { 2, -1 }, 0, gig.toClass(b, pfvs(2, 1), 2), "(a1 - a2)^2 in batches of " + values + " values");
			assertCredit(new double[] { 1.5, -2 }, 0, gig.toClass(b, x, 1), "a1 - a2 over two images, " + values);
			assertCredit(whole.toClass(b, x, 0).concepts(), whole.toClass(b, x, 0).residual(), gig.toClass(b, x, 0), "a1, " + values);
			assertCredit(new double[] { 1.5, -2 }, 0, gig.toConcept(b, upper, 1, x), "into v2, " + values);
		}
		IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
			() -> new GeneralizedIntegratedGradients(model, 1_000_000));
		assertTrue(e.getMessage().startsWith("GIG: steps=1000000 is more than 100000"), e.getMessage());
	}
}
