package org.conceptscope.attribution;

import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

import org.conceptscope.model.Classifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Limits;
import org.conceptscope.util.Progress;

/**
 * Gradients averaged over Gaussian-noised copies of the image, with noise sigma a fraction of
 * the image's value range (the paper's sigma / (x_max - x_min), per image as in the authors' code):
 * SmoothGrad (absolute mean gradient: smoothed Saliency, Smilkov et al. 2017), SquareGrad (mean
 * squared gradient) and VarGrad (variance of the gradient, Adebayo et al. 2018). Like Saliency,
 * the maximum over channels: a signed map would rank by the direction that raises the score,
 * which is not what deleting or masking a pixel does. The seed and the image index fix the
 * noise, so the same call gives the same maps (see {@link #numberingImagesFrom} for parts of a
 * longer batch).
 * <p>
 * A constant image (a blank slice) has no value range, and a fraction of it would be no noise at
 * all: SmoothGrad would silently be |gradient| and VarGrad 0. Its sigma is then the fraction of
 * {@link #CONSTANT_IMAGE_RANGE} in the normalised input's units, an absolute noise level as
 * Xplique's and Captum's sigma always is; the sigma of every image is in the metadata.
 */
public final class NoisyGradients implements AttributionMethod {

	/** How the noisy gradients are aggregated. */
	public enum Statistic {
		SMOOTH_GRAD("smoothgrad"), SQUARE_GRAD("squaregrad"), VAR_GRAD("vargrad");

		final String id;

		Statistic(String id) {
			this.id = id;
		}
	}

	/**
	 * The value range the noise of a constant image is a fraction of: 1 in the normalised input's
	 * units, the range of inputs scaled to [0, 1] and the spread of standardised ones.
	 */
	public static final double CONSTANT_IMAGE_RANGE = 1;

	private final Statistic statistic;
	private final int samples;
	private final double sigmaFraction;
	private final long seed;
	/** Index of the first image of a batch: the noise of image i is drawn from (seed, firstImage + i). */
	private final int firstImage;

	public NoisyGradients(Statistic statistic, int samples, double sigmaFraction, long seed) {
		this(statistic, samples, sigmaFraction, seed, 0);
	}

	private NoisyGradients(Statistic statistic, int samples, double sigmaFraction, long seed, int firstImage) {
		if (samples < 1) throw new IllegalArgumentException("At least one noisy sample is needed, got " + samples + ".");
		Limits.passes(statistic == null ? "smoothgrad" : statistic.id, "samples", samples);
		if (!(sigmaFraction >= 0) || !Double.isFinite(sigmaFraction)) {
			throw new IllegalArgumentException("The noise level must be a finite fraction >= 0 of the value range.");
		}
		this.statistic = statistic;
		this.samples = samples;
		this.sigmaFraction = sigmaFraction;
		this.seed = seed;
		this.firstImage = firstImage;
	}

	@Override
	public boolean needsGradients() {
		return true;
	}

	@Override
	public String name() {
		return statistic.id;
	}

	@Override
	public NoisyGradients numberingImagesFrom(int first) {
		if (first < 0) throw new IllegalArgumentException("Images are numbered from 0 or more, got " + first + ".");
		return first == firstImage ? this : new NoisyGradients(statistic, samples, sigmaFraction, seed, first);
	}

	@Override
	public Attribution explain(Classifier classifier, FloatTensor images, int[] targets, Progress progress) {
		int[] resolved = AttributionMethod.resolveTargets(classifier, images, targets);
		int n = (int) images.dim(0), per = images.stride0();
		long total = (long) n * samples;
		// Noisy copies of all images in one sequence (image by image), sent in batches of the
		// classifier's preferred size: a batch may end one image and start the next.
		int batch = (int) Math.max(1, Math.min(total, classifier.preferredBatchSize()));
		float[] out = new float[n * per];
		float[] x = images.data();
		double[] sigma = new double[n];
		for (int i = 0; i < n; i++) {
			float min = Float.POSITIVE_INFINITY, max = Float.NEGATIVE_INFINITY;
			for (int p = i * per; p < (i + 1) * per; p++) {
				min = Math.min(min, x[p]);
				max = Math.max(max, x[p]);
			}
			double range = max - min;
			sigma[i] = sigmaFraction * (range > 0 && Double.isFinite(range) ? range : CONSTANT_IMAGE_RANGE);
		}
		// One generator per noisy copy, seeded from the seed and the image index, so copies can
		// be drawn on all cores and the same call still gives the same maps.
		long[] copySeeds = new long[Math.toIntExact(total)];
		for (int i = 0; i < n; i++) {
			SplittableRandom seeds = new SplittableRandom(seed * 1_000_003L + firstImage + i);
			for (int s = 0; s < samples; s++) copySeeds[i * samples + s] = seeds.nextLong();
		}
		// Two buffers in turn: batch q + 1's copies are drawn (on the common pool) while the model
		// computes batch q's gradients; the sums are the current image's (copies arrive in image order).
		float[][] buffers = { new float[batch * per], total > batch ? new float[batch * per] : null };
		int[] t = new int[batch];
		double[] sum = new double[per], sq = new double[per];
		long[] shape = images.shape();
		java.util.concurrent.ForkJoinTask<float[]> next = drawTask(0, batch, total, per, samples, x, sigma, copySeeds, buffers[0]);
		next.invoke();
		for (long start = 0, q = 0; start < total; start += batch, q++) {
			int count = (int) Math.min(batch, total - start);
			long from = start;
			float[] copies = next.join();
			if (start + batch < total) {
				next = drawTask(start + batch, batch, total, per, samples, x, sigma, copySeeds, buffers[(int) ((q + 1) % 2)]);
				next.fork();
			}
			for (int k = 0; k < count; k++) t[k] = resolved[(int) ((from + k) / samples)];
			shape[0] = count;
			float[] g;
			try {
				g = classifier.inputGradient(new FloatTensor(shape, copies),
					FloatTensor.oneHot(count == batch ? t : Arrays.copyOf(t, count), classifier.numClasses())).data();
			} catch (RuntimeException e) {
				next.cancel(false);
				throw e;
			}
			for (int k = 0; k < count; k++) {
				int o = k * per;
				for (int p = 0; p < per; p++) {
					double v = g[o + p];
					sum[p] += v;
					sq[p] += v * v;
				}
				long index = from + k;
				if (index % samples == samples - 1) { // the image's last copy: its map is complete
					int i = (int) (index / samples), base = i * per;
					for (int p = 0; p < per; p++) {
						double mean = sum[p] / samples, meanSq = sq[p] / samples;
						out[base + p] = (float) switch (statistic) {
							case SMOOTH_GRAD -> Math.abs(mean);
							case SQUARE_GRAD -> meanSq;
							case VAR_GRAD -> Math.max(meanSq - mean * mean, 0);
						};
					}
					Arrays.fill(sum, 0);
					Arrays.fill(sq, 0);
				}
			}
			// per batch of copies, not per image: one large image of many copies on a slow model reports and stops in the middle
			if (!progress.report(from + count, total, name())) {
				next.cancel(false);
				throw new java.util.concurrent.CancellationException(name() + " cancelled after " + (from + count) + " of " + total + " noisy copies.");
			}
		}
		return new Attribution(GradientMaps.maxChannels(new FloatTensor(images.shape(), out)), resolved,
			AttributionMethod.metadata(classifier, name(), resolved, "samples", Integer.toString(samples), "sigma_fraction",
				String.format(Locale.ROOT, "%s", sigmaFraction), "sigma", sigmas(sigma), "seed", Long.toString(seed)));
	}

	/** Per image: {@code sigma}, the noise's standard deviation in the normalised input's units. */
	@Override
	public java.util.List<String> perImageKeys() {
		return java.util.List.of("sigma");
	}

	private static String sigmas(double[] sigma) {
		String[] s = new String[sigma.length];
		for (int i = 0; i < s.length; i++) s[i] = String.format(Locale.ROOT, "%.6g", sigma[i]);
		return Arrays.toString(s);
	}

	/**
	 * The noisy copies from index {@code from} on (at most {@code batch}, fewer at the end) into
	 * {@code buffer} (a fresh array for a short last batch); copy k of image i is x_i plus Gaussian
	 * noise from its own generator, so the copies do not depend on where or when they are drawn.
	 */
	private static java.util.concurrent.ForkJoinTask<float[]> drawTask(long from, int batch, long total, int per, int samples, float[] x,
		double[] sigma, long[] copySeeds, float[] buffer) {
		return java.util.concurrent.ForkJoinTask.adapt(() -> {
			int count = (int) Math.min(batch, total - from);
			float[] copies = count == batch ? buffer : new float[count * per];
			IntStream copyIndices = IntStream.range(0, count);
			if ((long) count * per >= 1 << 15) copyIndices = copyIndices.parallel();
			copyIndices.forEach(k -> {
				int i = (int) ((from + k) / samples), base = i * per, o = k * per;
				SplittableRandom rnd = new SplittableRandom(copySeeds[(int) (from + k)]);
				double sd = sigma[i];
				for (int p = 0; p < per; p++) copies[o + p] = (float) (x[base + p] + sd * rnd.nextGaussian());
			});
			return copies;
		});
	}
}
