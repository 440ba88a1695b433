package org.conceptscope.fiji.run;

import org.conceptscope.model.Classifier;
import org.conceptscope.model.Classifiers;
import org.conceptscope.model.DenseModel;
import org.conceptscope.model.OperatorClassifier;
import org.conceptscope.model.TargetOperator;

/** The {@code operator} key: which output of an opened model the methods explain (docs/whole-images.md). */
public final class OutputOperators {

	public static final String AUTO = "auto";

	private OutputOperators() {}

	/**
	 * The model as opened ({@code auto}: class logits for a classifier, each channel over the image for a map
	 * output), or seen through the operator a key names. The view leaves closing to the opened model.
	 *
	 * @throws IllegalArgumentException in one sentence when the key is unknown or the model's output does not fit it
	 */
	public static Classifier choose(Classifier opened, String key) {
		return choose(opened, key, false);
	}

	/** As {@link #choose(Classifier, String)}; {@code owning}: closing the view closes the model (for views kept beyond a try block). */
	public static Classifier choose(Classifier opened, String key, boolean owning) {
		if (key == null || key.isBlank() || key.trim().equalsIgnoreCase(AUTO)) return opened;
		TargetOperator op = TargetOperator.parse(key);
		DenseModel dense = Classifiers.dense(opened);
		if (dense == null) {
			if (op instanceof TargetOperator.ClassLogit) return opened;
			throw new IllegalArgumentException("operator=" + key.trim() + " needs a model whose raw output ConceptScope reads (a TensorFlow,"
				+ " TorchScript or ONNX model, or a bioimage.io package); " + opened.name() + " gives class scores only: use operator=auto or operator=class.");
		}
		if (op instanceof TargetOperator.ClassLogit && !(opened instanceof OperatorClassifier)) return opened;
		return owning ? OperatorClassifier.owning(dense, op) : OperatorClassifier.of(dense, op);
	}
}
