package org.conceptscope.fiji.ij1;

import ij.Macro;
import ij.WindowManager;
import ij.plugin.PlugIn;

import java.awt.GraphicsEnvironment;
import java.io.IOException;
import java.util.concurrent.CancellationException;

import org.conceptscope.fiji.commands.AttributionResult;
import org.conceptscope.fiji.commands.AttributionRun;
import org.conceptscope.fiji.commands.AttributionSettings;
import org.conceptscope.fiji.commands.ImageJProgress;
import org.conceptscope.fiji.commands.ResultsDisplay;
import org.conceptscope.model.ModelLoadException;

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
		ImageJProgress progress = new ImageJProgress("Attribution");
		try {
			AttributionSettings settings = options != null ? AttributionOptions.parse(options) : askUser();
			if (settings == null) return;
			AttributionResult result = AttributionRun.run(WindowManager.getCurrentImage(), settings, progress);
			result.image().show();
			ResultsDisplay.showTableAndRois(result);
			progress.finished(result.explanation().size() + " slice(s) explained"
				+ (result.written().isEmpty() ? "." : ", results in " + settings.saveDir() + "."));
		} catch (CancellationException e) {
			progress.finished("cancelled; nothing was written.");
			if (options != null) Macro.abort();
		} catch (IllegalArgumentException | IllegalStateException | ModelLoadException | IOException e) {
			progress.finished("failed.");
			PluginErrors.report(COMMAND, e.getMessage(), options != null);
		}
	}

	private static AttributionSettings askUser() {
		if (GraphicsEnvironment.isHeadless()) {
			throw new IllegalArgumentException("Headless, " + COMMAND + " needs its options: run(\"" + COMMAND
				+ "\", \"model=[/path/to/model] method=saliency target=predicted save_dir=[/path/to/results]\").");
		}
		return AttributionDialog.ask();
	}
}
