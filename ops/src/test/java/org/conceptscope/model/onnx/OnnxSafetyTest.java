package org.conceptscope.model.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import org.conceptscope.model.BundledModels;
import org.conceptscope.model.LoadOptions;
import org.conceptscope.model.UnsafeModelException;
import org.conceptscope.tensor.FloatTensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * ONNX models that reach beyond ONNX's own operators or beyond their folder
 * (test-images/models/hostile-onnx, written by its make_fixtures.py with python3-onnx) are refused
 * before ONNX Runtime reads them; a model that defines its own function loads and computes.
 */
class OnnxSafetyTest {

	static Path file(String name) {
		return BundledModels.dir("hostile-onnx").resolve(name);
	}

	@ParameterizedTest
	@CsvSource({ "custom-op.onnx, conceptscope.evil::Run, evil", "custom-op-in-if.onnx, conceptscope.evil::Run, hidden",
		"external-escape.onnx, external data, scale", "external-absolute.onnx, external data, scale" })
	void refusedBeforeOnnxRuntimeReadsThem(String name, String what, String node) {
		UnsafeModelException e = assertThrows(UnsafeModelException.class, () -> OnnxClassifier.load(file(name), LoadOptions.defaults()));
		assertEquals(what, e.opType(), e.getMessage());
		assertEquals(node, e.node(), e.getMessage());
		assertTrue(e.getMessage().contains(name) && e.getMessage().contains("trust"), e.getMessage());
	}

	@Test
	void aFunctionTheModelDefinesItselfLoads() {
		try (OnnxClassifier m = OnnxClassifier.load(file("local-function.onnx"), LoadOptions.defaults())) {
			FloatTensor x = FloatTensor.zeros(1, 4, 4, 3);
			for (int i = 0; i < x.size(); i++) x.data()[i] = i % 3 + 1; // channel c holds c + 1
			FloatTensor logits = m.logits(x);
			// Double, average, then [[1, 0], [0, 1], [1, 1]]: channels 2, 4, 6 give 2 + 6 and 4 + 6
			assertEquals(8, logits.data()[0], 1e-5);
			assertEquals(10, logits.data()[1], 1e-5);
		}
	}
}
