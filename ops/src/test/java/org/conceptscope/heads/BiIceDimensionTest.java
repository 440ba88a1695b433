package org.conceptscope.heads;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.SplittableRandom;

import org.conceptscope.registry.Registry;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.train.TrainingOptions;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.Test;

/**
 * Bi-ICE's layer norms take each patch's and each concept's embedding mean and scale, leaving d - 2
 * degrees of freedom: at d = 1 every score, activation and map is exactly 0, whatever the weights (a
 * head that predicts its bias alone, with empty maps and no prototypes); at d = 2 each normalised embedding is
 * one of two opposite directions (its length within eps of sqrt(2)), so four concepts have at most
 * two distinct maps (to 1%). Both trained silently before; a dimension below 3 is now refused in one
 * sentence, by the head, the op's registry and (in the plugins' tests) Train Interpretable Head, and
 * 3 concepts of dimension 3 have distinct maps.
 */
class BiIceDimensionTest {

	static final int N = 4, H = 2, W = 3, C = 5;

	static FloatTensor features() {
		java.util.Random r = new java.util.Random(3);
		FloatTensor f = FloatTensor.zeros(N, H, W, C);
		for (int i = 0; i < f.data().length; i++) f.data()[i] = (float) r.nextGaussian();
		return f;
	}

	static BiIce head(int d, int k, long seed) {
		Map<String, FloatTensor> weights = BiIceGraph.initialWeights(C, d, k, 2, new SplittableRandom(seed));
		weights.put("bias", new FloatTensor(new long[] { 2 }, new float[] { 0.3f, -0.2f }));
		return BiIce.of(weights, "features", H, W, 3);
	}

	/** How many different maps the concepts have over all images: maps within 1% of the largest value of each other count once. */
	static int distinctMaps(BiIce head, FloatTensor f) {
		java.util.List<float[]> kinds = new java.util.ArrayList<>();
		for (int m = 0; m < head.units(); m++) {
			float[] v = head.unitMaps(f, m).data();
			boolean seen = false;
			for (float[] u : kinds) {
				double diff = 0, top = 0;
				for (int p = 0; p < v.length; p++) {
					diff = Math.max(diff, Math.abs(v[p] - u[p]));
					top = Math.max(top, Math.max(Math.abs(v[p]), Math.abs(u[p])));
				}
				seen |= diff <= 0.01 * top;
			}
			if (!seen) kinds.add(v);
		}
		return kinds.size();
	}

	@Test
	void dimensionOneIsABiasOnlyHeadAndTwoLeavesTwoConcepts() {
		FloatTensor f = features();
		for (long seed = 1; seed <= 3; seed++) {
			BiIce one = head(1, 4, seed);
			double[][] act = one.activations(f), logits = one.logits(f);
			for (int i = 0; i < N; i++) {
				for (int m = 0; m < 4; m++) assertEquals(0, act[i][m], 0, "d = 1: image " + i + ", concept " + m);
				assertEquals(0.3, logits[i][0], 1e-6, "d = 1: the bias alone");
				assertEquals(-0.2, logits[i][1], 1e-6, "d = 1: the bias alone");
			}
			assertEquals(java.util.List.of(), HeadPrototypes.all(one, f, 3, Progress.NONE).stream().filter(l -> !l.isEmpty()).toList(),
				"d = 1: no concept has a prototype");
			assertTrue(distinctMaps(head(2, 4, seed), f) <= 2, "d = 2: four concepts, at most two distinct maps");
			assertEquals(3, distinctMaps(head(3, 3, seed), f), "d = 3: three concepts, three maps");
		}
	}

	@Test
	void aDimensionBelowThreeIsRefusedInOneSentence() {
		for (int d : new int[] { 1, 2 }) {
			String m = assertThrows(IllegalArgumentException.class, () -> BiIce.checkSizes(6, d, 3)).getMessage();
			assertEquals("Bi-ICE needs a concept dimension of at least 3, got " + d + ": the layer norms remove each embedding's mean and"
				+ " scale, so dimension 1 scores every patch 0 (a head that predicts its bias alone) and dimension 2 leaves two directions"
				+ " for all the concepts; use dimension=3 or more (default 16).", m);
			FloatTensor f = features();
			assertThrows(IllegalArgumentException.class, () -> BiIce.train(f, "features", new int[] { 0, 1, 0, 1 }, 2, 3, d, 0.01, 1,
				new TrainingOptions(2, 2, 0.05, 1), Progress.NONE), "before any training");
			String r = assertThrows(IllegalArgumentException.class, () -> Registry.head("bi_ice", Map.of("dimension", d))).getMessage();
			assertTrue(r.contains("dimension") && r.contains("at least 3"), r);
		}
		BiIce.checkSizes(6, 3, 3);
		Registry.head("bi_ice", Map.of("dimension", 3));
	}
}
