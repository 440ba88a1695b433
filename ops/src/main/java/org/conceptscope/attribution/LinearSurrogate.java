package org.conceptscope.attribution;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

import org.conceptscope.model.Classifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Limits;
import org.conceptscope.util.Progress;
import org.conceptscope.util.SoftKept;

/**
 * What LIME and Kernel SHAP share: the image is cut into segments (the interpretable features),
 * binary vectors z say which segments are kept (the others show the replacement), the model
 * scores each perturbed copy, and a weighted linear model fitted from z to the scores gives one
 * coefficient per segment, painted onto its pixels. Subclasses choose how z is drawn, how each
 * sample is weighted and the ridge penalty. Sample j is drawn from a generator seeded by the
 * seed and j only, so the samples can be drawn in parallel and the same seed gives the same map.
 */
abstract sealed class LinearSurrogate implements AttributionMethod permits Lime, KernelShap {

	final int samples;
	final Segmentation segmentation;
	final MaskedImage perturbation;
	final long seed;
	final TargetScore score;

	LinearSurrogate(String method, int samples, int minSamples, Segmentation segmentation, MaskedImage perturbation, long seed, TargetScore score) {
		if (samples < minSamples) throw new IllegalArgumentException(method + " needs at least " + minSamples + " samples, got " + samples + ".");
		Limits.passes(method, "samples", samples);
		if (segmentation == null) throw new IllegalArgumentException("No segmentation given: Segmentation.grid(n) or Segmentation.slic(n, compactness).");
		if (perturbation == null) throw new IllegalArgumentException("No replacement given: MaskedImage.constant(value) or MaskedImage.blur(sigma).");
		if (score == null) throw new IllegalArgumentException("No score given: TargetScore.LOGIT or TargetScore.PROBABILITY.");
		this.samples = samples;
		this.segmentation = segmentation;
		this.perturbation = perturbation;
		this.seed = seed;
		this.score = score;
	}

	/**
	 * One per sample ({@link #scoredSamples}): exact for a grid, whose segment count is known before the run. On superpixels,
	 * whose count each image's pixels decide, a method whose passes follow that count (Kernel SHAP's enumeration) gives
	 * {@code samples} as a bound ({@link org.conceptscope.util.Passes#atMost}); {@link #passes(FloatTensor)} counts them exactly.
	 */
	@Override
	public org.conceptscope.util.Passes passes(long height, long width, long channels) {
		boolean grid = segmentation.kind() == Segmentation.Kind.GRID;
		if (!grid && passesFollowSegments()) {
			return new org.conceptscope.util.Passes(samples, "model pass", name() + ": one per sample, or 2^m for an image of m superpixels"
				+ " when every coalition fits in them", "model passes", true);
		}
		long segments = grid ? (long) segmentation.size() * segmentation.size() : segmentation.size();
		int scored = scoredSamples((int) Math.min(Integer.MAX_VALUE, segments));
		return new org.conceptscope.util.Passes(scored, "model pass", name() + ": " + (scored < samples ? "every coalition of " + segments
			+ " segments" : "one per sample"), "model passes");
	}

	/** Whether the passes of an image follow its segment count (they do where {@link #scoredSamples} does). */
	boolean passesFollowSegments() {
		return false;
	}

	/**
	 * The model passes on these normalised images [N, H, W, C], exactly: each image segmented as {@link #explain} will segment it,
	 * for a method whose passes follow its superpixels ({@link #passesFollowSegments}); else the images times {@link #passes(long,
	 * long, long)}. The superpixels are computed once more for it, in parallel (a small cost beside the passes).
	 */
	@Override
	public long passes(FloatTensor images) {
		return passes(images, org.conceptscope.util.Progress.NONE);
	}

	/**
	 * As {@link #passes(FloatTensor)}: the images segmented a few at a time in parallel, the progress reported and a stop obeyed
	 * between them, and an image whose segments the samples cannot fit ({@link #checkSegments}) refused before any is scored.
	 */
	@Override
	public long passes(FloatTensor images, org.conceptscope.util.Progress progress) {
		int n = (int) images.dim(0), h = (int) images.dim(1), w = (int) images.dim(2), c = (int) images.dim(3);
		if (segmentation.kind() == Segmentation.Kind.GRID || !passesFollowSegments()) return n * passes(h, w, c).perImage();
		org.conceptscope.util.Progress p = progress == null ? org.conceptscope.util.Progress.NONE : progress;
		int step = Math.max(1, Runtime.getRuntime().availableProcessors());
		long total = 0;
		for (int from = 0; from < n; from += step) {
			if (!p.report(from, n, "images segmented to count the passes")) {
				throw new java.util.concurrent.CancellationException("Stopped while counting the passes.");
			}
			total += IntStream.range(from, Math.min(n, from + step)).parallel().mapToLong(i -> {
				int m = segmentation.of(images.slice(i).data(), h, w, c).count();
				checkSegments(m);
				return scoredSamples(m);
			}).sum();
		}
		p.report(n, n, "images segmented to count the passes");
		return total;
	}

	/** The grid's cells per side or the superpixels wanted, under their registry keys. */
	@Override
	public Map<String, Integer> sizes() {
		return Map.of(segmentation.kind() == Segmentation.Kind.GRID ? "grid" : "superpixels", segmentation.size());
	}

	/**
	 * The samples drawn for one segment count and, when the weights do not depend on the image, their
	 * prepared fit (made by the first image that needs it, then shared). They depend on the seed, the
	 * segment count and this method's parameters only, so a later call with images of as many segments
	 * (the next batch of a folder, a stack's next slices) uses them again instead of drawing and
	 * preparing them anew: the same values, so the same maps. Softly held, so memory pressure drops them.
	 */
	private static final class Samples {
		final boolean[][] z;
		volatile WeightedLinearFit.Solver prepared;

		Samples(boolean[][] z) {
			this.z = z;
		}
	}

	private final SoftKept<Integer, Samples> kept = new SoftKept<>();

	/** The samples for m segments: those kept from an earlier image or call when they match, else drawn (in parallel) and kept. */
	private Samples samples(int m) {
		return kept.get(m, () -> {
			boolean[][] fresh = new boolean[samples][m];
			IntStream.range(0, samples).parallel().forEach(j -> draw(j, org.conceptscope.util.Seeds.stream(seed, j), fresh[j]));
			return new Samples(fresh);
		});
	}

	/** Draws sample {@code index} into z (true: segment kept). Called in parallel; z arrives all false. */
	abstract void draw(int index, SplittableRandom random, boolean[] z);

	/** The fitting weight of every sample, given the image's per-segment distances (null when {@link #weightsDependOnImage()} is false). */
	abstract double[] weights(boolean[][] z, SegmentDistances distances);

	/**
	 * Whether {@link #weights} depend on the image (LIME's input-space distance kernels do; its
	 * interpretable one and Kernel SHAP's weights do not, and then the image-independent part of the
	 * fit is prepared once per set of samples and kept with them).
	 */
	boolean weightsDependOnImage() {
		return true;
	}

	/**
	 * Refuses, in one sentence, an image of m segments that this
	 * method's samples cannot fit; before its first copy is scored. Nothing by default.
	 */
	void checkSegments(int m) {}

	/**
	 * How many of the samples of an image of m segments the model scores: the samples from there on
	 * have weight 0 whatever their score, which then stays 0 (it does not change the fit). All by default.
	 */
	int scoredSamples(int m) {
		return samples;
	}

	/**
	 * Whether the method claims efficiency for its segment values (Kernel SHAP): they add up to the
	 * score of the image (sample 0, every segment kept) minus that of the fully replaced image
	 * (sample 1). Then the metadata carry, per image, the values' sum, that change and their gap
	 * ({@link Completeness#KEYS}). False by default (LIME claims nothing of the kind).
	 */
	boolean claimsEfficiency() {
		return false;
	}

	/** The fit of samples z with these weights, waiting for the scores: weighted least squares with an intercept and {@link #ridge()} by default. */
	WeightedLinearFit.Solver prepare(boolean[][] z, double[] weights) {
		return WeightedLinearFit.prepare(z, weights, ridge());
	}

	/** Ridge penalty on the coefficients (0: ordinary least squares). */
	abstract double ridge();

	/** The method's own parameters for the metadata, as key/value pairs. */
	abstract String[] parameters();

	/** Per segment: squared distance and products between the image x and its replacement r, for input-space kernels. */
	record SegmentDistances(double[] squaredDifference, double[] xx, double[] xr, double[] rr) {

		static SegmentDistances of(Segments segments, float[] x, float[] r) {
			int m = segments.count();
			double[] d = new double[m], xx = new double[m], xr = new double[m], rr = new double[m];
			for (int s = 0; s < m; s++) {
				int[] runs = segments.runs(s);
				for (int k = 0; k < runs.length; k += 2) {
					for (int p = runs[k]; p < runs[k + 1]; p++) {
						double a = x[p], b = r[p];
						d[s] += (a - b) * (a - b);
						xx[s] += a * a;
						xr[s] += a * b;
						rr[s] += b * b;
					}
				}
			}
			return new SegmentDistances(d, xx, xr, rr);
		}

		/** Euclidean distance between x and the copy keeping the segments z. */
		double euclidean(boolean[] z) {
			double s = 0;
			for (int j = 0; j < z.length; j++) if (!z[j]) s += squaredDifference[j];
			return Math.sqrt(s);
		}

		/** Cosine distance 1 - cos(x, copy) between x and the copy keeping the segments z (1 when either is zero). */
		double cosine(boolean[] z) {
			double dot = 0, nx = 0, nc = 0;
			for (int j = 0; j < z.length; j++) {
				nx += xx[j];
				dot += z[j] ? xx[j] : xr[j];
				nc += z[j] ? xx[j] : rr[j];
			}
			return nx > 0 && nc > 0 ? 1 - dot / Math.sqrt(nx * nc) : 1;
		}
	}

	/** The segment count of each image; with {@link #claimsEfficiency} also the efficiency check's {@link Completeness#KEYS}. */
	@Override
	public List<String> perImageKeys() {
		if (!claimsEfficiency()) return List.of("segments");
		List<String> keys = new java.util.ArrayList<>(List.of("segments"));
		keys.addAll(Completeness.KEYS);
		return List.copyOf(keys);
	}

	@Override
	public Attribution explain(Classifier classifier, FloatTensor images, int[] targets, Progress progress) {
		int[] resolved = AttributionMethod.resolveTargets(classifier, images, targets);
		int n = (int) images.dim(0), h = (int) images.dim(1), w = (int) images.dim(2), c = (int) images.dim(3);
		float[] maps = new float[n * h * w];
		int[] segmentCounts = new int[n];
		// the efficiency check: per image the segment values' sum and f(x) - f(fully replaced), samples 0 and 1
		double[] valueSums = new double[n], changes = new double[n];
		// The fit of image i runs on its own thread while the model scores image i + 1's copies; image
		// i + 1's segments and first copies are made while the model scores image i's last batch.
		try (Estimators estimator = new Estimators()) {
			PerturbedScores.stream(classifier, score, images, resolved, samples, i -> {
				float[] x = images.slice(i).data();
				float[] repl = perturbation.replacement(x, h, w, c);
				Segments segments = segmentation.of(x, h, w, c);
				int m = segments.count();
				checkSegments(m);
				segmentCounts[i] = m;
				// the samples depend only on the seed and the segment count: kept while it stays the same
				Samples drawn = samples(m);
				boolean[][] z = drawn.z;
				return new PerturbedScores.ImageJob() {
					@Override
					public int scoredCopies(int count) {
						return scoredSamples(m);
					}

					@Override
					public void fill(int index, float[] out, int off) {
						System.arraycopy(x, 0, out, off, x.length);
						boolean[] keep = z[index];
						for (int s = 0; s < m; s++) {
							if (keep[s]) continue;
							int[] r = segments.runs(s);
							for (int k = 0; k < r.length; k += 2) System.arraycopy(repl, r[k], out, off + r[k], r[k + 1] - r[k]);
						}
					}

					@Override
					public void done(float[] scores) {
						estimator.submit(() -> {
							WeightedLinearFit.Solver prepared;
							if (weightsDependOnImage()) {
								prepared = prepare(z, weights(z, SegmentDistances.of(segments, x, repl)));
							} else {
								prepared = drawn.prepared;
								if (prepared == null) {
									prepared = prepare(z, weights(z, null));
									drawn.prepared = prepared;
								}
							}
							WeightedLinearFit.Result fit = prepared.solve(scores);
							double sum = 0;
							for (double v : fit.coefficients()) sum += v;
							valueSums[i] = sum;
							changes[i] = (double) scores[0] - scores[1];
							System.arraycopy(segments.paint(fit.coefficients()), 0, maps, i * h * w, h * w);
						});
					}
				};
			}, progress, name());
			estimator.finish();
		}
		Map<String, String> meta = AttributionMethod.metadata(classifier, name(), resolved, parameters());
		meta.put("samples", Integer.toString(samples));
		meta.put("segmentation", segmentation.describe());
		meta.put("segments", java.util.Arrays.toString(segmentCounts));
		meta.put("perturbation", perturbation.describe());
		meta.put("seed", Long.toString(seed));
		meta.put("score", score.name());
		if (claimsEfficiency()) {
			double[] gaps = new double[n];
			for (int i = 0; i < n; i++) gaps[i] = valueSums[i] - changes[i];
			meta.put(Completeness.ATTRIBUTION_SUM, java.util.Arrays.toString(valueSums));
			meta.put(Completeness.SCORE_CHANGE, java.util.Arrays.toString(changes));
			meta.put(Completeness.GAP, java.util.Arrays.toString(gaps));
		}
		return new Attribution(new FloatTensor(new long[] { n, h, w }, maps), resolved, meta);
	}
}
