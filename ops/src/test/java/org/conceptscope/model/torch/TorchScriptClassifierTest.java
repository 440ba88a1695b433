package org.conceptscope.model.torch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import org.conceptscope.model.BundledModels;
import org.conceptscope.model.EngineClassifier.Description;
import org.conceptscope.model.EngineClassifier.Input;
import org.conceptscope.model.LayerInfo;
import org.conceptscope.model.LoadOptions;
import org.conceptscope.tensor.FloatTensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The ResNet-style TorchScript fixture (test-images/models/ihc-resnet-torchscript, traced by its
 * make_fixtures.py) through DJL's PyTorch engine: layer splits through its submodules, and
 * gradients checked against finite differences of the model's own forward passes.
 */
public class TorchScriptClassifierTest {

	static final List<String> CLASSES = List.of("background", "hematoxylin", "DAB-positive");
	static TorchScriptClassifier model;

	static Path weights() {
		return BundledModels.dir("ihc-resnet-torchscript").resolve("weights.pt");
	}

	@BeforeAll
	static void load() {
		model = TorchScriptClassifier.load(weights(), new Description(null, new Input(32, 32, 3, true), CLASSES, null, null), LoadOptions.defaults());
	}

	@AfterAll
	static void close() {
		model.close();
	}

	/** Gaussian noise images [n, 32, 32, 3], seeded. */
	public static FloatTensor images(int n, long seed) {
		Random r = new Random(seed);
		FloatTensor t = FloatTensor.zeros(n, 32, 32, 3);
		for (int i = 0; i < t.size(); i++) t.data()[i] = (float) r.nextGaussian();
		return t;
	}

	@Test
	void layersAreTheTopLevelSubmodulesThatCutTheModel() {
		List<String> names = model.layers().stream().map(LayerInfo::name).toList();
		assertEquals(List.of("conv1", "bn1", "relu", "layer1", "layer2", "layer3", "avgpool"), names);
		// [N, C, H, W] inside the model, [N, H, W, C] outside
		assertArrayEquals(new long[] { -1, 32, 32, 16 }, model.layers().get(0).shape());
		assertArrayEquals(new long[] { -1, 8, 8, 32 }, model.layers().get(5).shape());
		assertArrayEquals(new long[] { -1, 1, 1, 32 }, model.layers().get(6).shape());
		assertEquals("Sequential", model.layers().get(5).opType());
	}

	@Test
	void hOfGIsTheForwardPass() {
		FloatTensor x = images(3, 1);
		FloatTensor logits = model.logits(x);
		for (LayerInfo l : model.layers()) {
			FloatTensor a = model.activations(x, l.name());
			FloatTensor again = model.logitsFromLayer(l.name(), a);
			for (int i = 0; i < logits.size(); i++) {
				assertEquals(logits.data()[i], again.data()[i], 1e-4 * (1 + Math.abs(logits.data()[i])), l.name());
			}
		}
	}

	@Test
	void inputGradientMatchesFiniteDifferences() {
		FloatTensor x = images(2, 2);
		FloatTensor w = new FloatTensor(new long[] { 2, 3 }, new float[] { 1, 0, 0, 0, -0.5f, 2 });
		FloatTensor g = model.inputGradient(x, w);
		assertArrayEquals(x.shape(), g.shape());
		Random r = new Random(3);
		for (int k = 0; k < 12; k++) {
			int i = r.nextInt(x.size());
			double fd = weighted(model.logits(nudge(x, i, 1e-2f)), w) - weighted(model.logits(nudge(x, i, -1e-2f)), w);
			fd /= 2e-2;
			assertEquals(fd, g.data()[i], 2e-3 + 0.02 * Math.abs(fd), "pixel " + i);
		}
	}

	@Test
	void layerGradientMatchesFiniteDifferencesOfH() {
		FloatTensor x = images(2, 4);
		FloatTensor w = new FloatTensor(new long[] { 2, 3 }, new float[] { 0, 1, 0, 1, 0, -1 });
		String layer = "layer2";
		FloatTensor a = model.activations(x, layer);
		FloatTensor g = model.layerGradient(x, layer, w);
		assertArrayEquals(a.shape(), g.shape());
		FloatTensor g2 = model.gradientFromLayer(layer, a, w);
		for (int i = 0; i < g.size(); i++) assertEquals(g.data()[i], g2.data()[i], 1e-5);
		Random r = new Random(5);
		for (int k = 0; k < 12; k++) {
			int i = r.nextInt(a.size());
			double fd = weighted(model.logitsFromLayer(layer, nudge(a, i, 1e-2f)), w) - weighted(model.logitsFromLayer(layer, nudge(a, i, -1e-2f)), w);
			fd /= 2e-2;
			assertEquals(fd, g.data()[i], 2e-3 + 0.02 * Math.abs(fd), "activation " + i);
		}
	}

	@Test
	void badCallsAreRefusedWithASentence() {
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> model.logits(FloatTensor.zeros(1, 32, 32, 1)));
		assertTrue(e.getMessage().contains("channels 3"), e.getMessage());
		e = assertThrows(IllegalArgumentException.class, () -> model.activations(images(1, 1), "layer9"));
		assertTrue(e.getMessage().contains("layer1, layer2, layer3"), e.getMessage());
		e = assertThrows(IllegalArgumentException.class, () -> model.logitsFromLayer("layer3", FloatTensor.zeros(1, 8, 8, 16)));
		assertTrue(e.getMessage().contains("[-1, 8, 8, 32]"), e.getMessage());
	}

	@Test
	void aClosedModelSaysSo() {
		TorchScriptClassifier m = TorchScriptClassifier.load(weights(), new Description(null, new Input(32, 32, 3, true), CLASSES, null, null), LoadOptions.defaults());
		m.close();
		IllegalStateException e = assertThrows(IllegalStateException.class, () -> m.logits(images(1, 1)));
		assertTrue(e.getMessage().contains("closed"), e.getMessage());
	}

	static FloatTensor nudge(FloatTensor t, int i, float d) {
		FloatTensor c = t.copy();
		c.data()[i] += d;
		return c;
	}

	static double weighted(FloatTensor logits, FloatTensor w) {
		double s = 0;
		for (int i = 0; i < logits.size(); i++) s += (double) logits.data()[i] * w.data()[i];
		return s;
	}
}
