package org.conceptscope.model;

import java.nio.file.Path;

import org.conceptscope.model.bioimage.BioImageModel;

/** Opens any model ConceptScope reads: a SavedModel folder, or a bioimage.io package (.zip, folder with rdf.yaml, rdf.yaml). */
public final class Classifiers {

	private Classifiers() {}

	public static Classifier open(Path path) {
		return open(path, LoadOptions.defaults());
	}

	/**
	 * @throws ModelLoadException naming what is wrong and how to fix it
	 * @throws UnsafeModelException when the model's graph holds an operation that is not plain computation
	 */
	public static Classifier open(Path path, LoadOptions options) {
		if (BioImageModel.isPackage(path)) return BioImageModel.open(path, options);
		return TensorFlowClassifier.load(path, options);
	}
}
