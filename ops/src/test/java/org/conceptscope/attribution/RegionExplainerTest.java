package org.conceptscope.attribution;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Path;

import javax.imageio.ImageIO;

import org.conceptscope.attribution.RegionExplainer.Mode;
import org.conceptscope.attribution.RegionExplainer.Region;
import org.conceptscope.model.BundledModels;
import org.conceptscope.model.Classifier;
import org.conceptscope.model.Classifiers;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.tensor.TileGrid;
import org.conceptscope.tensor.TileSource;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Regions of ihc.png (512x512) explained alone: with the tiles that hold them (the whole-image map
 * on the region, at the cost of those tiles), or one model-size window centred on them; with the
 * IHC stain classifier and with the segmentation network (whose maps of a region stay within its
 * receptive field of the region, by construction).
 */
class RegionExplainerTest {

	static Classifier classifier, segmentation;
	static TileSource ihc;
	/** An L-shaped region: a 30x20 box without its upper right 15x10 quarter. */
	static Region region;

	@BeforeAll
	static void load() throws Exception {
		classifier = Classifiers.open(BundledModels.dir("ihc-stain"));
		segmentation = Classifiers.open(BundledModels.dir("ihc-segmentation"));
		Path png = BundledModels.dir("ihc-stain").getParent().getParent().resolve("images/ihc.png");
		BufferedImage img = ImageIO.read(png.toFile());
		FloatTensor whole = FloatTensor.zeros(1, img.getHeight(), img.getWidth(), 3);
		for (int y = 0; y < img.getHeight(); y++) {
			for (int x = 0; x < img.getWidth(); x++) {
				int rgb = img.getRGB(x, y);
				for (int c = 0; c < 3; c++) whole.set((rgb >> (16 - 8 * c)) & 0xff, 0, y, x, c);
			}
		}
		ihc = TileSource.of(whole, 255);
		boolean[] mask = new boolean[30 * 20];
		for (int y = 0; y < 20; y++) for (int x = 0; x < 30; x++) mask[y * 30 + x] = !(x >= 15 && y < 10);
		region = new Region("L", 0, 200, 150, 30, 20, mask);
	}

	@AfterAll
	static void close() {
		classifier.close();
		segmentation.close();
	}

	@Test
	void theRegionsTilesGiveTheWholeImageMapOnTheRegion() {
		AttributionMethod[] methods = { new Saliency(), new NoisyGradients(NoisyGradients.Statistic.SMOOTH_GRAD, 4, 0.15, 7) };
		for (AttributionMethod m : methods) {
			TiledExplainer.Result whole = TiledExplainer.explain(classifier, ihc, m, 2, 0.5, Progress.NONE);
			RegionExplainer.Result r = RegionExplainer.explain(classifier, ihc, region, Mode.TILES, m, 2, 0.5, Progress.NONE);
			TileGrid grid = whole.grid();
			int meeting = 0;
			for (int t = 0; t < grid.count(); t++) {
				boolean meets = false;
				for (int y = grid.y(t); y < grid.y(t) + 32; y++) for (int x = grid.x(t); x < grid.x(t) + 32; x++) meets |= region.contains(x, y);
				if (meets) meeting++;
			}
			assertEquals(meeting, r.tiles(), "the tiles holding a pixel of the region");
			assertTrue(r.tiles() < grid.count() / 50, r.tiles() + " tiles of " + grid.count());
			int compared = 0;
			for (int y = 0; y < 512; y++) {
				for (int x = 0; x < 512; x++) {
					if (!region.contains(x, y)) continue;
					float want = whole.maps().get(0, y, x), got = r.map().get(y - r.y(), x - r.x());
					assertEquals(want, got, 1e-5 * Math.max(1, Math.abs(want)), m.name() + " at " + x + "," + y);
					compared++;
				}
			}
			assertEquals(30 * 20 - 15 * 10, compared);
			assertTrue(Float.isNaN(r.map().get(0, r.map().dim(1) - 1)) || r.map().dim(1) > 0);
			assertEquals(2, r.target());
		}
	}

	@Test
	void aWindowIsCentredOnTheRegionAndKeptInsideTheImage() {
		RegionExplainer.Result r = RegionExplainer.explain(classifier, ihc, region, Mode.WINDOW, new Saliency(), AttributionMethod.PREDICTED,
			0.5, Progress.NONE);
		assertEquals(1, r.tiles());
		assertEquals(200 + 15 - 16, r.x());
		assertEquals(150 + 10 - 16, r.y());
		FloatTensor crop = FloatTensor.zeros(1, 32, 32, 3);
		float[] one = new float[32 * 32 * 3];
		ihc.read(0, r.y(), r.x(), 32, 32, one);
		for (int i = 0; i < one.length; i++) crop.data()[i] = one[i] / 255f;
		int predicted = classifier.probabilities(crop).argmaxRows()[0];
		assertEquals(predicted, r.predicted());
		assertArrayEquals(new Saliency().explain(classifier, crop, new int[] { predicted }, Progress.NONE).maps().data(), r.map().data(), 1e-6f);
		Region corner = Region.rectangle("corner", 0, 500, 3, 10, 6);
		RegionExplainer.Result c = RegionExplainer.explain(classifier, ihc, corner, Mode.WINDOW, new Saliency(), 0, 0.5, Progress.NONE);
		assertEquals(480, c.x(), "moved inside the image");
		assertEquals(0, c.y());
	}

	@Test
	void aSegmentationRegionIsExplainedWithinItsReceptiveField() {
		for (Mode mode : Mode.values()) {
			RegionExplainer.Result r = RegionExplainer.explain(segmentation, ihc, region, mode, new Saliency(), 2, 0.5, Progress.NONE);
			float[] p = r.probabilities();
			assertEquals(1, p[0] + p[1] + p[2], 1e-4);
			double near = 0, far = 0;
			int h = (int) r.map().dim(0), w = (int) r.map().dim(1);
			for (int yy = 0; yy < h; yy++) {
				for (int xx = 0; xx < w; xx++) {
					float v = r.map().get(yy, xx);
					if (Float.isNaN(v)) continue;
					boolean close = false;
					for (int dy = -2; dy <= 2 && !close; dy++) for (int dx = -2; dx <= 2; dx++) close |= region.contains(r.x() + xx + dx, r.y() + yy + dy);
					if (close) near = Math.max(near, Math.abs(v));
					else far = Math.max(far, Math.abs(v));
				}
			}
			assertTrue(near > 0 && far <= 1e-4 * near, mode + ": near " + near + ", far " + far);
		}
	}

	@Test
	void badRegionsAreRefusedInOneSentence() {
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RegionExplainer.explain(classifier, ihc,
			Region.rectangle("away", 0, 600, 10, 20, 20), Mode.TILES, new Saliency(), 0, 0.5, Progress.NONE));
		assertTrue(e.getMessage().contains("lies outside the 512x512 image"), e.getMessage());
		e = assertThrows(IllegalArgumentException.class, () -> new Region("none", 0, 1, 1, 2, 2, new boolean[4]));
		assertTrue(e.getMessage().contains("covers no pixel"), e.getMessage());
		e = assertThrows(IllegalArgumentException.class, () -> Mode.parse("centre"));
		assertTrue(e.getMessage().contains("use tiles or window"), e.getMessage());
	}
}
