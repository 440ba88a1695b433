package org.conceptscope.fiji.param;

import org.conceptscope.fiji.command.ExamplesCommand;
import org.conceptscope.fiji.run.ExamplesSettings;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;

import org.conceptscope.fiji.command.AttributionCommand;
import org.conceptscope.fiji.run.AttributionMethods;
import org.conceptscope.fiji.run.AttributionSettings;
import org.conceptscope.fiji.command.ConceptDiscoveryCommand;
import org.conceptscope.fiji.run.ConceptDiscoverySettings;
import org.conceptscope.fiji.command.ConceptGraphCommand;
import org.conceptscope.fiji.run.ConceptGraphSettings;
import org.conceptscope.fiji.command.ConceptImportanceCommand;
import org.conceptscope.fiji.run.ConceptImportanceSettings;
import org.conceptscope.fiji.command.ConceptLocalizationCommand;
import org.conceptscope.fiji.run.ConceptLocalizationSettings;
import org.conceptscope.fiji.command.EvaluateExplanationCommand;
import org.conceptscope.fiji.run.EvaluationSettings;
import org.conceptscope.fiji.command.ExplainWithHeadCommand;
import org.conceptscope.fiji.command.FeatureVisualizationCommand;
import org.conceptscope.fiji.run.FeatureVisualizationSettings;
import org.conceptscope.fiji.run.HeadExplanationSettings;
import org.conceptscope.fiji.run.HeadTrainingSettings;
import org.conceptscope.fiji.command.ModelInfoCommand;
import org.conceptscope.fiji.command.SharingRatioDecompositionCommand;
import org.conceptscope.fiji.run.SharingRatioSettings;
import org.conceptscope.fiji.command.TcavCommand;
import org.conceptscope.fiji.run.TcavSettings;
import org.conceptscope.fiji.command.TrainHeadCommand;
import org.conceptscope.registry.Values;
import org.junit.jupiter.api.Test;
import org.scijava.ItemIO;
import org.scijava.plugin.Parameter;
import org.scijava.service.Service;

/**
 * The declarations are the commands' parameters: same keys in the same order as each SciJava
 * command's inputs and each settings class's keys, and defaults that write the same macro
 * options as the SciJava command's defaults.
 */
class CommandSpecsTest {

	/** The SciJava inputs that are macro keys (not services, outputs or the current image). */
	static List<String> inputs(Class<?> command) {
		List<String> out = new ArrayList<>();
		for (Field f : CommandFields.fields(command)) {
			Parameter p = f.getAnnotation(Parameter.class);
			if (p == null || p.type() == ItemIO.OUTPUT || Service.class.isAssignableFrom(f.getType())
				|| org.scijava.Context.class.isAssignableFrom(f.getType()) || f.getName().equals("image")) continue;
			out.add(f.getName());
		}
		return out;
	}

	@Test
	void theDeclaredKeysAreTheCommandsInputsAndSettingsKeys() {
		check(CommandSpecs.ATTRIBUTION, AttributionCommand.class, AttributionSettings.KEYS);
		check(CommandSpecs.MODEL_INFO, ModelInfoCommand.class, ModelInfoCommand.KEYS);
		check(CommandSpecs.CONCEPT_DISCOVERY, ConceptDiscoveryCommand.class, ConceptDiscoverySettings.KEYS);
		check(CommandSpecs.CONCEPT_LOCALIZATION, ConceptLocalizationCommand.class, ConceptLocalizationSettings.KEYS);
		check(CommandSpecs.CONCEPT_IMPORTANCE, ConceptImportanceCommand.class, ConceptImportanceSettings.KEYS);
		check(CommandSpecs.EVALUATE_EXPLANATION, EvaluateExplanationCommand.class, EvaluationSettings.KEYS);
		check(CommandSpecs.SHARING_RATIO_DECOMPOSITION, SharingRatioDecompositionCommand.class, SharingRatioSettings.KEYS);
		check(CommandSpecs.CONCEPT_GRAPH, ConceptGraphCommand.class, ConceptGraphSettings.KEYS);
		check(CommandSpecs.TRAIN_INTERPRETABLE_HEAD, TrainHeadCommand.class, HeadTrainingSettings.KEYS);
		check(CommandSpecs.EXPLAIN_WITH_HEAD, ExplainWithHeadCommand.class, HeadExplanationSettings.KEYS);
		check(CommandSpecs.FEATURE_VISUALIZATION, FeatureVisualizationCommand.class, FeatureVisualizationSettings.KEYS);
		check(CommandSpecs.TCAV, TcavCommand.class, TcavSettings.KEYS);
		check(CommandSpecs.NEAREST_EXAMPLES, org.conceptscope.fiji.command.ExamplesCommand.class,
			org.conceptscope.fiji.run.ExamplesSettings.KEYS);
		assertEquals(CommandSpecs.ALL.size(), CommandSpecs.ALL.stream().map(CommandSpec::command).distinct().count());
	}

	private static void check(CommandSpec spec, Class<?> command, List<String> settingsKeys) {
		assertEquals(settingsKeys, spec.keys(), spec.title());
		assertEquals(spec.keys(), inputs(command), spec.title() + ": the SciJava inputs are the declared keys, in order");
	}

	/** Written as macro options, the declared defaults are the SciJava command's defaults. */
	@Test
	void theDeclaredDefaultsAreTheCommandsDefaults() throws Exception {
		defaults(CommandSpecs.ATTRIBUTION, AttributionCommand.class);
		defaults(CommandSpecs.CONCEPT_DISCOVERY, ConceptDiscoveryCommand.class);
		defaults(CommandSpecs.CONCEPT_LOCALIZATION, ConceptLocalizationCommand.class);
		defaults(CommandSpecs.CONCEPT_IMPORTANCE, ConceptImportanceCommand.class);
		defaults(CommandSpecs.EVALUATE_EXPLANATION, EvaluateExplanationCommand.class);
		defaults(CommandSpecs.SHARING_RATIO_DECOMPOSITION, SharingRatioDecompositionCommand.class);
		defaults(CommandSpecs.CONCEPT_GRAPH, ConceptGraphCommand.class);
		defaults(CommandSpecs.TRAIN_INTERPRETABLE_HEAD, TrainHeadCommand.class);
		defaults(CommandSpecs.EXPLAIN_WITH_HEAD, ExplainWithHeadCommand.class);
		defaults(CommandSpecs.FEATURE_VISUALIZATION, FeatureVisualizationCommand.class);
		defaults(CommandSpecs.TCAV, TcavCommand.class);
		defaults(CommandSpecs.NEAREST_EXAMPLES, org.conceptscope.fiji.command.ExamplesCommand.class);
	}

	private static void defaults(CommandSpec spec, Class<?> command) throws Exception {
		Method settings = command.getDeclaredMethod("settings");
		settings.setAccessible(true);
		Object s = settings.invoke(command.getDeclaredConstructor().newInstance());
		String expected = (String) s.getClass().getMethod("toMacroOptions").invoke(s);
		// the settings always write the model (empty here); the declarations leave an unset folder out
		assertEquals(expected.replace("model=[] ", ""), OptionText.write(spec, spec.parameters().defaults()), spec.title());
	}

	/**
	 * Fiji shows a command's image outputs in their SciJava order, and the last one shown becomes the current image:
	 * Concept Localization's is its maps (the label image before them), Nearest Examples' its nearest examples (the
	 * prototypes before them), as in ImageJ 1.x and as docs/fiji.md says.
	 */
	@Test
	void conceptLocalizationLeavesItsMapsCurrent() {
		List<String> outputs = new ArrayList<>();
		new org.scijava.command.CommandInfo(ConceptLocalizationCommand.class).outputs().forEach(o -> outputs.add(o.getName()));
		assertEquals(List.of("labels", "localization"), outputs);
		outputs.clear();
		new org.scijava.command.CommandInfo(ExamplesCommand.class).outputs().forEach(o -> outputs.add(o.getName()));
		assertEquals(List.of("prototypeMontage", "nearest"), outputs, "both montages shown, in batch mode too; the nearest examples current");
	}

	@Test
	void aRecordedLineReadsBackAsItself() {
		String line = "model=[/m] method=sobol target=[soft tissue] steps=32 baseline=0 samples=0 noise=0.15 seed=7 layer=[] start_layer=[] patch=8"
			+ " stride=4 grid=6 designs=16 keep_probability=0.5 blur_sigma=1.5 per_channel=true upsampling=bilinear segments=slic superpixels=40 efficiency=captum forgrad=true"
			+ " forgrad_bandwidth=3 epsilon=0.01 bounds=interval operator=segmentation rois=[/r/Roi Set.zip] region=window output=image"
			+ " top_fraction=0.2 overlap=0.25 opacity=0.5 save_dir=[/out]b/c d]";
		// in macro options the ']' that closes a bracket is followed by a space or the end, so a path may hold ']';
		// in command-line arguments a value holds anything
		Values v = CommandSpecs.ATTRIBUTION.parseArguments(new String[] { "model=/m", "method=sobol", "save_dir=/out]b/c d", "per_channel" });
		assertEquals(java.nio.file.Path.of("/out]b/c d"), v.path("save_dir"));
		assertEquals(true, v.flag("per_channel"));
		Values m = CommandSpecs.ATTRIBUTION.parse(line);
		assertEquals(java.nio.file.Path.of("/out]b/c d"), m.path("save_dir"));
		assertEquals(0.25, m.number("overlap"));
		assertEquals(line, OptionText.write(CommandSpecs.ATTRIBUTION, m));
		assertEquals(AttributionMethods.NAMES, CommandSpecs.ATTRIBUTION_METHODS);
	}

	@Test
	void everyProblemIsListedAtOnce() {
		IllegalArgumentException x = assertThrows(IllegalArgumentException.class, () -> CommandSpecs.ATTRIBUTION
			.parse("model=[/m] method=sobol designs=1 keep_probability=2 top_fraction=0 colour=red steps=many"));
		String m = x.getMessage();
		assertTrue(m.startsWith("4 problems:"), m);
		assertTrue(m.contains("\n- Unknown option 'colour'; the keys are: image model method target"), m);
		assertTrue(m.contains("\n- steps must be a whole number at least 1, got 'many'."), m);
		assertTrue(m.contains("\n- designs must be a whole number at least 2, got 1."), m);
		assertTrue(m.contains("\n- top_fraction must be a number in (0, 1], got 0."), m);
		// keep_probability is rise's, not sobol's: not checked for sobol
		assertTrue(!m.contains("\n- keep_probability"), m);
		IllegalArgumentException one = assertThrows(IllegalArgumentException.class,
			() -> CommandSpecs.CONCEPT_LOCALIZATION.parse("model=/m concept=[/c.json]"));
		assertEquals("Unknown option 'concept'; the keys are: image model concepts top_fraction output overlap label_threshold concept_maps save_dir overwrite.",
			one.getMessage());
	}

	/**
	 * The model key's help says which models the command opens: the commands whose run reads the model's
	 * TensorFlow graph ({@code Models.openTensorFlow}) say a SavedModel and name no other engine; the others
	 * name every kind {@code Classifiers.open} takes (until 2026-12-07 every page said "folder holding
	 * saved_model.pb", also for commands that run TorchScript, ONNX and bioimage.io models).
	 */
	@Test
	void theModelKeySaysWhichModelsItsCommandOpens() throws java.io.IOException {
		java.util.Map<CommandSpec, String> runs = new java.util.LinkedHashMap<>();
		runs.put(CommandSpecs.ATTRIBUTION, "run/AttributionRun");
		runs.put(CommandSpecs.MODEL_INFO, "run/ModelReport");
		runs.put(CommandSpecs.CONCEPT_DISCOVERY, "run/ConceptDiscoveryRun");
		runs.put(CommandSpecs.CONCEPT_LOCALIZATION, "run/ConceptLocalizationRun");
		runs.put(CommandSpecs.CONCEPT_IMPORTANCE, "run/ConceptImportanceRun");
		runs.put(CommandSpecs.EVALUATE_EXPLANATION, "run/EvaluationRun");
		runs.put(CommandSpecs.SHARING_RATIO_DECOMPOSITION, "run/SharingRatioRun");
		runs.put(CommandSpecs.CONCEPT_GRAPH, "run/ConceptGraphRun");
		runs.put(CommandSpecs.TRAIN_INTERPRETABLE_HEAD, "run/HeadTrainingRun");
		runs.put(CommandSpecs.EXPLAIN_WITH_HEAD, "run/HeadExplanationRun");
		runs.put(CommandSpecs.FEATURE_VISUALIZATION, "run/FeatureVisualizationRun");
		runs.put(CommandSpecs.TCAV, "run/TcavRun");
		runs.put(CommandSpecs.NEAREST_EXAMPLES, "run/ExamplesRun");
		runs.put(CommandSpecs.BATCH, "batch/BatchJob");
		assertEquals(CommandSpecs.ALL.size() + 1, runs.size(), "a command without its run here");
		java.nio.file.Path sources = DocsTablesTest.repository().resolve("plugins/src/main/java/org/conceptscope/fiji");
		List<String> wrong = new ArrayList<>();
		for (java.util.Map.Entry<CommandSpec, String> e : runs.entrySet()) {
			String code = java.nio.file.Files.readString(sources.resolve(e.getValue() + ".java"));
			assertTrue(code.contains("Models.open(") || code.contains("Models::open") || code.contains("Models.openTensorFlow("), e.getValue() + " opens no model");
			boolean tensorFlowOnly = code.contains("Models.openTensorFlow(");
			String help = e.getKey().parameters().get("model").help();
			boolean saysModelKinds = help.contains("saved_model.pb");
			if (!saysModelKinds) continue; // a help that says which model instead (the one the bank or head was made with)
			boolean namesOthers = help.contains("TorchScript") && help.contains("ONNX") && help.contains("bioimage.io");
			if (tensorFlowOnly ? help.contains("TorchScript") || help.contains("ONNX") : !namesOthers) {
				wrong.add(e.getKey().title() + (tensorFlowOnly ? " opens TensorFlow SavedModels only" : " opens every kind of model") + ", its model key says: " + help);
			}
		}
		assertEquals(List.of(), wrong);
	}
}
