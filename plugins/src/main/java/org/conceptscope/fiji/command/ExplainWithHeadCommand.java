package org.conceptscope.fiji.command;

import org.conceptscope.fiji.display.ResultsDisplay;
import org.conceptscope.fiji.run.HeadExplanationRun;
import org.conceptscope.fiji.run.HeadExplanationSettings;
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
 * Plugins &gt; ConceptScope &gt; Explain with Head... as a SciJava command: per slice, the parts or
 * concepts of a saved interpretable head with the largest contributions, their maps and ROIs.
 * Parameter names are the ImageJ 1.x plugin's macro keys; {@link HeadExplanationRun} does the work.
 */
@Plugin(type = Command.class, menuPath = "Plugins>ConceptScope>Explain with Head...", headless = true,
	description = "Top parts or concepts of a trained interpretable head per slice, as channels, ROIs and a table")
public class ExplainWithHeadCommand extends CommandInputs.ExplainWithHead {

	@Parameter(label = "Explanation", type = ItemIO.OUTPUT)
	private ImagePlus explanation;

	@Parameter
	private LogService log;

	@Parameter(required = false)
	private UIService ui;

	@Override
	public void run() {
		CommandTasks.run("Explain with Head", log, ui, this::cancel, progress -> {
			HeadExplanationRun.Result r = HeadExplanationRun.run(image, settings(), progress);
			explanation = r.image();
			ResultsDisplay.showTableAndRois(r);
			progress.finished(r.rois().size() + " ROI(s) of " + r.head().kind() + " " + r.head().unitName() + "s.");
		});
	}

	HeadExplanationSettings settings() {
		return HeadExplanationSettings.of(CommandSpecs.EXPLAIN_WITH_HEAD.inputs(inputs()));
	}
}
