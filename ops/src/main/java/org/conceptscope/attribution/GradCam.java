package org.conceptscope.attribution;

import java.util.Arrays;
import java.util.List;

import org.conceptscope.model.Classifier;
import org.conceptscope.model.LayerInfo;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.tensor.Resampling;
import org.conceptscope.util.Progress;

/**
 * Grad-CAM (Selvaraju et al. 2017) and Grad-CAM++ (Chattopadhay et al. 2018) on any spatial
 * layer: channel weights from the layer gradient of the target logit, ReLU of the weighted sum
 * of the layer's channels, bilinearly upsampled to the image. One pass (activations and
 * gradients) per batch.
 */
public final class GradCam implements AttributionMethod {

	private final String layer;
	private final boolean plusPlus;

	/** @param layer a spatial [N, h, w, c] layer name, or null for the last spatial layer */
	public GradCam(String layer, boolean plusPlus) {
		this.layer = layer;
		this.plusPlus = plusPlus;
	}

	@Override
	public boolean needsGradients() {
		return true;
	}

	@Override
	public String name() {
		return plusPlus ? "gradcam_plus_plus" : "gradcam";
	}

	/**
	 * The last [N, h, w, c] layer with more than one position: the default layer of CRAFT, TCAV, the
	 * heads and the example search, most semantic yet still spatial. Global pooling kept 4-D
	 * ([N, 1, 1, c], torchvision's avgpool, Keras MobileNet's) has no place to show, so the feature
	 * map before it is taken; a model whose every spatial layer is 1 x 1 gets its last one.
	 */
	public static String lastSpatialLayer(Classifier classifier) {
		List<LayerInfo> spatial = classifier.layers().stream().filter(LayerInfo::isSpatial).toList();
		if (spatial.isEmpty()) throw new IllegalArgumentException("The model has no spatial [N, h, w, c] layer for Grad-CAM.");
		List<LayerInfo> maps = spatial.stream().filter(l -> !onePosition(l)).toList();
		return (maps.isEmpty() ? spatial : maps).get((maps.isEmpty() ? spatial : maps).size() - 1).name();
	}

	/**
	 * Grad-CAM's default layer: the last layer that lies on the image's grid with more than one
	 * position (a 1 x 1 map, e.g. globally pooled features kept 4-D, is skipped), a feature map or,
	 * in a Vision Transformer, the patch tokens of the last block (Chefer et al. 2021 and the
	 * pytorch-grad-cam ViT recipe take Grad-CAM on the last block's tokens reshaped to the patch grid).
	 */
	public static String defaultLayer(Classifier classifier) {
		List<LayerInfo> grid = classifier.layers().stream().filter(LayerInfo::isGrid).toList();
		if (grid.isEmpty()) throw new IllegalArgumentException("The model has no spatial [N, h, w, c] layer for Grad-CAM.");
		// global pooling kept as [N, 1, 1, c] and a 1 x 1 convolution classifier on it (TF-slim ResNets,
		// Keras MobileNet and MobileNetV3) come after the last feature map: Grad-CAM there is one value
		List<LayerInfo> maps = grid.stream().filter(l -> !onePosition(l)).toList();
		if (maps.isEmpty()) {
			throw new IllegalArgumentException("Every grid layer of the model is a single position (" + grid.get(grid.size() - 1).name() + " is "
				+ Arrays.toString(grid.get(grid.size() - 1).shape()) + "), so Grad-CAM would spread one value over the image: use Saliency or Occlusion.");
		}
		return maps.get(maps.size() - 1).name();
	}

	/** Whether activations [N, h, w, c] of images larger than one pixel are 1 x 1. */
	private static boolean singlePosition(FloatTensor grid, FloatTensor images) {
		return grid.dim(1) == 1 && grid.dim(2) == 1 && images.dim(1) * images.dim(2) > 1;
	}

	/** A 1 x 1 feature map (or a single token): its Grad-CAM is one number, the same at every pixel after upsampling. */
	static boolean onePosition(LayerInfo l) {
		long[] s = l.shape();
		if (l.isSpatial()) return s[1] == 1 && s[2] == 1;
		int[] g = l.tokenGrid();
		return g != null && g[0] == 1;
	}

	/** Refuses, before any work, a model without gradients and a layer the model lacks or that is not on the image's grid. */
	@Override
	public void checkRuns(Classifier classifier) {
		AttributionMethod.super.checkRuns(classifier);
		gridLayer(classifier);
	}

	/** The layer explained: the one given, else {@link #defaultLayer}; it must lie on the image's grid. */
	private LayerInfo gridLayer(Classifier classifier) {
		String l = layer == null || layer.isBlank() ? defaultLayer(classifier) : layer;
		LayerInfo info = classifier.layers().stream().filter(x -> x.name().equals(l)).findFirst()
			.orElseThrow(() -> new IllegalArgumentException("Unknown layer '" + l + "' for Grad-CAM. Spatial layers: "
				+ classifier.layers().stream().filter(LayerInfo::isGrid).map(LayerInfo::name).toList()
				+ ": give one of them as layer, or leave layer empty for the last."));
		if (!info.isGrid()) {
			throw new IllegalArgumentException("Grad-CAM needs a spatial [N, h, w, c] layer (or tokens [N, t, c] on a square patch grid); '" + l
				+ "' is " + Arrays.toString(info.shape()) + ".");
		}
		if (onePosition(info)) {
			throw new IllegalArgumentException("Grad-CAM on layer '" + l + "' " + Arrays.toString(info.shape()) + " gives one value spread over the"
				+ " whole image (the layer has a single position): give a layer with a spatial grid, or leave layer empty for the last one.");
		}
		return info;
	}

	@Override
	public Attribution explain(Classifier classifier, FloatTensor images, int[] targets, Progress progress) {
		LayerInfo info = gridLayer(classifier);
		String l = info.name();
		int[] resolved = AttributionMethod.resolveTargets(classifier, images, targets);
		// tokens of a Vision Transformer: each patch token is the feature vector of its grid cell
		FloatTensor a = info.asGrid(classifier.activations(images, l));
		if (singlePosition(a, images)) {
			// a layer whose size follows the image's ([N, -1, -1, c] in layers()) can still be globally pooled
			List<LayerInfo> grid = classifier.layers().stream().filter(LayerInfo::isGrid).toList();
			int at = grid.stream().map(LayerInfo::name).toList().indexOf(l);
			if (layer != null && !layer.isBlank()) {
				throw new IllegalArgumentException("Grad-CAM on layer '" + l + "' gives one value spread over the whole image (the layer is 1 x 1 for"
					+ " these images, e.g. after global pooling): give a layer with a spatial grid, or leave layer empty for the last one.");
			}
			// the default: the last grid layer before it that has more than one position for these images (probed on the first image)
			FloatTensor first = images.range(0, 1);
			LayerInfo found = null;
			for (int j = at - 1; j >= 0 && found == null; j--) {
				if (!singlePosition(grid.get(j).asGrid(classifier.activations(first, grid.get(j).name())), first)) found = grid.get(j);
			}
			if (found == null) {
				throw new IllegalArgumentException("Every grid layer of the model is 1 x 1 for these images (" + l + " is), so Grad-CAM would spread"
					+ " one value over the image: use Saliency or Occlusion.");
			}
			info = found;
			l = found.name();
			a = info.asGrid(classifier.activations(images, l));
		}
		FloatTensor g = info.asGrid(classifier.layerGradient(images, l, FloatTensor.oneHot(resolved, classifier.numClasses())));
		int n = (int) a.dim(0), h = (int) a.dim(1), w = (int) a.dim(2), c = (int) a.dim(3);
		float[] act = a.data(), grad = g.data(), cam = new float[n * h * w];
		for (int i = 0; i < n; i++) {
			double[] weights = plusPlus ? plusPlusWeights(act, grad, i, h * w, c) : meanWeights(grad, i, h * w, c);
			for (int p = 0; p < h * w; p++) {
				double s = 0;
				int base = (i * h * w + p) * c;
				for (int ch = 0; ch < c; ch++) s += weights[ch] * act[base + ch];
				cam[i * h * w + p] = (float) Math.max(0, s);
			}
		}
		GradientMaps.step(progress, n, n, name());
		FloatTensor maps = Resampling.bilinear(new FloatTensor(new long[] { n, h, w }, cam), (int) images.dim(1), (int) images.dim(2));
		return new Attribution(maps, resolved, AttributionMethod.metadata(classifier, name(), resolved, "layer", l));
	}

	private static double[] meanWeights(float[] grad, int i, int positions, int c) {
		double[] w = new double[c];
		for (int p = 0; p < positions; p++) {
			for (int ch = 0; ch < c; ch++) w[ch] += grad[(i * positions + p) * c + ch];
		}
		for (int ch = 0; ch < c; ch++) w[ch] /= positions;
		return w;
	}

	/** Grad-CAM++ weights with the exponential-score closed form (second/third derivative terms from g^2, g^3). */
	private static double[] plusPlusWeights(float[] act, float[] grad, int i, int positions, int c) {
		double[] sumA = new double[c], w = new double[c];
		for (int p = 0; p < positions; p++) {
			for (int ch = 0; ch < c; ch++) sumA[ch] += act[(i * positions + p) * c + ch];
		}
		for (int p = 0; p < positions; p++) {
			for (int ch = 0; ch < c; ch++) {
				double g = grad[(i * positions + p) * c + ch];
				if (g == 0) continue;
				double g2 = g * g, g3 = g2 * g;
				double denom = 2 * g2 + sumA[ch] * g3;
				double alpha = denom != 0 ? g2 / denom : 0;
				w[ch] += alpha * Math.max(0, g);
			}
		}
		return w;
	}
}
