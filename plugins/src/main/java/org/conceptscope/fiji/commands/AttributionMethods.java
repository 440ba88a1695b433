package org.conceptscope.fiji.commands;

import java.util.List;

import org.conceptscope.attribution.AttributionMethod;
import org.conceptscope.attribution.ForGrad;
import org.conceptscope.attribution.GradCam;
import org.conceptscope.attribution.GradientTimesInput;
import org.conceptscope.attribution.GuidedGradient;
import org.conceptscope.attribution.HsicAttribution;
import org.conceptscope.attribution.IntegratedGradients;
import org.conceptscope.attribution.KernelShap;
import org.conceptscope.attribution.Lime;
import org.conceptscope.attribution.MaskedImage;
import org.conceptscope.attribution.NoisyGradients;
import org.conceptscope.attribution.Occlusion;
import org.conceptscope.attribution.Rise;
import org.conceptscope.attribution.Saliency;
import org.conceptscope.attribution.Segmentation;
import org.conceptscope.attribution.SobolAttribution;
import org.conceptscope.attribution.TargetScore;
import org.conceptscope.verify.BoundMethod;
import org.conceptscope.verify.Eva;

/** The attribution methods a user can pick by name, built from the command's settings. */
public final class AttributionMethods {

	/** The {@code method} choices, in menu order; each is the method's own {@code name()}. */
	public static final List<String> NAMES = List.of("saliency", "gradient_x_input", "integrated_gradients", "smoothgrad",
		"vargrad", "squaregrad", "gradcam", "gradcam_plus_plus", "guided_backprop", "deconvnet", "occlusion", "rise", "sobol", "hsic",
		"lime", "kernel_shap", "eva");

	/** The methods whose maps {@code forgrad} can filter: those computed from gradients. */
	public static final List<String> FORGRAD_METHODS = List.of("saliency", "gradient_x_input", "integrated_gradients", "smoothgrad",
		"vargrad", "squaregrad", "gradcam", "gradcam_plus_plus", "guided_backprop", "deconvnet");

	/** SLIC compactness on the jointly [0, 1]-scaled image: skimage's default of 10 on CIELAB's 0..100. */
	static final double SLIC_COMPACTNESS = 0.1;

	private AttributionMethods() {}

	/** Fails with the list of choices when the name is not one of {@link #NAMES}. */
	public static void check(String name) {
		if (name == null || !NAMES.contains(name)) {
			throw new IllegalArgumentException("Unknown method '" + name + "': use one of " + String.join(", ", NAMES) + ".");
		}
	}

	/**
	 * What {@code samples=0} means per method: noisy copies for SmoothGrad and its variants
	 * (50, as in the SmoothGrad paper), random masks for RISE and designs for HSIC (1000: the
	 * maps of small patches stop changing well before that), perturbed copies for LIME (150) and
	 * Kernel SHAP (800), Xplique's defaults. 0 for methods without samples.
	 */
	public static int defaultSamples(String name) {
		return switch (name) {
			case "smoothgrad", "vargrad", "squaregrad" -> 50;
			case "rise", "hsic" -> 1000;
			case "lime" -> Lime.DEFAULT_SAMPLES;
			case "kernel_shap" -> KernelShap.DEFAULT_SAMPLES;
			default -> 0;
		};
	}

	/** The method named in the settings, with the settings' parameters. */
	public static AttributionMethod create(AttributionSettings s) {
		check(s.method());
		AttributionMethod m = method(s);
		return s.forgrad() ? new ForGrad(m, s.forgradBandwidth()) : m;
	}

	private static AttributionMethod method(AttributionSettings s) {
		int samples = s.samples() > 0 ? s.samples() : defaultSamples(s.method());
		return switch (s.method()) {
			case "saliency" -> new Saliency();
			case "gradient_x_input" -> new GradientTimesInput();
			case "integrated_gradients" -> new IntegratedGradients(s.steps(), (float) s.baseline());
			case "smoothgrad" -> new NoisyGradients(NoisyGradients.Statistic.SMOOTH_GRAD, samples, s.noise(), s.seed());
			case "vargrad" -> new NoisyGradients(NoisyGradients.Statistic.VAR_GRAD, samples, s.noise(), s.seed());
			case "squaregrad" -> new NoisyGradients(NoisyGradients.Statistic.SQUARE_GRAD, samples, s.noise(), s.seed());
			case "gradcam" -> new GradCam(s.layer(), false);
			case "gradcam_plus_plus" -> new GradCam(s.layer(), true);
			case "occlusion" -> new Occlusion(s.patch(), s.stride(), (float) s.baseline());
			case "rise" -> new Rise(samples, s.grid(), s.keepProbability(), s.seed());
			case "sobol" -> new SobolAttribution(s.grid(), s.designs(), perturbation(s), s.perChannel(), s.seed());
			case "hsic" -> new HsicAttribution(s.grid(), samples, perturbation(s), s.seed());
			case "guided_backprop" -> GuidedGradient.guidedBackprop();
			case "deconvnet" -> GuidedGradient.deconvNet();
			case "lime" -> new Lime(samples, segmentation(s), perturbation(s), s.keepProbability(), Lime.Distance.INTERPRETABLE, Lime.DEFAULT_WIDTH,
				Lime.DEFAULT_RIDGE, s.seed(), TargetScore.LOGIT);
			case "kernel_shap" -> new KernelShap(samples, segmentation(s), perturbation(s), s.seed());
			case "eva" -> new Eva(s.epsilon(), s.grid(), BoundMethod.parse(s.bounds()));
			default -> throw new IllegalStateException("No factory for method " + s.method());
		};
	}

	/** LIME's and Kernel SHAP's segments: grid x grid cells, or SLIC superpixels. */
	private static Segmentation segmentation(AttributionSettings s) {
		return "slic".equals(s.segments()) ? Segmentation.slic(s.superpixels(), SLIC_COMPACTNESS) : Segmentation.grid(s.grid());
	}

	/** What masked pixels become: 0, or the blurred image when blur_sigma > 0. */
	private static MaskedImage perturbation(AttributionSettings s) {
		return s.blurSigma() > 0 ? MaskedImage.blur(s.blurSigma()) : MaskedImage.constant(0);
	}
}
