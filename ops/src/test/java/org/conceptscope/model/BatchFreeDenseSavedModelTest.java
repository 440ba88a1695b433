package org.conceptscope.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import org.conceptscope.tensor.FloatTensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A segmentation SavedModel without a batch axis (the bundled IHC segmentation network, [32, 32, 3] in and its maps
 * [32, 32, 3] out, the batch axis put in and taken off inside the graph by {@link BatchFreeSavedModel}), loaded with
 * {@link ModelConfig#inputWithoutBatchAxis} as a bioimage.io package sets it: a dense model explained on its own softmax
 * map (found through the output's Reshape), whose maps, gradients and layers are the batched network's.
 */
class BatchFreeDenseSavedModelTest {

	@TempDir
	Path tmp;

	@Test
	void aSegmentationNetworkWithoutABatchAxisIsTheBatchedOneImageByImage() throws Exception {
		Path saved = BatchFreeSavedModel.withoutBatchAxis(BundledModels.dir("ihc-segmentation"), tmp.resolve("one-image"), new long[] { 32, 32, 3 },
			new long[] { 32, 32, 3 });
		ModelConfig config = ModelConfig.read(BundledModels.dir("ihc-segmentation"));
		config.inputWithoutBatchAxis = true;
		LoadOptions options = LoadOptions.defaults().withWorkDir(tmp.resolve("work"));
		try (TensorFlowClassifier m = TensorFlowClassifier.load(saved, config, options);
			TensorFlowClassifier bare = TensorFlowClassifier.load(BundledModels.dir("ihc-segmentation"), options)) {
			assertTrue(m.isDense() && bare.isDense());
			assertEquals(bare.mapHoldsProbabilities(), m.mapHoldsProbabilities());
			assertTrue(m.mapHoldsProbabilities(), "the model's softmax map is explained, as the batched model's");
			assertEquals("probabilities:0", m.signature().logits().tensorName());
			assertEquals(1, m.preferredBatchSize());
			FloatTensor x = org.conceptscope.model.bioimage.TestPackages.divideBy255(org.conceptscope.model.bioimage.TestPackages.rawImages(3, 9));
			FloatTensor a = m.logits(x), b = bare.logits(x);
			assertEquals(List.of(3L, 32L, 32L, 3L), Arrays.stream(a.shape()).boxed().toList());
			close(b, a, "maps");
			close(bare.output("logits", x), m.output("logits", x), "the logits output");
			// weights on the map: one zone of class 2 per image
			FloatTensor w = FloatTensor.zeros(3, 32, 32, 3);
			for (int i = 0; i < 3; i++) for (int y = 8; y < 16; y++) for (int xx = 10; xx < 20; xx++) w.data()[((i * 32 + y) * 32 + xx) * 3 + 2] = 1;
			close(bare.inputGradient(x, w), m.inputGradient(x, w), "input gradient");
			assertEquals(bare.layers().stream().map(l -> l.name() + Arrays.toString(l.shape())).toList(),
				m.layers().stream().map(l -> l.name() + Arrays.toString(l.shape())).toList());
			assertTrue(!m.layers().isEmpty());
			String layer = m.layers().get(m.layers().size() - 1).name();
			close(bare.activations(x, layer), m.activations(x, layer), "activations of " + layer);
			close(bare.layerGradient(x, layer, w), m.layerGradient(x, layer, w), "layer gradient of " + layer);
		}
	}

	static void close(FloatTensor want, FloatTensor got, String what) {
		assertEquals(Arrays.toString(want.shape()), Arrays.toString(got.shape()), what);
		double largest = 0;
		for (float v : want.data()) largest = Math.max(largest, Math.abs(v));
		for (int i = 0; i < want.size(); i++) assertEquals(want.data()[i], got.data()[i], 1e-5 * (largest + 1e-30), what + " " + i);
	}
}
