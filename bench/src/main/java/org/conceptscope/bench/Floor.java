package org.conceptscope.bench;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.conceptscope.model.CountingClassifier.Call;
import org.conceptscope.model.CountingClassifier.Kind;
import org.conceptscope.model.Classifier;
import org.conceptscope.model.ReluBackward;
import org.conceptscope.tensor.FloatTensor;

/**
 * The floor of a method: the same runtime calls it made (same kinds, same batch sizes, same
 * layers, in the same order) replayed on the raw classifier with inputs prepared beforehand,
 * so that nothing but the batched TensorFlow runs (and the classifier's own feed/fetch copies)
 * is timed.
 */
final class Floor {

	private final Classifier raw;
	private final List<Call> calls;
	private final Map<String, FloatTensor> inputs = new HashMap<>();
	private final Map<Integer, FloatTensor> weights = new HashMap<>();

	/**
	 * @param images real inputs [n, H, W, C] the batches are tiled from
	 */
	Floor(Classifier raw, List<Call> calls, FloatTensor images) {
		this.raw = raw;
		this.calls = List.copyOf(calls);
		for (Call c : calls) {
			inputs.computeIfAbsent(key(c), k -> input(c, images));
			weights.computeIfAbsent(c.size(), n -> {
				int[] t = new int[n];
				return FloatTensor.oneHot(t, raw.numClasses());
			});
		}
	}

	private static String key(Call c) {
		boolean fromLayer = c.kind() == Kind.LOGITS_FROM_LAYER
			|| c.kind() == Kind.GRADIENT_FROM_LAYER;
		return (fromLayer ? c.layer() : "") + "#" + c.size();
	}

	private FloatTensor input(Call c, FloatTensor images) {
		FloatTensor x = tile(images, c.size());
		return switch (c.kind()) {
			case LOGITS_FROM_LAYER, GRADIENT_FROM_LAYER -> raw.activations(x, c.layer());
			default -> x;
		};
	}

	/** n images cycling through the given ones. */
	static FloatTensor tile(FloatTensor images, int n) {
		int per = images.stride0(), have = (int) images.dim(0);
		long[] shape = images.shape();
		shape[0] = n;
		float[] out = new float[n * per];
		for (int i = 0; i < n; i++) System.arraycopy(images.data(), (i % have) * per, out, i * per, per);
		return new FloatTensor(shape, out);
	}

	/** Replays every call once; returns the elapsed nanoseconds. */
	long run() {
		long t0 = System.nanoTime();
		for (Call c : calls) {
			FloatTensor x = inputs.get(key(c));
			FloatTensor w = weights.get(c.size());
			switch (c.kind()) {
				case LOGITS -> raw.logits(x);
				case PROBABILITIES -> raw.probabilities(x);
				case INPUT_GRADIENT -> raw.inputGradient(x, w);
				case ACTIVATIONS -> raw.activations(x, c.layer());
				case LAYER_GRADIENT -> raw.layerGradient(x, c.layer(), w);
				case LOGITS_FROM_LAYER -> raw.logitsFromLayer(c.layer(), x);
				case GRADIENT_FROM_LAYER -> raw.gradientFromLayer(c.layer(), x, w);
				case RELU_RULE_GRADIENT -> raw.inputGradient(x, w, ReluBackward.valueOf(c.layer()));
			}
		}
		return System.nanoTime() - t0;
	}
}
