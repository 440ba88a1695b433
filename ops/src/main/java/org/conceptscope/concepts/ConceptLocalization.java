package org.conceptscope.concepts;

import org.conceptscope.attribution.TiledExplainer;
import org.conceptscope.model.Classifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.tensor.Resampling;
import org.conceptscope.tensor.TileSource;
import org.conceptscope.util.Progress;

/**
 * Where each concept sits: per image and concept, the NNLS coefficient at every position of the
 * bank's layer, bilinearly upsampled to the image. Maps are [N, H, W, k] (one channel per concept,
 * the layout of per-channel attribution maps), coarse maps [N, h, w, k].
 * <p>
 * An image of another size than the model's input is localised tile by tile
 * ({@link #localizeTiled}): each model-size tile gets its concept maps as above, and the tiles' maps
 * are blended with the window attribution maps are blended with ({@link TiledExplainer#mapTiles}),
 * into one map per concept of the image's size.
 */
public final class ConceptLocalization {

	/** Upsampled and layer-resolution concept maps. */
	public record ConceptMaps(FloatTensor maps, FloatTensor coarse) {}

	/**
	 * Concept maps of whole images [N, H, W, k], blended from tiles, with the tiles' grid and classes,
	 * and per image and concept the mean and the largest coefficient over every layer position of
	 * every tile [N, k].
	 */
	public record TiledConceptMaps(TiledExplainer.MapsResult tiles, FloatTensor mean, FloatTensor max) {

		public FloatTensor maps() {
			return tiles.maps();
		}
	}

	private ConceptLocalization() {}

	public static ConceptMaps localize(Classifier classifier, ConceptBank bank, FloatTensor images) {
		ConceptCoefficients cc = ConceptCoefficients.of(classifier, bank, images);
		long[] ls = cc.layerShape();
		int n = cc.u().length, k = bank.size();
		int h = ls.length == 4 ? (int) ls[1] : 1, w = ls.length == 4 ? (int) ls[2] : 1;
		int height = (int) images.dim(1), width = (int) images.dim(2);
		float[] coarse = new float[n * h * w * k];
		for (int i = 0; i < n; i++) for (int p = 0; p < h * w; p++) for (int q = 0; q < k; q++) {
			coarse[(i * h * w + p) * k + q] = (float) cc.u()[i][p][q];
		}
		FloatTensor small = new FloatTensor(new long[] { n, h, w, k }, coarse);
		return new ConceptMaps(upsample(small, height, width), small);
	}

	/**
	 * Refuses, in one sentence and before the first model pass, {@code n} images of height x width whose concept maps
	 * ({@link #localize(Classifier, ConceptBank, FloatTensor, Progress)} keeps every image's k maps of the image's size and
	 * its coarse maps at the layer to the end) do not fit in the heap beside {@code besidePerImage} bytes per image that the
	 * caller keeps ({@code beside} names them). One part's layer activations, coefficients and maps, let go after the part,
	 * are counted once. A layer of undeclared size counts as 1 x 1.
	 */
	public static void checkHeap(Classifier classifier, ConceptBank bank, String what, long n, long height, long width, long besidePerImage,
		String beside, String atATime) {
		long[] s = LayerActivations.spatialOrVector(classifier, bank.layer).shape();
		long h = s.length == 4 ? Math.max(1, s[1]) : 1, w = s.length == 4 ? Math.max(1, s[2]) : 1;
		int c = bank.channels(), k = bank.size();
		long maps = 4L * height * width * k, coarse = 4L * h * w * k;
		// a part: its activations (clipped in place), a double[k] per position (and its header), its maps before they are copied
		long part = Math.min(n, PART) * (h * w * (4L * c + 8L * k + 24) + coarse + maps);
		org.conceptscope.util.Limits.checkImagesHeap(what, n, part, maps + coarse + besidePerImage, "their concept maps (" + k + " of "
			+ height + " x " + width + " each, from " + h + " x " + w + " x " + c + " activations at layer '" + bank.layer + "')" + beside, atATime);
	}

	/** Images localised per part of this many, so a long stack reports progress and can be stopped between parts. */
	static final int PART = 16;

	/**
	 * {@link #localize(Classifier, ConceptBank, FloatTensor)} part by part of {@value #PART} images (each image's maps do
	 * not depend on the others'), reporting images done.
	 *
	 * @throws java.util.concurrent.CancellationException when progress asks to stop
	 */
	public static ConceptMaps localize(Classifier classifier, ConceptBank bank, FloatTensor images, Progress progress) {
		int n = (int) images.dim(0);
		if (n <= PART) {
			if (!progress.report(0, n, "concept maps")) throw new java.util.concurrent.CancellationException("cancelled");
			ConceptMaps m = localize(classifier, bank, images);
			progress.report(n, n, "concept maps");
			return m;
		}
		float[] maps = null, coarse = null; // filled part by part: the whole stack's maps are held once, not twice
		long[] mapShape = null, coarseShape = null;
		for (int from = 0; from < n; from += PART) {
			if (!progress.report(from, n, "concept maps")) {
				throw new java.util.concurrent.CancellationException("Concept maps cancelled after " + from + " of " + n + " images.");
			}
			int to = Math.min(n, from + PART);
			ConceptMaps m = localize(classifier, bank, images.range(from, to));
			if (maps == null) {
				mapShape = m.maps().shape();
				coarseShape = m.coarse().shape();
				mapShape[0] = coarseShape[0] = n;
				maps = new float[Math.toIntExact((long) m.maps().size() / (to - from) * n)];
				coarse = new float[Math.toIntExact((long) m.coarse().size() / (to - from) * n)];
			}
			int perMap = maps.length / n, perCoarse = coarse.length / n;
			System.arraycopy(m.maps().data(), 0, maps, from * perMap, (to - from) * perMap);
			System.arraycopy(m.coarse().data(), 0, coarse, from * perCoarse, (to - from) * perCoarse);
		}
		progress.report(n, n, "concept maps");
		return new ConceptMaps(new FloatTensor(mapShape, maps), new FloatTensor(coarseShape, coarse));
	}

	/**
	 * Concept maps of images of any size: tiles of the model's input size overlapping by
	 * {@code overlap}, each localised as {@link #localize} does, blended into maps of the image's size.
	 *
	 * @param progress reports tiles done; false cancels
	 */
	public static TiledConceptMaps localizeTiled(Classifier classifier, ConceptBank bank, TileSource source, double overlap,
		Progress progress) {
		int k = bank.size(), n = source.images();
		double[] sum = new double[n * k];
		float[] max = new float[n * k];
		long[] positions = new long[n];
		java.util.Arrays.fill(max, Float.NEGATIVE_INFINITY);
		int[] perImage = new int[1];
		TiledExplainer.MapsResult r = TiledExplainer.mapTiles(classifier, source, overlap, k, (tiles, first, count) -> {
			ConceptMaps m = localize(classifier, bank, tiles);
			if (perImage[0] == 0) perImage[0] = TiledExplainer.grid(classifier, source.height(), source.width(), overlap).count();
			float[] c = m.coarse().data();
			int pos = (int) (m.coarse().dim(1) * m.coarse().dim(2));
			for (int i = 0; i < count; i++) {
				int b = (first + i) / perImage[0];
				positions[b] += pos;
				for (int p = 0; p < pos; p++) {
					for (int q = 0; q < k; q++) {
						float v = c[(i * pos + p) * k + q];
						sum[b * k + q] += v;
						max[b * k + q] = Math.max(max[b * k + q], v);
					}
				}
			}
			return m.maps();
		}, progress);
		float[] mean = new float[n * k];
		for (int b = 0; b < n; b++) for (int q = 0; q < k; q++) mean[b * k + q] = (float) (sum[b * k + q] / positions[b]);
		return new TiledConceptMaps(r, new FloatTensor(new long[] { n, k }, mean), new FloatTensor(new long[] { n, k }, max));
	}

	/**
	 * The dominant concept at every pixel of concept maps [N, H, W, k]: 1 + the index of the largest
	 * map (the first on ties), or 0 where no map exceeds {@code threshold} (nor any map is a number).
	 * Labels are [N, H, W], row by row.
	 */
	public static int[] dominant(FloatTensor maps, double threshold) {
		if (maps.rank() != 4) throw new IllegalArgumentException("Concept maps are [N, H, W, k], got " + maps + ".");
		if (Double.isNaN(threshold)) throw new IllegalArgumentException("The label threshold is not a number.");
		int pixels = (int) (maps.dim(0) * maps.dim(1) * maps.dim(2)), k = (int) maps.dim(3);
		float[] d = maps.data();
		int[] labels = new int[pixels];
		for (int p = 0; p < pixels; p++) {
			int best = -1;
			float max = Float.NEGATIVE_INFINITY;
			for (int q = 0; q < k; q++) {
				float v = d[p * k + q];
				if (v > max) {
					max = v;
					best = q;
				}
			}
			labels[p] = best >= 0 && max > threshold ? best + 1 : 0;
		}
		return labels;
	}

	/** Per-channel maps [N, h, w, K] bilinearly upsampled to [N, height, width, K]. */
	public static FloatTensor upsample(FloatTensor coarse, int height, int width) {
		int n = (int) coarse.dim(0), h = (int) coarse.dim(1), w = (int) coarse.dim(2), k = (int) coarse.dim(3);
		float[] maps = new float[n * height * width * k];
		for (int q = 0; q < k; q++) {
			float[] one = new float[n * h * w];
			for (int i = 0; i < n * h * w; i++) one[i] = coarse.data()[i * k + q];
			float[] up = Resampling.bilinear(new FloatTensor(new long[] { n, h, w }, one), height, width).data();
			for (int i = 0; i < up.length; i++) maps[i * k + q] = up[i];
		}
		return new FloatTensor(new long[] { n, height, width, k }, maps);
	}
}
