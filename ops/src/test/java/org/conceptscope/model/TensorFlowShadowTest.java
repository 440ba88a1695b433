package org.conceptscope.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Fiji with the CSBDeep or TensorFlow update site (StarDist, CARE) has TensorFlow 1.x's Java API,
 * {@code libtensorflow-1.15.0.jar}, in {@code jars/} beside DJL's {@code tensorflow-api}: both define
 * {@code org.tensorflow.Graph}, {@code Session}, {@code SavedModelBundle}, {@code TensorFlow}, and
 * on Fiji's one class path the first jar wins. And Fiji's own protobuf-java (4.28.2 since January
 * 2025) cannot run DJL's generated TensorFlow messages. The real jars (from Maven Central, copied to
 * target/shadowing-jars by the build) go first on a child JVM's class path, as they can in Fiji:
 * loading a SavedModel is refused in one sentence naming the jar and what to do.
 */
class TensorFlowShadowTest {

	@TempDir
	Path dir;

	static Path tensorFlow1Jar() {
		return copied("libtensorflow-1.15.0.jar");
	}

	static Path oldProtobufJar() {
		return copied("protobuf-java-4.28.2.jar");
	}

	private static Path copied(String name) {
		Path jar = Path.of("target", "shadowing-jars", name);
		assertTrue(Files.isRegularFile(jar), jar + " is copied by the build (generate-test-resources)");
		return jar.toAbsolutePath();
	}

	static Path jarOf(String className) throws Exception {
		return Path.of(Class.forName(className).getProtectionDomain().getCodeSource().getLocation().toURI());
	}

	static Path djlTensorFlowJar() throws Exception {
		return jarOf(TensorFlowClasses.OWN);
	}

	@Test
	void theJarThatComesFirstIsTheOneNamed() throws Exception {
		Path old = tensorFlow1Jar(), djl = djlTensorFlowJar();
		ClassLoader platform = ClassLoader.getPlatformClassLoader();
		try (URLClassLoader oldFirst = new URLClassLoader(new URL[] { old.toUri().toURL(), djl.toUri().toURL() }, platform)) {
			String why = TensorFlowClasses.conflict(oldFirst);
			assertTrue(why != null && why.contains("org.tensorflow.TensorFlow is loaded from " + old), why);
			assertTrue(why.contains("instead of ConceptScope's " + djl), why);
		}
		try (URLClassLoader djlFirst = new URLClassLoader(new URL[] { djl.toUri().toURL(), old.toUri().toURL() }, platform)) {
			assertNull(TensorFlowClasses.conflict(djlFirst), "DJL's jar first: the classes are DJL's");
		}
		try (URLClassLoader onlyOld = new URLClassLoader(new URL[] { old.toUri().toURL() }, platform)) {
			String why = TensorFlowClasses.conflict(onlyOld);
			assertTrue(why != null && why.contains("DJL's TensorFlow classes (the tensorflow-api jar"), why);
		}
		assertNull(TensorFlowClasses.conflict(TensorFlowShadowTest.class.getClassLoader()), "the build's own class path is DJL's");
	}

	@Test
	void anOldProtobufIsNamedToo() throws Exception {
		Path old = oldProtobufJar(), djl = djlTensorFlowJar(), current = jarOf("com.google.protobuf.GeneratedMessageV3");
		ClassLoader platform = ClassLoader.getPlatformClassLoader();
		try (URLClassLoader oldFirst = new URLClassLoader(new URL[] { djl.toUri().toURL(), old.toUri().toURL() }, platform)) {
			String why = TensorFlowClasses.protobufProblem(oldFirst);
			assertTrue(why != null && why.startsWith("ConceptScope's TensorFlow engine cannot start: the protobuf-java in " + old
				+ " is too old for DJL's TensorFlow classes (java.lang.NoSuchMethodError: "), why);
			assertTrue(why.contains("ConceptScope needs protobuf-java 4.29.3 or later"), why);
		}
		Path csbDeeps = copied("protobuf-java-3.3.1.jar");
		try (URLClassLoader threeX = new URLClassLoader(new URL[] { djl.toUri().toURL(), csbDeeps.toUri().toURL() }, platform)) {
			String why = TensorFlowClasses.protobufProblem(threeX);
			assertTrue(why != null && why.startsWith("ConceptScope's TensorFlow engine cannot start: the protobuf-java in " + csbDeeps), why);
		}
		try (URLClassLoader build = new URLClassLoader(new URL[] { djl.toUri().toURL(), current.toUri().toURL() }, platform)) {
			assertNull(TensorFlowClasses.protobufProblem(build), "the build's protobuf-java (" + current.getFileName() + ") runs them");
		}
		String text = child(old, 3);
		assertTrue(text.startsWith("IllegalStateException: ConceptScope's TensorFlow engine cannot start: the protobuf-java in " + old), text);
	}

	@Test
	void aSavedModelIsRefusedInOneSentenceWhenTensorFlow1ComesFirst() throws Exception {
		String text = child(tensorFlow1Jar(), 3);
		assertTrue(text.startsWith("IllegalStateException: ConceptScope's TensorFlow engine cannot start: org.tensorflow.TensorFlow is loaded from "
			+ tensorFlow1Jar() + " (TensorFlow 1.x's Java API, installed by the CSBDeep and TensorFlow update sites"), text);
		assertTrue(text.contains("keep StarDist/CSBDeep in a separate Fiji installation, or disable the CSBDeep and TensorFlow update sites"), text);
		assertFalse(text.contains("\tat "), "one sentence, no stack trace:\n" + text);
		assertTrue(text.endsWith("\nihc-resnet-onnx runs: [1, 3]\nihc-resnet-torchscript runs: [1, 3]\n"),
			"ONNX and TorchScript models run beside TensorFlow 1.x's classes, as the sentence says:\n" + text);
	}

	/** What a child JVM with that jar first on its class path prints loading the IHC SavedModel, then the ONNX and TorchScript models. */
	private String child(Path first, int exit) throws Exception {
		List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
			"-Djava.awt.headless=true"));
		for (String key : List.of("conceptscope.cache.dir", "TENSORFLOW_LIBRARY_PATH")) {
			if (System.getProperty(key) != null) cmd.add("-D" + key + "=" + System.getProperty(key));
		}
		cmd.addAll(List.of("-cp", first + File.pathSeparator + System.getProperty("java.class.path"), Child.class.getName(),
			BundledModels.dir("ihc-stain").toString(), BundledModels.dir("ihc-resnet-onnx").toString(), BundledModels.dir("ihc-resnet-torchscript").toString()));
		Path out = dir.resolve("out.txt"), err = dir.resolve("err.txt");
		Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
		assertTrue(p.waitFor(2, TimeUnit.MINUTES), "the child ends");
		String text = Files.readString(out, StandardCharsets.UTF_8);
		assertEquals(exit, p.exitValue(), "a Java exception, not a crash or a prediction:\n" + text + Files.readString(err, StandardCharsets.UTF_8));
		return text;
	}

	/**
	 * Loads the SavedModel (the first argument), printing the failure's class and message; then
	 * runs each other model on a zero image; exits 3 when the SavedModel failed.
	 */
	public static final class Child {
		public static void main(String[] args) throws Exception {
			int exit = 0;
			try (TensorFlowClassifier m = TensorFlowClassifier.load(Path.of(args[0]))) {
				System.out.println("loaded " + m);
			} catch (Throwable t) {
				System.out.println(t.getClass().getSimpleName() + ": " + t.getMessage());
				exit = 3;
			}
			for (int i = 1; i < args.length; i++) {
				try (Classifier c = Classifiers.open(Path.of(args[i]))) {
					long[] shape = c.logits(org.conceptscope.tensor.FloatTensor.zeros(1, c.signature().height(), c.signature().width(), 3)).shape();
					System.out.println(Path.of(args[i]).getFileName() + " runs: " + java.util.Arrays.toString(shape));
				}
			}
			System.exit(exit);
		}
	}
}
