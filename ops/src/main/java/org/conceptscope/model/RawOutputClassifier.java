package org.conceptscope.model;

import java.util.List;

import org.conceptscope.tensor.FloatTensor;

/**
 * A model as an engine loads it, questioned both ways: as a {@link Classifier} its "logits" are the
 * model's raw output, whatever its shape, and so it is also the {@link DenseModel} of that output
 * ({@link #outputs} is {@link #logits}, {@link #outputsFromLayer} is {@link #logitsFromLayer},
 * {@link #channelNames} are the {@link #classNames}). {@link Classifiers#explained} puts a
 * {@link TargetOperator} in front of it when the output is a map ({@link #isDense()}).
 * <p>
 * Where both parents describe the same method, the {@link Classifier} side's default holds.
 */
public interface RawOutputClassifier extends Classifier, DenseModel {

	@Override
	default FloatTensor outputs(FloatTensor images) {
		return logits(images);
	}

	@Override
	default FloatTensor outputsFromLayer(String layer, FloatTensor activations) {
		return logitsFromLayer(layer, activations);
	}

	@Override
	default List<String> channelNames() {
		return classNames();
	}

	@Override
	default String name() {
		return Classifier.super.name();
	}

	@Override
	default int preferredBatchSize() {
		return Classifier.super.preferredBatchSize();
	}

	@Override
	default PixelSize pixelSize() {
		return Classifier.super.pixelSize();
	}

	@Override
	default org.conceptscope.tensor.InputDomain inputDomain() {
		return Classifier.super.inputDomain();
	}

	@Override
	default List<String> inputChannelNames() {
		return Classifier.super.inputChannelNames();
	}

	@Override
	default InputValueRange inputValueRange() {
		return Classifier.super.inputValueRange();
	}

	@Override
	default boolean supportsGradients() {
		return Classifier.super.supportsGradients();
	}

	@Override
	default boolean supportsReluBackward() {
		return Classifier.super.supportsReluBackward();
	}

	@Override
	default void checkReluBackward(ReluBackward rule) {
		Classifier.super.checkReluBackward(rule);
	}

	@Override
	default FloatTensor inputGradient(FloatTensor images, FloatTensor classWeights, ReluBackward rule) {
		return Classifier.super.inputGradient(images, classWeights, rule);
	}
}
