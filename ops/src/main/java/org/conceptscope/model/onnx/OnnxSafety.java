package org.conceptscope.model.onnx;

import static org.conceptscope.model.onnx.OnnxModel.lengthDelimited;
import static org.conceptscope.model.onnx.OnnxModel.string;
import static org.conceptscope.model.onnx.OnnxModel.varints;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnknownFieldSet;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

import org.conceptscope.model.LoadOptions;
import org.conceptscope.model.ModelLoadException;
import org.conceptscope.model.UnsafeModelException;

/**
 * What an ONNX model can do besides computing, checked before ONNX Runtime reads it. ONNX's own
 * operators only compute, so the check is about what comes from elsewhere:
 * <ul>
 * <li>operators of other domains than ONNX's ({@code ""}, {@code ai.onnx}, {@code ai.onnx.ml}) and
 * ONNX Runtime's built-in {@code com.microsoft} kernels are refused: they come from custom operator
 * libraries (native code), unless the model defines them itself as ONNX functions; every node is
 * checked, in subgraphs (If, Loop, Scan), function bodies and training graphs too;</li>
 * <li>tensors stored in external files must name a relative path inside the model's folder: ONNX
 * Runtime would otherwise read any file the path names (absolute paths, {@code ..}).</li>
 * </ul>
 * A model whose author you trust skips the check with {@link LoadOptions#trusted()}.
 */
final class OnnxSafety {

	static final Set<String> DOMAINS = Set.of("", "ai.onnx", "ai.onnx.ml", "com.microsoft");

	private final Path file;
	private final Set<String> localFunctions = new HashSet<>();
	private boolean externalData;

	private OnnxSafety(Path file) {
		this.file = file;
	}

	/**
	 * @return whether the model keeps tensors in external files (all inside its folder)
	 * @throws UnsafeModelException naming the operator or file
	 */
	static boolean check(OnnxModel m, Path file) {
		OnnxSafety s = new OnnxSafety(file);
		try {
			for (ByteString f : lengthDelimited(m.model, OnnxModel.MODEL_FUNCTIONS)) {
				UnknownFieldSet fn = UnknownFieldSet.parseFrom(f);
				s.localFunctions.add(string(fn, OnnxModel.FUNCTION_DOMAIN) + "::" + string(fn, OnnxModel.FUNCTION_NAME));
			}
			s.graph(m.graph, "the main graph");
			for (ByteString f : lengthDelimited(m.model, OnnxModel.MODEL_FUNCTIONS)) {
				UnknownFieldSet fn = UnknownFieldSet.parseFrom(f);
				for (ByteString n : lengthDelimited(fn, OnnxModel.FUNCTION_NODE)) s.node(UnknownFieldSet.parseFrom(n), "the function " + string(fn, OnnxModel.FUNCTION_NAME));
			}
			for (ByteString t : lengthDelimited(m.model, OnnxModel.MODEL_TRAINING_INFO)) {
				UnknownFieldSet ti = UnknownFieldSet.parseFrom(t);
				for (int field : new int[] { 1, 2 }) {
					for (ByteString g : lengthDelimited(ti, field)) s.graph(UnknownFieldSet.parseFrom(g), "a training graph");
				}
			}
		} catch (InvalidProtocolBufferException e) {
			throw new ModelLoadException(file + " is not a readable ONNX model: " + e.getMessage(), e);
		}
		return s.externalData;
	}

	private void graph(UnknownFieldSet g, String where) throws InvalidProtocolBufferException {
		for (ByteString t : lengthDelimited(g, OnnxModel.GRAPH_INITIALIZER)) tensor(UnknownFieldSet.parseFrom(t), where);
		for (ByteString st : lengthDelimited(g, OnnxModel.GRAPH_SPARSE_INITIALIZER)) sparse(UnknownFieldSet.parseFrom(st), where);
		for (ByteString n : lengthDelimited(g, OnnxModel.GRAPH_NODE)) node(UnknownFieldSet.parseFrom(n), where);
	}

	private void node(UnknownFieldSet n, String where) throws InvalidProtocolBufferException {
		String domain = string(n, OnnxModel.NODE_DOMAIN), op = string(n, OnnxModel.NODE_OP_TYPE), name = string(n, OnnxModel.NODE_NAME);
		if (!DOMAINS.contains(domain) && !localFunctions.contains(domain + "::" + op)) {
			throw new UnsafeModelException(file + " is refused before ONNX Runtime reads it: the node '" + name + "' in " + where
				+ " calls the operator " + op + " of the domain '" + domain + "', which comes from a custom operator library (native code),"
				+ " not from ONNX." + trustHint(), domain + "::" + op, name, where);
		}
		for (ByteString a : lengthDelimited(n, OnnxModel.NODE_ATTRIBUTE)) {
			UnknownFieldSet attr = UnknownFieldSet.parseFrom(a);
			for (ByteString t : lengthDelimited(attr, OnnxModel.ATTR_T)) tensor(UnknownFieldSet.parseFrom(t), where);
			for (ByteString t : lengthDelimited(attr, OnnxModel.ATTR_TENSORS)) tensor(UnknownFieldSet.parseFrom(t), where);
			for (ByteString t : lengthDelimited(attr, OnnxModel.ATTR_SPARSE_TENSOR)) sparse(UnknownFieldSet.parseFrom(t), where);
			for (ByteString t : lengthDelimited(attr, OnnxModel.ATTR_SPARSE_TENSORS)) sparse(UnknownFieldSet.parseFrom(t), where);
			for (ByteString g : lengthDelimited(attr, OnnxModel.ATTR_G)) graph(UnknownFieldSet.parseFrom(g), "a subgraph of '" + name + "'");
			for (ByteString g : lengthDelimited(attr, OnnxModel.ATTR_GRAPHS)) graph(UnknownFieldSet.parseFrom(g), "a subgraph of '" + name + "'");
		}
	}

	private void sparse(UnknownFieldSet st, String where) throws InvalidProtocolBufferException {
		for (int field : new int[] { 1, 2 }) for (ByteString t : lengthDelimited(st, field)) tensor(UnknownFieldSet.parseFrom(t), where);
	}

	/** A tensor kept in an external file must name a plain relative path inside the model's folder. */
	private void tensor(UnknownFieldSet t, String where) throws InvalidProtocolBufferException {
		boolean external = varints(t, OnnxModel.TENSOR_DATA_LOCATION).contains(1L) || !lengthDelimited(t, OnnxModel.TENSOR_EXTERNAL_DATA).isEmpty();
		if (!external) return;
		externalData = true;
		String location = null;
		for (ByteString e : lengthDelimited(t, OnnxModel.TENSOR_EXTERNAL_DATA)) {
			UnknownFieldSet kv = UnknownFieldSet.parseFrom(e);
			if (string(kv, 1).equals("location")) location = string(kv, 2);
		}
		String tensor = string(t, OnnxModel.TENSOR_NAME);
		boolean plain = location != null && !location.isBlank() && !location.startsWith("/") && !location.contains("\\")
			&& !location.matches("^[A-Za-z]:.*") && !location.contains(":");
		if (plain) {
			for (String part : location.split("/")) plain &= !part.equals("..");
		}
		if (!plain) {
			throw new UnsafeModelException(file + " is refused before ONNX Runtime reads it: the tensor '" + tensor + "' in " + where
				+ " is stored in the external file '" + location + "', which is not a plain relative path inside the model's folder"
				+ " (ONNX Runtime would read whatever file it names)." + trustHint(), "external data", tensor, where);
		}
	}

	private static String trustHint() {
		return " Load it only if you trust its author: LoadOptions.trusted(), or the Java option -D" + LoadOptions.TRUST_PROPERTY + "=true.";
	}
}
