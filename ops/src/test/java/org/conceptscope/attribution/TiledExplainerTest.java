package org.conceptscope.attribution;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CancellationException;

import org.conceptscope.model.Classifier;
import org.conceptscope.model.Classifiers;
import org.conceptscope.tensor.BlendWindow;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.tensor.TileGrid;
import org.conceptscope.tensor.TileSource;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tiling any image with a fixed-size model: grid, blending window, known answers, seams, streaming. */
class TiledExplainerTest {

	static final int TILE = 32;

	@TempDir
	static Path dir;
	static Classifier model;

	@BeforeAll
	static void load() throws Exception {
		model = Classifiers.open(BrightPixelsModel.export(dir.resolve("bright"), TILE));
	}

	@AfterAll
	static void close() {
		if (model != null) model.close();
	}

	@Test
	void gridCoversTheImageWithTheAskedOverlap() {
		assertArrayEquals(java.util.stream.IntStream.range(0, 31).map(i -> 16 * i).toArray(), TileGrid.positions(512, 32, 0.5));
		for (int length : new int[] { 33, 47, 100, 250, 511 }) {
			for (double overlap : new double[] { 0, 0.25, 0.5, 0.75 }) {
				int[] p = TileGrid.positions(length, 32, overlap);
				assertEquals(0, p[0]);
				assertEquals(length - 32, p[p.length - 1], "the last tile ends at the edge");
				for (int i = 1; i < p.length; i++) {
					assertTrue(p[i] > p[i - 1]);
					assertTrue(p[i] - p[i - 1] <= Math.max(1, Math.floor(32 * (1 - overlap))), "neighbours overlap by at least " + overlap);
				}
			}
		}
		assertArrayEquals(new int[] { 0 }, TileGrid.positions(20, 32, 0.5), "a short axis is one padded tile");
		assertTrue(TileGrid.of(20, 100, 32, 32, 0.5).padded());
		assertThrows(IllegalArgumentException.class, () -> TileGrid.of(100, 100, 32, 32, 1.0));
	}

	@Test
	void blendWeightsSumToOne() {
		// Half-tile overlap: shifted sin^2 windows are a partition of unity away from the image edges.
		int[] p = TileGrid.positions(512, 32, 0.5);
		double[] cov = BlendWindow.coverage(512, 32, p);
		for (int x = 16; x < 512 - 16; x++) assertEquals(1.0, cov[x], 1e-6, "coverage at " + x);
		// Any grid: the normalised weights of the tiles covering a pixel sum to one, so a value all tiles agree on comes back.
		for (double overlap : new double[] { 0, 0.3, 0.5, 0.8 }) {
			TileGrid g = TileGrid.of(77, 141, 32, 32, overlap);
			float[] ones = new float[g.count() * 2];
			for (int t = 0; t < g.count(); t++) {
				ones[2 * t] = 1;
				ones[2 * t + 1] = -3.5f;
			}
			float[][] blended = TiledExplainer.blendTileValues(g, new FloatTensor(new long[] { g.count(), 2 }, ones));
			for (int i = 0; i < 77 * 141; i++) {
				assertEquals(1f, blended[0][i], 1e-5f);
				assertEquals(-3.5f, blended[1][i], 1e-5f);
			}
		}
	}

	/** Two 8-bit-valued images (300 wide, 200 high) with one bright square each, off the tile grid. */
	static FloatTensor twoImagesWithSquares(int[][] squares) {
		int h = 200, w = 300;
		float[] d = new float[2 * h * w];
		java.util.Arrays.fill(d, 50); // 0.2 after unit_range
		for (int b = 0; b < 2; b++) {
			int[] s = squares[b];
			for (int y = s[1]; y < s[1] + s[3]; y++) {
				for (int x = s[0]; x < s[0] + s[2]; x++) d[(b * h + y) * w + x] = 230;
			}
		}
		return new FloatTensor(new long[] { 2, h, w, 1 }, d);
	}

	@Test
	void evidenceSquareIsFoundAtItsTruePosition() {
		int[][] squares = { { 201, 133, 24, 19 }, { 7, 3, 40, 30 } };
		FloatTensor raw = twoImagesWithSquares(squares);
		TiledExplainer.Result r = TiledExplainer.explain(model, TileSource.of(raw, 255), new Saliency(), 0, 0.5, Progress.NONE);
		assertArrayEquals(new long[] { 2, 200, 300 }, r.maps().shape());
		assertEquals(TileGrid.of(200, 300, 32, 32, 0.5), r.grid());
		float inside = 1f / (TILE * TILE);
		for (int b = 0; b < 2; b++) {
			int[] s = squares[b];
			for (int y = 0; y < 200; y++) {
				for (int x = 0; x < 300; x++) {
					boolean in = x >= s[0] && x < s[0] + s[2] && y >= s[1] && y < s[1] + s[3];
					assertEquals(in ? inside : 0f, r.maps().get(b, y, x), inside * 1e-4f, "image " + b + " at (" + x + ", " + y + ")");
				}
			}
		}
		// Gradient x Input of "bright" is x/size^2 on bright pixels: the square's normalised value, in place.
		TiledExplainer.Result gi = TiledExplainer.explain(model, TileSource.of(raw, 255), new GradientTimesInput(), 0, 0.3, Progress.NONE);
		assertEquals(230f / 255 * inside, gi.maps().get(1, 10, 10), 1e-6f);
		assertEquals(0f, gi.maps().get(1, 100, 100), 1e-9f);
	}

	@Test
	void classMapAndImageClassComeFromTheTiles() {
		FloatTensor raw = twoImagesWithSquares(new int[][] { { 201, 133, 24, 19 }, { 7, 3, 40, 30 } });
		TiledExplainer.Result r = TiledExplainer.explain(model, TileSource.of(raw, 255), new Saliency(), AttributionMethod.PREDICTED, 0.5,
			Progress.NONE);
		int tiles = r.grid().count();
		assertArrayEquals(new long[] { 2, tiles, 2 }, r.tileProbabilities().shape());
		// A tile's probabilities are the model's on that tile.
		int t = 5 * r.grid().cols() + 12;
		float[] tile = new float[TILE * TILE];
		TileSource.of(raw, 255).read(0, r.grid().y(t), r.grid().x(t), TILE, TILE, tile);
		for (int i = 0; i < tile.length; i++) tile[i] /= 255;
		FloatTensor direct = model.probabilities(new FloatTensor(new long[] { 1, TILE, TILE, 1 }, tile));
		assertEquals(direct.get(0, 0), r.tileProbabilities().get(0, t, 0), 1e-6f);
		// Mostly dark background: the images are "dark", and the maps explain that class.
		assertArrayEquals(new int[] { 1, 1 }, r.predicted());
		assertArrayEquals(new int[] { 1, 1 }, r.targets());
		assertEquals("[dark, dark]", r.metadata().get("target_classes"));
		assertTrue(r.metadata().get("tiles").contains("tiles of 32x32"), r.metadata().toString());
	}

	/** Each tile's map is a constant drawn at random: blending must leave no step at tile borders. */
	static final class ConstantPerTile implements AttributionMethod {
		final int first;

		ConstantPerTile(int first) {
			this.first = first;
		}

		@Override
		public String name() {
			return "constant_per_tile";
		}

		@Override
		public AttributionMethod numberingImagesFrom(int from) {
			return new ConstantPerTile(from);
		}

		@Override
		public Attribution explain(Classifier classifier, FloatTensor images, int[] targets, Progress progress) {
			int n = (int) images.dim(0), h = (int) images.dim(1), w = (int) images.dim(2);
			float[] d = new float[n * h * w];
			for (int i = 0; i < n; i++) java.util.Arrays.fill(d, i * h * w, (i + 1) * h * w, new Random(first + i).nextFloat());
			return new Attribution(new FloatTensor(new long[] { n, h, w }, d), targets, AttributionMethod.metadata(classifier, name(), targets));
		}
	}

	@Test
	void noSeamAtTileBorders() {
		FloatTensor raw = twoImagesWithSquares(new int[][] { { 0, 0, 1, 1 }, { 0, 0, 1, 1 } });
		TiledExplainer.Result r = TiledExplainer.explain(model, TileSource.of(raw, 255), new ConstantPerTile(0), 0, 0.5, Progress.NONE);
		TileGrid g = r.grid();
		boolean[] border = new boolean[300];
		for (int x : g.xs()) {
			border[x] = true; // the step between x-1 and x, where a tile starts
			if (x + TILE < 300) border[x + TILE] = true; // and where one ends
		}
		double atBorders = 0, elsewhere = 0;
		for (int y = 0; y < 200; y++) {
			for (int x = 1; x < 300; x++) {
				double step = Math.abs(r.maps().get(0, y, x) - r.maps().get(0, y, x - 1));
				if (border[x]) atBorders = Math.max(atBorders, step);
				else elsewhere = Math.max(elsewhere, step);
			}
		}
		assertTrue(elsewhere > 0, "tiles differ, so the map changes");
		assertTrue(atBorders <= elsewhere, "largest step at tile borders " + atBorders + " > elsewhere " + elsewhere);
		// The same maps cut at the borders without a window would step there: the test can fail.
		assertTrue(hardCutStep(g, 0) > 3 * elsewhere);
	}

	/** The largest step between tiles' values when each pixel takes the last tile covering it (no blending). */
	private static double hardCutStep(TileGrid g, int first) {
		double max = 0;
		for (int r = 0; r < g.rows(); r++) {
			for (int c = 1; c < g.cols(); c++) {
				max = Math.max(max, Math.abs(new Random(first + r * g.cols() + c).nextFloat() - new Random(first + r * g.cols() + c - 1).nextFloat()));
			}
		}
		return max;
	}

	@Test
	void tilesAreStreamedOneWindowAtATime() {
		FloatTensor raw = twoImagesWithSquares(new int[][] { { 201, 133, 24, 19 }, { 7, 3, 40, 30 } });
		TileSource whole = TileSource.of(raw, 255);
		List<int[]> reads = new ArrayList<>();
		TileSource counting = new TileSource() {
			public int images() { return whole.images(); }
			public int height() { return whole.height(); }
			public int width() { return whole.width(); }
			public int channels() { return 1; }
			public double typeMax() { return 255; }
			public void read(int image, int y, int x, int h, int w, float[] hwc) {
				reads.add(new int[] { h, w });
				whole.read(image, y, x, h, w, hwc);
			}
		};
		TiledExplainer.explain(model, counting, new Saliency(), 0, 0.5, Progress.NONE);
		TileGrid g = TileGrid.of(200, 300, 32, 32, 0.5);
		assertEquals(2 * 2 * g.count(), reads.size(), "every tile read once per pass, nothing else");
		for (int[] hw : reads) assertArrayEquals(new int[] { TILE, TILE }, hw);
	}

	@Test
	void smallImagesArePaddedAndCancellationStops() {
		FloatTensor small = new FloatTensor(new long[] { 1, 20, 45, 1 }, new float[20 * 45]);
		small.set(240, 0, 10, 40, 0);
		TiledExplainer.Result r = TiledExplainer.explain(model, TileSource.of(small, 255), new Saliency(), 0, 0.5, Progress.NONE);
		assertTrue(TiledExplainer.paddingNote(r.grid()).contains("smaller than the model's input (32x32)"));
		assertArrayEquals(new long[] { 1, 20, 45 }, r.maps().shape());
		assertEquals(1f / (TILE * TILE), r.maps().get(0, 10, 40), 1e-7f);
		assertEquals(0f, r.maps().get(0, 11, 40), 1e-9f);
		Progress stop = (done, total, msg) -> done < total / 3;
		assertThrows(CancellationException.class,
			() -> TiledExplainer.explain(model, TileSource.of(twoImagesWithSquares(new int[][] { { 0, 0, 1, 1 }, { 0, 0, 1, 1 } }), 255),
				new Saliency(), 0, 0.5, stop));
	}

	@Test
	void mapTilesBlendsManyChannelsAsAttributionIsBlended() {
		FloatTensor raw = twoImagesWithSquares(new int[][] { { 201, 133, 24, 19 }, { 7, 3, 40, 30 } });
		// Tile maps that all tiles agree on (each tile's own normalised pixels, and twice them) come back as the image.
		TiledExplainer.MapsResult same = TiledExplainer.mapTiles(model, TileSource.of(raw, 255), 0.3, 2, (tiles, first, count) -> {
			float[] t = tiles.data(), out = new float[t.length * 2];
			for (int i = 0; i < t.length; i++) {
				out[2 * i] = t[i];
				out[2 * i + 1] = 2 * t[i];
			}
			return new FloatTensor(new long[] { tiles.dim(0), TILE, TILE, 2 }, out);
		}, Progress.NONE);
		assertArrayEquals(new long[] { 2, 200, 300, 2 }, same.maps().shape());
		for (int b = 0; b < 2; b++) {
			for (int y = 0; y < 200; y += 7) {
				for (int x = 0; x < 300; x += 5) {
					float v = raw.get(b, y, x, 0) / 255f;
					assertEquals(v, same.maps().get(b, y, x, 0), 1e-6f);
					assertEquals(2 * v, same.maps().get(b, y, x, 1), 2e-6f);
				}
			}
		}
		// Channel 0 = Saliency's own tile maps: the same map as the attribution run (one blending for both).
		Saliency saliency = new Saliency();
		TiledExplainer.MapsResult viaTiles = TiledExplainer.mapTiles(model, TileSource.of(raw, 255), 0.5, 1, (tiles, first, count) -> {
			int[] targets = new int[(int) tiles.dim(0)];
			FloatTensor m = saliency.explain(model, tiles, targets, Progress.NONE).maps();
			return m.reshape(new long[] { m.dim(0), TILE, TILE, 1 });
		}, Progress.NONE);
		TiledExplainer.Result explained = TiledExplainer.explain(model, TileSource.of(raw, 255), saliency, 0, 0.5, Progress.NONE);
		assertArrayEquals(explained.maps().data(), viaTiles.maps().data(), 0f);
		assertArrayEquals(explained.predicted(), viaTiles.predicted());
		assertArrayEquals(explained.tileProbabilities().data(), viaTiles.tileProbabilities().data(), 0f);
		Progress stop = (done, total, msg) -> done < total / 3;
		assertThrows(CancellationException.class, () -> TiledExplainer.mapTiles(model, TileSource.of(raw, 255), 0.5, 1,
			(tiles, first, count) -> new FloatTensor(new long[] { tiles.dim(0), TILE, TILE, 1 }, new float[(int) tiles.dim(0) * TILE * TILE]),
			stop));
	}
}
