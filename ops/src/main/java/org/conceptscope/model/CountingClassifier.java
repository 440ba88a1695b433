package org.conceptscope.model;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import org.conceptscope.tensor.FloatTensor;

/**
 * A {@link Classifier} that passes every call on and records each runtime call: which call, how many images (or
 * activation rows) and which layer. From the record come the passes a method used (forward images; forward and
 * backward images for gradient calls) and the call sequence a benchmark replays. Calls from several threads are
 * recorded in the order they reach it.
 */
public class CountingClassifier extends ForwardingClassifier {

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

	private final List<Call> calls = new ArrayList<>();

	/** Counts the calls to {@code delegate}; closing this closes it. */
	public CountingClassifier(Classifier delegate) {
		super(delegate);
	}

	/** The calls since the last {@link #reset()}, in order. */
	public List<Call> calls() {
		synchronized (calls) {
			return List.copyOf(calls);
		}
	}

	/** The i-th call since the last {@link #reset()}. */
	protected Call call(int i) {
		synchronized (calls) {
			return calls.get(i);
		}
	}

	public void reset() {
		synchronized (calls) {
			calls.clear();
		}
	}

	/** Images (or activation rows) given to calls of this kind. */
	public long images(Kind kind) {
		return calls().stream().filter(c -> c.kind() == kind).mapToLong(Call::size).sum();
	}

	/** Images (or activation rows) that went through a forward pass only. */
	public long forwardPasses() {
		return calls().stream().filter(c -> !c.kind().backward).mapToLong(Call::size).sum();
	}

	/** Images (or activation rows) that went through a forward and a backward pass. */
	public long gradientPasses() {
		return calls().stream().filter(c -> c.kind().backward).mapToLong(Call::size).sum();
	}

	/**
	 * The answer to recorded call {@code index}: the delegate's ({@code model}). A subclass may answer otherwise (a
	 * benchmark's replay of recorded outputs).
	 */
	protected FloatTensor answer(int index, Supplier<FloatTensor> model) {
		return model.get();
	}

	private FloatTensor counted(Kind kind, FloatTensor batch, String layer, Supplier<FloatTensor> model) {
		int index;
		synchronized (calls) {
			calls.add(new Call(kind, (int) batch.dim(0), layer));
			index = calls.size() - 1;
		}
		return answer(index, model);
	}

	@Override
	public FloatTensor logits(FloatTensor images) {
		return counted(Kind.LOGITS, images, null, () -> super.logits(images));
	}

	@Override
	public FloatTensor probabilities(FloatTensor images) {
		return counted(Kind.PROBABILITIES, images, null, () -> super.probabilities(images));
	}

	@Override
	public FloatTensor inputGradient(FloatTensor images, FloatTensor classWeights) {
		return counted(Kind.INPUT_GRADIENT, images, null, () -> super.inputGradient(images, classWeights));
	}

	@Override
	public FloatTensor inputGradient(FloatTensor images, FloatTensor classWeights, ReluBackward rule) {
		if (rule == ReluBackward.ORDINARY) return counted(Kind.INPUT_GRADIENT, images, null, () -> super.inputGradient(images, classWeights, rule));
		return counted(Kind.RELU_RULE_GRADIENT, images, rule.name(), () -> super.inputGradient(images, classWeights, rule));
	}

	@Override
	public FloatTensor activations(FloatTensor images, String layer) {
		return counted(Kind.ACTIVATIONS, images, layer, () -> super.activations(images, layer));
	}

	@Override
	public FloatTensor layerGradient(FloatTensor images, String layer, FloatTensor classWeights) {
		return counted(Kind.LAYER_GRADIENT, images, layer, () -> super.layerGradient(images, layer, classWeights));
	}

	@Override
	public FloatTensor logitsFromLayer(String layer, FloatTensor activations) {
		return counted(Kind.LOGITS_FROM_LAYER, activations, layer, () -> super.logitsFromLayer(layer, activations));
	}

	@Override
	public FloatTensor gradientFromLayer(String layer, FloatTensor activations, FloatTensor classWeights) {
		return counted(Kind.GRADIENT_FROM_LAYER, activations, layer, () -> super.gradientFromLayer(layer, activations, classWeights));
	}
}
