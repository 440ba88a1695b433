package org.conceptscope.train;

/** Adam on softmax cross-entropy; the seed fixes initial weights and batch order. */
public record TrainingOptions(int steps, int batchSize, double learningRate, long seed) {

	public TrainingOptions {
		if (steps < 1 || batchSize < 1 || !(learningRate > 0)) {
			throw new IllegalArgumentException("Training needs steps >= 1, batch size >= 1 and a positive learning rate.");
		}
	}
}
