package org.conceptscope.fiji.ij1;

import ij.Macro;
import ij.WindowManager;
import ij.plugin.PlugIn;

import java.awt.GraphicsEnvironment;
import java.util.LinkedHashMap;
import java.util.Map;

import org.conceptscope.fiji.image.ImageFiles;
import org.conceptscope.fiji.param.OptionText;

import org.conceptscope.fiji.param.CommandSpec;
import org.conceptscope.fiji.param.CommandSpecs;
import org.conceptscope.registry.Values;

/**
 * The one ImageJ 1.x plugin of ConceptScope: plugins.config registers every menu entry with this
 * class and the command's name as argument ({@code ConceptScope_("attribution")}). Options come
 * from the macro ({@code run("Attribution...", "model=[...] method=sobol ...")}; {@code image=<file>}
 * explains an image file instead of the current image, as in Fiji) or, interactively,
 * from a dialog built from the command's declarations; the run is the one the SciJava command
 * runs ({@link PluginActions}).
 */
public class ConceptScope_ implements PlugIn {

	@Override
	public void run(String arg) {
		CommandSpec spec = CommandSpecs.byArgument(arg);
		String options = Macro.getOptions();
		PluginTasks.run(spec.title(), options, progress -> {
			if (options == null) {
				Values values = dialog(spec);
				if (values != null) PluginActions.run(spec, values, WindowManager.getCurrentImage(), progress);
				return;
			}
			Map<String, String> text = new LinkedHashMap<>(OptionText.macro(options, spec));
			// image=: as the SciJava command reads it (Fiji), for the commands that read an image; for the others an unknown key
			String image = CommandSpecs.imageInput(spec) == null ? null : text.remove(CommandSpecs.IMAGE);
			Values values = spec.values(text);
			PluginActions.run(spec, values, image == null ? WindowManager.getCurrentImage() : ImageFiles.given(image), progress);
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
