package org.conceptscope.model;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.CollectionDef;
import org.tensorflow.proto.FunctionDef;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.OpDef;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;

/**
 * Which variables of a SavedModel its init op does not set. A model exported with its weights
 * frozen into the init op (each variable assigned from a constant when the model loads, as some
 * Keras exports do) has no {@code variables/} folder, and TensorFlow then restores nothing and
 * runs the init op: such a model is complete. One whose variables come from a checkpoint is not.
 * <p>
 * The init op is the one TensorFlow's loader runs: the output of the {@code __saved_model_init_op}
 * signature, or the {@code saved_model_main_op} / {@code legacy_init_op} collection. Every node it
 * depends on in the main graph is visited; an {@code AssignVariableOp} or {@code Assign} sets the
 * variable named by its first input, and a function call sets the variables it passes to an
 * argument that the function (or a function it calls) assigns.
 */
final class InitOpVariables {

	private static final Set<String> VARIABLE_OPS = Set.of("VariableV2", "VarHandleOp", "Variable");
	private static final Set<String> ASSIGN_OPS = Set.of("AssignVariableOp", "Assign");
	private static final int MAX_DEPTH = 64;

	private final Map<String, NodeDef> nodes = new HashMap<>();
	private final Map<String, FunctionDef> functions = new HashMap<>();
	private final Map<String, Set<Integer>> assignedArgs = new HashMap<>();

	private InitOpVariables(MetaGraphDef meta) {
		for (NodeDef n : meta.getGraphDef().getNodeList()) nodes.put(n.getName(), n);
		for (FunctionDef f : meta.getGraphDef().getLibrary().getFunctionList()) functions.put(f.getSignature().getName(), f);
	}

	/** Variables (node names) of the main graph that the init op does not assign; every one when there is no init op. */
	static Set<String> unassigned(MetaGraphDef meta) {
		InitOpVariables v = new InitOpVariables(meta);
		Set<String> variables = new TreeSet<>();
		for (NodeDef n : meta.getGraphDef().getNodeList()) if (VARIABLE_OPS.contains(n.getOp())) variables.add(n.getName());
		for (FunctionDef f : meta.getGraphDef().getLibrary().getFunctionList()) {
			// a variable created inside a function cannot be followed: treat it as one nothing sets
			for (NodeDef n : f.getNodeDefList()) if (VARIABLE_OPS.contains(n.getOp())) variables.add(f.getSignature().getName() + "/" + n.getName());
		}
		variables.removeAll(v.assignedFrom(initNodes(meta)));
		return variables;
	}

	private static List<String> initNodes(MetaGraphDef meta) {
		List<String> out = new java.util.ArrayList<>();
		SignatureDef init = meta.getSignatureDefMap().get(SavedModelFiles.INIT_SIGNATURE);
		if (init != null) for (TensorInfo t : init.getOutputsMap().values()) out.add(GraphSafety.nodeName(t.getName()));
		for (String key : List.of("saved_model_main_op", "legacy_init_op")) {
			CollectionDef c = meta.getCollectionDefMap().get(key);
			if (c != null && c.hasNodeList()) for (String name : c.getNodeList().getValueList()) out.add(GraphSafety.nodeName(name));
		}
		return out;
	}

	/** Main-graph variable nodes assigned by the given nodes and everything they depend on. */
	private Set<String> assignedFrom(List<String> starts) {
		Set<String> assigned = new HashSet<>(), seen = new HashSet<>();
		Deque<String> todo = new ArrayDeque<>(starts);
		while (!todo.isEmpty()) {
			String name = todo.pop();
			if (!seen.add(name)) continue;
			NodeDef n = nodes.get(name);
			if (n == null) continue;
			if (ASSIGN_OPS.contains(n.getOp()) && n.getInputCount() > 0) assigned.add(GraphSafety.nodeName(n.getInput(0)));
			FunctionDef f = called(n);
			if (f != null) {
				for (int arg : assignedArgs(f, 0)) if (arg < n.getInputCount()) assigned.add(GraphSafety.nodeName(n.getInput(arg)));
			}
			for (String in : n.getInputList()) todo.push(GraphSafety.nodeName(in));
		}
		return assigned;
	}

	/** The function a node calls: a (Stateful)PartitionedCall's {@code f}, or a function used as an op. */
	private FunctionDef called(NodeDef n) {
		AttrValue f = n.getAttrMap().get("f");
		if (f != null && f.hasFunc()) return functions.get(f.getFunc().getName());
		return functions.get(n.getOp());
	}

	/** Indices of f's input arguments that f, or a function it calls, assigns to. */
	private Set<Integer> assignedArgs(FunctionDef f, int depth) {
		String key = f.getSignature().getName();
		Set<Integer> known = assignedArgs.get(key);
		if (known != null) return known;
		Set<Integer> out = new HashSet<>();
		assignedArgs.put(key, out); // a recursive call sees what is known so far
		if (depth > MAX_DEPTH) return out;
		Map<String, Integer> argIndex = new HashMap<>();
		List<OpDef.ArgDef> args = f.getSignature().getInputArgList();
		for (int i = 0; i < args.size(); i++) argIndex.put(args.get(i).getName(), i);
		for (NodeDef n : f.getNodeDefList()) {
			if (ASSIGN_OPS.contains(n.getOp()) && n.getInputCount() > 0) {
				Integer i = argIndex.get(argName(n.getInput(0)));
				if (i != null) out.add(i);
			}
			FunctionDef g = called(n);
			if (g != null && g != f) {
				for (int j : assignedArgs(g, depth + 1)) {
					if (j >= n.getInputCount()) continue;
					Integer i = argIndex.get(argName(n.getInput(j)));
					if (i != null) out.add(i);
				}
			}
		}
		return out;
	}

	/** "x" names a function argument; "node:out:0" a node output, "^n" a control input. */
	private static String argName(String input) {
		return input.startsWith("^") || input.contains(":") ? "" : input;
	}
}
