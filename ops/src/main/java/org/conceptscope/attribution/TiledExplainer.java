package org.conceptscope.attribution;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;

import org.conceptscope.model.Classifier;
import org.conceptscope.tensor.BlendWindow;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.tensor.Normalization;
import org.conceptscope.tensor.TileBlender;
import org.conceptscope.tensor.TileGrid;
import org.conceptscope.tensor.TileSource;
import org.conceptscope.util.Progress;

/**
 * Explains images of any size with a model of fixed input size, tile by tile: tiles of the model's
 * size ({@link TileGrid}, overlapping by {@code overlap}) are read from a {@link TileSource} one batch
 * at a time (the classifier's preferred batch size, across images), classified, explained with any
 * {@link AttributionMethod}, and their maps blended into one map of the image's size with a smooth
 * window ({@link BlendWindow}). Memory is the output maps plus one batch of tiles, whatever the
 * image's size.
 * <p>
 * Two passes: the first classifies every tile (per-tile probabilities, kept for the class map; the
 * image's probabilities are their mean and its predicted class their arg-max), the second explains
 * every tile for the image's target class (the given one, or the image's predicted class), so the map
 * of an image speaks of one class. Random methods number the tiles of the whole stack in order
 * ({@link AttributionMethod#numberingImagesFrom}), so a tile's map does not depend on the batch it
 * was computed in. Pointwise normalisations are applied to each tile; those that take statistics from
 * the image (percentile, zero_mean_unit_variance, unit_range of float pixels) to each whole image
 * first, as the model would see it untiled (that image is then held once, as floats).
 */
public final class TiledExplainer {

	/** Everything a tiled run gives: maps [N, H, W], tile grid, per-tile probabilities [N, tiles, K], image-level results. */
	public record Result(FloatTensor maps, TileGrid grid, FloatTensor tileProbabilities, FloatTensor probabilities, int[] predicted,
		int[] targets, Map<String, String> metadata) {

		public Result {
			predicted = predicted.clone();
			targets = targets.clone();
			metadata = Map.copyOf(metadata);
		}

		@Override
		public int[] predicted() {
			return predicted.clone();
		}

		@Override
		public int[] targets() {
			return targets.clone();
		}

		/** The maps as an {@link Attribution} (no channel maps). */
		public Attribution attribution() {
			return new Attribution(maps, targets, metadata);
		}
	}

	private TiledExplainer() {}

	/**
	 * Whether an image of {@code height x width} pixels must be tiled for this classifier: the model's
	 * input for it ({@link Classifier#inputHeight}, {@link Classifier#inputWidth}) differs from it.
	 */
	public static boolean needsTiles(Classifier classifier, int height, int width) {
		return classifier.inputHeight(height) != height || classifier.inputWidth(width) != width;
	}

	/** The grid of model-size tiles over an image ({@link Classifier#inputHeight}: a dimension of any size takes the image's). */
	public static TileGrid grid(Classifier classifier, int height, int width, double overlap) {
		return TileGrid.of(height, width, (int) classifier.inputHeight(height), (int) classifier.inputWidth(width), overlap);
	}

	/**
	 * A sentence for the Log when the image is smaller than the model's input along some axis (its
	 * tiles are padded by repeating its edge pixels), or null.
	 */
	public static String paddingNote(TileGrid grid) {
		if (!grid.padded()) return null;
		return "The image (" + grid.width() + "x" + grid.height() + ") is smaller than the model's input (" + grid.tileWidth() + "x"
			+ grid.tileHeight() + "): it is padded to the input size by repeating its edge pixels; the map covers the image only.";
	}

	/**
	 * @param target a class index for every image, or {@link AttributionMethod#PREDICTED}
	 * @param overlap fraction of a tile shared with its neighbours, in [0, 1)
	 * @param progress reports tiles done of all tiles (both passes); false cancels
	 * @throws CancellationException when progress asks to stop
	 */
	public static Result explain(Classifier classifier, TileSource source, AttributionMethod method, int target, double overlap,
		Progress progress) {
		return explain(classifier, source, method, target, overlap, 0, progress);
	}

	/**
	 * As {@link #explain(Classifier, TileSource, AttributionMethod, int, double, Progress)}, for images
	 * that are entries {@code firstImage..} of a longer run (a stack explained in parts): random methods
	 * number the tiles as in the whole run, so the maps are those of explaining it whole.
	 */
	public static Result explain(Classifier classifier, TileSource source, AttributionMethod method, int target, double overlap,
		int firstImage, Progress progress) {
		return explain(classifier, source, method, target, overlap, firstImage, progress, TileCheckpoint.NONE);
	}

	/**
	 * As {@link #explain(Classifier, TileSource, AttributionMethod, int, double, int, Progress)}, each
	 * finished batch of tiles kept in {@code checkpoint} and the batches it already holds not computed
	 * again (a resumed run over a large image).
	 */
	public static Result explain(Classifier classifier, TileSource source, AttributionMethod method, int target, double overlap,
		int firstImage, Progress progress, TileCheckpoint checkpoint) {
		TileCheckpoint store = checkpoint == null ? TileCheckpoint.NONE : checkpoint;
		if (firstImage < 0) throw new IllegalArgumentException("Images are numbered from 0 or more, got " + firstImage + ".");
		AttributionMethod.checkRequest(classifier, method, target);
		int k = classifier.numClasses();
		method.checkRuns(classifier);
		Progress p = progress == null ? Progress.NONE : progress;
		TileGrid grid = grid(classifier, source.height(), source.width(), overlap);
		method.checkInput(classifier, source.height(), source.width()); // a model of any size: the image's
		checkSource(classifier, source, grid);
		int n = source.images(), perImage = grid.count(), th = grid.tileHeight(), tw = grid.tileWidth();
		long total = (long) n * perImage;
		long mapValues = (long) n * source.height() * source.width();
		if (mapValues > Integer.MAX_VALUE - 8) {
			throw new IllegalArgumentException("The maps of " + n + " images of " + source.width() + "x" + source.height()
				+ " hold more values than one array; explain fewer slices at a time.");
		}
		int batch = batchSize(classifier);
		long firstTile = (long) firstImage * perImage;
		if (firstTile + total > Integer.MAX_VALUE) throw new IllegalArgumentException("Too many tiles to number: explain fewer slices at a time.");
		Tiles tiles = new Tiles(source, classifier.normalization(), grid);

		// Pass 1: every tile's class probabilities.
		float[] tileProbs = new float[(int) total * k];
		for (int g = 0; g < total; g += batch) {
			int count = (int) Math.min(batch, total - g);
			TileCheckpoint.Stored kept = store.load(1, g, count);
			if (kept != null && kept.values().length == count * k) {
				System.arraycopy(kept.values(), 0, tileProbs, g * k, count * k);
			} else {
				FloatTensor probs = classifier.probabilities(tiles.batch(g, count, fixedBatch(classifier)));
				System.arraycopy(probs.data(), 0, tileProbs, g * k, count * k);
				store.save(1, g, count, Arrays.copyOfRange(tileProbs, g * k, (g + count) * k), Map.of());
			}
			if (!p.report(g + count, 2 * total, "tiles classified")) throw new CancellationException("Stopped while classifying tiles.");
		}
		float[] probabilities = new float[n * k];
		for (int b = 0; b < n; b++) {
			for (int t = 0; t < perImage; t++) {
				for (int j = 0; j < k; j++) probabilities[b * k + j] += tileProbs[(b * perImage + t) * k + j] / perImage;
			}
		}
		FloatTensor imageProbs = new FloatTensor(new long[] { n, k }, probabilities);
		int[] predicted = imageProbs.argmaxRows();
		int[] targets = target == AttributionMethod.PREDICTED ? predicted.clone() : filled(n, target);

		// Pass 2: every tile explained for its image's target, blended into the maps.
		TileBlender blender = new TileBlender(grid, n, 1);
		List<Map<String, String>> batchMetadata = new ArrayList<>();
		List<Integer> batchCounts = new ArrayList<>();
		int height = source.height(), width = source.width();
		for (int g = 0; g < total; g += batch) {
			int count = (int) Math.min(batch, total - g);
			TileCheckpoint.Stored kept = store.load(2, g, count);
			float[] m;
			if (kept != null && kept.values().length == count * th * tw) {
				m = kept.values();
				batchMetadata.add(kept.metadata());
			} else {
				FloatTensor x = tiles.batch(g, count, fixedBatch(classifier));
				int[] tileTargets = new int[(int) x.dim(0)];
				for (int i = 0; i < tileTargets.length; i++) tileTargets[i] = targets[(g + Math.min(i, count - 1)) / perImage];
				long before = total + g;
				Progress within = (d, t, msg) -> p.report(before + (t > 0 ? d * count / t : 0), 2 * total, "tiles explained");
				Attribution a = method.numberingImagesFrom((int) firstTile + g).explain(classifier, x, tileTargets, within);
				batchMetadata.add(a.metadata());
				m = a.maps().data();
				if (a.maps().dim(1) != th || a.maps().dim(2) != tw) {
					throw new IllegalStateException(method.name() + " gave maps " + a.maps() + " for tiles of " + tw + "x" + th + ".");
				}
				store.save(2, g, count, Arrays.copyOf(m, count * th * tw), a.metadata());
			}
			batchCounts.add(count);
			for (int i = 0; i < count; i++) blender.add((g + i) / perImage, (g + i) % perImage, m, i * th * tw);
			if (!p.report(total + g + count, 2 * total, "tiles explained")) throw new CancellationException("Stopped while explaining tiles.");
		}
		float[] maps = blender.blended();
		Map<String, String> meta = new LinkedHashMap<>(method.tiledMetadata(batchMetadata,
			batchCounts.stream().mapToInt(Integer::intValue).toArray(), perImage));
		meta.put("targets", Arrays.toString(targets));
		meta.put("target_classes", AttributionMethod.targetClasses(classifier.classNames(), targets));
		meta.put("tiles", grid.describe());
		return new Result(new FloatTensor(new long[] { n, height, width }, maps), grid,
			new FloatTensor(new long[] { n, perImage, k }, tileProbs), imageProbs, predicted, targets, meta);
	}

	/** What {@link #mapTiles} computes on each batch of tiles. */
	@FunctionalInterface
	public interface TileMaps {

		/**
		 * @param tiles normalised tiles [B, tileHeight, tileWidth, c]; B may exceed {@code count} (padded to the model's fixed batch)
		 * @param firstTile the first tile's number in the run (image * tiles per image + tile)
		 * @param count the batch's real tiles
		 * @return maps [B or count, tileHeight, tileWidth, channels] of the real tiles first
		 */
		FloatTensor apply(FloatTensor tiles, int firstTile, int count);
	}

	/** Maps [N, H, W, K] blended from the tiles, the grid, per-tile probabilities [N, tiles, classes], image-level results. */
	public record MapsResult(FloatTensor maps, TileGrid grid, FloatTensor tileProbabilities, FloatTensor probabilities, int[] predicted) {

		public MapsResult {
			predicted = predicted.clone();
		}

		@Override
		public int[] predicted() {
			return predicted.clone();
		}
	}

	/**
	 * Maps of {@code channels} values per pixel computed by {@code perTiles} on every tile of every
	 * image (tiles of the model's size, read and normalised as {@link #explain} does), blended into
	 * maps of the image's size with the same window ({@link TileBlender}), in one pass: each batch is
	 * also classified (per-tile probabilities; the image's probabilities are their mean, its predicted
	 * class their arg-max). Concept maps over a whole image are made this way.
	 *
	 * @param progress reports tiles done; false cancels
	 * @throws CancellationException when progress asks to stop
	 */
	public static MapsResult mapTiles(Classifier classifier, TileSource source, double overlap, int channels, TileMaps perTiles,
		Progress progress) {
		if (classifier == null) throw new IllegalArgumentException("No model given: load a classifier first.");
		Progress p = progress == null ? Progress.NONE : progress;
		TileGrid grid = grid(classifier, source.height(), source.width(), overlap);
		checkSource(classifier, source, grid);
		int n = source.images(), perImage = grid.count(), th = grid.tileHeight(), tw = grid.tileWidth(), k = classifier.numClasses();
		int total = n * perImage, batch = batchSize(classifier);
		TileBlender blender = new TileBlender(grid, n, channels);
		Tiles tiles = new Tiles(source, classifier.normalization(), grid);
		float[] tileProbs = new float[total * k];
		for (int g = 0; g < total; g += batch) {
			int count = Math.min(batch, total - g);
			FloatTensor x = tiles.batch(g, count, fixedBatch(classifier));
			FloatTensor probs = classifier.probabilities(x);
			System.arraycopy(probs.data(), 0, tileProbs, g * k, count * k);
			FloatTensor m = perTiles.apply(x, g, count);
			if (m.rank() != 4 || m.dim(0) < count || m.dim(1) != th || m.dim(2) != tw || m.dim(3) != channels) {
				throw new IllegalStateException("Tile maps " + m + " do not fit " + count + " tiles of " + tw + "x" + th + " with " + channels
					+ " channels.");
			}
			for (int i = 0; i < count; i++) blender.add((g + i) / perImage, (g + i) % perImage, m.data(), i * th * tw * channels);
			if (!p.report(g + count, total, "tiles mapped")) throw new CancellationException("Stopped while mapping tiles.");
		}
		float[] probabilities = new float[n * k];
		for (int b = 0; b < n; b++) {
			for (int t = 0; t < perImage; t++) {
				for (int j = 0; j < k; j++) probabilities[b * k + j] += tileProbs[(b * perImage + t) * k + j] / perImage;
			}
		}
		FloatTensor imageProbs = new FloatTensor(new long[] { n, k }, probabilities);
		return new MapsResult(new FloatTensor(new long[] { n, source.height(), source.width(), channels }, blender.blended()), grid,
			new FloatTensor(new long[] { n, perImage, k }, tileProbs), imageProbs, imageProbs.argmaxRows());
	}

	/** Refuses, in one sentence, an image whose channels the model does not take, or one of too many tiles. */
	static void checkSource(Classifier classifier, TileSource source, TileGrid grid) {
		int c = source.channels();
		long modelChannels = classifier.signature().channels();
		if (modelChannels > 0 && modelChannels != c) {
			throw new IllegalArgumentException("The model expects channels " + modelChannels + " but the image has " + c + " (input "
				+ Arrays.toString(classifier.signature().input().shape()) + ", image " + source.width() + "x" + source.height() + "x" + c
				+ "). Check the channel count of the image (RGB images have 3, composites one per channel).");
		}
		long total = (long) source.images() * grid.count();
		if (total > Integer.MAX_VALUE) throw new IllegalArgumentException("The image needs " + total + " tiles, too many; use a larger overlap step.");
	}

	/**
	 * Blends per-tile values [tiles, K] of one image into K planes of the image's size with the
	 * tiles' window (e.g. the class probabilities: a smooth class map).
	 */
	public static float[][] blendTileValues(TileGrid grid, FloatTensor tileValues) {
		if (tileValues.rank() != 2 || tileValues.dim(0) != grid.count()) {
			throw new IllegalArgumentException("Tile values must be [" + grid.count() + ", K], got " + tileValues + ".");
		}
		int k = (int) tileValues.dim(1), h = grid.height(), w = grid.width(), th = grid.tileHeight(), tw = grid.tileWidth();
		float[] wy = BlendWindow.weights(th), wx = BlendWindow.weights(tw), v = tileValues.data();
		float[][] out = new float[k][h * w];
		for (int t = 0; t < grid.count(); t++) {
			int y0 = grid.y(t), x0 = grid.x(t);
			for (int yy = 0; yy < th && y0 + yy < h; yy++) {
				for (int xx = 0; xx < tw && x0 + xx < w; xx++) {
					float wt = wy[yy] * wx[xx];
					int at = (y0 + yy) * w + x0 + xx;
					for (int j = 0; j < k; j++) out[j][at] += wt * v[t * k + j];
				}
			}
		}
		double[] cy = BlendWindow.coverage(h, th, grid.ys()), cx = BlendWindow.coverage(w, tw, grid.xs());
		for (int j = 0; j < k; j++) {
			for (int y = 0; y < h; y++) {
				for (int x = 0; x < w; x++) out[j][y * w + x] = (float) (out[j][y * w + x] / (cy[y] * cx[x]));
			}
		}
		return out;
	}

	/** Tiles a batch at a time: the classifier's preferred batch size, rounded to a fixed batch size of the model. */
	static int batchSize(Classifier classifier) {
		int fixed = fixedBatch(classifier);
		int preferred = Math.max(1, classifier.preferredBatchSize());
		return Math.max(fixed, preferred / fixed * fixed);
	}

	static int fixedBatch(Classifier classifier) {
		long[] s = classifier.signature().input().shape();
		return s != null && s.length > 0 && s[0] > 0 ? (int) s[0] : 1;
	}

	private static int[] filled(int n, int v) {
		int[] a = new int[n];
		Arrays.fill(a, v);
		return a;
	}

	/**
	 * Every tile of every image of the source, [images x tiles, tileHeight, tileWidth, c] (image-major,
	 * tiles row by row), normalised as a tiled run normalises them: a normalisation that takes
	 * statistics takes them over the whole slice. The samples a command takes from images larger
	 * than the model's input.
	 */
	public static FloatTensor tiles(TileSource source, Normalization normalization, TileGrid grid) {
		if (grid.height() != source.height() || grid.width() != source.width()) {
			throw new IllegalArgumentException("The grid " + grid + " is not over the source's " + source.width() + "x" + source.height() + " images.");
		}
		long total = (long) source.images() * grid.count();
		if (total * grid.tileHeight() * grid.tileWidth() * source.channels() > Integer.MAX_VALUE - 8) {
			throw new IllegalArgumentException("The " + total + " tiles hold more values than one array; take fewer images at a time.");
		}
		return new Tiles(source, normalization, grid).batch(0, (int) total, 1);
	}

	/** Reads and normalises tiles by global index (image * tiles per image + tile). */
	static final class Tiles {
		private final TileSource source;
		private final Normalization normalization;
		private final TileGrid grid;
		private final boolean pointwise;
		private int cachedImage = -1;
		private FloatTensor cached;

		Tiles(TileSource source, Normalization normalization, TileGrid grid) {
			this.source = source;
			this.normalization = normalization;
			this.grid = grid;
			this.pointwise = Normalization.pointwise(normalization, source.typeMax());
		}

		/** Tiles [g, g+count) as a normalised batch, padded by repeating the last tile to a multiple of {@code multiple}. */
		FloatTensor batch(int g, int count, int multiple) {
			int th = grid.tileHeight(), tw = grid.tileWidth(), c = source.channels(), per = th * tw * c;
			int padded = (count + multiple - 1) / multiple * multiple;
			float[] data = new float[padded * per];
			float[] one = new float[per];
			for (int i = 0; i < padded; i++) {
				int gi = g + Math.min(i, count - 1), b = gi / grid.count(), t = gi % grid.count();
				read(b, grid.y(t), grid.x(t), one);
				System.arraycopy(one, 0, data, i * per, per);
			}
			return new FloatTensor(new long[] { padded, th, tw, c }, data);
		}

		void read(int b, int y, int x, float[] one) {
			int th = grid.tileHeight(), tw = grid.tileWidth(), c = source.channels();
			if (pointwise) {
				source.read(b, y, x, th, tw, one);
				normalization.apply(one, c, source.typeMax());
				return;
			}
			if (cachedImage != b) {
				cached = null; // one image at a time
				float[] whole = new float[source.height() * source.width() * c];
				source.read(b, 0, 0, source.height(), source.width(), whole);
				normalization.apply(whole, c, source.typeMax());
				cached = new FloatTensor(new long[] { 1, source.height(), source.width(), c }, whole);
				cachedImage = b;
			}
			TileSource.of(cached, Double.NaN).read(0, y, x, th, tw, one);
		}
	}
}
