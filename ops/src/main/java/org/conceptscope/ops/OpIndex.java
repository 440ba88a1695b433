package org.conceptscope.ops;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The ops index ({@code ops.yaml}, written by the SciJava Ops indexer at compile time) read back:
 * for checking the index against the code and for calling an op without an engine. It resolves each entry to its Java method the way a SciJava Ops
 * engine does: the source URI's path names the class, the method and the erased parameter types;
 * generics are dropped, nested classes are tried with {@code $}, and the method is looked up as a
 * public method. {@link #call} passes arguments as the engine's reduced ops do: the given ones in
 * order, null for the nullable parameters left out at the end.
 */
public final class OpIndex {

	/** Where an engine looks for the index: at the root of each jar. */
	public static final String RESOURCE = "ops.yaml";

	/** One op of the index. */
	public record Op(List<String> names, String source, String version, String description, List<Param> params, Param output, Method method) {

		/** The first name of the op. */
		public String name() {
			return names.get(0);
		}

		/** Calls the op with the leading arguments; trailing nullable parameters left out get null. */
		public Object call(Object... args) {
			if (args.length > params.size()) throw new IllegalArgumentException(name() + " takes " + params.size() + " inputs.");
			Object[] all = new Object[params.size()];
			for (int i = 0; i < params.size(); i++) {
				if (i < args.length) all[i] = args[i];
				else if (!params.get(i).nullable()) throw new IllegalArgumentException(name() + ": the required input " + params.get(i).name() + " is missing.");
			}
			try {
				return method.invoke(null, all);
			} catch (IllegalAccessException e) {
				throw new IllegalStateException(name() + " is not public.", e);
			} catch (InvocationTargetException e) {
				if (e.getCause() instanceof RuntimeException r) throw r;
				if (e.getCause() instanceof Error r) throw r;
				throw new IllegalStateException(name() + " failed: " + e.getCause(), e.getCause());
			}
		}
	}

	/** One parameter as the index states it. */
	public record Param(String name, String ioType, String type, String description, boolean nullable) {}

	private OpIndex() {}

	@SuppressWarnings("unchecked")
	/** Every op of an index, each resolved to its method. */
	public static List<Op> read(URL yaml) throws IOException {
		List<Map<String, Object>> doc;
		try (InputStream in = yaml.openStream()) {
			doc = new Yaml(new SafeConstructor(new LoaderOptions())).load(in);
		}
		List<Op> ops = new ArrayList<>();
		for (Map<String, Object> entry : doc) {
			Map<String, Object> op = (Map<String, Object>) entry.get("op");
			List<Param> inputs = new ArrayList<>();
			Param output = null;
			for (Map<String, Object> p : (List<Map<String, Object>>) op.get("parameters")) {
				Param param = new Param((String) p.get("name"), (String) p.get("parameter type"), (String) p.get("type"),
					String.valueOf(p.get("description")).trim(), Boolean.TRUE.equals(p.get("nullable")));
				if ("OUTPUT".equals(param.ioType())) output = param;
				else inputs.add(param);
			}
			String source = (String) op.get("source");
			ops.add(new Op((List<String>) op.get("names"), source, String.valueOf(op.get("version")), String.valueOf(op.get("description")).trim(),
				List.copyOf(inputs), output, resolve(source)));
		}
		return ops;
	}

	/** The public method a javaMethod source URI names; IllegalArgumentException saying why when there is none. */
	public static Method resolve(String source) {
		URI uri;
		try {
			uri = new URI(source);
		} catch (URISyntaxException e) {
			throw new IllegalArgumentException("The op source is not a URI: " + source, e);
		}
		if (!"javaMethod".equals(uri.getScheme())) throw new IllegalArgumentException("The op source does not name a Java method: " + source);
		String id = withoutGenerics(uri.getPath().substring(1));
		int open = id.indexOf('('), close = id.lastIndexOf(')');
		int dot = id.lastIndexOf('.', open);
		String className = id.substring(0, dot), methodName = id.substring(dot + 1, open);
		String list = id.substring(open + 1, close).trim();
		String[] types = list.isEmpty() ? new String[0] : list.split("\\s*,\\s*");
		Class<?>[] parameterTypes = new Class<?>[types.length];
		for (int i = 0; i < types.length; i++) parameterTypes[i] = load(types[i]);
		try {
			return load(className).getMethod(methodName, parameterTypes);
		} catch (NoSuchMethodException e) {
			throw new IllegalArgumentException("No public method " + methodName + " with the declared parameters in " + className + ".", e);
		}
	}

	private static Class<?> load(String name) {
		String n = name;
		while (true) {
			try {
				return Class.forName(n, false, loader());
			} catch (ClassNotFoundException e) {
				int dot = n.lastIndexOf('.');
				if (dot < 0) throw new IllegalArgumentException("Class " + name + " of an op is not on the class path.", e);
				n = n.substring(0, dot) + '$' + n.substring(dot + 1);
			}
		}
	}

	private static ClassLoader loader() {
		ClassLoader l = Thread.currentThread().getContextClassLoader();
		return l != null ? l : OpIndex.class.getClassLoader();
	}

	private static String withoutGenerics(String s) {
		StringBuilder b = new StringBuilder();
		int depth = 0;
		for (char c : s.toCharArray()) {
			if (c == '<') depth++;
			else if (c == '>') depth--;
			else if (depth == 0) b.append(c);
		}
		return b.toString();
	}
}
