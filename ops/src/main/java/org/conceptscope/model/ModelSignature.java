package org.conceptscope.model;

import java.util.List;

/**
 * What the model's serving signature says, plus what ConceptScope found in the graph:
 * the image input, the logits tensor, and the probabilities tensor if the model has one.
 */
public record ModelSignature(String key, TensorSpec input, TensorSpec logits, TensorSpec probabilities,
	List<TensorSpec> outputs) {

	public ModelSignature {
		outputs = List.copyOf(outputs);
	}

	/** Input height, width and channels (-1 where the model accepts any size). */
	public long height() {
		return input.shape()[1];
	}

	public long width() {
		return input.shape()[2];
	}

	public long channels() {
		return input.shape()[3];
	}

	/** Length of the output's last axis: classes of logits [N, K], channels of a dense output. */
	public int numClasses() {
		long[] s = logits.shape();
		return (int) s[s.length - 1];
	}
}
