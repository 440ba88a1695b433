package org.conceptscope.attribution;

import org.conceptscope.model.Classifier;
import org.conceptscope.tensor.FloatTensor;

/**
 * What perturbation methods measure for the target class. Logits are the default (as Xplique
 * and Captum advise): probabilities saturate, and a saturated softmax hides every change a
 * perturbation makes (a confident prediction stays at 1.0 under any single occlusion).
 */
public enum TargetScore {
	/** The target logit: linear in the evidence for linear models, unbounded. */
	LOGIT,
	/** The target class probability (softmax), in [0, 1]. */
	PROBABILITY;

	/** Scores [N, K] of a batch. */
	public FloatTensor of(Classifier classifier, FloatTensor images) {
		return this == LOGIT ? classifier.logits(images) : classifier.probabilities(images);
	}
}
