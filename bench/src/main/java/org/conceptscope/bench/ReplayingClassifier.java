package org.conceptscope.bench;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import org.conceptscope.model.Classifier;
import org.conceptscope.model.CountingClassifier;
import org.conceptscope.tensor.FloatTensor;

/**
 * A {@link CountingClassifier} that can also answer a method's calls without the model: {@link #recordOutputs} runs the
 * method once keeping every call's output, and {@link #replaying(boolean) replaying(true)} makes the same calls answer
 * at once with copies of those outputs, so that what is left of the method's time is its own work.
 */
final class ReplayingClassifier extends CountingClassifier {

	/** Outputs of the recorded run by call index. */
	private final Map<Integer, FloatTensor> outputs = new ConcurrentHashMap<>();
	private volatile boolean keepOutputs, replaying;
	private List<Call> recorded = List.of();

	ReplayingClassifier(Classifier delegate) {
		super(delegate);
	}

	/** Runs {@code work} once through the model, keeping every call's output. */
	void recordOutputs(Runnable work) {
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
	void replaying(boolean on) {
		if (on && recorded.isEmpty()) throw new IllegalStateException("Nothing recorded to replay.");
		replaying = on;
	}

	/** The model's answer, kept when recording; or, when replaying, a copy of the recorded one (a model call gives a new tensor). */
	@Override
	protected FloatTensor answer(int index, Supplier<FloatTensor> model) {
		if (replaying) {
			Call now = call(index);
			if (index >= recorded.size() || !recorded.get(index).equals(now)) {
				throw new IllegalStateException("Call " + index + " (" + now + ") differs from the recorded run's; its output cannot be replayed.");
			}
			return outputs.get(index).copy();
		}
		FloatTensor out = model.get();
		if (keepOutputs) outputs.put(index, out.copy());
		return out;
	}

	/** Does not close the model: the benchmark owns it. */
	@Override
	public void close() {}
}
