package org.conceptscope.model;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.conceptscope.model.GraphSession.Endpoint;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.TensorProto;
import org.tensorflow.proto.TensorShapeProto;

/**
 * The backward pass from the logits to the input, built by ConceptScope as new operations of the
 * loaded graph, one rule per operation type, so that ReLUs can pass back what Guided
 * Backpropagation or DeconvNet ask ({@link ReluBackward}). TensorFlow's own gradient registry
 * (what {@code TF_AddGradients} uses) cannot be overridden per operation from the C API, so the
 * rules are written here with TensorFlow's gradient kernels (Conv2DBackpropInput, MaxPoolGrad,
 * ...). With {@link ReluBackward#ORDINARY} the result is the ordinary gradient, which is how the
 * rules are checked against TensorFlow's. Built once per rule; runs batched like any gradient.
 */
final class BackwardGraph {

	/** Operation types the backward pass goes through. */
	static final Set<String> SUPPORTED = Set.of("Identity", "IdentityN", "Snapshot", "Relu", "Relu6", "LeakyRelu", "Elu", "Selu", "Sigmoid", "Softmax",
		"Tanh", "Softplus", "BiasAdd", "Add", "AddV2", "Sub", "Mul", "RealDiv", "Neg", "MatMul", "Conv2D", "DepthwiseConv2dNative", "MaxPool",
		"AvgPool", "FusedBatchNorm", "FusedBatchNormV3", "Mean", "Sum", "Reshape", "Squeeze", "ExpandDims", "Pad", "PadV2", "ConcatV2");

	private final GraphSession graph;
	private final Map<String, NodeDef> nodes = new HashMap<>();
	private final String input;
	private final ReluBackward rule;
	private final String prefix;
	private final String what;
	private int count;
	private final Map<String, Boolean> dependsOnInput = new HashMap<>();

	private BackwardGraph(GraphSession graph, GraphDef def, String input, ReluBackward rule, String prefix, String what) {
		this.graph = graph;
		for (NodeDef n : def.getNodeList()) nodes.put(n.getName(), n);
		this.input = input;
		this.rule = rule;
		this.prefix = prefix;
		this.what = what;
	}

	/**
	 * Adds d(sum weights * logits) / d(input) under the rule and returns it.
	 *
	 * @param what the method, for messages
	 * @throws IllegalArgumentException naming an operation on the way that has no rule here
	 */
	static Endpoint build(GraphSession graph, Endpoint input, Endpoint logits, Endpoint weights, ReluBackward rule, String prefix, String what) {
		BackwardGraph b = new BackwardGraph(graph, graph.toGraphDef(), GraphSession.opName(input.op()), rule, prefix, what);
		return b.run(tensor(logits.name()), weights);
	}

	private Endpoint run(String logits, Endpoint weights) {
		List<String> order = new ArrayList<>();
		postOrder(opName(logits), new HashSet<>(), order);
		for (String name : order) {
			NodeDef n = nodes.get(name);
			if (!name.equals(input) && !SUPPORTED.contains(n.getOp())) {
				throw new IllegalArgumentException(what + " cannot pass back through operation " + n.getOp() + " (node '" + name
					+ "'): it handles " + new TreeSet<>(SUPPORTED) + ". Use Saliency or Integrated Gradients, which use TensorFlow's own gradients.");
			}
		}
		if (rule != ReluBackward.ORDINARY) refuseWithoutRelu(order);
		Map<String, List<Endpoint>> grads = new LinkedHashMap<>();
		grads.computeIfAbsent(logits, k -> new ArrayList<>()).add(weights);
		for (int i = order.size() - 1; i >= 0; i--) {
			NodeDef n = nodes.get(order.get(i));
			if (n.getName().equals(input)) break;
			backward(n, grads);
		}
		Endpoint g = total(grads.get(input + ":0"));
		if (g == null) throw new IllegalArgumentException("The logits do not depend on the input through a path " + what + " can follow.");
		return g;
	}

	/** Operation types whose backward pass the rule changes; every other activation passes back its gradient. */
	static final Set<String> RELUS = Set.of("Relu", "Relu6");

	/**
	 * Refuses a path from the input to the logits without a ReLU: the rule changes only what ReLUs
	 * pass back, so there the result would silently be the plain gradient (swish/SiLU networks such
	 * as EfficientNet, LeakyReLU, ELU or tanh networks). Captum and Xplique return the plain gradient.
	 */
	private void refuseWithoutRelu(List<String> order) {
		TreeSet<String> types = new TreeSet<>();
		for (String name : order) {
			if (name.equals(input)) continue;
			String type = nodes.get(name).getOp();
			if (RELUS.contains(type)) return;
			types.add(type);
		}
		TreeSet<String> activations = new TreeSet<>(types);
		activations.retainAll(Set.of("LeakyRelu", "Elu", "Selu", "Sigmoid", "Tanh", "Softplus", "Softmax"));
		throw new IllegalArgumentException(what + " changes only what ReLUs (Relu, Relu6) pass back, and the model has none between its"
			+ " input and its logits (" + (activations.isEmpty() ? "operations on the way: " + types : "its activations: " + activations
				+ (activations.contains("Sigmoid") && types.contains("Mul") ? "; swish is x times Sigmoid(x)" : ""))
			+ "), so the map would be the plain gradient. Use Saliency or Integrated Gradients, which read the plain gradient.");
	}

	/** Data-dependent nodes reachable from {@code name}, inputs before consumers. */
	private void postOrder(String name, Set<String> seen, List<String> order) {
		if (!seen.add(name)) return;
		NodeDef n = nodes.get(name);
		if (n == null) throw new IllegalArgumentException("The graph has no node '" + name + "'.");
		if (!name.equals(input)) {
			for (String in : n.getInputList()) {
				if (in.startsWith("^")) continue;
				String src = opName(in);
				if (depends(src)) postOrder(src, seen, order);
			}
		}
		order.add(name);
	}

	private boolean depends(String name) {
		Boolean known = dependsOnInput.get(name);
		if (known != null) return known;
		dependsOnInput.put(name, false); // a cycle does not count
		boolean r = name.equals(input);
		NodeDef n = nodes.get(name);
		if (n != null) {
			for (String in : n.getInputList()) {
				if (!r && !in.startsWith("^")) r = depends(opName(in));
			}
		}
		dependsOnInput.put(name, r);
		return r;
	}

	/** Passes the gradients of node n's outputs on to its data-dependent inputs. */
	private void backward(NodeDef n, Map<String, List<Endpoint>> grads) {
		String type = n.getOp();
		if (type.equals("IdentityN")) {
			for (int k = 0; k < n.getInputCount(); k++) {
				Endpoint g = total(grads.get(n.getName() + ":" + k));
				if (g != null && depends(opName(n.getInput(k)))) add(grads, n.getInput(k), g);
			}
			return;
		}
		Endpoint g = total(grads.get(n.getName() + ":0"));
		if (g == null) return; // reaches the logits only through outputs without gradient
		List<String> in = n.getInputList().stream().filter(s -> !s.startsWith("^")).toList();
		Endpoint x = in.isEmpty() ? null : forward(in.get(0));
		switch (type) {
			case "Identity", "Snapshot", "BiasAdd" -> {
				add(grads, in.get(0), g);
				if (type.equals("BiasAdd")) refuseDataDependent(n, in, 1);
			}
			case "Relu" -> add(grads, in.get(0), switch (rule) {
				case ORDINARY -> op("ReluGrad", g, x);
				case GUIDED -> op("ReluGrad", op("Relu", g), x);
				case DECONVNET -> op("Relu", g);
			});
			case "Relu6" -> add(grads, in.get(0), switch (rule) {
				case ORDINARY -> op("Relu6Grad", g, x);
				case GUIDED -> op("Relu6Grad", op("Relu", g), x);
				case DECONVNET -> op("Relu", g);
			});
			case "LeakyRelu" -> add(grads, in.get(0), op("LeakyReluGrad", attrs(n, "alpha"), g, x));
			case "Softplus" -> add(grads, in.get(0), op("SoftplusGrad", g, x));
			case "Elu" -> add(grads, in.get(0), op("EluGrad", g, forward(n.getName())));
			case "Selu" -> add(grads, in.get(0), op("SeluGrad", g, forward(n.getName())));
			case "Sigmoid" -> add(grads, in.get(0), op("SigmoidGrad", forward(n.getName()), g));
			case "Tanh" -> add(grads, in.get(0), op("TanhGrad", forward(n.getName()), g));
			case "Softmax" -> {
				// y = softmax(x) over the last axis (a dense model's per-pixel output): dx = y (g - sum(g y, last axis))
				Endpoint y = forward(n.getName());
				Endpoint dot = op("Sum", Map.of("keep_dims", bool(true)), op("Mul", g, y), intVector(new int[] { -1 }));
				add(grads, in.get(0), op("Mul", y, op("Sub", g, dot)));
			}
			case "Neg" -> add(grads, in.get(0), op("Neg", g));
			case "Add", "AddV2", "Sub", "Mul", "RealDiv" -> binary(n, in, g, grads);
			case "MatMul" -> matMul(n, in, g, grads);
			case "Conv2D" -> {
				refuseDataDependent(n, in, 1);
				add(grads, in.get(0), op("Conv2DBackpropInput", copyAttrs(n), shape(x), forward(in.get(1)), g));
			}
			case "DepthwiseConv2dNative" -> {
				refuseDataDependent(n, in, 1);
				add(grads, in.get(0), op("DepthwiseConv2dNativeBackpropInput", copyAttrs(n), shape(x), forward(in.get(1)), g));
			}
			case "MaxPool" -> add(grads, in.get(0), op("MaxPoolGrad", copyAttrs(n), x, forward(n.getName()), g));
			case "AvgPool" -> add(grads, in.get(0), op("AvgPoolGrad", copyAttrs(n), shape(x), g));
			case "FusedBatchNorm", "FusedBatchNormV3" -> batchNorm(n, in, g, grads);
			case "Mean", "Sum" -> reduction(n, in, g, grads);
			case "Reshape", "Squeeze", "ExpandDims" -> {
				refuseDataDependent(n, in, 1);
				add(grads, in.get(0), op("Reshape", g, shape(x)));
			}
			case "Pad", "PadV2" -> {
				refuseDataDependent(n, in, 1);
				long[] pads = intConstant(in.get(1), n);
				int rank = pads.length / 2;
				int[] begin = new int[rank];
				for (int d = 0; d < rank; d++) begin[d] = (int) pads[2 * d];
				add(grads, in.get(0), op("Slice", g, intVector(begin), shape(x)));
			}
			case "ConcatV2" -> concat(n, in, g, grads);
			default -> throw new IllegalStateException("No rule for " + type + ".");
		}
	}

	/** Add, Sub, Mul, RealDiv with broadcasting: each data-dependent input gets its share, summed back to its own shape. */
	private void binary(NodeDef n, List<String> in, Endpoint g, Map<String, List<Endpoint>> grads) {
		String type = n.getOp();
		Endpoint a = forward(in.get(0)), b = forward(in.get(1));
		boolean da = depends(opName(in.get(0))), db = depends(opName(in.get(1)));
		if (type.equals("RealDiv") && db) refuseDataDependent(n, in, 1);
		Endpoint[] shares = new Endpoint[2];
		if (da) {
			shares[0] = switch (type) {
				case "Mul" -> op("Mul", g, b);
				case "RealDiv" -> op("RealDiv", g, b);
				default -> g;
			};
		}
		if (db) {
			shares[1] = switch (type) {
				case "Mul" -> op("Mul", g, a);
				case "Sub" -> op("Neg", g);
				default -> g;
			};
		}
		Endpoint[] reduce = null;
		for (int i = 0; i < 2; i++) {
			if (shares[i] == null) continue;
			Endpoint mine = i == 0 ? a : b;
			Endpoint share = shares[i];
			if (!sameShape(mine, forward(n.getName()))) {
				if (reduce == null) reduce = graph.addOperation("BroadcastGradientArgs", name(), new Object[] { shape(a), shape(b) }, Map.of());
				share = op("Reshape", op("Sum", Map.of("keep_dims", bool(false)), share, reduce[i]), shape(mine));
			}
			add(grads, in.get(i), share);
		}
	}

	private void matMul(NodeDef n, List<String> in, Endpoint g, Map<String, List<Endpoint>> grads) {
		refuseDataDependent(n, in, 1);
		boolean ta = n.getAttrOrDefault("transpose_a", bool(false)).getB(), tb = n.getAttrOrDefault("transpose_b", bool(false)).getB();
		Endpoint w = forward(in.get(1));
		// y = op(a) op(w): d a = g op(w)' (transposed back when a was transposed)
		Endpoint da = ta ? op("MatMul", Map.of("transpose_a", bool(tb), "transpose_b", bool(true)), w, g)
			: op("MatMul", Map.of("transpose_a", bool(false), "transpose_b", bool(!tb)), g, w);
		add(grads, in.get(0), da);
	}

	/** Inference-mode batch norm: y = scale (x - mean) / sqrt(var + eps) + offset, so dx = g scale / sqrt(var + eps) per channel. */
	private void batchNorm(NodeDef n, List<String> in, Endpoint g, Map<String, List<Endpoint>> grads) {
		if (n.getAttrOrDefault("is_training", bool(true)).getB()) {
			throw new IllegalArgumentException(what + " cannot pass back through batch norm node '" + n.getName()
				+ "' in training mode; export the model for inference.");
		}
		String format = n.getAttrOrDefault("data_format", AttrValue.newBuilder().setS(com.google.protobuf.ByteString.copyFromUtf8("NHWC")).build())
			.getS().toStringUtf8();
		if (!format.equals("NHWC")) throw new IllegalArgumentException(what + " handles batch norm on NHWC tensors; node '" + n.getName() + "' is " + format + ".");
		for (int i = 1; i < 5; i++) refuseDataDependent(n, in, i);
		float eps = n.getAttrOrDefault("epsilon", AttrValue.newBuilder().setF(1e-4f).build()).getF();
		Endpoint factor = op("Mul", forward(in.get(1)), op("Rsqrt", op("AddV2", forward(in.get(4)), floatScalar(eps))));
		add(grads, in.get(0), op("Mul", g, factor));
	}

	/** Mean or Sum over constant axes: g spread back over the reduced axes (divided by their size for Mean). */
	private void reduction(NodeDef n, List<String> in, Endpoint g, Map<String, List<Endpoint>> grads) {
		refuseDataDependent(n, in, 1);
		Endpoint x = forward(in.get(0));
		long[] xs = graph.staticShape(x);
		if (xs == null) throw new IllegalArgumentException(what + " needs the rank of the input of node '" + n.getName() + "'.");
		long[] axes = intConstant(in.get(1), n);
		TreeSet<Integer> sorted = new TreeSet<>();
		long size = 1;
		for (long a : axes) {
			int axis = (int) (a < 0 ? a + xs.length : a);
			sorted.add(axis);
			if (xs[axis] < 1 && n.getOp().equals("Mean")) {
				throw new IllegalArgumentException(what + " needs the size of the axes node '" + n.getName() + "' averages over.");
			}
			size *= Math.max(1, xs[axis]);
		}
		Endpoint spread = g;
		if (!n.getAttrOrDefault("keep_dims", bool(false)).getB()) {
			for (int axis : sorted) spread = op("ExpandDims", spread, intScalar(axis));
		}
		spread = op("BroadcastTo", spread, shape(x));
		if (n.getOp().equals("Mean")) spread = op("Mul", spread, floatScalar((float) (1.0 / size)));
		add(grads, in.get(0), spread);
	}

	private void concat(NodeDef n, List<String> in, Endpoint g, Map<String, List<Endpoint>> grads) {
		int parts = in.size() - 1;
		refuseDataDependent(n, in, parts);
		Endpoint[] shapes = new Endpoint[parts];
		for (int i = 0; i < parts; i++) shapes[i] = shape(forward(in.get(i)));
		Endpoint axis = forward(in.get(parts));
		long[] a = intConstant(in.get(parts), n);
		long[] rank = graph.staticShape(forward(in.get(0)));
		if (rank == null) throw new IllegalArgumentException(what + " needs the rank of the inputs of node '" + n.getName() + "'.");
		// ConcatOffset wants an int32 axis in [0, rank)
		Endpoint axis32 = a[0] < 0 ? intScalar((int) (a[0] + rank.length)) : op("Cast", Map.of("DstT", type(DataType.DT_INT32)), axis);
		Endpoint[] offsets = graph.addOperation("ConcatOffset", name(), new Object[] { axis32, shapes }, Map.of());
		for (int i = 0; i < parts; i++) {
			if (depends(opName(in.get(i)))) add(grads, in.get(i), op("Slice", g, offsets[i], shapes[i]));
		}
	}

	// ---- helpers ----

	private void refuseDataDependent(NodeDef n, List<String> in, int i) {
		if (i < in.size() && depends(opName(in.get(i)))) {
			throw new IllegalArgumentException(what + " cannot pass back through " + n.getOp() + " node '" + n.getName()
				+ "' whose input " + i + " depends on the image (it handles images that meet fixed weights there).");
		}
	}

	private boolean sameShape(Endpoint a, Endpoint b) {
		long[] sa = graph.staticShape(a), sb = graph.staticShape(b);
		if (sa == null || sb == null || sa.length != sb.length) return false;
		for (int i = 0; i < sa.length; i++) {
			if (sa[i] != sb[i] || (sa[i] < 0 && i > 0)) return false;
		}
		return true;
	}

	private static void add(Map<String, List<Endpoint>> grads, String tensor, Endpoint g) {
		grads.computeIfAbsent(tensor(tensor), k -> new ArrayList<>()).add(g);
	}

	private Endpoint total(List<Endpoint> parts) {
		if (parts == null || parts.isEmpty()) return null;
		if (parts.size() == 1) return parts.get(0);
		return graph.addOperation("AddN", name(), new Object[] { parts.toArray(Endpoint[]::new) }, Map.of())[0];
	}

	private Endpoint forward(String tensor) {
		String t = tensor(tensor);
		Endpoint e = graph.find(t);
		if (e == null) throw new IllegalArgumentException("The graph has no tensor '" + t + "'.");
		return e;
	}

	private Endpoint shape(Endpoint x) {
		return op("Shape", x);
	}

	private Endpoint op(String type, Endpoint... inputs) {
		return op(type, Map.of(), inputs);
	}

	private Endpoint op(String type, Map<String, AttrValue> attrs, Endpoint... inputs) {
		return graph.addOperation(type, name(), inputs, attrs)[0];
	}

	private String name() {
		return prefix + "/" + (count++);
	}

	/** The forward operation's attributes without its type attributes (inferred from the new inputs) and internal ones. */
	private static Map<String, AttrValue> copyAttrs(NodeDef n) {
		Map<String, AttrValue> out = new HashMap<>();
		for (Map.Entry<String, AttrValue> a : n.getAttrMap().entrySet()) {
			if (!a.getKey().startsWith("_") && !a.getKey().equals("T")) out.put(a.getKey(), a.getValue());
		}
		return out;
	}

	private static Map<String, AttrValue> attrs(NodeDef n, String... keys) {
		Map<String, AttrValue> out = new HashMap<>();
		for (String k : keys) if (n.containsAttr(k)) out.put(k, n.getAttrOrThrow(k));
		return out;
	}

	private static AttrValue bool(boolean b) {
		return AttrValue.newBuilder().setB(b).build();
	}

	private static AttrValue type(DataType t) {
		return AttrValue.newBuilder().setType(t).build();
	}

	private Endpoint constant(TensorProto value) {
		return op("Const", Map.of("value", AttrValue.newBuilder().setTensor(value).build(), "dtype", type(value.getDtype())));
	}

	private Endpoint floatScalar(float v) {
		return constant(TensorProto.newBuilder().setDtype(DataType.DT_FLOAT).setTensorShape(TensorShapeProto.getDefaultInstance()).addFloatVal(v).build());
	}

	private Endpoint intScalar(int v) {
		return constant(TensorProto.newBuilder().setDtype(DataType.DT_INT32).setTensorShape(TensorShapeProto.getDefaultInstance()).addIntVal(v).build());
	}

	private Endpoint intVector(int[] v) {
		TensorProto.Builder t = TensorProto.newBuilder().setDtype(DataType.DT_INT32)
			.setTensorShape(TensorShapeProto.newBuilder().addDim(TensorShapeProto.Dim.newBuilder().setSize(v.length)));
		for (int x : v) t.addIntVal(x);
		return constant(t.build());
	}

	/** The values of an integer constant (through Identity ops), for axes and paddings. */
	private long[] intConstant(String tensor, NodeDef user) {
		NodeDef c = nodes.get(opName(tensor));
		for (int hop = 0; c != null && c.getOp().equals("Identity") && hop < 16; hop++) c = nodes.get(opName(c.getInput(0)));
		if (c == null || !c.getOp().equals("Const")) {
			throw new IllegalArgumentException(what + " needs node '" + user.getName() + "' to take its axes or paddings from a constant.");
		}
		TensorProto t = c.getAttrOrThrow("value").getTensor();
		int size = 1;
		for (TensorShapeProto.Dim d : t.getTensorShape().getDimList()) size *= (int) d.getSize();
		long[] v = new long[size];
		boolean int64 = t.getDtype() == DataType.DT_INT64;
		if (!t.getTensorContent().isEmpty()) {
			ByteBuffer b = t.getTensorContent().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
			for (int i = 0; i < size; i++) v[i] = int64 ? b.getLong() : b.getInt();
		} else {
			for (int i = 0; i < size; i++) {
				v[i] = int64 ? t.getInt64Val(Math.min(i, t.getInt64ValCount() - 1)) : t.getIntVal(Math.min(i, t.getIntValCount() - 1));
			}
		}
		return v;
	}

	/** "node" and "node:0" name the same tensor. */
	static String tensor(String name) {
		String s = name.startsWith("^") ? name.substring(1) : name;
		int colon = s.lastIndexOf(':');
		if (colon > 0) {
			try {
				Integer.parseInt(s.substring(colon + 1));
				return s;
			} catch (NumberFormatException e) {
				// a colon inside the name
			}
		}
		return s + ":0";
	}

	static String opName(String tensor) {
		String t = tensor(tensor);
		return t.substring(0, t.lastIndexOf(':'));
	}

	@Override
	public String toString() {
		return "BackwardGraph[" + rule + ", " + Arrays.toString(new String[] { input }) + "]";
	}
}
