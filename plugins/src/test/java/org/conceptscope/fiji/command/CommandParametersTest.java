package org.conceptscope.fiji.command;

import org.conceptscope.fiji.param.CommandSpec;
import org.conceptscope.fiji.param.CommandSpecs;
import org.conceptscope.fiji.ij1.ConceptScope_;
import org.conceptscope.fiji.run.AttributionMethods;
import org.conceptscope.fiji.run.AttributionSettings;
import org.conceptscope.fiji.run.ConceptDiscoverySettings;
import org.conceptscope.fiji.run.ConceptGraphSettings;
import org.conceptscope.fiji.run.ConceptImportanceSettings;
import org.conceptscope.fiji.run.ConceptLocalizationSettings;
import org.conceptscope.fiji.run.EvaluationSettings;
import org.conceptscope.fiji.run.FeatureVisualizationSettings;
import org.conceptscope.fiji.run.HeadExplanationSettings;
import org.conceptscope.fiji.run.HeadTrainingSettings;
import org.conceptscope.fiji.run.SharingRatioSettings;
import org.conceptscope.model.InputValueRange;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.plugin.PlugIn;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.scijava.ItemIO;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;
import org.scijava.service.Service;
import org.scijava.widget.FileWidget;

/**
 * The two entry points of each command agree: the SciJava parameter names are the ImageJ 1.x
 * macro keys, the defaults are the same, the choices are the methods that exist, and every
 * plugins.config entry has a SciJava command with the same menu path and label (which is how
 * Fiji shows each command once: the SciJava command takes the ImageJ 1.x menu item over).
 */
class CommandParametersTest {

	@Test
	void attributionParameterNamesAreTheMacroKeys() {
		List<String> inputs = inputs(AttributionCommand.class);
		assertEquals("image", inputs.get(0), "the image comes first; it is the current image, not a macro key");
		assertEquals(AttributionSettings.KEYS, inputs.subList(1, inputs.size()));
		assertEquals(List.of(AttributionSettings.MODEL, AttributionSettings.SAVE_DIR, AttributionSettings.OVERWRITE), inputs(ModelInfoCommand.class));
		assertEquals(org.conceptscope.fiji.param.CommandSpecs.MODEL_INFO.keys(), inputs(ModelInfoCommand.class));
	}

	@Test
	void conceptAndEvaluationParameterNamesAreTheMacroKeys() {
		List<String> discovery = new java.util.ArrayList<>(inputs(ConceptDiscoveryCommand.class));
		assertEquals("image", discovery.remove(0));
		assertEquals(ConceptDiscoverySettings.KEYS, discovery);
		List<String> localization = new java.util.ArrayList<>(inputs(ConceptLocalizationCommand.class));
		assertEquals("image", localization.remove(0));
		assertEquals(ConceptLocalizationSettings.KEYS, localization);
		List<String> evaluation = new java.util.ArrayList<>(inputs(EvaluateExplanationCommand.class));
		assertEquals("image", evaluation.remove(0));
		assertEquals(EvaluationSettings.KEYS, evaluation);
		List<String> importance = new java.util.ArrayList<>(inputs(ConceptImportanceCommand.class));
		assertEquals("image", importance.remove(0));
		assertEquals(ConceptImportanceSettings.KEYS, importance);
	}

	@Test
	void conceptImportanceCommandAndPluginReadTheSameSettings() throws NoSuchFieldException {
		assertEquals("model=[/m] concepts=[/c/concepts.json] folder=[/f] estimator=deletion designs=16 seed=7 update_bank=true save_dir=[/out dir]",
			ConceptImportanceSettings.parse("model=[/m] concepts=[/c/concepts.json] folder=[/f] estimator=deletion designs=16 seed=7"
				+ " update_bank save_dir=[/out dir]").toMacroOptions());
		assertEquals("estimator=sobol designs=32 seed=42", ConceptImportanceSettings.parse("").toMacroOptions(), "defaults");
		assertEquals("model=[/m] concepts=[/c/concepts.json] estimator=sobol designs=32 seed=42 update_bank=true save_dir=[/c] overwrite=true",
			ConceptImportanceSettings.parse("model=[/m] concepts=[/c/concepts.json] update_bank save_dir=[/c] overwrite").toMacroOptions(),
			"overwrite replays as itself");
		assertEquals(new ConceptImportanceCommand().settings().toMacroOptions(), ConceptImportanceSettings.parse("").toMacroOptions(),
			"the SciJava command's defaults are the plugin's");
		assertEquals(ConceptImportanceSettings.ESTIMATORS,
			Arrays.asList(org.conceptscope.fiji.param.CommandFields.field(ConceptImportanceCommand.class, "estimator").getAnnotation(Parameter.class).choices()));
	}

	@Test
	void conceptCommandsAndTheirPluginsReadTheSameSettings() {
		ConceptDiscoverySettings macro = ConceptDiscoverySettings.parse("model=[/m] folder=[/f] layer=conv2/relu target=DAB-positive"
			+ " patch=12 stride=6 concepts=4 seed=7 designs=16 examples=3 save_dir=[/out dir]");
		assertEquals("model=[/m] folder=[/f] layer=conv2/relu target=DAB-positive patch=12 stride=6 concepts=4 seed=7"
			+ " designs=16 examples=3 save_dir=[/out dir]", macro.toMacroOptions());
		assertEquals("model=[/m] layer=[] target=predicted patch=16 stride=8 concepts=6 seed=42 designs=32 examples=6",
			ConceptDiscoverySettings.parse("model=/m").toMacroOptions(), "defaults");
		assertEquals(new ConceptDiscoveryCommand().settings().toMacroOptions(), new ConceptDiscoverySettings().toMacroOptions(),
			"the SciJava command's defaults are the plugin's");
		assertEquals(new ConceptLocalizationCommand().settings().toMacroOptions(), ConceptLocalizationSettings.parse("").toMacroOptions());
		assertEquals(new EvaluateExplanationCommand().settings().toMacroOptions(), EvaluationSettings.parse("").toMacroOptions());
		// Xplique's defaults (Deletion/Insertion steps=10; MuFidelity grid_size=9, nb_samples=200; AverageStability radius=0.1,
		// nb_samples=20, l2), as the recorder writes them when the user changes nothing
		assertTrue(EvaluationSettings.parse("model=/m").toMacroOptions().startsWith("model=[/m] method=saliency metric=deletion target=predicted"
			+ " steps=10 samples=200 grid=9 radius=0.1 neighbours=20 distance=l2 seed=42 "), EvaluationSettings.parse("model=/m").toMacroOptions());
		IllegalArgumentException typo = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
			() -> ConceptLocalizationSettings.parse("model=/m concept=[/c.json]"));
		assertEquals("Unknown option 'concept'; the keys are: image model concepts top_fraction output overlap label_threshold concept_maps save_dir overwrite.",
			typo.getMessage());
	}

	@Test
	void headAndVisualizationParameterNamesAreTheMacroKeysWithTheSameDefaults() {
		assertEquals(HeadTrainingSettings.KEYS, inputs(TrainHeadCommand.class));
		List<String> explain = new ArrayList<>(inputs(ExplainWithHeadCommand.class));
		assertEquals("image", explain.remove(0));
		assertEquals(HeadExplanationSettings.KEYS, explain);
		List<String> maco = new ArrayList<>(inputs(FeatureVisualizationCommand.class));
		assertEquals("image", maco.remove(0));
		assertEquals(FeatureVisualizationSettings.KEYS, maco);
		assertEquals(new TrainHeadCommand().settings().toMacroOptions(), HeadTrainingSettings.parse("").toMacroOptions());
		assertEquals(new ExplainWithHeadCommand().settings().toMacroOptions(), HeadExplanationSettings.parse("").toMacroOptions());
		assertEquals(new FeatureVisualizationCommand().settings().toMacroOptions(), FeatureVisualizationSettings.parse("").toMacroOptions());
		String train = "model=[/m] folder=[/f] head=bi_ice layer=conv3/pool concepts=4 dimension=8 sparsity=0.02 iterations=2 steps=100"
			+ " batch_size=16 learning_rate=0.005 seed=7 held_out=0.3 prototypes=4 save_dir=[/out dir]";
		assertEquals(train, HeadTrainingSettings.parse(train).toMacroOptions(), "a recorded line replays as itself");
		String explainLine = "model=[/m] head=[/h] target=DAB-positive top=2 top_fraction=0.2 save_dir=[/o]";
		assertEquals(explainLine, HeadExplanationSettings.parse(explainLine).toMacroOptions());
		String noBias = "model=[/m] head=[/h] target=DAB-positive top=2 top_fraction=0.2 bias=false save_dir=[/o]";
		assertEquals(noBias, HeadExplanationSettings.parse(noBias).toMacroOptions(), "bias is on by default: off is written out");
		assertTrue(HeadExplanationSettings.parse(explainLine).bias, "left out, the bias row is on");
		String macoLine = "model=[/m] head=[/h] target=[part 3] folder=[/f] recipe=simple steps=50 learning_rate=0.1 crop=0.7 crops=16 noise=0.1"
			+ " canvas=48 values_range=-1,1 seed=3 save_dir=[/o]";
		assertEquals(macoLine, FeatureVisualizationSettings.parse(macoLine).toMacroOptions());
		assertEquals(new InputValueRange(-1, 1, "declared by values_range"), FeatureVisualizationSettings.parse(macoLine).valuesRange());
		assertEquals(new InputValueRange(0, 255, "declared by values_range"),
			FeatureVisualizationSettings.parse("model=[/m] target=0 values_range=[0, 255]").valuesRange());
		assertEquals(null, FeatureVisualizationSettings.parse("model=[/m] target=0").valuesRange(), "empty: the images' range");
		assertEquals(InputValueRange.perChannel(new double[] { 0, 0, 0 }, new double[] { 255, 255, 127 }, "declared by values_range"),
			FeatureVisualizationSettings.parse("model=[/m] target=0 values_range=[0,255;0,255;0,127]").valuesRange(), "one pair per channel");
		assertEquals(new InputValueRange(0, 1, "declared by values_range"),
			FeatureVisualizationSettings.parse("model=[/m] target=0 values_range=0;1").valuesRange());
		for (String bad : new String[] { "0,255;1,0;0,127", "0,255;0,x", "0,1,2" }) {
			assertTrue(org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
				FeatureVisualizationSettings.parse("model=[/m] target=0 values_range=" + bad)::valuesRange).getMessage()
				.startsWith("values_range must be two numbers lo,hi with lo < hi"), bad);
		}
		FeatureVisualizationSettings reversed = FeatureVisualizationSettings.parse("model=[/m] target=0 values_range=1,0");
		assertEquals("values_range must be two numbers lo,hi with lo < hi, in the model's input units after its normalisation (e.g."
			+ " values_range=0,1), or one such pair per input channel separated by ';' (e.g. values_range=0,255;0,255;0,127, as"
			+ " values_range_used gives it), or empty for the images' range; got 1,0.",
			org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, reversed::valuesRange).getMessage());
		assertEquals(HeadTrainingSettings.HEADS,
			Arrays.asList(field(TrainHeadCommand.class, "head").getAnnotation(Parameter.class).choices()));
		IllegalArgumentException typo = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
			() -> HeadTrainingSettings.parse("model=/m epochs=3"));
		assertTrue(typo.getMessage().startsWith("Unknown option 'epochs'; the keys are: model "), typo.getMessage());
	}

	private static Field field(Class<?> c, String name) {
		try {
			return org.conceptscope.fiji.param.CommandFields.field(c, name);
		} catch (NoSuchFieldException e) {
			throw new AssertionError(e);
		}
	}

	@Test
	void mechanisticCommandsAndTheirPluginsShareKeysAndDefaults() {
		List<String> srd = new ArrayList<>(inputs(SharingRatioDecompositionCommand.class));
		assertEquals("image", srd.remove(0));
		assertEquals(SharingRatioSettings.KEYS, srd);
		List<String> graph = new ArrayList<>(inputs(ConceptGraphCommand.class));
		assertEquals("image", graph.remove(0));
		assertEquals(ConceptGraphSettings.KEYS, graph);
		assertEquals(new SharingRatioDecompositionCommand().settings().toMacroOptions(), SharingRatioSettings.parse("").toMacroOptions());
		assertEquals(new SharingRatioSettings().toMacroOptions(), SharingRatioSettings.parse("").toMacroOptions());
		assertEquals("target=predicted start_layer=[] erf_layer=[] x=-1 y=-1 erf_mass=0.9 apop_fill=1 output=channel top_fraction=0.1",
			new SharingRatioSettings().toMacroOptions(), "defaults");
		String srdOptions = "model=[/m] target=bone start_layer=conv1/relu erf_layer=conv2/relu x=3 y=4 erf_mass=0.5 apop_fill=0 output=image top_fraction=0.2"
			+ " save_dir=[/out dir]";
		assertEquals(srdOptions, SharingRatioSettings.parse(srdOptions).toMacroOptions(), "every key read back");
		assertEquals(new ConceptGraphCommand().settings().toMacroOptions(), ConceptGraphSettings.parse("").toMacroOptions());
		assertEquals(new ConceptGraphSettings().toMacroOptions(), ConceptGraphSettings.parse("").toMacroOptions());
		String graphOptions = "model=[/m] folder=[/f] layers=[conv1/relu, conv2/relu] scope=class target=DAB-positive concepts=3 samples=200 seed=7"
			+ " steps=8 examples=2 erf_mass=0.8 top_fraction=0.2 output=image save_dir=[/out]";
		ConceptGraphSettings g = ConceptGraphSettings.parse(graphOptions);
		assertEquals(graphOptions, g.toMacroOptions());
		assertEquals(List.of("conv1/relu", "conv2/relu"), g.layerList());
		IllegalArgumentException typo = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
			() -> ConceptGraphSettings.parse("model=/m layer=conv2/relu"));
		assertTrue(typo.getMessage().startsWith("Unknown option 'layer'; the keys are: image model folder layers"), typo.getMessage());
	}

	@Test
	void bothEntryPointsHaveTheSameDefaults() {
		String defaults = new AttributionSettings().toMacroOptions();
		assertEquals(defaults, new AttributionCommand().settings().toMacroOptions(), "SciJava field initialisers");
		assertEquals(defaults, AttributionSettings.parse("").toMacroOptions(), "macro keys left out");
		assertTrue(defaults.contains("method=saliency target=predicted steps=32"), defaults);
	}

	@Test
	void pathInputsAreFilesWithABrowseButtonAndImagesAreOptional() {
		Map<String, String> styles = Map.of("model", FileWidget.DIRECTORY_STYLE, "save_dir", FileWidget.DIRECTORY_STYLE, "folder",
			FileWidget.DIRECTORY_STYLE, "concepts", FileWidget.OPEN_STYLE);
		int paths = 0;
		for (Class<?> c : COMMANDS) {
			for (Field f : org.conceptscope.fiji.param.CommandFields.fields(c)) {
				Parameter p = f.getAnnotation(Parameter.class);
				if (p == null || p.type() == ItemIO.OUTPUT) continue;
				String name = f.getName();
				boolean headFolder = name.equals("head") && c != TrainHeadCommand.class; // Train's head is the kind of head
				boolean bank = c == ConceptLocalizationCommand.class || c == ConceptImportanceCommand.class; // elsewhere concepts is a count
				if ((styles.containsKey(name) && (bank || !name.equals("concepts"))) || headFolder) {
					assertEquals(java.io.File.class, f.getType(), c.getSimpleName() + "." + name);
					assertEquals(headFolder ? FileWidget.DIRECTORY_STYLE : styles.get(name), p.style(), c.getSimpleName() + "." + name);
					if (!name.equals("model")) assertTrue(!p.required(), c.getSimpleName() + "." + name + ": empty means not set");
					paths++;
				}
				if (f.getType() == ij.ImagePlus.class) {
					assertTrue(!p.required(), c.getSimpleName() + ": without an image the command's own sentence, not SciJava's");
				}
			}
		}
		assertEquals(13 + 13 + 8 + 2 + 2, paths, "model and save_dir of all, folder of 8, concepts (a bank file) of 2, head of 2");
	}

	@Test
	void widgetBoundsAreValuesTheSettingsAcceptAndZeroStaysOut(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
		// SciJava's min is inclusive while validate() excludes 0: the widget's lowest value is a small step above it
		java.nio.file.Path m = dir.resolve("m");
		bounds(AttributionCommand.class, "top_fraction", v -> new AttributionSettings().model(m).topFraction(v).validate());
		bounds(ConceptLocalizationCommand.class, "top_fraction", v -> {
			ConceptLocalizationSettings s = new ConceptLocalizationSettings();
			s.model = m;
			s.concepts = m;
			s.topFraction = v;
			s.validate();
		});
		for (String key : List.of("top_fraction", "erf_mass")) {
			bounds(SharingRatioDecompositionCommand.class, key, v -> {
				SharingRatioSettings s = new SharingRatioSettings();
				s.model = m;
				if (key.equals("top_fraction")) s.topFraction = v; else s.erfMass = v;
				s.validate();
			});
			bounds(ConceptGraphCommand.class, key, v -> {
				ConceptGraphSettings s = new ConceptGraphSettings();
				s.model = m;
				if (key.equals("top_fraction")) s.topFraction = v; else s.erfMass = v;
				s.validate();
			});
		}
		bounds(ExplainWithHeadCommand.class, "top_fraction", v -> {
			HeadExplanationSettings s = new HeadExplanationSettings();
			s.model = m;
			s.head = dir;
			s.topFraction = v;
			s.validate();
		});
		for (String key : List.of("learning_rate", "crop")) {
			bounds(FeatureVisualizationCommand.class, key, v -> {
				FeatureVisualizationSettings s = new FeatureVisualizationSettings();
				s.model = m;
				s.target = "bone";
				if (key.equals("crop")) s.crop = v; else s.learningRate = v;
				s.validate();
			});
		}
		for (String key : List.of("learning_rate", "held_out")) {
			bounds(TrainHeadCommand.class, key, v -> {
				HeadTrainingSettings s = new HeadTrainingSettings();
				s.model = m;
				s.folder = dir;
				s.saveDir = dir;
				if (key.equals("held_out")) s.heldOut = v; else s.learningRate = v;
				s.validate();
			});
		}
	}

	private static void bounds(Class<?> command, String key, java.util.function.DoubleConsumer validate) {
		Parameter p = field(command, key).getAnnotation(Parameter.class);
		// the widget's bounds are generated from the declared range; a range without an upper end has no max
		double min = Double.parseDouble(p.min()), max = p.max().isEmpty() ? Double.NaN : Double.parseDouble(p.max());
		String where = command.getSimpleName() + "." + key;
		assertTrue(min > 0 && !(max <= min), where);
		validate.accept(min);
		if (!Double.isNaN(max)) validate.accept(max);
		org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> validate.accept(0), where + " excludes 0");
	}

	@Test
	void checkboxesReplayAsKeyEqualsTrueWhichFijisLegacyLayerReadsToo() {
		String attribution = new AttributionSettings().perChannel(true).toMacroOptions() + " ";
		String importance = ConceptImportanceSettings.parse("update_bank").toMacroOptions() + " ";
		// imagej-legacy's MacroPreprocessor reads each input with Macro.getValue(options, key, null): key= only, no bare words
		assertEquals("true", ij.Macro.getValue(attribution, AttributionSettings.PER_CHANNEL, null), attribution);
		assertEquals("true", ij.Macro.getValue(importance, ConceptImportanceSettings.UPDATE_BANK, null), importance);
		assertTrue(AttributionSettings.parse(attribution).perChannel(), "and the plugin's parser reads it back");
		assertTrue(ConceptImportanceSettings.parse(importance).updateBank);
	}

	@Test
	void choicesAreTheMethodsAndOutputsThatExist() throws NoSuchFieldException {
		assertEquals(AttributionMethods.NAMES, choices("method"));
		assertEquals(AttributionSettings.OUTPUTS, choices("output"));
		for (String name : AttributionMethods.NAMES) {
			AttributionSettings s = new AttributionSettings().method(name);
			assertEquals(name, AttributionMethods.create(s).name(), "the choice is the method's own name");
		}
	}

	static final List<Class<?>> COMMANDS = List.of(AttributionCommand.class, ModelInfoCommand.class, ConceptDiscoveryCommand.class,
		ConceptLocalizationCommand.class, EvaluateExplanationCommand.class, SharingRatioDecompositionCommand.class,
		ConceptGraphCommand.class, TrainHeadCommand.class, ExplainWithHeadCommand.class, FeatureVisualizationCommand.class,
		ConceptImportanceCommand.class, TcavCommand.class, ExamplesCommand.class);

	@Test
	void everyImageJ1MenuEntryIsTakenOverByASciJavaCommandOfTheSameLabel() throws IOException, ClassNotFoundException {
		Map<String, String> ij1 = pluginsConfig();
		Map<String, String> scijava = new LinkedHashMap<>();
		assertEquals(MacroOptionsPreprocessor.SPECS.keySet(), COMMANDS.stream().map(Class::getName).collect(java.util.stream.Collectors.toSet()),
			"the macro preprocessor knows every command");
		for (Class<?> c : COMMANDS) {
			Plugin p = c.getAnnotation(Plugin.class);
			assertTrue(p.headless(), c.getSimpleName() + " runs headless");
			scijava.put(p.menuPath(), c.getName());
			assertEquals(p.menuPath(), "Plugins>ConceptScope>" + MacroOptionsPreprocessor.SPECS.get(c.getName()).command(),
				c.getSimpleName() + " reads its own command's keys");
		}
		assertEquals(scijava.keySet(), ij1.keySet(), "same menu paths and labels");
		// one ImageJ 1.x plugin class, told the command by its argument: the command's declarations
		for (org.conceptscope.fiji.param.CommandSpec spec : org.conceptscope.fiji.param.CommandSpecs.ALL) {
			assertEquals(org.conceptscope.fiji.ij1.ConceptScope_.class.getName() + "(\"" + spec.page().replace(".md", "") + "\")",
				ij1.get("Plugins>ConceptScope>" + spec.command()), spec.command());
			assertEquals(spec, org.conceptscope.fiji.param.CommandSpecs.byArgument(spec.page().replace(".md", "")));
		}
		for (String plugin : ij1.values()) assertTrue(PlugIn.class.isAssignableFrom(Class.forName(plugin.replaceAll("\\(.*", ""))), plugin);
	}

	/** Input parameter names in SciJava's order (the generated inputs first), without services and outputs. */
	private static List<String> inputs(Class<?> command) {
		List<String> names = new ArrayList<>();
		for (Field f : org.conceptscope.fiji.param.CommandFields.fields(command)) {
			Parameter p = f.getAnnotation(Parameter.class);
			if (p == null || p.type() == ItemIO.OUTPUT || Service.class.isAssignableFrom(f.getType())) continue;
			names.add(f.getName());
		}
		return names;
	}

	private static List<String> choices(String field) throws NoSuchFieldException {
		return Arrays.asList(org.conceptscope.fiji.param.CommandFields.field(AttributionCommand.class, field).getAnnotation(Parameter.class).choices());
	}

	/** "menu>label" to class, from the plugins.config the jar ships. */
	private static Map<String, String> pluginsConfig() throws IOException {
		Map<String, String> out = new LinkedHashMap<>();
		Pattern line = Pattern.compile("^([^,#]+),\\s*\"([^\"]+)\",\\s*(\\S+)\\s*$");
		try (InputStream in = CommandParametersTest.class.getResourceAsStream("/plugins.config")) {
			for (String l : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
				if (l.isBlank() || l.startsWith("#")) continue;
				Matcher m = line.matcher(l.trim());
				assertTrue(m.matches(), "plugins.config line: " + l);
				out.put(m.group(1).trim() + ">" + m.group(2), m.group(3));
			}
		}
		return out;
	}
}
