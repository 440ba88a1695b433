package org.conceptscope.model;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.CollectionDef;
import org.tensorflow.proto.FunctionDef;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.NameAttrList;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;

/**
 * A SavedModel is code: this check reads its graph (as a protocol buffer, before TensorFlow
 * loads it, because loading already runs the restore and init ops) and refuses any operation
 * that is not plain computation.
 * <p>
 * Judged are the operations that can run: everything reachable from any signature's tensors (and
 * a configured logits tensor), from the init op and from the restore op, following data and
 * control inputs, and entering every function they call: a function-typed op, the {@code f} of a
 * (Stateful)PartitionedCall, and any other function-valued attribute (If/While/Case branches).
 * Every node of a function that can run is judged. Operations that never run (the training and
 * save ops a training graph still holds) are tolerated.
 * <p>
 * Allowed are the {@link #COMPUTE_OPS}; the restore op may also assign variables and read the
 * model's own checkpoint ({@code RestoreV2} whose file prefix is the SavedModel's filename
 * tensor, never a path written into the graph), and the init op may assign variables.
 */
public final class GraphSafety {

	/** Operations that only compute: math, neural-network layers, shapes, control flow, variables (read). */
	public static final Set<String> COMPUTE_OPS = Set.of(
		"Abs", "Acos", "Acosh", "Add", "AddN", "AddV2", "All", "Angle", "Any", "ApproximateEqual", "ArgMax", "ArgMin", 
		"Asin", "Asinh", "Assert", "Atan", "Atan2", "Atanh", "AvgPool", "AvgPool3D", "BatchMatMul", "BatchMatMulV2", 
		"BatchMatMulV3", "BatchNormWithGlobalNormalization", "BatchToSpace", "BatchToSpaceND", "BiasAdd", "BiasAddV1", 
		"Bitcast", "BitwiseAnd", "BitwiseOr", "BitwiseXor", "BroadcastArgs", "BroadcastGradientArgs", "BroadcastTo", 
		"Bucketize", "Case", "Cast", "Ceil", "CheckNumerics", "CheckNumericsV2", "ClipByValue", "Complex", "ComplexAbs", 
		"Concat", "ConcatOffset", "ConcatV2", "Conj", "Const", "Conv", "Conv2D", "Conv2DBackpropInput", "Conv3D", 
		"Conv3DBackpropInputV2", "Cos", "Cosh", "CropAndResize", "Cumprod", "Cumsum", "DepthToSpace", 
		"DepthwiseConv2dNative", "DepthwiseConv2dNativeBackpropInput", "Diag", "DiagPart", "Digamma", "Dilation2D", "Div", 
		"DivNoNan", "Einsum", "Elu", "EnsureShape", "Enter", "Equal", "Erf", "Erfc", "Erfinv", "Exit", "Exp", "ExpandDims", 
		"Expm1", "ExtractImagePatches", "ExtractVolumePatches", "FFT", "FFT2D", "Fill", "Floor", "FloorDiv", "FloorMod", 
		"FusedBatchNorm", "FusedBatchNormV2", "FusedBatchNormV3", "FusedPadConv2D", "FusedResizeAndPadConv2D", "Gather", 
		"GatherNd", "GatherV2", "Greater", "GreaterEqual", "GuaranteeConst", "HistogramFixedWidth", "Identity", "IdentityN", 
		"If", "Imag", "InTopKV2", "Inv", "InvertPermutation", "IsFinite", "IsInf", "IsNan", "IsVariableInitialized", 
		"L2Loss", "LRN", "LeakyRelu", "LeftShift", "Less", "LessEqual", "Lgamma", "LinSpace", "Log", "Log1p", "LogSoftmax", 
		"LogicalAnd", "LogicalNot", "LogicalOr", "LoopCond", "MatMul", "MatrixBandPart", "MatrixDiag", "MatrixDiagPart", 
		"MatrixDiagPartV2", "MatrixDiagPartV3", "MatrixDiagV2", "MatrixDiagV3", "MatrixSetDiag", "MatrixSetDiagV2", 
		"MatrixSetDiagV3", "Max", "MaxPool", "MaxPool3D", "MaxPoolV2", "Maximum", "Mean", "Merge", "Min", "Minimum", 
		"MirrorPad", "Mod", "Mul", "MulNoNan", "Neg", "NextIteration", "NoOp", "NonMaxSuppressionV3", "NonMaxSuppressionV4", 
		"NonMaxSuppressionV5", "NotEqual", "OneHot", "OnesLike", "Pack", "Pad", "PadV2", "PartitionedCall", "Placeholder", 
		"PlaceholderWithDefault", "PopulationCount", "Pow", "PreventGradient", "Prod", "QuantizeAndDequantizeV2", 
		"QuantizeAndDequantizeV3", "QuantizeAndDequantizeV4", "RandomShuffle", "RandomStandardNormal", "RandomUniform", 
		"RandomUniformInt", "Range", "Rank", "ReadVariableOp", "Real", "RealDiv", "Reciprocal", "Relu", "Relu6", "Reshape", 
		"ResizeArea", "ResizeBicubic", "ResizeBilinear", "ResizeNearestNeighbor", "Reverse", "ReverseSequence", "ReverseV2", 
		"RightShift", "Rint", "Roll", "Round", "Rsqrt", "ScaleAndTranslate", "ScatterNd", "Select", "SelectV2", "Selu", 
		"Shape", "ShapeN", "Sigmoid", "Sign", "Sin", "Sinh", "Size", "Slice", "Snapshot", "Softmax", "Softplus", "Softsign", 
		"SpaceToBatch", "SpaceToBatchND", "SpaceToDepth", "Split", "SplitV", "Sqrt", "Square", "SquaredDifference", 
		"Squeeze", "StatefulPartitionedCall", "StatelessCase", "StatelessIf", "StatelessRandomGetAlg", 
		"StatelessRandomGetKeyCounter", "StatelessRandomGetKeyCounterAlg", "StatelessRandomNormal", 
		"StatelessRandomNormalV2", "StatelessRandomUniform", "StatelessRandomUniformInt", "StatelessRandomUniformIntV2", 
		"StatelessRandomUniformV2", "StatelessTruncatedNormal", "StatelessTruncatedNormalV2", "StatelessWhile", 
		"StopGradient", "StridedSlice", "Sub", "Sum", "Switch", "Tan", "Tanh", "TensorScatterAdd", "TensorScatterUpdate", 
		"Tile", "TopKV2", "Transpose", "TruncateDiv", "TruncateMod", "TruncatedNormal", "Unique", "Unpack", "UnravelIndex", 
		"UnsortedSegmentMax", "UnsortedSegmentMin", "UnsortedSegmentSum", "VarHandleOp", "VarIsInitializedOp", "Variable", 
		"VariableV2", "Where", "While", "Xdivy", "Xlog1py", "Xlogy", "ZerosLike", "Zeta"
	);

	/** Writing variables: only the restore and the init op may (DisableCopyOnRead: TF 2.13+ checkpoint code). */
	static final Set<String> ASSIGN_OPS = Set.of("Assign", "AssignVariableOp", "DisableCopyOnRead");
	/** Reading the model's own checkpoint: only the restore op, only from the SavedModel's filename tensor. */
	static final Set<String> RESTORE_OPS = Set.of("RestoreV2", "RestoreSlice", "Restore");
	/** Ops that only pass a tensor through, followed when tracing where a restore prefix comes from. */
	private static final Set<String> PASS_THROUGH = Set.of("Identity", "IdentityN", "Snapshot", "StopGradient");
	private static final Set<String> CALL_OPS = Set.of("PartitionedCall", "StatefulPartitionedCall");

	/** Why an operation that is not allowed is dangerous, for the message. */
	private static final Map<String, String> KNOWN_REASONS = Map.ofEntries(
		Map.entry("WriteFile", "writes files"), Map.entry("SaveV2", "writes files"), Map.entry("Save", "writes files"),
		Map.entry("SaveSlices", "writes files"), Map.entry("MergeV2Checkpoints", "writes and deletes files"),
		Map.entry("DatasetToTFRecord", "writes files"), Map.entry("WriteSummary", "writes files"),
		Map.entry("CreateSummaryFileWriter", "writes files"), Map.entry("ReadFile", "reads files"),
		Map.entry("MatchingFiles", "lists files"), Map.entry("ImmutableConst", "maps a file into memory"),
		Map.entry("InitializeTableFromTextFile", "reads files"), Map.entry("InitializeTableFromTextFileV2", "reads files"),
		Map.entry("RestoreV2", "reads checkpoint files"), Map.entry("RestoreSlice", "reads checkpoint files"),
		Map.entry("Restore", "reads checkpoint files"), Map.entry("Print", "prints"), Map.entry("PrintV2", "prints"),
		Map.entry("PyFunc", "runs Python code"), Map.entry("PyFuncStateless", "runs Python code"),
		Map.entry("EagerPyFunc", "runs Python code"), Map.entry("Assign", "overwrites the model's variables"),
		Map.entry("AssignVariableOp", "overwrites the model's variables"), Map.entry("DebugIdentityV2", "writes debug dumps"),
		Map.entry("DebugIdentityV3", "writes debug dumps"), Map.entry("DumpTensor", "writes files"),
		Map.entry("RemoteCall", "calls a function on another machine"), Map.entry("_Send", "sends tensors"),
		Map.entry("_Recv", "receives tensors"));

	private enum Role {
		SERVE, INIT, RESTORE
	}

	private final Path dir;
	private final Map<String, NodeDef> mainNodes = new HashMap<>();
	private final Map<String, FunctionDef> functions = new HashMap<>();
	private final String filenameNode;
	private final Set<String> visited = new HashSet<>();
	private final Map<String, Map<String, NodeDef>> bodies = new HashMap<>();
	/** Functions being judged, outermost first: a call of one of them is recursion. */
	private final List<String> callStack = new ArrayList<>();
	/** Deeper nesting is refused (Keras nests a handful of levels). */
	static final int MAX_CALL_DEPTH = 256;

	private GraphSafety(MetaGraphDef meta, Path dir) {
		this.dir = dir;
		for (NodeDef n : meta.getGraphDef().getNodeList()) mainNodes.put(n.getName(), n);
		for (FunctionDef f : meta.getGraphDef().getLibrary().getFunctionList()) functions.put(f.getSignature().getName(), f);
		String fn = meta.hasSaverDef() ? meta.getSaverDef().getFilenameTensorName() : "";
		this.filenameNode = fn.isEmpty() ? null : nodeName(fn);
	}

	/**
	 * Refuses the model unless every operation that can run is allowed.
	 *
	 * @param extraTensors further tensors that will be fetched (e.g. a configured logits tensor)
	 * @throws UnsafeModelException naming the first refused operation, its node and function
	 */
	public static void check(MetaGraphDef meta, Path dir, Collection<String> extraTensors) {
		GraphSafety s = new GraphSafety(meta, dir);
		for (Map.Entry<String, SignatureDef> sig : new java.util.TreeMap<>(meta.getSignatureDefMap()).entrySet()) {
			Role role = sig.getKey().equals("__saved_model_init_op") ? Role.INIT : Role.SERVE;
			String origin = role == Role.INIT ? "the init op (it runs when the model loads)" : "signature '" + sig.getKey() + "'";
			for (TensorInfo t : sig.getValue().getInputsMap().values()) s.walkMain(tensorName(t), role, origin);
			for (TensorInfo t : sig.getValue().getOutputsMap().values()) s.walkMain(tensorName(t), role, origin);
		}
		for (String key : List.of("saved_model_main_op", "legacy_init_op", "main_op", "init_op")) {
			CollectionDef c = meta.getCollectionDefMap().get(key);
			if (c == null || !c.hasNodeList()) continue;
			for (String v : c.getNodeList().getValueList()) s.walkMain(v, Role.INIT, "the init op (it runs when the model loads)");
		}
		if (meta.hasSaverDef()) {
			String origin = "the restore op (it runs when the model loads)";
			if (!meta.getSaverDef().getRestoreOpName().isEmpty()) s.walkMain(meta.getSaverDef().getRestoreOpName(), Role.RESTORE, origin);
			if (s.filenameNode != null) s.walkMain(s.filenameNode, Role.RESTORE, origin);
		}
		if (extraTensors != null) {
			for (String t : extraTensors) if (t != null && !t.isBlank()) s.walkMain(t, Role.SERVE, "the configured logits tensor");
		}
	}

	/** Every operation type that can run (for reports); the model need not be safe. */
	static Set<String> reachableOpTypes(MetaGraphDef meta) {
		Set<String> types = new TreeSet<>();
		for (NodeDef n : meta.getGraphDef().getNodeList()) types.add(n.getOp());
		for (FunctionDef f : meta.getGraphDef().getLibrary().getFunctionList()) {
			for (NodeDef n : f.getNodeDefList()) types.add(n.getOp());
		}
		return types;
	}

	private static String tensorName(TensorInfo t) {
		if (t.hasCooSparse()) return t.getCooSparse().getValuesTensorName();
		return t.getName();
	}

	/** "^node", "node:1" and "node" all name the node "node". */
	static String nodeName(String input) {
		String s = input.startsWith("^") ? input.substring(1) : input;
		int colon = s.indexOf(':');
		return colon < 0 ? s : s.substring(0, colon);
	}

	private void walkMain(String root, Role role, String origin) {
		Deque<String> todo = new ArrayDeque<>();
		todo.add(nodeName(root));
		while (!todo.isEmpty()) {
			String name = todo.poll();
			if (!visited.add(role + "|main|" + name)) continue;
			NodeDef node = mainNodes.get(name);
			if (node == null) continue; // TensorFlow itself refuses a graph with dangling inputs
			judge(node, role, origin, null, Set.of());
			for (String in : node.getInputList()) todo.add(nodeName(in));
		}
	}

	/**
	 * Judges one node (of the main graph when fn is null, else of fn's body) and enters the
	 * functions it calls. taintedArgs: fn's arguments that carry the SavedModel's filename.
	 */
	private void judge(NodeDef node, Role role, String origin, FunctionDef fn, Set<String> taintedArgs) {
		String op = node.getOp();
		if (functions.containsKey(op)) {
			visitFunction(op, role, origin, role == Role.RESTORE ? taintedPositions(node, fn, taintedArgs) : Set.of());
		} else {
			boolean allowed = COMPUTE_OPS.contains(op)
				|| (ASSIGN_OPS.contains(op) && role != Role.SERVE)
				|| (RESTORE_OPS.contains(op) && role == Role.RESTORE);
			if (!allowed) refuse(op, node, fn, origin, null);
			if (RESTORE_OPS.contains(op)) {
				String prefix = node.getInputCount() == 0 ? "" : node.getInput(0);
				if (!fromFilename(prefix, fn, taintedArgs)) {
					refuse(op, node, fn, origin, "reads a checkpoint whose path is written into the graph, not the model's own variables");
				}
			}
		}
		for (Map.Entry<String, AttrValue> a : node.getAttrMap().entrySet()) {
			// the filename only matters where RestoreV2 may run
			boolean call = role == Role.RESTORE && a.getKey().equals("f") && CALL_OPS.contains(op);
			for (String f : functionNames(a.getValue())) {
				visitFunction(f, role, origin, call ? taintedPositions(node, fn, taintedArgs) : Set.of());
			}
		}
	}

	private void visitFunction(String name, Role role, String origin, Set<Integer> taintedPositions) {
		if (callStack.contains(name)) {
			List<String> cycle = new ArrayList<>(callStack.subList(callStack.indexOf(name), callStack.size()));
			cycle.add(name);
			throw new UnsafeModelException("Refused to load " + dir + ": its function '" + name + "' calls itself ("
				+ String.join(" -> ", cycle) + ", reached from " + origin + "). Recursive functions never end; TensorFlow models"
				+ " do not have them.", "(recursion)", name, name);
		}
		if (callStack.size() >= MAX_CALL_DEPTH) {
			throw new UnsafeModelException("Refused to load " + dir + ": it nests function calls more than " + MAX_CALL_DEPTH
				+ " deep (reached from " + origin + ").", "(nesting)", name, name);
		}
		if (!visited.add(role + "|fn|" + name + "|" + new TreeSet<>(taintedPositions))) return;
		FunctionDef f = functions.get(name);
		if (f == null) {
			throw new UnsafeModelException("Refused to load " + dir + ": it calls the function '" + name + "', which its graph"
				+ " does not define (reached from " + origin + "). The SavedModel is incomplete or was tampered with.", name, name, null);
		}
		Set<String> tainted = new HashSet<>();
		for (int i : taintedPositions) {
			if (i < f.getSignature().getInputArgCount()) tainted.add(f.getSignature().getInputArg(i).getName());
		}
		callStack.add(name);
		try {
			for (NodeDef n : f.getNodeDefList()) judge(n, role, origin, f, tainted);
		} finally {
			callStack.remove(callStack.size() - 1);
		}
	}

	private static List<String> functionNames(AttrValue v) {
		List<String> names = new ArrayList<>();
		if (v.hasFunc()) names.add(v.getFunc().getName());
		if (v.hasList()) for (NameAttrList f : v.getList().getFuncList()) names.add(f.getName());
		return names;
	}

	/** Positions of a call's data inputs that carry the SavedModel's filename. */
	private Set<Integer> taintedPositions(NodeDef call, FunctionDef fn, Set<String> taintedArgs) {
		Set<Integer> positions = new LinkedHashSet<>();
		int j = 0;
		for (String in : call.getInputList()) {
			if (in.startsWith("^")) continue;
			if (fromFilename(in, fn, taintedArgs)) positions.add(j);
			j++;
		}
		return positions;
	}

	/** Whether a tensor is the SavedModel's filename tensor, passed through Identity ops or function arguments. */
	private boolean fromFilename(String input, FunctionDef fn, Set<String> taintedArgs) {
		String cur = input;
		for (int hop = 0; hop < 64 && !cur.isEmpty() && !cur.startsWith("^"); hop++) {
			String name = nodeName(cur);
			if (fn == null) {
				if (name.equals(filenameNode)) return true;
				NodeDef n = mainNodes.get(name);
				if (n == null || !PASS_THROUGH.contains(n.getOp()) || n.getInputCount() == 0) return false;
				cur = n.getInput(0);
			} else {
				if (!cur.contains(":")) return taintedArgs.contains(cur);
				NodeDef n = bodies.computeIfAbsent(fn.getSignature().getName(), k -> {
					Map<String, NodeDef> m = new HashMap<>();
					for (NodeDef d : fn.getNodeDefList()) m.put(d.getName(), d);
					return m;
				}).get(name);
				if (n == null || !PASS_THROUGH.contains(n.getOp()) || n.getInputCount() == 0) return false;
				cur = n.getInput(0);
			}
		}
		return false;
	}

	private void refuse(String op, NodeDef node, FunctionDef fn, String origin, String why) {
		String where = "node '" + node.getName() + "'" + (fn == null ? "" : " in function '" + fn.getSignature().getName() + "'");
		String reason = why != null ? why : KNOWN_REASONS.getOrDefault(op, op.startsWith("_")
			? "is a TensorFlow-internal operation" : null);
		String what = reason != null ? "'" + op + "' " + reason + ", and ConceptScope"
			: "'" + op + "' is not on ConceptScope's list of compute operations, and ConceptScope";
		throw new UnsafeModelException("Refused to load " + dir + ": its graph runs the operation '" + op + "' (" + where
			+ ", reached from " + origin + "). " + what + " only runs models made of plain computation: a SavedModel is code."
			+ " If you trust the model's author, load it with LoadOptions.trusted() (Java) or start Fiji with"
			+ " -D" + LoadOptions.TRUST_PROPERTY + "=true.", op, node.getName(), fn == null ? null : fn.getSignature().getName());
	}
}
