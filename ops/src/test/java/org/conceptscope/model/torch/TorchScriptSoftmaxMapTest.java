package org.conceptscope.model.torch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.conceptscope.model.BundledModels;
import org.conceptscope.model.Classifier;
import org.conceptscope.model.Classifiers;
import org.conceptscope.model.DenseModel;
import org.conceptscope.model.LoadOptions;
import org.conceptscope.model.ModelConfig;
import org.conceptscope.model.OperatorClassifier;
import org.conceptscope.model.TargetOperator;
import org.conceptscope.tensor.FloatTensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A TorchScript segmentation model whose forward ends in a softmax over its channels gives
 * probabilities, as a TensorFlow segmentation model with a softmax output does: the box-segmentation
 * fixture (output channel k = 3x3 box mean of input channel k, bcyx) with its forward's return
 * wrapped in {@code torch.softmax(..., dim)} by the project's own archive writer. The map is then
 * the softmax over channels of the box means (computed here from that definition), and a zone's
 * probabilities are the map's means over the zone, not a softmax of those means. A softmax over
 * another axis (x) is not a softmax over the channels, and a model without one stays as it was.
 */
class TorchScriptSoftmaxMapTest {

	static final int SIZE = 32;
	static final String FORWARD_RETURN = "return (mix).forward((box).forward(x, ), )";

	@TempDir
	Path dir;

	/** The fixture with its forward's return wrapped in torch.softmax(..., dim), and its model card. */
	private Path withSoftmax(String dim) throws IOException {
		Path fixture = BundledModels.dir("box-segmentation").resolve("torchscript");
		TorchScriptArchive archive = TorchScriptArchive.read(fixture.resolve("box-segmentation.pt"), LoadOptions.defaults().maxUnpackedBytes());
		String code = archive.code().get("code/__torch__.py");
		assertTrue(code.contains(FORWARD_RETURN), code);
		String wrapped = code.replace(FORWARD_RETURN, "return torch.softmax((mix).forward((box).forward(x, ), ), " + dim + ")");
		Path folder = Files.createDirectories(dir.resolve("softmax" + dim));
		archive.writeWith(folder.resolve("box-segmentation.pt"), Map.of("code/__torch__.py", wrapped));
		Files.copy(fixture.resolve(ModelConfig.FILE_NAME), folder.resolve(ModelConfig.FILE_NAME));
		return folder;
	}

	static FloatTensor image(long seed) {
		java.util.Random r = new java.util.Random(seed);
		FloatTensor t = FloatTensor.zeros(1, SIZE, SIZE, 3);
		for (int i = 0; i < t.size(); i++) t.data()[i] = 4 * r.nextFloat(); // box means far apart enough that the softmax is not flat
		return t;
	}

	/** Softmax over the two channels of the 3x3 box means of input channels 0 and 1, zero padding, [H, W, 2]. */
	static float[] softmaxOfBoxMeans(FloatTensor x) {
		float[] out = new float[SIZE * SIZE * 2];
		for (int y = 0; y < SIZE; y++) for (int xx = 0; xx < SIZE; xx++) {
			double[] m = new double[2];
			for (int k = 0; k < 2; k++) {
				for (int dy = -1; dy <= 1; dy++) for (int dx = -1; dx <= 1; dx++) {
					int yy = y + dy, xs = xx + dx;
					if (yy >= 0 && yy < SIZE && xs >= 0 && xs < SIZE) m[k] += x.get(0, yy, xs, k) / 9.0;
				}
			}
			double e0 = Math.exp(m[0]), e1 = Math.exp(m[1]);
			out[(y * SIZE + xx) * 2] = (float) (e0 / (e0 + e1));
			out[(y * SIZE + xx) * 2 + 1] = (float) (e1 / (e0 + e1));
		}
		return out;
	}

	@Test
	void aSoftmaxOverTheChannelsMakesTheMapProbabilities() throws IOException {
		try (Classifier opened = Classifiers.open(withSoftmax("1"))) {
			DenseModel d = Classifiers.dense(opened);
			assertInstanceOf(TorchScriptClassifier.class, d);
			assertTrue(d.isDense());
			assertTrue(d.mapHoldsProbabilities(), "forward ends in torch.softmax(z, 1) over the channels of [N, C, H, W]");
			FloatTensor x = image(7);
			FloatTensor out = d.outputs(x);
			assertArrayEquals(softmaxOfBoxMeans(x), out.data(), 1e-5f);
			assertArrayEquals(out.data(), ((Classifier) d).probabilities(x).data(), "the map's probabilities are the map, not a softmax of it");
			// a zone's probabilities are the softmax map's means over the zone (they sum to 1 by themselves)
			int zx = 6, zy = 12, zw = 10, zh = 8;
			float[] zone = new float[SIZE * SIZE];
			for (int y = zy; y < zy + zh; y++) for (int xx = zx; xx < zx + zw; xx++) zone[y * SIZE + xx] = 1;
			OperatorClassifier view = OperatorClassifier.of(d, TargetOperator.segmentation(zone, SIZE, SIZE));
			FloatTensor p = view.probabilities(x);
			for (int k = 0; k < 2; k++) {
				double mean = 0;
				for (int y = zy; y < zy + zh; y++) for (int xx = zx; xx < zx + zw; xx++) mean += out.get(0, y, xx, k) / (zw * zh);
				assertEquals(mean, p.get(0, k), 1e-5, "channel " + k);
			}
		}
	}

	@Test
	void aSoftmaxOverAnotherAxisOrNoneLeavesTheMapAsScores() throws IOException {
		try (Classifier opened = Classifiers.open(withSoftmax("-1"))) {
			DenseModel d = Classifiers.dense(opened);
			assertTrue(d.isDense());
			assertFalse(d.mapHoldsProbabilities(), "torch.softmax(z, -1) of [N, C, H, W] runs over x, not over the channels");
		}
		try (Classifier opened = Classifiers.open(BundledModels.dir("box-segmentation").resolve("torchscript"))) {
			DenseModel d = Classifiers.dense(opened);
			assertFalse(d.mapHoldsProbabilities(), "box means are no probabilities");
			// their probabilities: at each pixel, the softmax over its channels (not over an image axis)
			FloatTensor x = image(8);
			assertArrayEquals(softmaxOfBoxMeans(x), ((Classifier) d).probabilities(x).data(), 1e-5f);
		}
	}
}
