package org.conceptscope.fiji.run;

import ij.ImagePlus;

import org.conceptscope.attribution.TiledExplainer;
import org.conceptscope.model.Classifier;

/**
 * For commands whose method reads one input of the model's size at a time and cannot be blended
 * from tiles: refuses an image of another size in one sentence that says why and what to do
 * instead (Attribution and Concept Localization explain whole images tile by tile).
 */
public final class ModelSizeInputs {

	private ModelSizeInputs() {}

	/**
	 * @param command the command's menu label, e.g. "Sharing Ratio Decomposition..."
	 * @param why why the method needs one model-size input
	 * @param instead what to use for the whole image
	 * @throws IllegalArgumentException when the image is not the model's input size
	 */
	public static void require(ImagePlus image, Classifier classifier, String command, String why, String instead) {
		if (!TiledExplainer.needsTiles(classifier, image.getHeight(), image.getWidth())) return;
		long h = classifier.signature().height(), w = classifier.signature().width();
		String size = (w > 0 ? w : image.getWidth()) + "x" + (h > 0 ? h : image.getHeight());
		throw new IllegalArgumentException(command + " reads one input of the model's size (" + size + ") at a time (" + why
			+ "), and the image '" + image.getTitle() + "' is " + image.getWidth() + "x" + image.getHeight() + ": " + instead
			+ ", or crop a " + size + " region (rectangle selection, Image > Duplicate...).");
	}
}
