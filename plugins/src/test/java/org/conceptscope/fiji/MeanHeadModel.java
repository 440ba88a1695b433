package org.conceptscope.fiji;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import org.conceptscope.model.ModelConfig;
import org.conceptscope.train.GraphNetwork;
import org.conceptscope.train.SavedModelExport;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * A small fully convolutional classifier whose logits are a global mean, with a known SRD answer: input [N, 8, 8, 1]
 * (unit_range), a 1x1 convolution with weights (1, -1) and biases (-0.5, 0.5), ReLU, mean over the image. Logit
 * "bright" is the mean of relu(x - 0.5), "dark" the mean of relu(0.5 - x); each pixel is the only input of its feature
 * vector, so SRD gives it its own term: relu(x - 0.5) / 64 for "bright", relu(0.5 - x) / 64 for "dark".
 */
final class MeanHeadModel {

	private MeanHeadModel() {}

	static Path export(Path dir) throws IOException {
		ModelConfig config = new ModelConfig();
		config.name = "Mean head";
		config.classes = List.of("bright", "dark");
		config.normalization = "unit_range";
		SavedModelExport.export(Net::new, config, dir);
		return dir;
	}

	private static final class Net extends GraphNetwork {

		Net(Graph g) {
			Ops tf = Ops.create(g);
			input = tf.withName("input").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 8, 8, 1)));
			Operand<TFloat32> conv = tf.withName("conv").nn.conv2d(input, tf.constant(Shape.of(1, 1, 1, 2), DataBuffers.of(new float[] { 1, -1 })),
				List.of(1L, 1L, 1L, 1L), "VALID");
			Operand<TFloat32> act = tf.withName("act").nn.relu(tf.withName("biased").math.add(conv, tf.constant(new float[] { -0.5f, 0.5f })));
			logits = tf.withName("logits").math.mean(act, tf.constant(new int[] { 1, 2 }));
			probabilities = tf.withName("probabilities").nn.softmax(logits);
		}
	}
}
