package org.conceptscope.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Random;

import org.conceptscope.tensor.FloatTensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Reading the weights of a loaded model and making a copy with other weights, leaving the model as it was. */
class ModelVariablesTest {

	static TensorFlowClassifier model;

	@BeforeAll
	static void load() {
		model = TensorFlowClassifier.load(BundledModels.dir("ihc-stain"));
	}

	@AfterAll
	static void close() {
		model.close();
	}

	static FloatTensor images(long seed) {
		Random r = new Random(seed);
		FloatTensor t = FloatTensor.zeros(4, 32, 32, 3);
		for (int i = 0; i < t.size(); i++) t.data()[i] = r.nextFloat();
		return t;
	}

	@Test
	void listsTheWeightsTopLayerFirst() {
		List<String> v = model.variables();
		assertEquals(8, v.size(), v.toString());
		assertEquals(List.of("dense/bias", "dense/kernel"), v.subList(0, 2).stream().sorted().toList(), v.toString());
		assertEquals(List.of("conv1/bias", "conv1/kernel"), v.subList(6, 8).stream().sorted().toList(), v.toString());
		assertArrayEquals(new long[] { 3 }, model.variable("dense/bias").shape());
		assertArrayEquals(new long[] { 3, 3, 3, 16 }, model.variable("conv1/kernel").shape());
	}

	/** logits = features . W + b: zeroing b in a copy shifts the copy's logits by exactly -b and nothing else. */
	@Test
	void copyWithNewValuesChangesOnlyTheCopy() {
		FloatTensor x = images(1);
		FloatTensor before = model.logits(x);
		float[] bias = model.variable("dense/bias").data();
		try (TensorFlowClassifier copy = model.withVariables(Map.of("dense/bias", FloatTensor.zeros(3)))) {
			assertArrayEquals(new float[3], copy.variable("dense/bias").data());
			FloatTensor shifted = copy.logits(x);
			for (int i = 0; i < 4; i++) {
				for (int k = 0; k < 3; k++) assertEquals(before.get(i, k) - bias[k], shifted.get(i, k), 1e-4);
			}
		}
		assertArrayEquals(bias, model.variable("dense/bias").data(), "the original keeps its weights");
		assertArrayEquals(before.data(), model.logits(x).data(), "the original still computes the same logits after the copy closed");
	}

	@Test
	void badNamesAndShapesAreRefused() {
		var unknown = assertThrows(IllegalArgumentException.class, () -> model.withVariables(Map.of("dense/weights", FloatTensor.zeros(3))));
		assertTrue(unknown.getMessage().contains("Unknown variable 'dense/weights'") && unknown.getMessage().contains("conv1/kernel"),
			unknown.getMessage());
		var shape = assertThrows(IllegalArgumentException.class, () -> model.withVariables(Map.of("dense/bias", FloatTensor.zeros(4))));
		assertTrue(shape.getMessage().contains("[3]") && shape.getMessage().contains("[4]"), shape.getMessage());
		FloatTensor nan = FloatTensor.zeros(3);
		nan.data()[1] = Float.NaN;
		assertThrows(IllegalArgumentException.class, () -> model.withVariables(Map.of("dense/bias", nan)));
	}
}
