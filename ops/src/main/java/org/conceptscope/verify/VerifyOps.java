package org.conceptscope.verify;

import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Functions;
import org.conceptscope.util.Progress;
import org.scijava.ops.spi.OpCollection;
import org.scijava.ops.spi.OpMethod;

/** Verified perturbation analysis and verified margin bounds as named SciJava Ops. */
public final class VerifyOps implements OpCollection {

	@OpMethod(names = "explain.verify.marginBounds", type = Functions.Arity5.class,
		description = "Verified lower and upper bounds of the class margin (target logit minus the largest other logit) over the"
			+ " L-infinity ball of radius epsilon around one image [1, H, W, C]; bounds \"interval\" or \"crown\".")
	public static MarginBounds.Bounds marginBounds(TensorFlowClassifier classifier, FloatTensor image, Integer target, Double epsilon,
		String bounds) {
		return Verification.marginBounds(classifier, image, target, epsilon, BoundMethod.parse(bounds));
	}
}
