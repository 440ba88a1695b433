package org.conceptscope.mechanistic;

import java.util.concurrent.CancellationException;

import org.conceptscope.attribution.Attribution;
import org.conceptscope.attribution.AttributionMethod;
import org.conceptscope.model.Classifier;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.tensor.Resampling;
import org.conceptscope.util.Progress;

/**
 * SRD as an attribution method, so its maps go where every other method's go (overlays, ROIs,
 * Evaluate Explanation's deletion, insertion and MuFidelity): the target logit decomposed down to
 * the pixels ({@link SharingRatioDecomposition#classRelevance}), or, with a {@code layer}, read at
 * that layer's PFVs and upsampled bilinearly to the image (coarser, like the paper's maps at an
 * intermediate layer).
 */
public final class SrdAttribution implements AttributionMethod {

	/** Key of the layer the decomposition stops at (registry, commands, op). */
	public static final String START_LAYER = "start_layer";

	private final String layer;

	/** Maps at the input pixels. */
	public SrdAttribution() {
		this(null);
	}

	/** Maps read at {@code layer} (null or blank: the input pixels). */
	public SrdAttribution(String layer) {
		this.layer = layer == null || layer.isBlank() ? null : layer.trim();
	}

	@Override
	public String name() {
		return "srd";
	}

	/** It reads the model's TensorFlow graph, not only its forward pass. */
	@Override
	public boolean forwardOnly() {
		return false;
	}

	/**
	 * SRD reads the graph: only TensorFlow SavedModels, refused before any work; on a model of fixed input size, also the
	 * memory, the start layer and every operation on the way (checked on a blank input).
	 */
	@Override
	public void checkRuns(Classifier classifier) {
		requireTensorFlow(classifier);
		long[] in = ((TensorFlowClassifier) classifier).signature().input().shape();
		if (in.length != 4 || in[1] < 1 || in[2] < 1 || in[3] < 1) return; // checked on the first image instead
		new SharingRatioDecomposition((TensorFlowClassifier) classifier).check(FloatTensor.zeros(1, in[1], in[2], in[3]), 0, layer);
	}

	private static void requireTensorFlow(Classifier classifier) {
		if (!(classifier instanceof TensorFlowClassifier)) {
			throw new IllegalArgumentException("SRD reads the model's graph: it needs a TensorFlow SavedModel classifier; use another method for this model"
				+ org.conceptscope.model.Classifiers.orPackageSavedModel(classifier) + ".");
		}
	}

	@Override
	public Attribution explain(Classifier classifier, FloatTensor images, int[] targets, Progress progress) {
		requireTensorFlow(classifier);
		TensorFlowClassifier tf = (TensorFlowClassifier) classifier;
		int[] resolved = AttributionMethod.resolveTargets(classifier, images, targets);
		int n = (int) images.dim(0), h = (int) images.dim(1), w = (int) images.dim(2);
		SharingRatioDecomposition srd = new SharingRatioDecomposition(tf);
		float[] maps = new float[n * h * w];
		for (int i = 0; i < n; i++) {
			FloatTensor x = images.slice(i);
			FloatTensor map = layer == null ? srd.classRelevance(x, resolved[i]).map() : srd.classRelevanceAt(x, resolved[i], layer);
			if (map.dim(1) != h || map.dim(2) != w) map = Resampling.bilinear(map, h, w);
			System.arraycopy(map.data(), 0, maps, i * h * w, h * w);
			if (!progress.report(i + 1, n, name())) throw new CancellationException("SRD cancelled.");
		}
		return new Attribution(new FloatTensor(new long[] { n, h, w }, maps), resolved,
			AttributionMethod.metadata(classifier, name(), resolved, "layer", layer == null ? "input" : layer));
	}
}
