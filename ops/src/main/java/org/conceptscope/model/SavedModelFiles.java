package org.conceptscope.model;

import static org.conceptscope.util.Limits.readableSize;

import com.google.protobuf.InvalidProtocolBufferException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.SavedModel;
import org.tensorflow.proto.SignatureDef;
import org.conceptscope.util.Folders;

/**
 * A SavedModel folder checked before TensorFlow touches it: the folder, saved_model.pb parsed
 * as a protocol buffer (loading already runs the model's restore ops, so nothing is judged after
 * that), the "serve" meta graph, its serving signature, and the variables its graph needs.
 */
record SavedModelFiles(Path dir, long schemaVersion, MetaGraphDef metaGraph, String signatureKey, SignatureDef signature) {

	static final String DEFAULT_SIGNATURE = "serving_default";
	static final String INIT_SIGNATURE = "__saved_model_init_op";
	private static final Set<String> VARIABLE_OPS = Set.of("VariableV2", "VarHandleOp", "Variable");

	static SavedModelFiles check(Path dir) {
		if (dir == null) throw new ModelLoadException("No model folder given. Choose the folder that holds saved_model.pb.");
		if (!Files.exists(dir)) throw new ModelLoadException("The model folder " + dir + " does not exist: give the folder that holds saved_model.pb.");
		if (Files.isRegularFile(dir) && dir.getFileName().toString().equals("saved_model.pb")) dir = dir.getParent();
		if (!Files.isDirectory(dir)) {
			throw new ModelLoadException(dir + " is a file, not a SavedModel folder. Choose the folder that holds saved_model.pb.");
		}
		Path pb = dir.resolve("saved_model.pb");
		if (!Files.isRegularFile(pb)) {
			String hint = Files.exists(dir.resolve("saved_model.pbtxt")) ? " Text SavedModels (saved_model.pbtxt) are not supported; export a binary one."
				: Files.exists(dir.resolve("rdf.yaml")) || Files.exists(dir.resolve("bioimageio.yaml"))
					? " It is a bioimage.io package (it has rdf.yaml): choose it as the model in the Attribution or Concept commands, which read"
						+ " packages, or choose the TensorFlow weights folder the package holds." : "";
			throw new ModelLoadException(dir + " is not a TensorFlow SavedModel: it has no saved_model.pb." + hint);
		}
		SavedModel saved;
		try {
			checkSize(pb, Files.size(pb));
			saved = SavedModel.parseFrom(Files.readAllBytes(pb));
		} catch (InvalidProtocolBufferException e) {
			throw new ModelLoadException(pb + " is corrupt or truncated (not a SavedModel protocol buffer): " + e.getMessage(), e);
		} catch (IOException e) {
			throw new ModelLoadException("Cannot read " + pb + ": " + e.getMessage(), e);
		}
		MetaGraphDef meta = saved.getMetaGraphsList().stream()
			.filter(m -> m.getMetaInfoDef().getTagsList().contains("serve"))
			.findFirst()
			.orElseThrow(() -> new ModelLoadException(pb + " has no meta graph tagged 'serve'; export the model for serving."));
		String key;
		// the init op's pseudo-signature is not a way to call the model
		java.util.List<String> callable = meta.getSignatureDefMap().keySet().stream().filter(k -> !k.equals(INIT_SIGNATURE)).sorted().toList();
		if (meta.getSignatureDefMap().containsKey(DEFAULT_SIGNATURE)) {
			key = DEFAULT_SIGNATURE;
		} else if (callable.size() == 1) {
			key = callable.get(0);
		} else if (callable.size() > 1) {
			// picking one (say the first by name) could explain another function than the classifier, silently
			throw new ModelLoadException(pb + " has no '" + DEFAULT_SIGNATURE + "' signature but " + callable.size() + " others ("
				+ String.join(", ", callable) + "), so ConceptScope cannot tell which one is the classifier: re-export the model with"
				+ " the classifier's signature named '" + DEFAULT_SIGNATURE + "' (tf.saved_model.save(model, folder, signatures={'"
				+ DEFAULT_SIGNATURE + "': f})).");
		} else {
			throw new ModelLoadException(pb + " has no signature: ConceptScope cannot tell the input from the outputs.");
		}
		java.util.Set<String> nodes = new java.util.HashSet<>();
		for (NodeDef n : meta.getGraphDef().getNodeList()) nodes.add(n.getName());
		SignatureDef sig = meta.getSignatureDefMap().get(key);
		for (var t : concat(sig.getInputsMap().values(), sig.getOutputsMap().values())) {
			if (!nodes.contains(GraphSafety.nodeName(t.getName()))) {
				throw new ModelLoadException("The signature '" + key + "' of " + dir + " names the tensor '" + t.getName()
					+ "', which is not in the graph. The SavedModel is corrupt or was edited by hand.");
			}
		}
		boolean hasVariables = meta.getGraphDef().getNodeList().stream().map(NodeDef::getOp).anyMatch(VARIABLE_OPS::contains)
			|| meta.getGraphDef().getLibrary().getFunctionList().stream()
				.flatMap(f -> f.getNodeDefList().stream()).map(NodeDef::getOp).anyMatch(VARIABLE_OPS::contains);
		if (hasVariables) {
			Path index = dir.resolve("variables").resolve("variables.index");
			boolean data;
			try (var files = Files.list(dir.resolve("variables"))) {
				data = files.anyMatch(f -> f.getFileName().toString().startsWith("variables.data-"));
			} catch (IOException e) {
				data = false;
			}
			boolean noCheckpoint = !Files.isRegularFile(index) && !data;
			if (noCheckpoint && InitOpVariables.unassigned(meta).isEmpty()) {
				// TensorFlow restores nothing (there is no checkpoint) and the init op sets every
				// variable, e.g. from constants: such a model runs without variables/.
			} else if (!Files.isRegularFile(index) || !data) {
				throw new ModelLoadException("The model in " + dir + " has variables but variables/variables.index or its "
					+ "variables.data-* files are missing. Copy the whole SavedModel folder, including variables/.");
			}
		}
		return new SavedModelFiles(dir, saved.getSavedModelSchemaVersion(), meta, key, meta.getSignatureDefMap().get(key));
	}

	/** A graph over protobuf's 2 GB limit cannot be parsed, and reading it whole could exhaust the heap: refused before reading. */
	static void checkSize(Path pb, long bytes) {
		long heap = Runtime.getRuntime().maxMemory();
		if (bytes > MAX_GRAPH_BYTES) {
			throw new ModelLoadException(pb + " is " + readableSize(bytes) + ", more than the 2 GB a TensorFlow graph can be, so it is not a"
				+ " SavedModel graph: choose the folder of the exported model (its saved_model.pb is usually a few MB, the weights are in"
				+ " variables/).");
		}
		if (bytes > heap / 3) {
			throw new ModelLoadException(pb + " is " + readableSize(bytes) + "; reading and checking it needs about three times that, more"
				+ " than the " + readableSize(heap) + " Java may use: give Java more memory (Edit > Options > Memory & Threads..., or -Xmx),"
				+ " or export the model with its weights in variables/ rather than as constants in the graph.");
		}
	}

	/** The largest saved_model.pb read: protobuf's limit for one message. */
	static final long MAX_GRAPH_BYTES = Integer.MAX_VALUE;

	private static java.util.List<org.tensorflow.proto.TensorInfo> concat(java.util.Collection<org.tensorflow.proto.TensorInfo> a,
		java.util.Collection<org.tensorflow.proto.TensorInfo> b) {
		java.util.List<org.tensorflow.proto.TensorInfo> all = new java.util.ArrayList<>(a);
		all.addAll(b);
		return all;
	}

	/**
	 * A folder TensorFlow can load that holds exactly the given meta graph (the bytes that were
	 * checked, possibly rewritten) and links to this model's variables and assets. The caller
	 * deletes it once the model is loaded: TensorFlow reads variables and assets at load time.
	 */
	Path stage(MetaGraphDef meta, Path workDir) {
		Path staging = null;
		try {
			Files.createDirectories(workDir);
			staging = Files.createTempDirectory(workDir, "conceptscope-model-");
			SavedModel rewritten = SavedModel.newBuilder().setSavedModelSchemaVersion(schemaVersion).addMetaGraphs(meta).build();
			Files.write(staging.resolve("saved_model.pb"), rewritten.toByteArray());
			for (String name : new String[] { "variables", "assets", "assets.extra" }) {
				Path src = dir.resolve(name).toAbsolutePath();
				if (!Files.exists(src)) continue;
				Path link = staging.resolve(name);
				try {
					Files.createSymbolicLink(link, src);
				} catch (UnsupportedOperationException | IOException e) {
					copyTree(src, link);
				}
			}
			return staging;
		} catch (IOException e) {
			Folders.deleteTreeQuietly(staging);
			throw new ModelLoadException("Cannot prepare the model in " + dir + " for loading in " + workDir + ": " + e.getMessage(), e);
		}
	}

	private static void copyTree(Path src, Path dst) throws IOException {
		try (var s = Files.walk(src)) {
			for (Path p : (Iterable<Path>) s::iterator) {
				Path t = dst.resolve(src.relativize(p).toString());
				if (Files.isDirectory(p)) Files.createDirectories(t);
				else Files.copy(p, t);
			}
		}
	}

}
