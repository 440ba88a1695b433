package org.conceptscope.attribution;

/**
 * What perturbation methods measure for the target class. Logits are the default (as Xplique
 * and Captum advise): probabilities saturate, and a saturated softmax hides every change a
 * perturbation makes (a confident prediction stays at 1.0 under any single occlusion).
 */
public enum TargetScore {
	LOGIT, PROBABILITY
}
