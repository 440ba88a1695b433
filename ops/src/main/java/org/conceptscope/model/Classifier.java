package org.conceptscope.model;

import java.util.List;

import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.tensor.Normalization;

/**
 * An image classifier that explanation methods can question.
 * <p>
 * Inputs are normalised NHWC float batches ({@link org.conceptscope.tensor.ImageTensors} makes
 * them from images with {@link #normalization()}). Class selectors are [N, K] weights: the
 * gradient methods differentiate {@code sum_k weights[n,k] * logits[n,k]}, so a one-hot row picks
 * a class and other rows give contrasts. A layer splits the model into g (input to layer) and
 * h (layer to logits): {@link #activations} runs g, {@link #logitsFromLayer} runs h.
 * Implementations validate every tensor before the runtime sees it and are safe to call from
 * several threads.
 */
public interface Classifier extends AutoCloseable {

	ModelSignature signature();

	/**
	 * The input height the model is given for an image {@code height} pixels high: its fixed height;
	 * for a height of any size the image's own. A model that takes only some heights (a bioimage.io
	 * package's min + k·step) gives the largest it takes up to the image's, or its smallest for a
	 * smaller image; whole images are cut into tiles of this height.
	 */
	default long inputHeight(long height) {
		long h = signature().height();
		return h > 0 ? h : height;
	}

	/** As {@link #inputHeight} for the width. */
	default long inputWidth(long width) {
		long w = signature().width();
		return w > 0 ? w : width;
	}

	/** The heights the model takes, in words: "32", "any", or a rule such as "16 + k*16 (16, 32, 48, ...)". */
	default String inputHeights() {
		long h = signature().height();
		return h > 0 ? Long.toString(h) : "any";
	}

	/** As {@link #inputHeights} for the width. */
	default String inputWidths() {
		long w = signature().width();
		return w > 0 ? Long.toString(w) : "any";
	}

	/** A short name for tables, ROI metadata and logs. */
	default String name() {
		return toString();
	}

	/** Class names, one per logit. */
	List<String> classNames();

	default int numClasses() {
		return classNames().size();
	}

	/** The model's declared preprocessing: how raw pixels become its input. */
	Normalization normalization();

	/**
	 * How many images this classifier handles best per call (larger calls are split inside).
	 * Methods that generate their inputs (perturbations, noisy copies, path points) generate
	 * this many at a time, so their memory stays one batch whatever the number of passes.
	 */
	default int preferredBatchSize() {
		return 64;
	}

	/** The pixel size the model was trained at (from its card or rdf.yaml), or null when it does not say. */
	default PixelSize pixelSize() {
		return null;
	}

	/**
	 * What the model's inputs looked like in training, per channel after its normalisation (its card's
	 * {@code input_statistics}), or null when it does not say: images far from it get a warning.
	 */
	default org.conceptscope.tensor.InputDomain inputDomain() {
		return null;
	}

	/**
	 * The value range the model declares for its input, in its network's units (a bioimage.io package's input data range
	 * mapped through the preprocessing), or null when it declares none: MACO puts its canvas there.
	 */
	default InputValueRange inputValueRange() {
		return null;
	}

	/**
	 * Names of the input's channels, in the order the model reads them (a bioimage.io 0.5 package's
	 * input {@code channel_names}), or empty when the model does not name them: images whose channel
	 * labels name them in another order get a warning.
	 */
	default List<String> inputChannelNames() {
		return List.of();
	}

	/** Layers between input and logits, in graph order. */
	List<LayerInfo> layers();

	/** Logits [N, K] of an input batch [N, H, W, C]. */
	FloatTensor logits(FloatTensor images);

	/** Class probabilities [N, K]: the model's own softmax output, or softmax of the logits. */
	FloatTensor probabilities(FloatTensor images);

	/**
	 * Whether {@link #probabilities} are independent per class (multi-label: a sigmoid of each logit, each
	 * in [0, 1], not summing to 1) rather than a softmax over the classes. A model with one output then has a
	 * real probability (a binary {@code Dense(1, sigmoid)} classifier), where the softmax of one value is
	 * always 1. Wrappers answer for the model they question.
	 */
	default boolean isMultiLabel() {
		return false;
	}

	/** Whether the gradient methods work (ONNX models run forward passes only). */
	default boolean supportsGradients() {
		return true;
	}

	/**
	 * Refuses what needs gradients on a model without them, in one sentence naming methods that work.
	 *
	 * @param what the method or command, for the sentence
	 * @throws UnsupportedOperationException when {@link #supportsGradients()} is false
	 */
	default void requireGradients(String what) {
		if (!supportsGradients()) {
			throw new UnsupportedOperationException(what + " needs gradients, which the model " + name() + " cannot give (it runs forward passes"
				+ " only): use " + ForwardOnlyMethods.inWords("or")
				+ ", or load a TorchScript or TensorFlow export of the model.");
		}
	}

	/** d(sum classWeights * logits) / d(images): same shape as the images. */
	FloatTensor inputGradient(FloatTensor images, FloatTensor classWeights);

	/**
	 * Whether {@link #inputGradient(FloatTensor, FloatTensor, ReluBackward)} can change what ReLUs
	 * pass back (Guided Backpropagation, DeconvNet): TensorFlow models, whose backward pass
	 * ConceptScope builds itself.
	 */
	default boolean supportsReluBackward() {
		return false;
	}

	/**
	 * d(sum classWeights * logits) / d(images) with every ReLU passing back what {@code rule} says;
	 * {@link ReluBackward#ORDINARY} is {@link #inputGradient(FloatTensor, FloatTensor)}.
	 *
	 * @throws UnsupportedOperationException for other rules when {@link #supportsReluBackward()} is false
	 */
	default FloatTensor inputGradient(FloatTensor images, FloatTensor classWeights, ReluBackward rule) {
		if (rule == ReluBackward.ORDINARY) return inputGradient(images, classWeights);
		throw noReluBackward(rule);
	}

	/**
	 * Refuses, before any image is read, a rule that {@link #inputGradient(FloatTensor, FloatTensor, ReluBackward)}
	 * would refuse at its first call: a model that cannot change what its ReLUs pass back, and (TensorFlow)
	 * a model with an operation the backward pass has no rule for or without a ReLU between its input and
	 * its logits. The same sentence as the refusal at the first call.
	 */
	default void checkReluBackward(ReluBackward rule) {
		if (rule != ReluBackward.ORDINARY && !supportsReluBackward()) throw noReluBackward(rule);
	}

	private UnsupportedOperationException noReluBackward(ReluBackward rule) {
		return new UnsupportedOperationException(rule.label() + " needs the model's ReLUs to pass back other values than gradients, which ConceptScope"
			+ " does for TensorFlow models only; " + name() + " is not one. Use Saliency or Integrated Gradients, or a TensorFlow export of the model.");
	}

	/** g: activations of a layer for an input batch. */
	FloatTensor activations(FloatTensor images, String layer);

	/**
	 * Values per image of a layer's activations for these images: from the layer's shape, or, when its
	 * size follows the images' (a model of any size), from the first image through the model.
	 */
	default long activationValues(String layer, FloatTensor images) {
		long[] shape = layers().stream().filter(l -> l.name().equals(layer)).findFirst()
			.orElseThrow(() -> new IllegalArgumentException("Unknown layer '" + layer + "'.")).shape();
		long d = 1;
		for (int i = 1; i < shape.length; i++) {
			if (shape[i] < 0) return images.dim(0) == 0 ? 0 : activations(images.range(0, 1), layer).size();
			d *= shape[i];
		}
		return d;
	}

	/** d(sum classWeights * logits) / d(layer activations) for an input batch. */
	FloatTensor layerGradient(FloatTensor images, String layer, FloatTensor classWeights);

	/**
	 * Refuses, in one sentence naming layers that do, a layer that does not split the model: one whose
	 * activations, fed, do not alone give the logits (a layer inside a residual or dense block, which a
	 * skip connection reaches around). Methods that feed a layer ({@link #logitsFromLayer},
	 * {@link #gradientFromLayer}) call it before their work. Every layer of a model whose offered layers
	 * all split it passes (the default).
	 *
	 * @throws IllegalArgumentException when the layer does not split the model
	 */
	default void requireSplit(String layer) {}

	/** h: logits from given activations of a layer (the layer is fed, nothing below it runs). */
	FloatTensor logitsFromLayer(String layer, FloatTensor activations);

	/** Gradient of h: d(sum classWeights * h(a)) / da at given activations a. */
	FloatTensor gradientFromLayer(String layer, FloatTensor activations, FloatTensor classWeights);

	/** Releases the model; waits for calls in progress, later calls fail with a clear message. */
	@Override
	void close();
}
