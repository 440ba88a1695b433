package org.conceptscope.ops;

import java.io.File;

import org.conceptscope.model.Classifier;
import org.conceptscope.model.Classifiers;

/** Opening a model for the other ops, as the SciJava Op {@code explain.model.open} (see {@link AttributionOps}). */
public final class ModelOps {

	private ModelOps() {}

	/**
	 * Opens a classifier for the explanation ops. The graph of the model is checked before it runs (a
	 * model is code); its card gives the class names and the normalisation applied to images.
	 * Close the returned classifier when done.
	 *
	 * @param path a TensorFlow SavedModel folder, a bioimage.io package (folder, rdf.yaml or .zip), or a TorchScript or ONNX file
	 * @return the opened classifier
	 * @implNote op names='explain.model.open'
	 */
	public static Classifier open(File path) {
		if (path == null) throw new IllegalArgumentException("No model path given: pass the path of " + Classifiers.ACCEPTED + ".");
		return Classifiers.open(path.toPath());
	}
}
