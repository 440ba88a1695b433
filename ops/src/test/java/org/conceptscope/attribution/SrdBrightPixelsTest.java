package org.conceptscope.attribution;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.Map;
import java.util.Random;

import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.registry.Registry;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SRD as a user picks it (method key {@code srd}) on a fully convolutional model whose logits are a global mean
 * ({@link BrightPixelsModel}: 1x1 conv (1, -1) + bias (-0.5, 0.5), ReLU, mean). Each pixel is the only input of its
 * feature vector, so SRD gives it its own term of the class's mean, bias included: relu(x - 0.5) / n for "bright" and
 * relu(0.5 - x) / n for "dark". Both classes, not only the first, have their map, and each sums to its logit.
 */
class SrdBrightPixelsTest {

	@Test
	void bothClassesOfAGlobalMeanHeadGetTheirOwnTerms(@TempDir Path tmp) throws Exception {
		int size = 8, n = size * size;
		Random r = new Random(3);
		float[] x = new float[2 * n];
		for (int i = 0; i < x.length; i++) x[i] = 0.02f + 0.96f * r.nextFloat();
		FloatTensor images = new FloatTensor(new long[] { 2, size, size, 1 }, x);
		int[] targets = { 0, 1 };
		try (TensorFlowClassifier m = TensorFlowClassifier.load(BrightPixelsModel.export(tmp.resolve("bright"), size))) {
			Attribution a = Registry.attribution("srd", Map.of()).explain(m, images, targets, Progress.NONE);
			for (int i = 0; i < 2; i++) {
				double sum = 0;
				for (int p = 0; p < n; p++) {
					double v = x[i * n + p], want = (targets[i] == 0 ? Math.max(0, v - 0.5) : Math.max(0, 0.5 - v)) / n;
					assertEquals(want, a.maps().data()[i * n + p], 1e-6, "image " + i + ", class " + targets[i] + ", pixel " + p);
					sum += a.maps().data()[i * n + p];
				}
				assertEquals(m.logits(images.slice(i)).get(0, targets[i]), sum, 1e-5, "the map sums to the logit");
			}
		}
	}
}
