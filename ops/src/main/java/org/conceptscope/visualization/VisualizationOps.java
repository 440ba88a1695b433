package org.conceptscope.visualization;

import org.conceptscope.model.Classifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Functions;
import org.conceptscope.util.Progress;
import org.scijava.ops.spi.OpCollection;
import org.scijava.ops.spi.OpMethod;

/** Feature visualisation as named SciJava Ops (explain.visualization.*). */
public final class VisualizationOps implements OpCollection {

	@OpMethod(names = "explain.visualization.maco", type = Functions.Arity5.class,
		description = "MACO image of a class under the mean magnitude spectrum of normalised reference images (steps, seed;"
			+ " learning rate 0.05, crops down to 0.8).")
	public static Maco.Result maco(Classifier classifier, FloatTensor references, Integer target, Integer steps, Long seed) {
		return new Maco(steps, 0.05, 0.8, seed).visualize(classifier, Maco.magnitude(references), target, Progress.NONE);
	}
}
