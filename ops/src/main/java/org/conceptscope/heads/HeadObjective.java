package org.conceptscope.heads;

import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.visualization.Maco;

/**
 * What MACO raises through a frozen backbone and a saved interpretable head: one unit's activation
 * (an InfoDisent part's evidence, a Bi-ICE concept's activation) or one of the head's class logits,
 * as a function of the backbone's input. The gradient runs through both graphs: the head's
 * gradient with respect to its input (the feature map) is the upstream weight of the backbone's
 * layer-to-input gradient.
 */
public final class HeadObjective implements Maco.Objective {

	private final TensorFlowClassifier backbone, head;
	private final String layer, headLayer;
	private final int index, width;

	private HeadObjective(TensorFlowClassifier backbone, TensorFlowClassifier head, String layer, String headLayer, int index, int width) {
		this.backbone = backbone;
		this.head = head;
		this.layer = layer;
		this.headLayer = headLayer;
		this.index = index;
		this.width = width;
	}

	/** Unit {@code unit} (0-based) of {@code info}, saved as {@code saved}, on {@code backbone}'s layer. */
	public static HeadObjective unit(TensorFlowClassifier backbone, TensorFlowClassifier saved, InterpretableHead info, int unit) {
		if (unit < 0 || unit >= info.units()) {
			throw new IllegalArgumentException("The head has " + info.units() + " " + info.unitName() + "s (1.." + info.units() + "), not "
				+ (unit + 1) + ".");
		}
		return new HeadObjective(backbone, saved, info.layer(), info.unitLayer(), unit, info.units());
	}

	/** The head's logit of class {@code target}. */
	public static HeadObjective headClass(TensorFlowClassifier backbone, TensorFlowClassifier saved, InterpretableHead info, int target) {
		if (target < 0 || target >= info.numClasses()) throw new IllegalArgumentException("Class " + target + " does not exist.");
		return new HeadObjective(backbone, saved, info.layer(), null, target, info.numClasses());
	}

	@Override
	public long[] inputShape() {
		return backbone.signature().input().shape();
	}

	@Override
	public double score(FloatTensor image) {
		FloatTensor f = backbone.activations(image, layer);
		return (headLayer == null ? head.logits(f) : head.activations(f, headLayer)).get(0, index);
	}

	@Override
	public FloatTensor gradient(FloatTensor image) {
		FloatTensor f = backbone.activations(image, layer);
		FloatTensor pick = FloatTensor.oneHot(new int[] { index }, width);
		FloatTensor df = headLayer == null ? head.inputGradient(f, pick) : head.layerInputGradient(f, headLayer, pick);
		return backbone.layerInputGradient(image, layer, df);
	}
}
