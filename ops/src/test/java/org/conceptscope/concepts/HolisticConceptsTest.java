package org.conceptscope.concepts;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.conceptscope.tensor.FloatTensor;
import org.junit.jupiter.api.Test;

/** Prevalence and reliability as Fel et al.'s holistic framework (and Xplique's HolisticCraft) reduce per-image importance. */
class HolisticConceptsTest {

	@Test
	void prevalenceAndReliabilityByHand() {
		// 5 images, 3 concepts; dominant concepts 0, 2, 0, 1, 0
		double[][] perImage = { { 3, 1, 0 }, { 0, 1, 2 }, { 5, 4, 1 }, { -1, 0.5, 0.2 }, { 1, 0, 0.5 } };
		assertArrayEquals(new double[] { 0.6, 0.2, 0.2 }, HolisticConcepts.prevalence(perImage), 1e-12);
		double[] correct = { 1, 0, 0, 1, 1 };
		assertArrayEquals(new double[] { 2 / 3.0, 1, 0 }, HolisticConcepts.reliability(perImage, correct), 1e-12);
		assertArrayEquals(new double[] { 0, 0, 0, 1 }, HolisticConcepts.reliability(new double[][] { { 0, 0, 0, 1 } }, new double[] { 1 }), 0,
			"concepts that dominate no image: 0");
	}

	@Test
	void perImageIsTheMeanOverPositions() {
		FloatTensor maps = new FloatTensor(new long[] { 1, 1, 2, 2 }, new float[] { 1, 2, 3, 6 });
		assertArrayEquals(new double[] { 2, 4 }, HolisticConcepts.perImage(maps)[0], 1e-12);
	}

	/**
	 * Known answer: the known-answer model is the identity (with ReLU) up to conv2/relu and logit 1
	 * sums R_1 (x 18..25, y 20..27) without bias; with one concept w = [1] the coefficients are the
	 * activations, so concept 0's importance for class 1 is x inside R_1 and 0 elsewhere.
	 */
	@Test
	void perPositionImportanceOnTheKnownAnswerModel() {
		try (org.conceptscope.model.TensorFlowClassifier m = org.conceptscope.model.TensorFlowClassifier.load(
			org.conceptscope.model.BundledModels.dir("known-answer"))) {
			java.util.Random r = new java.util.Random(5);
			FloatTensor x = FloatTensor.zeros(2, 32, 32, 1);
			for (int i = 0; i < x.size(); i++) x.data()[i] = r.nextFloat();
			ConceptBank bank = new ConceptBank();
			bank.layer = "conv2/relu";
			bank.concepts = new double[][] { { 1 } };
			bank.rank = 1;
			FloatTensor maps = HolisticConcepts.importanceMaps(m, bank, x, 1);
			assertArrayEquals(new long[] { 2, 32, 32, 1 }, maps.shape());
			for (int i = 0; i < 2; i++) {
				double sum = 0;
				for (int y = 0; y < 32; y++) for (int xx = 0; xx < 32; xx++) {
					boolean inside = xx >= 18 && xx < 26 && y >= 20 && y < 28;
					assertEquals(inside ? x.get(i, y, xx, 0) : 0f, maps.get(i, y, xx, 0), 1e-5f);
					sum += maps.get(i, y, xx, 0);
				}
				assertEquals(m.logits(x.slice(i)).get(0, 1), sum, 1e-3, "completeness of a linear head");
			}
		}
	}

	/**
	 * The same known answer on 70 images, whose gradients go in two calls (64 and 6 images): every image's
	 * map is x inside R_1; the coefficients' images and the gradient calls report in one count (70 + 70),
	 * never going back, and Esc during the coefficients stops before any gradient is asked (the summary
	 * reports the same way).
	 */
	@Test
	void perPositionImportanceInPartsReportsProgressAndStops() {
		try (org.conceptscope.model.TensorFlowClassifier m = org.conceptscope.model.TensorFlowClassifier.load(
			org.conceptscope.model.BundledModels.dir("known-answer"))) {
			java.util.Random r = new java.util.Random(6);
			int n = 70;
			FloatTensor x = FloatTensor.zeros(n, 32, 32, 1);
			for (int i = 0; i < x.size(); i++) x.data()[i] = r.nextFloat();
			ConceptBank bank = new ConceptBank();
			bank.layer = "conv2/relu";
			bank.concepts = new double[][] { { 1 } };
			bank.rank = 1;
			bank.classIndex = 1;
			java.util.List<String> reports = new java.util.ArrayList<>();
			HolisticConcepts.Summary s = HolisticConcepts.summarize(m, bank, x, null, (done, total, message) -> {
				reports.add(message + " " + done + "/" + total);
				return true;
			});
			FloatTensor maps = s.maps();
			assertArrayEquals(new long[] { n, 32, 32, 1 }, maps.shape());
			for (int i = 0; i < n; i++) for (int y = 0; y < 32; y++) for (int xx = 0; xx < 32; xx++) {
				boolean inside = xx >= 18 && xx < 26 && y >= 20 && y < 28;
				assertEquals(inside ? x.get(i, y, xx, 0) : 0f, maps.get(i, y, xx, 0), 1e-5f, "image " + i);
			}
			assertEquals(n + 2, reports.size(), reports.toString());
			assertEquals("concept coefficients 1/140", reports.get(0));
			assertEquals(java.util.List.of("concept importance maps 134/140", "concept importance maps 140/140"), reports.subList(n, n + 2));
			int[] asked = { 0 };
			assertThrows(java.util.concurrent.CancellationException.class, () -> HolisticConcepts.summarize(m, bank, x, null,
				(done, total, message) -> ++asked[0] < 5));
			assertEquals(5, asked[0], "stopped at the fifth image's coefficients");
		}
	}

	/**
	 * Known answer on an image larger than the input (48 x 40: tiles at x 0, 16 and y 0, 8, overlapping):
	 * with the bank above, each tile's importance is x on that tile's R_1 and 0 elsewhere, so the blended
	 * map is x times the share of the window weights of the tiles whose R_1 holds the pixel; the concept
	 * attribution map (gradient x input of the mean coefficient) is x / 1024 in every tile, so blended
	 * too. The importance maps are the same with or without the attribution maps beside them.
	 */
	@Test
	void tiledMapsOfALargerImageOnTheKnownAnswerModel() {
		try (org.conceptscope.model.TensorFlowClassifier m = org.conceptscope.model.TensorFlowClassifier.load(
			org.conceptscope.model.BundledModels.dir("known-answer"))) {
			int h = 40, w = 48;
			java.util.Random r = new java.util.Random(7);
			FloatTensor image = FloatTensor.zeros(1, h, w, 1);
			for (int i = 0; i < image.size(); i++) image.data()[i] = 1 + r.nextInt(255);
			ConceptBank bank = new ConceptBank();
			bank.layer = "conv2/relu";
			bank.concepts = new double[][] { { 1 } };
			bank.rank = 1;
			bank.classIndex = 1;
			org.conceptscope.tensor.TileSource source = org.conceptscope.tensor.TileSource.of(image, 255);
			HolisticConcepts.TiledMaps both = HolisticConcepts.mapsTiled(m, bank, source, 0.5, ConceptAttributionMaps.Rule.GRADIENT_X_INPUT,
				org.conceptscope.util.Progress.NONE);
			HolisticConcepts.TiledMaps alone = HolisticConcepts.mapsTiled(m, bank, source, 0.5, null, org.conceptscope.util.Progress.NONE);
			assertArrayEquals(new int[] { 0, 8 }, both.grid().ys());
			assertArrayEquals(new int[] { 0, 16 }, both.grid().xs());
			assertArrayEquals(new long[] { 1, h, w, 1 }, both.importance().shape());
			assertArrayEquals(new long[] { 1, h, w, 1 }, both.attribution().shape());
			assertEquals(null, alone.attribution());
			assertArrayEquals(alone.importance().data(), both.importance().data(), 0f);
			int inside = 0;
			for (int y = 0; y < h; y++) {
				for (int x = 0; x < w; x++) {
					double v = image.get(0, y, x, 0) / 255.0, share = 0, weights = 0;
					for (int ty : new int[] { 0, 8 }) {
						for (int tx : new int[] { 0, 16 }) {
							if (y < ty || y >= ty + 32 || x < tx || x >= tx + 32) continue;
							double weight = sin2(y - ty) * sin2(x - tx);
							weights += weight;
							if (x - tx >= 18 && x - tx < 26 && y - ty >= 20 && y - ty < 28) share += weight;
						}
					}
					if (share > 0) inside++;
					assertEquals(v * share / weights, both.importance().get(0, y, x, 0), 1e-5, "importance at (" + x + ", " + y + ")");
					assertEquals(v / 1024, both.attribution().get(0, y, x, 0), 1e-7, "attribution at (" + x + ", " + y + ")");
				}
			}
			assertEquals(true, inside > 64, "the squares of several tiles cover part of the image: " + inside);
		}
	}

	private static double sin2(int i) {
		double s = Math.sin(Math.PI * (i + 0.5) / 32);
		return s * s;
	}
}
