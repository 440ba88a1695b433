package org.conceptscope.fiji.command;

import ij.Macro;
import ij.WindowManager;
import ij.macro.Interpreter;
import ij.plugin.frame.Recorder;

import java.awt.GraphicsEnvironment;

import org.conceptscope.fiji.ij1.ConceptScope_;
import org.conceptscope.fiji.param.CommandSpec;
import org.conceptscope.registry.Values;
import org.scijava.Priority;
import org.scijava.log.LogService;
import org.scijava.module.Module;
import org.scijava.module.process.AbstractPreprocessorPlugin;
import org.scijava.module.process.PreprocessorPlugin;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;
import org.scijava.ui.UIService;

/**
 * Asks for a ConceptScope command's values with the ImageJ 1.x plugin's dialog when a user runs the
 * SciJava command, as Fiji's menu does: the chosen method's fields only, the last values used, a
 * Help button to the command's page ({@link ConceptScope_#dialog}), instead of SciJava's input
 * harvester, which would show every field of every method with its default. The values fill every
 * input, marked resolved, so the harvester has nothing left to ask; Cancel cancels the command.
 * <p>
 * Only for an interactive run: a display, no macro options on this thread (a macro's keys are
 * {@link MacroOptionsPreprocessor}'s), not in batch mode, and no key set by the caller (a script or
 * {@code --run} that gives some values leaves the rest to the harvester, as before).
 * <p>
 * The dialog's own recording is dropped: in Fiji the legacy layer records the inputs of a SciJava
 * command when it ends (every input but the invisible current image), so the recorder writes the
 * line once, which replays in Fiji and in ImageJ 1.x.
 * <p>
 * Priority: after {@link MacroOptionsPreprocessor} and ActiveImagePlusPreprocessor; before
 * LoadInputsPreprocessor, FilePreprocessor and the InputHarvester ({@code VERY_LOW}).
 */
@Plugin(type = PreprocessorPlugin.class, priority = PluginDialogPreprocessor.PRIORITY)
public class PluginDialogPreprocessor extends AbstractPreprocessorPlugin {

	public static final double PRIORITY = Priority.LOW;

	@Parameter
	private LogService log;

	@Parameter(required = false)
	private UIService ui;

	@Override
	public void process(Module module) {
		if (!asks(module, !GraphicsEnvironment.isHeadless() && (ui == null || !ui.isHeadless()))) return;
		CommandSpec spec = MacroOptionsPreprocessor.spec(module.getInfo());
		try {
			Values values = ConceptScope_.dialog(spec);
			if (values == null) {
				cancel(""); // the user's Cancel, as the harvester's
				return;
			}
			if (Recorder.record) Recorder.resetCommandOptions();
			MacroOptionsPreprocessor.fill(module, values, WindowManager.getCurrentImage());
		} catch (IllegalArgumentException e) {
			CommandTasks.fail(spec.title(), e, log, ui, this::cancel);
		}
	}

	/**
	 * Whether the dialog asks: a ConceptScope command run interactively (a display, no macro
	 * options on this thread, not in batch mode) whose caller set none of its keys.
	 */
	static boolean asks(Module module, boolean display) {
		CommandSpec spec = MacroOptionsPreprocessor.spec(module.getInfo());
		if (spec == null || !display || Macro.getOptions() != null || Interpreter.isBatchMode()) return false;
		for (String key : spec.keys()) if (module.isInputResolved(key)) return false;
		return true;
	}
}
