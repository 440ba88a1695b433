package org.conceptscope.model.torch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.conceptscope.model.BundledModels;
import org.conceptscope.model.EngineClassifier.Description;
import org.conceptscope.model.EngineClassifier.Input;
import org.conceptscope.model.LoadOptions;
import org.conceptscope.model.NativeEnvironment;
import org.conceptscope.tensor.FloatTensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * libtorch's OpenMP runtime gets {@code OMP_WAIT_POLICY=PASSIVE} unless the user chose a policy:
 * in the process environment after a TorchScript model loaded, and as libgomp itself read it when
 * it loaded ({@code OMP_DISPLAY_ENV=VERBOSE} makes libgomp print its settings on stderr). libgomp
 * prints 'PASSIVE' also when the variable is unset, but then its waiting threads spin 300000 times
 * before they sleep (GOMP_SPINCOUNT = '300000', what libtorch got before); PASSIVE makes that 0.
 * Child JVMs, because libgomp reads its environment once per process.
 */
class OpenMpWaitPolicyTest {

	@TempDir
	Path dir;

	@Test
	void passiveUnlessTheUserChose() throws Exception {
		Child unset = child(null);
		assertEquals(PyTorchEngine.PASSIVE, unset.variable, "set in the process after a TorchScript model loaded\n" + unset.stderr);
		assertTrue(unset.stderr.contains("GOMP_SPINCOUNT = '0'"), "libgomp read PASSIVE when it loaded: its waiting threads do not spin:\n"
			+ unset.stderr);

		// libtorch's oneDNN has read its limit; the variable is gone for TensorFlow's own oneDNN (TorchScriptSigmoidTest: the limit held)
		assertEquals("null", unset.isa, "ONEDNN_MAX_CPU_ISA removed after libtorch started\n" + unset.stderr);

		Child active = child("ACTIVE");
		assertEquals("ACTIVE", active.variable, "the user's value is kept\n" + active.stderr);
		assertTrue(active.stderr.contains("OMP_WAIT_POLICY = 'ACTIVE'") && !active.stderr.contains("GOMP_SPINCOUNT = '0'"),
			"libgomp read the user's ACTIVE:\n" + active.stderr);
	}

	private record Child(String variable, String isa, String stderr) {}

	/** A child JVM that loads the bundled TorchScript ResNet and classifies one image; {@code policy}: the user's variable or null. */
	private Child child(String policy) throws Exception {
		List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
			"-Djava.awt.headless=true"));
		for (String key : List.of("conceptscope.cache.dir", "PYTORCH_LIBRARY_PATH")) {
			if (System.getProperty(key) != null) cmd.add("-D" + key + "=" + System.getProperty(key));
		}
		cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(),
			BundledModels.dir("ihc-resnet-torchscript").resolve("weights.pt").toString()));
		ProcessBuilder pb = new ProcessBuilder(cmd);
		pb.environment().remove(PyTorchEngine.WAIT_POLICY);
		pb.environment().remove(PyTorchEngine.ONEDNN_ISA);
		if (policy != null) pb.environment().put(PyTorchEngine.WAIT_POLICY, policy);
		pb.environment().put("OMP_DISPLAY_ENV", "VERBOSE");
		Path err = Files.createTempFile(dir, "stderr", ".txt"), out = Files.createTempFile(dir, "stdout", ".txt");
		Process p = pb.redirectError(err.toFile()).redirectOutput(out.toFile()).start();
		assertTrue(p.waitFor(2, TimeUnit.MINUTES), "the child ends");
		String text = Files.readString(err, StandardCharsets.UTF_8);
		assertEquals(0, p.exitValue(), text);
		String variable = null, isa = null;
		for (String line : Files.readAllLines(out, StandardCharsets.UTF_8)) {
			if (line.startsWith(PyTorchEngine.WAIT_POLICY + "=")) variable = line.substring(PyTorchEngine.WAIT_POLICY.length() + 1);
			if (line.startsWith(PyTorchEngine.ONEDNN_ISA + "=")) isa = line.substring(PyTorchEngine.ONEDNN_ISA.length() + 1);
		}
		return new Child(variable, isa, text);
	}

	/** Loads a TorchScript model, classifies one zero image, prints the variable as the C library sees it. */
	public static final class Main {
		public static void main(String[] args) {
			try (TorchScriptClassifier m = TorchScriptClassifier.load(Path.of(args[0]),
				new Description(null, new Input(32, 32, 3, true), TorchScriptClassifierTest.CLASSES, null, null), LoadOptions.defaults())) {
				m.logits(FloatTensor.zeros(1, 32, 32, 3));
			}
			System.out.println(PyTorchEngine.WAIT_POLICY + "=" + NativeEnvironment.get(PyTorchEngine.WAIT_POLICY));
			System.out.println(PyTorchEngine.ONEDNN_ISA + "=" + NativeEnvironment.get(PyTorchEngine.ONEDNN_ISA));
		}
	}
}
