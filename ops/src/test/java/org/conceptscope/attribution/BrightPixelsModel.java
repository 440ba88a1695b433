package org.conceptscope.attribution;

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
 * A real SavedModel of fixed input size whose evidence is known by construction: input
 * [N, size, size, 1] (unit_range), a 1x1 convolution with weights (1, -1) and biases (-0.5, 0.5),
 * ReLU, mean over the image. Logit "bright" is the mean of relu(x - 0.5), logit "dark" the mean
 * of relu(0.5 - x). The input gradient of "bright" is 1/size^2 on pixels above 0.5 and 0 elsewhere,
 * wherever the pixel sits in the tile: a tiled Saliency map of any image is that indicator.
 */
final class BrightPixelsModel {

	private BrightPixelsModel() {}

	static Path export(Path dir, int size) throws IOException {
		ModelConfig config = new ModelConfig();
		config.name = "Bright pixels";
		config.classes = List.of("bright", "dark");
		config.normalization = "unit_range";
		SavedModelExport.export(g -> new Net(g, size), config, dir);
		return dir;
	}

	private static final class Net extends GraphNetwork {

		Net(Graph g, int size) {
			Ops tf = Ops.create(g);
			input = tf.withName("input").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, size, size, 1)));
			Operand<TFloat32> conv = tf.withName("conv").nn.conv2d(input, tf.constant(Shape.of(1, 1, 1, 2), DataBuffers.of(new float[] { 1, -1 })),
				List.of(1L, 1L, 1L, 1L), "VALID");
			Operand<TFloat32> biased = tf.withName("biased").math.add(conv, tf.constant(new float[] { -0.5f, 0.5f }));
			Operand<TFloat32> act = tf.withName("act").nn.relu(biased);
			logits = tf.withName("logits").math.mean(act, tf.constant(new int[] { 1, 2 }));
			probabilities = tf.withName("probabilities").nn.softmax(logits);
		}
	}
}
