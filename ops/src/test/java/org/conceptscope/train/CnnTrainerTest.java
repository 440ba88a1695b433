package org.conceptscope.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CancellationException;

import org.conceptscope.model.ModelConfig;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Java trainer learns, exports a SavedModel the runtime loads, is seeded, and can be cancelled. */
class CnnTrainerTest {

	static final CnnArchitecture ARCH = new CnnArchitecture(8, 8, 1, new int[] { 4 }, 3, true,
		CnnArchitecture.Head.GLOBAL_AVERAGE, 2);

	/** Class 1 images have a bright 3x3 spot somewhere; class 0 images are noise only. */
	static FloatTensor spots(int n, int[] labels, long seed) {
		Random r = new Random(seed);
		FloatTensor t = FloatTensor.zeros(n, 8, 8, 1);
		for (int i = 0; i < n; i++) {
			labels[i] = i % 2;
			for (int p = 0; p < 64; p++) t.data()[i * 64 + p] = 0.2f * r.nextFloat();
			if (labels[i] == 1) {
				int y0 = r.nextInt(6), x0 = r.nextInt(6);
				for (int y = y0; y < y0 + 3; y++) for (int x = x0; x < x0 + 3; x++) t.set(1f, i, y, x, 0);
			}
		}
		return t;
	}

	@Test
	void learnsExportsAndReloads(@TempDir Path tmp) throws Exception {
		int[] trainY = new int[200], testY = new int[100];
		FloatTensor train = spots(200, trainY, 1), test = spots(100, testY, 2);
		Map<String, FloatTensor> w = CnnTrainer.train(ARCH, train, trainY, new TrainingOptions(300, 32, 0.01, 3), Progress.NONE);
		ModelConfig config = new ModelConfig();
		config.classes = java.util.List.of("noise", "spot");
		Path dir = tmp.resolve("spots");
		SavedModelExport.export(ARCH, w, config, dir);
		assertTrue(Files.isRegularFile(dir.resolve("saved_model.pb")));
		try (java.util.stream.Stream<Path> s = Files.list(tmp)) {
			assertEquals(1, s.count(), "only the finished model folder is left, no temporary folder");
		}
		try (TensorFlowClassifier m = TensorFlowClassifier.load(dir)) {
			assertEquals(java.util.List.of("noise", "spot"), m.classNames());
			assertTrue(CnnTrainer.accuracy(m.logits(test), testY) >= 0.95, "held-out accuracy on a trivially separable task");
		}
	}

	/**
	 * Same seed, same weights bit for bit, on a network deep enough that a layer's gradient reads
	 * the next layer's kernel: updates must not run before every gradient has been computed.
	 */
	@Test
	void trainingIsReproducibleBitForBit() {
		CnnArchitecture deep = new CnnArchitecture(8, 8, 1, new int[] { 8, 8, 8 }, 3, false, CnnArchitecture.Head.GLOBAL_AVERAGE, 2);
		int[] labels = new int[64];
		FloatTensor x = spots(64, labels, 5);
		TrainingOptions opt = new TrainingOptions(60, 32, 0.01, 9);
		Map<String, FloatTensor> a = CnnTrainer.train(deep, x, labels, opt, Progress.NONE);
		Map<String, FloatTensor> b = CnnTrainer.train(deep, x, labels, opt, Progress.NONE);
		for (String k : a.keySet()) assertArrayEquals(a.get(k).data(), b.get(k).data(), k);
	}

	@Test
	void initialWeightsDependOnlyOnTheSeed() {
		Map<String, FloatTensor> a = CnnTrainer.initialWeights(ARCH, 42), b = CnnTrainer.initialWeights(ARCH, 42),
			c = CnnTrainer.initialWeights(ARCH, 43);
		for (String k : a.keySet()) assertArrayEquals(a.get(k).data(), b.get(k).data());
		assertFalse(java.util.Arrays.equals(a.get("conv1/kernel").data(), c.get("conv1/kernel").data()));
	}

	@Test
	void progressCanCancelTraining() {
		int[] y = new int[20];
		FloatTensor x = spots(20, y, 4);
		assertThrows(CancellationException.class,
			() -> CnnTrainer.train(ARCH, x, y, new TrainingOptions(500, 8, 0.01, 5), (done, total, msg) -> done < 100));
	}

	@Test
	void mismatchedDataIsRefused() {
		int[] y = new int[3];
		var e = assertThrows(IllegalArgumentException.class,
			() -> CnnTrainer.train(ARCH, FloatTensor.zeros(3, 16, 16, 1), y, new TrainingOptions(1, 1, 0.1, 1), Progress.NONE));
		assertTrue(e.getMessage().contains("do not fit"), e.getMessage());
	}
}
