package org.conceptscope.ops;

import java.util.LinkedHashMap;
import java.util.Map;

import net.imglib2.RandomAccessibleInterval;
import net.imglib2.type.numeric.RealType;
import net.imglib2.type.numeric.real.FloatType;

import org.conceptscope.attribution.AttributionMethod;
import org.conceptscope.model.Classifier;
import org.conceptscope.mechanistic.SrdAttribution;
import org.conceptscope.registry.Registry;
import org.conceptscope.registry.Values;
import org.conceptscope.util.Progress;

/**
 * Every attribution method as a SciJava Op named {@code explain.attribution.<method key>}.
 * <p>
 * Each op is declared in its own Javadoc (an implementation note naming the op); the SciJava Ops
 * indexer writes them into {@code ops.yaml} in the jar at compile time. All take the opened model,
 * an ImgLib2 image (see {@link OpImages} for its axes) and a target class, then the parameters of
 * the method; nullable parameters may be left out (from the end) or passed as null, and then take
 * the defaults of the method registry, as the Attribution command does. The last input of every op,
 * {@code options}, is key=value text with the Attribution command's macro keys, so every parameter
 * the registry declares for the method is reachable from a script (those without an input of their
 * own too: per_channel, upsampling, segments, forgrad, ...). Each op builds its method from
 * {@link Registry} by the key its op name ends with, with the checks the command makes, and returns
 * one float map per image.
 * <p>
 * Op Javadoc holds no quote characters besides those around the op name: the indexer splits tags
 * on spaces outside quotes, and an apostrophe would swallow a parameter.
 */
public final class AttributionOps {

	private AttributionOps() {}

	/**
	 * Saliency (Simonyan et al. 2014): the absolute input gradient of the target logit, maximum over channels.
	 *
	 * @param <T> the pixel type
	 * @param model the classifier, as opened by explain.model.open
	 * @param image the image to explain: X, Y[, channel][, slice] (channels when the model takes several); only read
	 * @param target the class to explain (index from 0); null or negative: the class predicted for each image (nullable)
	 * @param options more parameters of the method as key=value text, with the keys and values of the Attribution command macro (every key of the method, such as per_channel=true upsampling=nearest or forgrad=true); a key also given as an input above is refused (nullable)
	 * @return one map per image, the size of the image in X and Y (X, Y for one image; X, Y, slice for a stack)
	 * @implNote op names='explain.attribution.saliency'
	 */
	public static <T extends RealType<T>> RandomAccessibleInterval<FloatType> saliency(Classifier model, RandomAccessibleInterval<T> image, Integer target, String options) {
		return explain(model, image, target, "saliency", options);
	}

	/**
	 * Gradient x Input (Shrikumar et al. 2016): input times input gradient of the target logit, summed over channels.
	 *
	 * @param <T> the pixel type
	 * @param model the classifier, as opened by explain.model.open
	 * @param image the image to explain: X, Y[, channel][, slice] (channels when the model takes several); only read
	 * @param target the class to explain (index from 0); null or negative: the class predicted for each image (nullable)
	 * @param options more parameters of the method as key=value text, with the keys and values of the Attribution command macro (every key of the method, such as per_channel=true upsampling=nearest or forgrad=true); a key also given as an input above is refused (nullable)
	 * @return one map per image, the size of the image in X and Y (X, Y for one image; X, Y, slice for a stack)
	 * @implNote op names='explain.attribution.gradient_x_input'
	 */
	public static <T extends RealType<T>> RandomAccessibleInterval<FloatType> gradientXInput(Classifier model, RandomAccessibleInterval<T> image, Integer target, String options) {
		return explain(model, image, target, "gradient_x_input", options);
	}

	/**
	 * Integrated Gradients (Sundararajan et al. 2017): the input gradient averaged along the straight path from a constant baseline image to the image (midpoint rule), times the image minus the baseline.
	 *
	 * @param <T> the pixel type
	 * @param model the classifier, as opened by explain.model.open
	 * @param image the image to explain: X, Y[, channel][, slice] (channels when the model takes several); only read
	 * @param target the class to explain (index from 0); null or negative: the class predicted for each image (nullable)
	 * @param steps points on the path; default 32 (nullable)
	 * @param baseline value of every baseline pixel, in normalised input units; default 0 (nullable)
	 * @param options more parameters of the method as key=value text, with the keys and values of the Attribution command macro (every key of the method, such as per_channel=true upsampling=nearest or forgrad=true); a key also given as an input above is refused (nullable)
	 * @return one map per image, the size of the image in X and Y (X, Y for one image; X, Y, slice for a stack)
	 * @implNote op names='explain.attribution.integrated_gradients'
	 */
	public static <T extends RealType<T>> RandomAccessibleInterval<FloatType> integratedGradients(Classifier model, RandomAccessibleInterval<T> image, Integer target, Integer steps, Double baseline, String options) {
		return explain(model, image, target, "integrated_gradients", options, "steps", steps, "baseline", baseline);
	}

	/**
	 * SmoothGrad (Smilkov et al. 2017): the mean input gradient over copies of the image with Gaussian noise added.
	 *
	 * @param <T> the pixel type
	 * @param model the classifier, as opened by explain.model.open
	 * @param image the image to explain: X, Y[, channel][, slice] (channels when the model takes several); only read
	 * @param target the class to explain (index from 0); null or negative: the class predicted for each image (nullable)
	 * @param samples number of noisy copies; default 50 (as in the SmoothGrad paper) (nullable)
	 * @param noise standard deviation of the noise as a fraction of the value range of the image; default 0.15 (nullable)
	 * @param seed seed of the noise; default 42 (nullable)
	 * @param options more parameters of the method as key=value text, with the keys and values of the Attribution command macro (every key of the method, such as per_channel=true upsampling=nearest or forgrad=true); a key also given as an input above is refused (nullable)
	 * @return one map per image, the size of the image in X and Y (X, Y for one image; X, Y, slice for a stack)
	 * @implNote op names='explain.attribution.smoothgrad'
	 */
	public static <T extends RealType<T>> RandomAccessibleInterval<FloatType> smoothGrad(Classifier model, RandomAccessibleInterval<T> image, Integer target, Integer samples, Double noise, Long seed, String options) {
		return explain(model, image, target, "smoothgrad", options, "samples", samples, "noise", noise, "seed", seed);
	}

	/**
	 * VarGrad (Adebayo et al. 2018): the variance of the input gradient over copies of the image with Gaussian noise added.
	 *
	 * @param <T> the pixel type
	 * @param model the classifier, as opened by explain.model.open
	 * @param image the image to explain: X, Y[, channel][, slice] (channels when the model takes several); only read
	 * @param target the class to explain (index from 0); null or negative: the class predicted for each image (nullable)
	 * @param samples number of noisy copies; default 50 (as in the SmoothGrad paper) (nullable)
	 * @param noise standard deviation of the noise as a fraction of the value range of the image; default 0.15 (nullable)
	 * @param seed seed of the noise; default 42 (nullable)
	 * @param options more parameters of the method as key=value text, with the keys and values of the Attribution command macro (every key of the method, such as per_channel=true upsampling=nearest or forgrad=true); a key also given as an input above is refused (nullable)
	 * @return one map per image, the size of the image in X and Y (X, Y for one image; X, Y, slice for a stack)
	 * @implNote op names='explain.attribution.vargrad'
	 */
	public static <T extends RealType<T>> RandomAccessibleInterval<FloatType> varGrad(Classifier model, RandomAccessibleInterval<T> image, Integer target, Integer samples, Double noise, Long seed, String options) {
		return explain(model, image, target, "vargrad", options, "samples", samples, "noise", noise, "seed", seed);
	}

	/**
	 * SquareGrad (Hooker et al. 2019): the mean squared input gradient over copies of the image with Gaussian noise added.
	 *
	 * @param <T> the pixel type
	 * @param model the classifier, as opened by explain.model.open
	 * @param image the image to explain: X, Y[, channel][, slice] (channels when the model takes several); only read
	 * @param target the class to explain (index from 0); null or negative: the class predicted for each image (nullable)
	 * @param samples number of noisy copies; default 50 (as in the SmoothGrad paper) (nullable)
	 * @param noise standard deviation of the noise as a fraction of the value range of the image; default 0.15 (nullable)
	 * @param seed seed of the noise; default 42 (nullable)
	 * @param options more parameters of the method as key=value text, with the keys and values of the Attribution command macro (every key of the method, such as per_channel=true upsampling=nearest or forgrad=true); a key also given as an input above is refused (nullable)
	 * @return one map per image, the size of the image in X and Y (X, Y for one image; X, Y, slice for a stack)
	 * @implNote op names='explain.attribution.squaregrad'
	 */
	public static <T extends RealType<T>> RandomAccessibleInterval<FloatType> squareGrad(Classifier model, RandomAccessibleInterval<T> image, Integer target, Integer samples, Double noise, Long seed, String options) {
		return explain(model, image, target, "squaregrad", options, "samples", samples, "noise", noise, "seed", seed);
	}

	/**
	 * Grad-CAM (Selvaraju et al. 2017): the channels of a spatial layer weighted by their mean gradient, rectified and upsampled to the image.
	 *
	 * @param <T> the pixel type
	 * @param model the classifier, as opened by explain.model.open
	 * @param image the image to explain: X, Y[, channel][, slice] (channels when the model takes several); only read
	 * @param target the class to explain (index from 0); null or negative: the class predicted for each image (nullable)
	 * @param layer the spatial layer; null or empty: the last spatial layer (nullable)
	 * @param options more parameters of the method as key=value text, with the keys and values of the Attribution command macro (every key of the method, such as per_channel=true upsampling=nearest or forgrad=true); a key also given as an input above is refused (nullable)
	 * @return one map per image, the size of the image in X and Y (X, Y for one image; X, Y, slice for a stack)
	 * @implNote op names='explain.attribution.gradcam'
	 */
	public static <T extends RealType<T>> RandomAccessibleInterval<FloatType> gradCam(Classifier model, RandomAccessibleInterval<T> image, Integer target, String layer, String options) {
		return explain(model, image, target, "gradcam", options, "layer", layer);
	}

	/**
	 * Grad-CAM++ (Chattopadhay et al. 2018): Grad-CAM with higher-order weights of the positive gradients.
	 *
	 * @param <T> the pixel type
	 * @param model the classifier, as opened by explain.model.open
	 * @param image the image to explain: X, Y[, channel][, slice] (channels when the model takes several); only read
	 * @param target the class to explain (index from 0); null or negative: the class predicted for each image (nullable)
	 * @param layer the spatial layer; null or empty: the last spatial layer (nullable)
	 * @param options more parameters of the method as key=value text, with the keys and values of the Attribution command macro (every key of the method, such as per_channel=true upsampling=nearest or forgrad=true); a key also given as an input above is refused (nullable)
	 * @return one map per image, the size of the image in X and Y (X, Y for one image; X, Y, slice for a stack)
	 * @implNote op names='explain.attribution.gradcam_plus_plus'
	 */
	public static <T extends RealType<T>> RandomAccessibleInterval<FloatType> gradCamPlusPlus(Classifier model, RandomAccessibleInterval<T> image, Integer target, String layer, String options) {
		return explain(model, image, target, "gradcam_plus_plus", options, "layer", layer);
	}

	/**
	 * Guided Backpropagation (Springenberg et al. 2015): the input gradient with only positive gradients passed back through each ReLU.
	 *
	 * @param <T> the pixel type
	 * @param model the classifier, as opened by explain.model.open
	 * @param image the image to explain: X, Y[, channel][, slice] (channels when the model takes several); only read
	 * @param target the class to explain (index from 0); null or negative: the class predicted for each image (nullable)
	 * @param options more parameters of the method as key=value text, with the keys and values of the Attribution command macro (every key of the method, such as per_channel=true upsampling=nearest or forgrad=true); a key also given as an input above is refused (nullable)
	 * @return one map per image, the size of the image in X and Y (X, Y for one image; X, Y, slice for a stack)
	 * @implNote op names='explain.attribution.guided_backprop'
	 */
	public static <T extends RealType<T>> RandomAccessibleInterval<FloatType> guidedBackprop(Classifier model, RandomAccessibleInterval<T> image, Integer target, String options) {
		return explain(model, image, target, "guided_backprop", options);
	}

	/**
	 * DeconvNet (Zeiler and Fergus 2014): the input gradient with the ReLUs applied to the gradient instead of the forward signal.
	 *
	 * @param <T> the pixel type
	 * @param model the classifier, as opened by explain.model.open
	 * @param image the image to explain: X, Y[, channel][, slice] (channels when the model takes several); only read
	 * @param target the class to explain (index from 0); null or negative: the class predicted for each image (nullable)
	 * @param options more parameters of the method as key=value text, with the keys and values of the Attribution command macro (every key of the method, such as per_channel=true upsampling=nearest or forgrad=true); a key also given as an input above is refused (nullable)
	 * @return one map per image, the size of the image in X and Y (X, Y for one image; X, Y, slice for a stack)
	 * @implNote op names='explain.attribution.deconvnet'
	 */
	public static <T extends RealType<T>> RandomAccessibleInterval<FloatType> deconvNet(Classifier model, RandomAccessibleInterval<T> image, Integer target, String options) {
		return explain(model, image, target, "deconvnet", options);
	}

	/**
	 * Sharing Ratio Decomposition (Han et al. 2024): the target logit shared down the layers among pointwise feature vectors
	 * in proportion to their contributions, to the pixels; the map plus the share kept by biases is the logit.
	 * TensorFlow SavedModels only (the graph is read).
	 *
	 * @param <T> the pixel type
	 * @param model the classifier, as opened by explain.model.open
	 * @param image the image to explain: X, Y[, channel][, slice] (channels when the model takes several); only read
	 * @param target the class to explain (index from 0); null or negative: the class predicted for each image (nullable)
	 * @param start_layer the spatial layer whose PFVs the decomposition stops at (shares upsampled to the image); null or empty: the input pixels, as the maps of the paper (nullable)
	 * @param options more parameters of the method as key=value text, with the keys and values of the Attribution command macro (every key of the method, such as per_channel=true upsampling=nearest or forgrad=true); a key also given as an input above is refused (nullable)
	 * @return one map per image, the size of the image in X and Y (X, Y for one image; X, Y, slice for a stack)
	 * @implNote op names='explain.attribution.srd'
	 */
	public static <T extends RealType<T>> RandomAccessibleInterval<FloatType> srd(Classifier model, RandomAccessibleInterval<T> image, Integer target,
		String start_layer, String options) {
		return explain(model, image, target, "srd", options, SrdAttribution.START_LAYER, start_layer);
	}

	/**
	 * FORGrad (Muzellec et al. 2023) on Saliency: the Saliency map low-pass filtered in Fourier space.
	 *
	 * @param <T> the pixel type
	 * @param model the classifier, as opened by explain.model.open
	 * @param image the image to explain: X, Y[, channel][, slice] (channels when the model takes several); only read
	 * @param target the class to explain (index from 0); null or negative: the class predicted for each image (nullable)
	 * @param forgrad_bandwidth radius of the kept frequencies; 0: 15 at 224 pixels as in Xplique, scaled to the image; default 0 (nullable)
	 * @param options more parameters of the method as key=value text, with the keys and values of the Attribution command macro (every key of the method, such as per_channel=true upsampling=nearest or forgrad=true); a key also given as an input above is refused (nullable)
	 * @return one map per image, the size of the image in X and Y (X, Y for one image; X, Y, slice for a stack)
	 * @implNote op names='explain.attribution.forgrad'
	 */
	public static <T extends RealType<T>> RandomAccessibleInterval<FloatType> forGrad(Classifier model, RandomAccessibleInterval<T> image, Integer target, Integer forgrad_bandwidth, String options) {
		return explain(model, image, target, "forgrad", options, "forgrad", true, "forgrad_bandwidth", forgrad_bandwidth);
	}

	/**
	 * Occlusion (Zeiler and Fergus 2014): the mean drop of the target logit when a square patch covering the pixel is set to a constant.
	 *
	 * @param <T> the pixel type
	 * @param model the classifier, as opened by explain.model.open
	 * @param image the image to explain: X, Y[, channel][, slice] (channels when the model takes several); only read
	 * @param target the class to explain (index from 0); null or negative: the class predicted for each image (nullable)
	 * @param patch patch side in pixels; default 8 (nullable)
	 * @param stride step between patches in pixels; default 4 (nullable)
	 * @param baseline value of the occluded pixels, in normalised input units; default 0 (nullable)
	 * @param options more parameters of the method as key=value text, with the keys and values of the Attribution command macro (every key of the method, such as per_channel=true upsampling=nearest or forgrad=true); a key also given as an input above is refused (nullable)
	 * @return one map per image, the size of the image in X and Y (X, Y for one image; X, Y, slice for a stack)
	 * @implNote op names='explain.attribution.occlusion'
	 */
	public static <T extends RealType<T>> RandomAccessibleInterval<FloatType> occlusion(Classifier model, RandomAccessibleInterval<T> image, Integer target, Integer patch, Integer stride, Double baseline, String options) {
		return explain(model, image, target, "occlusion", options, "patch", patch, "stride", stride, "baseline", baseline);
	}

	/**
	 * RISE (Petsiuk et al. 2018): random smooth masks weighted by the target logit of the masked image.
	 *
	 * @param <T> the pixel type
	 * @param model the classifier, as opened by explain.model.open
	 * @param image the image to explain: X, Y[, channel][, slice] (channels when the model takes several); only read
	 * @param target the class to explain (index from 0); null or negative: the class predicted for each image (nullable)
	 * @param samples number of random masks; default 1000 (nullable)
	 * @param grid cells per side of the coarse masks; default 8 (nullable)
	 * @param keep_probability probability that a coarse cell is kept; default 0.5 (nullable)
	 * @param seed seed of the random masks; default 42 (nullable)
	 * @param options more parameters of the method as key=value text, with the keys and values of the Attribution command macro (every key of the method, such as per_channel=true upsampling=nearest or forgrad=true); a key also given as an input above is refused (nullable)
	 * @return one map per image, the size of the image in X and Y (X, Y for one image; X, Y, slice for a stack)
	 * @implNote op names='explain.attribution.rise'
	 */
	public static <T extends RealType<T>> RandomAccessibleInterval<FloatType> rise(Classifier model, RandomAccessibleInterval<T> image, Integer target, Integer samples, Integer grid, Double keep_probability, Long seed, String options) {
		return explain(model, image, target, "rise", options, "samples", samples, "grid", grid, "keep_probability", keep_probability, "seed", seed);
	}

	/**
	 * Sobol attribution (Fel et al. 2021): total-order Sobol indices of grid cells for the target logit, from quasi-Monte Carlo masks (Jansen estimator).
	 *
	 * @param <T> the pixel type
	 * @param model the classifier, as opened by explain.model.open
	 * @param image the image to explain: X, Y[, channel][, slice] (channels when the model takes several); only read
	 * @param target the class to explain (index from 0); null or negative: the class predicted for each image (nullable)
	 * @param grid cells per side; default 8 (nullable)
	 * @param designs number of quasi-Monte Carlo designs; default 32 (nullable)
	 * @param blur_sigma 0: masked pixels become 0; above 0: they become the image blurred with this sigma; default 0 (nullable)
	 * @param seed seed of the scrambled designs; default 42 (nullable)
	 * @param options more parameters of the method as key=value text, with the keys and values of the Attribution command macro (every key of the method, such as per_channel=true upsampling=nearest or forgrad=true); a key also given as an input above is refused (nullable)
	 * @return one map per image, the size of the image in X and Y (X, Y for one image; X, Y, slice for a stack)
	 * @implNote op names='explain.attribution.sobol'
	 */
	public static <T extends RealType<T>> RandomAccessibleInterval<FloatType> sobol(Classifier model, RandomAccessibleInterval<T> image, Integer target, Integer grid, Integer designs, Double blur_sigma, Long seed, String options) {
		return explain(model, image, target, "sobol", options, "grid", grid, "designs", designs, "blur_sigma", blur_sigma, "seed", seed);
	}

	/**
	 * HSIC attribution (Novello et al. 2022): the Hilbert-Schmidt independence between each grid cell being kept and the target logit.
	 *
	 * @param <T> the pixel type
	 * @param model the classifier, as opened by explain.model.open
	 * @param image the image to explain: X, Y[, channel][, slice] (channels when the model takes several); only read
	 * @param target the class to explain (index from 0); null or negative: the class predicted for each image (nullable)
	 * @param samples number of random designs; default 1000 (nullable)
	 * @param grid cells per side; default 8 (nullable)
	 * @param blur_sigma 0: masked pixels become 0; above 0: they become the image blurred with this sigma; default 0 (nullable)
	 * @param seed seed of the designs; default 42 (nullable)
	 * @param options more parameters of the method as key=value text, with the keys and values of the Attribution command macro (every key of the method, such as per_channel=true upsampling=nearest or forgrad=true); a key also given as an input above is refused (nullable)
	 * @return one map per image, the size of the image in X and Y (X, Y for one image; X, Y, slice for a stack)
	 * @implNote op names='explain.attribution.hsic'
	 */
	public static <T extends RealType<T>> RandomAccessibleInterval<FloatType> hsic(Classifier model, RandomAccessibleInterval<T> image, Integer target, Integer samples, Integer grid, Double blur_sigma, Long seed, String options) {
		return explain(model, image, target, "hsic", options, "samples", samples, "grid", grid, "blur_sigma", blur_sigma, "seed", seed);
	}

	/**
	 * LIME (Ribeiro et al. 2016): coefficients of a weighted ridge regression of the target logit on which grid cells are kept.
	 *
	 * @param <T> the pixel type
	 * @param model the classifier, as opened by explain.model.open
	 * @param image the image to explain: X, Y[, channel][, slice] (channels when the model takes several); only read
	 * @param target the class to explain (index from 0); null or negative: the class predicted for each image (nullable)
	 * @param samples number of perturbed images; default 150 (as in Xplique) (nullable)
	 * @param grid cells per side; default 8 (nullable)
	 * @param seed seed of the perturbations; default 42 (nullable)
	 * @param options more parameters of the method as key=value text, with the keys and values of the Attribution command macro (every key of the method, such as per_channel=true upsampling=nearest or forgrad=true); a key also given as an input above is refused (nullable)
	 * @return one map per image, the size of the image in X and Y (X, Y for one image; X, Y, slice for a stack)
	 * @implNote op names='explain.attribution.lime'
	 */
	public static <T extends RealType<T>> RandomAccessibleInterval<FloatType> lime(Classifier model, RandomAccessibleInterval<T> image, Integer target, Integer samples, Integer grid, Long seed, String options) {
		return explain(model, image, target, "lime", options, "samples", samples, "grid", grid, "seed", seed);
	}

	/**
	 * Kernel SHAP (Lundberg and Lee 2017): Shapley values of the grid cells for the target logit, from a weighted linear regression.
	 * The endpoint samples are weighted 10^6 as in Captum; with efficiency=exact in options they are held exactly, so the values add up to the score change to rounding.
	 *
	 * @param <T> the pixel type
	 * @param model the classifier, as opened by explain.model.open
	 * @param image the image to explain: X, Y[, channel][, slice] (channels when the model takes several); only read
	 * @param target the class to explain (index from 0); null or negative: the class predicted for each image (nullable)
	 * @param samples number of perturbed images; default 800 (as in Xplique) (nullable)
	 * @param grid cells per side; default 8 (nullable)
	 * @param seed seed of the perturbations; default 42 (nullable)
	 * @param options more parameters of the method as key=value text, with the keys and values of the Attribution command macro (every key of the method, such as per_channel=true upsampling=nearest or forgrad=true); a key also given as an input above is refused (nullable)
	 * @return one map per image, the size of the image in X and Y (X, Y for one image; X, Y, slice for a stack)
	 * @implNote op names='explain.attribution.kernel_shap'
	 */
	public static <T extends RealType<T>> RandomAccessibleInterval<FloatType> kernelShap(Classifier model, RandomAccessibleInterval<T> image, Integer target, Integer samples, Integer grid, Long seed, String options) {
		return explain(model, image, target, "kernel_shap", options, "samples", samples, "grid", grid, "seed", seed);
	}

	/**
	 * EVA (Fel et al. 2023): grid cells ranked by how much fixing them lowers the verified worst-case drop of the class margin in an L-infinity ball around the image.
	 *
	 * @param <T> the pixel type
	 * @param model the classifier, as opened by explain.model.open
	 * @param image the image to explain: X, Y[, channel][, slice] (channels when the model takes several); only read
	 * @param target the class to explain (index from 0); null or negative: the class predicted for each image (nullable)
	 * @param epsilon radius of the L-infinity ball, in normalised input units; default 0.01 (nullable)
	 * @param grid cells per side; default 8 (nullable)
	 * @param bounds how the margin is bounded: interval or crown; default interval (nullable)
	 * @param options more parameters of the method as key=value text, with the keys and values of the Attribution command macro (every key of the method, such as per_channel=true upsampling=nearest or forgrad=true); a key also given as an input above is refused (nullable)
	 * @return one map per image, the size of the image in X and Y (X, Y for one image; X, Y, slice for a stack)
	 * @implNote op names='explain.attribution.eva'
	 */
	public static <T extends RealType<T>> RandomAccessibleInterval<FloatType> eva(Classifier model, RandomAccessibleInterval<T> image, Integer target, Double epsilon, Integer grid, String bounds, String options) {
		return explain(model, image, target, "eva", options, "epsilon", epsilon, "grid", grid, "bounds", bounds);
	}

	/**
	 * The method of op {@code explain.attribution.<op>} with the values given (key, value pairs; null
	 * values are not given) and those of the options text, the rest at the registry defaults, which
	 * the commands use too, run on the image; the registry checks every value as the commands check
	 * their macro options.
	 */
	private static <T extends RealType<T>> RandomAccessibleInterval<FloatType> explain(Classifier model, RandomAccessibleInterval<T> image,
		Integer target, String op, String options, Object... keyValues) {
		Map<String, Object> given = new LinkedHashMap<>();
		for (int i = 0; i < keyValues.length; i += 2) given.put((String) keyValues[i], keyValues[i + 1]);
		// the method is built (and its values checked) before the image is read
		AttributionMethod method = method(op, given, options);
		if (model != null) {
			// and against the model (gradients, sizes that must fit the image each map is made on) before any work
			method.checkRuns(model);
			if (image != null && image.numDimensions() >= 2) method.checkInput(model, image.dimension(1), image.dimension(0));
		}
		OpImages.Batch batch = OpImages.read(model, image);
		return OpImages.maps(method.explain(model, batch.tensor(), OpImages.targets(model, batch, target), Progress.NONE), batch.stack());
	}

	/**
	 * The method op {@code explain.attribution.<op>} runs: its registry key (the op name, or Saliency
	 * for forgrad), the typed inputs given and the options text over the registry defaults, checked.
	 */
	static AttributionMethod method(String op, Map<String, ?> given, String options) {
		return Registry.attribution(key(op), values(op, given, options));
	}

	/** The registry key of op {@code explain.attribution.<op>}. */
	static String key(String op) {
		return op.equals("forgrad") ? "saliency" : op;
	}

	/** The values op {@code explain.attribution.<op>} builds its method from (not yet range-checked). */
	static Values values(String op, Map<String, ?> given, String options) {
		return Registry.ATTRIBUTION_PARAMETERS.values(key(op), given, options, "explain.attribution." + op);
	}
}
