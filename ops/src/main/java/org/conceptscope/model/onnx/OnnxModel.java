package org.conceptscope.model.onnx;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnknownFieldSet;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

import org.conceptscope.model.ModelLoadException;

/**
 * An ONNX model read at the protobuf wire level (field numbers of onnx.proto, no generated
 * classes): its graph's nodes, inputs, outputs and initializers, enough to check it and to write
 * the two derived graphs layer methods need: the graph with inner tensors as extra outputs (g), and
 * the graph cut at a tensor that becomes its input (h). Fields it does not know are kept as they are.
 */
final class OnnxModel {

	// onnx.proto field numbers
	static final int MODEL_OPSET = 8, MODEL_GRAPH = 7, MODEL_TRAINING_INFO = 20, MODEL_FUNCTIONS = 25;
	static final int GRAPH_NODE = 1, GRAPH_INITIALIZER = 5, GRAPH_INPUT = 11, GRAPH_OUTPUT = 12, GRAPH_VALUE_INFO = 13, GRAPH_SPARSE_INITIALIZER = 15;
	static final int NODE_INPUT = 1, NODE_OUTPUT = 2, NODE_NAME = 3, NODE_OP_TYPE = 4, NODE_ATTRIBUTE = 5, NODE_DOMAIN = 7;
	static final int ATTR_T = 5, ATTR_G = 6, ATTR_TENSORS = 10, ATTR_GRAPHS = 11, ATTR_SPARSE_TENSOR = 22, ATTR_SPARSE_TENSORS = 23;
	static final int TENSOR_NAME = 8, TENSOR_EXTERNAL_DATA = 13, TENSOR_DATA_LOCATION = 14;
	static final int VALUE_NAME = 1, VALUE_TYPE = 2, TYPE_TENSOR = 1, TENSOR_TYPE_ELEM = 1, TENSOR_TYPE_SHAPE = 2, SHAPE_DIM = 1, DIM_VALUE = 1;
	static final int FUNCTION_NAME = 1, FUNCTION_NODE = 7, FUNCTION_DOMAIN = 10;
	static final int ELEM_FLOAT = 1;

	/** A node of the main graph. */
	record Node(int index, String name, String opType, String domain, List<String> inputs, List<String> outputs, Set<String> outerNames) {}

	/** A graph input or output: name, element type (1: float32), dims (-1: unknown). */
	record Value(String name, int elemType, long[] dims) {}

	final UnknownFieldSet model;
	final UnknownFieldSet graph;
	final List<Node> nodes = new ArrayList<>();
	final List<Value> inputs = new ArrayList<>();
	final List<Value> outputs = new ArrayList<>();
	final Set<String> initializers = new HashSet<>();

	private OnnxModel(UnknownFieldSet model, UnknownFieldSet graph) {
		this.model = model;
		this.graph = graph;
	}

	static OnnxModel parse(byte[] bytes, String file) {
		try {
			UnknownFieldSet model = UnknownFieldSet.parseFrom(bytes);
			List<ByteString> g = lengthDelimited(model, MODEL_GRAPH);
			if (g.size() != 1 || lengthDelimited(model, MODEL_OPSET).isEmpty()) {
				throw new ModelLoadException(file + " is not an ONNX model (no graph or no opset); export the model with torch.onnx.export or tf2onnx.");
			}
			OnnxModel m = new OnnxModel(model, UnknownFieldSet.parseFrom(g.get(0)));
			m.read();
			return m;
		} catch (InvalidProtocolBufferException e) {
			throw new ModelLoadException(file + " is not an ONNX model (it is not a readable protobuf: " + e.getMessage() + ").", e);
		}
	}

	private void read() throws InvalidProtocolBufferException {
		for (ByteString t : lengthDelimited(graph, GRAPH_INITIALIZER)) initializers.add(string(UnknownFieldSet.parseFrom(t), TENSOR_NAME));
		for (ByteString t : lengthDelimited(graph, GRAPH_SPARSE_INITIALIZER)) {
			UnknownFieldSet sparse = UnknownFieldSet.parseFrom(t);
			for (ByteString values : lengthDelimited(sparse, 1)) initializers.add(string(UnknownFieldSet.parseFrom(values), TENSOR_NAME));
		}
		for (ByteString v : lengthDelimited(graph, GRAPH_INPUT)) {
			Value value = value(UnknownFieldSet.parseFrom(v));
			if (!initializers.contains(value.name())) inputs.add(value);
		}
		for (ByteString v : lengthDelimited(graph, GRAPH_OUTPUT)) outputs.add(value(UnknownFieldSet.parseFrom(v)));
		List<ByteString> ns = lengthDelimited(graph, GRAPH_NODE);
		for (int i = 0; i < ns.size(); i++) {
			UnknownFieldSet n = UnknownFieldSet.parseFrom(ns.get(i));
			Set<String> outer = new HashSet<>();
			forEachSubgraph(n, sub -> outer.addAll(namesUsedIn(sub)));
			nodes.add(new Node(i, string(n, NODE_NAME), string(n, NODE_OP_TYPE), string(n, NODE_DOMAIN), strings(n, NODE_INPUT), strings(n, NODE_OUTPUT), outer));
		}
	}

	private static Value value(UnknownFieldSet v) throws InvalidProtocolBufferException {
		String name = string(v, VALUE_NAME);
		int elem = 0;
		long[] dims = null;
		for (ByteString type : lengthDelimited(v, VALUE_TYPE)) {
			for (ByteString tensor : lengthDelimited(UnknownFieldSet.parseFrom(type), TYPE_TENSOR)) {
				UnknownFieldSet tt = UnknownFieldSet.parseFrom(tensor);
				List<Long> e = varints(tt, TENSOR_TYPE_ELEM);
				if (!e.isEmpty()) elem = e.get(0).intValue();
				for (ByteString shape : lengthDelimited(tt, TENSOR_TYPE_SHAPE)) {
					List<ByteString> ds = lengthDelimited(UnknownFieldSet.parseFrom(shape), SHAPE_DIM);
					dims = new long[ds.size()];
					for (int i = 0; i < ds.size(); i++) {
						List<Long> dv = varints(UnknownFieldSet.parseFrom(ds.get(i)), DIM_VALUE);
						dims[i] = dv.isEmpty() || dv.get(0) < 1 ? -1 : dv.get(0);
					}
				}
			}
		}
		return new Value(name, elem, dims);
	}

	/** Names a subgraph reads from outside itself (ONNX subgraphs may use outer-scope values). */
	private static Set<String> namesUsedIn(UnknownFieldSet subgraph) {
		Set<String> used = new HashSet<>();
		try {
			for (ByteString b : lengthDelimited(subgraph, GRAPH_NODE)) {
				UnknownFieldSet n = UnknownFieldSet.parseFrom(b);
				used.addAll(strings(n, NODE_INPUT));
				forEachSubgraph(n, s -> used.addAll(namesUsedIn(s)));
			}
		} catch (InvalidProtocolBufferException e) {
			// a broken subgraph fails when ONNX Runtime reads it
		}
		return used;
	}

	/** Calls back for every graph in a node's attributes (If, Loop, Scan bodies). */
	static void forEachSubgraph(UnknownFieldSet node, Consumer<UnknownFieldSet> f) {
		try {
			for (ByteString a : lengthDelimited(node, NODE_ATTRIBUTE)) {
				UnknownFieldSet attr = UnknownFieldSet.parseFrom(a);
				for (ByteString g : lengthDelimited(attr, ATTR_G)) f.accept(UnknownFieldSet.parseFrom(g));
				for (ByteString g : lengthDelimited(attr, ATTR_GRAPHS)) f.accept(UnknownFieldSet.parseFrom(g));
			}
		} catch (InvalidProtocolBufferException e) {
			throw new ModelLoadException("An ONNX node has an attribute that is not a readable protobuf: " + e.getMessage(), e);
		}
	}

	/** The model with the named tensors added as float outputs (their shapes left to ONNX Runtime). */
	byte[] withOutputs(List<String> names) {
		UnknownFieldSet.Builder g = UnknownFieldSet.newBuilder(graph);
		UnknownFieldSet.Field.Builder outs = UnknownFieldSet.Field.newBuilder();
		for (ByteString o : lengthDelimited(graph, GRAPH_OUTPUT)) outs.addLengthDelimited(o);
		Set<String> have = new HashSet<>();
		for (Value v : outputs) have.add(v.name());
		for (String n : names) {
			// name only: ONNX Runtime infers the type, so inner tensors of any type can be outputs
			if (have.add(n)) outs.addLengthDelimited(UnknownFieldSet.newBuilder()
				.addField(VALUE_NAME, UnknownFieldSet.Field.newBuilder().addLengthDelimited(ByteString.copyFromUtf8(n)).build()).build().toByteString());
		}
		g.clearField(GRAPH_OUTPUT).addField(GRAPH_OUTPUT, outs.build());
		return withGraph(g.build());
	}

	/**
	 * The part of the model from the tensor {@code cut} (a float input of the given dims, -1 for the
	 * batch) to the output {@code output}; null when that part needs the model's input by another path.
	 */
	byte[] cutAt(String cut, long[] dims, String output) {
		BitSet keep = slice(output, cut);
		if (keep == null) return null;
		Set<String> used = new HashSet<>();
		UnknownFieldSet.Field.Builder nodeField = UnknownFieldSet.Field.newBuilder();
		List<ByteString> ns = lengthDelimited(graph, GRAPH_NODE);
		for (Node n : nodes) {
			if (!keep.get(n.index())) continue;
			nodeField.addLengthDelimited(ns.get(n.index()));
			used.addAll(n.inputs());
			used.addAll(n.outerNames());
		}
		UnknownFieldSet.Field.Builder inits = UnknownFieldSet.Field.newBuilder();
		try {
			for (ByteString t : lengthDelimited(graph, GRAPH_INITIALIZER)) {
				if (used.contains(string(UnknownFieldSet.parseFrom(t), TENSOR_NAME))) inits.addLengthDelimited(t);
			}
		} catch (InvalidProtocolBufferException e) {
			throw new ModelLoadException("An ONNX initializer is not a readable protobuf: " + e.getMessage(), e);
		}
		UnknownFieldSet.Field.Builder outs = UnknownFieldSet.Field.newBuilder();
		boolean declared = false;
		for (ByteString o : lengthDelimited(graph, GRAPH_OUTPUT)) {
			try {
				if (string(UnknownFieldSet.parseFrom(o), VALUE_NAME).equals(output)) {
					outs.addLengthDelimited(o);
					declared = true;
				}
			} catch (InvalidProtocolBufferException e) {
				throw new ModelLoadException("An ONNX output is not a readable protobuf: " + e.getMessage(), e);
			}
		}
		// an inner tensor (the logits before a final Softmax) is an output by name, its type left to ONNX Runtime
		if (!declared) outs.addLengthDelimited(valueInfo(output, null));
		UnknownFieldSet.Builder g = UnknownFieldSet.newBuilder(graph)
			.clearField(GRAPH_NODE).addField(GRAPH_NODE, nodeField.build())
			.clearField(GRAPH_INITIALIZER).addField(GRAPH_INITIALIZER, inits.build())
			.clearField(GRAPH_SPARSE_INITIALIZER)
			.clearField(GRAPH_VALUE_INFO)
			.clearField(GRAPH_INPUT).addField(GRAPH_INPUT, UnknownFieldSet.Field.newBuilder().addLengthDelimited(valueInfo(cut, dims)).build())
			.clearField(GRAPH_OUTPUT).addField(GRAPH_OUTPUT, outs.build());
		return withGraph(g.build());
	}

	/** Nodes {@code output} needs, stopping at {@code cut}; null if they reach a graph input (or {@code cut} is not on the way). */
	BitSet slice(String output, String cut) {
		Map<String, Node> producer = new HashMap<>();
		for (Node n : nodes) for (String o : n.outputs()) producer.put(o, n);
		Set<String> graphInputs = new HashSet<>();
		for (Value v : inputs) graphInputs.add(v.name());
		BitSet keep = new BitSet();
		Deque<String> todo = new ArrayDeque<>(List.of(output));
		Set<String> seen = new HashSet<>();
		boolean reachedCut = false;
		while (!todo.isEmpty()) {
			String t = todo.pop();
			if (t.isEmpty() || !seen.add(t)) continue;
			if (t.equals(cut)) {
				reachedCut = true;
				continue;
			}
			if (graphInputs.contains(t)) return null;
			Node n = producer.get(t);
			if (n == null) continue; // an initializer
			keep.set(n.index());
			todo.addAll(n.inputs());
			todo.addAll(n.outerNames());
		}
		return reachedCut ? keep : null;
	}

	/** Tensor names that depend on the graph input (node outputs reachable from it). */
	Set<String> fromInput() {
		Set<String> dep = new LinkedHashSet<>();
		for (Value v : inputs) dep.add(v.name());
		for (Node n : nodes) { // nodes are topologically sorted in a valid ONNX graph
			boolean d = false;
			for (String i : n.inputs()) d |= dep.contains(i);
			for (String i : n.outerNames()) d |= dep.contains(i);
			if (d) dep.addAll(n.outputs());
		}
		return dep;
	}

	private byte[] withGraph(UnknownFieldSet g) {
		return UnknownFieldSet.newBuilder(model).clearField(MODEL_GRAPH)
			.addField(MODEL_GRAPH, UnknownFieldSet.Field.newBuilder().addLengthDelimited(g.toByteString()).build()).build().toByteArray();
	}

	/** A ValueInfoProto for a float tensor; dims null: no shape, -1: a named batch dimension. */
	private static ByteString valueInfo(String name, long[] dims) {
		UnknownFieldSet.Builder tt = UnknownFieldSet.newBuilder()
			.addField(TENSOR_TYPE_ELEM, UnknownFieldSet.Field.newBuilder().addVarint(ELEM_FLOAT).build());
		if (dims != null) {
			UnknownFieldSet.Field.Builder ds = UnknownFieldSet.Field.newBuilder();
			for (long d : dims) {
				UnknownFieldSet dim = d > 0 ? UnknownFieldSet.newBuilder().addField(DIM_VALUE, UnknownFieldSet.Field.newBuilder().addVarint(d).build()).build()
					: UnknownFieldSet.newBuilder().addField(2, UnknownFieldSet.Field.newBuilder().addLengthDelimited(ByteString.copyFromUtf8("batch")).build()).build();
				ds.addLengthDelimited(dim.toByteString());
			}
			tt.addField(TENSOR_TYPE_SHAPE, UnknownFieldSet.Field.newBuilder()
				.addLengthDelimited(UnknownFieldSet.newBuilder().addField(SHAPE_DIM, ds.build()).build().toByteString()).build());
		}
		UnknownFieldSet type = UnknownFieldSet.newBuilder()
			.addField(TYPE_TENSOR, UnknownFieldSet.Field.newBuilder().addLengthDelimited(tt.build().toByteString()).build()).build();
		return UnknownFieldSet.newBuilder()
			.addField(VALUE_NAME, UnknownFieldSet.Field.newBuilder().addLengthDelimited(ByteString.copyFromUtf8(name)).build())
			.addField(VALUE_TYPE, UnknownFieldSet.Field.newBuilder().addLengthDelimited(type.toByteString()).build())
			.build().toByteString();
	}

	// ---- wire access ----

	static List<ByteString> lengthDelimited(UnknownFieldSet s, int field) {
		UnknownFieldSet.Field f = s.getField(field);
		return f == null ? List.of() : f.getLengthDelimitedList();
	}

	static List<Long> varints(UnknownFieldSet s, int field) {
		UnknownFieldSet.Field f = s.getField(field);
		return f == null ? List.of() : f.getVarintList();
	}

	static String string(UnknownFieldSet s, int field) {
		List<ByteString> l = lengthDelimited(s, field);
		return l.isEmpty() ? "" : l.get(l.size() - 1).toStringUtf8();
	}

	static List<String> strings(UnknownFieldSet s, int field) {
		List<String> out = new ArrayList<>();
		for (ByteString b : lengthDelimited(s, field)) out.add(b.toStringUtf8());
		return out;
	}
}
