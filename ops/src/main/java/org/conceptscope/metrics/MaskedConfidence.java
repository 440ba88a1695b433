package org.conceptscope.metrics;

import java.util.HashMap;
import java.util.Map;

import org.conceptscope.attribution.Attribution;
import org.conceptscope.attribution.TargetScore;
import org.conceptscope.model.Classifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;

/**
 * Average Drop and Increase in Confidence (Chattopadhay et al. 2018, Grad-CAM++), as Xplique
 * computes them: the image is multiplied by its map, made a mask by |map| scaled to [0, 1] per
 * image (min to 0, max to 1), and the target score Y of the image is compared with the score O of
 * the masked image. Average Drop: max(0, Y - O) / (Y + 1e-8) per image, Xplique's guarded form of
 * the paper's max(0, Y - O) / Y, so a target probability of exactly 0 gives 0 (lower is better: what
 * the map keeps suffices); Increase in Confidence: 1 when O > Y, else 0 (higher is better). Scores
 * are class probabilities by default, as in the paper (Xplique advises a softmax; with logits a
 * negative Y makes the ratio meaningless: such an image gets NaN and is left out of the mean, where
 * Xplique would give a drop of 0 or below). Two batched forward passes per batch of images.
 */
public final class MaskedConfidence {

	/**
	 * Xplique's guard in the Average Drop denominator: a target score of exactly 0 (a probability
	 * that underflows) gives 0, not NaN; for Y > 1e-4 it changes the drop by less than 1e-4 of itself.
	 */
	static final double EPS = 1e-8;

	/** Which of the two numbers. */
	public enum Kind {
		AVERAGE_DROP("average_drop", "lower"), INCREASE_IN_CONFIDENCE("increase_in_confidence", "higher");

		final String id, better;

		Kind(String id, String better) {
			this.id = id;
			this.better = better;
		}
	}

	private final Kind kind;
	private final TargetScore score;

	public MaskedConfidence(Kind kind) {
		this(kind, TargetScore.PROBABILITY);
	}

	public MaskedConfidence(Kind kind, TargetScore score) {
		if (kind == null || score == null) throw new IllegalArgumentException("Give the kind (AVERAGE_DROP or INCREASE_IN_CONFIDENCE) and the score.");
		this.kind = kind;
		this.score = score;
	}

	/** Xplique's mask: |map| scaled to [0, 1] per image, as [N, H, W]. */
	static float[] masks(FloatTensor maps) {
		int n = (int) maps.dim(0), per = maps.stride0();
		float[] m = maps.data(), out = new float[m.length];
		for (int i = 0; i < n; i++) {
			float min = Float.POSITIVE_INFINITY, max = Float.NEGATIVE_INFINITY;
			for (int p = 0; p < per; p++) {
				float v = Math.abs(m[i * per + p]);
				min = Math.min(min, v);
				max = Math.max(max, v);
			}
			for (int p = 0; p < per; p++) out[i * per + p] = max > min ? (Math.abs(m[i * per + p]) - min) / (max - min) : 0;
		}
		return out;
	}

	/** With probabilities (the default), a model with one output and no sigmoid is refused: its probability is 1 whatever the mask. */
	public void check(Classifier classifier) {
		if (score == TargetScore.PROBABILITY) MetricInputs.probabilities(classifier, kind.id);
	}

	public MetricResult evaluate(Classifier classifier, FloatTensor images, Attribution attribution, Progress progress) {
		MetricInputs.check(images, attribution);
		check(classifier);
		int n = (int) images.dim(0), c = (int) images.dim(3), plane = (int) (images.dim(1) * images.dim(2));
		int[] targets = attribution.targets();
		float[] mask = masks(attribution.maps()), x = images.data(), masked = new float[x.length];
		for (int p = 0; p < n * plane; p++) {
			for (int ch = 0; ch < c; ch++) masked[p * c + ch] = x[p * c + ch] * mask[p];
		}
		FloatTensor before = score.of(classifier, images);
		MetricSteps.report(progress, n, 2L * n, kind.id);
		FloatTensor after = score.of(classifier, new FloatTensor(images.shape(), masked));
		MetricSteps.report(progress, 2L * n, 2L * n, kind.id);
		double[] values = new double[n];
		for (int i = 0; i < n; i++) {
			double y = before.get(i, targets[i]), o = after.get(i, targets[i]);
			values[i] = kind == Kind.AVERAGE_DROP ? (y >= 0 ? Math.max(0, y - o) / (y + EPS) : Double.NaN) : (o > y ? 1 : 0);
		}
		Map<String, String> meta = new HashMap<>();
		meta.put("metric", kind.id);
		meta.put("method", attribution.metadata().getOrDefault("method", "unknown"));
		meta.put("score", score.name().toLowerCase(java.util.Locale.ROOT));
		meta.put("mask", "|map| scaled to [0, 1] per image");
		meta.put("better", kind.better);
		return new MetricResult(kind.id, targets, values, FiniteMean.of(values), new double[n][0], meta);
	}
}
