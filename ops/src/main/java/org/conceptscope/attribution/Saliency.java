package org.conceptscope.attribution;


import org.conceptscope.model.Classifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;

/**
 * Saliency (Simonyan et al. 2014): the absolute input gradient of the target logit, maximum
 * over channels. One forward/backward pass per image, batched.
 */
public final class Saliency implements AttributionMethod {

	@Override
	public boolean needsGradients() {
		return true;
	}

	@Override
	public String name() {
		return "saliency";
	}

	@Override
	public Attribution explain(Classifier classifier, FloatTensor images, int[] targets, Progress progress) {
		int[] resolved = AttributionMethod.resolveTargets(classifier, images, targets);
		FloatTensor grad = classifier.inputGradient(images, FloatTensor.oneHot(resolved, classifier.numClasses()));
		int n = (int) images.dim(0);
		float[] g = grad.data().clone();
		for (int i = 0; i < g.length; i++) g[i] = Math.abs(g[i]);
		GradientMaps.step(progress, n, n, name());
		return new Attribution(GradientMaps.maxChannels(new FloatTensor(images.shape(), g)), resolved,
			AttributionMethod.metadata(classifier, name(), resolved));
	}
}
