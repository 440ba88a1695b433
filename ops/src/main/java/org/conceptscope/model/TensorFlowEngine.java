package org.conceptscope.model;

import ai.djl.engine.Engine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * Starts DJL's TensorFlow engine fully offline.
 * <p>
 * DJL 0.36 runs TensorFlow 2.16.1 and, left alone, downloads its natives. We never let it:
 * the natives come from the {@code org.tensorflow:tensorflow-core-native:1.0.0-rc.1:linux-x86_64}
 * jar on the classpath (in Fiji: {@code jars/}), are unpacked once into ConceptScope's own
 * cache folder, and DJL is pointed at them through {@code TENSORFLOW_LIBRARY_PATH}.
 * A user who already has the libraries sets {@code TENSORFLOW_LIBRARY_PATH} herself.
 */
public final class TensorFlowEngine {

	public static final String TENSORFLOW_VERSION = "2.16.1";
	static final String NATIVE_RESOURCE_DIR = "org/tensorflow/internal/c_api/linux-x86_64/";
	static final String[] NATIVE_FILES = { "libtensorflow_framework.so.2", "libtensorflow_cc.so.2", "libjnitensorflow.so" };
	private static final String LIBRARY_PATH_KEY = "TENSORFLOW_LIBRARY_PATH";

	/** Where {@link #cacheDir()} is set: a system property, else an environment variable. */
	static final String CACHE_DIR_PROPERTY = "conceptscope.cache.dir", CACHE_DIR_VARIABLE = "CONCEPTSCOPE_CACHE_DIR";

	private static Engine engine;

	private TensorFlowEngine() {}

	/**
	 * ConceptScope's cache: system property {@code conceptscope.cache.dir}, else environment
	 * variable {@code CONCEPTSCOPE_CACHE_DIR}, else {@code ~/.conceptscope}.
	 */
	public static Path cacheDir() {
		String dir = System.getProperty(CACHE_DIR_PROPERTY);
		if (dir == null || dir.isBlank()) dir = System.getenv(CACHE_DIR_VARIABLE);
		if (dir == null || dir.isBlank()) return Paths.get(System.getProperty("user.home"), ".conceptscope");
		return Paths.get(dir);
	}

	/** Starts the engine once per JVM; later calls return the same engine. */
	public static synchronized Engine start() {
		if (engine != null) return engine;
		String os = System.getProperty("os.name", "").toLowerCase();
		String arch = System.getProperty("os.arch", "");
		if (!os.contains("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
			throw new IllegalStateException("ConceptScope runs TensorFlow models on Linux x86-64 only for now; this is "
				+ os + "/" + arch + ": run it on a Linux x86-64 machine (a workstation, a cluster node or a container).");
		}
		// TensorFlow 1.x's jar (CSBDeep and TensorFlow update sites) defines the same class names, and an old
		// protobuf-java cannot run DJL's messages: refuse before DJL trips on either
		TensorFlowClasses.check();
		Path cache = cacheDir();
		// Downloads are never attempted: a missing library must fail here, with a message.
		System.setProperty("ai.djl.offline", "true");
		setIfAbsent("DJL_CACHE_DIR", cache.resolve("djl").toString());
		setIfAbsent("ENGINE_CACHE_DIR", cache.resolve("djl").toString());
		setIfAbsent("org.bytedeco.javacpp.cachedir", cache.resolve("javacpp").toString());
		String libraryPath = firstNonBlank(System.getProperty(LIBRARY_PATH_KEY), System.getenv(LIBRARY_PATH_KEY));
		if (libraryPath == null) {
			Path dir = cache.resolve("tensorflow").resolve(TENSORFLOW_VERSION + "-cpu-linux-x86_64");
			unpackNatives(dir);
			System.setProperty(LIBRARY_PATH_KEY, dir.toString());
		} else if (!Files.isRegularFile(Paths.get(libraryPath, "libjnitensorflow.so"))) {
			throw new IllegalStateException(LIBRARY_PATH_KEY + " is " + libraryPath
				+ " but that folder holds no libjnitensorflow.so. Unset it to use the bundled natives.");
		}
		NativeLog.quietTensorFlow(); // before the natives load: TensorFlow reads its log level once
		try {
			Engine e = EngineEnvironment.start("TensorFlow");
			if (!TENSORFLOW_VERSION.equals(e.getVersion())) {
				throw new IllegalStateException("DJL started TensorFlow " + e.getVersion() + " but ConceptScope needs "
					+ TENSORFLOW_VERSION + ".");
			}
			engine = e;
			return e;
		} catch (RuntimeException | UnsatisfiedLinkError e) {
			throw new IllegalStateException("TensorFlow " + TENSORFLOW_VERSION + " could not start from "
				+ System.getProperty(LIBRARY_PATH_KEY) + ": " + e.getMessage(), e);
		}
	}

	private static void setIfAbsent(String key, String value) {
		if (System.getProperty(key) == null && System.getenv(key) == null) System.setProperty(key, value);
	}

	private static String firstNonBlank(String a, String b) {
		if (a != null && !a.isBlank()) return a;
		if (b != null && !b.isBlank()) return b;
		return null;
	}

	/** Copies the natives out of the jar unless an identical copy is there; safe across JVMs. */
	private static void unpackNatives(Path dir) {
		EngineEnvironment.unpack(NATIVE_RESOURCE_DIR, NATIVE_FILES, dir, "TensorFlow native libraries are not on the classpath. "
			+ "Add org.tensorflow:tensorflow-core-native:1.0.0-rc.1 (classifier linux-x86_64) to the classpath "
			+ "(Fiji: the ConceptScope update site installs it), or set TENSORFLOW_LIBRARY_PATH.");
	}
}
