package org.conceptscope;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Java the README and docs/ show compiles against the ops API as it is: each {@code ```java}
 * block becomes the body of a method whose parameters are the names the block uses without
 * declaring them ({@code model}, {@code batch}, {@code targets}, {@code image}, ...), compiled with
 * the test class path. A renamed class, a constructor that lost a parameter or a method that
 * returns another type fails here instead of in a reader's IDE.
 */
class DocsJavaSnippetsTest {

	@TempDir
	Path dir;

	/** The names the snippets use without declaring them, with their types. */
	private static final Map<String, String> FREE = new LinkedHashMap<>();
	static {
		FREE.put("model", "Classifier");
		FREE.put("batch", "FloatTensor");
		FREE.put("targets", "int[]");
		FREE.put("classImages", "FloatTensor");
		FREE.put("classIndex", "int");
		FREE.put("image", "net.imglib2.RandomAccessibleInterval<net.imglib2.type.numeric.real.FloatType>");
	}

	private static final List<String> IMPORTS = List.of("java.nio.file.Path", "java.util.*", "org.conceptscope.attribution.*",
		"org.conceptscope.concepts.*", "org.conceptscope.metrics.*", "org.conceptscope.model.*", "org.conceptscope.tensor.*",
		"org.conceptscope.util.Progress");

	static Path repository() {
		Path here = Path.of("").toAbsolutePath();
		return Files.isDirectory(here.resolve("docs")) ? here : here.getParent();
	}

	/** Every {@code ```java} block of the README and the pages of docs/, with where it is. */
	static Map<String, String> blocks() throws IOException {
		Path root = repository();
		List<Path> pages = new ArrayList<>(List.of(root.resolve("README.md")));
		try (Stream<Path> s = Files.walk(root.resolve("docs"))) {
			s.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
		}
		Map<String, String> out = new LinkedHashMap<>();
		Pattern block = Pattern.compile("(?ms)^```java\\n(.*?)^```");
		for (Path page : pages) {
			String text = Files.readString(page, StandardCharsets.UTF_8);
			Matcher m = block.matcher(text);
			while (m.find()) {
				int line = (int) text.substring(0, m.start()).chars().filter(c -> c == '\n').count() + 1;
				out.put(root.relativize(page) + ":" + line, m.group(1));
			}
		}
		return out;
	}

	/** A class with one method per block; the block's free names are the method's parameters. */
	static String source(Map<String, String> blocks) {
		StringBuilder s = new StringBuilder();
		for (String i : IMPORTS) s.append("import ").append(i).append(";\n");
		s.append("\nclass Snippets {\n");
		int n = 0;
		for (Map.Entry<String, String> b : blocks.entrySet()) {
			List<String> params = new ArrayList<>();
			for (Map.Entry<String, String> f : FREE.entrySet()) {
				boolean used = Pattern.compile("\\b" + f.getKey() + "\\b").matcher(b.getValue()).find();
				boolean declared = Pattern.compile("[\\w>\\]]\\s+" + f.getKey() + "\\s*=").matcher(b.getValue()).find();
				if (used && !declared) params.add(f.getValue() + " " + f.getKey());
			}
			s.append("\t// ").append(b.getKey()).append("\n\tvoid snippet").append(n++).append('(').append(String.join(", ", params))
				.append(") throws Exception {\n").append(b.getValue()).append("\t}\n\n");
		}
		return s.append("}\n").toString();
	}

	static String compile(String source, Path dir) throws IOException {
		JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
		assertNotNull(javac, "the tests need a JDK (javac), not a JRE");
		Path file = Files.createDirectories(dir.resolve("src")).resolve("Snippets.java");
		Files.writeString(file, source, StandardCharsets.UTF_8);
		String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
		StringWriter out = new StringWriter();
		var options = List.of("-classpath", classPath, "-d", Files.createDirectories(dir.resolve("classes")).toString(), "-proc:none",
			"-Xlint:none", "-encoding", "UTF-8");
		try (var files = javac.getStandardFileManager(null, null, StandardCharsets.UTF_8)) {
			boolean ok = javac.getTask(out, files, null, options, null, files.getJavaFileObjects(file.toFile())).call();
			return ok ? "" : out.toString().replace(file.toString(), "Snippets.java");
		}
	}

	@Test
	void theJavaOfTheDocsCompiles() throws IOException {
		Map<String, String> blocks = blocks();
		assertTrue(blocks.size() >= 3, "found only " + blocks.size() + " java blocks in README.md and docs/");
		String source = source(blocks);
		assertEquals("", compile(source, dir), "the docs' Java does not compile (each method is one block, named by page:line):\n" + source);
	}

	/** The check can fail: a constructor that does not exist is reported. */
	@Test
	void aSnippetWithAWrongCallIsReported() throws IOException {
		Map<String, String> wrong = Map.of("x.md:1", "Attribution maps = new SobolAttribution(8, 32).explain(model, batch, targets, Progress.NONE);\n");
		String source = source(wrong);
		assertTrue(source.contains("void snippet0(Classifier model, FloatTensor batch, int[] targets) throws Exception"), source);
		String errors = compile(source, dir);
		assertTrue(errors.contains("SobolAttribution"), errors);
	}
}
