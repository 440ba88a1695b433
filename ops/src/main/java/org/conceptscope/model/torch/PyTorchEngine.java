package org.conceptscope.model.torch;

import ai.djl.engine.Engine;

import org.conceptscope.model.EngineEnvironment;
import org.conceptscope.model.NativeEnvironment;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

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
 * <p>
 * libtorch 2.7.1's oneDNN computes convolution input gradients (its {@code backward_data}) with direct JIT kernels for
 * AVX2 and AVX-512 that gave wrong input and layer gradients here (on an AVX-512 machine, the bundled fixtures' 3- and
 * 4-channel 3x3 convolutions: off by 7-40 %, later NaN, depending on how many OpenMP threads ran and on what memory the
 * blocked, channel-padded buffers got; the forward pass stayed right). Limited to AVX ({@code ONEDNN_MAX_CPU_ISA=AVX},
 * set before libtorch loads unless the user set it), oneDNN computes them by its GEMM path, which agrees with the finite
 * differences, and its forward convolutions keep a JIT kernel (AVX instead of AVX2/AVX-512). The variable is removed
 * once libtorch's oneDNN has read it, so TensorFlow's own oneDNN keeps its full instruction set whichever engine starts
 * first (left in place, TensorFlow's maps differed in their last digits between a JVM that had run a TorchScript model
 * and one that had not). TorchScriptSigmoidTest
 * checks every call's input and layer gradients against finite differences with one and with the default number of
 * threads.
 */
public final class PyTorchEngine {

	public static final String LIBTORCH_VERSION = "2.7.1";
	static final String NATIVES = "native/lib/pytorch.properties";
	static final String JNI = "jnilib/pytorch.properties";

	/** The OpenMP wait policy libtorch gets unless the user chose one ({@link #WAIT_POLICY}). */
	public static final String WAIT_POLICY = "OMP_WAIT_POLICY", PASSIVE = "PASSIVE";

	/** The widest instruction set libtorch's oneDNN may use unless the user chose one: see the class comment. */
	public static final String ONEDNN_ISA = "ONEDNN_MAX_CPU_ISA", ONEDNN_ISA_VALUE = "AVX";

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
		// oneDNN reads it once, at its first primitive: its AVX2/AVX-512 convolution input-gradient kernels gave wrong gradients
		String userIsa = NativeEnvironment.get(ONEDNN_ISA);
		boolean ownIsa = (userIsa == null || userIsa.isBlank()) && ONEDNN_ISA_VALUE.equals(NativeEnvironment.setUnlessSet(ONEDNN_ISA, ONEDNN_ISA_VALUE));
		try {
			Engine e = EngineEnvironment.start("PyTorch");
			if (!e.getVersion().startsWith(LIBTORCH_VERSION)) {
				throw new IllegalStateException("DJL started libtorch " + e.getVersion() + " but ConceptScope needs " + LIBTORCH_VERSION + ".");
			}
			if (ownIsa) {
				// TensorFlow bundles its own oneDNN, which reads the variable at its own first primitive: once libtorch's
				// oneDNN has read it (a convolution it runs itself: batch 2, so ATen hands it to oneDNN), it is removed,
				// so TensorFlow keeps its full instruction set and its maps do not depend on which engine started first
				try (NDManager m = e.newBaseManager()) {
					NDArray x = m.ones(new Shape(2, 3, 8, 8)), w = m.ones(new Shape(4, 3, 3, 3));
					x.getNDArrayInternal().convolution(x, w, null, new Shape(1, 1), new Shape(1, 1), new Shape(1, 1), 1).close();
				} finally {
					NativeEnvironment.unset(ONEDNN_ISA);
				}
			}
			engine = e;
			return e;
		} catch (RuntimeException | UnsatisfiedLinkError e) {
			throw new IllegalStateException("libtorch " + LIBTORCH_VERSION + " could not start: " + e.getMessage(), e);
		}
	}
}
