package org.conceptscope.concepts;

import org.conceptscope.model.Classifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Functions;
import org.conceptscope.util.Progress;
import org.scijava.ops.spi.OpCollection;
import org.scijava.ops.spi.OpMethod;

/** CRAFT concept extraction, importance and localization as named SciJava Ops (explain.concepts.*). */
public final class ConceptOps implements OpCollection {

	private static final String PREFIX = "explain.concepts.";

	@OpMethod(names = PREFIX + "craft", type = Functions.Arity8.class,
		description = "Extracts concepts of one class at a layer: NMF of crop activations (patch, stride, rank, seed).")
	public static ConceptBank craft(Classifier classifier, FloatTensor images, Integer classIndex, String layer, Integer patch,
		Integer stride, Integer rank, Long seed) {
		return Craft.fit(classifier, images, classIndex, new CraftOptions(layer, patch, stride, rank, seed, 1e-4, 500, 8), Progress.NONE);
	}

	@OpMethod(names = PREFIX + "importance.sobol", type = Functions.Arity5.class,
		description = "Total-order Sobol indices of the concepts for the bank's class (designs, seed).")
	public static double[] sobolImportance(Classifier classifier, ConceptBank bank, FloatTensor images, Integer designs, Long seed) {
		return ConceptImportance.sobol(classifier, bank, images, designs, seed, Progress.NONE);
	}

	@OpMethod(names = PREFIX + "importance.gradientXInput", type = Functions.Arity3.class,
		description = "Holistic concept importance: gradient x coefficient in concept space, one pass of h.")
	public static double[] gradientImportance(Classifier classifier, ConceptBank bank, FloatTensor images) {
		return ConceptImportance.gradientTimesInput(classifier, bank, images, Progress.NONE);
	}

	@OpMethod(names = PREFIX + "localize", type = Functions.Arity3.class,
		description = "Per-image concept maps [N, H, W, k]: NNLS coefficients at each layer position, upsampled.")
	public static FloatTensor localize(Classifier classifier, ConceptBank bank, FloatTensor images) {
		return ConceptLocalization.localize(classifier, bank, images).maps();
	}
}
