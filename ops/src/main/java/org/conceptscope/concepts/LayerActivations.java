package org.conceptscope.concepts;

import java.util.Arrays;

import org.conceptscope.model.Classifier;
import org.conceptscope.model.LayerInfo;
import org.conceptscope.tensor.FloatTensor;

/**
 * Activations of the split layer as rows of channel values: [N, h, w, c] or [N, c]. Concept
 * methods need them non-negative (NMF); layers after a ReLU already are, others are clipped at 0
 * and the clipped fraction is reported.
 */
final class LayerActivations {

	private LayerActivations() {}

	static LayerInfo spatialOrVector(Classifier classifier, String layer) {
		LayerInfo info = classifier.layers().stream().filter(l -> l.name().equals(layer)).findFirst()
			.orElseThrow(() -> new IllegalArgumentException("Unknown layer '" + layer + "'. Layers of this model: "
				+ classifier.layers().stream().map(LayerInfo::name).toList() + "."));
		long[] s = info.shape();
		if (s.length != 4 && s.length != 2) {
			throw new IllegalArgumentException("Concepts need a [N, h, w, c] or [N, c] layer; '" + layer + "' is " + Arrays.toString(s) + ".");
		}
		return info;
	}

	/** Number of channel values per position: the last dimension. */
	static int channels(FloatTensor a) {
		return (int) a.dim(a.rank() - 1);
	}

	/** Positions per image: h * w, or 1 for a vector layer. */
	static int positions(FloatTensor a) {
		return a.rank() == 4 ? (int) (a.dim(1) * a.dim(2)) : 1;
	}

	/** Clips negative values in place; returns how many were negative. */
	static long clip(float[] a) {
		long negative = 0;
		for (int i = 0; i < a.length; i++) {
			if (a[i] < 0) {
				a[i] = 0;
				negative++;
			}
		}
		return negative;
	}
}
