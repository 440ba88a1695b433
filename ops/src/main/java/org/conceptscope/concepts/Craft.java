package org.conceptscope.concepts;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import org.conceptscope.model.Classifier;
import org.conceptscope.model.LayerInfo;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.tensor.Resampling;
import org.conceptscope.tensor.TileGrid;
import org.conceptscope.util.Limits;
import org.conceptscope.util.Progress;

/**
 * CRAFT concept extraction (Fel et al. 2023): crops of the images of one class, resized to the
 * model input, go through g (input to layer); their spatially averaged activations form a
 * non-negative matrix A (crops x channels) that NMF factorises as A ~ U W. The k rows of W are the
 * concepts; U says how much each crop expresses each.
 * <p>
 * Non-negativity: activations after a ReLU (or a pooling of ReLU outputs) are non-negative as
 * they are. For other layers negative values are clipped to 0 before NMF (the bank records the
 * clipped fraction): a concept is then a pattern of positive evidence only.
 */
public final class Craft {

	private static final int CHUNK = 64;

	private Craft() {}

	/** How many crops {@link #crops} cuts from an image of this height and width. */
	public static int cropsPerImage(long height, long width, CraftOptions options) {
		int h = (int) height, w = (int) width, patch = Math.min(options.patch(), Math.min(h, w));
		return TileGrid.strided(h, patch, options.stride()).length * TileGrid.strided(w, patch, options.stride()).length;
	}

	/**
	 * Extracts concepts for {@code classIndex} from a normalised batch [N, H, W, C] of that class's images.
	 *
	 * @throws java.util.concurrent.CancellationException when progress asks to stop
	 */
	public static ConceptBank fit(Classifier classifier, FloatTensor images, int classIndex, CraftOptions options, Progress progress) {
		checkClass(classifier, classIndex);
		LayerActivations.spatialOrVector(classifier, options.layer()); // extraction reads the layer only: it need not split the model
		checkConcepts(classifier, options, 0);
		checkCrops(classifier, options, images.dim(0), images.dim(1), images.dim(2));
		Crops crops = crops(classifier, images, options, i -> true, progress);
		Nmf.Result nmf = Nmf.factorise(crops.rows(), options.rank(), options.seed(), options.tolerance(), options.maxIterations(), progress);
		return bank(classifier, crops.layer(), classIndex, options, nmf, crops.clippedFraction(), crops.origins());
	}

	/**
	 * Refuses a layer CRAFT cannot read or feed before any image goes through the model: unknown, neither
	 * [N, h, w, c] nor [N, c], or one that does not split the model (a layer inside a residual or dense
	 * block: the concepts' importance feeds the layer, {@link Classifier#requireSplit}). For a run whose
	 * importance follows the extraction; {@link #fit} alone only reads the layer.
	 */
	public static void checkLayer(Classifier classifier, String layer) {
		LayerActivations.spatialOrVector(classifier, layer);
		classifier.requireSplit(layer);
	}

	/**
	 * Refuses, before any image is read, a number of concepts the layer cannot give (more than its
	 * channels: NMF's rank is at most min(crops, channels)) and, when Sobol importance follows
	 * ({@code designs} above 0), more concepts or designs than it takes ({@link ConceptImportance#checkSobol}).
	 *
	 * @param designs the Sobol designs of the importance that follows, or 0 when none follows
	 */
	public static void checkConcepts(Classifier classifier, CraftOptions options, int designs) {
		LayerInfo layer = LayerActivations.spatialOrVector(classifier, options.layer());
		long channels = layer.shape()[layer.shape().length - 1];
		if (channels > 0 && options.rank() > channels) {
			throw new IllegalArgumentException("CRAFT: concepts=" + options.rank() + " is more than the " + channels + " channels of layer '"
				+ layer.name() + "' (NMF finds at most one concept per channel): use concepts=" + channels + " or fewer, or a layer with more"
				+ " channels.");
		}
		if (designs > 0) ConceptImportance.checkSobol(options.rank(), designs);
	}

	/**
	 * Refuses, before any crop goes through the model, crops CRAFT cannot factorise or afford: more crops
	 * per image than {@link Limits#MAX_PASSES} ({@link #checkCropsPerImage}), fewer crops in all than
	 * concepts ({@link #tooFewCrops}), or crop activations the heap cannot hold ({@link #cropBytes}).
	 *
	 * @param images how many images of {@code height} x {@code width} are cropped
	 */
	public static void checkCrops(Classifier classifier, CraftOptions options, long images, long height, long width) {
		checkCropsPerImage(options, height, width);
		String few = tooFewCrops(options, images, height, width);
		if (few != null) throw new IllegalArgumentException(few);
		LayerInfo layer = LayerActivations.spatialOrVector(classifier, options.layer());
		long channels = layer.shape()[layer.shape().length - 1];
		if (channels <= 0) return; // known after the first pass only
		long crops = images * cropsPerImage(height, width, options), need = cropBytes(crops, channels, options.rank());
		long left = Limits.heapLeft(need);
		if (need > left) {
			throw new IllegalArgumentException(String.format(java.util.Locale.ROOT, "CRAFT: %d images give %d crops whose activations at layer"
				+ " '%s' (%d channels) and factors need about %s, and Java has %s left: use a larger stride or patch, fewer images, or"
				+ " give Java more memory (-Xmx).", images, crops, layer.name(), channels, Limits.readableSize(need, left), Limits.readableSize(left, need)));
		}
	}

	/**
	 * Refuses more crops per image than {@link Limits#MAX_PASSES}: each crop is one pass of the model, and
	 * a patch and stride far smaller than the image (a typo, or absolute pixels on a large input) would run
	 * for days.
	 */
	public static void checkCropsPerImage(CraftOptions options, long height, long width) {
		long per = cropsPerImage(height, width, options);
		if (per > Limits.MAX_PASSES) {
			throw new IllegalArgumentException("CRAFT: patch=" + options.patch() + " and stride=" + options.stride() + " cut " + per + " crops from"
				+ " each " + width + "x" + height + " image, more than the " + Limits.MAX_PASSES + " model passes per image ConceptScope allows:"
				+ " use a larger stride or patch.");
		}
	}

	/**
	 * Why {@code images} images of {@code height} x {@code width} give fewer crops than concepts (NMF's rank
	 * is at most the number of crops), in one sentence naming {@code concepts}, or null when they give enough.
	 */
	public static String tooFewCrops(CraftOptions options, long images, long height, long width) {
		long total = images * cropsPerImage(height, width, options);
		if (total >= options.rank()) return null;
		int patch = (int) Math.min(options.patch(), Math.min(height, width));
		return "CRAFT: concepts=" + options.rank() + " needs at least " + options.rank() + " crops, but " + images + " image"
			+ (images == 1 ? "" : "s") + " of " + width + "x" + height + " give " + total + " (crops of " + patch + " pixels every "
			+ options.stride() + "): use concepts=" + Math.max(1, total) + " or fewer, more images, or a smaller patch or stride.";
	}

	/**
	 * Bytes CRAFT holds for {@code crops} crops at a layer of {@code channels} channels: per crop its row of
	 * A (an array of doubles: 8 bytes each, a 16-byte header, an 8-byte reference), its row of U (the
	 * same for {@code rank} values), its origin (32 bytes and a reference) and the sort of its coefficients
	 * when the examples are picked (a boxed index, 16 bytes and a reference).
	 */
	static long cropBytes(long crops, long channels, int rank) {
		return crops * ((8 * channels + 24) + (8L * rank + 24) + 40 + 24);
	}

	/**
	 * The sentence of a bank whose crops' activations were clipped at 0 for more than 1 % of their values
	 * (a layer before its ReLU: the concepts then describe positive evidence only), or null.
	 */
	public static String clippedWarning(ConceptBank bank) {
		if (!(bank.clippedFraction > CLIPPED_WARNING)) return null;
		return String.format(java.util.Locale.ROOT, "CRAFT clipped %.1f %% of the crops' activations at layer '%s' to 0 before the factorisation"
			+ " (they were negative: a layer before its ReLU?): the concepts of class %s describe positive evidence only; a layer after a ReLU"
			+ " keeps every value.", 100 * bank.clippedFraction, bank.layer, bank.className);
	}

	/** The clipped fraction above which {@link #clippedWarning} warns. */
	public static final double CLIPPED_WARNING = 0.01;

	static void checkClass(Classifier classifier, int classIndex) {
		if (classIndex < 0 || classIndex >= classifier.numClasses()) {
			throw new IllegalArgumentException("Class " + classIndex + " does not exist; classes: " + classifier.classNames() + ".");
		}
	}

	/** Where a crop comes from: image (index in its batch), top-left corner, side. */
	public record CropOrigin(int image, int x, int y, int size) {}

	/**
	 * The rows of A for the crops kept: each crop's activations averaged over positions; the
	 * negative values clipped (counted in {@code clipped} of {@code values}).
	 */
	public record Crops(String layer, double[][] rows, List<CropOrigin> origins, long clipped, long values) {

		public double clippedFraction() {
			return values == 0 ? 0 : clipped / (double) values;
		}
	}

	/**
	 * The crops of every image of a normalised batch [N, H, W, C] that {@code keep} accepts (by crop
	 * number: image after image, crops in reading order), through g. Workers on a cohort each run
	 * this on their images and pool the rows for one NMF ({@link #bank}).
	 */
	public static Crops crops(Classifier classifier, FloatTensor images, CraftOptions options, java.util.function.IntPredicate keep,
		Progress progress) {
		LayerInfo layer = LayerActivations.spatialOrVector(classifier, options.layer());
		int n = (int) images.dim(0), h = (int) images.dim(1), w = (int) images.dim(2), c = (int) images.dim(3);
		int patch = Math.min(options.patch(), Math.min(h, w));
		int[] ys = TileGrid.strided(h, patch, options.stride()), xs = TileGrid.strided(w, patch, options.stride());
		int perImage = ys.length * xs.length, total = n * perImage;
		int[] kept = java.util.stream.IntStream.range(0, total).filter(keep).toArray();
		long[] inShape = { 0, h, w, c };
		double[][] a = new double[kept.length][];
		List<CropOrigin> origins = new ArrayList<>(kept.length);
		for (int i : kept) origins.add(new CropOrigin(i / perImage, xs[i % xs.length], ys[(i % perImage) / xs.length], patch));
		long negative = 0, values = 0;
		for (int from = 0; from < kept.length; from += CHUNK) {
			int to = Math.min(kept.length, from + CHUNK);
			float[] batch = new float[(to - from) * h * w * c];
			for (int r = from; r < to; r++) {
				CropOrigin o = origins.get(r);
				float[] crop = new float[patch * patch * c];
				for (int y = 0; y < patch; y++) {
					System.arraycopy(images.data(), ((o.image() * h + o.y() + y) * w + o.x()) * c, crop, y * patch * c, patch * c);
				}
				System.arraycopy(Resampling.resizeImage(crop, patch, patch, c, h, w), 0, batch, (r - from) * h * w * c, h * w * c);
			}
			inShape[0] = to - from;
			FloatTensor act = classifier.activations(new FloatTensor(inShape, batch), layer.name());
			float[] d = act.data();
			negative += LayerActivations.clip(d);
			values += d.length;
			int ch = LayerActivations.channels(act), pos = LayerActivations.positions(act);
			for (int r = from; r < to; r++) {
				double[] row = new double[ch];
				for (int p = 0; p < pos; p++) for (int j = 0; j < ch; j++) row[j] += d[((r - from) * pos + p) * ch + j];
				for (int j = 0; j < ch; j++) row[j] /= pos;
				a[r] = row;
			}
			if (!progress.report(to, kept.length, "CRAFT activations")) {
				throw new java.util.concurrent.CancellationException("CRAFT cancelled while computing activations.");
			}
		}
		return new Crops(layer.name(), a, List.copyOf(origins), negative, values);
	}

	/**
	 * The concept bank of a factorisation of the crops' rows: W's rows are the concepts, the crops
	 * with the largest coefficients their examples ({@code origins}, one per row, name them).
	 */
	public static ConceptBank bank(Classifier classifier, String layer, int classIndex, CraftOptions options, Nmf.Result nmf,
		double clippedFraction, List<CropOrigin> origins) {
		checkClass(classifier, classIndex);
		ConceptBank bank = new ConceptBank();
		bank.model = classifier instanceof TensorFlowClassifier t ? folderName(t.directory()) : classifier.toString();
		bank.layer = layer;
		bank.className = classifier.classNames().get(classIndex);
		bank.classIndex = classIndex;
		bank.patch = origins.isEmpty() ? options.patch() : origins.get(0).size();
		bank.stride = options.stride();
		bank.rank = options.rank();
		bank.seed = options.seed();
		bank.reconstructionError = nmf.relativeError();
		bank.clippedFraction = clippedFraction;
		bank.concepts = nmf.w();
		for (int k = 0; k < options.rank(); k++) {
			final int kk = k;
			List<ConceptBank.Example> ex = new ArrayList<>();
			java.util.stream.IntStream.range(0, origins.size()).boxed()
				.sorted(Comparator.comparingDouble((Integer i) -> -nmf.u()[i][kk]))
				.limit(options.examplesPerConcept())
				.forEach(i -> {
					CropOrigin o = origins.get(i);
					ex.add(new ConceptBank.Example(o.image(), o.x(), o.y(), o.size(), nmf.u()[i][kk]));
				});
			bank.examples.add(ex);
		}
		return bank;
	}

	private static String folderName(Path p) {
		return p.getFileName() == null ? p.toString() : p.getFileName().toString();
	}

	/** Convenience: the class the model predicts most often in the batch, for "predicted" targets. */
	public static int majorityClass(Classifier classifier, FloatTensor images) {
		int[] counts = new int[classifier.numClasses()];
		for (int p : classifier.logits(images).argmaxRows()) counts[p]++;
		int best = 0;
		for (int k = 1; k < counts.length; k++) if (counts[k] > counts[best]) best = k;
		return best;
	}
}
