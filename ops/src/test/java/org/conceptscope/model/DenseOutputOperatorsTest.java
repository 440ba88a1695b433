package org.conceptscope.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import javax.imageio.ImageIO;

import org.conceptscope.attribution.Attribution;
import org.conceptscope.attribution.AttributionMethod;
import org.conceptscope.attribution.IntegratedGradients;
import org.conceptscope.attribution.Occlusion;
import org.conceptscope.attribution.Saliency;
import org.conceptscope.attribution.TiledExplainer;
import org.conceptscope.registry.Family;
import org.conceptscope.registry.Registry;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.tensor.TileSource;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Dense-output models explained through target operators, on the segmentation network trained in
 * Java on ihc.png (test-images/models/ihc-segmentation, code and seed in IhcSegmentationModel).
 * Known by construction: output position (y, x) depends on the input pixels within 2 of it and on
 * no other, whatever the weights, so any faithful map of a zone's score is zero farther than 2
 * pixels from the zone (farther than 2 + patch - 1 for Occlusion's patch means).
 */
class DenseOutputOperatorsTest {

	static final int SIZE = 32, RADIUS = 2, DAB = 2;
	/** The zone: rows 12..19, columns 10..17 of the crop. */
	static final int ZX = 10, ZY = 12, ZW = 8, ZH = 8;
	static TensorFlowClassifier dense;
	static FloatTensor whole, crop;
	static float[] zone;

	@BeforeAll
	static void load() throws Exception {
		dense = TensorFlowClassifier.load(BundledModels.dir("ihc-segmentation"));
		Path png = BundledModels.dir("ihc-stain").getParent().getParent().resolve("images/ihc.png");
		BufferedImage img = ImageIO.read(png.toFile());
		int w = img.getWidth(), h = img.getHeight();
		whole = FloatTensor.zeros(1, h, w, 3);
		for (int y = 0; y < h; y++) {
			for (int x = 0; x < w; x++) {
				int rgb = img.getRGB(x, y);
				for (int c = 0; c < 3; c++) whole.set((rgb >> (16 - 8 * c)) & 0xff, 0, y, x, c);
			}
		}
		crop = FloatTensor.zeros(1, SIZE, SIZE, 3);
		// a held-out crop (x >= 384) holding DAB-positive and hematoxylin pixels
		for (int y = 0; y < SIZE; y++) {
			for (int x = 0; x < SIZE; x++) {
				for (int c = 0; c < 3; c++) crop.set(whole.get(0, 96 + y, 416 + x, c) / 255f, 0, y, x, c);
			}
		}
		zone = new float[SIZE * SIZE];
		for (int y = ZY; y < ZY + ZH; y++) for (int x = ZX; x < ZX + ZW; x++) zone[y * SIZE + x] = 1;
	}

	@AfterAll
	static void close() {
		dense.close();
	}

	/** The model's output is its softmax over the 3 channels: its probabilities are that map (not a softmax over an image axis of it). */
	@Test
	void aSoftmaxMapsProbabilitiesAreTheMapItself() {
		assertTrue(dense.mapHoldsProbabilities());
		FloatTensor map = dense.outputs(crop), p = dense.probabilities(crop);
		assertArrayEquals(map.shape(), p.shape());
		assertArrayEquals(map.data(), p.data());
		for (int y = 0; y < SIZE; y++) {
			for (int x = 0; x < SIZE; x++) assertEquals(1, p.get(0, y, x, 0) + p.get(0, y, x, 1) + p.get(0, y, x, 2), 1e-5, y + ", " + x);
		}
	}

	static OperatorClassifier zoneView() {
		return OperatorClassifier.of(dense, TargetOperator.segmentation(zone, SIZE, SIZE));
	}

	/** Distance (Chebyshev) from a pixel to the zone. */
	static int distance(int x, int y) {
		int dx = Math.max(0, Math.max(ZX - x, x - (ZX + ZW - 1)));
		int dy = Math.max(0, Math.max(ZY - y, y - (ZY + ZH - 1)));
		return Math.max(dx, dy);
	}

	@Test
	void theModelLoadsAsDenseAndOpensThroughTheSegmentationOperator() {
		assertTrue(dense.isDense());
		assertArrayEquals(new long[] { -1, SIZE, SIZE, 3 }, dense.outputShape());
		try (Classifier c = Classifiers.open(BundledModels.dir("ihc-segmentation"))) {
			OperatorClassifier o = assertInstanceOf(OperatorClassifier.class, c);
			assertEquals("segmentation", o.operator().key());
			assertEquals(List.of("background", "hematoxylin", "DAB-positive"), c.classNames());
			assertArrayEquals(new long[] { 1, 3 }, c.logits(crop).shape());
		}
		try (Classifier c = Classifiers.open(BundledModels.dir("ihc-stain"))) {
			assertInstanceOf(TensorFlowClassifier.class, c, "a classifier opens as it always did");
		}
	}

	@Test
	void zoneScoresAreTheOutputsMeanOverTheZone() {
		FloatTensor out = dense.outputs(crop);
		FloatTensor scores = zoneView().logits(crop);
		double[] mean = new double[3];
		for (int y = ZY; y < ZY + ZH; y++) {
			for (int x = ZX; x < ZX + ZW; x++) {
				for (int k = 0; k < 3; k++) mean[k] += out.get(0, y, x, k) / (double) (ZW * ZH);
			}
		}
		for (int k = 0; k < 3; k++) assertEquals(mean[k], scores.get(0, k), 1e-6);
		FloatTensor p = zoneView().probabilities(crop);
		assertEquals(1, p.get(0, 0) + p.get(0, 1) + p.get(0, 2), 1e-5, "means of a softmax output are probabilities");
		assertTrue(mean[DAB] > 0.2 && mean[1] > 0.1, "the zone holds DAB and hematoxylin pixels: " + java.util.Arrays.toString(mean));
	}

	@Test
	void zoneGradientIsTheMeanOfThePixelGradientsAndAgreesWithFiniteDifferences() {
		OperatorClassifier view = zoneView();
		FloatTensor g = view.inputGradient(crop, FloatTensor.oneHot(new int[] { DAB }, 3));
		// linearity, through separate TensorFlow runs: the mean of the per-pixel output gradients
		OperatorClassifier values = OperatorClassifier.of(dense, TargetOperator.regression());
		float[] sum = new float[g.size()];
		for (int y = ZY; y < ZY + ZH; y += 3) {
			for (int x = ZX; x < ZX + ZW; x += 3) {
				float[] one = new float[SIZE * SIZE];
				one[y * SIZE + x] = 1;
				FloatTensor gp = OperatorClassifier.of(dense, TargetOperator.segmentation(one, SIZE, SIZE)).inputGradient(crop,
					FloatTensor.oneHot(new int[] { DAB }, 3));
				FloatTensor gv = values.inputGradient(crop, FloatTensor.oneHot(new int[] { (y * SIZE + x) * 3 + DAB }, SIZE * SIZE * 3));
				assertArrayEquals(gv.data(), gp.data(), 1e-6f, "a one-pixel zone is that output value");
				for (int i = 0; i < sum.length; i++) sum[i] += gp.data()[i];
			}
		}
		float[] sub = OperatorClassifier.of(dense, TargetOperator.segmentation(subZone(), SIZE, SIZE))
			.inputGradient(crop, FloatTensor.oneHot(new int[] { DAB }, 3)).data();
		for (int i = 0; i < sum.length; i++) assertEquals(sum[i] / 9, sub[i], 1e-5, "pixel " + i);
		// the directional derivative along the gradient is |g|^2
		double norm2 = 0;
		for (float v : g.data()) norm2 += v * v;
		double h = 0.02 / Math.sqrt(norm2);
		FloatTensor plus = crop.copy(), minus = crop.copy();
		for (int i = 0; i < g.size(); i++) {
			plus.data()[i] += (float) (h * g.data()[i]);
			minus.data()[i] -= (float) (h * g.data()[i]);
		}
		double fd = (view.logits(plus).get(0, DAB) - view.logits(minus).get(0, DAB)) / (2 * h);
		assertEquals(norm2, fd, 0.05 * norm2);
	}

	/** Every third pixel of the zone (3 x 3 of them). */
	static float[] subZone() {
		float[] m = new float[SIZE * SIZE];
		for (int y = ZY; y < ZY + ZH; y += 3) for (int x = ZX; x < ZX + ZW; x += 3) m[y * SIZE + x] = 1;
		return m;
	}

	/** Largest |map| farther than {@code reach} from the zone, over the largest |map|. */
	static double outsideShare(FloatTensor maps, int reach) {
		double in = 0, out = 0;
		for (int y = 0; y < SIZE; y++) {
			for (int x = 0; x < SIZE; x++) {
				double v = Math.abs(maps.get(0, y, x));
				if (distance(x, y) > reach) out = Math.max(out, v);
				else in = Math.max(in, v);
			}
		}
		assertTrue(in > 0, "the map is not empty near the zone");
		return out / in;
	}

	@Test
	void gradientAndPerturbationMapsOfAZoneStayWithinItsReceptiveField() {
		OperatorClassifier view = zoneView();
		int[] target = { DAB };
		assertTrue(outsideShare(new Saliency().explain(view, crop, target, Progress.NONE).maps(), RADIUS) < 1e-4);
		assertTrue(outsideShare(new IntegratedGradients(16, 0f).explain(view, crop, target, Progress.NONE).maps(), RADIUS) < 1e-4);
		int patch = 3;
		assertTrue(outsideShare(new Occlusion(patch, 1, 0f).explain(view, crop, target, Progress.NONE).maps(), RADIUS + patch - 1) < 1e-4);
		// one output value (regression) sees its 5x5 window only
		OperatorClassifier values = OperatorClassifier.of(dense, TargetOperator.regression());
		int py = 16, px = 16;
		FloatTensor m = new Saliency().explain(values, crop, new int[] { (py * SIZE + px) * 3 + DAB }, Progress.NONE).maps();
		double inside = 0;
		for (int y = 0; y < SIZE; y++) {
			for (int x = 0; x < SIZE; x++) {
				boolean near = Math.abs(x - px) <= RADIUS && Math.abs(y - py) <= RADIUS;
				if (near) inside += Math.abs(m.get(0, y, x));
				else assertEquals(0, m.get(0, y, x), 1e-6, "pixel " + x + "," + y + " outside the receptive field");
			}
		}
		assertTrue(inside > 0);
	}

	@Test
	void ownBackwardPassThroughThePixelSoftmaxIsTensorFlowsGradient() {
		FloatTensor w = TargetOperator.segmentation(zone, SIZE, SIZE).outputWeights(FloatTensor.oneHot(new int[] { DAB }, 3),
			new long[] { 1, SIZE, SIZE, 3 });
		FloatTensor tf = dense.inputGradient(crop, w), own = dense.builtInputGradient(crop, w, ReluBackward.ORDINARY);
		double max = 0;
		for (float v : tf.data()) max = Math.max(max, Math.abs(v));
		for (int i = 0; i < tf.size(); i++) assertEquals(tf.data()[i], own.data()[i], 1e-4 * max, "value " + i);
	}

	@Test
	void everyAttributionMethodRunsWithEveryOperator() {
		Map<String, Object> quick = Map.of("samples", 24, "steps", 4, "designs", 4, "grid", 4, "superpixels", 8);
		try (TensorFlowClassifier classifier = TensorFlowClassifier.load(BundledModels.dir("ihc-stain"))) {
			List<Classifier> views = List.of(OperatorClassifier.of(classifier, TargetOperator.classLogit()), zoneView(),
				OperatorClassifier.of(dense, TargetOperator.regression()));
			int[][] targets = { { 2 }, { DAB }, { (16 * SIZE + 16) * 3 + DAB } };
			List<String> refused = new ArrayList<>();
			for (String key : Registry.keys(Family.ATTRIBUTION)) {
				AttributionMethod method = Registry.attribution(key, quick);
				for (int v = 0; v < views.size(); v++) {
					Attribution a;
					try {
						a = method.explain(views.get(v), crop, targets[v], Progress.NONE);
					} catch (IllegalArgumentException | UnsupportedOperationException e) {
						refused.add(key + " (" + e.getMessage() + ")");
						continue;
					}
					assertArrayEquals(new long[] { 1, SIZE, SIZE }, a.maps().shape(), key);
					assertTrue(a.maps().firstNonFinite() < 0, key);
				}
			}
			for (String r : refused) {
				assertTrue(r.contains("reads the model's graph"), "only methods that read a classifier's graph themselves (EVA, SRD) may refuse: " + refused);
			}
			// the class operator changes nothing for a classifier
			FloatTensor plain = new Saliency().explain(classifier, crop, new int[] { 2 }, Progress.NONE).maps();
			assertArrayEquals(plain.data(), new Saliency().explain(views.get(0), crop, new int[] { 2 }, Progress.NONE).maps().data(), 0f);
		}
	}

	@Test
	void aWholeImageIsExplainedInTilesThroughTheOperator() {
		try (Classifier c = Classifiers.open(BundledModels.dir("ihc-segmentation"))) {
			TiledExplainer.Result r = TiledExplainer.explain(c, TileSource.of(whole, 255), new Saliency(), DAB, 0.5, Progress.NONE);
			assertArrayEquals(new long[] { 1, 512, 512 }, r.maps().shape());
			assertTrue(r.maps().firstNonFinite() < 0);
			FloatTensor p = r.tileProbabilities();
			for (int t = 0; t < p.dim(1); t++) assertEquals(1, p.get(0, t, 0) + p.get(0, t, 1) + p.get(0, t, 2), 1e-4);
		}
	}

	@Test
	void operatorsThatDoNotFitTheOutputAreRefusedInOneSentence() {
		try (TensorFlowClassifier classifier = TensorFlowClassifier.load(BundledModels.dir("ihc-stain"))) {
			IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
				() -> OperatorClassifier.of(classifier, TargetOperator.segmentation()));
			assertTrue(e.getMessage().contains("use the class operator"), e.getMessage());
		}
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OperatorClassifier.of(dense, TargetOperator.classLogit()));
		assertTrue(e.getMessage().contains("use the segmentation operator"), e.getMessage());
		e = assertThrows(IllegalArgumentException.class, () -> OperatorClassifier.of(dense, TargetOperator.segmentation(new float[256], 16, 16)));
		assertTrue(e.getMessage().contains("empty"), e.getMessage());
		float[] small = new float[256];
		small[0] = 1;
		e = assertThrows(IllegalArgumentException.class, () -> OperatorClassifier.of(dense, TargetOperator.segmentation(small, 16, 16)));
		assertTrue(e.getMessage().contains("give a zone of the output's size"), e.getMessage());
		e = assertThrows(IllegalArgumentException.class, () -> TargetOperator.parse("detection"));
		assertTrue(e.getMessage().contains("class, segmentation, regression"), e.getMessage());
	}
}
