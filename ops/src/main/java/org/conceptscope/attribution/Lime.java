package org.conceptscope.attribution;

import java.util.Locale;
import java.util.SplittableRandom;

/**
 * LIME (Ribeiro et al. 2016, "Why Should I Trust You?"), for images as Xplique defines it: each
 * segment is kept independently with probability {@code keepProbability}, every sample is weighted
 * by the exponential kernel exp(-d^2 / width^2) of its distance d to the image, and a ridge
 * regression with an intercept (Xplique's default penalty 2) maps the kept segments to the target
 * score; the map is each segment's coefficient.
 * <p>
 * Distances: {@link Distance#EUCLIDEAN} and {@link Distance#COSINE} between the image and the
 * perturbed copy in input space (Xplique's and Captum's kernels), or {@link Distance#INTERPRETABLE},
 * the cosine distance between z and the all-kept vector (the LIME authors' image explainer).
 * The default is the interpretable one: it does not depend on the image's size or value range,
 * whereas Xplique's input-space default width (45) suits 224x224 RGB photographs and makes every
 * weight vanish on other images (Xplique's own documentation warns of this).
 * <p>
 * Xplique's default of 150 samples suits a few dozen segments; the fit needs several samples per
 * segment (on the known-answer model, 64 grid cells need about 300 for 95 % of the map's mass
 * to sit on the evidence).
 */
public final class Lime extends LinearSurrogate {

	/** Default number of samples (Xplique's). */
	public static final int DEFAULT_SAMPLES = 150;
	/** Default ridge penalty (Xplique's Ridge(alpha=2)). */
	public static final double DEFAULT_RIDGE = 2;
	/**
	 * Default kernel width for the interpretable distance: the LIME authors' image explainer weighs
	 * sqrt(exp(-d^2 / 0.25^2)), which is exp(-d^2 / width^2) with width 0.25 sqrt(2).
	 */
	public static final double DEFAULT_WIDTH = 0.25 * Math.sqrt(2);

	/** What the kernel measures the distance of a perturbed sample to the image in. */
	public enum Distance {
		INTERPRETABLE, EUCLIDEAN, COSINE
	}

	private final double keepProbability, width, ridge;
	private final Distance distance;

	/** Xplique's defaults with the interpretable-space kernel. */
	public Lime(int samples, Segmentation segmentation, MaskedImage perturbation, long seed) {
		this(samples, segmentation, perturbation, 0.5, Distance.INTERPRETABLE, DEFAULT_WIDTH, DEFAULT_RIDGE, seed, TargetScore.LOGIT);
	}

	public Lime(int samples, Segmentation segmentation, MaskedImage perturbation, double keepProbability, Distance distance, double width,
		double ridge, long seed, TargetScore score) {
		super("LIME", samples, 2, segmentation, perturbation, seed, score);
		if (!(keepProbability > 0 && keepProbability < 1)) {
			throw new IllegalArgumentException("LIME's keep probability must lie strictly between 0 and 1, got " + keepProbability + ".");
		}
		if (distance == null) throw new IllegalArgumentException("No LIME distance given: INTERPRETABLE, EUCLIDEAN or COSINE.");
		if (!(width > 0) || !Double.isFinite(width)) throw new IllegalArgumentException("LIME's kernel width must be a positive number, got " + width + ".");
		if (!(ridge >= 0) || !Double.isFinite(ridge)) throw new IllegalArgumentException("LIME's ridge penalty must be a number >= 0, got " + ridge + ".");
		this.keepProbability = keepProbability;
		this.distance = distance;
		this.width = width;
		this.ridge = ridge;
	}

	@Override
	public String name() {
		return "lime";
	}

	@Override
	void draw(int index, SplittableRandom random, boolean[] z) {
		for (int j = 0; j < z.length; j++) z[j] = random.nextDouble() < keepProbability;
	}

	@Override
	double[] weights(boolean[][] z, SegmentDistances distances) {
		double[] w = new double[z.length];
		double sum = 0;
		for (int i = 0; i < z.length; i++) {
			double d = switch (distance) {
				case EUCLIDEAN -> distances.euclidean(z[i]);
				case COSINE -> distances.cosine(z[i]);
				case INTERPRETABLE -> interpretableDistance(z[i]);
			};
			w[i] = Math.exp(-d * d / (width * width));
			sum += w[i];
		}
		// as Xplique: when every weight underflows, the samples count equally rather than not at all
		if (!(sum > 0)) java.util.Arrays.fill(w, 1);
		return w;
	}

	/** Cosine distance between z and the all-ones vector: 1 - sqrt(kept / segments); 1 when nothing is kept. */
	static double interpretableDistance(boolean[] z) {
		int kept = 0;
		for (boolean b : z) if (b) kept++;
		return kept == 0 ? 1 : 1 - Math.sqrt(kept / (double) z.length);
	}

	/** The interpretable distance depends on the sample only; the input-space ones on the image. */
	@Override
	boolean weightsDependOnImage() {
		return distance != Distance.INTERPRETABLE;
	}

	@Override
	double ridge() {
		return ridge;
	}

	@Override
	String[] parameters() {
		return new String[] { "keep_probability", fmt(keepProbability), "distance", distance.name().toLowerCase(Locale.ROOT), "kernel_width",
			fmt(width), "ridge", fmt(ridge) };
	}

	private static String fmt(double v) {
		return String.format(Locale.ROOT, "%s", v);
	}
}
