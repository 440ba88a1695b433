package org.conceptscope.model;

import java.util.List;

import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.tensor.Normalization;
import org.conceptscope.tensor.Softmax;

/**
 * A model seen through its raw output, whatever its shape: [N, K] logits of a classifier, [N, M]
 * values of a regression, [N, H, W, C] maps of a segmentation network (a U-Net). Explanation
 * methods question a {@link Classifier}; a {@link TargetOperator} turns a dense model into one
 * ({@link OperatorClassifier}): it says which scalar of the output is explained (a class logit, an
 * output channel over a zone, an output value).
 * <p>
 * Output weights have the output's shape: the gradient methods differentiate
 * {@code sum(outputWeights * outputs)}. Implementations validate every tensor before their runtime
 * sees it and are safe to call from several threads.
 */
public interface DenseModel extends AutoCloseable {

	String name();

	/** The input, and as {@link ModelSignature#logits()} the output this view explains (static shape, -1 where unknown). */
	ModelSignature signature();

	/** The explained output's static shape, batch first (-1 where unknown). */
	default long[] outputShape() {
		return signature().logits().shape();
	}

	/** Whether the output is a map (rank 3 or more, e.g. a segmentation [N, H, W, C]) rather than values [N, K]. */
	default boolean isDense() {
		return outputShape().length >= 3;
	}

	/** Names of the output's last axis: classes of a classifier or of a segmentation's channels, values of a regression. */
	List<String> channelNames();

	/**
	 * Whether the output is a map of probabilities: a softmax over its channels (the last axis) at each pixel, so each
	 * pixel's entries sum to 1, or a sigmoid of each channel (multi-label: each entry in [0, 1] on its own); a zone's
	 * probabilities are then its means. Always false for a classifier's [N, K] output.
	 */
	boolean mapHoldsProbabilities();

	/**
	 * Probabilities from an output as a model gives it (channels last): a map that holds probabilities as it is, else
	 * the softmax over the last axis, i.e. over the classes of [N, K] and over each pixel's channels of a map.
	 */
	static FloatTensor probabilitiesOf(FloatTensor output, boolean mapHoldsProbabilities) {
		return mapHoldsProbabilities ? output : Softmax.overAxis(output, output.rank() - 1);
	}

	Normalization normalization();

	int preferredBatchSize();

	PixelSize pixelSize();

	boolean supportsGradients();

	List<LayerInfo> layers();

	/** The card's input statistics, or null ({@link Classifier#inputDomain()}). */
	default org.conceptscope.tensor.InputDomain inputDomain() {
		return null;
	}

	/** Names of the input's channels, or empty ({@link Classifier#inputChannelNames()}). */
	default List<String> inputChannelNames() {
		return List.of();
	}

	/** The input's declared value range, or null ({@link Classifier#inputValueRange()}). */
	default InputValueRange inputValueRange() {
		return null;
	}

	/** The explained output of an input batch [N, H, W, C]. */
	FloatTensor outputs(FloatTensor images);

	/** d(sum outputWeights * outputs) / d(images). */
	FloatTensor inputGradient(FloatTensor images, FloatTensor outputWeights);

	boolean supportsReluBackward();

	/** {@link Classifier#checkReluBackward}: refuses before any work a rule the backward pass would refuse. */
	void checkReluBackward(ReluBackward rule);

	/** {@link #inputGradient(FloatTensor, FloatTensor)} with the ReLUs passing back what {@code rule} says. */
	FloatTensor inputGradient(FloatTensor images, FloatTensor outputWeights, ReluBackward rule);

	FloatTensor activations(FloatTensor images, String layer);

	/** d(sum outputWeights * outputs) / d(layer activations). */
	FloatTensor layerGradient(FloatTensor images, String layer, FloatTensor outputWeights);

	/** The output from given activations of a layer (the layer is fed). */
	FloatTensor outputsFromLayer(String layer, FloatTensor activations);

	/** d(sum outputWeights * outputs(a)) / da at given activations a of a layer. */
	FloatTensor gradientFromLayer(String layer, FloatTensor activations, FloatTensor outputWeights);

	@Override
	void close();
}
