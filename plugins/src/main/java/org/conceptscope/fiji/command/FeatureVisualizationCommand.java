package org.conceptscope.fiji.command;

import org.conceptscope.fiji.run.FeatureVisualizationRun;
import org.conceptscope.fiji.run.FeatureVisualizationSettings;
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
 * Plugins &gt; ConceptScope &gt; Feature Visualization... as a SciJava command: MACO, an image that
 * raises one class's logit under the magnitude spectrum of your images, and its transparency map.
 * Parameter names are the ImageJ 1.x plugin's macro keys; {@link FeatureVisualizationRun} does the work.
 */
@Plugin(type = Command.class, menuPath = "Plugins>ConceptScope>Feature Visualization...", headless = true,
	description = "MACO feature visualization of a class under the magnitude spectrum of your images")
public class FeatureVisualizationCommand extends CommandInputs.FeatureVisualization {

	@Parameter(label = "Visualization", type = ItemIO.OUTPUT)
	private ImagePlus visualization;

	@Parameter
	private LogService log;

	@Parameter(required = false)
	private UIService ui;

	@Override
	public void run() {
		CommandTasks.run("Feature Visualization", log, ui, this::cancel, progress -> {
			FeatureVisualizationRun.Result r = FeatureVisualizationRun.run(image, settings(), progress);
			visualization = r.image();
			if (ResultsDisplay.interactive()) r.plot().show();
			progress.statusOnly(FeatureVisualizationRun.summary(r)); // the run wrote its result to the Log
		});
	}

	FeatureVisualizationSettings settings() {
		return FeatureVisualizationSettings.of(CommandSpecs.FEATURE_VISUALIZATION.inputs(inputs()));
	}
}
