package org.conceptscope.fiji.command;

import org.conceptscope.fiji.run.AttributionResult;
import org.conceptscope.fiji.run.AttributionRun;
import org.conceptscope.fiji.run.AttributionSettings;
import org.conceptscope.fiji.display.ResultsDisplay;
import ij.ImagePlus;

import java.nio.file.Path;

import org.conceptscope.fiji.param.CommandSpecs;
import org.scijava.ItemIO;
import org.scijava.command.Command;
import org.scijava.log.LogService;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;
import org.scijava.ui.UIService;

/**
 * Plugins &gt; ConceptScope &gt; Attribution... as a SciJava command: where the model looks, for
 * every slice and frame of an image. Thin by design: the parameters become
 * {@link AttributionSettings}, {@link AttributionRun} does the work, the new image is the output.
 * <p>
 * Its inputs are generated from {@link org.conceptscope.fiji.param.CommandSpecs#ATTRIBUTION}
 * ({@link org.conceptscope.fiji.param.SciJavaInputs}): named by the macro keys, because Fiji records
 * a SciJava input under its field name, and not persisted ({@code persist = false}): a headless
 * run or a macro must not depend on what a dialog was last set to. In Fiji this command takes over the menu item that plugins.config
 * gives the ImageJ 1.x plugin (same path and label), so the menu shows it once.
 */
@Plugin(type = Command.class, menuPath = "Plugins>ConceptScope>Attribution...", headless = true,
	description = "Attribution maps for every slice of an image, with a TensorFlow classifier")
public class AttributionCommand extends CommandInputs.Attribution {

	@Parameter(label = "Explanation", type = ItemIO.OUTPUT)
	private ImagePlus explanation;

	@Parameter
	private LogService log;

	@Parameter(required = false)
	private UIService ui;

	@Override
	public void run() {
		CommandTasks.run("Attribution", log, ui, this::cancel, progress -> {
			AttributionResult result = AttributionRun.run(image, settings(), progress);
			explanation = result.image();
			if (result.classMap() != null) ResultsDisplay.showResult(result.classMap());
			ResultsDisplay.showTableAndRois(result);
			progress.finished(result.summary() + ".");
		});
	}

	AttributionSettings settings() {
		return AttributionSettings.of(CommandSpecs.ATTRIBUTION.inputs(inputs()));
	}
}
