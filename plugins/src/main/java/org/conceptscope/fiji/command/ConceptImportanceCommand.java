package org.conceptscope.fiji.command;

import org.conceptscope.fiji.run.ConceptImportanceRun;
import org.conceptscope.fiji.run.ConceptImportanceSettings;
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
 * Plugins &gt; ConceptScope &gt; Concept Importance... as a SciJava command: the importance of each
 * concept of a saved bank on a stack or a folder of images, by Sobol indices, gradient x
 * coefficient or deletion. Parameter names are the ImageJ 1.x plugin's macro keys;
 * {@link ConceptImportanceRun} does the work.
 */
@Plugin(type = Command.class, menuPath = "Plugins>ConceptScope>Concept Importance...", headless = true,
	description = "How much each concept of a saved concept bank drives its class, by Sobol, gradient or deletion")
public class ConceptImportanceCommand extends CommandInputs.ConceptImportance {

	@Parameter(label = "Importance plot", type = ItemIO.OUTPUT)
	private ImagePlus importance;

	@Parameter
	private LogService log;

	@Parameter(required = false)
	private UIService ui;

	@Override
	public void run() {
		CommandTasks.run("Concept Importance", log, ui, this::cancel, progress -> {
			ConceptImportanceSettings s = settings();
			ConceptImportanceRun.Result r = ConceptImportanceRun.run(image, s, progress);
			importance = r.plot();
			if (ResultsDisplay.interactive()) r.plot().show();
			ResultsDisplay.showTable(r.table(), "Concept importance (" + s.estimator + ")", true);
			progress.statusOnly(r.importance().length + " concept(s) of " + r.bank().className + " by " + s.estimator + "."); // the run wrote its result to the Log
		});
	}

	ConceptImportanceSettings settings() {
		return ConceptImportanceSettings.of(CommandSpecs.CONCEPT_IMPORTANCE.inputs(inputs()));
	}
}
