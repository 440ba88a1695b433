package org.conceptscope.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import org.conceptscope.model.Classifier;
import org.conceptscope.model.LayerInfo;
import org.conceptscope.model.ModelSignature;
import org.conceptscope.model.ReluBackward;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.tensor.Normalization;

/**
 * A {@link Classifier} that delegates every call and records it: which runtime call, how many
 * images (or activation rows) and which layer. From the record come the passes a method used
 * (forward images; forward+backward images for gradient calls) and the exact call sequence the
 * floor replays.
 */
public final class CountingClassifier implements Classifier {

	/** The runtime calls of {@link Classifier}; gradient calls run a forward and a backward pass. */
	public enum Kind {
		LOGITS(false), PROBABILITIES(false), INPUT_GRADIENT(true), ACTIVATIONS(false), LAYER_GRADIENT(true),
		LOGITS_FROM_LAYER(false), GRADIENT_FROM_LAYER(true),
		/** Input gradient with the ReLUs' backward rule overridden (Guided Backpropagation, DeconvNet); the rule is the call's layer. */
		RELU_RULE_GRADIENT(true);

		public final boolean backward;

		Kind(boolean backward) {
			this.backward = backward;
		}
	}

	/** One runtime call: its kind, batch size (first axis) and layer (null for input calls). */
	public record Call(Kind kind, int size, String layer) {}

	private final Classifier delegate;
	private final List<Call> calls = Collections.synchronizedList(new ArrayList<>());

	public CountingClassifier(Classifier delegate) {
		this.delegate = delegate;
	}

	public Classifier delegate() {
		return delegate;
	}

	/** The calls since the last {@link #reset()}, in order. */
	public List<Call> calls() {
		synchronized (calls) {
			return List.copyOf(calls);
		}
	}

	public void reset() {
		calls.clear();
	}

	/** Images (or activation rows) that went through a forward pass only. */
	public long forwardPasses() {
		return calls().stream().filter(c -> !c.kind().backward).mapToLong(Call::size).sum();
	}

	/** Images (or activation rows) that went through a forward and a backward pass. */
	public long gradientPasses() {
		return calls().stream().filter(c -> c.kind().backward).mapToLong(Call::size).sum();
	}

	private void record(Kind kind, FloatTensor batch, String layer) {
		calls.add(new Call(kind, (int) batch.dim(0), layer));
	}

	@Override
	public ModelSignature signature() {
		return delegate.signature();
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
	public List<LayerInfo> layers() {
		return delegate.layers();
	}

	@Override
	public int preferredBatchSize() {
		return delegate.preferredBatchSize();
	}

	@Override
	public FloatTensor logits(FloatTensor images) {
		record(Kind.LOGITS, images, null);
		return delegate.logits(images);
	}

	@Override
	public FloatTensor probabilities(FloatTensor images) {
		record(Kind.PROBABILITIES, images, null);
		return delegate.probabilities(images);
	}

	@Override
	public FloatTensor inputGradient(FloatTensor images, FloatTensor classWeights) {
		record(Kind.INPUT_GRADIENT, images, null);
		return delegate.inputGradient(images, classWeights);
	}

	@Override
	public boolean supportsGradients() {
		return delegate.supportsGradients();
	}

	@Override
	public boolean supportsReluBackward() {
		return delegate.supportsReluBackward();
	}

	@Override
	public FloatTensor inputGradient(FloatTensor images, FloatTensor classWeights, ReluBackward rule) {
		record(rule == ReluBackward.ORDINARY ? Kind.INPUT_GRADIENT : Kind.RELU_RULE_GRADIENT, images, rule == ReluBackward.ORDINARY ? null : rule.name());
		return delegate.inputGradient(images, classWeights, rule);
	}

	@Override
	public FloatTensor activations(FloatTensor images, String layer) {
		record(Kind.ACTIVATIONS, images, layer);
		return delegate.activations(images, layer);
	}

	@Override
	public FloatTensor layerGradient(FloatTensor images, String layer, FloatTensor classWeights) {
		record(Kind.LAYER_GRADIENT, images, layer);
		return delegate.layerGradient(images, layer, classWeights);
	}

	@Override
	public FloatTensor logitsFromLayer(String layer, FloatTensor activations) {
		record(Kind.LOGITS_FROM_LAYER, activations, layer);
		return delegate.logitsFromLayer(layer, activations);
	}

	@Override
	public FloatTensor gradientFromLayer(String layer, FloatTensor activations, FloatTensor classWeights) {
		record(Kind.GRADIENT_FROM_LAYER, activations, layer);
		return delegate.gradientFromLayer(layer, activations, classWeights);
	}

	/** Does not close the delegate: the benchmark owns it. */
	@Override
	public void close() {}
}
