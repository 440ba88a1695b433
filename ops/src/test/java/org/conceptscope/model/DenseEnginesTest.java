package org.conceptscope.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import org.conceptscope.attribution.Occlusion;
import org.conceptscope.attribution.Saliency;
import org.conceptscope.model.bioimage.BioImageModel;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.Test;

/**
 * Dense-output (segmentation) models on the TorchScript and ONNX engines and in a bioimage.io
 * package: test-images/models/box-segmentation, written by its make_fixtures.py with set weights.
 * Known by construction: output channel k (k = 0, 1) is the 3x3 box mean of input channel k (zero
 * padding), so the gradient of channel k averaged over a zone R is, at input pixel q of channel k,
 * #{p in R : |p - q|_inf <= 1} / (9 |R|), and 0 on the other channels; computed here from that
 * definition, not from the model.
 */
class DenseEnginesTest {

	static final int SIZE = 32;
	/** The zone: rows 12..19, columns 6..15. */
	static final int ZX = 6, ZY = 12, ZW = 10, ZH = 8;

	static Path dir(String sub) {
		return BundledModels.dir("box-segmentation").resolve(sub);
	}

	static FloatTensor image(long seed) {
		Random r = new Random(seed);
		FloatTensor t = FloatTensor.zeros(1, SIZE, SIZE, 3);
		for (int i = 0; i < t.size(); i++) t.data()[i] = 0.2f + 0.8f * r.nextFloat();
		return t;
	}

	static float[] zone() {
		float[] m = new float[SIZE * SIZE];
		for (int y = ZY; y < ZY + ZH; y++) for (int x = ZX; x < ZX + ZW; x++) m[y * SIZE + x] = 1;
		return m;
	}

	/** The 3x3 box mean of each channel, zero padding, [1, H, W, 2] from [1, H, W, 3]. */
	static float[] boxMeans(FloatTensor x) {
		float[] out = new float[SIZE * SIZE * 2];
		for (int y = 0; y < SIZE; y++) for (int xx = 0; xx < SIZE; xx++) for (int k = 0; k < 2; k++) {
			double s = 0;
			for (int dy = -1; dy <= 1; dy++) for (int dx = -1; dx <= 1; dx++) {
				int yy = y + dy, xs = xx + dx;
				if (yy >= 0 && yy < SIZE && xs >= 0 && xs < SIZE) s += x.get(0, yy, xs, k);
			}
			out[(y * SIZE + xx) * 2 + k] = (float) (s / 9);
		}
		return out;
	}

	/** The gradient of channel k's mean over the zone, by its definition, [H * W * 3]. */
	static float[] zoneGradient(int k) {
		float[] g = new float[SIZE * SIZE * 3];
		for (int y = 0; y < SIZE; y++) for (int x = 0; x < SIZE; x++) {
			int count = 0;
			for (int py = ZY; py < ZY + ZH; py++) for (int px = ZX; px < ZX + ZW; px++) {
				if (Math.abs(py - y) <= 1 && Math.abs(px - x) <= 1) count++;
			}
			g[(y * SIZE + x) * 3 + k] = count / (9f * ZW * ZH);
		}
		return g;
	}

	static void checkOutputs(Classifier opened) {
		assertInstanceOf(OperatorClassifier.class, opened, "a map output is explained through an operator");
		DenseModel d = Classifiers.dense(opened);
		assertTrue(d.isDense());
		assertArrayEquals(new long[] { -1, SIZE, SIZE, 2 }, d.outputShape(), "[N, C, H, W] of the model shown as [N, H, W, C]");
		assertEquals(List.of("red", "green"), opened.classNames());
		assertEquals("segmentation", ((OperatorClassifier) opened).operator().key());
		FloatTensor x = image(1);
		FloatTensor out = d.outputs(x);
		assertArrayEquals(new long[] { 1, SIZE, SIZE, 2 }, out.shape());
		assertArrayEquals(boxMeans(x), out.data(), 1e-5f);
		// the whole-map operator: channel means
		FloatTensor scores = opened.logits(x);
		float[] box = boxMeans(x);
		for (int k = 0; k < 2; k++) {
			double s = 0;
			for (int p = 0; p < SIZE * SIZE; p++) s += box[p * 2 + k];
			assertEquals(s / (SIZE * SIZE), scores.get(0, k), 1e-5);
		}
	}

	static void checkZoneGradient(Classifier opened) {
		OperatorClassifier zoneView = OperatorClassifier.of(Classifiers.dense(opened), TargetOperator.segmentation(zone(), SIZE, SIZE));
		FloatTensor x = image(2);
		for (int k = 0; k < 2; k++) {
			FloatTensor g = zoneView.inputGradient(x, FloatTensor.oneHot(new int[] { k }, 2));
			assertArrayEquals(zoneGradient(k), g.data(), 1e-6f, "channel " + k);
		}
		// Saliency (max |gradient| over channels) of the red zone is the definition's map
		FloatTensor map = new Saliency().explain(zoneView, x, new int[] { 0 }, Progress.NONE).maps();
		float[] want = zoneGradient(0), got = map.data();
		for (int p = 0; p < SIZE * SIZE; p++) assertEquals(want[p * 3], got[p], 1e-6f);
	}

	@Test
	void torchScriptSegmentationGivesItsMapAndTheZonesExactGradient() {
		try (Classifier opened = Classifiers.open(dir("torchscript"))) {
			checkOutputs(opened);
			checkZoneGradient(opened);
		}
	}

	@Test
	void onnxSegmentationGivesItsMapAndPerturbationsFindTheZoneButGradientsAreRefused() {
		try (Classifier opened = Classifiers.open(dir("onnx"))) {
			checkOutputs(opened);
			OperatorClassifier zoneView = OperatorClassifier.of(Classifiers.dense(opened), TargetOperator.segmentation(zone(), SIZE, SIZE));
			FloatTensor x = image(3);
			UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
				() -> new Saliency().explain(zoneView, x, new int[] { 0 }, Progress.NONE));
			assertTrue(e.getMessage().contains("needs gradients, which the model box segmentation cannot give"), e.getMessage());
			// Occlusion with a 4x4 zero patch, stride 1: a patch changes the red zone's mean only if it touches
			// the zone dilated by 1 in the red channel; the drop is then positive (the pixels are positive)
			int patch = 4;
			FloatTensor map = new Occlusion(patch, 1, 0f).explain(zoneView, x, new int[] { 0 }, Progress.NONE).maps();
			int far = 1 + patch - 1, inside = 0;
			for (int y = 0; y < SIZE; y++) for (int xx = 0; xx < SIZE; xx++) {
				float v = map.get(0, y, xx);
				boolean near = y >= ZY - far && y < ZY + ZH + far && xx >= ZX - far && xx < ZX + ZW + far;
				if (!near) assertEquals(0f, v, 1e-6f, "(" + xx + ", " + y + ") is out of the zone's reach");
				if (y >= ZY && y < ZY + ZH && xx >= ZX && xx < ZX + ZW) {
					assertTrue(v > 0, "(" + xx + ", " + y + ") in the zone");
					inside++;
				}
			}
			assertEquals(ZW * ZH, inside);
		}
	}

	@Test
	void aBioImagePackageWithAMapOutputPassesItsTestAndIsExplainedThroughAnOperator() {
		try (Classifier opened = Classifiers.open(dir("package"))) {
			BioImageModel pkg = assertInstanceOf(BioImageModel.class, Classifiers.dense(opened));
			assertTrue(pkg.testReport().ran() && pkg.testReport().passed(), pkg.testReport().message());
			assertEquals("torchscript", pkg.weightsFormat());
			// the input's channel_names reach the commands through the operator's view (they compare them with the image's labels)
			assertEquals(List.of("red", "green", "blue"), opened.inputChannelNames());
			try (Classifier bare = Classifiers.open(dir("torchscript"))) {
				assertEquals(List.of(), bare.inputChannelNames(), "a bare .pt with its card names none");
			}
			checkOutputs(opened);
			checkZoneGradient(opened);
		}
	}

	@Test
	void aClassifierOfTheOtherEnginesStaysAsItIs() {
		try (Classifier c = Classifiers.open(BundledModels.dir("ihc-resnet-onnx"))) {
			assertFalse(c instanceof OperatorClassifier);
			assertFalse(((DenseModel) c).isDense());
			assertArrayEquals(new long[] { -1, 3 }, ((DenseModel) c).outputShape());
		}
	}
}
