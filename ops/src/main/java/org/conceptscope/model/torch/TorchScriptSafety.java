package org.conceptscope.model.torch;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.conceptscope.model.LoadOptions;
import org.conceptscope.model.UnsafeModelException;
import org.conceptscope.model.torch.TorchCode.Kind;
import org.conceptscope.model.torch.TorchCode.Token;

/**
 * A TorchScript file is code: libtorch compiles its {@code code/} records and runs them, and its
 * pickles build objects when it loads. Before libtorch sees a file, this check reads it as data and
 * refuses it unless everything it can run is plain tensor computation:
 * <ul>
 * <li>every pickle names only TorchScript's own globals (tensor rebuilding, storages,
 * {@code collections.OrderedDict}, {@code torch.jit._pickle} helpers) and classes the file itself
 * defines ({@code __torch__.*}); C++ custom classes ({@code __torch__.torch.classes.*}, e.g.
 * c10d's FileStore and TCPStore, which reach files and the network) and pickle opcodes TorchScript
 * never writes are refused;</li>
 * <li>every operator the code calls ({@code torch.X}, {@code ops.aten.X}) is in the allow-list
 * {@code aten-allowed.txt} (ATen tensor computations without {@code from_file}, {@code save}, RPC,
 * distributed and device operators); {@code ops.prim.X} only for the interpreter's own helpers in
 * {@link #PRIM}; operators of any other namespace (custom C++ extensions, quantized kernels, c10d)
 * are refused;</li>
 * <li>every bare call is a TorchScript builtin in {@link #BUILTINS} or a local value, every method
 * call is a method the file defines called on a module (or an allowed operator name), and
 * {@code getattr} names an attribute or method the file declares.</li>
 * </ul>
 * The check takes a few milliseconds. A model whose author you trust skips it with
 * {@link LoadOptions#trusted()}.
 */
final class TorchScriptSafety {

	static final Set<String> ATEN = readList("aten-allowed.txt");

	/** Interpreter helpers TorchScript's printer writes as ops.prim.X. */
	static final Set<String> PRIM = Set.of("RaiseException", "NumToTensor", "unchecked_cast", "unchecked_unwrap_optional", "TupleIndex",
		"TupleUnpack", "Uninitialized", "StringIndex", "EnumName", "EnumValue", "dtype", "device", "layout", "is_cuda", "is_cpu", "is_meta",
		"is_quantized", "is_sparse", "is_sparse_csr", "is_mkldnn", "is_nested", "is_xpu", "is_ipu", "is_mps", "is_vulkan", "is_ort", "index",
		"max", "min", "abs", "tolist", "requires_grad", "name", "type", "id", "rangelist", "infer_squeeze_size", "infer_unsqueeze_size",
		"BroadcastSizes", "ChunkSizes", "ConstantChunk", "VarConcat", "VarStack", "AutogradAdd", "AutogradZero", "isinstance");

	/** Builtin functions of TorchScript that compute values only (no I/O except print's console line). */
	static final Set<String> BUILTINS = Set.of("annotate", "uninitialized", "unchecked_cast", "isinstance", "getattr", "hasattr", "len", "range",
		"int", "float", "bool", "str", "complex", "list", "dict", "tuple", "min", "max", "abs", "round", "sum", "all", "any", "enumerate", "zip",
		"sorted", "divmod", "ord", "chr", "hex", "oct", "bin", "pow", "hash", "id", "print", "reversed", "iter", "next", "slice", "rangelist");

	private static final Set<String> KEYWORDS = Set.of("if", "elif", "else", "return", "for", "in", "not", "and", "or", "is", "while", "assert",
		"raise", "with", "as", "pass", "break", "continue", "def", "class", "import", "from", "None", "True", "False", "del", "global", "lambda");

	/** Globals TorchScript's own pickles use, besides the file's __torch__ classes. */
	static final Set<String> PICKLE_GLOBALS;
	static {
		Set<String> g = new HashSet<>(Set.of("torch._utils._rebuild_tensor", "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_qtensor",
			"torch._utils._rebuild_sparse_tensor", "torch._utils._rebuild_meta_tensor_no_storage", "torch._tensor._rebuild_from_type_v2",
			"collections.OrderedDict", "builtins.set", "torch.device", "torch.jit._pickle.build_intlist", "torch.jit._pickle.build_tensorlist",
			"torch.jit._pickle.build_doublelist", "torch.jit._pickle.build_boollist", "torch.jit._pickle.build_tensor_from_id",
			"torch.jit._pickle.restore_type_tag"));
		for (String t : List.of("Float", "Double", "Half", "BFloat16", "Long", "Int", "Short", "Char", "Byte", "Bool", "ComplexFloat",
			"ComplexDouble", "QInt8", "QUInt8", "QInt32", "QUInt4x2", "QUInt2x4")) {
			g.add("torch." + t + "Storage");
		}
		PICKLE_GLOBALS = Set.copyOf(g);
	}

	private final TorchScriptArchive archive;
	private final Set<String> methods = new HashSet<>();
	private final Set<String> attributes = new HashSet<>();

	private TorchScriptSafety(TorchScriptArchive archive) {
		this.archive = archive;
	}

	/**
	 * @throws UnsafeModelException naming what the file would run and where
	 * @throws org.conceptscope.model.ModelLoadException when the file is not readable TorchScript
	 */
	static void check(TorchScriptArchive archive) {
		new TorchScriptSafety(archive).run();
	}

	private void run() {
		for (Map.Entry<String, byte[]> p : archive.pickles().entrySet()) checkPickle(p.getKey(), p.getValue());
		Map<String, List<Token>> tokens = new java.util.LinkedHashMap<>();
		for (Map.Entry<String, String> c : archive.code().entrySet()) {
			try {
				tokens.put(c.getKey(), TorchCode.tokenize(c.getValue()));
			} catch (TorchCode.SyntaxError e) {
				throw new UnsafeModelException(archive.file() + " is refused: its code record " + c.getKey() + " is not TorchScript ("
					+ e.getMessage() + ")." + trustHint(), "syntax", c.getKey(), null);
			}
		}
		for (List<Token> ts : tokens.values()) declarations(ts);
		for (Map.Entry<String, List<Token>> e : tokens.entrySet()) checkCode(e.getKey(), e.getValue());
	}

	private void checkPickle(String record, byte[] bytes) {
		List<String> globals;
		try {
			globals = PickleScan.globals(bytes);
		} catch (PickleScan.BadPickle e) {
			throw new UnsafeModelException(archive.file() + " is refused: its record " + record + " " + e.getMessage() + "." + trustHint(),
				"pickle", record, null);
		}
		for (String g : globals) {
			boolean own = g.startsWith("__torch__.") && !g.startsWith("__torch__.torch.classes.");
			if (own || PICKLE_GLOBALS.contains(g)) continue;
			String why = g.startsWith("__torch__.torch.classes.")
				? "a C++ custom class, which can reach files, the network or other processes (c10d's FileStore and TCPStore do)"
				: "not a class TorchScript's own files use";
			throw new UnsafeModelException(archive.file() + " is refused before libtorch loads it: its record " + record + " builds "
				+ g + ", " + why + "." + trustHint(), g, record, null);
		}
	}

	/** Methods the file defines and attributes its classes declare. */
	private void declarations(List<Token> ts) {
		for (int i = 0; i + 1 < ts.size(); i++) {
			Token t = ts.get(i);
			if (t.is("def") && ts.get(i + 1).kind() == Kind.NAME) methods.add(ts.get(i + 1).text());
			if (t.kind() == Kind.NEWLINE && ts.get(i + 1).kind() == Kind.NAME && i + 2 < ts.size() && ts.get(i + 2).is(":")) {
				attributes.add(ts.get(i + 1).text());
			}
			if (t.is("__annotations__") && i + 2 < ts.size() && ts.get(i + 1).is("[") && ts.get(i + 2).kind() == Kind.STRING) {
				String a = TorchCode.literal(ts.get(i + 2));
				if (a != null) attributes.add(a);
			}
		}
	}

	private void checkCode(String record, List<Token> ts) {
		Set<String> locals = new HashSet<>(), modules = new HashSet<>();
		String function = null, self = null;
		for (int i = 0; i < ts.size(); i++) {
			Token t = ts.get(i), next = i + 1 < ts.size() ? ts.get(i + 1) : null;
			if (t.kind() != Kind.NAME) continue;
			boolean afterDot = i > 0 && ts.get(i - 1).is(".");
			if (t.is("def") && next != null && next.kind() == Kind.NAME) {
				function = next.text();
				self = i + 3 < ts.size() && ts.get(i + 2).is("(") && ts.get(i + 3).kind() == Kind.NAME ? ts.get(i + 3).text() : null;
				locals.clear();
				modules.clear();
				if (self != null) modules.add(self);
				i++;
				continue;
			}
			if (next != null && (next.is("=") || next.is(":") || next.is(",") && inDefHeader(ts, i)) && !afterDot) {
				locals.add(t.text());
				if (next.is("=") && isModuleValue(ts, i + 2, modules)) modules.add(t.text());
			}
			if (t.is("class") && next != null && next.kind() == Kind.NAME) {
				i++; // class X(Base): X is defined here, not called
				continue;
			}
			if (t.is("for")) {
				for (int j = i + 1; j < ts.size() && !ts.get(j).is("in"); j++) if (ts.get(j).kind() == Kind.NAME) locals.add(ts.get(j).text());
			}
			if (KEYWORDS.contains(t.text()) && !afterDot) continue;
			if (afterDot) {
				if (next != null && next.is("(")) checkMethodCall(record, ts, i, function, moduleReceiver(ts, i - 1, modules));
				continue;
			}
			// a name that starts an expression: a dotted chain, a bare call or a plain value
			int j = i;
			StringBuilder chain = new StringBuilder(t.text());
			int parts = 1;
			while (j + 2 < ts.size() && ts.get(j + 1).is(".") && ts.get(j + 2).kind() == Kind.NAME) {
				j += 2;
				chain.append('.').append(ts.get(j).text());
				parts++;
			}
			boolean called = j + 1 < ts.size() && ts.get(j + 1).is("(");
			String head = t.text();
			switch (head) {
				case "torch" -> {
					if (parts != 2 || !ATEN.contains(ts.get(j).text())) {
						refuse(record, t, function, parts < 2 ? "torch used as a value" : "aten::" + chain.substring(6), chain.toString());
					}
				}
				case "ops" -> {
					String ns = parts > 1 ? ts.get(i + 2).text() : "";
					String op = parts > 2 ? ts.get(i + 4).text() : "";
					boolean ok = parts == 3 && (ns.equals("aten") && ATEN.contains(op) || ns.equals("prim") && PRIM.contains(op));
					if (!ok) refuse(record, t, function, parts == 3 ? ns + "::" + op : chain.toString(), chain.toString());
				}
				case "__torch__" -> {
					if (chain.toString().startsWith("__torch__.torch.classes")) {
						refuse(record, t, function, chain.toString(), chain + " (a C++ custom class, which can reach files, the network or other processes)");
					}
				}
				case "CONSTANTS" -> {
					// constant tensors of constants.pkl
				}
				default -> {
					if (parts == 1 && called && !BUILTINS.contains(head) && !locals.contains(head)) {
						refuse(record, t, function, head, head + "(...)");
					}
					if (parts == 1 && called && (head.equals("getattr") || head.equals("hasattr"))) checkGetattr(record, ts, j + 1, function);
					if (parts > 1 && called) checkMethodCall(record, ts, j, function, modules.contains(head));
				}
			}
			i = j;
		}
	}

	/** Whether the tokens from i on start a module value: a module (self first), its attribute m.attr..., getattr(m, "..."). */
	private static boolean isModuleValue(List<Token> ts, int i, Set<String> modules) {
		if (i >= ts.size()) return false;
		Token a = ts.get(i);
		if (a.kind() == Kind.NAME && modules.contains(a.text())) return true;
		return a.is("getattr") && i + 2 < ts.size() && ts.get(i + 1).is("(") && ts.get(i + 2).kind() == Kind.NAME
			&& modules.contains(ts.get(i + 2).text());
	}

	private static boolean inDefHeader(List<Token> ts, int i) {
		for (int j = i - 1; j >= 0 && ts.get(j).kind() != Kind.NEWLINE; j--) if (ts.get(j).is("def")) return true;
		return false;
	}

	/** {@code receiver.name(}: an allowed operator name, or a method of the file called on a module. */
	private void checkMethodCall(String record, List<Token> ts, int nameIndex, String function, boolean onModule) {
		Token name = ts.get(nameIndex);
		if (ATEN.contains(name.text())) return;
		if (methods.contains(name.text()) && onModule) return;
		refuse(record, name, function, name.text(), "the method call ." + name.text() + "(...)");
	}

	/** The receiver before the dot at {@code dot}: a module local, self, or such a name in parentheses. */
	private static boolean moduleReceiver(List<Token> ts, int dot, Set<String> modules) {
		if (dot < 1) return false;
		Token r = ts.get(dot - 1);
		if (r.kind() == Kind.NAME) return modules.contains(r.text()) && (dot < 2 || !ts.get(dot - 2).is("."));
		return r.is(")") && dot >= 3 && ts.get(dot - 2).kind() == Kind.NAME && modules.contains(ts.get(dot - 2).text()) && ts.get(dot - 3).is("(");
	}

	/** getattr(x, "name") / hasattr(x, "name"): the name must be declared or defined in the file. */
	private void checkGetattr(String record, List<Token> ts, int open, String function) {
		int depth = 0;
		for (int k = open; k < ts.size(); k++) {
			Token a = ts.get(k);
			if (a.is("(") || a.is("[") || a.is("{")) depth++;
			else if (a.is(")") || a.is("]") || a.is("}")) {
				if (--depth == 0) return;
			} else if (depth == 1 && a.is(",") && k + 1 < ts.size()) {
				Token s = ts.get(k + 1);
				String attr = TorchCode.literal(s);
				if (attr == null || !(attributes.contains(attr) || methods.contains(attr) || ATEN.contains(attr) || attr.matches("\\d+"))) {
					refuse(record, s, function, "getattr " + s.text(), "getattr(..., " + s.text() + ")");
				}
				return;
			}
		}
	}

	private void refuse(String record, Token at, String function, String op, String what) {
		throw new UnsafeModelException(archive.file() + " is refused before libtorch loads it: its TorchScript code calls " + what + " ("
			+ record + " line " + at.line() + (function == null ? "" : ", in " + function) + "), which is not among the tensor computations"
			+ " ConceptScope allows (operations that can reach files, the network or other processes are not)." + trustHint(), op,
			record + ":" + at.line(), function);
	}

	private static String trustHint() {
		return " Load it only if you trust its author: LoadOptions.trusted(), or the Java option -D" + LoadOptions.TRUST_PROPERTY + "=true.";
	}

	private static Set<String> readList(String resource) {
		try (InputStream in = TorchScriptSafety.class.getResourceAsStream(resource)) {
			if (in == null) throw new IllegalStateException("The resource " + resource + " is missing from the ConceptScope jar.");
			Set<String> out = new HashSet<>();
			BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
			for (String line; (line = r.readLine()) != null;) {
				line = line.trim();
				if (!line.isEmpty() && !line.startsWith("#")) out.add(line);
			}
			return Set.copyOf(out);
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}
}
