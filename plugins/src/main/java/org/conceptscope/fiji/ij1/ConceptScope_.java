package org.conceptscope.fiji.ij1;

import ij.Macro;
import ij.plugin.PlugIn;

import java.awt.GraphicsEnvironment;

import org.conceptscope.fiji.param.CommandSpec;
import org.conceptscope.fiji.param.CommandSpecs;
import org.conceptscope.registry.Values;

/**
 * The one ImageJ 1.x plugin of ConceptScope: plugins.config registers every menu entry with this
 * class and the command's name as argument ({@code ConceptScope_("attribution")}). Options come
 * from the macro ({@code run("Attribution...", "model=[...] method=sobol ...")}) or, interactively,
 * from a dialog built from the command's declarations; the run is the one the SciJava command
 * runs ({@link PluginActions}).
 */
public class ConceptScope_ implements PlugIn {

	@Override
	public void run(String arg) {
		CommandSpec spec = CommandSpecs.byArgument(arg);
		String options = Macro.getOptions();
		PluginTasks.run(spec.command(), spec.title(), options, progress -> {
			Values values = options != null ? spec.parse(options) : dialog(spec);
			if (values == null) return;
			PluginActions.run(spec, values, progress);
		});
	}

	/**
	 * The command's dialog ({@link SpecDialog}: the chosen method's fields, the last values used, a
	 * Help button) and its values, or null when it was cancelled; a command that explains the
	 * current image says so before the dialog when none is open. Fiji's menu runs the SciJava
	 * command, which shows this dialog too ({@code PluginDialogPreprocessor}).
	 */
	public static Values dialog(CommandSpec spec) {
		if (GraphicsEnvironment.isHeadless()) throw new IllegalArgumentException(PluginActions.headlessMessage(spec));
		// before the dialog: a user should not fill it in to learn there is nothing to explain
		if (PluginActions.explainsCurrentImage(spec)) PluginActions.checkImageOpen();
		return SpecDialog.ask(spec);
	}
}
