package org.conceptscope.mechanistic;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.conceptscope.model.BundledModels;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.junit.jupiter.api.Test;

/** Theoretical receptive fields from the graph's structure, ERF supports, and the per-stack SRD analysis. */
class ReceptiveFieldTest {

	/**
	 * IHC model: conv1 3x3 SAME at 32, pool 2, conv2 3x3 SAME at 16, pool 2, conv3 3x3 SAME at 8.
	 * By hand: conv2/relu cell q sees pixels 2q-3 .. 2q+4; conv3/relu cell q sees 4q-7 .. 4q+10.
	 */
	@Test
	void fieldsOfTheIhcModelAreTheHandComputedOnes() {
		try (TensorFlowClassifier m = TensorFlowClassifier.load(BundledModels.dir("ihc-stain"))) {
			SharingRatioDecomposition srd = new SharingRatioDecomposition(m);
			FloatTensor x = SharingRatioDecompositionTest.random(1, 1, 32, 32, 3);
			assertEquals(new ReceptiveField.Rect(2 * 4 - 3, 2 * 7 - 3, 8, 8), srd.receptiveField(x, "conv2/relu", 7 * 16 + 4));
			assertEquals(new ReceptiveField.Rect(4 * 5 - 7, 4 * 2 - 7, 18, 18), srd.receptiveField(x, "conv3/relu", 2 * 8 + 5));
			assertEquals(new ReceptiveField.Rect(-7, -7, 18, 18).clip(32, 32), srd.receptiveField(x, "conv3/relu", 0).clip(32, 32));
			assertEquals(new ReceptiveField.Rect(0, 0, 11, 11), srd.receptiveField(x, "conv3/relu", 0).clip(32, 32));
			// conv3/pool cell q: the two conv3 cells 2q, 2q+1, i.e. 8q-7 .. 8q+14.
			assertEquals(new ReceptiveField.Rect(8 - 7, 16 - 7, 22, 22), srd.receptiveField(x, "conv3/pool", 2 * 4 + 1));
			IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> srd.receptiveField(x, "features", 0));
			assertTrue(e.getMessage().contains("not a spatial"), e.getMessage());
		}
	}

	/** Every ERF of the IHC model lies inside its theoretical field, and its support (90 % of |relevance|) too. */
	@Test
	void effectiveFieldsLieInsideTheTheoreticalOnes() {
		try (TensorFlowClassifier m = TensorFlowClassifier.load(BundledModels.dir("ihc-stain"))) {
			SharingRatioDecomposition srd = new SharingRatioDecomposition(m);
			FloatTensor x = SharingRatioDecompositionTest.random(2, 1, 32, 32, 3);
			for (int position : new int[] { 0, 9, 27, 63 }) {
				ReceptiveField.Rect rf = srd.receptiveField(x, "conv3/relu", position);
				float[] erf = srd.effectiveReceptiveField(x, "conv3/relu", position).map().data();
				boolean[] support = ReceptiveField.effectiveSupport(erf, 0.9);
				int inside = 0;
				for (int p = 0; p < erf.length; p++) {
					boolean in = rf.contains(p % 32, p / 32);
					if (!in) assertEquals(0f, erf[p], "relevance outside the field at " + p);
					if (support[p]) {
						assertTrue(in, "support outside the field at " + p);
						inside++;
					}
				}
				assertTrue(inside > 0, "the support is not empty");
			}
		}
	}

	@Test
	void theSupportIsTheSmallestSetHoldingTheMass() {
		float[] erf = { 0, 5, -3, 1, 0.5f, 0.5f, 0 };
		assertArrayEquals(new boolean[] { false, true, false, false, false, false, false }, ReceptiveField.effectiveSupport(erf, 0.5));
		assertArrayEquals(new boolean[] { false, true, true, false, false, false, false }, ReceptiveField.effectiveSupport(erf, 0.8));
		// 10 of 10: every non-zero pixel, never the zeros.
		assertArrayEquals(new boolean[] { false, true, true, true, true, true, false }, ReceptiveField.effectiveSupport(erf, 1));
		assertFalse(ReceptiveField.effectiveSupport(new float[4], 0.9)[0], "no relevance, no support");
		assertThrows(IllegalArgumentException.class, () -> ReceptiveField.effectiveSupport(erf, 0));
	}

	/**
	 * Known answer: two identity 3x3 convolutions, so a conv2/relu PFV is its own pixel: its ERF is
	 * 1 on that pixel and 0 elsewhere (its theoretical field is the 5 x 5 square around it), and the
	 * starting relevance is the class logit.
	 */
	@Test
	void analysisOnTheKnownAnswerModel() {
		try (TensorFlowClassifier m = TensorFlowClassifier.load(BundledModels.dir("known-answer"))) {
			FloatTensor images = SharingRatioDecompositionTest.random(3, 2, 32, 32, 1);
			SharingRatioAnalysis.Result r = SharingRatioAnalysis.run(m, images, 1,
				new SharingRatioAnalysis.ErfRequest("conv2/relu", 10, 21, 0.9), 1f, org.conceptscope.util.Progress.NONE);
			assertEquals(2, r.slices().size());
			for (int i = 0; i < 2; i++) {
				SharingRatioAnalysis.Slice s = r.slices().get(i);
				assertEquals(1, s.target());
				assertEquals(m.logits(images.slice(i)).get(0, 1), s.relevance().start(), 1e-4);
				SharingRatioAnalysis.Erf e = s.erf();
				assertEquals(List.of(10, 21, 32, 32), List.of(e.gridX(), e.gridY(), e.gridWidth(), e.gridHeight()));
				assertEquals(new ReceptiveField.Rect(8, 19, 5, 5), e.field());
				float[] erf = e.decomposition().map().data();
				for (int p = 0; p < erf.length; p++) {
					assertEquals(p == 21 * 32 + 10 ? 1f : 0f, erf[p], 1e-6, "pixel " + p);
					assertEquals(p == 21 * 32 + 10, e.support()[p]);
				}
			}
			double agree = r.slices().stream().filter(SharingRatioAnalysis.Slice::apopAgrees).count() / 2.0;
			assertEquals(agree, r.apopAgreement(), "the agreement is the fraction of agreeing images");
			assertThrows(IllegalArgumentException.class, () -> SharingRatioAnalysis.run(m, images, 1,
				new SharingRatioAnalysis.ErfRequest("conv2/relu", 32, 0, 0.9), 1f, org.conceptscope.util.Progress.NONE));
		}
	}
}
