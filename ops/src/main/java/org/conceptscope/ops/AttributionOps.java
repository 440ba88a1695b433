package org.conceptscope.ops;

import java.util.HashMap;
import java.util.Map;

import net.imglib2.RandomAccessibleInterval;
import net.imglib2.type.numeric.RealType;
import net.imglib2.type.numeric.real.FloatType;

import org.conceptscope.model.Classifier;
import org.conceptscope.mechanistic.SrdAttribution;
import org.conceptscope.registry.Registry;
import org.conceptscope.util.Progress;

/**
 * Every attribution method as a SciJava Op named {@code explain.attribution.<method key>}.
 * <p>
 * Each op is declared in its own Javadoc (an implementation note naming the op); the SciJava Ops
 * indexer writes them into {@code ops.yaml} in the jar at compile time. All take the opened model,
 * an ImgLib2 image (see {@link OpImages} for its axes) and a target class, then the parameters of
 * the method; nullable parameters may be left out (from the end) or passed as null, and then take
 * the defaults of the method registry, as the Attribution command does. Each builds its method from
 * {@link Registry} by the key its op name ends with, and returns one float map per image.
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
	 * @return one map per image, the size of the image in X and Y (X, Y for one image; X, Y, slice for a stack)
	 * @implNote op names='explain.attribution.saliency'
	 */
	public static <T extends RealType<T>> RandomAccessibleInterval<FloatType> saliency(Classifier model, RandomAccessibleInterval<T> image, Integer target) {
		return explain(model, image, target, "saliency");
	}

	/**
	 * Gradient x Input (Shrikumar et al. 2016): input times input gradient of the target logit, summed over channels.
	 *
	 * @param <T> the pixel type
	 * @param model the classifier, as opened by explain.model.open
	 * @param image the image to explain: X, Y[, channel][, slice] (channels when the model takes several); only read
	 * @param target the class to explain (index from 0); null or negative: the class predicted for each image (nullable)
	 * @return one map per image, the size of the image in X and Y (X, Y for one image; X, Y, slice for a stack)
	 * @implNote op names='explain.attribution.gradient_x_input'
	 */
	public static <T extends RealType<T>> RandomAccessibleInterval<FloatType> gradientXInput(Classifier model, RandomAccessibleInterval<T> image, Integer target) {
		return explain(model, image, target, "gradient_x_input");
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
	 * @return one map per image, the size of the image in X and Y (X, Y for one image; X, Y, slice for a stack)
	 * @implNote op names='explain.attribution.integrated_gradients'
	 */
	public static <T extends RealType<T>> RandomAccessibleInterval<FloatType> integratedGradients(Classifier model, RandomAccessibleInterval<T> image, Integer target, Integer steps, Double baseline) {
		return explain(model, image, target, "integrated_gradients", "steps", steps, "baseline", baseline);
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
	 * @return one map per image, the size of the image in X and Y (X, Y for one image; X, Y, slice for a stack)
	 * @implNote op names='explain.attribution.smoothgrad'
	 */
	public static <T extends RealType<T>> RandomAccessibleInterval<FloatType> smoothGrad(Classifier model, RandomAccessibleInterval<T> image, Integer target, Integer samples, Double noise, Long seed) {
		return explain(model, image, target, "smoothgrad", "samples", samples, "noise", noise, "seed", seed);
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
	 * @return one map per image, the size of the image in X and Y (X, Y for one image; X, Y, slice for a stack)
	 * @implNote op names='explain.attribution.vargrad'
	 */
	public static <T extends RealType<T>> RandomAccessibleInterval<FloatType> varGrad(Classifier model, RandomAccessibleInterval<T> image, Integer target, Integer samples, Double noise, Long seed) {
		return explain(model, image, target, "vargrad", "samples", samples, "noise", noise, "seed", seed);
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
	 * @return one map per image, the size of the image in X and Y (X, Y for one image; X, Y, slice for a stack)
	 * @implNote op names='explain.attribution.squaregrad'
	 */
	public static <T extends RealType<T>> RandomAccessibleInterval<FloatType> squareGrad(Classifier model, RandomAccessibleInterval<T> image, Integer target, Integer samples, Double noise, Long seed) {
		return explain(model, image, target, "squaregrad", "samples", samples, "noise", noise, "seed", seed);
	}

	/**
	 * Grad-CAM (Selvaraju et al. 2017): the channels of a spatial layer weighted by their mean gradient, rectified and upsampled to the image.
	 *
	 * @param <T> the pixel type
	 * @param model the classifier, as opened by explain.model.open
	 * @param image the image to explain: X, Y[, channel][, slice] (channels when the model takes several); only read
	 * @param target the class to explain (index from 0); null or negative: the class predicted for each image (nullable)
	 * @param layer the spatial layer; null or empty: the last spatial layer (nullable)
	 * @return one map per image, the size of the image in X and Y (X, Y for one image; X, Y, slice for a stack)
	 * @implNote op names='explain.attribution.gradcam'
	 */
	public static <T extends RealType<T>> RandomAccessibleInterval<FloatType> gradCam(Classifier model, RandomAccessibleInterval<T> image, Integer target, String layer) {
		return explain(model, image, target, "gradcam", "layer", layer);
	}

	/**
	 * Grad-CAM++ (Chattopadhyay et al. 2018): Grad-CAM with higher-order weights of the positive gradients.
	 *
	 * @param <T> the pixel type
	 * @param model the classifier, as opened by explain.model.open
	 * @param image the image to explain: X, Y[, channel][, slice] (channels when the model takes several); only read
	 * @param target the class to explain (index from 0); null or negative: the class predicted for each image (nullable)
	 * @param layer the spatial layer; null or empty: the last spatial layer (nullable)
	 * @return one map per image, the size of the image in X and Y (X, Y for one image; X, Y, slice for a stack)
	 * @implNote op names='explain.attribution.gradcam_plus_plus'
	 */
	public static <T extends RealType<T>> RandomAccessibleInterval<FloatType> gradCamPlusPlus(Classifier model, RandomAccessibleInterval<T> image, Integer target, String layer) {
		return explain(model, image, target, "gradcam_plus_plus", "layer", layer);
	}

	/**
	 * Guided Backpropagation (Springenberg et al. 2015): the input gradient with only positive gradients passed back through each ReLU.
	 *
	 * @param <T> the pixel type
	 * @param model the classifier, as opened by explain.model.open
	 * @param image the image to explain: X, Y[, channel][, slice] (channels when the model takes several); only read
	 * @param target the class to explain (index from 0); null or negative: the class predicted for each image (nullable)
	 * @return one map per image, the size of the image in X and Y (X, Y for one image; X, Y, slice for a stack)
	 * @implNote op names='explain.attribution.guided_backprop'
	 */
	public static <T extends RealType<T>> RandomAccessibleInterval<FloatType> guidedBackprop(Classifier model, RandomAccessibleInterval<T> image, Integer target) {
		return explain(model, image, target, "guided_backprop");
	}

	/**
	 * DeconvNet (Zeiler and Fergus 2014): the input gradient with the ReLUs applied to the gradient instead of the forward signal.
	 *
	 * @param <T> the pixel type
	 * @param model the classifier, as opened by explain.model.open
	 * @param image the image to explain: X, Y[, channel][, slice] (channels when the model takes several); only read
	 * @param target the class to explain (index from 0); null or negative: the class predicted for each image (nullable)
	 * @return one map per image, the size of the image in X and Y (X, Y for one image; X, Y, slice for a stack)
	 * @implNote op names='explain.attribution.deconvnet'
	 */
	public static <T extends RealType<T>> RandomAccessibleInterval<FloatType> deconvNet(Classifier model, RandomAccessibleInterval<T> image, Integer target) {
		return explain(model, image, target, "deconvnet");
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
	 * @param startLayer the spatial layer whose PFVs the decomposition stops at (shares upsampled to the image); null or empty: the input pixels, as the maps of the paper (nullable)
	 * @return one map per image, the size of the image in X and Y (X, Y for one image; X, Y, slice for a stack)
	 * @implNote op names='explain.attribution.srd'
	 */
	public static <T extends RealType<T>> RandomAccessibleInterval<FloatType> srd(Classifier model, RandomAccessibleInterval<T> image, Integer target,
		String startLayer) {
		return explain(model, image, target, "srd", SrdAttribution.START_LAYER, startLayer);
	}

	/**
	 * FORGrad (Muzellec et al. 2023) on Saliency: the Saliency map low-pass filtered in Fourier space.
	 *
	 * @param <T> the pixel type
	 * @param model the classifier, as opened by explain.model.open
	 * @param image the image to explain: X, Y[, channel][, slice] (channels when the model takes several); only read
	 * @param target the class to explain (index from 0); null or negative: the class predicted for each image (nullable)
	 * @param bandwidth radius of the kept frequencies; 0: 15 at 224 pixels as in Xplique, scaled to the image; default 0 (nullable)
	 * @return one map per image, the size of the image in X and Y (X, Y for one image; X, Y, slice for a stack)
	 * @implNote op names='explain.attribution.forgrad'
	 */
	public static <T extends RealType<T>> RandomAccessibleInterval<FloatType> forGrad(Classifier model, RandomAccessibleInterval<T> image, Integer target, Integer bandwidth) {
		return explain(model, image, target, "saliency", "forgrad", true, "forgrad_bandwidth", bandwidth);
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
	 * @return one map per image, the size of the image in X and Y (X, Y for one image; X, Y, slice for a stack)
	 * @implNote op names='explain.attribution.occlusion'
	 */
	public static <T extends RealType<T>> RandomAccessibleInterval<FloatType> occlusion(Classifier model, RandomAccessibleInterval<T> image, Integer target, Integer patch, Integer stride, Double baseline) {
		return explain(model, image, target, "occlusion", "patch", patch, "stride", stride, "baseline", baseline);
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
	 * @return one map per image, the size of the image in X and Y (X, Y for one image; X, Y, slice for a stack)
	 * @implNote op names='explain.attribution.rise'
	 */
	public static <T extends RealType<T>> RandomAccessibleInterval<FloatType> rise(Classifier model, RandomAccessibleInterval<T> image, Integer target, Integer samples, Integer grid, Double keep_probability, Long seed) {
		return explain(model, image, target, "rise", "samples", samples, "grid", grid, "keep_probability", keep_probability, "seed", seed);
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
	 * @return one map per image, the size of the image in X and Y (X, Y for one image; X, Y, slice for a stack)
	 * @implNote op names='explain.attribution.sobol'
	 */
	public static <T extends RealType<T>> RandomAccessibleInterval<FloatType> sobol(Classifier model, RandomAccessibleInterval<T> image, Integer target, Integer grid, Integer designs, Double blur_sigma, Long seed) {
		return explain(model, image, target, "sobol", "grid", grid, "designs", designs, "blur_sigma", blur_sigma, "seed", seed);
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
	 * @return one map per image, the size of the image in X and Y (X, Y for one image; X, Y, slice for a stack)
	 * @implNote op names='explain.attribution.hsic'
	 */
	public static <T extends RealType<T>> RandomAccessibleInterval<FloatType> hsic(Classifier model, RandomAccessibleInterval<T> image, Integer target, Integer samples, Integer grid, Double blur_sigma, Long seed) {
		return explain(model, image, target, "hsic", "samples", samples, "grid", grid, "blur_sigma", blur_sigma, "seed", seed);
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
	 * @return one map per image, the size of the image in X and Y (X, Y for one image; X, Y, slice for a stack)
	 * @implNote op names='explain.attribution.lime'
	 */
	public static <T extends RealType<T>> RandomAccessibleInterval<FloatType> lime(Classifier model, RandomAccessibleInterval<T> image, Integer target, Integer samples, Integer grid, Long seed) {
		return explain(model, image, target, "lime", "samples", samples, "grid", grid, "seed", seed);
	}

	/**
	 * Kernel SHAP (Lundberg and Lee 2017): Shapley values of the grid cells for the target logit, from a weighted linear regression.
	 *
	 * @param <T> the pixel type
	 * @param model the classifier, as opened by explain.model.open
	 * @param image the image to explain: X, Y[, channel][, slice] (channels when the model takes several); only read
	 * @param target the class to explain (index from 0); null or negative: the class predicted for each image (nullable)
	 * @param samples number of perturbed images; default 800 (as in Xplique) (nullable)
	 * @param grid cells per side; default 8 (nullable)
	 * @param seed seed of the perturbations; default 42 (nullable)
	 * @return one map per image, the size of the image in X and Y (X, Y for one image; X, Y, slice for a stack)
	 * @implNote op names='explain.attribution.kernel_shap'
	 */
	public static <T extends RealType<T>> RandomAccessibleInterval<FloatType> kernelShap(Classifier model, RandomAccessibleInterval<T> image, Integer target, Integer samples, Integer grid, Long seed) {
		return explain(model, image, target, "kernel_shap", "samples", samples, "grid", grid, "seed", seed);
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
	 * @return one map per image, the size of the image in X and Y (X, Y for one image; X, Y, slice for a stack)
	 * @implNote op names='explain.attribution.eva'
	 */
	public static <T extends RealType<T>> RandomAccessibleInterval<FloatType> eva(Classifier model, RandomAccessibleInterval<T> image, Integer target, Double epsilon, Integer grid, String bounds) {
		return explain(model, image, target, "eva", "epsilon", epsilon, "grid", grid, "bounds", bounds);
	}

	/**
	 * The registered method {@code key} with the values given (key, value pairs; null values take
	 * the registry defaults, which the commands use too), run on the image.
	 */
	private static <T extends RealType<T>> RandomAccessibleInterval<FloatType> explain(Classifier model, RandomAccessibleInterval<T> image,
		Integer target, String key, Object... keyValues) {
		Map<String, Object> given = new HashMap<>();
		for (int i = 0; i < keyValues.length; i += 2) if (keyValues[i + 1] != null) given.put((String) keyValues[i], keyValues[i + 1]);
		OpImages.Batch batch = OpImages.read(model, image);
		return OpImages.maps(Registry.attribution(key, given).explain(model, batch.tensor(), OpImages.targets(model, batch, target), Progress.NONE),
			batch.stack());
	}
}
