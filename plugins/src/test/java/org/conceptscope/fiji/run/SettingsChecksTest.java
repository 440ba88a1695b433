package org.conceptscope.fiji.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import org.conceptscope.fiji.param.CommandSpecs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checks the commands' settings share ({@link SettingsChecks}), asked through each command's macro
 * options: no model folder, and a save_dir that is a file, get the same sentence in every command,
 * before any work; a save_dir not yet made is accepted.
 */
class SettingsChecksTest {

	@TempDir
	Path dir;

	@Test
	void noModelGetsOneSentenceInEveryCommandThatLoadsOne() {
		List<Runnable> commands = List.of(() -> AttributionSettings.of(CommandSpecs.ATTRIBUTION.parse("")).validate(),
			() -> ConceptDiscoverySettings.of(CommandSpecs.CONCEPT_DISCOVERY.parse("")).validate(),
			() -> ConceptGraphSettings.of(CommandSpecs.CONCEPT_GRAPH.parse("")).validate(),
			() -> ConceptImportanceSettings.of(CommandSpecs.CONCEPT_IMPORTANCE.parse("")).validate(),
			() -> ConceptLocalizationSettings.of(CommandSpecs.CONCEPT_LOCALIZATION.parse("")).validate(),
			() -> EvaluationSettings.of(CommandSpecs.EVALUATE_EXPLANATION.parse("")).validate(),
			() -> ExamplesSettings.of(CommandSpecs.NEAREST_EXAMPLES.parse("")).validate(),
			() -> FeatureVisualizationSettings.of(CommandSpecs.FEATURE_VISUALIZATION.parse("")).validate(),
			() -> SharingRatioSettings.of(CommandSpecs.SHARING_RATIO_DECOMPOSITION.parse("")).validate(),
			() -> TcavSettings.of(CommandSpecs.TCAV.parse("")).validate(),
			() -> HeadTrainingSettings.of(CommandSpecs.TRAIN_INTERPRETABLE_HEAD.parse("")).validate());
		for (int i = 0; i < commands.size(); i++) {
			Runnable c = commands.get(i);
			assertEquals("No model folder given: set model=[folder holding saved_model.pb].",
				assertThrows(IllegalArgumentException.class, c::run).getMessage(), "command " + i);
		}
	}

	@Test
	void aFileAsSaveDirGetsOneSentenceInEveryCommand() throws Exception {
		Path file = Files.writeString(dir.resolve("results.txt"), "x"), folder = Files.createDirectories(dir.resolve("images"));
		String common = "model=[" + dir + "] ";
		List<Map.Entry<String, Consumer<String>>> commands = new ArrayList<>();
		commands.add(Map.entry(common + "method=saliency", o -> AttributionSettings.of(CommandSpecs.ATTRIBUTION.parse(o)).validate()));
		commands.add(Map.entry(common + "concepts=[" + file + "]", o -> ConceptImportanceSettings.of(CommandSpecs.CONCEPT_IMPORTANCE.parse(o)).validate()));
		commands.add(Map.entry(common, o -> ConceptGraphSettings.of(CommandSpecs.CONCEPT_GRAPH.parse(o)).validate()));
		commands.add(Map.entry(common + "random=[" + folder + "]", o -> TcavSettings.of(CommandSpecs.TCAV.parse(o)).validate()));
		commands.add(Map.entry(common, o -> SharingRatioSettings.of(CommandSpecs.SHARING_RATIO_DECOMPOSITION.parse(o)).validate()));
		commands.add(Map.entry(common + "folder=[" + folder + "]", o -> ExamplesSettings.of(CommandSpecs.NEAREST_EXAMPLES.parse(o)).validate()));
		String want = "save_dir " + file + " is a file; give a folder (it is created if missing).";
		for (Map.Entry<String, Consumer<String>> c : commands) {
			String options = c.getKey();
			IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
				() -> c.getValue().accept(options + " save_dir=[" + file + "]"), options);
			assertEquals(want, e.getMessage(), options);
			c.getValue().accept(options + " save_dir=[" + dir.resolve("not yet") + "]");
		}
	}
}
