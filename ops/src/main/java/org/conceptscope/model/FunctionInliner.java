package org.conceptscope.model;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.tensorflow.TensorFlow;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.FunctionDef;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.OpDef;
import org.tensorflow.proto.OpDef.ArgDef;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;

/**
 * Inlines the function calls on a SavedModel's serving path into its main graph.
 * <p>
 * Keras and other TF2 SavedModels compute their outputs inside functions, called through
 * (Stateful)PartitionedCall ops with the variables passed in as resource arguments, and nest
 * such calls (model, layer, ...). TensorFlow adds gradient ops for such a graph but they fail
 * at run time, and the layers inside are not tensors of the graph, so they can be neither
 * fetched nor fed. Inlining fixes both: each call node reachable from the signature is replaced
 * by a copy of its function's body, recursively.
 * <p>
 * The copy of function {@code f} called by node {@code C} lives under {@code C/}: body node
 * {@code conv/Relu} becomes {@code C/conv/Relu}; body references {@code node:out_arg:i} become
 * {@code C/node:k} (k: the flat output index, from the op's registered definition); argument
 * references become the caller's input tensors, so a resource argument reads the caller's
 * VarHandleOp (same variable, same shared_name); {@code C} itself becomes an Identity (IdentityN
 * for several outputs) of the function's return values, with control edges to its control
 * outputs, so every name that referred to the call still works. IdentityN has no registered
 * gradient, so the graph's own consumers of a multi-output call are rewired to the results. Calls that cannot be inlined
 * (list-typed arguments, attribute placeholders, recursion) are left as they are.
 */
final class FunctionInliner {

	/** The rewritten meta graph and how many calls were inlined (0: the input unchanged). */
	record Result(MetaGraphDef meta, int inlinedCalls, List<String> notInlined) {}

	private static final Set<String> CALL_OPS = Set.of("PartitionedCall", "StatefulPartitionedCall");
	/** More inlined calls than this means runaway nesting; refuse rather than grow without bound. */
	static final int MAX_INLINED_CALLS = 20_000;
	private static volatile Map<String, OpDef> registered;

	private final Path dir;
	private final LinkedHashMap<String, NodeDef> nodes = new LinkedHashMap<>();
	private final Map<String, FunctionDef> functions = new HashMap<>();
	/** For each call node added by inlining: the functions it is nested in (recursion guard). */
	private final Map<String, List<String>> nesting = new HashMap<>();
	private final List<String> notInlined = new ArrayList<>();

	private FunctionInliner(MetaGraphDef meta, Path dir) {
		this.dir = dir;
		for (NodeDef n : meta.getGraphDef().getNodeList()) nodes.put(n.getName(), n);
		for (FunctionDef f : meta.getGraphDef().getLibrary().getFunctionList()) functions.put(f.getSignature().getName(), f);
	}

	/** Needs TensorFlow started: op definitions come from its registry. */
	static Result inline(MetaGraphDef meta, String signatureKey, Path dir) {
		if (meta.getGraphDef().getLibrary().getFunctionCount() == 0) return new Result(meta, 0, List.of());
		FunctionInliner in = new FunctionInliner(meta, dir);
		SignatureDef sig = meta.getSignatureDefMap().get(signatureKey);
		int count = in.run(sig);
		if (count == 0) return new Result(meta, 0, List.copyOf(in.notInlined));
		GraphDef graph = meta.getGraphDef().toBuilder().clearNode().addAllNode(in.nodes.values()).build();
		return new Result(meta.toBuilder().setGraphDef(graph).build(), count, List.copyOf(in.notInlined));
	}

	private int run(SignatureDef sig) {
		Deque<String> todo = new ArrayDeque<>(reachableCalls(sig));
		int count = 0;
		while (!todo.isEmpty()) {
			String name = todo.poll();
			NodeDef call = nodes.get(name);
			if (call == null) continue;
			String fname = calledFunction(call);
			List<String> chain = nesting.getOrDefault(name, List.of());
			if (chain.contains(fname)) {
				notInlined.add(name + " (recursive call of " + fname + ")");
				continue;
			}
			if (++count > MAX_INLINED_CALLS) {
				throw new ModelLoadException("The model in " + dir + " nests more than " + MAX_INLINED_CALLS
					+ " function calls; ConceptScope cannot inline it. Load it with LoadOptions.withInlineFunctions(false)"
					+ " (forward passes only).");
			}
			String why = cannotInline(call, fname);
			if (why != null) {
				notInlined.add(name + " (" + why + ")");
				count--;
				continue;
			}
			List<String> newChain = new ArrayList<>(chain);
			newChain.add(fname);
			for (String inner : inlineOne(call, functions.get(fname))) {
				nesting.put(inner, newChain);
				todo.add(inner);
			}
		}
		return count;
	}

	private boolean isCall(NodeDef n) {
		return calledFunction(n) != null;
	}

	/** The function a node calls, or null. */
	private String calledFunction(NodeDef n) {
		if (functions.containsKey(n.getOp())) return n.getOp();
		if (CALL_OPS.contains(n.getOp()) && n.getAttrMap().containsKey("f")) {
			String f = n.getAttrMap().get("f").getFunc().getName();
			return functions.containsKey(f) ? f : null;
		}
		return null;
	}

	/** Call nodes the signature's tensors depend on. */
	private List<String> reachableCalls(SignatureDef sig) {
		List<String> calls = new ArrayList<>();
		if (sig == null) return calls;
		Deque<String> todo = new ArrayDeque<>();
		for (TensorInfo t : sig.getOutputsMap().values()) todo.add(GraphSafety.nodeName(t.getName()));
		for (TensorInfo t : sig.getInputsMap().values()) todo.add(GraphSafety.nodeName(t.getName()));
		Set<String> seen = new HashSet<>();
		while (!todo.isEmpty()) {
			String name = todo.poll();
			if (!seen.add(name)) continue;
			NodeDef n = nodes.get(name);
			if (n == null) continue;
			if (isCall(n)) calls.add(name);
			for (String in : n.getInputList()) todo.add(GraphSafety.nodeName(in));
		}
		return calls;
	}

	/** Why a call cannot be inlined, or null. */
	private String cannotInline(NodeDef call, String fname) {
		FunctionDef f = functions.get(fname);
		for (ArgDef a : f.getSignature().getInputArgList()) {
			if (!simple(a)) return "argument '" + a.getName() + "' is a list or has a polymorphic type";
		}
		for (ArgDef a : f.getSignature().getOutputArgList()) {
			if (!simple(a)) return "output '" + a.getName() + "' is a list or has a polymorphic type";
		}
		long dataInputs = call.getInputList().stream().filter(s -> !s.startsWith("^")).count();
		if (dataInputs != f.getSignature().getInputArgCount()) {
			return "it passes " + dataInputs + " inputs to a function of " + f.getSignature().getInputArgCount() + " arguments";
		}
		for (NodeDef n : f.getNodeDefList()) {
			for (AttrValue v : n.getAttrMap().values()) {
				if (!v.getPlaceholder().isEmpty()) return "its body has attribute placeholders";
			}
		}
		return null;
	}

	private static boolean simple(ArgDef a) {
		return a.getNumberAttr().isEmpty() && a.getTypeListAttr().isEmpty() && a.getType() != DataType.DT_INVALID;
	}

	/** Replaces the call by its function's body; returns the names of the call nodes the copied body holds. */
	private List<String> inlineOne(NodeDef call, FunctionDef f) {
		String prefix = call.getName() + "/";
		for (int k = 1; hasPrefix(prefix); k++) prefix = call.getName() + "/_inlined_" + k + "/";
		Map<String, NodeDef> body = new HashMap<>();
		for (NodeDef n : f.getNodeDefList()) body.put(n.getName(), n);

		List<String> dataInputs = new ArrayList<>(), controls = new ArrayList<>();
		for (String in : call.getInputList()) (in.startsWith("^") ? controls : dataInputs).add(in);
		Map<String, String> args = new HashMap<>();
		List<NodeDef> added = new ArrayList<>();
		String control = null;
		if (!controls.isEmpty()) {
			// the call waits for its control inputs: so does every node of the copied body
			control = prefix + "_control";
			added.add(NodeDef.newBuilder().setName(control).setOp("NoOp").addAllInput(controls).build());
		}
		for (int i = 0; i < dataInputs.size(); i++) {
			ArgDef a = f.getSignature().getInputArg(i);
			if (control == null) {
				args.put(a.getName(), dataInputs.get(i));
			} else {
				String id = prefix + "_input_" + i;
				added.add(NodeDef.newBuilder().setName(id).setOp("Identity").addInput(dataInputs.get(i)).addInput("^" + control)
					.putAttr("T", AttrValue.newBuilder().setType(a.getType()).build()).build());
				args.put(a.getName(), id);
			}
		}
		List<String> innerCalls = new ArrayList<>();
		for (NodeDef n : f.getNodeDefList()) {
			// device strings inside functions name the device of the exporting machine; TensorFlow places the copy itself
			NodeDef.Builder b = n.toBuilder().setName(prefix + n.getName()).clearInput().setDevice("");
			for (String in : n.getInputList()) b.addInput(mapInput(in, prefix, body, args, f));
			if (control != null && n.getInputCount() == 0) b.addInput("^" + control);
			AttrValue cls = n.getAttrMap().get("_class");
			if (cls != null) {
				b.removeAttr("_class");
				List<String> kept = new ArrayList<>();
				for (com.google.protobuf.ByteString s : cls.getList().getSList()) {
					String v = s.toStringUtf8();
					if (v.startsWith("loc:@") && body.containsKey(v.substring(5))) kept.add("loc:@" + prefix + v.substring(5));
				}
				if (!kept.isEmpty()) {
					AttrValue.ListValue.Builder l = AttrValue.ListValue.newBuilder();
					for (String k : kept) l.addS(com.google.protobuf.ByteString.copyFromUtf8(k));
					b.putAttr("_class", AttrValue.newBuilder().setList(l).build());
				}
			}
			NodeDef copy = b.build();
			added.add(copy);
			if (isCall(copy)) innerCalls.add(copy.getName());
		}
		// the call node becomes Identity / IdentityN / NoOp over the function's results
		List<ArgDef> outs = f.getSignature().getOutputArgList();
		NodeDef.Builder result = NodeDef.newBuilder().setName(call.getName()).setDevice(call.getDevice());
		if (outs.isEmpty()) {
			result.setOp("NoOp");
		} else {
			result.setOp(outs.size() == 1 ? "Identity" : "IdentityN");
			AttrValue.ListValue.Builder types = AttrValue.ListValue.newBuilder();
			for (ArgDef o : outs) {
				String ret = f.getRetMap().get(o.getName());
				if (ret == null) throw new ModelLoadException("Function '" + f.getSignature().getName() + "' of the model in " + dir
					+ " has no value for its output '" + o.getName() + "'; the SavedModel is corrupt.");
				result.addInput(mapInput(ret, prefix, body, args, f));
				types.addType(o.getType());
			}
			if (outs.size() == 1) result.putAttr("T", AttrValue.newBuilder().setType(outs.get(0).getType()).build());
			else result.putAttr("T", AttrValue.newBuilder().setList(types).build());
		}
		for (String c : f.getControlRetMap().values()) result.addInput("^" + prefix + c);
		if (outs.isEmpty() && control != null) result.addInput("^" + control);
		if (outs.size() > 1) {
			// IdentityN has no registered gradient: consumers read the results directly, IdentityN only keeps the names
			List<String> results = result.getInputList().subList(0, outs.size());
			for (Map.Entry<String, NodeDef> e : nodes.entrySet()) {
				NodeDef n = e.getValue();
				if (n.getInputList().stream().noneMatch(in -> GraphSafety.nodeName(in).equals(call.getName()) && !in.startsWith("^"))) continue;
				NodeDef.Builder b = n.toBuilder().clearInput();
				for (String in : n.getInputList()) {
					if (!in.startsWith("^") && GraphSafety.nodeName(in).equals(call.getName())) {
						int colon = in.indexOf(':');
						int i = colon < 0 ? 0 : Integer.parseInt(in.substring(colon + 1));
						b.addInput(i < results.size() ? results.get(i) : in);
					} else {
						b.addInput(in);
					}
				}
				e.setValue(b.build());
			}
		}

		// keep graph order: the replacement where the call was, the body after it
		LinkedHashMap<String, NodeDef> rebuilt = new LinkedHashMap<>();
		for (Map.Entry<String, NodeDef> e : nodes.entrySet()) {
			if (e.getKey().equals(call.getName())) {
				rebuilt.put(call.getName(), result.build());
				for (NodeDef a : added) rebuilt.put(a.getName(), a);
			} else {
				rebuilt.put(e.getKey(), e.getValue());
			}
		}
		nodes.clear();
		nodes.putAll(rebuilt);
		return innerCalls;
	}

	private boolean hasPrefix(String prefix) {
		for (String n : nodes.keySet()) if (n.startsWith(prefix)) return true;
		return false;
	}

	/** A FunctionDef input reference as a GraphDef input of the inlined copy. */
	private String mapInput(String in, String prefix, Map<String, NodeDef> body, Map<String, String> args, FunctionDef f) {
		if (in.startsWith("^")) {
			String target = in.substring(1);
			if (body.containsKey(target)) return "^" + prefix + target;
			String arg = args.get(target);
			if (arg != null) return "^" + GraphSafety.nodeName(arg);
			throw corrupt(f, in);
		}
		String[] parts = in.split(":");
		if (parts.length == 1 || (!body.containsKey(parts[0]) && args.containsKey(parts[0]))) {
			String arg = args.get(parts[0]);
			if (arg == null) throw corrupt(f, in);
			return arg;
		}
		NodeDef src = body.get(parts[0]);
		if (src == null) throw corrupt(f, in);
		int idx = parts.length > 2 ? Integer.parseInt(parts[2]) : 0;
		int flat = flatIndex(src, parts[1], idx, f);
		return prefix + parts[0] + (flat == 0 ? "" : ":" + flat);
	}

	private ModelLoadException corrupt(FunctionDef f, String in) {
		return new ModelLoadException("Function '" + f.getSignature().getName() + "' of the model in " + dir
			+ " refers to '" + in + "', which it does not define; the SavedModel is corrupt.");
	}

	/** Position of output {@code outArg:idx} among all outputs of a node. */
	private int flatIndex(NodeDef n, String outArg, int idx, FunctionDef within) {
		List<ArgDef> outs;
		OpDef def = null;
		if (functions.containsKey(n.getOp())) {
			outs = functions.get(n.getOp()).getSignature().getOutputArgList();
		} else {
			def = registeredOps().get(n.getOp());
			if (def == null) {
				throw new ModelLoadException("The model in " + dir + " uses the operation '" + n.getOp() + "' (node '" + n.getName()
					+ "' in function '" + within.getSignature().getName() + "'), which this TensorFlow (" + TensorFlowEngine.TENSORFLOW_VERSION
					+ ") does not know.");
			}
			outs = def.getOutputArgList();
		}
		int offset = 0;
		for (ArgDef a : outs) {
			if (a.getName().equals(outArg)) return offset + idx;
			offset += count(n, a, def);
		}
		throw corrupt(within, n.getName() + ":" + outArg + ":" + idx);
	}

	private static int count(NodeDef n, ArgDef a, OpDef def) {
		if (!a.getNumberAttr().isEmpty()) return (int) attr(n, a.getNumberAttr(), def).getI();
		if (!a.getTypeListAttr().isEmpty()) return attr(n, a.getTypeListAttr(), def).getList().getTypeCount();
		return 1;
	}

	private static AttrValue attr(NodeDef n, String name, OpDef def) {
		AttrValue v = n.getAttrMap().get(name);
		if (v != null) return v;
		if (def != null) {
			for (OpDef.AttrDef a : def.getAttrList()) if (a.getName().equals(name)) return a.getDefaultValue();
		}
		return AttrValue.getDefaultInstance();
	}

	private static Map<String, OpDef> registeredOps() {
		Map<String, OpDef> ops = registered;
		if (ops == null) {
			synchronized (FunctionInliner.class) {
				if (registered == null) {
					Map<String, OpDef> m = new HashMap<>();
					for (OpDef d : TensorFlow.registeredOpList().getOpList()) m.put(d.getName(), d);
					registered = m;
				}
				ops = registered;
			}
		}
		return ops;
	}
}
