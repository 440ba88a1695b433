package org.conceptscope.fiji.command;

import org.conceptscope.fiji.run.EvaluationRun;
import org.conceptscope.fiji.run.EvaluationSettings;
import org.conceptscope.fiji.display.ResultsDisplay;
import ij.ImagePlus;

import java.nio.file.Path;

import org.conceptscope.fiji.param.CommandSpecs;
import org.scijava.command.Command;
import org.scijava.log.LogService;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;
import org.scijava.ui.UIService;

/**
 * Plugins &gt; ConceptScope &gt; Evaluate Explanation... as a SciJava command: how faithful one
 * attribution method's maps are, per slice, by one metric. {@link EvaluationRun} does the work.
 */
@Plugin(type = Command.class, menuPath = "Plugins>ConceptScope>Evaluate Explanation...", headless = true,
	description = "Deletion, insertion, MuFidelity or a sanity check of an attribution method per slice, or MeGe/ReCo of methods on a labelled folder")
public class EvaluateExplanationCommand extends CommandInputs.EvaluateExplanation {

	@Parameter
	private LogService log;

	@Parameter(required = false)
	private UIService ui;

	@Override
	public void run() {
		CommandTasks.run("Evaluate Explanation", log, ui, this::cancel, progress -> {
			EvaluationSettings s = settings();
			EvaluationRun.Result r = EvaluationRun.run(image, s, progress);
			ResultsDisplay.showTable(r.table(), r.metric() == null ? s.metric : s.method + " " + s.metric, true);
			if (ResultsDisplay.interactive() && r.plot() != null) r.plot().show();
			progress.statusOnly(r.summary() + "."); // the run wrote its result to the Log
		});
	}

	EvaluationSettings settings() {
		return EvaluationSettings.of(CommandSpecs.EVALUATE_EXPLANATION.inputs(inputs()));
	}
}
