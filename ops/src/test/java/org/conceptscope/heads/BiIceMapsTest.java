package org.conceptscope.heads;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Seeds;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bi-ICE's concept maps are the per-patch terms of the concept's activation, sum_p A B ReLU(S): an
 * absent concept (every S below 0) has an empty map although A, a softmax over the patches, still
 * peaks somewhere, and prototypes come in the order of the activations. The maps were A B times the
 * patches, which ranked an absent concept's image above one where it is present. A forward pass of
 * 2 patches and 2 concepts computed by hand checks both softmax axes, in Java and in the saved graph.
 */
class BiIceMapsTest {

	/** Patch kernel I (c = d = 2), concepts e0 and e1 (after centring and the layer norm: b(1, -1) and b(-1, 1)), class weights I. */
	static Map<String, FloatTensor> weights() {
		Map<String, FloatTensor> m = new LinkedHashMap<>();
		m.put("patch_kernel", new FloatTensor(new long[] { 2, 2 }, new float[] { 1, 0, 0, 1 }));
		m.put("concepts", new FloatTensor(new long[] { 2, 2 }, new float[] { 1, 0, 0, 1 }));
		m.put("classifier", new FloatTensor(new long[] { 2, 2 }, new float[] { 1, 0, 0, 1 }));
		m.put("bias", FloatTensor.zeros(2));
		return m;
	}

	static double sigmoid(double x) {
		return 1 / (1 + Math.exp(-x));
	}

	/**
	 * Patches (2, 0) and (1, 1): layer-normalised a(1, -1) and (0, 0), so S = [[s, -s], [0, 0]] with
	 * s = sqrt(2) a b. A over the patches: concept 0 (sig(s), 1 - sig(s)); B over the concepts: patch 0
	 * (sig(2s), sig(-2s)), patch 1 (1/2, 1/2). Activation 0 = sig(s) sig(2s) s, activation 1 = 0. A
	 * softmax over the concepts in place of A gives sig(2s)^2 s, over the patches in place of B sig(s)^2 s.
	 */
	@Test
	void oneRoundOfTwoPatchesAndTwoConceptsIsTheHandComputedAnswer(@TempDir Path tmp) throws Exception {
		double a = 1 / Math.sqrt(1 + 1e-5), b = 0.5 / Math.sqrt(0.25 + 1e-5), s = Math.sqrt(2) * a * b;
		double activation = sigmoid(s) * sigmoid(2 * s) * s;
		assertTrue(Math.abs(activation - sigmoid(2 * s) * sigmoid(2 * s) * s) > 0.1 && Math.abs(activation - sigmoid(s) * sigmoid(s) * s) > 0.1,
			"the answer tells the softmax axes apart");
		BiIce head = BiIce.of(weights(), "features", 1, 2, 1);
		FloatTensor f = new FloatTensor(new long[] { 1, 1, 2, 2 }, new float[] { 2, 0, 1, 1 });
		double[] act = head.activations(f)[0];
		assertEquals(activation, act[0], 1e-6, "concept 0");
		assertEquals(0, act[1], 1e-12, "concept 1: S <= 0 on both patches");
		FloatTensor m0 = head.unitMaps(f, 0), m1 = head.unitMaps(f, 1);
		assertEquals(2 * activation, m0.data()[0], 1e-6, "patch 0 carries all of concept 0: its term times the 2 patches");
		assertEquals(0, m0.data()[1], 0, "patch 1: S = 0");
		assertEquals(0, m1.data()[0], 0, "concept 1 is absent: its map is empty");
		assertEquals(0, m1.data()[1], 0);
		double[] logits = head.logits(f)[0];
		assertEquals(activation, logits[0], 1e-6);
		assertEquals(0, logits[1], 1e-12);
		head.save(tmp.resolve("head"), List.of("a", "b"), "hand", Map.of());
		try (TensorFlowClassifier saved = TensorFlowClassifier.load(tmp.resolve("head"))) {
			FloatTensor graph = saved.logits(f);
			assertEquals(activation, graph.get(0, 0), 1e-5, "the saved graph's logit 0");
			assertEquals(0, graph.get(0, 1), 1e-6, "the saved graph's logit 1");
		}
	}

	/** Over random heads (three rounds) and images, each map's mean is the concept's activation, and no map is negative. */
	@Test
	void eachMapsMeanIsTheConceptsActivation() {
		Map<String, FloatTensor> w = BiIceGraph.initialWeights(5, 4, 3, 2, Seeds.stream(7, HeadTraining.WEIGHTS_STREAM));
		BiIce head = BiIce.of(w, "features", 4, 4, 3);
		Random r = new Random(3);
		FloatTensor f = FloatTensor.zeros(6, 4, 4, 5);
		for (int i = 0; i < f.size(); i++) f.data()[i] = (float) Math.max(0, r.nextGaussian());
		double[][] act = head.activations(f);
		boolean someZero = false;
		for (int k = 0; k < 3; k++) {
			FloatTensor maps = head.unitMaps(f, k);
			double[] responses = head.imageResponses(maps);
			for (int i = 0; i < 6; i++) {
				double mean = 0;
				for (int p = 0; p < 16; p++) {
					float v = maps.data()[i * 16 + p];
					assertTrue(v >= 0, "image " + i + " concept " + k + " cell " + p + ": " + v);
					someZero |= v == 0;
					mean += v / 16.0;
				}
				assertEquals(act[i][k], mean, 1e-6 * Math.max(1, act[i][k]), "image " + i + " concept " + k + ": map mean = activation");
				assertEquals(act[i][k], responses[i], 1e-6 * Math.max(1, act[i][k]), "the prototypes' response is the activation");
			}
		}
		assertTrue(someZero, "patches that do not carry a concept add nothing to it");
	}

	/**
	 * Three images of 2 x 2 patches for concept 0: present everywhere (S = s), one weak patch (S = 0.22,
	 * the others -s) and absent (every S below 0, one patch only -0.22). The prototypes are the first
	 * two in the order of their activations; the absent concept's image is none (A B times the patches
	 * ranked it third and the weak patch first).
	 */
	@Test
	void prototypesComeInTheOrderOfTheActivationsAndAnAbsentConceptHasNone() {
		BiIce head = BiIce.of(weights(), "features", 2, 2, 1);
		float[] present = { 1, 0, 1, 0, 1, 0, 1, 0 }, weak = { 0.0005f, -0.0005f, 0, 1, 0, 1, 0, 1 }, absent = { 0, 0.001f, 0, 1, 0, 1, 0, 1 };
		float[] all = new float[24];
		System.arraycopy(present, 0, all, 0, 8);
		System.arraycopy(weak, 0, all, 8, 8);
		System.arraycopy(absent, 0, all, 16, 8);
		FloatTensor f = new FloatTensor(new long[] { 3, 2, 2, 2 }, all);
		double[][] act = head.activations(f);
		assertTrue(act[0][0] > act[1][0] && act[1][0] > 0 && act[2][0] == 0, "activations " + act[0][0] + ", " + act[1][0] + ", " + act[2][0]);
		List<HeadPrototypes.Prototype> top = HeadPrototypes.top(head, f, 0, 3);
		assertEquals(2, top.size(), "the absent concept's image is no prototype: " + top);
		assertEquals(0, top.get(0).image());
		assertEquals(1, top.get(1).image());
		assertEquals(act[0][0], top.get(0).response(), 1e-6);
		assertEquals(act[1][0], top.get(1).response(), 1e-6);
		assertEquals(0, top.get(1).y(), "the weak patch is the cell shown");
		assertEquals(0, top.get(1).x());
	}
}
