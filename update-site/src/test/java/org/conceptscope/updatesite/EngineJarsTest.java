package org.conceptscope.updatesite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The TorchScript and ONNX engines reach Fiji as jars of their own: DJL's engine jars and the
 * bridge under jars/, libtorch's Linux x86-64 natives under jars/linux64/ (only Linux x86-64
 * installs download them), ONNX Runtime (natives of every platform inside) under jars/; each
 * named so the updater replaces it when its version changes, and described.
 */
class EngineJarsTest {

	@TempDir
	Path dir;

	Path jar(String name) throws IOException {
		Path file = dir.resolve(name + ".jar");
		try (OutputStream os = Files.newOutputStream(file); ZipOutputStream z = new ZipOutputStream(os)) {
			z.putNextEntry(new ZipEntry("x"));
			z.write(name.getBytes());
			z.closeEntry();
		}
		return file;
	}

	@Test
	void eachEngineAndItsNativesShipAsSeparateJars() throws IOException {
		List<UpdateSiteAssembler.Artifact> artifacts = List.of(
			new UpdateSiteAssembler.Artifact("ai.djl.pytorch", "pytorch-engine", null, "0.36.0", jar("pytorch-engine-0.36.0")),
			new UpdateSiteAssembler.Artifact("ai.djl.pytorch", "pytorch-jni", null, "2.7.1-0.36.0", jar("pytorch-jni-2.7.1-0.36.0")),
			new UpdateSiteAssembler.Artifact("ai.djl.pytorch", "pytorch-native-cpu", "linux-x86_64", "2.7.1", jar("pytorch-native-cpu-2.7.1-linux-x86_64")),
			new UpdateSiteAssembler.Artifact("ai.djl.onnxruntime", "onnxruntime-engine", null, "0.36.0", jar("onnxruntime-engine-0.36.0")),
			new UpdateSiteAssembler.Artifact("com.microsoft.onnxruntime", "onnxruntime", null, "1.21.1", jar("onnxruntime-1.21.1")));
		List<UpdateSiteAssembler.Input> inputs = UpdateSiteAssembler.jars(artifacts, UpdateSiteAssembler.fijiProvided());
		assertEquals(List.of("jars/pytorch-engine-0.36.0.jar", "jars/pytorch-jni-2.7.1-0.36.0.jar",
			"jars/linux64/pytorch-native-cpu-linux-x86_64-2.7.1.jar", "jars/onnxruntime-engine-0.36.0.jar", "jars/onnxruntime-1.21.1.jar"),
			inputs.stream().map(UpdateSiteAssembler.Input::sitePath).toList());
		assertEquals("linux64", inputs.get(2).platform());
		for (UpdateSiteAssembler.Input in : inputs) {
			assertTrue(!in.description().startsWith("Needed by ConceptScope"), in.sitePath() + " is described: " + in.description());
		}
		assertEquals("jars/pytorch-jni.jar", UpdateSiteAssembler.unversioned("jars/pytorch-jni-2.7.1-0.36.0.jar"));
		assertEquals("jars/linux64/pytorch-native-cpu-linux-x86_64.jar",
			UpdateSiteAssembler.unversioned("jars/linux64/pytorch-native-cpu-linux-x86_64-2.7.1.jar"));
	}
}
