package org.conceptscope.attribution;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CancellationException;

import org.conceptscope.model.Classifier;
import org.conceptscope.model.OperatorClassifier;
import org.conceptscope.model.TargetOperator;
import org.conceptscope.tensor.BlendWindow;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.tensor.TileGrid;
import org.conceptscope.tensor.TileSource;
import org.conceptscope.util.Limits;
import org.conceptscope.util.Progress;

/**
 * Explains regions of an image (ROIs) instead of the whole image, one result per region:
 * <ul>
 * <li>{@link Mode#TILES}: only the tiles of the whole-image grid ({@link TiledExplainer#grid}) that
 * hold a pixel of the region, blended as in a whole-image run; tile t of image b is numbered as
 * there, so on the region's pixels the map is the whole-image map, at the cost of those tiles only;</li>
 * <li>{@link Mode#WINDOW}: one model-size window centred on the region's bounding box (moved inside
 * the image; an image smaller than the model is padded by repeating its edges).</li>
 * </ul>
 * The target is the given class, or the class of largest mean probability over the region's tiles.
 * A classifier explains its class; a dense model seen through a segmentation operator over the whole
 * map ({@link OperatorClassifier} with {@link TargetOperator#segmentation()}) explains its output
 * over the region: each tile's zone is the part of the region inside it (tiles without any are skipped).
 * <p>
 * As {@link TiledExplainer}, the tiles are read, classified and explained a batch at a time (the
 * model's batch size) and read again for the second pass, so memory is the region's map and one
 * batch of tiles, checked before any tile is read. A batch holds consecutive tiles of the region;
 * for a method whose random draws follow a tile's number (SmoothGrad) only tiles of consecutive
 * numbers, for a dense model only tiles of one zone, so every tile gets the map it gets alone.
 */
public final class RegionExplainer {

	/** How a region is explained; {@link #key()} is what users write. */
	public enum Mode {
		TILES("tiles"), WINDOW("window");

		private final String key;

		Mode(String key) {
			this.key = key;
		}

		public String key() {
			return key;
		}

		/** @throws IllegalArgumentException naming the choices */
		public static Mode parse(String key) {
			for (Mode m : values()) if (m.key.equals(key == null ? "" : key.trim().toLowerCase(Locale.ROOT))) return m;
			throw new IllegalArgumentException("Unknown region mode '" + key + "'; use tiles or window.");
		}
	}

	/**
	 * A region of image {@code image} (0-based) of a source: its bounding box and a mask of the box's
	 * size, row by row (null: the whole box).
	 */
	public record Region(String name, int image, int x, int y, int width, int height, boolean[] mask) {

		public Region {
			if (width < 1 || height < 1) throw new IllegalArgumentException("The region '" + name + "' is empty; draw an area selection.");
			if (mask != null) {
				if (mask.length != width * height) {
					throw new IllegalArgumentException("The mask of region '" + name + "' has " + mask.length + " values for a " + width + "x" + height + " box.");
				}
				mask = mask.clone();
				boolean any = false;
				for (boolean m : mask) any |= m;
				if (!any) throw new IllegalArgumentException("The region '" + name + "' covers no pixel; draw an area selection.");
			}
		}

		/** A rectangle. */
		public static Region rectangle(String name, int image, int x, int y, int width, int height) {
			return new Region(name, image, x, y, width, height, null);
		}

		@Override
		public boolean[] mask() {
			return mask == null ? null : mask.clone();
		}

		/** Whether image pixel (px, py) is in the region. */
		public boolean contains(int px, int py) {
			if (px < x || py < y || px >= x + width || py >= y + height) return false;
			return mask == null || mask[(py - y) * width + (px - x)];
		}

		/** Whether the rectangle [x0, x0+w) x [y0, y0+h) holds a pixel of the region. */
		public boolean meets(int x0, int y0, int w, int h) {
			int ax = Math.max(x, x0), ay = Math.max(y, y0), bx = Math.min(x + width, x0 + w), by = Math.min(y + height, y0 + h);
			if (ax >= bx || ay >= by) return false;
			if (mask == null) return true;
			for (int py = ay; py < by; py++) for (int px = ax; px < bx; px++) if (mask[(py - y) * width + (px - x)]) return true;
			return false;
		}

		/**
		 * The region's part inside a width x height image: this region when it lies inside, null when no
		 * pixel of it does, else its box cut to the image and then to the bounding box of its pixels
		 * there (and its mask with it): an oval centred outside keeps only the rows and columns its
		 * inside part spans. A ROI drawn past an image's edge is explained, mapped and reported as that part.
		 */
		public Region clipped(int imageWidth, int imageHeight) {
			int ax = Math.max(x, 0), ay = Math.max(y, 0), bx = Math.min(x + width, imageWidth), by = Math.min(y + height, imageHeight);
			if (!meets(0, 0, imageWidth, imageHeight)) return null;
			if (ax == x && ay == y && bx == x + width && by == y + height) return this;
			boolean[] cut = null;
			if (mask != null) {
				// the cut box holds rows and columns with no pixel of the mask (the part of an oval past the edge)
				int minX = bx, minY = by, maxX = ax - 1, maxY = ay - 1;
				for (int py = ay; py < by; py++) {
					for (int px = ax; px < bx; px++) {
						if (!mask[(py - y) * width + (px - x)]) continue;
						minX = Math.min(minX, px);
						maxX = Math.max(maxX, px);
						minY = Math.min(minY, py);
						maxY = Math.max(maxY, py);
					}
				}
				ax = minX;
				ay = minY;
				bx = maxX + 1;
				by = maxY + 1;
				cut = new boolean[(bx - ax) * (by - ay)];
				for (int py = ay; py < by; py++) for (int px = ax; px < bx; px++) cut[(py - ay) * (bx - ax) + px - ax] = mask[(py - y) * width + (px - x)];
			}
			return new Region(name, image, ax, ay, bx - ax, by - ay, cut);
		}

		@Override
		public boolean equals(Object o) {
			return o instanceof Region r && r.name.equals(name) && r.image == image && r.x == x && r.y == y && r.width == width
				&& r.height == height && Arrays.equals(r.mask, mask);
		}

		@Override
		public int hashCode() {
			return name.hashCode() * 31 + Arrays.hashCode(new int[] { image, x, y, width, height }) + Arrays.hashCode(mask);
		}
	}

	/**
	 * One region's explanation: a map of the explained area [h, w] whose corner is image pixel
	 * (x, y) (NaN where no explained tile reaches), the region's class probabilities (mean over its
	 * tiles), predicted and explained class, and how many tiles were explained.
	 */
	public record Result(Region region, int x, int y, FloatTensor map, float[] probabilities, int predicted, int target, int tiles,
		Map<String, String> metadata) {

		public Result {
			probabilities = probabilities.clone();
			metadata = Map.copyOf(metadata);
		}

		@Override
		public float[] probabilities() {
			return probabilities.clone();
		}

		/** Mean of the map over the region's pixels that the explained area holds. */
		public double meanInside() {
			int h = (int) map.dim(0), w = (int) map.dim(1);
			double sum = 0;
			int n = 0;
			for (int yy = 0; yy < h; yy++) {
				for (int xx = 0; xx < w; xx++) {
					float v = map.data()[yy * w + xx];
					if (region.contains(x + xx, y + yy) && !Float.isNaN(v)) {
						sum += v;
						n++;
					}
				}
			}
			return n == 0 ? Double.NaN : sum / n;
		}
	}

	private RegionExplainer() {}

	/**
	 * @param target a class index, or {@link AttributionMethod#PREDICTED}
	 * @param overlap the whole-image grid's overlap (TILES mode)
	 * @param progress tiles done of the region's tiles; false cancels
	 * @throws IllegalArgumentException in one sentence for a region outside the image or a bad target
	 * @throws CancellationException when progress asks to stop
	 */
	public static Result explain(Classifier classifier, TileSource source, Region region, Mode mode, AttributionMethod method, int target,
		double overlap, Progress progress) {
		AttributionMethod.checkRequest(classifier, method, target);
		int k = classifier.numClasses();
		int height = source.height(), width = source.width();
		if (region.image() < 0 || region.image() >= source.images()) {
			throw new IllegalArgumentException("The region '" + region.name() + "' is on image " + (region.image() + 1) + " but there are "
				+ source.images() + ".");
		}
		if (!region.meets(0, 0, width, height)) {
			throw new IllegalArgumentException("The region '" + region.name() + "' (" + region.x() + ", " + region.y() + ", " + region.width()
				+ "x" + region.height() + ") lies outside the " + width + "x" + height + " image.");
		}
		method.checkRuns(classifier);
		Progress p = progress == null ? Progress.NONE : progress;
		TileGrid grid = TiledExplainer.grid(classifier, height, width, overlap);
		method.checkInput(classifier, height, width); // a model of any size: the image's
		int th = grid.tileHeight(), tw = grid.tileWidth();
		List<int[]> tiles = tiles(classifier, grid, region, mode, height, width);
		boolean zones = zones(classifier);
		if (tiles.isEmpty()) {
			throw new IllegalArgumentException("The model-size window centred on region '" + region.name() + "' holds none of its pixels;"
				+ " use region=tiles for it, or draw it as several ROIs.");
		}
		int n = tiles.size();
		int minX = Integer.MAX_VALUE, minY = Integer.MAX_VALUE, maxX = 0, maxY = 0;
		for (int[] t : tiles) {
			minX = Math.min(minX, t[1]);
			minY = Math.min(minY, t[2]);
			maxX = Math.max(maxX, Math.min(width, t[1] + tw));
			maxY = Math.max(maxY, Math.min(height, t[2] + th));
		}
		int mw = maxX - minX, mh = maxY - minY, c = source.channels();
		int fixed = TiledExplainer.fixedBatch(classifier), batch = TiledExplainer.batchSize(classifier);
		long imageValues = org.conceptscope.tensor.Normalization.pointwise(classifier.normalization(), source.typeMax()) ? 0 : (long) height * width * c;
		checkMemory(region, n, mw, mh, (long) (batch + fixed) * th * tw * c, imageValues);
		// Methods whose random draws follow an image's number in its batch (SmoothGrad) get batches
		// of consecutive tile numbers; a dense model's tiles, batches of one zone.
		boolean numbered = mode == Mode.TILES && method.numberingImagesFrom(0) != method.numberingImagesFrom(1);
		List<int[]> batches = batches(tiles, batch, numbered, zones ? t -> zone(region, t[1], t[2], tw, th) : null);
		TiledExplainer.Tiles reader = new TiledExplainer.Tiles(source, classifier.normalization(), grid);

		// Pass 1: the tiles' class probabilities, a batch at a time; the region's are their mean.
		float[] probabilities = new float[k];
		for (int[] b : batches) {
			Classifier view = view(classifier, zones, region, tiles.get(b[0]), tw, th);
			float[] pr = view.probabilities(read(reader, tiles, b[0], b[1], region.image(), th, tw, c, fixed)).data();
			for (int i = 0; i < b[1] - b[0]; i++) for (int j = 0; j < k; j++) probabilities[j] += pr[i * k + j] / n;
			if (!p.report(b[1], 2L * n, "region tiles classified")) throw new CancellationException("Stopped while classifying tiles.");
		}
		int predicted = argmax(probabilities);
		int explained = target == AttributionMethod.PREDICTED ? predicted : target;

		// Pass 2: the tiles read again, explained a batch at a time and blended.
		float[] sum = new float[mw * mh], weight = new float[mw * mh];
		float[] wy = mode == Mode.TILES ? BlendWindow.weights(th) : ones(th), wx = mode == Mode.TILES ? BlendWindow.weights(tw) : ones(tw);
		List<Map<String, String>> batchMetadata = new ArrayList<>();
		int[] counts = new int[batches.size()];
		for (int q = 0; q < batches.size(); q++) {
			int from = batches.get(q)[0], to = batches.get(q)[1], count = to - from;
			counts[q] = count;
			FloatTensor x = read(reader, tiles, from, to, region.image(), th, tw, c, fixed);
			int[] targets = new int[(int) x.dim(0)];
			Arrays.fill(targets, explained);
			Progress within = (d, all, msg) -> p.report(n + from + (all > 0 ? d * count / all : 0), 2L * n, "region tiles explained");
			AttributionMethod numberedMethod = method.numberingImagesFrom(mode == Mode.TILES ? tiles.get(from)[0] : 0);
			Attribution a = numberedMethod.explain(view(classifier, zones, region, tiles.get(from), tw, th), x, targets, within);
			if (a.maps().dim(1) != th || a.maps().dim(2) != tw) {
				throw new IllegalStateException(method.name() + " gave maps " + a.maps() + " for tiles of " + tw + "x" + th + ".");
			}
			batchMetadata.add(a.metadata());
			float[] m = a.maps().data();
			for (int i = 0; i < count; i++) {
				int[] t = tiles.get(from + i);
				int o = i * th * tw;
				for (int yy = 0; yy < th && t[2] + yy < height; yy++) {
					for (int xx = 0; xx < tw && t[1] + xx < width; xx++) {
						int at = (t[2] + yy - minY) * mw + t[1] + xx - minX;
						float wt = wy[yy] * wx[xx];
						sum[at] += wt * m[o + yy * tw + xx];
						weight[at] += wt;
					}
				}
			}
			if (!p.report(n + to, 2L * n, "region tiles explained")) throw new CancellationException("Stopped while explaining tiles.");
		}
		for (int i = 0; i < sum.length; i++) sum[i] = weight[i] > 0 ? sum[i] / weight[i] : Float.NaN;
		Map<String, String> meta = new LinkedHashMap<>(method.tiledMetadata(batchMetadata, counts, n)); // the region is one image of n tiles
		meta.put("region", region.name());
		meta.put("region_mode", mode.key());
		meta.put("targets", "[" + explained + "]");
		meta.put("target_classes", AttributionMethod.targetClasses(classifier.classNames(), new int[] { explained }));
		meta.put("tiles", n + " of " + grid.describe());
		return new Result(region, minX, minY, new FloatTensor(new long[] { mh, mw }, sum), probabilities, predicted, explained, n, meta);
	}

	/**
	 * The model-size tiles that explain {@code region} on an image of {@code width x height} (known before any pixel is read): how
	 * many the method runs on, for the passes announced before the work.
	 */
	public static int tileCount(Classifier classifier, Region region, Mode mode, int height, int width, double overlap) {
		return tiles(classifier, TiledExplainer.grid(classifier, height, width, overlap), region, mode, height, width).size();
	}

	/** Whether each tile is scored on its zone of the region only (a dense model's segmentation operator without its own mask). */
	private static boolean zones(Classifier classifier) {
		return classifier instanceof OperatorClassifier o && o.operator() instanceof TargetOperator.Zone z && z.mask() == null;
	}

	/** The tiles to explain, as global tile numbers (image * tiles per image + tile) and corners. */
	private static List<int[]> tiles(Classifier classifier, TileGrid grid, Region region, Mode mode, int height, int width) {
		int th = grid.tileHeight(), tw = grid.tileWidth();
		List<int[]> tiles = new ArrayList<>();
		if (mode == Mode.TILES) {
			for (int t = 0; t < grid.count(); t++) {
				if (region.meets(grid.x(t), grid.y(t), tw, th)) tiles.add(new int[] { region.image() * grid.count() + t, grid.x(t), grid.y(t) });
			}
		} else {
			int cx = region.x() + region.width() / 2, cy = region.y() + region.height() / 2;
			int x0 = clamp(cx - tw / 2, width - tw), y0 = clamp(cy - th / 2, height - th);
			tiles.add(new int[] { region.image(), x0, y0 });
		}
		if (zones(classifier)) tiles.removeIf(t -> !region.meets(t[1], t[2], tw, th));
		return tiles;
	}

	/**
	 * Bytes a region's explanation holds: its map's sum and weight (the result's map is the sum),
	 * each tile's number and corner, one batch's tiles and their maps (twice the batch's values), and
	 * the image as floats when the normalisation takes statistics from it ({@code imageValues}).
	 * Only the map grows with the region; the tiles are read again for the second pass.
	 */
	static long bytesNeeded(long tiles, long mapWidth, long mapHeight, long batchValues, long imageValues) {
		return 8 * mapWidth * mapHeight + 48 * tiles + 8 * batchValues + 4 * imageValues;
	}

	/** Refuses, before any tile is read, a region whose explanation needs more memory than Java has left, in one sentence. */
	private static void checkMemory(Region region, int tiles, int mapWidth, int mapHeight, long batchValues, long imageValues) {
		long need = bytesNeeded(tiles, mapWidth, mapHeight, batchValues, imageValues), left = Limits.heapLeft(need);
		if (need <= left) return;
		throw new IllegalArgumentException(String.format(Locale.ROOT, "Explaining the region '%s' (%d tiles, a %dx%d map) needs about"
			+ " %s and Java has %s left: explain a smaller region (or split it into several ROIs), use window mode, or give"
			+ " Java more memory (-Xmx, or Edit > Options > Memory & Threads in Fiji).", region.name(), tiles, mapWidth, mapHeight,
			Limits.readableSize(need, left), Limits.readableSize(left, need)));
	}

	/**
	 * The batches [from, to) of the tiles, in order: at most {@code size} tiles each; with
	 * {@code numbered}, of consecutive tile numbers; with {@code zoneOf}, of one zone.
	 */
	static List<int[]> batches(List<int[]> tiles, int size, boolean numbered, java.util.function.Function<int[], float[]> zoneOf) {
		List<int[]> out = new ArrayList<>();
		int from = 0, n = tiles.size();
		float[] zone = zoneOf == null || n == 0 ? null : zoneOf.apply(tiles.get(0));
		for (int i = 1; i <= n; i++) {
			float[] next = zoneOf != null && i < n ? zoneOf.apply(tiles.get(i)) : null;
			if (i == n || i - from == size || numbered && tiles.get(i)[0] != tiles.get(i - 1)[0] + 1 || zoneOf != null && !Arrays.equals(next, zone)) {
				out.add(new int[] { from, i });
				from = i;
			}
			zone = next;
		}
		return out;
	}

	/** Tiles [from, to) of the list as a normalised batch, padded by repeating the last to a multiple of {@code multiple}. */
	private static FloatTensor read(TiledExplainer.Tiles reader, List<int[]> tiles, int from, int to, int image, int th, int tw, int c,
		int multiple) {
		int count = to - from, per = th * tw * c, padded = (count + multiple - 1) / multiple * multiple;
		float[] data = new float[padded * per], one = new float[per];
		for (int i = 0; i < padded; i++) {
			int[] t = tiles.get(from + Math.min(i, count - 1));
			if (i < count) reader.read(image, t[2], t[1], one);
			System.arraycopy(one, 0, data, i * per, per);
		}
		return new FloatTensor(new long[] { padded, th, tw, c }, data);
	}

	/** The classifier a tile is questioned with: a dense model's, over the part of the region in the tile. */
	private static Classifier view(Classifier classifier, boolean zones, Region region, int[] tile, int tw, int th) {
		return zones ? zoneView((OperatorClassifier) classifier, region, tile[1], tile[2], tw, th) : classifier;
	}

	/** The dense model's output over the part of the region inside a tile (output and tile of one size). */
	private static Classifier zoneView(OperatorClassifier whole, Region region, int x0, int y0, int tw, int th) {
		long[] out = whole.model().outputShape();
		if (out[1] > 0 && out[2] > 0 && (out[1] != th || out[2] != tw)) {
			throw new IllegalArgumentException("The model's output map is " + out[2] + "x" + out[1] + " for inputs of " + tw + "x" + th
				+ "; regions are explained on models whose output map has the input's size.");
		}
		return whole.withOperator(TargetOperator.segmentation(zone(region, x0, y0, tw, th), tw, th));
	}

	/** 1 on the tile's pixels in the region, 0 elsewhere. */
	private static float[] zone(Region region, int x0, int y0, int tw, int th) {
		float[] zone = new float[th * tw];
		for (int yy = 0; yy < th; yy++) for (int xx = 0; xx < tw; xx++) if (region.contains(x0 + xx, y0 + yy)) zone[yy * tw + xx] = 1;
		return zone;
	}

	private static int clamp(int v, int max) {
		return Math.max(0, Math.min(v, Math.max(0, max)));
	}

	private static float[] ones(int n) {
		float[] a = new float[n];
		Arrays.fill(a, 1f);
		return a;
	}

	private static int argmax(float[] v) {
		int best = 0;
		for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
		return best;
	}
}
