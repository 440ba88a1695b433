package org.conceptscope.model.torch;

import ai.djl.engine.Engine;

import org.conceptscope.model.EngineEnvironment;

/**
 * Starts DJL's PyTorch engine offline.
 * <p>
 * DJL 0.36 runs libtorch 2.7.1. Its native libraries come from
 * {@code ai.djl.pytorch:pytorch-native-cpu:2.7.1:linux-x86_64} and DJL's JNI bridge from
 * {@code ai.djl.pytorch:pytorch-jni:2.7.1-0.36.0}, both on the class path (in Fiji: {@code jars/},
 * from the update site); DJL unpacks them once into ConceptScope's cache folder
 * ({@code <cache>/djl/pytorch/}) and never downloads. A user with her own libtorch 2.7.1 sets
 * {@code PYTORCH_LIBRARY_PATH}.
 */
public final class PyTorchEngine {

	public static final String LIBTORCH_VERSION = "2.7.1";
	static final String NATIVES = "native/lib/pytorch.properties";
	static final String JNI = "jnilib/pytorch.properties";

	private static Engine engine;

	private PyTorchEngine() {}

	/** Starts the engine once per JVM. */
	public static synchronized Engine start() {
		if (engine != null) return engine;
		boolean ownLibrary = System.getenv("PYTORCH_LIBRARY_PATH") != null || System.getProperty("PYTORCH_LIBRARY_PATH") != null;
		if (!ownLibrary) {
			if (!EngineEnvironment.isLinuxX86_64()) {
				throw new IllegalStateException("ConceptScope bundles libtorch for Linux x86-64 only; this is "
					+ System.getProperty("os.name") + "/" + System.getProperty("os.arch") + ". Set PYTORCH_LIBRARY_PATH to a folder holding libtorch "
					+ LIBTORCH_VERSION + " for this platform to run TorchScript models.");
			}
			ClassLoader own = EngineEnvironment.engineLoader();
			if (own.getResource(NATIVES) == null || own.getResource(JNI) == null) {
				throw new IllegalStateException("TorchScript models need libtorch " + LIBTORCH_VERSION + ", which is not installed: add the jars "
					+ "ai.djl.pytorch:pytorch-native-cpu:" + LIBTORCH_VERSION + ":linux-x86_64 and ai.djl.pytorch:pytorch-jni to the class path"
					+ " (Fiji: the ConceptScope update site ships them).");
			}
		}
		try {
			Engine e = EngineEnvironment.start("PyTorch");
			if (!e.getVersion().startsWith(LIBTORCH_VERSION)) {
				throw new IllegalStateException("DJL started libtorch " + e.getVersion() + " but ConceptScope needs " + LIBTORCH_VERSION + ".");
			}
			engine = e;
			return e;
		} catch (RuntimeException | UnsatisfiedLinkError e) {
			throw new IllegalStateException("libtorch " + LIBTORCH_VERSION + " could not start: " + e.getMessage(), e);
		}
	}
}
