package org.conceptscope.heads;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.conceptscope.model.ModelConfig;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.train.CnnArchitecture;
import org.conceptscope.train.SavedModelExport;

/**
 * A backbone whose feature channels are known by construction: 8x8 images with 3 channels, an
 * identity 3x3 convolution with ReLU ("conv1/relu" = the image), global average pooling and an
 * identity dense layer. Class k images carry a bright blob in channel k only; the other channels
 * hold faint noise. Feature channel k is exactly the evidence for class k.
 */
final class KnownBackbone {

	static final int SIZE = 8, C = 3;

	private KnownBackbone() {}

	static TensorFlowClassifier build(Path dir) throws Exception {
		CnnArchitecture arch = new CnnArchitecture(SIZE, SIZE, C, new int[] { C }, 3, false, CnnArchitecture.Head.GLOBAL_AVERAGE, C);
		Map<String, FloatTensor> w = new LinkedHashMap<>();
		FloatTensor kernel = FloatTensor.zeros(3, 3, C, C);
		for (int c = 0; c < C; c++) kernel.set(1f, 1, 1, c, c);
		w.put("conv1/kernel", kernel);
		w.put("conv1/bias", FloatTensor.zeros(C));
		FloatTensor dense = FloatTensor.zeros(C, C);
		for (int c = 0; c < C; c++) dense.set(10f, c, c);
		w.put("dense/kernel", dense);
		w.put("dense/bias", FloatTensor.zeros(C));
		ModelConfig config = new ModelConfig();
		config.classes = List.of("blob in 0", "blob in 1", "blob in 2");
		SavedModelExport.export(arch, w, config, dir);
		return TensorFlowClassifier.load(dir);
	}

	/** n images, labels written into {@code labels}. */
	static FloatTensor images(int n, int[] labels, long seed) {
		Random r = new Random(seed);
		FloatTensor t = FloatTensor.zeros(n, SIZE, SIZE, C);
		for (int i = 0; i < n; i++) {
			int k = i % C;
			labels[i] = k;
			double cy = r.nextDouble() * SIZE, cx = r.nextDouble() * SIZE;
			for (int y = 0; y < SIZE; y++) for (int x = 0; x < SIZE; x++) {
				for (int c = 0; c < C; c++) t.set(0.1f * r.nextFloat(), i, y, x, c);
				double d2 = (y - cy) * (y - cy) + (x - cx) * (x - cx);
				t.set(t.get(i, y, x, k) + (float) Math.exp(-d2 / 4), i, y, x, k);
			}
		}
		return t;
	}
}
