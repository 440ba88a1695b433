package org.conceptscope.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.conceptscope.tensor.FloatTensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad tensors and bad model folders get clear Java exceptions, never a TensorFlow abort:
 * each case here would kill the JVM (rank) or fail cryptically if it reached TensorFlow.
 */
class ValidationTest {

	static TensorFlowClassifier model;

	@BeforeAll
	static void load() {
		model = TensorFlowClassifier.load(BundledModels.dir("ihc-stain"));
	}

	@AfterAll
	static void close() {
		model.close();
	}

	static void assertMessage(Throwable t, String... parts) {
		for (String p : parts) assertTrue(t.getMessage().contains(p), "message '" + t.getMessage() + "' lacks '" + p + "'");
	}

	@Test
	void wrongRankIsRefusedBeforeTensorFlow() {
		var e = assertThrows(IllegalArgumentException.class, () -> model.logits(FloatTensor.zeros(32, 32, 3)));
		assertMessage(e, "rank 3", "[N, H, W, C]");
	}

	@Test
	void wrongChannelsAndSizeAreNamed() {
		assertMessage(assertThrows(IllegalArgumentException.class, () -> model.logits(FloatTensor.zeros(1, 32, 32, 1))),
			"channels 3", "has 1");
		assertMessage(assertThrows(IllegalArgumentException.class, () -> model.logits(FloatTensor.zeros(2, 64, 32, 3))),
			"height 32", "has 64");
		assertMessage(assertThrows(IllegalArgumentException.class, () -> model.logits(FloatTensor.zeros(0, 32, 32, 3))),
			"empty");
	}

	@Test
	void nonFinitePixelsAreRefused() {
		FloatTensor x = FloatTensor.zeros(2, 32, 32, 3);
		x.set(Float.NaN, 1, 3, 4, 0);
		assertMessage(assertThrows(IllegalArgumentException.class, () -> model.logits(x)), "Image 2 of the 2", "NaN");
	}

	@Test
	void unknownLayerListsTheLayers() {
		var e = assertThrows(IllegalArgumentException.class, () -> model.activations(FloatTensor.zeros(1, 32, 32, 3), "conv9"));
		assertMessage(e, "Unknown layer 'conv9'", "conv1/relu");
	}

	@Test
	void badClassWeightsAndActivationsAreRefused() {
		FloatTensor x = FloatTensor.zeros(2, 32, 32, 3);
		assertMessage(assertThrows(IllegalArgumentException.class, () -> model.inputGradient(x, FloatTensor.zeros(2, 4))),
			"[2, 3]");
		assertMessage(assertThrows(IllegalArgumentException.class, () -> model.logitsFromLayer("conv2/relu", FloatTensor.zeros(1, 8, 8, 32))),
			"conv2/relu", "[-1, 16, 16, 32]");
		assertMessage(assertThrows(IllegalArgumentException.class, () -> FloatTensor.oneHot(new int[] { 3 }, 3)), "outside");
	}

	@Test
	void missingFolderFileAndNonModelAreNamed(@TempDir Path tmp) throws Exception {
		assertEquals("The model folder " + tmp.resolve("nope") + " does not exist: give the folder that holds saved_model.pb.",
			assertThrows(ModelLoadException.class, () -> TensorFlowClassifier.load(tmp.resolve("nope"))).getMessage());
		// whatever engine a path is for, a missing one is refused with what may be given instead
		assertEquals("The model folder " + tmp.resolve("nope") + " does not exist: give the path of a TensorFlow SavedModel folder (the one"
			+ " holding saved_model.pb), a bioimage.io package (its .zip, its rdf.yaml or the folder holding it), a TorchScript file (.pt, with"
			+ " its conceptscope.json beside it) or an ONNX file (.onnx).", assertThrows(ModelLoadException.class,
				() -> Classifiers.open(tmp.resolve("nope"))).getMessage());
		assertTrue(assertThrows(ModelLoadException.class, () -> Classifiers.open(tmp.resolve("nope.onnx"))).getMessage()
			.startsWith("The model " + tmp.resolve("nope.onnx") + " does not exist: give the path of a TensorFlow SavedModel folder"));
		assertEquals("The model package " + tmp.resolve("nope.zip") + " does not exist: give a bioimage.io package's .zip, its rdf.yaml or"
			+ " the folder holding it.", assertThrows(ModelLoadException.class,
				() -> org.conceptscope.model.bioimage.BioImageModel.open(tmp.resolve("nope.zip"))).getMessage());
		Path file = Files.writeString(tmp.resolve("model.txt"), "x");
		assertMessage(assertThrows(ModelLoadException.class, () -> TensorFlowClassifier.load(file)), "is a file");
		assertMessage(assertThrows(ModelLoadException.class, () -> TensorFlowClassifier.load(tmp)), "no saved_model.pb");
	}

	@Test
	void corruptGraphAndMissingVariablesAreNamed(@TempDir Path tmp) throws Exception {
		Path corrupt = copyModel(tmp.resolve("corrupt"));
		Path pb = corrupt.resolve("saved_model.pb");
		byte[] bytes = Files.readAllBytes(pb);
		Files.write(pb, java.util.Arrays.copyOf(bytes, bytes.length / 3));
		assertMessage(assertThrows(ModelLoadException.class, () -> TensorFlowClassifier.load(corrupt)), "corrupt or truncated");

		Path noVars = copyModel(tmp.resolve("novars"));
		try (Stream<Path> s = Files.list(noVars.resolve("variables"))) {
			for (Path f : s.toList()) Files.delete(f);
		}
		assertMessage(assertThrows(ModelLoadException.class, () -> TensorFlowClassifier.load(noVars)), "variables");
	}

	@Test
	void configThatContradictsTheModelIsNamed(@TempDir Path tmp) throws Exception {
		Path m = copyModel(tmp.resolve("m"));
		Files.writeString(m.resolve(ModelConfig.FILE_NAME), "{\"classes\": [\"a\", \"b\"]}");
		assertMessage(assertThrows(ModelLoadException.class, () -> TensorFlowClassifier.load(m)), "names 2 classes", "3 logits");
		Files.writeString(m.resolve(ModelConfig.FILE_NAME), "{\"normalization\": \"sqrt\"}");
		assertMessage(assertThrows(ModelLoadException.class, () -> TensorFlowClassifier.load(m)), "Unknown normalisation 'sqrt'");
		Files.writeString(m.resolve(ModelConfig.FILE_NAME), "{not json");
		assertMessage(assertThrows(ModelLoadException.class, () -> TensorFlowClassifier.load(m)), "not a valid ConceptScope model config");
	}

	@Test
	void closeWaitsForRunningCallsAndLaterCallsFailCleanly() throws Exception {
		TensorFlowClassifier own = TensorFlowClassifier.load(BundledModels.dir("ihc-stain"));
		FloatTensor x = FloatTensor.zeros(16, 32, 32, 3);
		AtomicInteger done = new AtomicInteger();
		Thread worker = new Thread(() -> {
			try {
				for (int i = 0; i < 200; i++) {
					own.logits(x);
					done.incrementAndGet();
				}
			} catch (IllegalStateException expected) {
				// the model was closed between two calls
			}
		});
		worker.start();
		while (done.get() < 3) Thread.sleep(1);
		own.close();
		worker.join();
		assertMessage(assertThrows(IllegalStateException.class, () -> own.logits(x)), "closed");
		own.close(); // twice is harmless
		assertTrue(done.get() >= 3);
		assertEquals(3, model.numClasses(), "the shared model is untouched");
	}

	static Path copyModel(Path target) throws Exception {
		Path src = BundledModels.dir("ihc-stain");
		try (Stream<Path> s = Files.walk(src)) {
			for (Path p : s.toList()) {
				Path t = target.resolve(src.relativize(p).toString());
				if (Files.isDirectory(p)) Files.createDirectories(t);
				else Files.copy(p, t);
			}
		}
		return target;
	}
}
