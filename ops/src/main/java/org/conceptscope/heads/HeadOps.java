package org.conceptscope.heads;

import org.conceptscope.model.Classifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.train.TrainingOptions;
import org.conceptscope.util.Functions;
import org.conceptscope.util.Progress;
import org.scijava.ops.spi.OpCollection;
import org.scijava.ops.spi.OpMethod;

/** Interpretable heads on a frozen backbone as named SciJava Ops (explain.heads.*): training, contributions, maps. */
public final class HeadOps implements OpCollection {

	private static final String PREFIX = "explain.heads.";

	@OpMethod(names = PREFIX + "infodisent", type = Functions.Arity6.class,
		description = "Trains an InfoDisent head on a spatial layer for labelled images (steps, seed; batch 32, learning rate 0.01).")
	public static InfoDisent infoDisent(Classifier backbone, FloatTensor images, int[] labels, String layer, Integer steps, Long seed) {
		return InfoDisent.train(backbone, layer, images, labels, new TrainingOptions(steps, 32, 0.01, seed), Progress.NONE);
	}

	@OpMethod(names = PREFIX + "biIce", type = Functions.Arity7.class,
		description = "Trains a Bi-ICE head of k concepts (dimension 16) on a spatial layer for labelled images (steps, seed).")
	public static BiIce biIce(Classifier backbone, FloatTensor images, int[] labels, String layer, Integer concepts, Integer steps,
		Long seed) {
		return BiIce.train(BiIce.spatialActivations(backbone, layer, images, "Bi-ICE"), layer, labels, backbone.numClasses(), concepts, 16,
			BiIce.DEFAULT_SPARSITY, new TrainingOptions(steps, 32, 0.01, seed), Progress.NONE);
	}

	@OpMethod(names = PREFIX + "contributions", type = Functions.Arity4.class,
		description = "Each part's or concept's contribution to one class logit of one image (feature maps of the head's layer).")
	public static double[] contributions(InterpretableHead head, FloatTensor features, Integer image, Integer target) {
		return head.contributions(features, image, target);
	}

	@OpMethod(names = PREFIX + "unitMaps", type = Functions.Arity3.class,
		description = "Where a part or concept responds, at the layer's resolution [N, h, w].")
	public static FloatTensor unitMaps(InterpretableHead head, FloatTensor features, Integer unit) {
		return head.unitMaps(features, unit);
	}
}
