package org.conceptscope.verify;

import org.conceptscope.attribution.Attribution;
import org.conceptscope.model.Classifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Functions;
import org.conceptscope.util.Progress;
import org.scijava.ops.spi.OpCollection;
import org.scijava.ops.spi.OpMethod;

/** Verified perturbation analysis as a named SciJava Op. */
public final class VerifyOps implements OpCollection {

	@OpMethod(names = "explain.attribution.eva", type = Functions.Arity5.class,
		description = "EVA: grid cells ranked by how much fixing them reduces the verified worst-case margin drop in an"
			+ " L-infinity ball of radius epsilon (interval bound propagation).")
	public static Attribution eva(Classifier classifier, FloatTensor images, int[] targets, Double epsilon, Integer grid) {
		return new Eva(epsilon, grid).explain(classifier, images, targets, Progress.NONE);
	}
}
