package org.conceptscope.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.conceptscope.tensor.FloatTensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Batch sizes chosen from a memory budget, overridable, and results independent of them. */
class BatchSizeTest {

	TensorFlowClassifier model;

	@BeforeEach
	void load() {
		model = TensorFlowClassifier.load(BundledModels.dir("ihc-stain"));
	}

	@AfterEach
	void close() {
		model.close();
	}

	@Test
	void estimateCountsInputAndLayers() {
		long[] bytes = model.estimatedBytesPerImage();
		long input = 32 * 32 * 3;
		// the largest layer of the IHC model: conv1 at 32 x 32 x 16
		long largest = model.layers().stream().mapToLong(l -> {
			long[] s = l.shape();
			long n = 1;
			for (int i = 1; i < s.length; i++) n *= s[i];
			return n;
		}).max().orElseThrow();
		assertEquals(32 * 32 * 16, largest);
		assertEquals(4 * (input + 2 * largest), bytes[0], "forward: input and two layers alive at once");
		assertTrue(bytes[1] > 4 * (2 * input + 3 * largest), "a gradient keeps every layer: " + bytes[1]);
	}

	@Test
	void batchFollowsTheBudget() {
		long[] bytes = model.estimatedBytesPerImage();
		model.setMemoryBudget(10 * bytes[1]);
		assertEquals(10, model.gradientBatchSize());
		assertEquals((int) (10 * bytes[1] / bytes[0]), model.preferredBatchSize());
		model.setMemoryBudget(1);
		assertEquals(1, model.preferredBatchSize(), "never below one image");
		assertEquals(1, model.gradientBatchSize());
		model.setMemoryBudget(Long.MAX_VALUE);
		assertEquals(TensorFlowClassifier.MAX_AUTOMATIC_BATCH, model.preferredBatchSize(), "capped");
		model.setMemoryBudget(TensorFlowClassifier.DEFAULT_MEMORY_BUDGET);
		int automatic = model.preferredBatchSize();
		assertTrue(automatic >= 1 && automatic <= TensorFlowClassifier.MAX_AUTOMATIC_BATCH);
	}

	@Test
	void fixedBatchOverridesAndBudgetRestoresAutomatic() {
		int automatic = model.gradientBatchSize();
		model.setMaxBatch(3);
		assertEquals(3, model.preferredBatchSize());
		assertEquals(3, model.gradientBatchSize());
		model.setMemoryBudget(model.memoryBudget());
		assertEquals(automatic, model.gradientBatchSize());
		assertThrows(IllegalArgumentException.class, () -> model.setMaxBatch(0));
		assertThrows(IllegalArgumentException.class, () -> model.setMemoryBudget(0));
	}

	@Test
	void parsesMemorySizes() {
		assertEquals(536870912L, TensorFlowClassifier.parseBytes("536870912"));
		assertEquals(512L << 20, TensorFlowClassifier.parseBytes("512m"));
		assertEquals(2L << 30, TensorFlowClassifier.parseBytes(" 2G "));
		assertEquals(900L << 10, TensorFlowClassifier.parseBytes("900k"));
		assertThrows(IllegalArgumentException.class, () -> TensorFlowClassifier.parseBytes("lots"));
		assertThrows(IllegalArgumentException.class, () -> TensorFlowClassifier.parseBytes("-5m"));
	}

	@Test
	void resultsDoNotDependOnTheBatchSize() {
		FloatTensor x = TensorFlowClassifierTest.randomImages(37, 5);
		FloatTensor w = FloatTensor.oneHot(new int[37], model.numClasses());
		model.setMaxBatch(64);
		FloatTensor logits = model.logits(x), grad = model.inputGradient(x, w), acts = model.activations(x, "conv2/relu");
		FloatTensor fromLayer = model.logitsFromLayer("conv2/relu", acts);
		long[] bytes = model.estimatedBytesPerImage();
		model.setMemoryBudget(5 * bytes[1]); // gradient batches of 5, forward batches larger: 37 splits unevenly
		assertEquals(5, model.gradientBatchSize());
		assertClose(logits, model.logits(x));
		assertClose(grad, model.inputGradient(x, w));
		assertClose(acts, model.activations(x, "conv2/relu"));
		assertClose(fromLayer, model.logitsFromLayer("conv2/relu", acts));
		model.setMaxBatch(1);
		assertClose(grad, model.inputGradient(x, w));
	}

	private static void assertClose(FloatTensor want, FloatTensor got) {
		assertArrayEquals(want.shape(), got.shape());
		for (int i = 0; i < want.size(); i++) assertEquals(want.data()[i], got.data()[i], 1e-5 * Math.max(1, Math.abs(want.data()[i])));
	}
}
