package org.conceptscope.model.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import org.conceptscope.model.BundledModels;
import org.conceptscope.model.EngineClassifier.Description;
import org.conceptscope.model.EngineClassifier.Input;
import org.conceptscope.model.LayerInfo;
import org.conceptscope.model.LoadOptions;
import org.conceptscope.model.torch.TorchScriptClassifier;
import org.conceptscope.model.torch.TorchScriptClassifierTest;
import org.conceptscope.tensor.FloatTensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The ONNX export of the ResNet-style fixture (test-images/models/ihc-resnet-onnx, exported by
 * ihc-resnet-torchscript/make_fixtures.py) on ONNX Runtime: the same function as its TorchScript
 * twin, layer splits through cut graphs, gradients refused.
 */
class OnnxClassifierTest {

	static OnnxClassifier onnx;
	static TorchScriptClassifier torch;

	@BeforeAll
	static void load() {
		onnx = OnnxClassifier.load(BundledModels.dir("ihc-resnet-onnx").resolve("weights.onnx"), LoadOptions.defaults());
		torch = TorchScriptClassifier.load(BundledModels.dir("ihc-resnet-torchscript").resolve("weights.pt"),
			new Description(null, new Input(32, 32, 3, true), null, null, null), LoadOptions.defaults());
	}

	@AfterAll
	static void close() {
		onnx.close();
		torch.close();
	}

	@Test
	void theInputIsReadFromTheGraph() {
		assertEquals(new Input(32, 32, 3, true), onnx.input());
		assertEquals(3, onnx.numClasses());
	}

	@Test
	void onnxAndTorchScriptComputeTheSameFunction() {
		FloatTensor x = TorchScriptClassifierTest.images(5, 7);
		FloatTensor a = onnx.logits(x), b = torch.logits(x);
		for (int i = 0; i < a.size(); i++) assertEquals(b.data()[i], a.data()[i], 1e-4 * (1 + Math.abs(b.data()[i])));
	}

	@Test
	void layersCutTheGraphAndHOfGIsTheModel() {
		List<String> names = onnx.layers().stream().map(LayerInfo::name).toList();
		assertTrue(names.contains("/layer3/layer3.0/relu_1/Relu"), names.toString());
		assertTrue(!names.contains("/layer3/layer3.0/conv2/Conv"), "inside a residual block the graph does not cut: " + names);
		FloatTensor x = TorchScriptClassifierTest.images(3, 8), logits = onnx.logits(x);
		for (LayerInfo l : onnx.layers()) {
			FloatTensor again = onnx.logitsFromLayer(l.name(), onnx.activations(x, l.name()));
			for (int i = 0; i < logits.size(); i++) assertEquals(logits.data()[i], again.data()[i], 1e-4 * (1 + Math.abs(logits.data()[i])), l.name());
		}
		LayerInfo l3 = onnx.layers().get(names.indexOf("/layer3/layer3.0/relu_1/Relu"));
		assertEquals(List.of(-1L, 8L, 8L, 32L), java.util.Arrays.stream(l3.shape()).boxed().toList());
		// the same activations as the TorchScript twin's layer3 (its layout turned to [N, H, W, C] alike)
		FloatTensor a = onnx.activations(x, l3.name()), b = torch.activations(x, "layer3");
		for (int i = 0; i < a.size(); i++) assertEquals(b.data()[i], a.data()[i], 1e-4 * (1 + Math.abs(b.data()[i])));
	}

	/** Neither bundled model has a card with a name: tables, ROIs and metadata then use the file's name. */
	@Test
	void aModelWithoutANameIsNamedAfterItsFile() {
		assertEquals("weights", onnx.name());
		assertEquals("weights", torch.name());
		org.conceptscope.attribution.Attribution a = new org.conceptscope.attribution.Occlusion(8, 8, 0f)
			.explain(onnx, TorchScriptClassifierTest.images(1, 1), new int[] { 0 }, org.conceptscope.util.Progress.NONE);
		assertEquals("weights", a.metadata().get("model"));
	}

	@Test
	void gradientsAreRefusedNamingMethodsThatWork() {
		FloatTensor x = TorchScriptClassifierTest.images(1, 1);
		UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
			() -> onnx.inputGradient(x, FloatTensor.oneHot(new int[] { 0 }, 3)));
		assertTrue(e.getMessage().contains("Occlusion") && e.getMessage().contains("Saliency"), e.getMessage());
	}

	/**
	 * The refusal's list is exactly the registered attribution methods that run on a forward-only model: each one
	 * it names passes its own check on the ONNX model, and every other method's check refuses it (EVA, SRD, the
	 * gradient methods).
	 */
	@Test
	void theRefusalNamesEveryRegisteredMethodThatRunsOnTheModel() {
		String sentence = assertThrows(UnsupportedOperationException.class, () -> onnx.requireGradients("X")).getMessage();
		String named = sentence.substring(sentence.indexOf(" use ") + 5, sentence.indexOf(", or load "));
		java.util.Set<String> listed = new java.util.TreeSet<>(List.of(named.replace(" or ", ", ").split(", ")));
		java.util.Set<String> runs = new java.util.TreeSet<>();
		for (org.conceptscope.registry.MethodEntry m : org.conceptscope.registry.Registry.of(org.conceptscope.registry.Family.ATTRIBUTION)) {
			if (!m.creatable()) continue;
			try {
				org.conceptscope.registry.Registry.attribution(m.key(), java.util.Map.of()).checkRuns(onnx);
				runs.add(m.label());
			} catch (RuntimeException refused) {
				// needs gradients or a TensorFlow graph
			}
		}
		assertTrue(runs.containsAll(List.of("Occlusion", "LIME", "Kernel SHAP")), runs.toString());
		assertEquals(runs, listed, sentence);
	}
}
