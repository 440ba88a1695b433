package org.conceptscope.fiji.command;

import org.conceptscope.fiji.display.ResultsDisplay;
import org.conceptscope.fiji.run.TcavRun;
import org.conceptscope.fiji.run.TcavSettings;
import ij.ImagePlus;

import org.conceptscope.fiji.param.CommandSpecs;
import org.scijava.ItemIO;
import org.scijava.command.Command;
import org.scijava.log.LogService;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;
import org.scijava.ui.UIService;

/**
 * Plugins &gt; ConceptScope &gt; TCAV... as a SciJava command: concepts (folders of examples or
 * named ROIs) tested against random counterexamples with concept activation vectors, or a saved
 * CAV bank scored on new images. Parameter names are the ImageJ 1.x plugin's macro keys;
 * {@link TcavRun} does the work.
 */
@Plugin(type = Command.class, menuPath = "Plugins>ConceptScope>TCAV...", headless = true,
	description = "Testing with Concept Activation Vectors: how much a class responds to concepts given by examples")
public class TcavCommand extends CommandInputs.Tcav {

	@Parameter(label = "TCAV plot", type = ItemIO.OUTPUT)
	private ImagePlus plot;

	@Parameter
	private LogService log;

	@Parameter(required = false)
	private UIService ui;

	@Override
	public void run() {
		CommandTasks.run("TCAV", log, ui, this::cancel, progress -> {
			TcavRun.Result r = TcavRun.run(image, settings(), progress);
			plot = r.plot();
			if (ResultsDisplay.interactive()) r.plot().show();
			ResultsDisplay.showTable(r.table(), "TCAV", true);
			progress.statusOnly(r.summary() + "."); // the run wrote its result to the Log
		});
	}

	TcavSettings settings() {
		return TcavSettings.of(CommandSpecs.TCAV.inputs(inputs()));
	}
}
