package org.conceptscope.attribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Random;

import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;
import org.conceptscope.verify.ResidualModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Operand;
import org.tensorflow.op.math.Mean;
import org.tensorflow.types.TFloat32;

/**
 * Grad-CAM's default layer on a model whose classifier is a 1 x 1 convolution on globally pooled
 * features kept 4-D (TF-slim ResNets, Keras MobileNet and MobileNetV3): conv, ReLU [N, 8, 8, 4],
 * mean with keep_dims [N, 1, 1, 4], 1 x 1 convolution [N, 1, 1, 2], reshape to the logits. The
 * last 4-D layer is then a single position, whose Grad-CAM is one value over the whole image; the
 * default must be the last feature map, where the known answer is
 * cam = ReLU(sum_c W[c, k] / 64 * A_c) (the gradient of the logit at every position is W[c, k] / 64).
 */
class GradCamLayerTest {

	@TempDir
	Path tmp;

	@Test
	void defaultLayerSkipsSinglePositionMapsAndGivesTheKnownCam() {
		float[] head = ResidualModel.random(new Random(7), 8, 1);
		Path dir = tmp.resolve("pooled-head");
		ResidualModel.export(dir, 5, 8, 3, (tf, g, x, r) -> {
			Operand<TFloat32> c = tf.withName("bias").nn.biasAdd(ResidualModel.conv(tf, "conv", x, ResidualModel.random(r, 108, 0.5),
				new long[] { 3, 3, 3, 4 }, 1, "SAME"), ResidualModel.constant(tf, new long[] { 4 }, new float[] { 0.1f, -0.1f, 0.2f, 0 }));
			Operand<TFloat32> relu = tf.withName("relu").nn.relu(c);
			Operand<TFloat32> gap = tf.withName("gap").math.mean(relu, tf.constant(new int[] { 1, 2 }), Mean.keepDims(true));
			Operand<TFloat32> cls = ResidualModel.conv(tf, "head", gap, head, new long[] { 1, 1, 4, 2 }, 1, "VALID");
			return tf.withName("logits").reshape(cls, tf.constant(new int[] { -1, 2 }));
		});
		try (TensorFlowClassifier m = TensorFlowClassifier.load(dir)) {
			assertTrue(m.layers().stream().anyMatch(l -> l.name().equals("head") && l.isSpatial()), "the 1 x 1 head is a 4-D layer: " + m.layers());
			assertEquals("relu", GradCam.defaultLayer(m));
			Random r = new Random(3);
			FloatTensor x = FloatTensor.zeros(2, 8, 8, 3);
			for (int i = 0; i < x.size(); i++) x.data()[i] = r.nextFloat() * 2 - 0.5f;
			int[] targets = { 0, 1 };
			Attribution cam = new GradCam(null, false).explain(m, x, targets, Progress.NONE);
			assertEquals("relu", cam.metadata().get("layer"));
			FloatTensor a = m.activations(x, "relu");
			double spread = 0;
			for (int i = 0; i < 2; i++) {
				float min = Float.MAX_VALUE, max = -Float.MAX_VALUE;
				for (int p = 0; p < 64; p++) {
					double s = 0;
					for (int ch = 0; ch < 4; ch++) s += head[ch * 2 + targets[i]] / 64.0 * a.data()[(i * 64 + p) * 4 + ch];
					float want = (float) Math.max(0, s), got = cam.maps().data()[i * 64 + p];
					assertEquals(want, got, 1e-5 * (1 + Math.abs(want)), "image " + i + " position " + p);
					min = Math.min(min, got);
					max = Math.max(max, got);
				}
				spread = Math.max(spread, max - min);
			}
			assertTrue(spread > 1e-3, "the maps must vary over the image for the test to mean anything");
			IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new GradCam("head", true).explain(m, x, targets, Progress.NONE));
			assertTrue(e.getMessage().contains("'head'") && e.getMessage().contains("single position"), e.getMessage());
		}
	}

	/**
	 * The same network with an input of any size: the pooled layers are [N, -1, -1, c] in the
	 * layer list (the pooling axes are computed in the graph, so TensorFlow cannot fold them), yet
	 * 1 x 1 when run. The default then falls back, for these images, to the last layer with more
	 * than one position, with the same known answer; a 1 x 1 layer given by name is refused.
	 */
	@Test
	void aLayerThatIsOneByOneOnlyWhenRunIsNotTheDefault() throws Exception {
		float[] head = ResidualModel.random(new Random(8), 8, 1);
		float[] kernel = ResidualModel.random(new Random(9), 108, 0.5);
		Path dir = tmp.resolve("any-size");
		org.conceptscope.model.TensorFlowEngine.start();
		try (org.tensorflow.Graph g = new org.tensorflow.Graph()) {
			org.tensorflow.op.Ops tf = org.tensorflow.op.Ops.create(g);
			var x = tf.withName("input").placeholder(TFloat32.class,
				org.tensorflow.op.core.Placeholder.shape(org.tensorflow.ndarray.Shape.of(-1, -1, -1, 3)));
			Operand<TFloat32> relu = tf.withName("relu").nn.relu(ResidualModel.conv(tf, "conv", x, kernel, new long[] { 3, 3, 3, 4 }, 1, "SAME"));
			// axes {1, 2}, from the input's (unknown) shape so that they are not constant
			Operand<org.tensorflow.types.TInt32> axes = tf.math.add(tf.math.mul(tf.slice(tf.shape(x), tf.constant(new int[] { 0 }),
				tf.constant(new int[] { 2 })), tf.constant(new int[] { 0, 0 })), tf.constant(new int[] { 1, 2 }));
			Operand<TFloat32> gap = tf.withName("gap").math.mean(relu, axes, Mean.keepDims(true));
			Operand<TFloat32> cls = ResidualModel.conv(tf, "head", gap, head, new long[] { 1, 1, 4, 2 }, 1, "VALID");
			Operand<TFloat32> logits = tf.withName("logits").reshape(cls, tf.constant(new int[] { -1, 2 }));
			try (org.tensorflow.Session session = new org.tensorflow.Session(g)) {
				org.tensorflow.Signature sig = org.tensorflow.Signature.builder().key("serving_default").input("input", x).output("logits", logits).build();
				org.tensorflow.SavedModelBundle.exporter(dir.toString()).withSession(session)
					.withFunction(org.tensorflow.SessionFunction.create(sig, session)).export();
			}
		}
		try (TensorFlowClassifier m = TensorFlowClassifier.load(dir)) {
			var layers = m.layers().stream().filter(l -> l.name().equals("head") || l.name().equals("gap")).toList();
			assertEquals(2, layers.size(), m.layers().toString());
			for (var l : layers) assertTrue(l.isSpatial() && !GradCam.onePosition(l), "statically of unknown size: " + l);
			Random r = new Random(4);
			FloatTensor x = FloatTensor.zeros(2, 8, 8, 3);
			for (int i = 0; i < x.size(); i++) x.data()[i] = r.nextFloat() * 2 - 0.5f;
			int[] targets = { 1, 0 };
			Attribution cam = new GradCam(null, false).explain(m, x, targets, Progress.NONE);
			assertEquals("relu", cam.metadata().get("layer"));
			FloatTensor a = m.activations(x, "relu");
			for (int i = 0; i < 2; i++) {
				for (int p = 0; p < 64; p++) {
					double s = 0;
					for (int ch = 0; ch < 4; ch++) s += head[ch * 2 + targets[i]] / 64.0 * a.data()[(i * 64 + p) * 4 + ch];
					float want = (float) Math.max(0, s);
					assertEquals(want, cam.maps().data()[i * 64 + p], 1e-5 * (1 + Math.abs(want)), "image " + i + " position " + p);
				}
			}
			double max = 0, min = Double.MAX_VALUE;
			for (float v : cam.maps().data()) {
				max = Math.max(max, v);
				min = Math.min(min, v);
			}
			assertTrue(max - min > 1e-3, "the maps must vary over the image for the test to mean anything");
			IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new GradCam("gap", false).explain(m, x, targets, Progress.NONE));
			assertTrue(e.getMessage().contains("'gap'") && e.getMessage().contains("1 x 1"), e.getMessage());
		}
	}
}
