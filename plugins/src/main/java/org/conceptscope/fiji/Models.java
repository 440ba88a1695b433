package org.conceptscope.fiji;

import ij.IJ;
import ij.ImagePlus;
import ij.measure.Calibration;

import java.nio.file.Path;
import java.util.Collections;
import java.util.HashSet;
import java.util.Set;

import org.conceptscope.model.Classifier;
import org.conceptscope.model.Classifiers;
import org.conceptscope.model.ModelLoadException;
import org.conceptscope.model.PixelSize;
import org.conceptscope.model.TensorFlowClassifier;

/**
 * How every command and the batch runner open a model and turn an image into its input, so that
 * all of them read the same models the same way: the engine chosen from the model path
 * ({@link Classifiers#open}: SavedModel, bioimage.io package, TorchScript or ONNX), the
 * preprocessing the model declares, and one warning in the Log when the image's calibration
 * differs from the pixel size the model was trained at.
 */
public final class Models {

	private static final Set<String> WARNED = Collections.synchronizedSet(new HashSet<>());

	private Models() {}

	/** Any model ConceptScope reads. */
	public static Classifier open(Path model) {
		if (model == null || model.toString().isBlank()) {
			throw new IllegalArgumentException("No model given: choose a SavedModel folder, a bioimage.io package, or a folder with a .pt or .onnx"
				+ " file and its conceptscope.json.");
		}
		return Classifiers.open(model);
	}

	/**
	 * A TensorFlow SavedModel, for commands that read its graph or its variables; any other model is
	 * refused in one sentence naming commands that work with it.
	 *
	 * @param command what needs TensorFlow, for the sentence (e.g. "Sharing Ratio Decomposition")
	 */
	public static TensorFlowClassifier openTensorFlow(Path model, String command) {
		Classifiers.Kind kind = Classifiers.kind(model);
		if (kind != Classifiers.Kind.TENSORFLOW) {
			throw new ModelLoadException(command + " reads the model's TensorFlow graph, so it runs on TensorFlow SavedModels only; " + model
				+ " is a " + kind.label() + ": explain it with Attribution or Concept Discovery instead.");
		}
		return (TensorFlowClassifier) Classifiers.open(model);
	}

	/** The image as the model's input: the model's declared preprocessing, and the pixel-size check. */
	public static ImagePlusTensors.Converted input(ImagePlus image, Classifier classifier) {
		warnPixelSize(image, classifier);
		return ImagePlusTensors.toTensor(image, classifier.normalization());
	}

	/** The images of a set as the model's input, checked against the pixel size with the first image. */
	public static org.conceptscope.tensor.FloatTensor input(ImageSet images, Classifier classifier) {
		if (!images.images().isEmpty()) warnPixelSize(images.images().get(0), classifier);
		return images.toTensor(classifier.normalization());
	}

	/**
	 * Logs, once per model and calibration, when the image's pixels differ from the size the model
	 * was trained at by more than {@link PixelSize#TOLERANCE}; returns the sentence or null.
	 */
	public static String warnPixelSize(ImagePlus image, Classifier classifier) {
		PixelSize p = classifier.pixelSize();
		if (p == null || image == null) return null;
		Calibration c = image.getCalibration();
		String w = p.compare(c.pixelWidth, c.pixelHeight, c.getUnit(), classifier.name());
		if (w != null && WARNED.add(classifier.name() + "|" + c.pixelWidth + "|" + c.pixelHeight + "|" + c.getUnit())) {
			IJ.log("ConceptScope warning: " + w); // the Log (stdout headless); the run goes on
		}
		return w;
	}
}
