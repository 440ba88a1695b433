package org.conceptscope.verify;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.TensorProto;

/**
 * The classifier's graph from input to logits as a list of operations ConceptScope can evaluate
 * itself, in order: what bound propagation (and any method that reasons layer by layer) walks.
 * Weights (constants and variables) are read once. An operation outside the supported set gets a
 * message naming it and its node.
 */
public final class GraphProgram {

	/** Operation types this program evaluates. */
	public static final Set<String> SUPPORTED = union(Set.of("Placeholder", "Identity", "Conv2D", "BiasAdd", "Add", "AddV2", "Sub", "Mul",
		"Relu", "Relu6", "MaxPool", "AvgPool", "FusedBatchNorm", "FusedBatchNormV3", "Mean", "Reshape", "MatMul"), KerasIntervals.OPS);

	private static Set<String> union(Set<String> a, Set<String> b) {
		Set<String> u = new HashSet<>(a);
		u.addAll(b);
		return Set.copyOf(u);
	}

	/** One operation: its type, the node names of its data inputs, attributes. */
	public record Step(String name, String op, List<String> inputs, Map<String, AttrValue> attrs) {}

	final List<Step> steps = new ArrayList<>();
	final Map<String, FloatTensor> params = new HashMap<>();
	final String input, output;
	final long[] inputShape;
	/**
	 * Whether the SavedModel takes one image without a batch axis: the loader feeds its input node [H, W, C] as a Squeeze of
	 * the program's input [1, H, W, C], and the model's own ExpandDims(image, 0) (or -4, the same axis) or Reshape of it is read from that input.
	 */
	private boolean oneImage;

	private GraphProgram(String input, String output, long[] inputShape) {
		this.input = input;
		this.output = output;
		this.inputShape = inputShape;
	}

	public List<Step> steps() {
		return List.copyOf(steps);
	}

	/** The value of a weight node (constant or variable), or null when the node depends on the input. */
	public FloatTensor parameter(String node) {
		return params.get(node);
	}

	/** Reads the graph of a loaded classifier, from its input to its logits. */
	public static GraphProgram of(TensorFlowClassifier classifier) {
		GraphDef def = classifier.graphDef();
		Map<String, NodeDef> nodes = new HashMap<>();
		for (NodeDef n : def.getNodeList()) nodes.put(n.getName(), n);
		String in = opName(classifier.signature().input().tensorName());
		String out = opName(classifier.signature().logits().tensorName());
		GraphProgram p = new GraphProgram(in, out, classifier.signature().input().shape());
		p.oneImage = classifier.config().inputWithoutBatchAxis;
		Set<String> fed = new HashSet<>();
		p.visit(out, nodes, fed, new HashSet<>(), classifier);
		return p;
	}

	/** Depth-first from the logits: data-dependent nodes become steps (inputs first), others parameters. */
	private boolean visit(String name, Map<String, NodeDef> nodes, Set<String> fed, Set<String> done, TensorFlowClassifier c) {
		if (fed.contains(name)) return true;
		if (done.contains(name)) return false;
		NodeDef n = nodes.get(name);
		if (n == null) throw new IllegalArgumentException("The graph has no node '" + name + "'.");
		done.add(name);
		if (name.equals(input)) {
			steps.add(new Step(name, "Placeholder", List.of(), Map.of()));
			fed.add(name);
			return true;
		}
		if (oneImage && n.getOp().equals("ExpandDims") && n.getInputCount() >= 2 && squeezedInput(n.getInput(0), nodes)
			&& isFirstAxis(nodes.get(opName(n.getInput(1))), inputShape.length - 1)) {
			// the image put back into the batch of one it came in: that input itself
			visit(input, nodes, fed, done, c);
			steps.add(new Step(name, "Identity", List.of(input), Map.of()));
			fed.add(name);
			return true;
		}
		List<String> inputs = new ArrayList<>();
		boolean dependsOnInput = false;
		for (String raw : n.getInputList()) {
			if (raw.startsWith("^")) continue; // control dependency
			String src = opName(raw);
			if (raw.contains(":") && !raw.endsWith(":0")) {
				throw new IllegalArgumentException("Node '" + name + "' reads output " + raw + "; only first outputs are supported.");
			}
			// a Reshape of the image [H, W, C] reads the same values, in the same order, from the batch of one
			if (oneImage && n.getOp().equals("Reshape") && inputs.isEmpty() && squeezedInput(raw, nodes)) src = input;
			inputs.add(src);
			dependsOnInput |= visit(src, nodes, fed, done, c);
		}
		if (!dependsOnInput) {
			params.put(name, parameter(n, nodes, c));
			return false;
		}
		if (!SUPPORTED.contains(n.getOp())) {
			throw new UnsupportedOperationException("Operation " + n.getOp() + " (node '" + name + "') is not supported by"
				+ " ConceptScope's graph analysis, which handles " + new java.util.TreeSet<>(SUPPORTED) + ".");
		}
		steps.add(new Step(name, n.getOp(), inputs, n.getAttrMap()));
		fed.add(name);
		return true;
	}

	/** Whether a tensor is the one-image input node: a Squeeze of the program's input (see {@link #oneImage}). */
	private boolean squeezedInput(String tensor, Map<String, NodeDef> nodes) {
		if (tensor.startsWith("^") || (tensor.contains(":") && !tensor.endsWith(":0"))) return false;
		NodeDef n = nodes.get(opName(tensor));
		return n != null && n.getOp().equals("Squeeze") && n.getInputCount() >= 1 && opName(n.getInput(0)).equals(input);
	}

	/**
	 * Whether a node is a constant ExpandDims axis (an int32 or int64 scalar or one-element axis) that puts the new axis first
	 * in a tensor of this rank: 0, or -(rank + 1) as {@code tf.expand_dims(x, -4)} writes it for an image [H, W, C].
	 */
	static boolean isFirstAxis(NodeDef n, int rank) {
		if (n == null || !n.getOp().equals("Const")) return false;
		org.tensorflow.proto.TensorProto t = n.getAttrOrThrow("value").getTensor();
		if (t.getDtype() != DataType.DT_INT32 && t.getDtype() != DataType.DT_INT64) return false;
		FloatTensor v = constant(t, n.getName());
		return v.size() == 1 && (v.data()[0] == 0 || v.data()[0] == -(rank + 1));
	}

	/** The value of a node that does not depend on the input: a constant, a variable, or an identity of one. */
	private FloatTensor parameter(NodeDef n, Map<String, NodeDef> nodes, TensorFlowClassifier c) {
		switch (n.getOp()) {
			case "Const":
				return constant(n.getAttrOrThrow("value").getTensor(), n.getName());
			case "VariableV2":
			case "VarHandleOp":
				return c.variable(n.getName());
			case "Identity":
			case "ReadVariableOp":
				return parameter(nodes.get(opName(n.getInput(0))), nodes, c);
			default:
				throw new UnsupportedOperationException("Node '" + n.getName() + "' (" + n.getOp() + ") computes a parameter;"
					+ " only constants and variables are supported as weights.");
		}
	}

	static FloatTensor constant(TensorProto t, String name) {
		long[] shape = t.getTensorShape().getDimList().stream().mapToLong(d -> d.getSize()).toArray();
		int size = Math.toIntExact(FloatTensor.sizeOf(shape));
		float[] v = new float[size];
		if (t.getDtype() == DataType.DT_FLOAT) {
			if (!t.getTensorContent().isEmpty()) {
				ByteBuffer b = t.getTensorContent().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
				b.asFloatBuffer().get(v);
			} else {
				for (int i = 0; i < size; i++) v[i] = t.getFloatVal(Math.min(i, t.getFloatValCount() - 1));
			}
		} else if (t.getDtype() == DataType.DT_INT32) {
			if (!t.getTensorContent().isEmpty()) {
				ByteBuffer b = t.getTensorContent().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
				for (int i = 0; i < size; i++) v[i] = b.getInt();
			} else {
				for (int i = 0; i < size; i++) v[i] = t.getIntVal(Math.min(i, t.getIntValCount() - 1));
			}
		} else if (t.getDtype() == DataType.DT_INT64) {
			if (!t.getTensorContent().isEmpty()) {
				ByteBuffer b = t.getTensorContent().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
				for (int i = 0; i < size; i++) v[i] = b.getLong();
			} else {
				for (int i = 0; i < size; i++) v[i] = t.getInt64Val(Math.min(i, t.getInt64ValCount() - 1));
			}
		} else {
			throw new UnsupportedOperationException("Constant '" + name + "' has type " + t.getDtype() + "; float32, int32 and int64 are supported.");
		}
		return new FloatTensor(shape, v);
	}

	static String opName(String tensor) {
		String s = tensor.startsWith("^") ? tensor.substring(1) : tensor;
		int colon = s.lastIndexOf(':');
		return colon > 0 ? s.substring(0, colon) : s;
	}
}
