package org.conceptscope.metrics;

import org.conceptscope.model.Classifier;
import org.conceptscope.tensor.FloatTensor;

/** Which model output a metric measures. */
public enum Score {
	/** The target logit: linear in the evidence for linear models, unbounded. */
	LOGIT,
	/** The target class probability (softmax), in [0, 1]. */
	PROBABILITY;

	/** Scores [N, K] of a batch. */
	FloatTensor of(Classifier classifier, FloatTensor images) {
		return this == LOGIT ? classifier.logits(images) : classifier.probabilities(images);
	}
}
