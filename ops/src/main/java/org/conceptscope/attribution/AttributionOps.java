package org.conceptscope.attribution;

import org.conceptscope.model.Classifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Functions;
import org.conceptscope.util.Progress;
import org.scijava.ops.spi.OpCollection;
import org.scijava.ops.spi.OpMethod;

/**
 * Every attribution method as a named SciJava Op. Inputs: the classifier, a normalised batch
 * [N, H, W, C], one target class per image (-1: predicted), then the method's parameters; the
 * output is the {@link Attribution}. Listed in META-INF/services for SciJava Ops discovery.
 */
public final class AttributionOps implements OpCollection {

	private static final String PREFIX = "explain.attribution.";

	@OpMethod(names = PREFIX + "saliency", type = Functions.Arity3.class,
		description = "Absolute input gradient of the target logit, maximum over channels.")
	public static Attribution saliency(Classifier classifier, FloatTensor images, int[] targets) {
		return new Saliency().explain(classifier, images, targets, Progress.NONE);
	}

	@OpMethod(names = PREFIX + "gradientXInput", type = Functions.Arity3.class,
		description = "Input times input gradient, summed over channels.")
	public static Attribution gradientXInput(Classifier classifier, FloatTensor images, int[] targets) {
		return new GradientTimesInput().explain(classifier, images, targets, Progress.NONE);
	}

	@OpMethod(names = PREFIX + "integratedGradients", type = Functions.Arity5.class,
		description = "Integrated Gradients from a constant baseline with the midpoint rule.")
	public static Attribution integratedGradients(Classifier classifier, FloatTensor images, int[] targets, Integer steps,
		Float baseline) {
		return new IntegratedGradients(steps, baseline).explain(classifier, images, targets, Progress.NONE);
	}

	@OpMethod(names = PREFIX + "smoothGrad", type = Functions.Arity6.class,
		description = "Mean gradient over Gaussian-noised copies (noise sigma as a fraction of the value range).")
	public static Attribution smoothGrad(Classifier classifier, FloatTensor images, int[] targets, Integer samples,
		Double sigmaFraction, Long seed) {
		return noisy(NoisyGradients.Statistic.SMOOTH_GRAD, classifier, images, targets, samples, sigmaFraction, seed);
	}

	@OpMethod(names = PREFIX + "squareGrad", type = Functions.Arity6.class,
		description = "Mean squared gradient over Gaussian-noised copies.")
	public static Attribution squareGrad(Classifier classifier, FloatTensor images, int[] targets, Integer samples,
		Double sigmaFraction, Long seed) {
		return noisy(NoisyGradients.Statistic.SQUARE_GRAD, classifier, images, targets, samples, sigmaFraction, seed);
	}

	@OpMethod(names = PREFIX + "varGrad", type = Functions.Arity6.class,
		description = "Variance of the gradient over Gaussian-noised copies.")
	public static Attribution varGrad(Classifier classifier, FloatTensor images, int[] targets, Integer samples,
		Double sigmaFraction, Long seed) {
		return noisy(NoisyGradients.Statistic.VAR_GRAD, classifier, images, targets, samples, sigmaFraction, seed);
	}

	@OpMethod(names = PREFIX + "gradCam", type = Functions.Arity4.class,
		description = "Grad-CAM on a spatial layer (null or empty: the last spatial layer).")
	public static Attribution gradCam(Classifier classifier, FloatTensor images, int[] targets, String layer) {
		return new GradCam(layer, false).explain(classifier, images, targets, Progress.NONE);
	}

	@OpMethod(names = PREFIX + "gradCamPlusPlus", type = Functions.Arity4.class,
		description = "Grad-CAM++ on a spatial layer (null or empty: the last spatial layer).")
	public static Attribution gradCamPlusPlus(Classifier classifier, FloatTensor images, int[] targets, String layer) {
		return new GradCam(layer, true).explain(classifier, images, targets, Progress.NONE);
	}

	@OpMethod(names = PREFIX + "occlusion", type = Functions.Arity6.class,
		description = "Mean drop of the target logit under a sliding constant patch.")
	public static Attribution occlusion(Classifier classifier, FloatTensor images, int[] targets, Integer patch, Integer stride,
		Float baseline) {
		return new Occlusion(patch, stride, baseline).explain(classifier, images, targets, Progress.NONE);
	}

	@OpMethod(names = PREFIX + "rise", type = Functions.Arity7.class,
		description = "RISE: random soft masks weighted by the target logit.")
	public static Attribution rise(Classifier classifier, FloatTensor images, int[] targets, Integer masks, Integer grid,
		Double keepProbability, Long seed) {
		return new Rise(masks, grid, keepProbability, seed).explain(classifier, images, targets, Progress.NONE);
	}

	@OpMethod(names = PREFIX + "sobol", type = Functions.Arity8.class,
		description = "Total-order Sobol indices of grid cells (quasi-Monte Carlo masks, Jansen estimator);"
			+ " blurSigma 0 inpaints with 0, > 0 replaces masked pixels by the blurred image.")
	public static Attribution sobol(Classifier classifier, FloatTensor images, int[] targets, Integer grid, Integer designs,
		Double blurSigma, Boolean perChannel, Long seed) {
		return new SobolAttribution(grid, designs, replacement(blurSigma), perChannel, seed).explain(classifier, images, targets,
			Progress.NONE);
	}

	@OpMethod(names = PREFIX + "hsic", type = Functions.Arity7.class,
		description = "HSIC between grid cells kept or removed and the target logit.")
	public static Attribution hsic(Classifier classifier, FloatTensor images, int[] targets, Integer grid, Integer samples,
		Double blurSigma, Long seed) {
		return new HsicAttribution(grid, samples, replacement(blurSigma), seed).explain(classifier, images, targets, Progress.NONE);
	}

	private static MaskedImage replacement(Double blurSigma) {
		return blurSigma != null && blurSigma > 0 ? MaskedImage.blur(blurSigma) : MaskedImage.constant(0);
	}

	private static Attribution noisy(NoisyGradients.Statistic s, Classifier classifier, FloatTensor images, int[] targets,
		Integer samples, Double sigmaFraction, Long seed) {
		return new NoisyGradients(s, samples, sigmaFraction, seed).explain(classifier, images, targets, Progress.NONE);
	}
}
