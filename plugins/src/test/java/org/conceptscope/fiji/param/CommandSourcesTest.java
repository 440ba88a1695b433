package org.conceptscope.fiji.param;

import org.conceptscope.fiji.command.ExamplesCommand;
import org.conceptscope.fiji.command.TcavCommand;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.conceptscope.fiji.command.AttributionCommand;
import org.conceptscope.fiji.command.ConceptDiscoveryCommand;
import org.conceptscope.fiji.command.ConceptGraphCommand;
import org.conceptscope.fiji.command.ConceptImportanceCommand;
import org.conceptscope.fiji.command.ConceptLocalizationCommand;
import org.conceptscope.fiji.command.EvaluateExplanationCommand;
import org.conceptscope.fiji.command.ExplainWithHeadCommand;
import org.conceptscope.fiji.command.FeatureVisualizationCommand;
import org.conceptscope.fiji.command.ModelInfoCommand;
import org.conceptscope.fiji.command.SharingRatioDecompositionCommand;
import org.conceptscope.fiji.command.TrainHeadCommand;
import org.junit.jupiter.api.Test;

/**
 * Each SciJava command's inputs are the ones its declarations generate ({@link SciJavaInputs}).
 * Stale after a declaration changed: run this test with CONCEPTSCOPE_WRITE_DOCS=1 (or
 * -Dconceptscope.docs.write=true) to rewrite the blocks, then review the diff.
 */
class CommandSourcesTest {

	static final Map<CommandSpec, Class<?>> COMMANDS = Map.ofEntries(Map.entry(CommandSpecs.ATTRIBUTION, AttributionCommand.class),
		Map.entry(CommandSpecs.MODEL_INFO, ModelInfoCommand.class), Map.entry(CommandSpecs.CONCEPT_DISCOVERY, ConceptDiscoveryCommand.class),
		Map.entry(CommandSpecs.CONCEPT_LOCALIZATION, ConceptLocalizationCommand.class),
		Map.entry(CommandSpecs.CONCEPT_IMPORTANCE, ConceptImportanceCommand.class),
		Map.entry(CommandSpecs.EVALUATE_EXPLANATION, EvaluateExplanationCommand.class),
		Map.entry(CommandSpecs.SHARING_RATIO_DECOMPOSITION, SharingRatioDecompositionCommand.class),
		Map.entry(CommandSpecs.CONCEPT_GRAPH, ConceptGraphCommand.class), Map.entry(CommandSpecs.TRAIN_INTERPRETABLE_HEAD, TrainHeadCommand.class),
		Map.entry(CommandSpecs.EXPLAIN_WITH_HEAD, ExplainWithHeadCommand.class),
		Map.entry(CommandSpecs.FEATURE_VISUALIZATION, FeatureVisualizationCommand.class),
		Map.entry(CommandSpecs.TCAV, org.conceptscope.fiji.command.TcavCommand.class),
		Map.entry(CommandSpecs.NEAREST_EXAMPLES, org.conceptscope.fiji.command.ExamplesCommand.class));

	@Test
	void everyCommandHoldsTheInputsItsDeclarationsGenerate() throws IOException {
		assertEquals(CommandSpecs.ALL.size(), COMMANDS.size(), "every command has its SciJava command");
		boolean write = Boolean.getBoolean("conceptscope.docs.write") || "1".equals(System.getenv("CONCEPTSCOPE_WRITE_DOCS"));
		Map<CommandSpec, String> names = new java.util.HashMap<>();
		for (Map.Entry<CommandSpec, Class<?>> e : COMMANDS.entrySet()) {
			// each command extends its generated inputs, so SciJava sees the declared keys as the command's inputs
			Class<?> base = e.getValue().getSuperclass();
			assertEquals(SciJavaInputs.PACKAGE + "." + SciJavaInputs.FILE, base.getEnclosingClass() == null ? null
				: base.getEnclosingClass().getName(), e.getValue().getSimpleName() + " extends its generated inputs");
			names.put(e.getKey(), base.getSimpleName());
		}
		Path file = DocsTablesTest.repository().resolve("plugins/src/main/java")
			.resolve((SciJavaInputs.PACKAGE + "." + SciJavaInputs.FILE).replace('.', '/') + ".java");
		String now = Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
		String generated = SciJavaInputs.file(CommandSpecs.ALL, names);
		if (write && !generated.equals(now)) Files.writeString(file, generated, StandardCharsets.UTF_8);
		else assertEquals(generated, now, file.getFileName() + " is stale: its inputs are not what the commands' declarations give;"
			+ " rerun CommandSourcesTest with CONCEPTSCOPE_WRITE_DOCS=1 and commit the file.");
	}

	@Test
	void theBlockDeclaresEachKeyWithItsTypeDefaultAndBounds() {
		String b = SciJavaInputs.block(CommandSpecs.CONCEPT_LOCALIZATION);
		assertTrue(b.contains("\tprivate double top_fraction = 0.1;\n"), b);
		// (0, 1]: a widget's bounds are inclusive, so the open end is a step inside it
		assertTrue(b.contains("min = \"0.001\", max = \"1\""), b);
		assertTrue(b.contains("style = FileWidget.OPEN_STYLE"), b);
		assertTrue(b.contains("choices = { \"channel\", \"image\" }"), b);
		assertTrue(b.contains("\t\tin.put(\"save_dir\", save_dir);\n"), b);
		String a = SciJavaInputs.block(CommandSpecs.ATTRIBUTION);
		assertTrue(a.contains("\tprivate long seed = 42L;\n"), a);
		assertTrue(a.contains("label = \"Patch size (pixels) (occlusion)\""), a);
		assertTrue(a.contains("\\u00d7"), "non-ASCII help as unicode escapes");
	}
}
