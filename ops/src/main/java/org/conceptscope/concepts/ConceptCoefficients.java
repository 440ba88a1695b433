package org.conceptscope.concepts;

import org.conceptscope.model.Classifier;
import org.conceptscope.tensor.FloatTensor;

/**
 * Where and how strongly each concept of a bank is present: for every image and every spatial
 * position of the bank's layer, the non-negative coefficients u with a ~ u W (NNLS against the
 * concepts). {@code layerShape} is the activation shape of one image, e.g. [1, h, w, c].
 */
record ConceptCoefficients(double[][][] u, long[] layerShape) {

	static ConceptCoefficients of(Classifier classifier, ConceptBank bank, FloatTensor images) {
		return of(classifier, bank, images, org.conceptscope.util.Progress.NONE);
	}

	/**
	 * The coefficients, reporting after each image's positions are solved (a large layer's are many);
	 * cancellable.
	 */
	static ConceptCoefficients of(Classifier classifier, ConceptBank bank, FloatTensor images, org.conceptscope.util.Progress progress) {
		LayerActivations.spatialOrVector(classifier, bank.layer);
		FloatTensor act = classifier.activations(images, bank.layer);
		int c = LayerActivations.channels(act);
		if (c != bank.channels()) {
			throw new IllegalArgumentException("The concept bank has " + bank.channels() + " channels per concept but layer '"
				+ bank.layer + "' of this model has " + c + ". Use the model the concepts were extracted from.");
		}
		float[] d = act.data();
		LayerActivations.clip(d);
		int n = (int) act.dim(0), pos = LayerActivations.positions(act);
		Nnls nnls = new Nnls(bank.concepts);
		double[][][] u = new double[n][pos][];
		for (int i = 0; i < n; i++) {
			for (int p = 0; p < pos; p++) u[i][p] = nnls.solve(d, (i * pos + p) * c);
			if (!progress.report(i + 1, n, "concept coefficients")) {
				throw new java.util.concurrent.CancellationException("Concept coefficients cancelled.");
			}
		}
		long[] shape = act.shape();
		shape[0] = 1;
		return new ConceptCoefficients(u, shape);
	}

	/** Activations of image i rebuilt from concepts, each concept's coefficients scaled by mask[k]. */
	static void rebuild(double[][] ui, double[] mask, double[][] w, float[] out, int offset) {
		int c = w[0].length, k = w.length;
		for (int p = 0; p < ui.length; p++) {
			for (int j = 0; j < c; j++) {
				double s = 0;
				for (int q = 0; q < k; q++) s += mask[q] * ui[p][q] * w[q][j];
				out[offset + p * c + j] = (float) s;
			}
		}
	}
}
