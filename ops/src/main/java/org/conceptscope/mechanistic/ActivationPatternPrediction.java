package org.conceptscope.mechanistic;

import java.util.HashMap;
import java.util.Map;

import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.verify.Box;
import org.conceptscope.verify.GraphProgram;
import org.conceptscope.verify.GraphProgram.Step;
import org.conceptscope.verify.IntervalPropagation;

/**
 * APOP, activation-pattern-only prediction (the SRD paper's diagnostic): the network is run on a
 * blank image (every value {@code fill}) but every ReLU keeps the on/off pattern the real image
 * produced. A ReLU6 keeps its piece: off (0), linear (passes the blank image's value) or
 * saturated (6), as the real image set it. When the blank image still gets the real image's class, the decision is carried by
 * which neurons fire rather than by how strongly: the reason SRD shares relevance over
 * pre-activations instead of stopping at switched-off neurons.
 */
public final class ActivationPatternPrediction {

	private final GraphProgram program;
	private final TensorFlowClassifier classifier;

	public ActivationPatternPrediction(TensorFlowClassifier classifier) {
		this.program = GraphProgram.of(classifier);
		this.classifier = classifier;
	}

	/**
	 * Logits [1, K] of {@code replacement} under the ReLU pattern of {@code image} (both [1, H, W, C]). Both passes are held
	 * together: an image whose two passes do not fit in the Java heap left is refused in one sentence first.
	 */
	public double[] gatedLogits(FloatTensor image, FloatTensor replacement) {
		long need = 2 * SharingRatioDecomposition.bytesNeeded(classifier, image.dim(1), image.dim(2));
		SharingRatioDecomposition.checkMemory(need, org.conceptscope.util.Limits.heapLeft(need), image.dim(1), image.dim(2));
		Map<String, Box> real = IntervalPropagation.propagate(program, Box.point(image.shape(), image.data()));
		Map<String, Box> v = new HashMap<>();
		for (Step s : program.steps()) {
			if (s.op().equals("Placeholder")) {
				v.put(s.name(), Box.point(replacement.shape(), replacement.data()));
			} else if (s.op().equals("Relu") || s.op().equals("Relu6")) {
				double top = s.op().equals("Relu6") ? 6 : Double.POSITIVE_INFINITY;
				double[] pre = real.get(s.inputs().get(0)).lo(), x = v.get(s.inputs().get(0)).lo(), out = new double[x.length];
				for (int i = 0; i < x.length; i++) out[i] = pre[i] <= 0 ? 0 : pre[i] >= top ? top : x[i];
				v.put(s.name(), new Box(v.get(s.inputs().get(0)).shape(), out, out.clone()));
			} else {
				v.put(s.name(), IntervalPropagation.apply(program, s, v));
			}
		}
		return v.get(program.steps().get(program.steps().size() - 1).name()).lo();
	}

	/** Fraction of images whose blank-image prediction under their own ReLU pattern equals their real prediction. */
	public double agreement(FloatTensor images, float fill) {
		int n = (int) images.dim(0), same = 0;
		for (int i = 0; i < n; i++) {
			FloatTensor x = images.slice(i);
			FloatTensor blank = FloatTensor.zeros(x.shape());
			java.util.Arrays.fill(blank.data(), fill);
			double[] real = IntervalPropagation.logits(program, Box.point(x.shape(), x.data())).lo();
			if (argmax(gatedLogits(x, blank)) == argmax(real)) same++;
		}
		return same / (double) n;
	}

	static int argmax(double[] v) {
		int best = 0;
		for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
		return best;
	}
}
