package org.conceptscope.concepts;

import org.conceptscope.attribution.TiledExplainer;
import org.conceptscope.model.Classifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.tensor.TileGrid;
import org.conceptscope.tensor.TileSource;
import org.conceptscope.util.Progress;

/**
 * Parts of Fel et al.'s holistic view of concepts (2023, "A holistic approach to unifying automatic
 * concept extraction and concept importance estimation"), as Xplique's HolisticCraft reduces them:
 * per-position concept importance, concept prevalence and concept reliability.
 * <ul>
 * <li>Per-position importance (gradient x input on the concept coefficients): at position p of
 * the bank's layer, concept k scores u_pk &lt;d logit / d a_p, w_k&gt;, with u the NNLS coefficients
 * (a_p ~ sum_k u_pk w_k) and the gradient taken at the activations rebuilt from the concepts; it
 * says where in the image each concept drives the class.</li>
 * <li>Prevalence: the fraction of images whose dominant concept (largest mean importance over
 * positions) is k; prevalences sum to 1.</li>
 * <li>Reliability: the mean correctness of the images whose dominant concept is k (0 when no image
 * has it as dominant).</li>
 * </ul>
 */
public final class HolisticConcepts {

	private HolisticConcepts() {}

	/**
	 * The holistic numbers of a bank on a set of images: per-position importance maps [N, h, w, K] at
	 * the layer, their mean per image [N][K], each concept's prevalence and, when the correctness of
	 * each image is known, its reliability (null otherwise).
	 */
	public record Summary(FloatTensor maps, double[][] perImage, double[] prevalence, double[] reliability) {}

	/**
	 * {@link #importanceMaps}, {@link #perImage}, {@link #prevalence} and {@link #reliability} in one
	 * call, for the bank's class.
	 *
	 * @param correct per image 1 when the model is right on it, 0 when wrong; null: reliability unknown
	 */
	public static Summary summarize(Classifier classifier, ConceptBank bank, FloatTensor images, double[] correct) {
		return summarize(classifier, bank, images, correct, Progress.NONE);
	}

	/**
	 * As {@link #summarize(Classifier, ConceptBank, FloatTensor, double[])}, reporting the importance maps'
	 * progress ({@link #importanceMaps(Classifier, ConceptBank, FloatTensor, int, Progress)}); cancellable.
	 *
	 * @throws java.util.concurrent.CancellationException when progress asks to stop
	 */
	public static Summary summarize(Classifier classifier, ConceptBank bank, FloatTensor images, double[] correct, Progress progress) {
		FloatTensor maps = importanceMaps(classifier, bank, images, bank.classIndex, progress);
		double[][] per = perImage(maps);
		return new Summary(maps, per, prevalence(per), correct == null ? null : reliability(per, correct));
	}

	/** 1 where the model predicts {@code classIndex} for the image, 0 elsewhere: correctness on images known to be of that class. */
	public static double[] predictedAs(Classifier classifier, FloatTensor images, int classIndex) {
		int[] predicted = classifier.logits(images).argmaxRows();
		double[] out = new double[predicted.length];
		for (int i = 0; i < out.length; i++) out[i] = predicted[i] == classIndex ? 1 : 0;
		return out;
	}

	/** Per-position importance [N, h, w, K] of the bank's concepts for class {@code target}, at the bank's layer's resolution. */
	public static FloatTensor importanceMaps(Classifier classifier, ConceptBank bank, FloatTensor images, int target) {
		return importanceMaps(classifier, bank, images, target, Progress.NONE);
	}

	/** What the holistic numbers are, for the sentence of a model without gradients. */
	static final String WHAT = "Holistic concept importance (per-position importance maps, prevalence, reliability)";

	/**
	 * As {@link #importanceMaps(Classifier, ConceptBank, FloatTensor, int)}, reporting the coefficients'
	 * images as the first half of the work and the gradients, {@value #CHUNK} images a call, as the second;
	 * cancellable. A model without gradients, or a layer that does not split the model, is refused before
	 * any image goes through the model.
	 *
	 * @throws java.util.concurrent.CancellationException when progress asks to stop
	 */
	public static FloatTensor importanceMaps(Classifier classifier, ConceptBank bank, FloatTensor images, int target, Progress progress) {
		if (target < 0 || target >= classifier.numClasses()) {
			throw new IllegalArgumentException("Class " + target + " does not exist; the model has classes 0.." + (classifier.numClasses() - 1) + ".");
		}
		classifier.requireGradients(WHAT);
		classifier.requireSplit(bank.layer);
		long steps = 2 * images.dim(0);
		int k = bank.size(), c = bank.channels();
		// the maps of every image are kept beside the coefficients: 4 bytes per position and concept
		ConceptCoefficients cc = ConceptCoefficients.of(classifier, bank, images, 4L * k, (done, total, message) -> progress.report(done, steps,
			message));
		int n = cc.u().length, pos = n == 0 ? 0 : cc.u()[0].length;
		long[] shape = cc.layerShape().clone();
		float[] out = new float[n * pos * k];
		double[] ones = new double[k];
		java.util.Arrays.fill(ones, 1);
		for (int from = 0; from < n; from += CHUNK) {
			int to = Math.min(n, from + CHUNK);
			float[] rebuilt = new float[(to - from) * pos * c];
			for (int i = from; i < to; i++) ConceptCoefficients.rebuild(cc.u()[i], ones, bank.concepts, rebuilt, (i - from) * pos * c);
			int[] t = new int[to - from];
			java.util.Arrays.fill(t, target);
			shape[0] = to - from;
			float[] g = classifier.gradientFromLayer(bank.layer, new FloatTensor(shape, rebuilt), FloatTensor.oneHot(t, classifier.numClasses())).data();
			for (int i = from; i < to; i++) for (int p = 0; p < pos; p++) for (int q = 0; q < k; q++) {
				double dot = 0;
				int at = ((i - from) * pos + p) * c;
				for (int ch = 0; ch < c; ch++) dot += g[at + ch] * bank.concepts[q][ch];
				out[(i * pos + p) * k + q] = (float) (cc.u()[i][p][q] * dot);
			}
			if (!progress.report(n + to, steps, "concept importance maps")) {
				throw new java.util.concurrent.CancellationException("Concept importance maps cancelled.");
			}
		}
		int h = shape.length == 4 ? (int) shape[1] : 1, w = shape.length == 4 ? (int) shape[2] : 1;
		return new FloatTensor(new long[] { n, h, w, k }, out);
	}

	private static final int CHUNK = 64;

	/**
	 * The maps of images of any size, of the image's size: per-position importance [N, H, W, K] and,
	 * with a rule, concept attribution maps [N, H, W, K] (else null); {@code grid}, the tiles.
	 */
	public record TiledMaps(FloatTensor importance, FloatTensor attribution, TileGrid grid) {}

	/**
	 * Per-position importance maps for the bank's class and, with a {@code rule}, concept attribution
	 * maps ({@link ConceptAttributionMaps#maps}) of images of any size, in one pass over the tiles: tiles
	 * of the model's input size overlapping by {@code overlap}, each mapped as {@link #importanceMaps}
	 * maps a model-size image (upsampled bilinearly to the tile), blended into maps of the image's size
	 * as attribution maps are ({@link TiledExplainer#mapTiles}; the blend is per channel, so both kinds
	 * are what two passes would give).
	 *
	 * @param rule the concept attribution maps' rule, or null for the importance maps alone
	 * @param progress reports tiles done; false cancels
	 * @throws java.util.concurrent.CancellationException when progress asks to stop
	 */
	public static TiledMaps mapsTiled(Classifier classifier, ConceptBank bank, TileSource source, double overlap,
		ConceptAttributionMaps.Rule rule, Progress progress) {
		if (rule != null) ConceptAttributionMaps.checkModel(classifier);
		int k = bank.size(), channels = rule == null ? k : 2 * k;
		TiledExplainer.MapsResult r = TiledExplainer.mapTiles(classifier, source, overlap, channels, (tiles, first, count) -> {
			int h = (int) tiles.dim(1), w = (int) tiles.dim(2);
			FloatTensor importance = ConceptLocalization.upsample(importanceMaps(classifier, bank, tiles, bank.classIndex), h, w);
			if (rule == null) return importance;
			return interleave(importance, ConceptAttributionMaps.maps(classifier, bank, tiles, rule, Progress.NONE));
		}, progress);
		if (rule == null) return new TiledMaps(r.maps(), null, r.grid());
		return new TiledMaps(channels(r.maps(), 0, k), channels(r.maps(), k, k), r.grid());
	}

	/** [B, H, W, K] and [B, H, W, K] side by side as [B, H, W, 2K]. */
	private static FloatTensor interleave(FloatTensor a, FloatTensor b) {
		int k = (int) a.dim(3), pixels = a.size() / k;
		float[] out = new float[2 * a.size()];
		for (int p = 0; p < pixels; p++) {
			System.arraycopy(a.data(), p * k, out, p * 2 * k, k);
			System.arraycopy(b.data(), p * k, out, p * 2 * k + k, k);
		}
		return new FloatTensor(new long[] { a.dim(0), a.dim(1), a.dim(2), 2L * k }, out);
	}

	/** Channels [from, from + count) of maps [N, H, W, C]. */
	private static FloatTensor channels(FloatTensor maps, int from, int count) {
		int c = (int) maps.dim(3), pixels = maps.size() / c;
		float[] out = new float[pixels * count];
		for (int p = 0; p < pixels; p++) System.arraycopy(maps.data(), p * c + from, out, p * count, count);
		return new FloatTensor(new long[] { maps.dim(0), maps.dim(1), maps.dim(2), count }, out);
	}

	/** Mean importance over positions per image and concept [N][K] of maps [N, h, w, K]. */
	public static double[][] perImage(FloatTensor maps) {
		int n = (int) maps.dim(0), k = (int) maps.dim(maps.shape().length - 1), pos = maps.stride0() / k;
		double[][] out = new double[n][k];
		for (int i = 0; i < n; i++) for (int p = 0; p < pos; p++) for (int q = 0; q < k; q++) out[i][q] += maps.data()[(i * pos + p) * k + q] / (double) pos;
		return out;
	}

	/** Fraction of images whose dominant concept (argmax of their importance, first on ties) is each concept. */
	public static double[] prevalence(double[][] perImage) {
		int k = perImage[0].length;
		double[] out = new double[k];
		for (double[] row : perImage) out[argmax(row)] += 1.0 / perImage.length;
		return out;
	}

	/** Mean of {@code correct} (1 right, 0 wrong, or any score) over the images each concept dominates; 0 where it dominates none. */
	public static double[] reliability(double[][] perImage, double[] correct) {
		if (correct.length != perImage.length) throw new IllegalArgumentException(correct.length + " scores for " + perImage.length + " images.");
		int k = perImage[0].length;
		double[] sum = new double[k];
		int[] count = new int[k];
		for (int i = 0; i < perImage.length; i++) {
			int d = argmax(perImage[i]);
			sum[d] += correct[i];
			count[d]++;
		}
		double[] out = new double[k];
		for (int q = 0; q < k; q++) out[q] = count[q] == 0 ? 0 : sum[q] / count[q];
		return out;
	}

	private static int argmax(double[] v) {
		int best = 0;
		for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
		return best;
	}
}
