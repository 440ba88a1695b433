package org.conceptscope.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.conceptscope.attribution.Attribution;
import org.conceptscope.attribution.TiledExplainer;
import org.conceptscope.model.BundledModels;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.tensor.TileGrid;
import org.conceptscope.tensor.TileSource;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.Test;

/**
 * EVA on images larger than the model's input, explained tile by tile: each image's margin and
 * verified bounds are the smallest of its tiles' and its rounding slack the largest, each tile
 * verified here on its own (its window read from the image and normalised as the model does), with
 * tiles split across batches of three so that an image's tiles span batches. Before, every image
 * got the values of the first batch's first tiles.
 */
class EvaTilesTest {

	private static final int W = 48, H = 44, IMAGES = 2, TARGET = 2;

	@Test
	void anImagesMarginIsItsLeastSafeTiles() throws Exception {
		float[] raw = new float[IMAGES * H * W * 3];
		for (int i = 0; i < IMAGES; i++) for (int y = 0; y < H; y++) for (int x = 0; x < W; x++) for (int c = 0; c < 3; c++) {
			double v = 128 + 100 * Math.sin(0.21 * x * (c + 1) + 0.17 * y + 1.3 * i) * Math.cos(0.05 * (x - y) + i);
			raw[((i * H + y) * W + x) * 3 + c] = (float) Math.rint(v);
		}
		TileSource source = TileSource.of(new FloatTensor(new long[] { IMAGES, H, W, 3 }, raw), 255);
		Eva eva = new Eva(0.004, 2);
		try (TensorFlowClassifier model = TensorFlowClassifier.load(BundledModels.dir("ihc-stain"))) {
			model.setMaxBatch(3);
			TiledExplainer.Result r = TiledExplainer.explain(model, source, eva, TARGET, 0.5, Progress.NONE);
			TileGrid grid = r.grid();
			assertEquals(4, grid.count());
			List<Eva.VerifiedMargin> whole = Eva.verifiedMargins(new Attribution(r.maps(), r.targets(), r.metadata()));
			assertEquals(IMAGES, whole.size(), "one margin per image");
			for (int i = 0; i < IMAGES; i++) {
				double margin = Double.POSITIVE_INFINITY, lower = Double.POSITIVE_INFINITY, upper = Double.POSITIVE_INFINITY, slack = 0;
				for (int t = 0; t < grid.count(); t++) {
					float[] hwc = new float[32 * 32 * 3];
					source.read(i, grid.y(t), grid.x(t), 32, 32, hwc);
					model.normalization().apply(hwc, 3, 255);
					Attribution one = eva.explain(model, new FloatTensor(new long[] { 1, 32, 32, 3 }, hwc), new int[] { TARGET }, Progress.NONE);
					Eva.VerifiedMargin v = Eva.verifiedMargins(one).get(0);
					margin = Math.min(margin, v.margin());
					lower = Math.min(lower, v.lower());
					upper = Math.min(upper, v.upper());
					slack = Math.max(slack, v.roundingSlack());
				}
				Eva.VerifiedMargin got = whole.get(i);
				assertEquals(margin, got.margin(), 1e-4 * (1 + Math.abs(margin)), "margin of image " + i);
				assertEquals(lower, got.lower(), 1e-4 * (1 + Math.abs(lower)), "lower bound of image " + i);
				assertEquals(upper, got.upper(), 1e-4 * (1 + Math.abs(upper)), "upper bound of image " + i);
				assertEquals(slack, got.roundingSlack(), 1e-6 * (1 + slack), "rounding slack of image " + i);
				assertTrue(got.lower() <= got.margin() && got.margin() <= got.upper(), got.toString());
			}
			assertTrue(whole.get(0).margin() != whole.get(1).margin(), "the two images are not given the same tile's values");
		}
	}
}
