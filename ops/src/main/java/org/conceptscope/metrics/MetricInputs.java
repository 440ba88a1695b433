package org.conceptscope.metrics;

import java.util.Arrays;

import org.conceptscope.attribution.Attribution;
import org.conceptscope.tensor.FloatTensor;

/** The checks every metric makes before it runs the model many times. */
final class MetricInputs {

	private MetricInputs() {}

	/** Images must be [N, H, W, C] and the attribution one finite [H, W] map per image. */
	static void check(FloatTensor images, Attribution attribution) {
		check(images, attribution, "", "pixels cannot be ranked by it");
	}

	/** As {@link #check(FloatTensor, Attribution)}, the maps named "Attribution map i" + {@code which}, and why NaN is refused. */
	static void check(FloatTensor images, Attribution attribution, String which, String why) {
		images(images);
		FloatTensor maps = attribution.maps();
		long[] want = { images.dim(0), images.dim(1), images.dim(2) };
		if (!Arrays.equals(want, maps.shape())) {
			throw new IllegalArgumentException("The attribution maps " + maps + " do not fit the images " + images
				+ "; explain these very images (one [H, W] map per image) before measuring.");
		}
		int bad = maps.firstNonFinite();
		if (bad >= 0) {
			throw new IllegalArgumentException("Attribution map " + bad / maps.stride0() + which
				+ " contains NaN or infinite values; " + why + ".");
		}
	}

	static void images(FloatTensor images) {
		if (images.rank() != 4) {
			throw new IllegalArgumentException("Metrics need a batch of images [N, H, W, C], got " + images + ".");
		}
	}

	/**
	 * Metrics of the target class probability need two classes or more when the probabilities are a
	 * softmax over the classes: the softmax of one value is 1 whatever the image. A multi-label model
	 * ({@link org.conceptscope.model.Classifier#isMultiLabel()}: a TensorFlow or ONNX model ending in a Sigmoid, as
	 * a binary {@code Dense(1, sigmoid)} classifier) has a real probability per output, so one output is scored.
	 */
	static void probabilities(org.conceptscope.model.Classifier classifier, String metric) {
		if (classifier.numClasses() < 2 && !classifier.isMultiLabel()) {
			throw new IllegalArgumentException("The metric " + metric + " scores the target class probability, which is 1 for every image"
				+ " of a model with one output and no sigmoid (the softmax of one value): use mufidelity, stability or sanity with it,"
				+ " a model with one output per class, or a TensorFlow or ONNX export whose one output ends in a Sigmoid.");
		}
	}
}
