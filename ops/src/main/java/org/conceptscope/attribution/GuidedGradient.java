package org.conceptscope.attribution;

import org.conceptscope.model.Classifier;
import org.conceptscope.model.ReluBackward;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;

/**
 * Guided Backpropagation (Springenberg et al. 2015, "Striving for Simplicity: The All
 * Convolutional Net") and DeconvNet (Zeiler and Fergus 2014): the input gradient of the target
 * logit with every ReLU passing back only positive signals, from active units (guided) or from
 * all units (DeconvNet) ({@link ReluBackward}). As in Xplique, the map is the mean over channels.
 * One batched forward/backward pass, on a backward graph ConceptScope builds on the loaded
 * TensorFlow graph (TensorFlow's gradient registry cannot be overridden per operation).
 */
public final class GuidedGradient implements AttributionMethod {

	private final ReluBackward rule;

	public GuidedGradient(ReluBackward rule) {
		if (rule == null || rule == ReluBackward.ORDINARY) {
			throw new IllegalArgumentException("GuidedGradient needs ReluBackward.GUIDED or DECONVNET; the ordinary gradient is Saliency's.");
		}
		this.rule = rule;
	}

	public static GuidedGradient guidedBackprop() {
		return new GuidedGradient(ReluBackward.GUIDED);
	}

	public static GuidedGradient deconvNet() {
		return new GuidedGradient(ReluBackward.DECONVNET);
	}

	@Override
	public String name() {
		return rule == ReluBackward.GUIDED ? "guided_backprop" : "deconvnet";
	}

	@Override
	public boolean needsGradients() {
		return true;
	}

	@Override
	public void checkRuns(Classifier classifier) {
		classifier.requireGradients(name());
		if (!classifier.supportsReluBackward()) {
			throw new UnsupportedOperationException(rule.label() + " needs the model's ReLUs to pass back other values than gradients, which"
				+ " ConceptScope does for TensorFlow models only; " + classifier.name() + " is not one. Use Saliency or Integrated Gradients.");
		}
		// A model whose backward pass the rule cannot go through, or without a ReLU on the path, is
		// refused here (before the batch runner reads any image), not at the first gradient.
		classifier.checkReluBackward(rule);
	}

	@Override
	public Attribution explain(Classifier classifier, FloatTensor images, int[] targets, Progress progress) {
		checkRuns(classifier);
		int[] resolved = AttributionMethod.resolveTargets(classifier, images, targets);
		FloatTensor grad = classifier.inputGradient(images, FloatTensor.oneHot(resolved, classifier.numClasses()), rule);
		int n = (int) images.dim(0), c = (int) images.dim(3);
		FloatTensor sum = GradientMaps.sumChannels(grad);
		float[] mean = sum.data();
		for (int i = 0; i < mean.length; i++) mean[i] /= c;
		GradientMaps.step(progress, n, n, name());
		return new Attribution(sum, resolved, AttributionMethod.metadata(classifier, name(), resolved, "channels", "mean"));
	}
}
