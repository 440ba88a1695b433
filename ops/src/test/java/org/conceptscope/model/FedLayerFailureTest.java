package org.conceptscope.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.verify.ResidualModel;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * A run that feeds a layer and fails inside TensorFlow names the model, the layer and what was computed in one sentence,
 * with TensorFlow's exception as the cause. The model: a 3x3 convolution ('conv', 1 to 4 channels) and ReLU ('relu') over
 * an input of any size, then a Reshape to [N, 16] ('flat', so only 2x2 images fit) and a dense layer to 2 logits. Its
 * layers' static shapes are [-1, -1, -1, 4], so ConceptScope's own check lets 3x3 activations through, and TensorFlow's
 * Reshape refuses them: a real TensorFlow failure of a feeding run (before, its raw message reached the user).
 */
class FedLayerFailureTest {

	@TempDir
	static Path tmp;

	static Path model;

	@BeforeAll
	static void export() {
		model = tmp.resolve("any-size-then-flat");
		ResidualModel.export(model, 5, -1, 1, (tf, g, x, r) -> {
			Operand<TFloat32> relu = tf.withName("relu").nn.relu(ResidualModel.conv(tf, "conv", x, ResidualModel.random(r, 36, 0.5),
				new long[] { 3, 3, 1, 4 }, 1, "SAME"));
			Operand<TFloat32> flat = tf.withName("flat").reshape(relu, tf.constant(new int[] { -1, 16 }));
			return tf.withName("logits").linalg.matMul(flat, ResidualModel.constant(tf, new long[] { 16, 2 }, ResidualModel.random(r, 32, 1)));
		});
	}

	@Test
	void aFeedingRunThatTensorFlowRefusesGetsOneSentenceNamingTheModelAndTheLayer() {
		try (TensorFlowClassifier m = TensorFlowClassifier.load(model)) {
			assertArrayEquals(new long[] { -1, -1, -1, 4 }, m.layers().stream().filter(l -> l.name().equals("relu")).findFirst().orElseThrow()
				.shape(), "the layer takes activations of any size, as far as the graph says");
			// activations of the size the model takes run
			assertArrayEquals(new long[] { 1, 2 }, m.logitsFromLayer("relu", FloatTensor.zeros(1, 2, 2, 4)).shape());
			FloatTensor misfit = FloatTensor.zeros(1, 3, 3, 4);
			IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.logitsFromLayer("relu", misfit));
			assertNotNull(e.getCause(), "TensorFlow's own exception reached the caller: " + e);
			assertEquals("The model " + model + " could not compute its logits from layer 'relu' fed with activations [1, 3, 3, 4]: TensorFlow"
				+ " failed in the part of the graph above that layer (" + firstLine(e.getCause()) + "); choose another layer.", e.getMessage());
			assertTrue(e.getCause() instanceof org.tensorflow.exceptions.TFInvalidArgumentException, e.getCause().toString());
			assertTrue(e.getCause().getMessage().contains("reshape"), "TensorFlow's own text is the cause: " + e.getCause().getMessage());
			// the same for the other runs that feed a layer
			e = assertThrows(IllegalArgumentException.class, () -> m.layerFromLayer("relu", misfit, "flat"));
			assertTrue(e.getMessage().startsWith("The model " + model + " could not compute layer 'flat' from layer 'relu' fed with"), e.getMessage());
			e = assertThrows(IllegalArgumentException.class, () -> m.gradientFromLayer("relu", misfit, FloatTensor.zeros(1, 2)));
			assertTrue(e.getMessage().startsWith("The model " + model + " could not compute the gradient of its logits from layer 'relu'"),
				e.getMessage());
			assertTrue(e.getMessage().endsWith("; choose another layer."), e.getMessage());
		}
	}

	/**
	 * Only TensorFlow's invalid argument is the layer's fault: the base TensorFlowException (DJL's INTERNAL, UNKNOWN, CANCELLED,
	 * ABORTED: a GPU's "Dst tensor is not initialized", a cuDNN launch failure), other TensorFlow exceptions, other runtime
	 * exceptions and errors pass as they were thrown, not told to choose another layer.
	 */
	@Test
	void onlyAnInvalidArgumentBecomesTheLayerSentence() {
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TensorFlowClassifier.fedRun(() -> {
			throw new org.tensorflow.exceptions.TFInvalidArgumentException("Node 'x' not found in the Graph\n\tmore");
		}, "The model m could not compute its logits from layer 'l'"));
		assertEquals("The model m could not compute its logits from layer 'l': TensorFlow failed in the part of the graph above that layer"
			+ " (Node 'x' not found in the Graph); choose another layer.", e.getMessage());
		for (Throwable t : new Throwable[] { new org.tensorflow.exceptions.TensorFlowException("Dst tensor is not initialized."),
			new org.tensorflow.exceptions.TFResourceExhaustedException("OOM when allocating tensor"),
			new org.tensorflow.exceptions.TFFailedPreconditionException("Could not find variable"), new IllegalStateException("closed"),
			new OutOfMemoryError("Java heap space"), new AssertionError("cuDNN launch failure") }) {
			Throwable thrown = assertThrows(Throwable.class, () -> TensorFlowClassifier.fedRun(() -> {
				if (t instanceof RuntimeException r) throw r;
				throw (Error) t;
			}, "The model m could not compute its logits from layer 'l'"));
			assertTrue(thrown == t, "passed unchanged: " + t + ", got " + thrown);
		}
	}

	private static String firstLine(Throwable t) {
		return t.getMessage().strip().lines().findFirst().orElse("");
	}
}
