package org.conceptscope.metrics;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CancellationException;

import org.conceptscope.attribution.Attribution;
import org.conceptscope.attribution.AttributionMethod;
import org.conceptscope.model.Classifier;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;

/**
 * Weight-randomisation sanity check (Adebayo et al. 2018): per image, the Spearman rank
 * correlation between the absolute attribution maps of a model and of its copy with randomised
 * weights ({@link RandomizedWeights}). A method that explains the model gives low values; values
 * near 1 mean the map shows the image (edges, intensity), not what the model learned. A constant
 * map has no ranks: that image scores 0 and stays in the mean, as in {@link MuFidelity}, and the
 * metadata counts such images ({@code undefined}). Maps with NaN or infinite values are refused.
 * The paper's other similarities are computed too ({@link Similarity}): Spearman of the signed
 * maps, SSIM and the correlation of the HOGs of the absolute maps scaled to [0, 1]. Layer by layer ({@link #layerwise}), the
 * paper's two experiments: {@link Randomization#CASCADE}, the layers randomised one more at a time,
 * top layer first, and {@link Randomization#INDEPENDENT}, one layer at a time, the others trained.
 */
public final class SanityCheck implements Metric {

	private final AttributionMethod method;
	private final long seed;
	private final Randomization randomization;

	/**
	 * How the layers ({@link #layers}) are randomised: all at once ({@code FULL}); cascading, step k
	 * randomising the k layers nearest the logits ({@code CASCADE}, Adebayo et al.'s main experiment);
	 * or independently, step k randomising layer k alone while the others keep their trained weights
	 * ({@code INDEPENDENT}, the paper's second variant).
	 */
	public enum Randomization {
		FULL, CASCADE, INDEPENDENT;

		/** The randomisation the flags {@code cascade} and {@code independent} ask for; neither: {@code FULL}. */
		public static Randomization of(boolean cascade, boolean independent) {
			if (cascade && independent) {
				throw new IllegalArgumentException("cascade and independent are two ways of randomising the layers step by step for the"
					+ " sanity check: set only one of them.");
			}
			return cascade ? CASCADE : independent ? INDEPENDENT : FULL;
		}

		/** The lower-case name, as the flag and the metadata's {@code randomization} write it. */
		public String key() {
			return name().toLowerCase(Locale.ROOT);
		}
	}

	/** Checks this method against a randomised model given to {@link #evaluate(Classifier, Classifier, FloatTensor, int[], Progress)}. */
	public SanityCheck(AttributionMethod method) {
		this.method = Objects.requireNonNull(method, "No attribution method given to check.");
		this.seed = 0;
		this.randomization = Randomization.FULL;
	}

	private SanityCheck(long seed, Randomization randomization) {
		this.method = null;
		this.seed = seed;
		this.randomization = Objects.requireNonNull(randomization, "No randomisation given to the sanity check.");
	}

	/** The check as a {@link Metric}: the randomised copy of a TensorFlow model is made from this seed at each evaluation. */
	public static SanityCheck randomizing(long seed) {
		return new SanityCheck(seed, Randomization.FULL);
	}

	/**
	 * The check as a {@link Metric}; with {@code CASCADE} or {@code INDEPENDENT} its evaluation runs
	 * {@link #layerwise} and scores, as {@code FULL} does, the copy with every layer randomised (the
	 * cascade's last step; one step more for the independent randomisation). The steps' means are
	 * in the result's metadata.
	 */
	public static SanityCheck randomizing(long seed, Randomization randomization) {
		return new SanityCheck(seed, randomization);
	}

	/** How {@link #evaluate(Classifier, FloatTensor, int[], AttributionMethod, Progress)} randomises the layers. */
	public Randomization randomization() {
		return randomization;
	}

	/**
	 * The similarities of one image's two maps: Spearman of the absolute maps (the check's value),
	 * Spearman of the signed maps, and SSIM (Wang et al. 2004; 11 x 11 Gaussian window of sigma 1.5,
	 * K1 = 0.01, K2 = 0.03, as {@link Ssim}) of the absolute maps each min-max scaled to [0, 1], so
	 * that the dynamic range is 1 (a constant map scales to 0), and the Pearson correlation of the
	 * HOGs ({@link Hog}: scikit-image's defaults, 8 x 8 cells, 3 x 3 blocks) of those scaled maps. A
	 * map without ranks gives a Spearman of NaN; a map under 24 x 24 pixels (no HOG block) or a flat
	 * one a HOG similarity of NaN.
	 */
	public record Similarity(double spearmanAbs, double spearman, double ssim, double hog) {}

	/**
	 * One step of a layer-by-layer randomisation: the layer randomised at this step (in a cascade
	 * with every layer above it, in an independent randomisation alone), the variables randomised in
	 * all, and the similarities per image (Spearman 0 where a map has no ranks, as the check's values).
	 */
	public record Step(String layer, List<String> randomized, double[] spearmanAbs, double[] spearman, double[] ssim, double[] hog) {

		public Step {
			randomized = List.copyOf(randomized);
			spearmanAbs = spearmanAbs.clone();
			spearman = spearman.clone();
			ssim = ssim.clone();
			hog = hog.clone();
		}
	}

	/**
	 * The steps of a layer-by-layer randomisation, top layer first, and the check's result with
	 * every layer randomised (the full randomisation, as {@code FULL} scores it).
	 */
	public record Layerwise(Randomization randomization, List<Step> steps, MetricResult result) {

		public Layerwise {
			steps = List.copyOf(steps);
		}
	}

	/** {@link #layerwise(TensorFlowClassifier, FloatTensor, int[], AttributionMethod, long, Randomization, Progress)} with this check's seed and randomisation. */
	public Layerwise layerwise(TensorFlowClassifier model, FloatTensor images, int[] targets, AttributionMethod method, Progress progress) {
		return layerwise(model, images, targets, method, seed, randomization, progress);
	}

	/** The cascade: {@link #layerwise} with {@link Randomization#CASCADE}. */
	public static Layerwise cascade(TensorFlowClassifier model, FloatTensor images, int[] targets, AttributionMethod method, long seed,
		Progress progress) {
		return layerwise(model, images, targets, method, seed, Randomization.CASCADE, progress);
	}

	/** The independent randomisation: {@link #layerwise} with {@link Randomization#INDEPENDENT}. */
	public static Layerwise independent(TensorFlowClassifier model, FloatTensor images, int[] targets, AttributionMethod method, long seed,
		Progress progress) {
		return layerwise(model, images, targets, method, seed, Randomization.INDEPENDENT, progress);
	}

	/**
	 * The model's variables grouped by layer (the name up to its last '/'), in the order of
	 * {@link TensorFlowClassifier#variables()}: the layer nearest the logits first.
	 */
	public static Map<String, List<String>> layers(List<String> variables) {
		Map<String, List<String>> layers = new LinkedHashMap<>();
		for (String v : variables) {
			int slash = v.lastIndexOf('/');
			layers.computeIfAbsent(slash > 0 ? v.substring(0, slash) : v, k -> new ArrayList<>()).add(v);
		}
		return layers;
	}

	/**
	 * Layer-by-layer randomisation (Adebayo et al. 2018, section 4), one step per layer
	 * ({@link #layers}), top layer first: with {@code CASCADE} step k randomises the top k layers,
	 * with {@code INDEPENDENT} layer k alone (the others keep their trained weights); each step
	 * compares the method's maps on that copy with its maps on the model. A variable gets the same
	 * values at every step ({@link RandomizedWeights}), so the cascade's last step is the copy with
	 * every weight randomised; the independent randomisation explains that copy too, one step more,
	 * for the result. Progress counts one explanation per copy plus the original's.
	 *
	 * @throws IllegalArgumentException with {@code FULL} (one copy, no steps: use {@link #evaluate}) or a model without float variables
	 * @throws CancellationException when progress asks to stop
	 */
	public static Layerwise layerwise(TensorFlowClassifier model, FloatTensor images, int[] targets, AttributionMethod method, long seed,
		Randomization randomization, Progress progress) {
		if (randomization == Randomization.FULL) {
			throw new IllegalArgumentException("The full randomisation has no steps: randomise layer by layer with cascade or independent.");
		}
		boolean independent = randomization == Randomization.INDEPENDENT;
		Map<String, List<String>> layers = layers(model.variables());
		if (layers.isEmpty()) {
			throw new IllegalArgumentException("The sanity check found no float variables in " + model.name()
				+ " to randomise: check the model with Model Info.");
		}
		int units = layers.size() + (independent ? 2 : 1);
		int[] resolved = AttributionMethod.resolveTargets(model, images, targets);
		SanityCheck check = new SanityCheck(method);
		Attribution a = method.explain(model, images, resolved, (d, t, m) -> progress.report(d, (long) units * t, m));
		check.finite(a, "the model", "check that the model's logits on these images are finite");
		List<Step> steps = new ArrayList<>();
		List<String> cumulative = new ArrayList<>();
		MetricResult last = null;
		int k = 0;
		for (Map.Entry<String, List<String>> layer : layers.entrySet()) {
			k++;
			int unit = k;
			if (!progress.report(k, units, "randomising " + layer.getKey())) throw new CancellationException("Sanity check cancelled.");
			cumulative.addAll(layer.getValue());
			List<String> randomized = independent ? layer.getValue() : cumulative;
			try (TensorFlowClassifier random = RandomizedWeights.copy(model, randomized, seed)) {
				Attribution b = method.explain(random, images, resolved, (d, t, m) -> progress.report((long) unit * t + d, (long) units * t, m));
				check.finite(b, "its copy with " + layer.getKey() + (independent ? " alone" : " and the layers above") + " randomised", "try another seed");
				Compared c = check.compare(a, b);
				steps.add(new Step(layer.getKey(), randomized, c.spearmanAbs, c.spearman, c.ssim, c.hog));
				if (!independent) last = check.result(model, random, resolved, c);
			}
		}
		if (independent) {
			int unit = units - 1;
			if (!progress.report(unit, units, "randomising every layer")) throw new CancellationException("Sanity check cancelled.");
			try (TensorFlowClassifier random = RandomizedWeights.copy(model, model.variables(), seed)) {
				Attribution b = method.explain(random, images, resolved, (d, t, m) -> progress.report((long) unit * t + d, (long) units * t, m));
				check.finite(b, "its randomised copy", "try another seed");
				last = check.result(model, random, resolved, check.compare(a, b));
			}
		}
		Map<String, String> meta = new HashMap<>(last.metadata());
		meta.put("randomization", randomization.key());
		meta.put("seed", Long.toString(seed));
		meta.put("steps", String.join(",", layers.keySet()));
		meta.put("step_spearman_abs", means(steps, Step::spearmanAbs));
		meta.put("step_spearman", means(steps, Step::spearman));
		meta.put("step_ssim", means(steps, Step::ssim));
		meta.put("step_hog", means(steps, Step::hog));
		return new Layerwise(randomization, steps,
			new MetricResult(last.metric(), last.targets(), last.values(), last.mean(), new double[resolved.length][0], meta));
	}

	/** Each step's mean over the images, separated by commas. */
	private static String means(List<Step> steps, java.util.function.Function<Step, double[]> values) {
		StringBuilder b = new StringBuilder();
		for (Step s : steps) b.append(b.length() == 0 ? "" : ",").append(FiniteMean.of(values.apply(s)));
		return b.toString();
	}

	@Override
	public String name() {
		return "sanity";
	}

	/**
	 * Randomises a copy of the model's weights from the seed ({@link RandomizedWeights}) and
	 * compares the method's maps on both.
	 *
	 * @throws IllegalArgumentException when the classifier is not a TensorFlow SavedModel (only those have weights to randomise here)
	 */
	@Override
	public MetricResult evaluate(Classifier classifier, FloatTensor images, int[] targets, AttributionMethod method, Progress progress) {
		if (!(classifier instanceof TensorFlowClassifier tf)) {
			throw new IllegalArgumentException("The sanity check randomises the weights of a TensorFlow SavedModel; " + classifier.name()
				+ " is not one: evaluate it with deletion, insertion or mufidelity.");
		}
		if (randomization != Randomization.FULL) return layerwise(tf, images, targets, method, seed, randomization, progress).result();
		try (TensorFlowClassifier random = RandomizedWeights.copy(tf, tf.variables(), seed)) {
			return new SanityCheck(method).evaluate(classifier, random, images, targets, progress);
		}
	}

	/** Refuses maps with NaN or infinite values, which cannot be ranked. */
	private void finite(Attribution a, String model, String todo) {
		int bad = a.maps().firstNonFinite();
		if (bad >= 0) {
			throw new IllegalArgumentException("The " + method.name() + " map of image " + bad / a.maps().stride0() + " on " + model
				+ " contains NaN or infinite values, so the sanity check cannot rank its pixels: " + todo + ".");
		}
	}

	/**
	 * Both models explain the same target per image: the original's (PREDICTED resolves on the
	 * original model, whose prediction is the one being explained).
	 *
	 * @throws java.util.concurrent.CancellationException when progress asks to stop
	 */
	public MetricResult evaluate(Classifier original, Classifier randomized, FloatTensor images, int[] targets, Progress progress) {
		Objects.requireNonNull(method, "No attribution method given to check.");
		if (original.numClasses() != randomized.numClasses()) {
			throw new IllegalArgumentException("The randomised model has " + randomized.numClasses() + " classes and the original "
				+ original.numClasses() + "; compare a model with a randomised copy of itself.");
		}
		int[] resolved = AttributionMethod.resolveTargets(original, images, targets);
		// each model's explanation is one half of the work
		Attribution a = method.explain(original, images, resolved, (d, t, m) -> progress.report(d, 2 * t, m));
		finite(a, "the model", "check that the model's logits on these images are finite");
		Attribution b = method.explain(randomized, images, resolved, (d, t, m) -> progress.report(t + d, 2 * t, m));
		// random weights can make a model overflow: NaN would get ranks of its own and a finite, meaningless correlation
		finite(b, "its randomised copy", "try another seed");
		return result(original, randomized, resolved, compare(a, b));
	}

	/** Per-image similarities of two batches of maps; a Spearman without ranks is 0 and counted. */
	private record Compared(double[] spearmanAbs, double[] spearman, double[] ssim, double[] hog, int undefined) {}

	private Compared compare(Attribution a, Attribution b) {
		int n = (int) a.maps().dim(0), per = a.maps().stride0();
		int h = (int) a.maps().dim(1), w = per / h;
		float[] ma = a.maps().data(), mb = b.maps().data();
		double[] abs = new double[n], signed = new double[n], ssim = new double[n], hog = new double[n];
		int undefined = 0;
		for (int i = 0; i < n; i++) {
			Similarity s = similarity(java.util.Arrays.copyOfRange(ma, i * per, (i + 1) * per),
				java.util.Arrays.copyOfRange(mb, i * per, (i + 1) * per), h, w);
			// a constant map has no ranks: 0, kept in the mean and counted, as MuFidelity does (Xplique's spearman gives 0)
			if (Double.isNaN(s.spearmanAbs())) undefined++;
			abs[i] = Double.isNaN(s.spearmanAbs()) ? 0 : s.spearmanAbs();
			signed[i] = Double.isNaN(s.spearman()) ? 0 : s.spearman();
			ssim[i] = s.ssim();
			hog[i] = s.hog();
		}
		return new Compared(abs, signed, ssim, hog, undefined);
	}

	/** The {@link Similarity} of two maps of h x w pixels (row-major, finite values). */
	public static Similarity similarity(float[] a, float[] b, int h, int w) {
		if (a.length != h * w || b.length != h * w) {
			throw new IllegalArgumentException("Two maps of " + h + " x " + w + " pixels were expected; got " + a.length + " and " + b.length + " values.");
		}
		double[] x = new double[a.length], y = new double[a.length], sx = new double[a.length], sy = new double[a.length];
		for (int p = 0; p < a.length; p++) {
			sx[p] = a[p];
			sy[p] = b[p];
			x[p] = Math.abs(a[p]);
			y[p] = Math.abs(b[p]);
		}
		float[] ux = unit(x), uy = unit(y);
		return new Similarity(Spearman.correlation(x, y), Spearman.correlation(sx, sy), Ssim.of(ux, uy, h, w), Hog.similarity(ux, uy, h, w));
	}

	/** Min-max scaled to [0, 1]; a constant map becomes 0. */
	static float[] unit(double[] v) {
		double min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY;
		for (double d : v) {
			min = Math.min(min, d);
			max = Math.max(max, d);
		}
		float[] u = new float[v.length];
		if (max > min) for (int p = 0; p < v.length; p++) u[p] = (float) ((v[p] - min) / (max - min));
		return u;
	}

	private MetricResult result(Classifier original, Classifier randomized, int[] resolved, Compared c) {
		Map<String, String> meta = new HashMap<>();
		meta.put("metric", "randomization_sanity");
		meta.put("method", method.name());
		meta.put("statistic", "spearman(|original map|, |randomised-model map|)");
		meta.put("original", original.toString());
		meta.put("randomized", randomized.toString());
		meta.put("better", "lower");
		meta.put("undefined", Integer.toString(c.undefined));
		meta.put("mean_spearman_signed", Double.toString(FiniteMean.of(c.spearman)));
		meta.put("mean_ssim", Double.toString(FiniteMean.of(c.ssim)));
		meta.put("mean_hog", Double.toString(FiniteMean.of(c.hog)));
		return new MetricResult("randomization_spearman", resolved, c.spearmanAbs, FiniteMean.of(c.spearmanAbs), new double[resolved.length][0], meta);
	}
}
