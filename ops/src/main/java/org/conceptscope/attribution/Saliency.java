package org.conceptscope.attribution;

import java.util.Map;

import org.conceptscope.model.Classifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;

/**
 * Saliency (Simonyan et al. 2014): the absolute input gradient of the target logit, maximum
 * over channels. One forward/backward pass per image, batched.
 */
public final class Saliency implements AttributionMethod {

	@Override
	public String name() {
		return "saliency";
	}

	@Override
	public Attribution explain(Classifier classifier, FloatTensor images, int[] targets, Progress progress) {
		int[] resolved = AttributionMethod.resolveTargets(classifier, images, targets);
		FloatTensor grad = classifier.inputGradient(images, FloatTensor.oneHot(resolved, classifier.numClasses()));
		int n = (int) images.dim(0), h = (int) images.dim(1), w = (int) images.dim(2), c = (int) images.dim(3);
		float[] g = grad.data(), out = new float[n * h * w];
		for (int p = 0; p < out.length; p++) {
			float m = 0;
			for (int ch = 0; ch < c; ch++) m = Math.max(m, Math.abs(g[p * c + ch]));
			out[p] = m;
		}
		GradientMaps.step(progress, n, n, name());
		return new Attribution(new FloatTensor(new long[] { n, h, w }, out), resolved,
			Map.of("method", name(), "targets", java.util.Arrays.toString(resolved)));
	}
}
