package org.conceptscope.fiji.param;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * No dead relative link in the repository's Markdown: every {@code [text](path)}, {@code [text](path#anchor)}
 * and {@code <img src="path">} outside code names a file or folder that exists, and an anchor names
 * a heading of that page as GitHub spells it (lower case, punctuation dropped, spaces to hyphens,
 * "-1", "-2" for repeated headings). Links to web addresses are not followed.
 */
class DocsLinksTest {

	private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)|src=\"([^\"]+)\"");
	private static final Pattern HEADING = Pattern.compile("^(#{1,6})\\s+(.*?)\\s*#*\\s*$");

	static List<Path> markdown(Path root) throws IOException {
		try (Stream<Path> s = Files.walk(root)) {
			return s.filter(p -> p.toString().endsWith(".md"))
				.filter(p -> {
					Path r = root.relativize(p);
					for (Path part : r) if (part.toString().equals("target") || part.toString().startsWith(".")) return false;
					return true;
				}).sorted().toList();
		}
	}

	/** The text without fenced code blocks and code spans, whose brackets are not links. */
	static String prose(String text) {
		return text.replaceAll("(?ms)^```.*?^```", "").replaceAll("`[^`\n]*`", "");
	}

	/** GitHub's anchor of a heading: lower case, markup and punctuation but '-' and '_' dropped, spaces to hyphens. */
	static String slug(String heading) {
		String t = heading.replaceAll("\\[([^\\]]*)\\]\\([^)]*\\)", "$1").replace("`", "").toLowerCase(Locale.ROOT);
		return t.replaceAll("[^\\p{L}\\p{N}\\p{M}_\\- ]", "").replace(' ', '-');
	}

	static Set<String> anchors(String page) {
		Set<String> out = new LinkedHashSet<>();
		Map<String, Integer> seen = new HashMap<>();
		for (String line : page.replaceAll("(?ms)^```.*?^```", "").split("\n")) {
			Matcher h = HEADING.matcher(line);
			if (!h.matches()) continue;
			String s = slug(h.group(2));
			int n = seen.merge(s, 1, Integer::sum) - 1;
			out.add(n == 0 ? s : s + "-" + n);
		}
		return out;
	}

	@Test
	void everyRelativeLinkAndAnchorResolves() throws IOException {
		Path root = DocsTablesTest.repository();
		List<String> dead = new ArrayList<>();
		int checked = 0;
		for (Path page : markdown(root)) {
			Matcher m = LINK.matcher(prose(Files.readString(page, StandardCharsets.UTF_8)));
			while (m.find()) {
				String link = m.group(1) != null ? m.group(1) : m.group(2);
				if (link.matches("^[a-zA-Z][a-zA-Z+.-]*:.*")) continue; // https:, mailto:
				checked++;
				int hash = link.indexOf('#');
				String path = hash < 0 ? link : link.substring(0, hash), anchor = hash < 0 ? null : link.substring(hash + 1);
				Path target = path.isEmpty() ? page : page.getParent().resolve(path).normalize();
				String where = root.relativize(page) + ": " + link;
				if (!Files.exists(target)) dead.add(where + " (no such file)");
				else if (anchor != null && target.toString().endsWith(".md")
					&& !anchors(Files.readString(target, StandardCharsets.UTF_8)).contains(anchor)) dead.add(where + " (no such heading)");
			}
		}
		assertEquals(List.of(), dead, "dead relative links");
		assertTrue(checked > 100, "found only " + checked + " relative links: the scan no longer finds them");
	}

	/**
	 * docs/README.md, which the README points to as the list of every page, links every page of
	 * docs/ (a page nothing links, such as the Kernel SHAP, DeconvNet and FORGrad pages once, is a
	 * page no reader finds).
	 */
	@Test
	void theDocsIndexLinksEveryPage() throws IOException {
		Path docs = DocsTablesTest.repository().resolve("docs"), index = docs.resolve("README.md");
		Set<Path> linked = new java.util.HashSet<>();
		Matcher m = LINK.matcher(prose(Files.readString(index, StandardCharsets.UTF_8)));
		while (m.find()) {
			String link = m.group(1) != null ? m.group(1) : m.group(2);
			int hash = link.indexOf('#');
			linked.add(docs.resolve(hash < 0 ? link : link.substring(0, hash)).normalize());
		}
		List<String> missing = markdown(docs).stream().filter(p -> !p.equals(index) && !linked.contains(p.normalize()))
			.map(p -> docs.relativize(p).toString()).toList();
		assertEquals(List.of(), missing, "pages of docs/ that docs/README.md does not list");
		assertTrue(Files.readString(DocsTablesTest.repository().resolve("README.md"), StandardCharsets.UTF_8).contains("](docs/README.md)"),
			"the README links the docs index");
	}

	/** The slug and the scan, on GitHub's own examples. */
	@Test
	void anchorsAreGitHubs() {
		assertEquals("known-conflict-stardist-csbdeep-and-the-tensorflow-update-site",
			slug("Known conflict: StarDist, CSBDeep and the TensorFlow update site"));
		assertEquals("commands-that-learn-from-samples-concepts-importance-graphs-metrics-examples-tcav",
			slug("Commands that learn from samples: concepts, importance, graphs, metrics, examples, TCAV"));
		assertEquals("option-key", slug("Option `key`"));
		assertEquals(Set.of("a", "a-1", "b"), anchors("# A\n```\n# not a heading\n```\n## A\n### B\n"));
		assertEquals("see ", prose("see `[x](nowhere.md)`"));
	}
}
