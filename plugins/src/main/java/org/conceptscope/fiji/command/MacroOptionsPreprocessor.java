package org.conceptscope.fiji.command;

import ij.ImagePlus;
import ij.Macro;
import ij.WindowManager;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.conceptscope.fiji.image.ImageFiles;
import org.conceptscope.fiji.param.CommandSpec;
import org.conceptscope.fiji.param.CommandSpecs;
import org.conceptscope.fiji.param.OptionText;
import org.conceptscope.registry.Values;
import org.scijava.Context;
import org.scijava.Priority;
import org.scijava.command.CommandInfo;
import org.scijava.module.Module;
import org.scijava.module.ModuleInfo;
import org.scijava.module.ModuleItem;
import org.scijava.module.process.AbstractPreprocessorPlugin;
import org.scijava.module.process.PreprocessorPlugin;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;
import org.scijava.service.Service;
import org.scijava.log.LogService;
import org.scijava.ui.UIService;

/**
 * Fills a ConceptScope command's inputs from the ImageJ 1.x macro that runs it, the way the ImageJ
 * 1.x plugin reads them. In Fiji a macro's {@code run("Attribution...", "...")} runs the SciJava
 * command, and imagej-legacy's MacroPreprocessor fills only inputs whose {@code key=} it finds
 * ({@code Macro.getValue}): a bare checkbox word ({@code forgrad}) never matches, a misspelt
 * key is ignored, {@code steps=} matches inside {@code training_steps=}, and every input it did
 * not fill is left for the input harvester, which opens a dialog in the middle of a macro.
 * <p>
 * Here, for ConceptScope commands only and only when this thread has macro options, the options
 * are read by the plugin's own parser ({@link CommandSpec#parse}: every problem in one message,
 * the same sentences), after taking out {@code image} (the title or ID of an open image, or an
 * image file's path; absent: the current image; the ImageJ 1.x plugin reads it alike): every key
 * given sets its input, every key left out takes its default, and every input is marked
 * resolved, so no dialog appears. A key the command does not have cancels the run with the
 * plugin's sentence, reported like any other failure from a macro (ImageJ's error, the macro
 * aborted).
 * <p>
 * Priority: after legacy's MacroPreprocessor ({@code 2 * VERY_HIGH}, whose values this replaces),
 * ActiveImagePlusPreprocessor ({@code VERY_HIGH + 1}) and InitPreprocessor ({@code HIGH}); before
 * {@link PluginDialogPreprocessor}, LoadInputsPreprocessor ({@code VERY_LOW + 1}), FilePreprocessor
 * ({@code VERY_LOW + 0.5}) and the InputHarvester ({@code VERY_LOW}).
 */
@Plugin(type = PreprocessorPlugin.class, priority = MacroOptionsPreprocessor.PRIORITY)
public class MacroOptionsPreprocessor extends AbstractPreprocessorPlugin {

	public static final double PRIORITY = Priority.NORMAL;

	/** Each ConceptScope command's declarations, by class name. */
	static final Map<String, CommandSpec> SPECS = Map.ofEntries(
		Map.entry(AttributionCommand.class.getName(), CommandSpecs.ATTRIBUTION),
		Map.entry(ModelInfoCommand.class.getName(), CommandSpecs.MODEL_INFO),
		Map.entry(ConceptDiscoveryCommand.class.getName(), CommandSpecs.CONCEPT_DISCOVERY),
		Map.entry(ConceptLocalizationCommand.class.getName(), CommandSpecs.CONCEPT_LOCALIZATION),
		Map.entry(ConceptImportanceCommand.class.getName(), CommandSpecs.CONCEPT_IMPORTANCE),
		Map.entry(EvaluateExplanationCommand.class.getName(), CommandSpecs.EVALUATE_EXPLANATION),
		Map.entry(SharingRatioDecompositionCommand.class.getName(), CommandSpecs.SHARING_RATIO_DECOMPOSITION),
		Map.entry(ConceptGraphCommand.class.getName(), CommandSpecs.CONCEPT_GRAPH),
		Map.entry(TrainHeadCommand.class.getName(), CommandSpecs.TRAIN_INTERPRETABLE_HEAD),
		Map.entry(ExplainWithHeadCommand.class.getName(), CommandSpecs.EXPLAIN_WITH_HEAD),
		Map.entry(FeatureVisualizationCommand.class.getName(), CommandSpecs.FEATURE_VISUALIZATION),
		Map.entry(TcavCommand.class.getName(), CommandSpecs.TCAV), Map.entry(ExamplesCommand.class.getName(), CommandSpecs.NEAREST_EXAMPLES));

	@Parameter
	private LogService log;

	@Parameter(required = false)
	private UIService ui;

	/** The declarations of a ConceptScope command, or null for any other module. */
	static CommandSpec spec(ModuleInfo info) {
		return info instanceof CommandInfo c ? SPECS.get(c.getDelegateClassName()) : null;
	}

	@Override
	public void process(Module module) {
		CommandSpec spec = spec(module.getInfo());
		if (spec == null) return;
		String options = Macro.getOptions();
		if (options == null) return;
		try {
			Map<String, String> text = new LinkedHashMap<>(OptionText.macro(options, spec));
			// image=: for the commands that read an image (CommandSpec.macroKeys); for the others an unknown key, as in the plugin
			String image = CommandSpecs.imageInput(spec) == null ? null : text.remove(CommandSpecs.IMAGE);
			Values values = spec.values(text); // the plugin's spec.parse(options), image taken out
			fill(module, values, image == null ? WindowManager.getCurrentImage() : ImageFiles.given(image));
		} catch (IllegalArgumentException e) {
			CommandTasks.fail(spec.title(), e, log, ui, this::cancel);
		}
	}

	/**
	 * Sets every input of a ConceptScope command from the values (the current-image input from
	 * {@code image}) and marks it resolved: nothing is left for the input harvester.
	 */
	static void fill(Module module, Values values, ImagePlus image) {
		for (ModuleItem<?> input : module.getInfo().inputs()) {
			Class<?> type = input.getType();
			if (Service.class.isAssignableFrom(type) || Context.class.isAssignableFrom(type)) continue;
			String name = input.getName();
			if (ImagePlus.class.isAssignableFrom(type)) module.setInput(name, image);
			else module.setInput(name, values.get(name) instanceof Path p ? p.toFile() : values.get(name));
			module.resolveInput(name);
		}
	}

}
