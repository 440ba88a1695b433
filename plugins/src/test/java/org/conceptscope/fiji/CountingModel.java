package org.conceptscope.fiji;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.conceptscope.model.Classifier;
import org.conceptscope.model.LayerInfo;
import org.conceptscope.model.ModelSignature;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.tensor.Normalization;

/**
 * A real model that counts the images it scores: {@link #logits} (what the perturbation methods score their copies with) apart
 * from {@link #probabilities} (a run's classification of each image or tile). Everything else is the model's own.
 */
public final class CountingModel implements Classifier {

	private final Classifier model;
	public final AtomicLong logits = new AtomicLong(), probabilities = new AtomicLong();

	public CountingModel(Classifier model) {
		this.model = model;
	}

	@Override
	public ModelSignature signature() {
		return model.signature();
	}

	@Override
	public long inputHeight(long height) {
		return model.inputHeight(height);
	}

	@Override
	public long inputWidth(long width) {
		return model.inputWidth(width);
	}

	@Override
	public String name() {
		return model.name();
	}

	@Override
	public List<String> classNames() {
		return model.classNames();
	}

	@Override
	public Normalization normalization() {
		return model.normalization();
	}

	@Override
	public int preferredBatchSize() {
		return model.preferredBatchSize();
	}

	@Override
	public org.conceptscope.model.PixelSize pixelSize() {
		return model.pixelSize();
	}

	@Override
	public org.conceptscope.tensor.InputDomain inputDomain() {
		return model.inputDomain();
	}

	@Override
	public org.conceptscope.model.InputValueRange inputValueRange() {
		return model.inputValueRange();
	}

	@Override
	public List<String> inputChannelNames() {
		return model.inputChannelNames();
	}

	@Override
	public List<LayerInfo> layers() {
		return model.layers();
	}

	@Override
	public FloatTensor logits(FloatTensor images) {
		logits.addAndGet(images.dim(0));
		return model.logits(images);
	}

	@Override
	public FloatTensor probabilities(FloatTensor images) {
		probabilities.addAndGet(images.dim(0));
		return model.probabilities(images);
	}

	@Override
	public boolean isMultiLabel() {
		return model.isMultiLabel();
	}

	@Override
	public boolean supportsGradients() {
		return model.supportsGradients();
	}

	@Override
	public FloatTensor inputGradient(FloatTensor images, FloatTensor classWeights) {
		return model.inputGradient(images, classWeights);
	}

	@Override
	public FloatTensor activations(FloatTensor images, String layer) {
		return model.activations(images, layer);
	}

	@Override
	public FloatTensor layerGradient(FloatTensor images, String layer, FloatTensor classWeights) {
		return model.layerGradient(images, layer, classWeights);
	}

	@Override
	public FloatTensor logitsFromLayer(String layer, FloatTensor activations) {
		return model.logitsFromLayer(layer, activations);
	}

	@Override
	public FloatTensor gradientFromLayer(String layer, FloatTensor activations, FloatTensor classWeights) {
		return model.gradientFromLayer(layer, activations, classWeights);
	}

	@Override
	public void close() {
		model.close();
	}
}
