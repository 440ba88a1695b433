package org.conceptscope.attribution;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import javax.imageio.ImageIO;

import org.conceptscope.attribution.RegionExplainer.Mode;
import org.conceptscope.attribution.RegionExplainer.Region;
import org.conceptscope.model.BundledModels;
import org.conceptscope.model.Classifier;
import org.conceptscope.model.Classifiers;
import org.conceptscope.model.OperatorClassifier;
import org.conceptscope.model.TargetOperator;
import org.conceptscope.tensor.BlendWindow;
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
		// a ring: the window centred on its box holds none of its pixels, so a dense model has no zone to explain there
		boolean[] ring = new boolean[200 * 200];
		for (int y = 0; y < 200; y++) for (int x = 0; x < 200; x++) ring[y * 200 + x] = x < 2 || y < 2 || x >= 198 || y >= 198;
		Region hollow = new Region("ring", 0, 100, 100, 200, 200, ring);
		e = assertThrows(IllegalArgumentException.class, () -> RegionExplainer.explain(segmentation, ihc, hollow, Mode.WINDOW, new Saliency(), 0,
			0.5, Progress.NONE));
		assertTrue(e.getMessage().contains("The model-size window centred on region 'ring' holds none of its pixels; use region=tiles"),
			e.getMessage());
		e = assertThrows(IllegalArgumentException.class, () -> Mode.parse("centre"));
		assertTrue(e.getMessage().contains("use tiles or window"), e.getMessage());
	}

	/**
	 * The region explained as before tiles were batched: each tile read, classified and explained
	 * alone (a batch of one), in the region's tile order, its map blended with the same weights. The
	 * batched explainer must give these results to the bit.
	 */
	static RegionExplainer.Result tileByTile(Classifier model, Region r, Mode mode, AttributionMethod method, int target) {
		TileGrid grid = TiledExplainer.grid(model, 512, 512, 0.5);
		int th = grid.tileHeight(), tw = grid.tileWidth(), k = model.numClasses();
		assertEquals(1, TiledExplainer.fixedBatch(model), "the reference reads one tile per call");
		List<int[]> tiles = new ArrayList<>();
		if (mode == Mode.TILES) {
			for (int t = 0; t < grid.count(); t++) if (r.meets(grid.x(t), grid.y(t), tw, th)) tiles.add(new int[] { t, grid.x(t), grid.y(t) });
		} else {
			int x0 = Math.max(0, Math.min(r.x() + r.width() / 2 - tw / 2, 512 - tw)), y0 = Math.max(0, Math.min(r.y() + r.height() / 2 - th / 2, 512 - th));
			tiles.add(new int[] { 0, x0, y0 });
		}
		boolean zones = model instanceof OperatorClassifier;
		if (zones) tiles.removeIf(t -> !r.meets(t[1], t[2], tw, th));
		int n = tiles.size();
		FloatTensor[] x = new FloatTensor[n];
		Classifier[] views = new Classifier[n];
		float[] probabilities = new float[k];
		for (int i = 0; i < n; i++) {
			int[] t = tiles.get(i);
			float[] one = new float[th * tw * 3];
			ihc.read(0, t[2], t[1], th, tw, one);
			model.normalization().apply(one, 3, 255);
			x[i] = new FloatTensor(new long[] { 1, th, tw, 3 }, one);
			float[] zone = new float[th * tw];
			for (int yy = 0; yy < th; yy++) for (int xx = 0; xx < tw; xx++) zone[yy * tw + xx] = r.contains(t[1] + xx, t[2] + yy) ? 1 : 0;
			views[i] = zones ? ((OperatorClassifier) model).withOperator(TargetOperator.segmentation(zone, tw, th)) : model;
			float[] p = views[i].probabilities(x[i]).data();
			for (int j = 0; j < k; j++) probabilities[j] += p[j] / n;
		}
		int predicted = 0;
		for (int j = 1; j < k; j++) if (probabilities[j] > probabilities[predicted]) predicted = j;
		int explained = target == AttributionMethod.PREDICTED ? predicted : target;
		int minX = tiles.stream().mapToInt(t -> t[1]).min().getAsInt(), minY = tiles.stream().mapToInt(t -> t[2]).min().getAsInt();
		int mw = tiles.stream().mapToInt(t -> Math.min(512, t[1] + tw)).max().getAsInt() - minX;
		int mh = tiles.stream().mapToInt(t -> Math.min(512, t[2] + th)).max().getAsInt() - minY;
		float[] sum = new float[mw * mh], weight = new float[mw * mh];
		float[] wy = BlendWindow.weights(th), wx = BlendWindow.weights(tw);
		List<Map<String, String>> metadata = new ArrayList<>();
		for (int i = 0; i < n; i++) {
			int[] t = tiles.get(i);
			Attribution a = method.numberingImagesFrom(t[0]).explain(views[i], x[i], new int[] { explained }, Progress.NONE);
			metadata.add(a.metadata());
			for (int yy = 0; yy < th && t[2] + yy < 512; yy++) {
				for (int xx = 0; xx < tw && t[1] + xx < 512; xx++) {
					float wt = mode == Mode.TILES ? wy[yy] * wx[xx] : 1f;
					int at = (t[2] + yy - minY) * mw + t[1] + xx - minX;
					sum[at] += wt * a.maps().data()[yy * tw + xx];
					weight[at] += wt;
				}
			}
		}
		for (int i = 0; i < sum.length; i++) sum[i] = weight[i] > 0 ? sum[i] / weight[i] : Float.NaN;
		int[] ones = new int[n];
		Arrays.fill(ones, 1);
		Map<String, String> meta = new LinkedHashMap<>(method.tiledMetadata(metadata, ones, n));
		meta.put("region", r.name());
		meta.put("region_mode", mode.key());
		meta.put("targets", "[" + explained + "]");
		meta.put("target_classes", "[" + model.classNames().get(explained) + "]");
		meta.put("tiles", n + " of " + grid.describe());
		return new RegionExplainer.Result(r, minX, minY, new FloatTensor(new long[] { mh, mw }, sum), probabilities, predicted, explained, n, meta);
	}

	static void assertSame(RegionExplainer.Result want, RegionExplainer.Result got, String what) {
		assertEquals(want.tiles(), got.tiles(), what + ": tiles");
		assertEquals(want.x(), got.x(), what + ": x");
		assertEquals(want.y(), got.y(), what + ": y");
		assertArrayEquals(want.map().shape(), got.map().shape(), what + ": map size");
		assertArrayEquals(want.map().data(), got.map().data(), what + ": map, to the bit");
		assertArrayEquals(want.probabilities(), got.probabilities(), what + ": probabilities, to the bit");
		assertEquals(want.predicted(), got.predicted(), what + ": predicted");
		assertEquals(want.target(), got.target(), what + ": target");
		assertEquals(want.metadata(), got.metadata(), what + ": metadata");
	}

	/** A method whose draws follow the images' numbers, recording the first number of every batch it explains. */
	record Recording(NoisyGradients method, int first, List<Integer> firsts) implements AttributionMethod {
		@Override
		public String name() {
			return method.name();
		}

		@Override
		public AttributionMethod numberingImagesFrom(int from) {
			return from == first ? this : new Recording(method, from, firsts);
		}

		@Override
		public Attribution explain(Classifier c, FloatTensor images, int[] targets, Progress progress) {
			firsts.add(first);
			return method.numberingImagesFrom(first).explain(c, images, targets, progress);
		}
	}

	/** A region of 112 tiles (8 rows of 14 tiles). */
	static final Region WIDE = Region.rectangle("wide", 0, 100, 300, 200, 100);
	/** A region of 400 tiles (20 rows of 20 tiles: two batches of the IHC model's 256 tiles). */
	static final Region BIG = Region.rectangle("big", 0, 100, 100, 300, 300);

	@Test
	void batchedTilesGiveTheResultsOfTilesExplainedOneByOne() {
		AttributionMethod[] methods = { new Saliency(), new NoisyGradients(NoisyGradients.Statistic.SMOOTH_GRAD, 3, 0.15, 7),
			new Rise(40, 4, 0.5, 3), new Occlusion(8, 8, 0f), new IntegratedGradients(4, 0f) };
		for (AttributionMethod m : methods) {
			for (Mode mode : Mode.values()) {
				assertSame(tileByTile(classifier, region, mode, m, AttributionMethod.PREDICTED),
					RegionExplainer.explain(classifier, ihc, region, mode, m, AttributionMethod.PREDICTED, 0.5, Progress.NONE), m.name() + " " + mode);
			}
		}
		assertSame(tileByTile(classifier, BIG, Mode.TILES, new Saliency(), 2), RegionExplainer.explain(classifier, ihc, BIG, Mode.TILES,
			new Saliency(), 2, 0.5, Progress.NONE), "saliency on " + BIG.name());
		for (AttributionMethod m : new AttributionMethod[] { new Saliency(), new NoisyGradients(NoisyGradients.Statistic.SMOOTH_GRAD, 2, 0.15, 7) }) {
			assertSame(tileByTile(classifier, WIDE, Mode.TILES, m, 1), RegionExplainer.explain(classifier, ihc, WIDE, Mode.TILES, m, 1, 0.5,
				Progress.NONE), m.name() + " on " + WIDE.name());
			assertSame(tileByTile(segmentation, WIDE, Mode.TILES, m, 2), RegionExplainer.explain(segmentation, ihc, WIDE, Mode.TILES, m, 2, 0.5,
				Progress.NONE), m.name() + " on " + WIDE.name() + ", segmentation zones");
		}
	}

	@Test
	void theModelIsCalledOncePerBatchOfTiles() {
		AtomicInteger probabilityCalls = new AtomicInteger(), explainCalls = new AtomicInteger(), explained = new AtomicInteger();
		Classifier counted = (Classifier) Proxy.newProxyInstance(Classifier.class.getClassLoader(), new Class<?>[] { Classifier.class },
			(proxy, call, args) -> {
				if (call.getName().equals("probabilities")) probabilityCalls.incrementAndGet();
				try {
					return call.invoke(classifier, args);
				} catch (java.lang.reflect.InvocationTargetException e) {
					throw e.getCause();
				}
			});
		AttributionMethod saliency = new Saliency();
		AttributionMethod counting = new AttributionMethod() {
			@Override
			public String name() {
				return "counted";
			}

			@Override
			public Attribution explain(Classifier c, FloatTensor images, int[] targets, Progress progress) {
				explainCalls.incrementAndGet();
				explained.addAndGet((int) images.dim(0));
				return saliency.explain(c, images, targets, progress);
			}
		};
		int batch = TiledExplainer.batchSize(classifier);
		RegionExplainer.Result r = RegionExplainer.explain(counted, ihc, BIG, Mode.TILES, counting, 0, 0.5, Progress.NONE);
		assertEquals(20 * 20, r.tiles());
		int batches = (r.tiles() + batch - 1) / batch;
		assertTrue(batches > 1 && batches < r.tiles() / 10, batches + " batches of " + batch);
		assertEquals(batches, probabilityCalls.get(), "pass 1: one model call per batch of " + batch + " tiles, not per tile");
		assertEquals(batches, explainCalls.get(), "pass 2: one method call per batch");
		assertEquals(r.tiles(), explained.get(), "every tile explained once");
		// SmoothGrad numbers its noise by tile: a batch holds consecutive tile numbers, here one row of the region's tiles
		List<Integer> firsts = new ArrayList<>();
		RegionExplainer.explain(classifier, ihc, WIDE, Mode.TILES, new Recording(new NoisyGradients(NoisyGradients.Statistic.SMOOTH_GRAD, 2,
			0.15, 7), 0, firsts), 0, 0.5, Progress.NONE);
		List<Integer> rows = new ArrayList<>();
		for (int row = 0; row < 8; row++) rows.add((272 / 16 + row) * 31 + 80 / 16); // 31 tiles a row; the region's first at (80, 272)
		assertEquals(rows, firsts, "one batch per row of the region's tiles, numbered as in the whole image");
	}
}
