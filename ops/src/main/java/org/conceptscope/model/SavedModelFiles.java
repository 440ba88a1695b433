package org.conceptscope.model;

import com.google.protobuf.InvalidProtocolBufferException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.SavedModel;
import org.tensorflow.proto.SignatureDef;

/**
 * A SavedModel folder checked before TensorFlow touches it: the folder, saved_model.pb parsed
 * as a protocol buffer (loading already runs the model's restore ops, so nothing is judged after
 * that), the "serve" meta graph, its serving signature, and the variables its graph needs.
 */
record SavedModelFiles(Path dir, MetaGraphDef metaGraph, String signatureKey, SignatureDef signature) {

	static final String DEFAULT_SIGNATURE = "serving_default";
	private static final Set<String> VARIABLE_OPS = Set.of("VariableV2", "VarHandleOp", "Variable");

	static SavedModelFiles check(Path dir) {
		if (dir == null) throw new ModelLoadException("No model folder given. Choose the folder that holds saved_model.pb.");
		if (!Files.exists(dir)) throw new ModelLoadException("The model folder " + dir + " does not exist.");
		if (Files.isRegularFile(dir) && dir.getFileName().toString().equals("saved_model.pb")) dir = dir.getParent();
		if (!Files.isDirectory(dir)) {
			throw new ModelLoadException(dir + " is a file, not a SavedModel folder. Choose the folder that holds saved_model.pb.");
		}
		Path pb = dir.resolve("saved_model.pb");
		if (!Files.isRegularFile(pb)) {
			String hint = Files.exists(dir.resolve("saved_model.pbtxt")) ? " Text SavedModels (saved_model.pbtxt) are not supported; export a binary one."
				: Files.exists(dir.resolve("rdf.yaml")) ? " This looks like a bioimage.io package: choose its TensorFlow weights folder." : "";
			throw new ModelLoadException(dir + " is not a TensorFlow SavedModel: it has no saved_model.pb." + hint);
		}
		SavedModel saved;
		try {
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
		if (meta.getSignatureDefMap().containsKey(DEFAULT_SIGNATURE)) {
			key = DEFAULT_SIGNATURE;
		} else if (meta.getSignatureDefCount() > 0) {
			key = meta.getSignatureDefMap().keySet().stream().sorted().findFirst().get();
		} else {
			throw new ModelLoadException(pb + " has no signature: ConceptScope cannot tell the input from the outputs.");
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
			if (!Files.isRegularFile(index) || !data) {
				throw new ModelLoadException("The model in " + dir + " has variables but variables/variables.index or its "
					+ "variables.data-* files are missing. Copy the whole SavedModel folder, including variables/.");
			}
		}
		return new SavedModelFiles(dir, meta, key, meta.getSignatureDefMap().get(key));
	}
}
