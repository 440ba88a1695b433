package org.conceptscope.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;

import org.conceptscope.model.bioimage.BioImageModel;
import org.conceptscope.model.onnx.OnnxClassifier;
import org.conceptscope.model.torch.TorchScriptClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.junit.jupiter.api.Test;

/**
 * Every engine's model seen as its raw output ({@link RawOutputClassifier}): {@code outputs} and
 * {@code outputsFromLayer} are its logits to the bit, and both are the known answer of a model built by
 * construction, computed here from its definition (the known-answer SavedModel: logit k = the sum of the
 * pixels in R_k through identity convolutions; box-segmentation: channel k = 3x3 box mean of input
 * channel k, its 1x1 "mix" convolution keeps the first two channels of the "box" layer). Where the
 * Classifier and DenseModel sides both speak, each engine keeps what it said before.
 */
class RawOutputClassifierTest {

	static final int[][] REGIONS = { { 4, 4, 8, 8 }, { 18, 20, 8, 8 } };

	static FloatTensor uniform(long seed, long... shape) {
		Random r = new Random(seed);
		FloatTensor t = FloatTensor.zeros(shape);
		for (int i = 0; i < t.size(); i++) t.data()[i] = r.nextFloat();
		return t;
	}

	/** Sum of a [N, 32, 32, 1] tensor's pixels in each region R_k, [N * 2]. */
	static float[] regionSums(FloatTensor x) {
		int n = (int) x.dim(0);
		float[] out = new float[n * 2];
		for (int i = 0; i < n; i++) for (int k = 0; k < 2; k++) {
			int[] r = REGIONS[k];
			double s = 0;
			for (int y = r[1]; y < r[1] + r[3]; y++) for (int xx = r[0]; xx < r[0] + r[2]; xx++) s += x.get(i, y, xx, 0);
			out[i * 2 + k] = (float) s;
		}
		return out;
	}

	/** The first two channels of [1, 32, 32, 3] activations, [1 * 32 * 32 * 2]. */
	static float[] firstTwoChannels(FloatTensor a) {
		int s = DenseEnginesTest.SIZE;
		float[] out = new float[s * s * 2];
		for (int p = 0; p < s * s; p++) for (int k = 0; k < 2; k++) out[p * 2 + k] = a.data()[p * 3 + k];
		return out;
	}

	/** outputs == logits and outputsFromLayer == logitsFromLayer to the bit, channel names == class names. */
	static void sameBothWays(RawOutputClassifier m, FloatTensor x, String layer, FloatTensor a) {
		assertArrayEquals(m.logits(x).data(), m.outputs(x).data(), 0f);
		assertArrayEquals(m.logitsFromLayer(layer, a).data(), m.outputsFromLayer(layer, a).data(), 0f);
		assertEquals(m.classNames(), m.channelNames());
	}

	@Test
	void tensorFlowOutputsAreTheRegionSumsAndKeepItsGuidedBackward() {
		try (TensorFlowClassifier m = TensorFlowClassifier.load(BundledModels.dir("known-answer"))) {
			FloatTensor x = uniform(7, 2, 32, 32, 1);
			assertArrayEquals(regionSums(x), m.outputs(x).data(), 1e-4f);
			LayerInfo last = m.layers().stream().filter(LayerInfo::isSpatial).reduce((p, q) -> q).orElseThrow();
			// identity convolutions with ReLU pass non-negative pixels unchanged: h(a) is the region sums of a
			FloatTensor a = uniform(8, 2, 32, 32, 1);
			assertArrayEquals(regionSums(a), m.outputsFromLayer(last.name(), a).data(), 1e-4f, last.name());
			sameBothWays(m, x, last.name(), a);
			assertEquals(List.of("region A", "region B"), m.channelNames());
			assertFalse(m.isDense());
			assertTrue(m.supportsGradients());
			assertTrue(m.supportsReluBackward(), "TensorFlow builds its own backward pass");
			assertNull(m.pixelSize());
		}
	}

	@Test
	void torchScriptOutputsAreTheBoxMeansAndTheMixOfTheBoxLayer() {
		try (TorchScriptClassifier m = TorchScriptClassifier.load(DenseEnginesTest.dir("torchscript").resolve("box-segmentation.pt"), LoadOptions.defaults())) {
			FloatTensor x = DenseEnginesTest.image(11);
			assertArrayEquals(DenseEnginesTest.boxMeans(x), m.outputs(x).data(), 1e-5f);
			List<String> layers = m.layers().stream().map(LayerInfo::name).toList();
			assertTrue(layers.contains("box"), layers.toString());
			FloatTensor a = uniform(12, 1, DenseEnginesTest.SIZE, DenseEnginesTest.SIZE, 3);
			assertArrayEquals(firstTwoChannels(a), m.outputsFromLayer("box", a).data(), 1e-6f);
			sameBothWays(m, x, "box", a);
			assertEquals(List.of("red", "green"), m.channelNames());
			assertTrue(m.isDense());
			assertTrue(m.supportsGradients());
			assertFalse(m.supportsReluBackward());
			FloatTensor w = FloatTensor.zeros(1, DenseEnginesTest.SIZE, DenseEnginesTest.SIZE, 2);
			UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
				() -> m.inputGradient(x, w, ReluBackward.GUIDED));
			assertTrue(e.getMessage().contains("does for TensorFlow models only"), e.getMessage());
		}
	}

	@Test
	void onnxOutputsAreTheBoxMeansAndItStillRefusesGradients() {
		try (OnnxClassifier m = OnnxClassifier.load(DenseEnginesTest.dir("onnx").resolve("box-segmentation.onnx"), LoadOptions.defaults())) {
			FloatTensor x = DenseEnginesTest.image(13);
			assertArrayEquals(DenseEnginesTest.boxMeans(x), m.outputs(x).data(), 1e-5f);
			assertArrayEquals(m.logits(x).data(), m.outputs(x).data(), 0f);
			assertEquals(List.of("red", "green"), m.channelNames());
			assertFalse(m.supportsGradients(), "the ONNX engine's own answer wins over the interfaces' default");
			assertFalse(m.supportsReluBackward());
		}
	}

	@Test
	void aBioImagePackagesOutputsAreTheBoxMeansInImageSpace() {
		try (BioImageModel m = BioImageModel.open(DenseEnginesTest.dir("package"), LoadOptions.defaults())) {
			FloatTensor x = DenseEnginesTest.image(15);
			assertArrayEquals(DenseEnginesTest.boxMeans(x), m.outputs(x).data(), 1e-5f);
			FloatTensor a = uniform(16, 1, DenseEnginesTest.SIZE, DenseEnginesTest.SIZE, 3);
			assertArrayEquals(firstTwoChannels(a), m.outputsFromLayer("box", a).data(), 1e-6f);
			sameBothWays(m, x, "box", a);
			assertEquals(List.of("red", "green"), m.channelNames());
			assertTrue(m.isDense());
			assertFalse(m.supportsReluBackward());
		}
	}
}
