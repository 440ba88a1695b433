package org.conceptscope.attribution;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.conceptscope.model.Classifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;

/**
 * Where a classifier looks: one map per image, for one target class per image.
 * Implementations are one class per method; random ones take their seed as a parameter.
 */
public interface AttributionMethod {

	/** Target value meaning "the class the model predicts for this image". */
	int PREDICTED = -1;

	/** Short method name used in ROI names, tables and metadata (e.g. "saliency"). */
	String name();

	/**
	 * Explains a normalised batch [N, H, W, C] for targets[i] (a class index or {@link #PREDICTED}).
	 *
	 * @throws java.util.concurrent.CancellationException when progress asks to stop
	 */
	Attribution explain(Classifier classifier, FloatTensor images, int[] targets, Progress progress);

	/**
	 * The model passes the method makes per image of height x width x channels, when they are many
	 * and known before it runs (perturbation methods, EVA's bound computations), for the Log's line
	 * before the work ({@link org.conceptscope.util.Passes#line}); null for the rest.
	 */
	default org.conceptscope.util.Passes passes(long height, long width, long channels) {
		return null;
	}

	/**
	 * The model passes on these normalised images [N, H, W, C], counted image by image where each image's pixels decide them
	 * ({@link org.conceptscope.util.Passes#atMost}: Kernel SHAP on superpixels); else N times {@link #passes(long, long, long)};
	 * -1 for a method that declares none.
	 */
	default long passes(FloatTensor images) {
		org.conceptscope.util.Passes p = passes(images.dim(1), images.dim(2), images.dim(3));
		return p == null ? -1 : images.dim(0) * p.perImage();
	}

	/**
	 * As {@link #passes(FloatTensor)}, reporting to {@code progress} while the images are segmented for it (a long stack) and
	 * stopping when it asks; an image the method's samples cannot fit is refused here, before any model pass.
	 */
	default long passes(FloatTensor images, org.conceptscope.util.Progress progress) {
		return passes(images);
	}

	/** Whether the method differentiates the model (so models without gradients, ONNX ones, cannot run it). */
	default boolean needsGradients() {
		return false;
	}

	/**
	 * Whether the model's forward pass is all the method needs (no gradients, no graph of its own to read): what a
	 * forward-only model (ONNX) runs. The registry lists these methods in the sentence refusing the others on such a model.
	 */
	default boolean forwardOnly() {
		return !needsGradients();
	}

	/**
	 * Refuses, before any work, a method that needs gradients on a classifier that has none, in
	 * one sentence naming methods that work.
	 */
	default void checkRuns(Classifier classifier) {
		if (needsGradients()) classifier.requireGradients(name());
		// a model of fixed input size: its input is the image of every map, known before any image is read
		long h = classifier.inputHeight(Integer.MAX_VALUE), w = classifier.inputWidth(Integer.MAX_VALUE);
		if (h < Integer.MAX_VALUE && w < Integer.MAX_VALUE) checkInput(classifier, h, w);
	}

	/**
	 * The method's size-like values (patch, grid, superpixels) by registry key, for
	 * {@link #checkInput}; empty when it has none.
	 */
	default Map<String, Integer> sizes() {
		return Map.of();
	}

	/**
	 * Refuses, before any work, a size-like value ({@link #sizes}) larger than its bound
	 * ({@link InputBound}) on the image each map is made on: the model's input for an image of
	 * {@code imageHeight x imageWidth} pixels (the image itself for a model that takes any size).
	 * One sentence naming the key, the value, that size and what to give. Called by
	 * {@link #checkRuns} against the model's fixed input, and by the tiled and region runs against
	 * their tiles.
	 */
	default void checkInput(Classifier classifier, long imageHeight, long imageWidth) {
		Map<String, Integer> sizes = sizes();
		if (sizes.isEmpty()) return;
		long h = classifier.inputHeight(imageHeight), w = classifier.inputWidth(imageWidth);
		if (h <= 0 || w <= 0) return;
		boolean model = InputBound.fixedInput(classifier);
		for (Map.Entry<String, Integer> e : sizes.entrySet()) {
			InputBound.of(e.getKey()).ifPresent(bound -> bound.check(name(), e.getValue(), h, w, model));
		}
	}

	/**
	 * The same method, with the images of a batch numbered from {@code first} instead of 0. Only
	 * methods whose random draws depend on an image's position in the batch (SmoothGrad and its
	 * variants: one noise stream per image) change; the others return themselves. A stack explained
	 * in parts (slices 0..7, then 8..15 as images 8.. of the stack) then gets the maps of
	 * explaining it whole.
	 */
	default AttributionMethod numberingImagesFrom(int first) {
		if (first < 0) throw new IllegalArgumentException("Images are numbered from 0 or more, got " + first + ".");
		return this;
	}

	/** Metadata keys whose value holds one entry per image, as a list "[a, b, ...]" (see {@link Attribution#range}). */
	default List<String> perImageKeys() {
		return List.of();
	}

	/**
	 * The metadata of images explained tile by tile ({@link TiledExplainer}, {@link RegionExplainer}),
	 * from each batch of tiles' own metadata in tile order: by default the first batch's without its
	 * {@link #perImageKeys} (a method's parameters are the same for every batch; its tiles' per-image
	 * values are not an image's). A method whose per-image values combine into an image's (EVA's
	 * margins) does so here.
	 *
	 * @param batches each batch's metadata, in tile order
	 * @param counts each batch's real tiles (a batch padded to the model's fixed batch size holds more)
	 * @param tilesPerImage tiles of one image: tile j of the run belongs to image j / tilesPerImage
	 */
	default Map<String, String> tiledMetadata(List<Map<String, String>> batches, int[] counts, int tilesPerImage) {
		if (batches.isEmpty()) return Map.of();
		Map<String, String> out = new LinkedHashMap<>(batches.get(0));
		out.keySet().removeAll(perImageKeys());
		return out;
	}

	/**
	 * Metadata every attribution carries: method, model, targets (indices and class names), then
	 * the method's parameters as key/value pairs. Mutable, in insertion order.
	 */
	static Map<String, String> metadata(Classifier classifier, String method, int[] targets, String... params) {
		if (params.length % 2 != 0) throw new IllegalArgumentException("Parameters come as key/value pairs.");
		Map<String, String> m = new LinkedHashMap<>();
		m.put("method", method);
		m.put("model", classifier.name());
		m.put("targets", Arrays.toString(targets));
		m.put("target_classes", targetClasses(classifier.classNames(), targets));
		for (int i = 0; i < params.length; i += 2) m.put(params[i], params[i + 1]);
		return m;
	}

	/** The metadata value "target_classes": each target's class name, as a list "[a, b, ...]". */
	static String targetClasses(List<String> classNames, int[] targets) {
		return Arrays.stream(targets).mapToObj(classNames::get).toList().toString();
	}

	/**
	 * Refuses, before any work, a missing model or method, or a target that is not {@link #PREDICTED} nor
	 * a class of the model, each in one sentence.
	 */
	static void checkRequest(Classifier classifier, AttributionMethod method, int target) {
		if (classifier == null) throw new IllegalArgumentException("No model given: load a classifier first.");
		if (method == null) throw new IllegalArgumentException("No attribution method given.");
		checkTarget(classifier, target);
	}

	/** Refuses a target that is not {@link #PREDICTED} nor a class of the model, in one sentence naming the classes. */
	static void checkTarget(Classifier classifier, int target) {
		if (target != PREDICTED && (target < 0 || target >= classifier.numClasses())) {
			throw new IllegalArgumentException("Target class " + target + " does not exist; the model has classes 0.."
				+ (classifier.numClasses() - 1) + " " + classifier.classNames() + ".");
		}
	}

	/** Replaces {@link #PREDICTED} entries by the model's arg-max class, checking the others. */
	static int[] resolveTargets(Classifier classifier, FloatTensor images, int[] targets) {
		return resolveTargets(classifier, images.dim(0), targets, () -> classifier.logits(images));
	}

	/**
	 * {@link #resolveTargets(Classifier, FloatTensor, int[])} for a method that needs the images' logits
	 * anyway: {@code logits} is asked only when a target is {@link #PREDICTED}, and at most once.
	 */
	static int[] resolveTargets(Classifier classifier, long images, int[] targets, java.util.function.Supplier<FloatTensor> logits) {
		if (targets.length != images) {
			throw new IllegalArgumentException(targets.length + " targets for " + images + " images; give one per image.");
		}
		int[] out = targets.clone();
		int[] predicted = null;
		for (int i = 0; i < out.length; i++) {
			if (out[i] == PREDICTED) {
				if (predicted == null) predicted = logits.get().argmaxRows();
				out[i] = predicted[i];
			} else {
				checkTarget(classifier, out[i]);
			}
		}
		return out;
	}
}
