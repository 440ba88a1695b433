package org.conceptscope.model;

import java.util.List;

import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.tensor.Normalization;

/**
 * A {@link Classifier} that passes every call to another one: subclasses override only what they change (a counting
 * wrapper its runtime calls, a test model its logits). The one place that lists every method a wrapper must pass on, so
 * that a wrapped model keeps its input sizes, channel names, ReLU rules and layer checks.
 * <p>
 * {@link #activationValues} and {@link #requireGradients} keep the interface's defaults, which call back through this
 * wrapper: a probe pass they make is seen by a subclass like any other call. {@link #close} closes the delegate.
 */
public abstract class ForwardingClassifier implements Classifier {

	private final Classifier delegate;

	protected ForwardingClassifier(Classifier delegate) {
		if (delegate == null) throw new IllegalArgumentException("A model to pass the calls to is needed.");
		this.delegate = delegate;
	}

	/** The model the calls go to. */
	public Classifier delegate() {
		return delegate;
	}

	@Override
	public ModelSignature signature() {
		return delegate.signature();
	}

	@Override
	public long inputHeight(long height) {
		return delegate.inputHeight(height);
	}

	@Override
	public long inputWidth(long width) {
		return delegate.inputWidth(width);
	}

	@Override
	public String inputHeights() {
		return delegate.inputHeights();
	}

	@Override
	public String inputWidths() {
		return delegate.inputWidths();
	}

	@Override
	public String name() {
		return delegate.name();
	}

	@Override
	public List<String> classNames() {
		return delegate.classNames();
	}

	@Override
	public Normalization normalization() {
		return delegate.normalization();
	}

	@Override
	public int preferredBatchSize() {
		return delegate.preferredBatchSize();
	}

	@Override
	public PixelSize pixelSize() {
		return delegate.pixelSize();
	}

	@Override
	public org.conceptscope.tensor.InputDomain inputDomain() {
		return delegate.inputDomain();
	}

	@Override
	public InputValueRange inputValueRange() {
		return delegate.inputValueRange();
	}

	@Override
	public List<String> inputChannelNames() {
		return delegate.inputChannelNames();
	}

	@Override
	public List<LayerInfo> layers() {
		return delegate.layers();
	}

	@Override
	public FloatTensor logits(FloatTensor images) {
		return delegate.logits(images);
	}

	@Override
	public FloatTensor probabilities(FloatTensor images) {
		return delegate.probabilities(images);
	}

	@Override
	public boolean isMultiLabel() {
		return delegate.isMultiLabel();
	}

	@Override
	public boolean supportsGradients() {
		return delegate.supportsGradients();
	}

	@Override
	public FloatTensor inputGradient(FloatTensor images, FloatTensor classWeights) {
		return delegate.inputGradient(images, classWeights);
	}

	@Override
	public boolean supportsReluBackward() {
		return delegate.supportsReluBackward();
	}

	@Override
	public void checkReluBackward(ReluBackward rule) {
		delegate.checkReluBackward(rule);
	}

	@Override
	public FloatTensor inputGradient(FloatTensor images, FloatTensor classWeights, ReluBackward rule) {
		return delegate.inputGradient(images, classWeights, rule);
	}

	@Override
	public FloatTensor activations(FloatTensor images, String layer) {
		return delegate.activations(images, layer);
	}

	@Override
	public FloatTensor layerGradient(FloatTensor images, String layer, FloatTensor classWeights) {
		return delegate.layerGradient(images, layer, classWeights);
	}

	@Override
	public void requireSplit(String layer) {
		delegate.requireSplit(layer);
	}

	@Override
	public FloatTensor logitsFromLayer(String layer, FloatTensor activations) {
		return delegate.logitsFromLayer(layer, activations);
	}

	@Override
	public FloatTensor gradientFromLayer(String layer, FloatTensor activations, FloatTensor classWeights) {
		return delegate.gradientFromLayer(layer, activations, classWeights);
	}

	@Override
	public void close() {
		delegate.close();
	}

	@Override
	public String toString() {
		return getClass().getSimpleName() + "[" + delegate + "]";
	}
}
