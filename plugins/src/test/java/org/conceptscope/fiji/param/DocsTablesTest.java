package org.conceptscope.fiji.param;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

/**
 * Each command's docs page holds the parameter table its declarations give. Stale after a
 * declaration changed: run this test with -Dconceptscope.docs.write=true (or
 * CONCEPTSCOPE_WRITE_DOCS=1) to rewrite the tables, then review the diff.
 */
class DocsTablesTest {

	static Path repository() {
		Path here = Path.of("").toAbsolutePath();
		return Files.isDirectory(here.resolve("docs/commands")) ? here : here.getParent();
	}

	@Test
	void everyCommandPageHoldsItsGeneratedTable() throws IOException {
		boolean write = Boolean.getBoolean("conceptscope.docs.write") || "1".equals(System.getenv("CONCEPTSCOPE_WRITE_DOCS"));
		for (CommandSpec spec : CommandSpecs.ALL) {
			Path page = repository().resolve(spec.docsPath());
			String now = Files.readString(page, StandardCharsets.UTF_8);
			String generated = ParameterTable.update(now, spec);
			if (write && !generated.equals(now)) Files.writeString(page, generated, StandardCharsets.UTF_8);
			else assertEquals(generated, now, spec.docsPath() + " is stale: its parameter table is not what " + spec.title()
				+ "'s declarations give; rerun DocsTablesTest with -Dconceptscope.docs.write=true and commit the page.");
		}
	}

	/** The README's tour and the Fiji page list every menu command, and say how many there are. */
	@Test
	void theReadmeAndTheFijiPageListEveryCommand() throws IOException {
		String[] words = { "", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten", "Eleven", "Twelve", "Thirteen",
			"Fourteen", "Fifteen", "Sixteen", "Seventeen", "Eighteen", "Nineteen", "Twenty" };
		for (String doc : new String[] { "README.md", "docs/fiji.md" }) {
			String text = Files.readString(repository().resolve(doc), StandardCharsets.UTF_8);
			assertEquals(true, text.contains(words[CommandSpecs.ALL.size()] + " commands under *Plugins > ConceptScope*"),
				doc + " does not say " + words[CommandSpecs.ALL.size()] + " commands");
			for (CommandSpec spec : CommandSpecs.ALL) {
				assertEquals(true, text.contains("| [`" + spec.command() + "`](" + (doc.equals("README.md") ? "docs/" : "") + "commands/"
					+ spec.page() + ") |"), doc + " has no row for " + spec.command());
			}
		}
	}

	@Test
	void theTableHasARowPerKeyInOrderWithItsDefault() {
		String t = ParameterTable.markdown(CommandSpecs.CONCEPT_LOCALIZATION);
		String[] lines = t.split("\n");
		assertEquals(2 + CommandSpecs.CONCEPT_LOCALIZATION.keys().size(), lines.length);
		assertEquals(true, lines[2].startsWith("| `model` | (required) | "), lines[2]);
		assertEquals(true, lines[4].startsWith("| `top_fraction` | 0.1 | "), lines[4]);
		assertEquals(true, lines[5].startsWith("| `output` | `channel` | "), lines[5]);
		assertEquals(true, lines[6].startsWith("| `overlap` | 0.5 | "), lines[6]);
		assertEquals(true, lines[7].startsWith("| `label_threshold` | 0 | "), lines[7]);
		assertEquals(true, lines[8].startsWith("| `concept_maps` | `coefficients` | "), lines[8]);
		assertEquals(true, lines[9].startsWith("| `save_dir` | empty | "), lines[9]);
		// a method's parameter names the methods that use it
		assertEquals(true, ParameterTable.markdown(CommandSpecs.ATTRIBUTION).contains("| `designs` | 32 | sobol: "));
	}

	/** A method's parameter row names its methods once: a help that begins with them too read "srd: srd: ..." (start_layer, until 2026-12-07). */
	@Test
	void noRowNamesItsMethodsTwice() {
		java.util.regex.Pattern twice = java.util.regex.Pattern.compile("\\| ([a-z_]+(?:, [a-z_]+)*): \\1: ");
		for (CommandSpec spec : CommandSpecs.ALL) {
			java.util.regex.Matcher m = twice.matcher(ParameterTable.markdown(spec));
			boolean found = m.find();
			assertEquals(false, found, spec.docsPath() + ": " + (found ? m.group() : ""));
		}
	}
}
