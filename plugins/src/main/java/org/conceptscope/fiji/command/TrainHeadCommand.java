package org.conceptscope.fiji.command;

import org.conceptscope.fiji.run.HeadTrainingRun;
import org.conceptscope.fiji.run.HeadTrainingSettings;
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
 * Plugins &gt; ConceptScope &gt; Train Interpretable Head... as a SciJava command: an InfoDisent or
 * Bi-ICE head on a frozen model, from a folder with one subfolder per class. Parameter names are
 * the ImageJ 1.x plugin's macro keys; {@link HeadTrainingRun} does the work.
 */
@Plugin(type = Command.class, menuPath = "Plugins>ConceptScope>Train Interpretable Head...", headless = true,
	description = "Trains an InfoDisent or Bi-ICE head on a model's feature map from labelled image folders")
public class TrainHeadCommand extends CommandInputs.TrainHead {

	@Parameter(label = "Prototypes", type = ItemIO.OUTPUT)
	private ImagePlus montage;

	@Parameter
	private LogService log;

	@Parameter(required = false)
	private UIService ui;

	@Override
	public void run() {
		CommandTasks.run("Train Interpretable Head", log, ui, this::cancel, progress -> {
			HeadTrainingRun.Result r = HeadTrainingRun.run(settings(), progress);
			montage = r.prototypes();
			ResultsDisplay.showTable(r.accuracy(), "Head accuracy", true);
			if (ResultsDisplay.interactive() && r.convergence() != null) r.convergence().show();
			progress.statusOnly(HeadTrainingRun.summary(r)); // the run wrote its result to the Log
		});
	}

	HeadTrainingSettings settings() {
		return HeadTrainingSettings.of(CommandSpecs.TRAIN_INTERPRETABLE_HEAD.inputs(inputs()));
	}
}
