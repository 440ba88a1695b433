package org.conceptscope.model.torch;

import java.util.ArrayList;
import java.util.BitSet;
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
 * What is supported: the outputs of the top-level module's own submodule calls in its
 * {@code forward} (e.g. {@code layer1}..{@code layer4}, {@code avgpool} of a torchvision ResNet),
 * when {@code forward} is straight-line code (assignments and one {@code return}, as
 * {@code torch.jit.trace} always writes, and {@code torch.jit.script} writes for models without
 * Python control flow), takes one tensor, and returns one tensor; a submodule called twice gives
 * two layers ({@code relu}, {@code relu#2}). A layer is offered only where the model can really be
 * cut: when everything after it depends on the input through that layer alone (no skip
 * connection around it), and the submodule's method returns a tensor. The logits are not a layer.
 * Layers inside submodules (e.g. one block of {@code layer3}) are not offered.
 * <p>
 * How: the file's code for the top-level class gets two methods per layer, written from the
 * statements of {@code forward} (submodule calls first moved into assignments of their own, in
 * evaluation order): {@code conceptscope_g_K(x)} returns the layer's output and
 * {@code conceptscope_h_K(a)} runs the rest of {@code forward} from it. They call only what
 * {@code forward} calls, and the rewritten file is checked by {@link TorchScriptSafety} again.
 */
final class TorchScriptLayers {

	static final String G = "conceptscope_g_", H = "conceptscope_h_", LOGITS = "conceptscope_logits";

	/** One layer: its name, the submodule's class, and the index of its methods. */
	record Layer(String name, String moduleClass, int index) {}

	/**
	 * The rewritten code (null when nothing is rewritten), why no layer is offered (null when some
	 * are), and whether forward ends in a softmax that {@value #LOGITS} leaves out.
	 */
	record Result(List<Layer> layers, Map<String, String> code, String whyNone, boolean logits) {}

	private record Stmt(String target, List<Token> expr, String layer, String moduleAttr) {}

	private final TorchScriptArchive archive;
	private final String rootClass;
	private String record;
	private List<Token> tokens;

	private TorchScriptLayers(TorchScriptArchive archive, String rootClass) {
		this.archive = archive;
		this.rootClass = rootClass;
	}

	/** The root class is the first global of data.pkl ("__torch__.Net"). */
	static Result of(TorchScriptArchive archive, String rootClass) {
		return new TorchScriptLayers(archive, rootClass).build();
	}

	private Result build() {
		record = TorchScriptArchive.codeRecordOf(rootClass);
		String src = archive.code().get(record);
		if (src == null) return none("the code of its top-level class " + rootClass + " is not in the file");
		try {
			tokens = TorchCode.tokenize(src);
		} catch (TorchCode.SyntaxError e) {
			return none("its code cannot be read (" + e.getMessage() + ")");
		}
		String cls = rootClass.substring(rootClass.lastIndexOf('.') + 1);
		int classStart = find(0, "class", cls);
		if (classStart < 0) return none("its top-level class " + cls + " is not defined in " + record);
		int classIndent = tokens.get(classStart - 1).indent();
		int forward = -1;
		Map<String, String> attrTypes = new HashMap<>();
		Set<String> definedMethods = new HashSet<>();
		for (int i = classStart; i + 1 < tokens.size(); i++) {
			Token t = tokens.get(i);
			if (t.kind() == Kind.NEWLINE && t.indent() <= classIndent && i > classStart) break;
			if (t.kind() == Kind.NEWLINE && tokens.get(i + 1).kind() == Kind.NAME && i + 2 < tokens.size() && tokens.get(i + 2).is(":")) {
				attrTypes.put(tokens.get(i + 1).text(), typeAfter(i + 3));
			}
			if (t.is("__annotations__") && i + 5 < tokens.size() && tokens.get(i + 1).is("[") && tokens.get(i + 3).is("]")
				&& tokens.get(i + 4).is("=") && TorchCode.literal(tokens.get(i + 2)) != null) {
				attrTypes.put(TorchCode.literal(tokens.get(i + 2)), typeAfter(i + 5));
			}
			if (t.is("def") && tokens.get(i + 1).kind() == Kind.NAME) {
				definedMethods.add(tokens.get(i + 1).text());
				if (tokens.get(i + 1).is("forward")) forward = i;
			}
		}
		if (forward < 0) return none("its top-level class has no forward method in " + record);
		// header: def forward(self: T, x: Tensor) -> Tensor:
		List<String> params = new ArrayList<>();
		List<String> paramTypes = new ArrayList<>();
		int i = forward + 3, depth = 1;
		StringBuilder type = new StringBuilder();
		String param = null;
		for (; i < tokens.size() && depth > 0; i++) {
			Token t = tokens.get(i);
			if (t.is("(") || t.is("[")) depth++;
			if (t.is(")") || t.is("]")) depth--;
			if (depth == 0) break;
			if (param == null && t.kind() == Kind.NAME) {
				param = t.text();
			} else if (depth == 1 && t.is(",")) {
				params.add(param);
				paramTypes.add(type.toString().strip());
				param = null;
				type.setLength(0);
			} else if (!(depth == 1 && t.is(":") && type.length() == 0)) {
				type.append(t.text()).append(t.is(",") ? " " : "");
			}
		}
		if (param != null) {
			params.add(param);
			paramTypes.add(type.toString().strip());
		}
		if (params.size() != 2) return none("its forward takes " + (params.size() - 1) + " inputs (layer splits need exactly one)");
		if (!paramTypes.get(1).equals("Tensor")) return none("its forward takes a " + paramTypes.get(1) + ", not a Tensor");
		int afterHeader = i + 1;
		StringBuilder ret = new StringBuilder();
		if (afterHeader < tokens.size() && tokens.get(afterHeader).is("->")) {
			int k = afterHeader + 1;
			for (; k < tokens.size() && !tokens.get(k).is(":"); k++) ret.append(tokens.get(k).text());
			afterHeader = k;
		}
		if (!ret.toString().equals("Tensor")) return none("its forward returns " + (ret.length() == 0 ? "an unannotated value" : ret) + ", not one Tensor");
		String self = params.get(0), input = params.get(1), selfType = paramTypes.get(0);
		// body statements
		int bodyStart = afterHeader + 1;
		if (bodyStart >= tokens.size() || tokens.get(bodyStart).kind() != Kind.NEWLINE) return none("its forward is written on one line");
		int bodyIndent = tokens.get(bodyStart).indent();
		int defIndent = tokens.get(forward - 1).indent();
		List<List<Token>> lines = new ArrayList<>();
		int end = bodyStart;
		for (int k = bodyStart; k < tokens.size(); k++) {
			Token t = tokens.get(k);
			if (t.kind() == Kind.END) {
				end = k;
				break;
			}
			if (t.kind() == Kind.NEWLINE) {
				if (t.indent() <= defIndent) {
					end = k;
					break;
				}
				if (t.indent() != bodyIndent) return none("its forward has nested blocks (if, for or while)");
				lines.add(new ArrayList<>());
			} else {
				lines.get(lines.size() - 1).add(t);
			}
		}
		int lastLine = tokens.get(end - 1).line();
		// statements, submodule calls hoisted in evaluation order
		Map<String, String> moduleOf = new HashMap<>(); // local -> attribute name
		List<Stmt> stmts = new ArrayList<>();
		Map<String, Integer> calls = new HashMap<>();
		int temp = 0;
		List<Token> returned = null;
		for (List<Token> line : lines) {
			if (returned != null) return none("its forward has statements after its return");
			if (line.size() >= 2 && line.get(0).is("return")) {
				returned = new ArrayList<>(line.subList(1, line.size()));
			} else if (line.size() >= 3 && line.get(0).kind() == Kind.NAME && line.get(1).is("=")) {
				String target = line.get(0).text();
				List<Token> expr = new ArrayList<>(line.subList(2, line.size()));
				String attr = moduleAttribute(expr, self);
				if (attr != null) moduleOf.put(target, attr);
				while (true) {
					int[] call = firstModuleCall(expr, moduleOf);
					if (call == null) break;
					String local = expr.get(call[0] + 1).text(), a = moduleOf.get(local);
					int n = calls.merge(a, 1, Integer::sum);
					String tmp = "_cs_" + temp++;
					stmts.add(new Stmt(tmp, new ArrayList<>(expr.subList(call[0], call[1] + 1)), n == 1 ? a : a + "#" + n, a));
					List<Token> rest = new ArrayList<>(expr.subList(0, call[0]));
					rest.add(new Token(Kind.NAME, tmp, 0, -1));
					rest.addAll(expr.subList(call[1] + 1, expr.size()));
					expr = rest;
				}
				stmts.add(new Stmt(target, expr, null, null));
			} else {
				return none("its forward has a statement that is not an assignment (" + join(line) + ")");
			}
		}
		if (returned == null) return none("its forward has no return");
		// the returned value as a statement of its own: submodule calls in it become layers too
		List<Token> retExpr = returned;
		while (true) {
			int[] call = firstModuleCall(retExpr, moduleOf);
			if (call == null) break;
			String local = retExpr.get(call[0] + 1).text(), a = moduleOf.get(local);
			int n = calls.merge(a, 1, Integer::sum);
			String tmp = "_cs_" + temp++;
			stmts.add(new Stmt(tmp, new ArrayList<>(retExpr.subList(call[0], call[1] + 1)), n == 1 ? a : a + "#" + n, a));
			List<Token> rest = new ArrayList<>(retExpr.subList(0, call[0]));
			rest.add(new Token(Kind.NAME, tmp, 0, -1));
			rest.addAll(retExpr.subList(call[1] + 1, retExpr.size()));
			retExpr = rest;
		}
		// forward ending in softmax(z, 1): z are the logits, which gradient methods differentiate (as for TensorFlow models)
		List<Token> inner = softmaxArgument(retExpr);
		if (inner == null && retExpr.size() == 1) {
			for (int k = stmts.size() - 1; k >= 0 && inner == null; k--) {
				if (!stmts.get(k).target().equals(retExpr.get(0).text())) continue;
				inner = softmaxArgument(stmts.get(k).expr()); // z is defined before the softmax, so returning it at the end is the same
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
		// which statements depend on the input
		Set<String> fromInput = new HashSet<>(Set.of(input));
		for (int k = 0; k < stmts.size(); k++) {
			for (String u : uses.get(k)) if (fromInput.contains(u)) fromInput.add(stmts.get(k).target());
		}
		List<Layer> layers = new ArrayList<>();
		StringBuilder methods = new StringBuilder();
		String defPad = " ".repeat(defIndent), bodyPad = " ".repeat(bodyIndent);
		for (int k = 0; k < stmts.size(); k++) {
			Stmt s = stmts.get(k);
			if (s.layer() == null) continue;
			String t = s.target();
			if (retExpr.size() == 1 && retExpr.get(0).is(t)) continue; // the logits
			String moduleClass = attrTypes.get(s.moduleAttr());
			if (!returnsTensor(moduleClass, s.expr())) continue;
			BitSet h = slice(stmts, uses, retUses, t, input);
			if (h == null) continue; // the rest needs the input other than through this layer
			boolean clean = true;
			for (int j = h.nextSetBit(0); j >= 0 && clean; j = h.nextSetBit(j + 1)) {
				if (j <= k && fromInput.contains(stmts.get(j).target())) clean = false;
			}
			if (!clean) continue;
			BitSet g = slice(stmts, uses, uses.get(k), null, input);
			g.set(k);
			int index = layers.size();
			if (definedMethods.contains(G + index) || definedMethods.contains(H + index)) return none("it already defines methods named " + G + "*");
			layers.add(new Layer(s.layer(), moduleClass, index));
			methods.append(defPad).append("def ").append(G).append(index).append("(").append(self).append(": ").append(selfType)
				.append(",\n").append(bodyPad).append(input).append(": Tensor) -> Tensor:\n");
			for (int j = g.nextSetBit(0); j >= 0; j = g.nextSetBit(j + 1)) {
				methods.append(bodyPad).append(stmts.get(j).target()).append(" = ").append(join(stmts.get(j).expr())).append('\n');
			}
			methods.append(bodyPad).append("return ").append(t).append('\n');
			methods.append(defPad).append("def ").append(H).append(index).append("(").append(self).append(": ").append(selfType)
				.append(",\n").append(bodyPad).append(t).append(": Tensor) -> Tensor:\n");
			for (int j = h.nextSetBit(0); j >= 0; j = h.nextSetBit(j + 1)) {
				methods.append(bodyPad).append(stmts.get(j).target()).append(" = ").append(join(stmts.get(j).expr())).append('\n');
			}
			methods.append(bodyPad).append("return ").append(join(retExpr)).append('\n');
		}
		String whyNone = layers.isEmpty() ? "no submodule output of its forward splits the model in two" : null;
		if (logits) {
			if (definedMethods.contains(LOGITS)) return none("it already defines a method named " + LOGITS);
			BitSet all = slice(stmts, uses, retUses, null, input);
			methods.append(defPad).append("def ").append(LOGITS).append("(").append(self).append(": ").append(selfType)
				.append(",\n").append(bodyPad).append(input).append(": Tensor) -> Tensor:\n");
			for (int j = all.nextSetBit(0); j >= 0; j = all.nextSetBit(j + 1)) {
				methods.append(bodyPad).append(stmts.get(j).target()).append(" = ").append(join(stmts.get(j).expr())).append('\n');
			}
			methods.append(bodyPad).append("return ").append(join(retExpr)).append('\n');
		}
		if (layers.isEmpty() && !logits) return none(whyNone);
		String[] srcLines = src.split("\n", -1);
		StringBuilder out = new StringBuilder();
		for (int k = 0; k < srcLines.length; k++) {
			out.append(srcLines[k]);
			if (k < srcLines.length - 1) out.append('\n');
			if (k + 1 == lastLine) out.append(methods);
		}
		Map<String, String> code = new LinkedHashMap<>();
		code.put(record, out.toString());
		return new Result(List.copyOf(layers), code, whyNone, logits);
	}

	private static Result none(String why) {
		return new Result(List.of(), null, why, false);
	}

	/** z for an expression torch.softmax(z, 1) or torch.softmax(z, -1) (with an optional None dtype); else null. */
	static List<Token> softmaxArgument(List<Token> e) {
		if (e.size() < 7 || !e.get(0).is("torch") || !e.get(1).is(".") || !e.get(2).is("softmax") || !e.get(3).is("(")
			|| !e.get(e.size() - 1).is(")")) {
			return null;
		}
		int depth = 0, comma = -1;
		for (int k = 3; k < e.size(); k++) {
			Token t = e.get(k);
			if (t.is("(") || t.is("[") || t.is("{")) depth++;
			else if (t.is(")") || t.is("]") || t.is("}")) {
				if (--depth == 0 && k != e.size() - 1) return null; // softmax(...) is only part of the expression
			} else if (depth == 1 && t.is(",") && comma < 0) comma = k;
		}
		if (comma < 5) return null;
		List<String> rest = new ArrayList<>();
		for (Token t : e.subList(comma + 1, e.size() - 1)) rest.add(t.text());
		String args = String.join("", rest);
		if (!(args.equals("1") || args.equals("-1") || args.equals("1,None") || args.equals("-1,None") || args.equals("1,") || args.equals("-1,"))) {
			return null;
		}
		return new ArrayList<>(e.subList(4, comma));
	}

	/**
	 * Statements the value(s) {@code need} rest on, stopping at {@code cut} (fed from outside);
	 * null when they reach the input and a cut was asked for.
	 */
	private static BitSet slice(List<Stmt> stmts, List<Set<String>> uses, Set<String> need, String cut, String input) {
		BitSet in = new BitSet();
		java.util.Deque<String> todo = new java.util.ArrayDeque<>(need);
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

	/** {start, end} of the submodule call "(m).method(...)" or "m.method(...)" that closes first; null if none. */
	private static int[] firstModuleCall(List<Token> e, Map<String, String> moduleOf) {
		int[] best = null;
		for (int k = 0; k + 4 < e.size(); k++) {
			int start, open;
			if (e.get(k).is("(") && e.get(k + 1).kind() == Kind.NAME && moduleOf.containsKey(e.get(k + 1).text()) && e.get(k + 2).is(")")
				&& e.get(k + 3).is(".") && k + 5 < e.size() && e.get(k + 4).kind() == Kind.NAME && e.get(k + 5).is("(")) {
				start = k;
				open = k + 5;
			} else {
				continue;
			}
			int depth = 0, close = -1;
			for (int m = open; m < e.size(); m++) {
				if (e.get(m).is("(") || e.get(m).is("[") || e.get(m).is("{")) depth++;
				if (e.get(m).is(")") || e.get(m).is("]") || e.get(m).is("}")) {
					if (--depth == 0) {
						close = m;
						break;
					}
				}
			}
			if (close < 0) return null;
			if (best == null || close < best[1]) best = new int[] { start, close };
		}
		// normalise to the call's own tokens: "(m).method(...)"
		return best;
	}

	/** Whether the called method of the submodule's class is declared to return a Tensor. */
	private boolean returnsTensor(String moduleClass, List<Token> call) {
		if (moduleClass == null || !moduleClass.startsWith("__torch__.")) return false;
		String method = call.get(4).text();
		String src = archive.code().get(TorchScriptArchive.codeRecordOf(moduleClass));
		if (src == null) return false;
		List<Token> ts;
		try {
			ts = TorchCode.tokenize(src);
		} catch (TorchCode.SyntaxError e) {
			return false;
		}
		String cls = moduleClass.substring(moduleClass.lastIndexOf('.') + 1);
		int c = findIn(ts, 0, "class", cls);
		if (c < 0) return false;
		int indent = ts.get(c - 1).indent();
		for (int k = c + 2; k + 1 < ts.size(); k++) {
			if (ts.get(k).kind() == Kind.NEWLINE && ts.get(k).indent() <= indent) return false;
			if (ts.get(k).is("def") && ts.get(k + 1).is(method)) {
				int depth = 0;
				for (int m = k + 2; m < ts.size(); m++) {
					if (ts.get(m).is("(")) depth++;
					if (ts.get(m).is(")") && --depth == 0) {
						return m + 3 < ts.size() && ts.get(m + 1).is("->") && ts.get(m + 2).is("Tensor") && ts.get(m + 3).is(":");
					}
				}
				return false;
			}
		}
		return false;
	}

	/** The type annotation from token i to the end of the line, as text. */
	private String typeAfter(int i) {
		StringBuilder b = new StringBuilder();
		for (int k = i; k < tokens.size() && tokens.get(k).kind() != Kind.NEWLINE; k++) b.append(tokens.get(k).text());
		return b.toString();
	}

	private int find(int from, String keyword, String name) {
		return findIn(tokens, from, keyword, name);
	}

	private static int findIn(List<Token> ts, int from, String keyword, String name) {
		for (int i = Math.max(1, from); i + 1 < ts.size(); i++) {
			if (ts.get(i - 1).kind() == Kind.NEWLINE && ts.get(i).is(keyword) && ts.get(i + 1).is(name)) return i;
		}
		return -1;
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
