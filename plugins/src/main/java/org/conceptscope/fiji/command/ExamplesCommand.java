package org.conceptscope.fiji.command;

import org.conceptscope.fiji.run.ExamplesRun;
import org.conceptscope.fiji.run.ExamplesSettings;
import org.conceptscope.fiji.display.ResultsDisplay;
import ij.ImagePlus;

import org.conceptscope.fiji.param.CommandSpecs;
import org.scijava.ItemIO;
import org.scijava.command.Command;
import org.scijava.log.LogService;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;
import org.scijava.ui.UIService;

/**
 * Plugins &gt; ConceptScope &gt; Nearest Examples... as a SciJava command: the training examples
 * nearest to each slice in a layer of the model, and prototypes of the examples. Parameter names
 * are the ImageJ 1.x plugin's macro keys; {@link ExamplesRun} does the work.
 */
@Plugin(type = Command.class, menuPath = "Plugins>ConceptScope>Nearest Examples...", headless = true,
	description = "Nearest training examples in a layer of the model, with distances, and class prototypes")
public class ExamplesCommand extends CommandInputs.Examples {

	// Fiji shows outputs in the order declared (in batch mode too), the last becoming the current image: the nearest
	// examples when there are any, as in ImageJ 1.x; an output left null (neighbours=0 or prototypes=0) is not shown
	@Parameter(label = "Prototypes", type = ItemIO.OUTPUT)
	private ImagePlus prototypeMontage; // not "prototypes": that is the input key of their number

	@Parameter(label = "Nearest examples", type = ItemIO.OUTPUT)
	private ImagePlus nearest;

	@Parameter
	private LogService log;

	@Parameter(required = false)
	private UIService ui;

	@Override
	public void run() {
		CommandTasks.run("Nearest Examples", log, ui, this::cancel, progress -> {
			ExamplesRun.Result r = ExamplesRun.run(image, settings(), progress);
			prototypeMontage = r.prototypes();
			nearest = r.nearest();
			if (r.nearest() != null) ResultsDisplay.showTable(r.nearestTable(), "Nearest examples", true);
			if (r.prototypes() != null) ResultsDisplay.showTable(r.prototypeTable(), "Prototypes", r.nearest() == null);
			progress.statusOnly(r.summary() + "."); // the run wrote its result to the Log
		});
	}

	ExamplesSettings settings() {
		return ExamplesSettings.of(CommandSpecs.NEAREST_EXAMPLES.inputs(inputs()));
	}
}
