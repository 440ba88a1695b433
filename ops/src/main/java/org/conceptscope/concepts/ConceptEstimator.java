package org.conceptscope.concepts;

import org.conceptscope.model.Classifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;

/**
 * How much each concept of a bank drives the bank's class on a batch of images (one value per
 * concept, larger: more important). The estimators are {@link ConceptImportance}'s; the
 * registry builds one from its key (sobol, gradient, deletion) and parameters.
 */
public interface ConceptEstimator {

	/** The registry key. */
	String name();

	/** Whether the estimator needs the model's gradients (then the classifier must offer them). */
	boolean needsGradients();

	/**
	 * @param images a normalised batch [N, H, W, C] of the bank's class
	 * @throws java.util.concurrent.CancellationException when progress asks to stop
	 */
	double[] importance(Classifier classifier, ConceptBank bank, FloatTensor images, Progress progress);

	/** Sobol total indices of the concept coefficients (CRAFT's estimator). */
	static ConceptEstimator sobol(int designs, long seed) {
		return new ConceptEstimator() {
			@Override public String name() { return "sobol"; }
			@Override public boolean needsGradients() { return false; }
			@Override public double[] importance(Classifier c, ConceptBank b, FloatTensor images, Progress p) {
				return ConceptImportance.sobol(c, b, images, designs, seed, p);
			}
		};
	}

	/** Gradient of the class logit with respect to each concept coefficient times the coefficient. */
	static ConceptEstimator gradient() {
		return new ConceptEstimator() {
			@Override public String name() { return "gradient"; }
			@Override public boolean needsGradients() { return true; }
			@Override public double[] importance(Classifier c, ConceptBank b, FloatTensor images, Progress p) {
				return ConceptImportance.gradientTimesInput(c, b, images, p);
			}
		};
	}

	/** Drop of the class logit when one concept is removed from the activations. */
	static ConceptEstimator deletion() {
		return new ConceptEstimator() {
			@Override public String name() { return "deletion"; }
			@Override public boolean needsGradients() { return false; }
			@Override public double[] importance(Classifier c, ConceptBank b, FloatTensor images, Progress p) {
				return ConceptImportance.deletion(c, b, images, p);
			}
		};
	}
}
