package org.conceptscope.fiji.ij1;

import ij.Macro;
import ij.WindowManager;
import ij.plugin.PlugIn;

import java.awt.GraphicsEnvironment;

import org.conceptscope.fiji.commands.AttributionResult;
import org.conceptscope.fiji.commands.AttributionRun;
import org.conceptscope.fiji.commands.AttributionSettings;
import org.conceptscope.fiji.commands.ResultsDisplay;

/**
 * Plugins &gt; ConceptScope &gt; Attribution... for ImageJ 1.x (registered in plugins.config).
 * Options come from the macro ({@code run("Attribution...", "model=[...] method=sobol ...")}) or,
 * interactively, from a dialog whose labels are the same keys. It runs the code the SciJava
 * {@link org.conceptscope.fiji.commands.AttributionCommand} runs, on the current image.
 */
public class Attribution_ implements PlugIn {

	/** The menu label, which is also the macro command name. */
	public static final String COMMAND = "Attribution...";

	@Override
	public void run(String arg) {
		String options = Macro.getOptions();
		PluginTasks.run(COMMAND, "Attribution", options, progress -> {
			AttributionSettings settings = options != null ? AttributionOptions.parse(options) : askUser();
			if (settings == null) return;
			AttributionResult result = AttributionRun.run(WindowManager.getCurrentImage(), settings, progress);
			// The class map first: the explanation stays the macro's current image.
			if (result.classMap() != null) ResultsDisplay.showResult(result.classMap());
			ResultsDisplay.showResult(result.image());
			ResultsDisplay.showTableAndRois(result);
			progress.finished(result.explanation().size() + " slice(s) explained"
				+ (result.written().isEmpty() ? "." : ", results in " + settings.saveDir() + "."));
		});
	}

	private static AttributionSettings askUser() {
		if (GraphicsEnvironment.isHeadless()) {
			throw new IllegalArgumentException("Headless, " + COMMAND + " needs its options: run(\"" + COMMAND
				+ "\", \"model=[/path/to/model] method=saliency target=predicted save_dir=[/path/to/results]\").");
		}
		Dialogs.checkImageOpen(); // before the dialog: a user should not fill it in to learn there is nothing to explain
		return AttributionDialog.ask();
	}
}
