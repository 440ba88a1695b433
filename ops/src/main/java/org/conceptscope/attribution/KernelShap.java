package org.conceptscope.attribution;

import java.util.SplittableRandom;

/**
 * Kernel SHAP (Lundberg and Lee 2017): Shapley values of the segments from a weighted linear
 * regression. The Shapley kernel weight (M-1) / (C(M,k) k (M-k)) of a sample with k of M segments
 * kept is realised by sampling, as Captum and Xplique do: k is drawn with probability
 * proportional to (M-1) / (k (M-k)), then k segments uniformly, and every such sample gets weight
 * 1. The samples come in pairs, as the paper authors' shap library draws them (Covert and Lee 2021
 * study why): every second one is the complement of the one before, which the kernel weighs alike
 * (k and M-k), so the fit aims at the same values with less scatter; on the bundled IHC model at
 * 8 x 8 cells and 800 samples the error falls by a third. Captum and Xplique draw every sample
 * independently. As in Captum (and the paper's infinite weights), the two samples with all and with no
 * segments kept come first with a weight of 10^6, so the intercept is the score of the fully
 * replaced image and the coefficients add up to the score drop between the image and it
 * (efficiency) up to a gap of about 10^-5 of that drop. Xplique leaves these two samples out, and its values then need
 * not add up. An option (the constructor's {@code exactEfficiency}) holds both constraints exactly instead, as the shap
 * library does ({@link WeightedLinearFit#prepareEfficient}).
 * Ordinary least squares with an intercept.
 * <p>
 * When the samples can hold every coalition (2^M &lt;= samples, so M &lt;= 9 with the default 800),
 * they are all enumerated once instead of sampled, each weighted by its exact Shapley kernel weight,
 * as the shap library does with a budget that covers them: the regression then returns the exact
 * Shapley values (Lundberg and Lee's Theorem 2), where sampling leaves an error of a few percent
 * (on four segments and 800 samples, up to 6 % of the largest value). The samples left over repeat
 * the image with weight 0, which changes nothing in the fit: they are not given to the model (at a
 * 3 x 3 grid and 800 samples, 512 model passes per image instead of 800).
 */
public final class KernelShap extends LinearSurrogate {

	/** Default number of samples (Xplique's). */
	public static final int DEFAULT_SAMPLES = 800;
	/** Weight of the all-kept and all-replaced samples (Captum's stand-in for an infinite weight). */
	static final double ENDPOINT_WEIGHT = 1e6;

	public KernelShap(int samples, Segmentation segmentation, MaskedImage perturbation, long seed) {
		this(samples, segmentation, perturbation, seed, TargetScore.LOGIT);
	}

	/**
	 * The macro key choosing how the endpoint constraints are held, and its values: {@code captum} (weight 10^6, the
	 * default) or {@code exact}; the metadata carry {@code efficiency=exact} with the latter.
	 */
	public static final String EFFICIENCY = "efficiency", EFFICIENCY_CAPTUM = "captum", EFFICIENCY_EXACT = "exact";
	public static final java.util.List<String> EFFICIENCY_CHOICES = java.util.List.of(EFFICIENCY_CAPTUM, EFFICIENCY_EXACT);

	/** Whether the endpoint constraints are held exactly (the paper's infinite weights) instead of by Captum's weight of 10^6. */
	final boolean exactEfficiency;

	public KernelShap(int samples, Segmentation segmentation, MaskedImage perturbation, long seed, TargetScore score) {
		this(samples, segmentation, perturbation, seed, score, false);
	}

	/**
	 * With {@code exactEfficiency} the all-kept and all-replaced samples get the paper's infinite weight exactly, as the
	 * shap library does: the regression is solved under the constraints that the intercept is the fully replaced image's
	 * score and that the values add up to the score change (one coefficient eliminated), so they add up to it to double
	 * rounding, where Captum's weight of 10^6 (false, the default) leaves a gap of about 10^-5 of the change. The values
	 * differ from Captum's by about as much. Same samples, same model passes.
	 */
	public KernelShap(int samples, Segmentation segmentation, MaskedImage perturbation, long seed, TargetScore score, boolean exactEfficiency) {
		super("Kernel SHAP", samples, 3, segmentation, perturbation, seed, score);
		this.exactEfficiency = exactEfficiency;
	}

	@Override
	public String name() {
		return "kernel_shap";
	}

	/** Whether every coalition of m segments fits in the samples: then they are enumerated, not sampled. */
	static boolean enumerates(int m, int samples) {
		return m < 31 && (1 << m) <= samples;
	}

	/** Every coalition is enumerated when 2^m fits in the samples: fewer passes for fewer segments. */
	@Override
	boolean passesFollowSegments() {
		return true;
	}

	/** Only the 2^m enumerated coalitions when they fit; the rest have weight 0. */
	@Override
	int scoredSamples(int m) {
		return enumerates(m, samples) ? 1 << m : samples;
	}

	@Override
	void draw(int index, SplittableRandom random, boolean[] z) {
		int m = z.length;
		if (enumerates(m, samples)) {
			// 0: all kept, 1: none kept, 2..2^m - 1: the other coalitions, bits of index - 1; later ones repeat the image (weight 0)
			int code = index == 0 || index >= 1 << m ? (1 << m) - 1 : index == 1 ? 0 : index - 1;
			for (int j = 0; j < m; j++) z[j] = (code >>> j & 1) != 0;
			return;
		}
		if (index == 0 || m < 2) {
			java.util.Arrays.fill(z, index != 1);
			return;
		}
		if (index == 1) return; // all replaced
		if ((index & 1) == 1) {
			// paired sampling: the complement of sample index - 1, drawn again from its own stream (draws run in parallel)
			draw(index - 1, org.conceptscope.util.Seeds.stream(seed, index - 1), z);
			for (int j = 0; j < m; j++) z[j] = !z[j];
			return;
		}
		// k in 1..m-1 with p(k) proportional to 1 / (k (m - k)) (the constant m - 1 cancels)
		double total = 0;
		for (int k = 1; k < m; k++) total += 1.0 / ((double) k * (m - k));
		double u = random.nextDouble() * total;
		int k = 1;
		for (double acc = 1.0 / (m - 1); acc < u && k < m - 1; acc += 1.0 / ((double) k * (m - k))) k++;
		// k distinct segments: a partial Fisher-Yates shuffle
		int[] order = new int[m];
		for (int j = 0; j < m; j++) order[j] = j;
		for (int j = 0; j < k; j++) {
			int pick = j + random.nextInt(m - j);
			int t = order[j];
			order[j] = order[pick];
			order[pick] = t;
			z[order[j]] = true;
		}
	}

	@Override
	double[] weights(boolean[][] z, SegmentDistances distances) {
		double[] w = new double[z.length];
		int m = z.length == 0 ? 0 : z[0].length;
		if (z.length >= 2 && enumerates(m, z.length)) {
			for (int j = 2; j < z.length; j++) w[j] = j < 1 << m ? shapleyKernel(m, count(z[j])) : 0;
		} else {
			java.util.Arrays.fill(w, 1);
		}
		w[0] = ENDPOINT_WEIGHT;
		w[1] = ENDPOINT_WEIGHT;
		return w;
	}

	/**
	 * Ordinary least squares of m coefficients and an intercept needs at least m + 1 samples, and the
	 * two endpoints pin the intercept and the sum: fewer than m + 2 leave the Shapley regression
	 * underdetermined, and the fit would return one of its many solutions (the smallest) as if it
	 * were the Shapley values. Refused instead.
	 */
	@Override
	void checkSegments(int m) {
		if (samples < m + 2) {
			throw new IllegalArgumentException("Kernel SHAP has " + samples + " samples for an image of " + m + " segments:"
				+ " its regression needs at least segments + 2 = " + (m + 2) + " samples, better ten times the segments; give more samples"
				+ " or fewer segments (a smaller grid, fewer superpixels).");
		}
	}

	/** The Shapley kernel (m - 1) / (C(m, k) k (m - k)) of a coalition of k of m segments, 0 < k < m. */
	static double shapleyKernel(int m, int k) {
		double choose = 1;
		for (int i = 1; i <= k; i++) choose = choose * (m - k + i) / i;
		return (m - 1) / (choose * k * (m - k));
	}

	private static int count(boolean[] z) {
		int k = 0;
		for (boolean b : z) if (b) k++;
		return k;
	}

	/**
	 * Efficiency (the paper's property 1, "local accuracy"): the segment values add up to f(x) minus
	 * f(every segment replaced); the metadata report the sum, the change and the gap per image. The
	 * endpoints' finite weight of 10^6 leaves a small gap (Captum's approximation of infinite weights); with
	 * {@link #exactEfficiency} it is double rounding.
	 */
	@Override
	boolean claimsEfficiency() {
		return true;
	}

	@Override
	boolean weightsDependOnImage() {
		return false;
	}

	@Override
	double ridge() {
		return 0;
	}

	/** The constrained fit with {@link #exactEfficiency}; ordinary least squares with the 10^6 endpoint weights otherwise. */
	@Override
	WeightedLinearFit.Solver prepare(boolean[][] z, double[] weights) {
		return exactEfficiency ? WeightedLinearFit.prepareEfficient(z, weights) : super.prepare(z, weights);
	}

	/** Nothing by default (Captum's endpoint weights); {@code efficiency=exact} with {@link #exactEfficiency}. */
	@Override
	String[] parameters() {
		return exactEfficiency ? new String[] { EFFICIENCY, EFFICIENCY_EXACT } : new String[0];
	}
}
