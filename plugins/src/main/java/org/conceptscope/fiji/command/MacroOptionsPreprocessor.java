package org.conceptscope.fiji.command;

import org.conceptscope.fiji.run.AttributionSettings;
import org.conceptscope.fiji.run.ConceptDiscoverySettings;
import org.conceptscope.fiji.run.ConceptGraphSettings;
import org.conceptscope.fiji.run.ConceptImportanceSettings;
import org.conceptscope.fiji.run.ConceptLocalizationSettings;
import org.conceptscope.fiji.run.EvaluationSettings;
import org.conceptscope.fiji.run.ExamplesSettings;
import org.conceptscope.fiji.run.FeatureVisualizationSettings;
import org.conceptscope.fiji.run.HeadExplanationSettings;
import org.conceptscope.fiji.run.HeadTrainingSettings;
import org.conceptscope.fiji.run.SharingRatioSettings;
import org.conceptscope.fiji.run.TcavSettings;
import ij.ImagePlus;
import ij.Macro;
import ij.WindowManager;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.conceptscope.fiji.param.MacroOptions;
import org.scijava.Context;
import org.scijava.Priority;
import org.scijava.command.CommandInfo;
import org.scijava.convert.ConvertService;
import org.scijava.module.Module;
import org.scijava.module.ModuleException;
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
 * are parsed strictly ({@link MacroOptions}) against the command's keys plus {@code image} (the
 * title or ID of an open image, or an image file's path; absent: the current image): every key
 * given sets its input with the plugin's parsing (a bare word is a checkbox that is on), every
 * key left out takes its default, and every input is marked resolved, so no dialog appears. A key
 * the command does not have cancels the run with the plugin's sentence, reported like any other
 * failure from a macro (ImageJ's error, the macro aborted).
 * <p>
 * Priority: after legacy's MacroPreprocessor ({@code 2 * VERY_HIGH}, whose values this replaces),
 * ActiveImagePlusPreprocessor ({@code VERY_HIGH + 1}) and InitPreprocessor ({@code HIGH}); before
 * LoadInputsPreprocessor ({@code VERY_LOW + 1}), FilePreprocessor ({@code VERY_LOW + 0.5}) and the
 * InputHarvester ({@code VERY_LOW}).
 */
@Plugin(type = PreprocessorPlugin.class, priority = MacroOptionsPreprocessor.PRIORITY)
public class MacroOptionsPreprocessor extends AbstractPreprocessorPlugin {

	public static final double PRIORITY = Priority.NORMAL;

	/** The input that is the image a command works on: a key of its own in Fiji. */
	public static final String IMAGE = "image";

	/** Each ConceptScope command's macro keys, by class name. */
	static final Map<String, List<String>> KEYS = Map.ofEntries(
		Map.entry(AttributionCommand.class.getName(), AttributionSettings.KEYS),
		Map.entry(ModelInfoCommand.class.getName(), ModelInfoCommand.KEYS),
		Map.entry(ConceptDiscoveryCommand.class.getName(), ConceptDiscoverySettings.KEYS),
		Map.entry(ConceptLocalizationCommand.class.getName(), ConceptLocalizationSettings.KEYS),
		Map.entry(ConceptImportanceCommand.class.getName(), ConceptImportanceSettings.KEYS),
		Map.entry(EvaluateExplanationCommand.class.getName(), EvaluationSettings.KEYS),
		Map.entry(SharingRatioDecompositionCommand.class.getName(), SharingRatioSettings.KEYS),
		Map.entry(ConceptGraphCommand.class.getName(), ConceptGraphSettings.KEYS),
		Map.entry(TrainHeadCommand.class.getName(), HeadTrainingSettings.KEYS),
		Map.entry(ExplainWithHeadCommand.class.getName(), HeadExplanationSettings.KEYS),
		Map.entry(FeatureVisualizationCommand.class.getName(), FeatureVisualizationSettings.KEYS),
		Map.entry(TcavCommand.class.getName(), TcavSettings.KEYS), Map.entry(ExamplesCommand.class.getName(), ExamplesSettings.KEYS));

	@Parameter
	private LogService log;

	@Parameter(required = false)
	private UIService ui;

	@Parameter(required = false)
	private ConvertService convert;

	@Override
	public void process(Module module) {
		if (!(module.getInfo() instanceof CommandInfo info)) return;
		List<String> keys = KEYS.get(info.getDelegateClassName());
		if (keys == null) return;
		String options = Macro.getOptions();
		if (options == null) return;
		String command = info.getMenuPath().getLeaf().getName(); // "Attribution...", the plugin's macro name
		String title = command.replace("...", "");
		try {
			List<String> accepted = new ArrayList<>(keys);
			accepted.add(IMAGE);
			MacroOptions o = MacroOptions.parse(options, command, accepted);
			Module defaults = info.createModule();
			for (ModuleItem<?> input : info.inputs()) {
				Class<?> type = input.getType();
				if (Service.class.isAssignableFrom(type) || Context.class.isAssignableFrom(type)) continue;
				String name = input.getName();
				if (ImagePlus.class.isAssignableFrom(type)) {
					module.setInput(name, o.has(IMAGE) ? image(o.text(IMAGE, "")) : WindowManager.getCurrentImage());
				} else {
					module.setInput(name, o.has(name) ? value(o, name, type) : defaults.getInput(name));
				}
				module.resolveInput(name);
			}
		} catch (IllegalArgumentException | ModuleException e) {
			CommandTasks.fail(title, e, log, ui, this::cancel);
		}
	}

	/** A macro value as the input's type, parsed as the ImageJ 1.x plugin parses it. */
	private Object value(MacroOptions o, String key, Class<?> type) {
		if (type == int.class || type == Integer.class) return o.integer(key, 0);
		if (type == long.class || type == Long.class) return o.whole(key, 0);
		if (type == double.class || type == Double.class) return o.decimal(key, 0);
		if (type == float.class || type == Float.class) return (float) o.decimal(key, 0);
		if (type == boolean.class || type == Boolean.class) return o.flag(key, false);
		if (type == File.class) {
			Path p = o.path(key);
			return p == null ? null : p.toFile();
		}
		if (type == String.class) return o.text(key, "");
		if (convert != null && convert.supports(o.text(key, ""), type)) return convert.convert(o.text(key, ""), type);
		throw new IllegalArgumentException(key + "=" + o.text(key, "") + " cannot be read as a " + type.getSimpleName() + ".");
	}

	/** {@code image=}: an open image's title or ID (as Fiji's legacy layer resolves it), else an image file. */
	static ImagePlus image(String value) {
		String v = value.trim();
		ImagePlus open = WindowManager.getImage(v);
		if (open == null && v.matches("-?\\d+")) open = WindowManager.getImage(Integer.parseInt(v));
		if (open != null) return open;
		if (!v.isEmpty() && Files.exists(Path.of(v))) return org.conceptscope.fiji.image.ImageFiles.open(Path.of(v), false); // or its sentence
		throw new IllegalArgumentException("image=[" + v + "] is neither the title or ID of an open image nor an image file: give the"
			+ " title of an open image, or leave image out for the current one.");
	}
}
