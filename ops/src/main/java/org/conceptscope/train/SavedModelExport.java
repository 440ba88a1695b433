package org.conceptscope.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.conceptscope.model.ModelConfig;
import org.conceptscope.model.TensorFlowEngine;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Folders;
import org.conceptscope.util.SaveSet;
import org.tensorflow.Graph;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.SessionFunction;
import org.tensorflow.Signature;

/**
 * Writes a {@link CnnArchitecture} with given weights as a TensorFlow SavedModel: a clean
 * inference graph (no training ops), signature {@code serving_default} with input "input" and
 * outputs "logits" and "probabilities", plus conceptscope.json. The folder appears complete or
 * not at all: it is written into a hidden folder beside the target and swapped into place (an
 * existing target is moved aside first and deleted once the new one is there). A run killed
 * between those two moves leaves the old folder beside the target: the next export to the same
 * folder puts it back before anything else, and removes what a killed run left half-written.
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
		String name = dir.getFileName().toString();
		recoverLeftovers(parent, name);
		Path tmp = Files.createTempDirectory(parent, "." + name + PART);
		boolean staged = false;
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
			SaveSet set = SaveSet.current();
			if (set != null) {
				// replaced together with the files saved beside it, or deleted; the config above, staged in the same set
				// before this step, is in the folder by the time it moves
				set.stage(() -> Folders.replace(tmp, dir), () -> Folders.deleteTree(tmp));
				staged = true;
			} else {
				Folders.replace(tmp, dir);
			}
		} finally {
			if (!staged) Folders.deleteTreeQuietly(tmp); // the export's own failure is the one to report
		}
	}

	/** Hidden siblings of a target folder: a half-written export, and the old folder while it is being replaced. */
	static final String PART = ".conceptscope-part-", OLD = Folders.OLD;

	/** What a killed export left: its half-written folder goes; an old folder moved aside comes back if the target is missing. */
	static void recoverLeftovers(Path parent, String name) throws IOException {
		List<Path> leftovers;
		try (Stream<Path> s = Files.list(parent)) {
			leftovers = s.filter(p -> p.getFileName().toString().startsWith("." + name + PART)
				|| p.getFileName().toString().startsWith("." + name + OLD)).sorted().toList();
		}
		Path dir = parent.resolve(name);
		for (Path p : leftovers) {
			if (p.getFileName().toString().startsWith("." + name + OLD) && !Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
				Files.move(p, dir, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
			} else {
				Folders.deleteTreeQuietly(p); // a leftover that cannot go must not stop every later export
			}
		}
	}
}
