package org.conceptscope.concepts;

import java.util.Arrays;
import java.util.concurrent.CancellationException;

import org.conceptscope.model.Classifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Limits;
import org.conceptscope.util.Progress;
import org.conceptscope.util.SobolDesigns;

/**
 * How much each concept drives the class logit.
 * <p>
 * {@link #sobol}: CRAFT's estimator. For each image, the layer activations are rebuilt from the
 * concepts with each concept's coefficients scaled by a mask value in [0, 1] and passed through
 * h; the total-order Sobol index of each mask (quasi-Monte Carlo designs, Jansen estimator) is
 * the share of the logit's variance that concept explains, alone or with others. Averaged over
 * images. Costs designs x (k + 2) passes of h per image.
 * <p>
 * {@link #gradientTimesInput}: the fast holistic alternative, one h forward/backward per image:
 * importance_k = sum over positions of u_k (dlogit/da . W_k), the first-order change of the logit
 * when the concept is removed.
 */
public final class ConceptImportance {

	private static final int CHUNK = 64;

	private ConceptImportance() {}

	public static double[] sobol(Classifier classifier, ConceptBank bank, FloatTensor images, int designs, long seed, Progress progress) {
		checkSobol(bank.size(), designs);
		classifier.requireSplit(bank.layer);
		ConceptCoefficients cc = ConceptCoefficients.of(classifier, bank, images, beforeImages(progress, images));
		int k = bank.size(), n = cc.u().length;
		int per = (int) FloatTensor.sizeOf(cc.layerShape());
		SobolDesigns sobol = new SobolDesigns(k, designs, seed);
		int evals = sobol.evaluations();
		double[] mean = new double[k];
		double[] mask = new double[k];
		for (int i = 0; i < n; i++) {
			float[] scores = new float[evals];
			for (int from = 0; from < evals; from += CHUNK) {
				int to = Math.min(evals, from + CHUNK);
				float[] batch = new float[(to - from) * per];
				for (int e = from; e < to; e++) {
					sobol.point(e, mask);
					ConceptCoefficients.rebuild(cc.u()[i], mask, bank.concepts, batch, (e - from) * per);
				}
				long[] shape = cc.layerShape();
				shape[0] = to - from;
				FloatTensor logits = classifier.logitsFromLayer(bank.layer, new FloatTensor(shape, batch));
				for (int e = from; e < to; e++) scores[e] = logits.get(e - from, bank.classIndex);
			}
			double[] st = sobol.totalOrder(scores);
			for (int j = 0; j < k; j++) mean[j] += st[j] / n;
			if (!secondHalf(progress, i + 1, n, "concept importance")) throw new CancellationException("Concept importance cancelled.");
		}
		return mean;
	}

	/**
	 * Refuses, before any work, Sobol importance of more concepts than the Sobol sequence has dimensions
	 * for ({@value SobolDesigns#MAX_DIMENSIONS}) or of more designs than {@link Limits#MAX_PASSES}.
	 */
	public static void checkSobol(int concepts, int designs) {
		if (concepts > SobolDesigns.MAX_DIMENSIONS) {
			throw new IllegalArgumentException("Sobol concept importance takes at most " + SobolDesigns.MAX_DIMENSIONS + " concepts (one dimension"
				+ " of the Sobol sequence each), got concepts=" + concepts + ": use concepts=" + SobolDesigns.MAX_DIMENSIONS + " or fewer (for a"
				+ " saved bank, the gradient or deletion estimator).");
		}
		if (designs < 2) throw new IllegalArgumentException("Sobol concept importance needs designs >= 2, got " + designs + ".");
		Limits.passes("Sobol concept importance", "designs", designs);
	}

	/**
	 * Mean drop of the class logit when one concept is removed from the rebuilt activations
	 * (h(U W) - h(U W without concept k)): the direct check that an important concept matters.
	 */
	public static double[] deletion(Classifier classifier, ConceptBank bank, FloatTensor images) {
		return deletion(classifier, bank, images, Progress.NONE);
	}

	/** {@link #deletion(Classifier, ConceptBank, FloatTensor)}, reporting after every image; cancellable. */
	public static double[] deletion(Classifier classifier, ConceptBank bank, FloatTensor images, Progress progress) {
		classifier.requireSplit(bank.layer);
		ConceptCoefficients cc = ConceptCoefficients.of(classifier, bank, images, beforeImages(progress, images));
		int k = bank.size(), n = cc.u().length;
		int per = (int) FloatTensor.sizeOf(cc.layerShape());
		double[] drop = new double[k];
		for (int i = 0; i < n; i++) {
			float[] batch = new float[(k + 1) * per];
			for (int r = 0; r <= k; r++) {
				double[] mask = new double[k];
				Arrays.fill(mask, 1);
				if (r < k) mask[r] = 0;
				ConceptCoefficients.rebuild(cc.u()[i], mask, bank.concepts, batch, r * per);
			}
			long[] shape = cc.layerShape();
			shape[0] = k + 1;
			FloatTensor logits = classifier.logitsFromLayer(bank.layer, new FloatTensor(shape, batch));
			float full = logits.get(k, bank.classIndex);
			for (int r = 0; r < k; r++) drop[r] += (full - logits.get(r, bank.classIndex)) / n;
			if (!secondHalf(progress, i + 1, n, "concept importance")) throw new CancellationException("Concept importance cancelled.");
		}
		return drop;
	}

	/**
	 * Reports the coefficients' images as the first half of the work and the gradients, {@value #CHUNK}
	 * images a call, as the second (the coefficients of a large layer take as long); cancellable.
	 */
	public static double[] gradientTimesInput(Classifier classifier, ConceptBank bank, FloatTensor images, Progress progress) {
		classifier.requireGradients("Concept importance by gradient");
		classifier.requireSplit(bank.layer);
		long steps = 2 * images.dim(0);
		ConceptCoefficients cc = ConceptCoefficients.of(classifier, bank, images, (done, total, message) -> progress.report(done, steps, message));
		int k = bank.size(), n = cc.u().length, c = bank.channels();
		int per = (int) FloatTensor.sizeOf(cc.layerShape());
		double[] ones = new double[k];
		Arrays.fill(ones, 1);
		double[] importance = new double[k];
		for (int from = 0; from < n; from += CHUNK) {
			int to = Math.min(n, from + CHUNK);
			float[] rebuilt = new float[(to - from) * per];
			for (int i = from; i < to; i++) ConceptCoefficients.rebuild(cc.u()[i], ones, bank.concepts, rebuilt, (i - from) * per);
			long[] shape = cc.layerShape();
			shape[0] = to - from;
			int[] targets = new int[to - from];
			Arrays.fill(targets, bank.classIndex);
			float[] g = classifier.gradientFromLayer(bank.layer, new FloatTensor(shape, rebuilt),
				FloatTensor.oneHot(targets, classifier.numClasses())).data();
			for (int i = from; i < to; i++) {
				double[][] ui = cc.u()[i];
				int at = (i - from) * per;
				for (int p = 0; p < ui.length; p++) {
					for (int q = 0; q < k; q++) {
						double dot = 0;
						for (int j = 0; j < c; j++) dot += g[at + p * c + j] * bank.concepts[q][j];
						importance[q] += ui[p][q] * dot / n;
					}
				}
			}
			if (!progress.report(n + to, steps, "concept importance")) throw new CancellationException("Concept importance cancelled.");
		}
		return importance;
	}

	/**
	 * The coefficients as the first half of the work (one step per image, of 2 N), the loop that
	 * follows reporting its images as the second ({@link #secondHalf}), as {@link #gradientTimesInput}
	 * does: at a large layer (a large image's many tiles) the coefficients take long, and a bar held at
	 * 0 for them, then filling only with the loop, left a log with one "0%" line before the results.
	 */
	private static Progress beforeImages(Progress progress, FloatTensor images) {
		long steps = 2 * images.dim(0);
		return (done, total, message) -> progress.report(done, steps, message);
	}

	/** Image {@code done} (1..n) of the loop after the coefficients: step n + done of 2 n. */
	private static boolean secondHalf(Progress progress, int done, int n, String message) {
		return progress.report((long) n + done, 2L * n, message);
	}
}
