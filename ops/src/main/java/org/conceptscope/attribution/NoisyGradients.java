package org.conceptscope.attribution;

import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

import org.conceptscope.model.Classifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;

/**
 * Gradients averaged over Gaussian-noised copies of the image, with noise sigma a fraction of
 * the image's value range:
 * SmoothGrad (absolute mean gradient: smoothed Saliency, Smilkov et al. 2017), SquareGrad (mean
 * squared gradient) and VarGrad (variance of the gradient, Adebayo et al. 2018). Like Saliency,
 * the maximum over channels: a signed map would rank by the direction that raises the score,
 * which is not what deleting or masking a pixel does. The seed and the image index fix the
 * noise, so the same call gives the same maps.
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

	private final Statistic statistic;
	private final int samples;
	private final double sigmaFraction;
	private final long seed;

	public NoisyGradients(Statistic statistic, int samples, double sigmaFraction, long seed) {
		if (samples < 1) throw new IllegalArgumentException("At least one noisy sample is needed, got " + samples + ".");
		if (!(sigmaFraction >= 0) || !Double.isFinite(sigmaFraction)) {
			throw new IllegalArgumentException("The noise level must be a finite fraction >= 0 of the value range.");
		}
		this.statistic = statistic;
		this.samples = samples;
		this.sigmaFraction = sigmaFraction;
		this.seed = seed;
	}

	@Override
	public String name() {
		return statistic.id;
	}

	@Override
	public Attribution explain(Classifier classifier, FloatTensor images, int[] targets, Progress progress) {
		int[] resolved = AttributionMethod.resolveTargets(classifier, images, targets);
		int n = (int) images.dim(0), per = images.stride0();
		long[] shape = images.shape();
		shape[0] = samples;
		float[] out = new float[n * per];
		for (int i = 0; i < n; i++) {
			float[] x = Arrays.copyOfRange(images.data(), i * per, (i + 1) * per);
			float min = Float.POSITIVE_INFINITY, max = Float.NEGATIVE_INFINITY;
			for (float v : x) {
				min = Math.min(min, v);
				max = Math.max(max, v);
			}
			double sigma = sigmaFraction * (max - min);
			Random rnd = new Random(seed * 1_000_003L + i);
			float[] noisy = new float[samples * per];
			for (int s = 0; s < samples; s++) {
				for (int p = 0; p < per; p++) noisy[s * per + p] = (float) (x[p] + sigma * rnd.nextGaussian());
			}
			int[] t = new int[samples];
			Arrays.fill(t, resolved[i]);
			float[] g = classifier.inputGradient(new FloatTensor(shape, noisy), FloatTensor.oneHot(t, classifier.numClasses())).data();
			for (int p = 0; p < per; p++) {
				double sum = 0, sq = 0;
				for (int s = 0; s < samples; s++) {
					double v = g[s * per + p];
					sum += v;
					sq += v * v;
				}
				double mean = sum / samples, meanSq = sq / samples;
				out[i * per + p] = (float) switch (statistic) {
					case SMOOTH_GRAD -> Math.abs(mean);
					case SQUARE_GRAD -> meanSq;
					case VAR_GRAD -> Math.max(meanSq - mean * mean, 0);
				};
			}
			GradientMaps.step(progress, i + 1, n, name());
		}
		return new Attribution(GradientMaps.maxChannels(new FloatTensor(images.shape(), out)), resolved,
			AttributionMethod.metadata(classifier, name(), resolved, "samples", Integer.toString(samples), "sigma_fraction",
				String.format(Locale.ROOT, "%s", sigmaFraction), "seed", Long.toString(seed)));
	}
}
