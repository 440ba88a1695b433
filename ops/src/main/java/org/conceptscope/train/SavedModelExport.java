package org.conceptscope.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

import org.conceptscope.model.ModelConfig;
import org.conceptscope.model.TensorFlowEngine;
import org.conceptscope.tensor.FloatTensor;
import org.tensorflow.Graph;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.SessionFunction;
import org.tensorflow.Signature;

/**
 * Writes a {@link CnnArchitecture} with given weights as a TensorFlow SavedModel: a clean
 * inference graph (no training ops), signature {@code serving_default} with input "input" and
 * outputs "logits" and "probabilities", plus conceptscope.json. The folder appears complete or
 * not at all: it is written beside the target and moved into place.
 */
public final class SavedModelExport {

	private SavedModelExport() {}

	public static void export(CnnArchitecture arch, Map<String, FloatTensor> weights, ModelConfig config, Path dir)
		throws IOException {
		export(g -> new CnnGraph(g, arch, weights), config, dir);
	}

	/** Exports any trainable graph built with its final values (input key "input", outputs logits and probabilities). */
	public static void export(java.util.function.Function<Graph, TrainableGraph> build, ModelConfig config, Path dir) throws IOException {
		TensorFlowEngine.start();
		Path parent = dir.toAbsolutePath().getParent();
		Files.createDirectories(parent);
		Path tmp = Files.createTempDirectory(parent, dir.getFileName() + ".part");
		try {
			Files.delete(tmp); // the exporter creates the folder itself
			try (Graph g = new Graph()) {
				TrainableGraph net = build.apply(g);
				org.tensorflow.Operand<org.tensorflow.types.TFloat32> probs = net.probabilities() != null ? net.probabilities()
					: org.tensorflow.op.Ops.create(g).withName("probabilities").nn.softmax(net.logits());
				try (Session s = new Session(g)) {
					s.initialize();
					Signature sig = Signature.builder().key("serving_default").input("input", net.input())
						.output("logits", net.logits()).output("probabilities", probs).build();
					SavedModelBundle.exporter(tmp.toString()).withSession(s).withFunction(SessionFunction.create(sig, s)).export();
				}
			}
			config.write(tmp);
			deleteRecursively(dir);
			Files.move(tmp, dir);
		} finally {
			deleteRecursively(tmp);
		}
	}

	static void deleteRecursively(Path p) throws IOException {
		if (!Files.exists(p)) return;
		try (Stream<Path> s = Files.walk(p)) {
			for (Path q : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) Files.delete(q);
		}
	}
}
