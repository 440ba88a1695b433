package org.conceptscope.ops;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import net.imglib2.img.array.ArrayImgs;

import org.conceptscope.model.Classifier;
import org.conceptscope.model.LayerInfo;
import org.conceptscope.model.ModelSignature;
import org.conceptscope.model.TensorSpec;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.tensor.Normalization;
import org.junit.jupiter.api.Test;

/**
 * The op explain.heads.bi_ice refuses a head too large for the machine before the images go through the backbone,
 * as Train Interpretable Head does; before, only the training's own check refused it, once the backbone had computed
 * every image's features.
 */
class HeadOpsMemoryTest {

	@Test
	void aHeadTooLargeIsRefusedBeforeTheBackboneRuns() {
		String m = assertThrows(IllegalArgumentException.class, () -> HeadOps.biIce(new BigLayerBackbone(), ArrayImgs.floats(8, 8, 3),
			List.of(0, 1, 0), "big", 1024, 1, 1L, null, 4096, null)).getMessage();
		assertTrue(m.startsWith("Bi-ICE on layer 'big' (256 x 256 positions, 1 channels) with concepts=1024, dimension=4096 and a batch of 3"
			+ " needs about "), m);
		assertTrue(m.contains(" of native memory for each training step"), m);
	}

	/** Reads 8 x 8 one-channel images; one 256 x 256 x 1 layer (terabytes a Bi-ICE step at the largest sizes); any pass fails the test. */
	static final class BigLayerBackbone implements Classifier {

		@Override
		public ModelSignature signature() {
			return new ModelSignature("serving_default", new TensorSpec("input", "input:0", new long[] { -1, 8, 8, 1 }, "float32"),
				new TensorSpec("logits", "logits:0", new long[] { -1, 2 }, "float32"), null, List.of());
		}

		@Override
		public List<String> classNames() {
			return List.of("a", "b");
		}

		@Override
		public Normalization normalization() {
			return new Normalization.UnitRange();
		}

		@Override
		public List<LayerInfo> layers() {
			return List.of(new LayerInfo("big", "Relu", new long[] { -1, 256, 256, 1 }));
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
			throw new AssertionError("no pass expected: the head must be refused before the images go through the backbone");
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
