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
 * A small real classifier whose activation is Tanh, an operation every TensorFlow model may use
 * (the safety check allows it) but ConceptScope's graph analysis, and so SRD, cannot walk:
 * input [N, 8, 8, 1], conv 3x3 to 2 channels (node "conv"), Tanh (node "act"), global mean,
 * dense to 2 logits.
 */
final class TanhModel {

	private TanhModel() {}

	static Path export(Path dir) throws IOException {
		return export(dir, 8);
	}

	/** The same model taking images of any width when {@code width} is -1 (its global mean pools whatever it is given). */
	static Path export(Path dir, long width) throws IOException {
		return export(dir, 8, width);
	}

	/** The same model of the given height and width (-1: any); both -1 and width when both are -1: its convolution and global mean take any size. */
	static Path export(Path dir, long height, long width) throws IOException {
		ModelConfig config = new ModelConfig();
		config.name = "Tanh model";
		config.classes = List.of("low", "high");
		config.normalization = "unit_range";
		SavedModelExport.export(g -> new Net(g, height, width), config, dir);
		return dir;
	}

	private static final class Net extends GraphNetwork {

		Net(Graph g, long height, long width) {
			Ops tf = Ops.create(g);
			input = tf.withName("input").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, height, width, 1)));
			float[] k = new float[3 * 3 * 2];
			for (int i = 0; i < k.length; i++) k[i] = i % 2 == 0 ? 0.1f : -0.1f;
			Operand<TFloat32> conv = tf.withName("conv").nn.conv2d(input, tf.constant(Shape.of(3, 3, 1, 2), DataBuffers.of(k)),
				List.of(1L, 1L, 1L, 1L), "SAME");
			Operand<TFloat32> act = tf.withName("act").math.tanh(conv);
			Operand<TFloat32> mean = tf.withName("features").math.mean(act, tf.constant(new int[] { 1, 2 }));
			logits = tf.withName("logits").linalg.matMul(mean, tf.constant(Shape.of(2, 2), DataBuffers.of(new float[] { 1, -1, -1, 1 })));
			probabilities = tf.withName("probabilities").nn.softmax(logits);
		}
	}
}
