package org.conceptscope.mechanistic;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.conceptscope.model.BundledModels;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.junit.jupiter.api.Test;

/**
 * Concept Graph's heap check: what the estimate counts (checked against the arrays' sizes computed
 * here), the sentence a run too large for the heap gets (with the image count that would fit), and
 * a run of the bundled model that fits passes it.
 */
class ConceptGraphHeapTest {

	static final ConceptGraph.Options OPTIONS = new ConceptGraph.Options(List.of(), 4, 1000, 1, 32, 6, 0.9);

	@Test
	void aWideLayerAtOneHundredImagesNeedsItsTwoCopiesOfTheActivationsAndTheCoefficients() {
		long n = 100, positions = 56 * 56, values = positions * 256;
		long activations = n * values * 4; // 0.32 GB: one copy
		assertEquals(321_126_400L, activations);
		// fit: two copies, contribution and cumulative weight (2 doubles a position), a double[4] (48 bytes) and its reference per
		// position and a row per image, 1000 sampled PFVs twice as doubles
		long fit = 2 * activations + n * positions * 16 + n * positions * (48 + 4) + n * 16 + 2 * 1000 * (16 + 8 * 256);
		assertEquals(fit, ConceptGraph.heapBytes(List.<long[]> of(new long[] { 56, 56, 256 }), n, OPTIONS));
		assertTrue(fit > 640_000_000L, "about 0.64 GB of activations and more: " + fit);
		// a second, deeper layer: GIG then holds both layers' activations and coefficients, and one image's path (its activations and
		// gradient sum, 12 bytes a value, and 2^24 path values, their gradients and the model's copy: 12 bytes each); more than either fit
		long second = n * 28 * 28 * 512 * 4, both = activations + n * positions * 52 + n * 16 + second + n * 28 * 28 * 52 + n * 16
			+ 12 * values + 12 * (1L << 24);
		assertTrue(both > fit);
		assertEquals(both, ConceptGraph.heapBytes(List.of(new long[] { 56, 56, 256 }, new long[] { 28, 28, 512 }), n, OPTIONS));
		// the estimate grows with the images: twice the images, about twice the bytes
		long twice = ConceptGraph.heapBytes(List.<long[]> of(new long[] { 56, 56, 256 }), 2 * n, OPTIONS);
		assertTrue(twice > 1.95 * fit && twice < 2.05 * fit, twice + " vs " + fit);
	}

	@Test
	void tooLittleHeapIsRefusedNamingTheKeysTheImagesThatFitAndTheXmx() {
		List<long[]> shapes = List.of(new long[] { 56, 56, 256 }, new long[] { 28, 28, 512 });
		List<String> layers = List.of("block3/relu", "block4/relu");
		long left = 300_000_000L;
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
			() -> ConceptGraph.checkHeap(layers, shapes, 100, OPTIONS, left));
		String m = e.getMessage();
		long most = 0;
		while (ConceptGraph.heapBytes(shapes, most + 1, OPTIONS) <= left) most++;
		long fit = most;
		assertTrue(fit > 0 && fit < 100, "fit " + fit);
		assertTrue(m.startsWith("The graph over 100 images at layers [block3/relu, block4/relu] (layer 'block3/relu' gives 56 x 56 x 256"
			+ " values per image) needs about 0.7 GB of Java's heap"), m);
		assertTrue(m.contains("give fewer images (at most " + fit + " fit; a smaller folder= or stack), other layers (layers=,"), m);
		assertTrue(m.contains("give Java more memory (-Xmx") && m.endsWith("Edit > Options > Memory & Threads...)."), m);
		assertDoesNotThrow(() -> ConceptGraph.checkHeap(layers, shapes, fit, OPTIONS, left));
	}

	@Test
	void activationsBeyondOneArrayAreRefusedWithTheImagesThatFit() {
		List<long[]> shapes = List.<long[]> of(new long[] { 56, 56, 256 });
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
			() -> ConceptGraph.checkHeap(List.of("block3/relu"), shapes, 3000, OPTIONS, Long.MAX_VALUE));
		assertTrue(e.getMessage().contains("more activation values than one Java array (2^31): give at most "
			+ (Integer.MAX_VALUE - 8) / (56 * 56 * 256) + " images"), e.getMessage());
	}

	@Test
	void theBundledModelsGraphFitsAndIsNotRefused() {
		try (TensorFlowClassifier model = TensorFlowClassifier.load(BundledModels.dir("ihc-stain"))) {
			FloatTensor images = FloatTensor.zeros(4, 32, 32, 3);
			assertDoesNotThrow(() -> ConceptGraph.checkHeap(model,
				images, new ConceptGraph.Options(List.of("conv1/relu", "conv2/relu"), 3, 200, 1, 8, 2, 0.9)));
		}
	}
}
