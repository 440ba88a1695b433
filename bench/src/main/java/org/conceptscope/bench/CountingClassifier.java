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
	/** Outputs of the recorded run by call index, and whether calls now answer from them instead of the model. */
	private final java.util.Map<Integer, FloatTensor> outputs = new java.util.concurrent.ConcurrentHashMap<>();
	private volatile boolean keepOutputs, replaying;
	private List<Call> recorded = List.of();

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

	/**
	 * Runs {@code work} once through the model, keeping every call's output; afterwards {@link
	 * #replaying(boolean) replaying(true)} makes the same calls answer with copies of those outputs
	 * at once, without the model, so that what is left of a method's time is its own work.
	 */
	public void recordOutputs(Runnable work) {
		reset();
		outputs.clear();
		keepOutputs = true;
		try {
			work.run();
		} finally {
			keepOutputs = false;
		}
		recorded = calls();
	}

	/** Whether calls answer from the recorded outputs (see {@link #recordOutputs}). */
	public void replaying(boolean on) {
		if (on && recorded.isEmpty()) throw new IllegalStateException("Nothing recorded to replay.");
		replaying = on;
	}

	/** The i-th call's recorded output, checked against what was recorded; a copy, as a model call gives a new tensor. */
	private FloatTensor replayed(int i) {
		Call now = calls.get(i);
		if (i >= recorded.size() || !recorded.get(i).equals(now)) {
			throw new IllegalStateException("Call " + i + " (" + now + ") differs from the recorded run's; its output cannot be replayed.");
		}
		return outputs.get(i).copy();
	}

	/** Images (or activation rows) that went through a forward pass only. */
	public long forwardPasses() {
		return calls().stream().filter(c -> !c.kind().backward).mapToLong(Call::size).sum();
	}

	/** Images (or activation rows) that went through a forward and a backward pass. */
	public long gradientPasses() {
		return calls().stream().filter(c -> c.kind().backward).mapToLong(Call::size).sum();
	}

	private int record(Kind kind, FloatTensor batch, String layer) {
		synchronized (calls) {
			calls.add(new Call(kind, (int) batch.dim(0), layer));
			return calls.size() - 1;
		}
	}

	/** The delegate's answer to call i, kept when recording; or the recorded answer when replaying. */
	private FloatTensor answer(int i, java.util.function.Supplier<FloatTensor> call) {
		if (replaying) return replayed(i);
		FloatTensor out = call.get();
		if (keepOutputs) outputs.put(i, out.copy());
		return out;
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
	public List<LayerInfo> layers() {
		return delegate.layers();
	}

	@Override
	public int preferredBatchSize() {
		return delegate.preferredBatchSize();
	}

	@Override
	public FloatTensor logits(FloatTensor images) {
		return answer(record(Kind.LOGITS, images, null), () -> delegate.logits(images));
	}

	@Override
	public FloatTensor probabilities(FloatTensor images) {
		return answer(record(Kind.PROBABILITIES, images, null), () -> delegate.probabilities(images));
	}

	@Override
	public FloatTensor inputGradient(FloatTensor images, FloatTensor classWeights) {
		return answer(record(Kind.INPUT_GRADIENT, images, null), () -> delegate.inputGradient(images, classWeights));
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
	public boolean supportsReluBackward() {
		return delegate.supportsReluBackward();
	}

	@Override
	public void checkReluBackward(ReluBackward rule) {
		delegate.checkReluBackward(rule);
	}

	@Override
	public FloatTensor inputGradient(FloatTensor images, FloatTensor classWeights, ReluBackward rule) {
		return answer(record(rule == ReluBackward.ORDINARY ? Kind.INPUT_GRADIENT : Kind.RELU_RULE_GRADIENT, images, rule == ReluBackward.ORDINARY ? null : rule.name()), () -> delegate.inputGradient(images, classWeights, rule));
	}

	@Override
	public FloatTensor activations(FloatTensor images, String layer) {
		return answer(record(Kind.ACTIVATIONS, images, layer), () -> delegate.activations(images, layer));
	}

	@Override
	public FloatTensor layerGradient(FloatTensor images, String layer, FloatTensor classWeights) {
		return answer(record(Kind.LAYER_GRADIENT, images, layer), () -> delegate.layerGradient(images, layer, classWeights));
	}

	@Override
	public FloatTensor logitsFromLayer(String layer, FloatTensor activations) {
		return answer(record(Kind.LOGITS_FROM_LAYER, activations, layer), () -> delegate.logitsFromLayer(layer, activations));
	}

	@Override
	public FloatTensor gradientFromLayer(String layer, FloatTensor activations, FloatTensor classWeights) {
		return answer(record(Kind.GRADIENT_FROM_LAYER, activations, layer), () -> delegate.gradientFromLayer(layer, activations, classWeights));
	}

	/** Does not close the delegate: the benchmark owns it. */
	@Override
	public void close() {}
}
