package org.conceptscope.heads;

import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.train.TrainingOptions;
import org.conceptscope.util.Progress;

/**
 * Trains one kind of interpretable head on a frozen backbone's spatial features; the registry
 * builds one from its key (infodisent, bi_ice) and parameters.
 */
@FunctionalInterface
public interface HeadTrainer {

	/**
	 * @param features the backbone's activations [N, h, w, c] at {@code layer}
	 * @param labels one class index per image
	 * @param classes the number of classes
	 * @throws java.util.concurrent.CancellationException when progress asks to stop
	 */
	InterpretableHead train(FloatTensor features, String layer, int[] labels, int classes, TrainingOptions options, Progress progress);
}
