package org.conceptscope.model.torch;

import ai.djl.engine.Engine;

import org.conceptscope.model.EngineEnvironment;
import org.conceptscope.model.NativeEnvironment;

/**
 * Starts DJL's PyTorch engine offline.
 * <p>
 * DJL 0.36 runs libtorch 2.7.1. Its native libraries come from
 * {@code ai.djl.pytorch:pytorch-native-cpu:2.7.1:linux-x86_64} and DJL's JNI bridge from
 * {@code ai.djl.pytorch:pytorch-jni:2.7.1-0.36.0}, both on the class path (in Fiji: {@code jars/},
 * from the update site); DJL unpacks them once into ConceptScope's cache folder
 * ({@code <cache>/djl/pytorch/}) and never downloads. A user with her own libtorch 2.7.1 sets
 * {@code PYTORCH_LIBRARY_PATH}.
 * <p>
 * libtorch's OpenMP runtime (GNU libgomp) lets threads that wait for the next parallel region spin
 * by default; when another process holds a core, each of a network's parallel regions then waits
 * for a descheduled thread, and calls of 12 ms took 0.3–2 s on a busy 2-core machine. Before
 * libtorch loads, {@code OMP_WAIT_POLICY=PASSIVE} (waiting threads sleep) is set in the process
 * environment, unless the user set {@code OMP_WAIT_POLICY} herself; libgomp reads it once, when it
 * loads. docs/models/engines.md ("Speed") has the measurements.
 */
public final class PyTorchEngine {

	public static final String LIBTORCH_VERSION = "2.7.1";
	static final String NATIVES = "native/lib/pytorch.properties";
	static final String JNI = "jnilib/pytorch.properties";

	/** The OpenMP wait policy libtorch gets unless the user chose one ({@link #WAIT_POLICY}). */
	public static final String WAIT_POLICY = "OMP_WAIT_POLICY", PASSIVE = "PASSIVE";

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
		// before libgomp loads with libtorch: it reads the variable once; a null (no C library reached) leaves libgomp's default
		NativeEnvironment.setUnlessSet(WAIT_POLICY, PASSIVE);
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
