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
 * A two-channel fluorescence classifier built by construction, with a known answer: input
 * [N, 16, 16, 2] (unit_range), an identity 1x1 convolution with ReLU (layer {@code relu}, so
 * concept methods have a layer), then a dense layer: logit "A" is the sum of CHANNEL 2 over square
 * R_A, logit "B" the sum of CHANNEL 1 over square R_B. Gradient x Input for class A is therefore
 * exactly channel 2's normalised value inside R_A and 0 elsewhere; a run that fed channels as slices
 * (or the wrong channel) gives another map.
 */
final class TwoChannelModel {

	static final int SIZE = 16;
	/** {x, y, w, h} of R_A (read from channel 2) and R_B (read from channel 1). */
	static final int[][] REGIONS = { { 2, 2, 5, 5 }, { 9, 9, 5, 5 } };
	/** The input channel (0-based) each class reads. */
	static final int[] CHANNEL = { 1, 0 };

	private TwoChannelModel() {}

	static boolean inRegion(int k, int x, int y) {
		int[] r = REGIONS[k];
		return x >= r[0] && x < r[0] + r[2] && y >= r[1] && y < r[1] + r[3];
	}

	static Path export(Path dir) throws IOException {
		ModelConfig config = new ModelConfig();
		config.name = "Two-channel known answer";
		config.classes = List.of("A", "B");
		config.normalization = "unit_range";
		SavedModelExport.export(Net::new, config, dir);
		return dir;
	}

	private static final class Net extends GraphNetwork {

		Net(Graph g) {
			Ops tf = Ops.create(g);
			input = tf.withName("input").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, SIZE, SIZE, 2)));
			Operand<TFloat32> conv = tf.withName("conv").nn.conv2d(input,
				tf.constant(Shape.of(1, 1, 2, 2), DataBuffers.of(new float[] { 1, 0, 0, 1 })), List.of(1L, 1L, 1L, 1L), "VALID");
			Operand<TFloat32> act = tf.withName("relu").nn.relu(conv);
			float[] w = new float[SIZE * SIZE * 2 * 2];
			for (int y = 0; y < SIZE; y++) {
				for (int x = 0; x < SIZE; x++) {
					for (int k = 0; k < 2; k++) {
						if (inRegion(k, x, y)) w[((y * SIZE + x) * 2 + CHANNEL[k]) * 2 + k] = 1;
					}
				}
			}
			Operand<TFloat32> flat = tf.withName("flatten").reshape(act, tf.constant(new int[] { -1, SIZE * SIZE * 2 }));
			logits = tf.withName("logits").linalg.matMul(flat, tf.constant(Shape.of(SIZE * SIZE * 2, 2), DataBuffers.of(w)));
			probabilities = tf.withName("probabilities").nn.softmax(logits);
		}
	}
}
