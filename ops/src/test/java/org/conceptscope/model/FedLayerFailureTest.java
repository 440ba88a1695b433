package org.conceptscope.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_INTERNAL;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_NOT_FOUND;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_OK;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_RESOURCE_EXHAUSTED;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_SetStatus;

import java.nio.file.Path;

import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.verify.ResidualModel;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Operand;
import org.tensorflow.internal.c_api.TF_Status;
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

	/**
	 * TensorFlow's NOT_FOUND (a fed or fetched tensor the run's graph does not hold, as when the graph optimiser fuses the fed
	 * op away) reaches Java through DJL's status check as its base TensorFlowException, the code lost, like INTERNAL: the
	 * session runs read the code themselves (GraphSession.check, on a real TensorFlow status here), so a fed run gives
	 * NOT_FOUND the layer's sentence too, while INTERNAL and RESOURCE_EXHAUSTED pass as DJL throws them.
	 */
	@Test
	void notFoundInAFedRunAlsoBecomesTheLayerSentence() {
		TensorFlowEngine.start();
		try (TF_Status status = TF_Status.newStatus()) {
			String missing = "Tensor relu:0, specified in either feed_devices or fetch_devices was not found in the Graph";
			TF_SetStatus(status, TF_NOT_FOUND, missing);
			IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TensorFlowClassifier.fedRun(() -> {
				GraphSession.check(status);
				return null;
			}, "The model m could not compute its logits from layer 'relu'"));
			assertEquals("The model m could not compute its logits from layer 'relu': TensorFlow failed in the part of the graph above that"
				+ " layer (" + missing + "); choose another layer.", e.getMessage());
			assertTrue(e.getCause() instanceof org.tensorflow.exceptions.TensorFlowException, "TensorFlow's exception is the cause: " + e.getCause());
			// DJL's own check of the same status: the base class, which fedRun cannot tell from INTERNAL (what passed unwrapped before)
			org.tensorflow.exceptions.TensorFlowException djl = assertThrows(org.tensorflow.exceptions.TensorFlowException.class,
				status::throwExceptionIfNotOK);
			assertEquals(org.tensorflow.exceptions.TensorFlowException.class, djl.getClass());
			TF_SetStatus(status, TF_INTERNAL, "Dst tensor is not initialized.");
			Throwable internal = assertThrows(Throwable.class, () -> TensorFlowClassifier.fedRun(() -> {
				GraphSession.check(status);
				return null;
			}, "The model m could not compute its logits from layer 'relu'"));
			assertEquals(org.tensorflow.exceptions.TensorFlowException.class, internal.getClass(), "INTERNAL passes as DJL throws it");
			assertEquals("Dst tensor is not initialized.", internal.getMessage());
			TF_SetStatus(status, TF_RESOURCE_EXHAUSTED, "OOM when allocating tensor");
			Throwable oom = assertThrows(Throwable.class, () -> TensorFlowClassifier.fedRun(() -> {
				GraphSession.check(status);
				return null;
			}, "The model m could not compute its logits from layer 'relu'"));
			assertEquals(org.tensorflow.exceptions.TFResourceExhaustedException.class, oom.getClass(), "out of memory passes");
			TF_SetStatus(status, TF_OK, "");
			GraphSession.check(status);
		}
	}

	private static String firstLine(Throwable t) {
		return t.getMessage().strip().lines().findFirst().orElse("");
	}
}
