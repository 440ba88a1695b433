package org.conceptscope.model.torch;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.conceptscope.model.torch.TorchCode.Kind;
import org.conceptscope.model.torch.TorchCode.Token;

/**
 * Layer splits of a TorchScript module through its named submodules.
 * <p>
 * What is supported: the outputs of submodule calls, named by their path as PyTorch names modules
 * ({@code layer3}, {@code layer3.1}, {@code backbone.layer4}; a module called twice gives
 * {@code relu} and {@code relu#2}). The top-level {@code forward}, and the method of every
 * submodule it looks into, must be straight-line code (assignments and one {@code return}, as
 * {@code torch.jit.trace} always writes, and {@code torch.jit.script} writes for code without
 * Python control flow) that takes one tensor and returns one tensor; a submodule whose method is
 * not is still a layer as a whole, only its inside is not split. A layer is offered only where
 * the model can really be cut: when everything after it depends on the input through that layer
 * alone (so not inside a residual block, whose skip connection goes around it), and when the
 * module's method returns a tensor. The logits are not a layer. Submodules are looked into
 * {@value #MAX_DEPTH} levels deep, and while the statements stay under {@value #MAX_STATEMENTS};
 * at most {@value #MAX_LAYERS} layers are offered, outermost first.
 * <p>
 * How: the top-level class gets two methods per layer, written from the statements of
 * {@code forward} with the methods of the submodules on the way copied in (their variables
 * renamed, their {@code self} the submodule), every submodule call first moved into an
 * assignment of its own, in evaluation order: {@code conceptscope_g_K(x)} returns the layer's
 * output and {@code conceptscope_h_K(a)} runs the rest of {@code forward} from it. They call only
 * what the model's own code calls, and the rewritten file is checked by {@link TorchScriptSafety}
 * again. A {@code forward} that ends in {@code torch.softmax(z, 1)} or {@code torch.sigmoid(z)} also
 * gets {@value #LOGITS}, which returns z.
 */
final class TorchScriptLayers {

	static final String G = "conceptscope_g_", H = "conceptscope_h_", LOGITS = "conceptscope_logits";
	static final int MAX_DEPTH = 6, MAX_STATEMENTS = 3000, MAX_LAYERS = 64;

	/** One layer: its name, the submodule's class, and the index of its methods. */
	record Layer(String name, String moduleClass, int index) {}

	/**
	 * The rewritten code (null when nothing is rewritten), why no layer is offered (null when some
	 * are), and whether forward ends in a softmax or a sigmoid that {@value #LOGITS} leaves out (which one:
	 * {@code sigmoid}).
	 */
	record Result(List<Layer> layers, Map<String, String> code, String whyNone, boolean logits, boolean sigmoid) {}

	/** A statement "target = expr"; a layer's statement carries its name and the module's class. */
	private record Stmt(String target, List<Token> expr, String layer, String moduleClass, int depth) {}

	/** A method: its self and tensor parameter names, its body (null when it is not straight-line), its return expression. */
	private record Method(String self, String selfType, List<String> params, List<String> paramTypes, String returnType,
		List<List<Token>> body, List<Token> returned, int defIndent, int bodyIndent, int lastLine, String whyNot) {}

	/** A class of the file: attribute types, methods. */
	private record ClassInfo(String record, Map<String, String> attrTypes, Map<String, Method> methods) {}

	private final TorchScriptArchive archive;
	private final String rootClass;
	private final Map<String, List<Token>> tokens = new HashMap<>();
	private final Map<String, ClassInfo> classes = new HashMap<>();
	private final List<Stmt> stmts = new ArrayList<>();
	private final Map<String, Integer> calls = new HashMap<>();
	private int temp;

	private TorchScriptLayers(TorchScriptArchive archive, String rootClass) {
		this.archive = archive;
		this.rootClass = rootClass;
	}

	/** The root class is the first global of data.pkl ("__torch__.Net"). */
	static Result of(TorchScriptArchive archive, String rootClass) {
		return new TorchScriptLayers(archive, rootClass).build();
	}

	private Result build() {
		ClassInfo root = classInfo(rootClass);
		if (root == null) return none("the code of its top-level class " + rootClass + " cannot be read");
		Method fwd = root.methods().get("forward");
		if (fwd == null) return none("its top-level class has no forward method");
		String why = inlinable(fwd);
		if (why != null) return none("its forward " + why);
		String self = fwd.self(), input = fwd.params().get(0);
		Map<String, String> rename = new HashMap<>();
		rename.put(self, self);
		rename.put(input, input);
		List<Token> retExpr = expand(root, fwd, rename, self, "", 0, true);
		if (retExpr == null) return none("its forward could not be read as straight-line code");
		// forward ending in softmax(z, 1) or sigmoid(z): z are the logits, which gradient methods differentiate (as for
		// TensorFlow and ONNX models); a sigmoid's saturation would give a confident class near-zero gradients
		List<Token> inner = softmaxArgument(retExpr);
		boolean sigmoid = false;
		if (inner == null && (inner = sigmoidArgument(retExpr)) != null) sigmoid = true;
		if (inner == null && retExpr.size() == 1) {
			for (int k = stmts.size() - 1; k >= 0; k--) {
				if (!stmts.get(k).target().equals(retExpr.get(0).text())) continue;
				// z is defined before the softmax, so returning it at the end is the same
				inner = softmaxArgument(stmts.get(k).expr());
				if (inner == null && (inner = sigmoidArgument(stmts.get(k).expr())) != null) sigmoid = true;
				break;
			}
		}
		boolean logits = inner != null;
		if (logits) retExpr = inner;
		Set<String> defined = new HashSet<>();
		defined.add(input);
		List<Set<String>> uses = new ArrayList<>();
		for (Stmt s : stmts) {
			uses.add(names(s.expr(), defined));
			defined.add(s.target());
		}
		Set<String> retUses = names(retExpr, defined);
		Set<String> fromInput = new HashSet<>(Set.of(input));
		for (int k = 0; k < stmts.size(); k++) {
			for (String u : uses.get(k)) if (fromInput.contains(u)) fromInput.add(stmts.get(k).target());
		}
		String logitsName = retExpr.size() == 1 ? retExpr.get(0).text() : null;
		List<Integer> candidates = new ArrayList<>();
		for (int k = 0; k < stmts.size(); k++) if (stmts.get(k).layer() != null) candidates.add(k);
		candidates.sort((a, b) -> Integer.compare(stmts.get(a).depth(), stmts.get(b).depth())); // outermost first when there are too many
		Map<Integer, BitSet[]> kept = new java.util.TreeMap<>();
		for (int k : candidates) {
			if (kept.size() >= MAX_LAYERS) break;
			Stmt s = stmts.get(k);
			String t = s.target();
			if (t.equals(logitsName) || sameValue(t, logitsName)) continue; // the logits
			BitSet h = slice(uses, retUses, t, input);
			if (h == null) continue; // the rest needs the input other than through this layer
			boolean clean = true;
			for (int j = h.nextSetBit(0); j >= 0 && clean; j = h.nextSetBit(j + 1)) {
				if (j <= k && fromInput.contains(stmts.get(j).target())) clean = false;
			}
			if (!clean) continue;
			BitSet g = slice(uses, uses.get(k), null, input);
			g.set(k);
			kept.put(k, new BitSet[] { g, h });
		}
		// a module whose output is another's (layer1 is its last block layer1.0, which ends in its relu) is named once, outermost
		Map<String, Integer> byValue = new HashMap<>();
		for (int k : new ArrayList<>(kept.keySet())) {
			String value = valueOf(stmts.get(k).target());
			Integer other = byValue.get(value);
			if (other == null) {
				byValue.put(value, k);
			} else if (stmts.get(k).depth() < stmts.get(other).depth()) {
				kept.remove(other);
				byValue.put(value, k);
			} else {
				kept.remove(k);
			}
		}
		for (String m : root.methods().keySet()) {
			if (m.startsWith(G) || m.startsWith(H) || m.equals(LOGITS)) return none("it already defines a method named " + m);
		}
		List<Layer> layers = new ArrayList<>();
		StringBuilder methods = new StringBuilder();
		String defPad = " ".repeat(fwd.defIndent()), bodyPad = " ".repeat(fwd.bodyIndent());
		for (Map.Entry<Integer, BitSet[]> e : kept.entrySet()) {
			Stmt s = stmts.get(e.getKey());
			int index = layers.size();
			layers.add(new Layer(s.layer(), s.moduleClass(), index));
			method(methods, G + index, fwd, input, e.getValue()[0], List.of(new Token(Kind.NAME, s.target(), 0, -1)), defPad, bodyPad);
			method(methods, H + index, fwd, s.target(), e.getValue()[1], retExpr, defPad, bodyPad);
		}
		String whyNone = layers.isEmpty() ? "no submodule output of its forward splits the model in two" : null;
		if (logits) method(methods, LOGITS, fwd, input, slice(uses, retUses, null, input), retExpr, defPad, bodyPad);
		if (layers.isEmpty() && !logits) return none(whyNone);
		String src = archive.code().get(root.record());
		String[] srcLines = src.split("\n", -1);
		StringBuilder out = new StringBuilder();
		for (int k = 0; k < srcLines.length; k++) {
			out.append(srcLines[k]);
			if (k < srcLines.length - 1) out.append('\n');
			if (k + 1 == fwd.lastLine()) out.append(methods);
		}
		Map<String, String> code = new LinkedHashMap<>();
		code.put(root.record(), out.toString());
		return new Result(List.copyOf(layers), code, whyNone, logits, sigmoid);
	}

	/** Whether two names hold the same value through alias statements (a layer that is only a copy of the logits). */
	private boolean sameValue(String a, String b) {
		if (b == null) return false;
		String cur = b;
		for (int hop = 0; hop < 64; hop++) {
			Stmt s = definition(cur);
			if (s == null || s.expr().size() != 1 || s.expr().get(0).kind() != Kind.NAME) return false;
			cur = s.expr().get(0).text();
			if (cur.equals(a)) return true;
		}
		return false;
	}

	/** The statement a name copies through alias statements ("a = b"), as its target. */
	private String valueOf(String name) {
		String cur = name;
		for (int hop = 0; hop < 64; hop++) {
			Stmt s = definition(cur);
			if (s == null || s.expr().size() != 1 || s.expr().get(0).kind() != Kind.NAME) return cur;
			cur = s.expr().get(0).text();
		}
		return cur;
	}

	private Stmt definition(String name) {
		for (int k = stmts.size() - 1; k >= 0; k--) if (stmts.get(k).target().equals(name)) return stmts.get(k);
		return null;
	}

	private void method(StringBuilder out, String name, Method fwd, String param, BitSet body, List<Token> ret, String defPad, String bodyPad) {
		out.append(defPad).append("def ").append(name).append("(").append(fwd.self()).append(": ").append(fwd.selfType()).append(",\n")
			.append(bodyPad).append(param).append(": Tensor) -> Tensor:\n");
		for (int j = body.nextSetBit(0); j >= 0; j = body.nextSetBit(j + 1)) {
			out.append(bodyPad).append(stmts.get(j).target()).append(" = ").append(join(stmts.get(j).expr())).append('\n');
		}
		out.append(bodyPad).append("return ").append(join(ret)).append('\n');
	}

	private static Result none(String why) {
		return new Result(List.of(), null, why, false, false);
	}

	/** Why a method cannot be copied in (null: it can): one tensor in, one tensor out, straight-line. */
	private static String inlinable(Method m) {
		if (m.whyNot() != null) return m.whyNot();
		if (m.params().size() != 1) return "takes " + m.params().size() + " inputs (layer splits need exactly one)";
		if (!m.paramTypes().get(0).equals("Tensor")) return "takes a " + m.paramTypes().get(0) + ", not a Tensor";
		if (!m.returnType().equals("Tensor")) return "returns " + (m.returnType().isEmpty() ? "an unannotated value" : m.returnType()) + ", not one Tensor";
		return null;
	}

	/**
	 * Appends the statements of a method (variables renamed, submodule calls moved into statements
	 * of their own and copied in where they can be) and returns its return expression.
	 *
	 * @param rename names of the method (its self, its parameter, its locals) to names of the statements
	 * @param module the statements' name of the method's self
	 */
	private List<Token> expand(ClassInfo cls, Method m, Map<String, String> rename, String module, String prefix, int depth, boolean root) {
		Map<String, String> moduleOf = new HashMap<>(); // statement name -> attribute path of the module it holds
		Map<String, String> typeOf = new HashMap<>();
		for (List<Token> line : m.body()) {
			if (line.get(0).is("return")) break;
			String target = line.get(0).text();
			String renamed = root ? target : "_cs" + temp++ + "_" + target;
			List<Token> expr = renamed(line.subList(2, line.size()), rename);
			rename.put(target, renamed);
			String attr = moduleAttribute(expr, module);
			if (attr != null) {
				moduleOf.put(renamed, prefix + attr);
				typeOf.put(renamed, cls.attrTypes().get(attr));
			}
			expr = hoistCalls(expr, moduleOf, typeOf, depth);
			if (expr == null) return null;
			stmts.add(new Stmt(renamed, expr, null, null, depth));
		}
		List<Token> ret = renamed(m.returned(), rename);
		return hoistCalls(ret, moduleOf, typeOf, depth);
	}

	/** Moves every submodule call of an expression into a statement of its own (copying its method in where it can). */
	private List<Token> hoistCalls(List<Token> expr, Map<String, String> moduleOf, Map<String, String> typeOf, int depth) {
		while (true) {
			int[] call = firstModuleCall(expr, moduleOf);
			if (call == null) return expr;
			String local = expr.get(call[0] + 1).text(), path = moduleOf.get(local), type = typeOf.get(local);
			String methodName = expr.get(call[0] + 4).text();
			int n = calls.merge(path, 1, Integer::sum);
			String layer = n == 1 ? path : path + "#" + n;
			List<Token> callTokens = new ArrayList<>(expr.subList(call[0], call[1] + 1));
			String tmp = "_cs" + temp++;
			ClassInfo callee = type == null ? null : classInfo(type);
			Method method = callee == null ? null : callee.methods().get(methodName);
			List<List<Token>> args = arguments(callTokens, 5);
			if (method != null && inlinable(method) == null && args != null && args.size() == 1 && depth + 1 <= MAX_DEPTH
				&& stmts.size() + method.body().size() < MAX_STATEMENTS) {
				String arg = "_cs" + temp++;
				stmts.add(new Stmt(arg, args.get(0), null, null, depth + 1));
				Map<String, String> rename = new HashMap<>();
				rename.put(method.self(), local);
				rename.put(method.params().get(0), arg);
				List<Token> ret = expand(callee, method, rename, local, path + ".", depth + 1, false);
				if (ret == null) return null;
				stmts.add(new Stmt(tmp, ret, layer, type, depth));
			} else {
				if (!returnsTensor(callee, methodName)) layer = null;
				stmts.add(new Stmt(tmp, callTokens, layer, type, depth));
			}
			List<Token> rest = new ArrayList<>(expr.subList(0, call[0]));
			rest.add(new Token(Kind.NAME, tmp, 0, -1));
			rest.addAll(expr.subList(call[1] + 1, expr.size()));
			expr = rest;
		}
	}

	/** The arguments of a call whose "(" is at {@code open}: top-level comma-separated token lists (a trailing comma allowed). */
	private static List<List<Token>> arguments(List<Token> call, int open) {
		List<List<Token>> out = new ArrayList<>();
		List<Token> cur = new ArrayList<>();
		int depth = 0;
		for (int k = open; k < call.size(); k++) {
			Token t = call.get(k);
			if (t.is("(") || t.is("[") || t.is("{")) {
				if (depth++ == 0) continue;
			} else if (t.is(")") || t.is("]") || t.is("}")) {
				if (--depth == 0) break;
			} else if (depth == 1 && t.is(",")) {
				if (!cur.isEmpty()) out.add(cur);
				cur = new ArrayList<>();
				continue;
			}
			cur.add(t);
		}
		if (!cur.isEmpty()) out.add(cur);
		for (List<Token> a : out) if (a.size() >= 2 && a.get(1).is("=")) return null; // keyword arguments: not copied in
		return out;
	}

	/** Names in an expression renamed (not attributes, not keyword argument names). */
	private static List<Token> renamed(List<Token> expr, Map<String, String> rename) {
		List<Token> out = new ArrayList<>(expr.size());
		for (int k = 0; k < expr.size(); k++) {
			Token t = expr.get(k);
			boolean attribute = k > 0 && expr.get(k - 1).is(".");
			boolean keyword = k + 1 < expr.size() && expr.get(k + 1).is("=");
			String to = t.kind() == Kind.NAME && !attribute && !keyword ? rename.get(t.text()) : null;
			out.add(to == null ? t : new Token(Kind.NAME, to, t.line(), -1));
		}
		return out;
	}

	/**
	 * Statements the value(s) {@code need} rest on, stopping at {@code cut} (fed from outside);
	 * null when they reach the input and a cut was asked for.
	 */
	private BitSet slice(List<Set<String>> uses, Set<String> need, String cut, String input) {
		BitSet in = new BitSet();
		Deque<String> todo = new ArrayDeque<>(need);
		Map<String, Integer> index = new HashMap<>();
		for (int k = 0; k < stmts.size(); k++) index.put(stmts.get(k).target(), k);
		Set<String> seen = new HashSet<>();
		while (!todo.isEmpty()) {
			String n = todo.pop();
			if (!seen.add(n)) continue;
			if (n.equals(cut)) continue;
			if (n.equals(input)) {
				if (cut != null) return null;
				continue;
			}
			Integer k = index.get(n);
			if (k == null) continue;
			in.set(k);
			todo.addAll(uses.get(k));
		}
		return in;
	}

	/** Local names an expression reads (not attributes, not keyword argument names). */
	private static Set<String> names(List<Token> expr, Set<String> defined) {
		Set<String> out = new HashSet<>();
		for (int k = 0; k < expr.size(); k++) {
			Token t = expr.get(k);
			if (t.kind() != Kind.NAME || !defined.contains(t.text())) continue;
			if (k > 0 && expr.get(k - 1).is(".")) continue;
			if (k + 1 < expr.size() && expr.get(k + 1).is("=")) continue;
			out.add(t.text());
		}
		return out;
	}

	/** "attr" for expressions self.attr and getattr(self, "attr"); else null. */
	private static String moduleAttribute(List<Token> e, String self) {
		if (e.size() == 3 && e.get(0).is(self) && e.get(1).is(".") && e.get(2).kind() == Kind.NAME) return e.get(2).text();
		if (e.size() == 6 && e.get(0).is("getattr") && e.get(1).is("(") && e.get(2).is(self) && e.get(3).is(",") && e.get(5).is(")")) {
			return TorchCode.literal(e.get(4));
		}
		return null;
	}

	/** {start, end} of the submodule call "(m).method(...)" that closes first; null if none. */
	private static int[] firstModuleCall(List<Token> e, Map<String, String> moduleOf) {
		int[] best = null;
		for (int k = 0; k + 5 < e.size(); k++) {
			if (!(e.get(k).is("(") && e.get(k + 1).kind() == Kind.NAME && moduleOf.containsKey(e.get(k + 1).text()) && e.get(k + 2).is(")")
				&& e.get(k + 3).is(".") && e.get(k + 4).kind() == Kind.NAME && e.get(k + 5).is("("))) {
				continue;
			}
			int depth = 0, close = -1;
			for (int m = k + 5; m < e.size(); m++) {
				if (e.get(m).is("(") || e.get(m).is("[") || e.get(m).is("{")) depth++;
				if (e.get(m).is(")") || e.get(m).is("]") || e.get(m).is("}")) {
					if (--depth == 0) {
						close = m;
						break;
					}
				}
			}
			if (close < 0) return null;
			if (best == null || close < best[1]) best = new int[] { k, close };
		}
		return best;
	}

	/** Whether a method of a class is declared to return a Tensor. */
	private static boolean returnsTensor(ClassInfo cls, String method) {
		Method m = cls == null ? null : cls.methods().get(method);
		return m != null && m.returnType().equals("Tensor");
	}

	// ---- reading classes ----

	private ClassInfo classInfo(String qualified) {
		if (qualified == null || !qualified.startsWith("__torch__.")) return null;
		if (classes.containsKey(qualified)) return classes.get(qualified);
		ClassInfo info = readClass(qualified);
		classes.put(qualified, info);
		return info;
	}

	private ClassInfo readClass(String qualified) {
		String record = TorchScriptArchive.codeRecordOf(qualified);
		List<Token> ts = tokens.computeIfAbsent(record, r -> {
			String src = archive.code().get(r);
			try {
				return src == null ? null : TorchCode.tokenize(src);
			} catch (TorchCode.SyntaxError e) {
				return null;
			}
		});
		if (ts == null) return null;
		String cls = qualified.substring(qualified.lastIndexOf('.') + 1);
		int start = -1;
		for (int i = 1; i + 1 < ts.size() && start < 0; i++) {
			if (ts.get(i - 1).kind() == Kind.NEWLINE && ts.get(i).is("class") && ts.get(i + 1).is(cls)) start = i;
		}
		if (start < 0) return null;
		int classIndent = ts.get(start - 1).indent();
		Map<String, String> attrTypes = new HashMap<>();
		Map<String, Method> methods = new HashMap<>();
		for (int i = start; i + 1 < ts.size(); i++) {
			Token t = ts.get(i);
			if (t.kind() == Kind.NEWLINE && t.indent() <= classIndent && i > start) break;
			if (t.kind() == Kind.NEWLINE && ts.get(i + 1).kind() == Kind.NAME && i + 2 < ts.size() && ts.get(i + 2).is(":")) {
				attrTypes.put(ts.get(i + 1).text(), typeAfter(ts, i + 3));
			}
			if (t.is("__annotations__") && i + 5 < ts.size() && ts.get(i + 1).is("[") && ts.get(i + 3).is("]") && ts.get(i + 4).is("=")
				&& TorchCode.literal(ts.get(i + 2)) != null) {
				attrTypes.put(TorchCode.literal(ts.get(i + 2)), typeAfter(ts, i + 5));
			}
			if (t.is("def") && ts.get(i + 1).kind() == Kind.NAME && ts.get(i - 1).kind() == Kind.NEWLINE) {
				methods.put(ts.get(i + 1).text(), readMethod(ts, i));
			}
		}
		return new ClassInfo(record, attrTypes, methods);
	}

	/** A method from its "def" token: header, and its body when it is straight-line. */
	private static Method readMethod(List<Token> ts, int def) {
		List<String> params = new ArrayList<>(), types = new ArrayList<>();
		int i = def + 3, depth = 1;
		StringBuilder type = new StringBuilder();
		String param = null;
		boolean defaults = false;
		for (; i < ts.size() && depth > 0; i++) {
			Token t = ts.get(i);
			if (t.is("(") || t.is("[")) depth++;
			if (t.is(")") || t.is("]")) depth--;
			if (depth == 0) break;
			if (param == null && t.kind() == Kind.NAME) {
				param = t.text();
			} else if (depth == 1 && t.is(",")) {
				params.add(param);
				types.add(type.toString().strip());
				param = null;
				type.setLength(0);
			} else if (depth == 1 && t.is("=")) {
				defaults = true;
			} else if (!(depth == 1 && t.is(":") && type.length() == 0)) {
				type.append(t.text()).append(t.is(",") ? " " : "");
			}
		}
		if (param != null) {
			params.add(param);
			types.add(type.toString().strip());
		}
		int after = i + 1;
		StringBuilder ret = new StringBuilder();
		if (after < ts.size() && ts.get(after).is("->")) {
			int k = after + 1;
			for (; k < ts.size() && !ts.get(k).is(":"); k++) ret.append(ts.get(k).text());
			after = k;
		}
		int defIndent = ts.get(def - 1).indent();
		String self = params.isEmpty() ? null : params.get(0), selfType = types.isEmpty() ? "" : types.get(0);
		List<String> rest = params.isEmpty() ? List.of() : params.subList(1, params.size());
		List<String> restTypes = types.isEmpty() ? List.of() : types.subList(1, types.size());
		int bodyStart = after + 1;
		if (bodyStart >= ts.size() || ts.get(bodyStart).kind() != Kind.NEWLINE) {
			return new Method(self, selfType, rest, restTypes, ret.toString(), null, null, defIndent, 0, 0, "is written on one line");
		}
		int bodyIndent = ts.get(bodyStart).indent();
		List<List<Token>> lines = new ArrayList<>();
		int end = bodyStart;
		String why = defaults ? "has parameters with defaults" : null;
		for (int k = bodyStart; k < ts.size(); k++) {
			Token t = ts.get(k);
			if (t.kind() == Kind.END || (t.kind() == Kind.NEWLINE && t.indent() <= defIndent)) {
				end = k;
				break;
			}
			if (t.kind() == Kind.NEWLINE) {
				if (t.indent() != bodyIndent && why == null) why = "has nested blocks (if, for or while)";
				lines.add(new ArrayList<>());
			} else {
				lines.get(lines.size() - 1).add(t);
			}
		}
		int lastLine = ts.get(end - 1).line();
		List<Token> returned = null;
		for (int k = 0; k < lines.size() && why == null; k++) {
			List<Token> line = lines.get(k);
			if (line.size() >= 2 && line.get(0).is("return")) {
				if (k != lines.size() - 1) why = "has statements after its return";
				returned = new ArrayList<>(line.subList(1, line.size()));
			} else if (!(line.size() >= 3 && line.get(0).kind() == Kind.NAME && line.get(1).is("="))) {
				why = "has a statement that is not an assignment (" + join(line) + ")";
			}
		}
		if (why == null && returned == null) why = "has no return";
		return new Method(self, selfType, rest, restTypes, ret.toString(), why == null ? lines : null, returned, defIndent, bodyIndent, lastLine,
			why);
	}

	private static String typeAfter(List<Token> ts, int i) {
		StringBuilder b = new StringBuilder();
		for (int k = i; k < ts.size() && ts.get(k).kind() != Kind.NEWLINE; k++) b.append(ts.get(k).text());
		return b.toString();
	}

	/** z for an expression torch.sigmoid(z) (the whole expression, one argument); else null. */
	static List<Token> sigmoidArgument(List<Token> e) {
		List<List<Token>> args = torchCallArguments(e, "sigmoid"); // torch.sigmoid takes one tensor
		return args == null || args.size() != 1 || args.get(0).isEmpty() ? null : args.get(0);
	}

	/** z for an expression torch.softmax(z, 1) or torch.softmax(z, -1) (with an optional None dtype); else null. */
	static List<Token> softmaxArgument(List<Token> e) {
		List<List<Token>> args = torchCallArguments(e, "softmax");
		if (args == null || args.size() < 2 || args.get(0).isEmpty()) return null;
		List<String> rest = new ArrayList<>();
		for (List<Token> arg : args.subList(1, args.size())) {
			StringBuilder text = new StringBuilder();
			for (Token t : arg) text.append(t.text());
			rest.add(text.toString());
		}
		String dims = String.join(",", rest);
		if (!(dims.equals("1") || dims.equals("-1") || dims.equals("1,None") || dims.equals("-1,None") || dims.equals("1,") || dims.equals("-1,"))) {
			return null;
		}
		return args.get(0);
	}

	/**
	 * The arguments (split at their top-level commas) of an expression torch.name(...) that is the whole expression;
	 * else null (another call, or the call only part of the expression).
	 */
	private static List<List<Token>> torchCallArguments(List<Token> e, String name) {
		if (e.size() < 5 || !e.get(0).is("torch") || !e.get(1).is(".") || !e.get(2).is(name) || !e.get(3).is("(")
			|| !e.get(e.size() - 1).is(")")) {
			return null;
		}
		List<List<Token>> args = new ArrayList<>();
		List<Token> arg = new ArrayList<>();
		int depth = 0;
		for (int k = 3; k < e.size(); k++) {
			Token t = e.get(k);
			if (t.is("(") || t.is("[") || t.is("{")) {
				if (depth++ > 0) arg.add(t);
			} else if (t.is(")") || t.is("]") || t.is("}")) {
				if (--depth == 0) {
					if (k != e.size() - 1) return null; // name(...) is only part of the expression
				} else {
					arg.add(t);
				}
			} else if (depth == 1 && t.is(",")) {
				args.add(arg);
				arg = new ArrayList<>();
			} else {
				arg.add(t);
			}
		}
		args.add(arg);
		return args;
	}

	private static String join(List<Token> ts) {
		StringBuilder b = new StringBuilder();
		for (Token t : ts) {
			if (b.length() > 0) b.append(' ');
			b.append(t.text());
		}
		return b.toString();
	}
}
