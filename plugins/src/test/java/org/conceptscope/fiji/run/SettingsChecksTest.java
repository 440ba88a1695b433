package org.conceptscope.fiji.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
 * before any work; a save_dir not yet made is accepted; a choice key's unknown value gets its key's
 * sentence ({@link SettingsChecks#oneOf}).
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
			assertEquals("No model given: set model= to the path of a TensorFlow SavedModel folder (the one holding saved_model.pb), a"
				+ " bioimage.io package (its .zip, its rdf.yaml or the folder holding it), a TorchScript file (.pt, with its conceptscope.json"
				+ " beside it) or an ONNX file (.onnx).",
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
		commands.add(Map.entry(common, o -> ConceptDiscoverySettings.of(CommandSpecs.CONCEPT_DISCOVERY.parse(o)).validate()));
		commands.add(Map.entry(common + "concepts=[" + file + "]", o -> ConceptLocalizationSettings.of(CommandSpecs.CONCEPT_LOCALIZATION.parse(o))
			.validate()));
		commands.add(Map.entry(common, o -> EvaluationSettings.of(CommandSpecs.EVALUATE_EXPLANATION.parse(o)).validate()));
		commands.add(Map.entry(common + "target=1", o -> FeatureVisualizationSettings.of(CommandSpecs.FEATURE_VISUALIZATION.parse(o)).validate()));
		commands.add(Map.entry(common + "folder=[" + folder + "]", o -> HeadTrainingSettings.of(CommandSpecs.TRAIN_INTERPRETABLE_HEAD.parse(o))
			.validate()));
		commands.add(Map.entry(common + "head=[" + dir + "]", o -> HeadExplanationSettings.of(CommandSpecs.EXPLAIN_WITH_HEAD.parse(o)).validate()));
		String want = "save_dir " + file + " is a file; give a folder (it is created if missing).";
		for (Map.Entry<String, Consumer<String>> c : commands) {
			String options = c.getKey();
			IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
				() -> c.getValue().accept(options + " save_dir=[" + file + "]"), options);
			assertEquals(want, e.getMessage(), options);
			c.getValue().accept(options + " save_dir=[" + dir.resolve("not yet") + "]");
		}
	}

	/** Counts with no use that large (a typo) are refused before any image is read, in the sentence the methods give. */
	@Test
	void countsFarAboveAnyUseAreRefusedBeforeTheWork() {
		String m = "model=[" + dir + "] ";
		assertEquals("canvas=100000 is more than 2048, the most ConceptScope allows (each one costs model passes or memory for every"
			+ " image); use a value of at most 2048.", message(() -> FeatureVisualizationSettings.of(CommandSpecs.FEATURE_VISUALIZATION.parse(m
				+ "target=1 canvas=100000")).validate()));
		assertTrue(message(() -> FeatureVisualizationSettings.of(CommandSpecs.FEATURE_VISUALIZATION.parse(m + "target=1 crops=1000000"))
			.validate()).startsWith("crops=1000000 is more than 100000"));
		assertTrue(message(() -> FeatureVisualizationSettings.of(CommandSpecs.FEATURE_VISUALIZATION.parse(m + "target=1 steps=1000000"))
			.validate()).startsWith("steps=1000000 is more than 100000"));
		assertTrue(message(() -> ConceptGraphSettings.of(CommandSpecs.CONCEPT_GRAPH.parse(m + "steps=1000000")).validate())
			.startsWith("steps=1000000 is more than 100000"));
		assertTrue(message(() -> TcavSettings.of(CommandSpecs.TCAV.parse(m + "random=[" + dir + "] runs=1000000")).validate())
			.startsWith("runs=1000000 is more than 100000"));
		FeatureVisualizationSettings.of(CommandSpecs.FEATURE_VISUALIZATION.parse(m + "target=1 canvas=2048")).validate();
	}

	@Test
	void oneOfAcceptsAChoiceAndRefusesAnythingElseInOneSentence() {
		List<String> choices = List.of("dataset", "class");
		SettingsChecks.oneOf("scope", "class", choices, "scope=dataset or scope=class");
		SettingsChecks.oneOf("scope", "dataset", choices);
		assertEquals("Unknown scope 'Class': use scope=dataset or scope=class.", assertThrows(IllegalArgumentException.class,
			() -> SettingsChecks.oneOf("scope", "Class", choices, "scope=dataset or scope=class")).getMessage(), "case matters");
		assertEquals("Unknown scope '': use one of dataset, class.",
			assertThrows(IllegalArgumentException.class, () -> SettingsChecks.oneOf("scope", "", choices)).getMessage());
		assertEquals("Unknown scope 'null': use one of dataset, class.", assertThrows(IllegalArgumentException.class,
			() -> SettingsChecks.oneOf("scope", null, choices)).getMessage(), "no value is refused too, not a NullPointerException");
	}

	/** Each command's choice keys, asked with a value that is not a choice, through its macro options. */
	@Test
	void eachCommandsChoiceKeysKeepTheirSentences() {
		String m = "model=[" + dir + "] ";
		assertEquals("Unknown scope 'everything': use scope=dataset (the graph over every predicted class, as the GIG paper) or"
			+ " scope=class (the graph of one class).",
			message(() -> ConceptGraphSettings.of(CommandSpecs.CONCEPT_GRAPH.parse(m + "scope=everything")).validate()));
		assertEquals("Unknown output 'overlay': use output=channel (concept maps as extra channels of a new image) or output=image"
			+ " (the maps alone).", message(() -> ConceptGraphSettings.of(CommandSpecs.CONCEPT_GRAPH.parse(m + "output=overlay")).validate()));
		assertEquals("Unknown output 'overlay': use output=channel (concept maps as extra channels of a new image) or output=image"
			+ " (the maps alone).", message(() -> ConceptLocalizationSettings.of(CommandSpecs.CONCEPT_LOCALIZATION.parse(m
				+ "concepts=[c.json] output=overlay")).validate()));
		assertEquals("Unknown concept_maps 'gradient': use concept_maps=coefficients (where each concept's coefficients are),"
			+ " concept_maps=gradient_x_input or concept_maps=saliency (concept attribution maps).",
			message(() -> ConceptLocalizationSettings.of(CommandSpecs.CONCEPT_LOCALIZATION.parse(m + "concepts=[c.json] concept_maps=gradient"))
				.validate()));
		assertEquals("Unknown output 'overlay': use output=channel (maps as extra channels of a new image) or output=image (the maps alone).",
			message(() -> SharingRatioSettings.of(CommandSpecs.SHARING_RATIO_DECOMPOSITION.parse(m + "output=overlay")).validate()));
		assertEquals("Unknown output 'overlay': use output=channel (heat map as an extra channel of a new image) or output=image"
			+ " (a separate map image).", message(() -> AttributionSettings.of(CommandSpecs.ATTRIBUTION.parse(m + "output=overlay")).validate()));
		assertEquals("Unknown segments 'quickshift': use segments=grid (grid x grid cells) or segments=slic (about superpixels SLIC"
			+ " superpixels).", message(() -> AttributionSettings.of(CommandSpecs.ATTRIBUTION.parse(m + "segments=quickshift")).validate()));
		assertEquals("Unknown efficiency 'infinite': use efficiency=captum (Kernel SHAP's endpoint samples weighted 10^6, as Captum) or"
			+ " efficiency=exact (the values add up to the score change exactly).",
			message(() -> AttributionSettings.of(CommandSpecs.ATTRIBUTION.parse(m + "method=kernel_shap efficiency=infinite")).validate()));
		assertEquals("Unknown bounds 'box': use bounds=interval (fast) or bounds=crown (tighter, slower).",
			message(() -> AttributionSettings.of(CommandSpecs.ATTRIBUTION.parse(m + "bounds=box")).validate()));
		assertEquals("Unknown method 'gradcam++': use one of " + String.join(", ", CommandSpecs.ATTRIBUTION_METHODS) + ".",
			message(() -> AttributionSettings.of(CommandSpecs.ATTRIBUTION.parse(m + "method=gradcam++")).validate()));
		assertEquals("Unknown estimator 'shapley': use sobol (total-order Sobol indices), gradient (gradient x coefficient, one pass) or"
			+ " deletion (logit drop when a concept is removed).",
			message(() -> ConceptImportanceSettings.of(CommandSpecs.CONCEPT_IMPORTANCE.parse(m + "concepts=[c.json] estimator=Shapley")).validate()));
		assertEquals("Unknown metric 'accuracy': use one of " + String.join(", ", CommandSpecs.EVALUATION_METRICS) + ".",
			message(() -> EvaluationSettings.of(CommandSpecs.EVALUATE_EXPLANATION.parse(m + "metric=accuracy")).validate()));
		assertEquals("Unknown head 'protopnet': use head=infodisent or head=bi_ice.", message(() -> HeadTrainingSettings.of(
			CommandSpecs.TRAIN_INTERPRETABLE_HEAD.parse(m + "folder=[" + dir + "] head=protopnet")).validate()));
	}

	/** Feature Visualization's recipe key and Concept Discovery's concept map rule (a Java field) in the same form. */
	@Test
	void recipeAndConceptDiscoverysMapRuleHaveTheSameForm() {
		String m = "model=[" + dir + "] ";
		assertEquals("Unknown recipe 'fancy': use recipe=reference (MACO as its paper and Xplique run it) or recipe=simple (the lighter first"
			+ " version).", message(() -> FeatureVisualizationSettings.of(CommandSpecs.FEATURE_VISUALIZATION.parse(m + "target=1 recipe=fancy"))
				.validate()));
		FeatureVisualizationSettings.of(CommandSpecs.FEATURE_VISUALIZATION.parse(m + "target=1 recipe=simple")).validate();
		ConceptDiscoverySettings discovery = ConceptDiscoverySettings.of(CommandSpecs.CONCEPT_DISCOVERY.parse(m));
		for (String rule : List.of("gradient_x_input", "saliency", "none")) {
			discovery.conceptMaps = rule;
			discovery.validate();
		}
		discovery.conceptMaps = "coefficients";
		assertEquals("Unknown concept_maps 'coefficients': use gradient_x_input or saliency (the rule of the holistic outputs' concept"
			+ " attribution maps) or none (no maps).", message(discovery::validate), "Concept Localization's coefficients are no rule here");
		discovery.conceptMaps = null;
		assertEquals("Unknown concept_maps 'null': use gradient_x_input or saliency (the rule of the holistic outputs' concept attribution"
			+ " maps) or none (no maps).", message(discovery::validate));
	}

	/**
	 * efficiency=exact is Kernel SHAP's: with another method it is refused (as the op refuses it), in one sentence naming the
	 * key, the method and what to do; the default efficiency=captum stays accepted for every method, as a recorded line
	 * (which states every key) replays for each one.
	 */
	@Test
	void efficiencyExactIsRefusedForEveryMethodButKernelShapAndTheRecordedDefaultReplays() {
		String m = "model=[" + dir + "] ";
		int refused = 0;
		for (String method : AttributionMethods.NAMES) {
			AttributionSettings recorded = AttributionSettings.of(CommandSpecs.ATTRIBUTION.parse(m + "method=" + method));
			String line = recorded.toMacroOptions();
			assertTrue(line.contains(" efficiency=captum "), line);
			AttributionSettings.of(CommandSpecs.ATTRIBUTION.parse(line)).validate(); // the recorded line replays
			AttributionSettings.of(CommandSpecs.ATTRIBUTION.parse(m + "method=" + method + " efficiency=captum")).validate();
			Runnable exact = () -> AttributionSettings.of(CommandSpecs.ATTRIBUTION.parse(m + "method=" + method + " efficiency=exact")).validate();
			if (method.equals("kernel_shap")) {
				exact.run();
			} else {
				assertEquals("efficiency=exact is a Kernel SHAP setting; " + method + " does not use it: drop efficiency or use"
					+ " method=kernel_shap.", message(exact), method);
				refused++;
			}
		}
		assertEquals(AttributionMethods.NAMES.size() - 1, refused);
		// the batch runner checks the same settings first: the same sentence, before any input is read
		assertEquals("efficiency=exact is a Kernel SHAP setting; occlusion does not use it: drop efficiency or use method=kernel_shap.",
			message(() -> {
				try {
					org.conceptscope.fiji.batch.BatchJob.run(org.conceptscope.fiji.batch.Batch.parse(new String[] { "input=" + dir.resolve("none.tif"),
						"model=" + dir, "save_dir=" + dir.resolve("out"), "method=occlusion", "efficiency=exact" }), null, null);
				} catch (java.io.IOException e) {
					throw new java.io.UncheckedIOException(e);
				}
			}));
		assertTrue(!Files.exists(dir.resolve("out")), "nothing written");
	}

	/** values_range is the reference recipe's: with recipe=simple it is refused before any work, not validated and then ignored. */
	@Test
	void valuesRangeWithTheSimpleRecipeIsRefused() {
		String m = "model=[" + dir + "] target=0 ";
		assertEquals("values_range sets the value range of recipe=reference only; recipe=simple does not use it: drop values_range or"
			+ " use recipe=reference.", message(() -> FeatureVisualizationSettings.of(CommandSpecs.FEATURE_VISUALIZATION.parse(m
				+ "recipe=simple values_range=0,1")).validate()));
		FeatureVisualizationSettings.of(CommandSpecs.FEATURE_VISUALIZATION.parse(m + "recipe=simple")).validate();
		FeatureVisualizationSettings.of(CommandSpecs.FEATURE_VISUALIZATION.parse(m + "recipe=simple values_range=[]")).validate();
		FeatureVisualizationSettings.of(CommandSpecs.FEATURE_VISUALIZATION.parse(m + "recipe=reference values_range=0,1")).validate();
		// a malformed range keeps its own sentence whatever the recipe
		assertTrue(message(() -> FeatureVisualizationSettings.of(CommandSpecs.FEATURE_VISUALIZATION.parse(m
			+ "recipe=simple values_range=1,0")).validate()).startsWith("values_range must be two numbers lo,hi with lo < hi"));
	}

	private static String message(Runnable r) {
		return assertThrows(IllegalArgumentException.class, r::run).getMessage();
	}

	/**
	 * Concept Importance's update_bank into the bank's own folder updates the bank it reads, as asked: that bank is no
	 * earlier output (a run without overwrite went through only in concept_importance.ijm, which passed overwrite and
	 * restated the check); a bank of that name in another save_dir, and the importance files, still are.
	 */
	@Test
	void theBankUpdatedInItsOwnFolderIsNoEarlierOutput() throws Exception {
		Path bank = Files.writeString(dir.resolve("concepts.json"), "{}");
		ConceptImportanceSettings own = ConceptImportanceSettings.parse("concepts=[" + bank + "] update_bank save_dir=[" + dir + "]");
		assertEquals(List.of("concepts-importance-sobol.csv", "concepts-importance-sobol.png"), ConceptImportanceRun.earlierOutputs(own));
		SettingsChecks.noEarlierOutputs(own.saveDir, own.overwrite, ConceptImportanceRun.earlierOutputs(own));
		Files.writeString(dir.resolve("concepts-importance-sobol.csv"), "an earlier run's");
		assertThrows(IllegalArgumentException.class,
			() -> SettingsChecks.noEarlierOutputs(own.saveDir, own.overwrite, ConceptImportanceRun.earlierOutputs(own)));

		Path other = Files.createDirectories(dir.resolve("other"));
		Files.writeString(other.resolve("concepts.json"), "{}");
		ConceptImportanceSettings elsewhere = ConceptImportanceSettings.parse("concepts=[" + bank + "] update_bank save_dir=[" + other + "]");
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
			() -> SettingsChecks.noEarlierOutputs(elsewhere.saveDir, elsewhere.overwrite, ConceptImportanceRun.earlierOutputs(elsewhere)));
		assertTrue(e.getMessage().startsWith(other.resolve("concepts.json") + " already exists"), e.getMessage());
	}
}
