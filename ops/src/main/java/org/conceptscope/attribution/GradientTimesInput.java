package org.conceptscope.attribution;


import org.conceptscope.model.Classifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;

/** Gradient x Input (Shrikumar et al. 2016): input times its gradient, summed over channels. */
public final class GradientTimesInput implements AttributionMethod {

	@Override
	public boolean needsGradients() {
		return true;
	}

	@Override
	public String name() {
		return "gradient_x_input";
	}

	@Override
	public Attribution explain(Classifier classifier, FloatTensor images, int[] targets, Progress progress) {
		int[] resolved = AttributionMethod.resolveTargets(classifier, images, targets);
		FloatTensor g = classifier.inputGradient(images, FloatTensor.oneHot(resolved, classifier.numClasses()));
		float[] gx = g.data().clone(), x = images.data();
		for (int i = 0; i < gx.length; i++) gx[i] *= x[i];
		GradientMaps.step(progress, images.dim(0), images.dim(0), name());
		return new Attribution(GradientMaps.sumChannels(new FloatTensor(images.shape(), gx)), resolved,
			AttributionMethod.metadata(classifier, name(), resolved));
	}
}
