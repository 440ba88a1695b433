package org.conceptscope.model.onnx;

import ai.djl.engine.Engine;
import ai.onnxruntime.OrtEnvironment;

import java.nio.file.Path;

import org.conceptscope.model.EngineEnvironment;

/**
 * Starts DJL's ONNX Runtime engine offline, with the runtime's natives in ConceptScope's cache.
 * <p>
 * {@code com.microsoft.onnxruntime:onnxruntime} holds its natives; left alone it copies them into
 * the system temporary folder at every start. ConceptScope copies them once into
 * {@code <cache>/onnxruntime/<version>-linux-x64/} and points the runtime there
 * ({@code onnxruntime.native.path}), as it does for TensorFlow's and libtorch's.
 */
public final class OnnxEngine {

	public static final String ONNXRUNTIME_VERSION = "1.21.1";
	static final String NATIVE_DIR = "ai/onnxruntime/native/linux-x64/";
	static final String[] NATIVE_FILES = { "libonnxruntime.so", "libonnxruntime4j_jni.so" };
	private static final String PATH_KEY = "onnxruntime.native.path";

	private static Engine engine;

	private OnnxEngine() {}

	/** Starts the engine once per JVM and returns ONNX Runtime's environment. */
	public static synchronized OrtEnvironment start() {
		if (engine == null) {
			if (System.getProperty(PATH_KEY) == null) {
				if (!EngineEnvironment.isLinuxX86_64()) {
					throw new IllegalStateException("ConceptScope unpacks ONNX Runtime's natives for Linux x86-64 only; this is "
						+ System.getProperty("os.name") + "/" + System.getProperty("os.arch") + ". Set the Java option -D" + PATH_KEY
						+ "=<folder with ONNX Runtime " + ONNXRUNTIME_VERSION + " libraries> to run ONNX models.");
				}
				Path dir = EngineEnvironment.offline().resolve("onnxruntime").resolve(ONNXRUNTIME_VERSION + "-linux-x64");
				EngineEnvironment.unpack(NATIVE_DIR, NATIVE_FILES, dir, "ONNX models need ONNX Runtime " + ONNXRUNTIME_VERSION
					+ ", which is not installed: add the jar com.microsoft.onnxruntime:onnxruntime:" + ONNXRUNTIME_VERSION
					+ " to the class path (Fiji: the ConceptScope update site ships it).");
				System.setProperty(PATH_KEY, dir.toString());
			}
			try {
				engine = EngineEnvironment.start("OnnxRuntime");
			} catch (RuntimeException | UnsatisfiedLinkError e) {
				throw new IllegalStateException("ONNX Runtime " + ONNXRUNTIME_VERSION + " could not start from " + System.getProperty(PATH_KEY) + ": "
					+ e.getMessage(), e);
			}
		}
		return OrtEnvironment.getEnvironment();
	}

}
