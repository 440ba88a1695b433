package org.conceptscope.fiji.command;

import org.conceptscope.fiji.display.ConceptDisplay;
import org.conceptscope.fiji.run.SharingRatioRun;
import org.conceptscope.fiji.run.SharingRatioSettings;
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
 * Plugins &gt; ConceptScope &gt; Sharing Ratio Decomposition... as a SciJava command: SRD relevance
 * maps of every slice, the ERF of one pointwise feature vector, and the APOP diagnostic.
 * {@link SharingRatioRun} does the work; parameter names are the ImageJ 1.x macro keys.
 */
@Plugin(type = Command.class, menuPath = "Plugins>ConceptScope>Sharing Ratio Decomposition...", headless = true,
	description = "Sharing Ratio Decomposition: relevance maps, effective receptive fields and APOP, per slice")
public class SharingRatioDecompositionCommand extends CommandInputs.SharingRatioDecomposition {

	@Parameter(label = "Decomposition", type = ItemIO.OUTPUT)
	private ImagePlus decomposition;

	@Parameter
	private LogService log;

	@Parameter(required = false)
	private UIService ui;

	@Override
	public void run() {
		CommandTasks.run("Sharing Ratio Decomposition", log, ui, this::cancel, progress -> {
			SharingRatioRun.Result r = SharingRatioRun.run(image, settings(), progress);
			decomposition = r.image();
			ConceptDisplay.showTableAndRois(r.table(), r.image().getTitle() + "-results", r.rois(), r.image());
			progress.finished(r.analysis().slices().size() + " slice(s) decomposed.");
		});
	}

	SharingRatioSettings settings() {
		return SharingRatioSettings.of(CommandSpecs.SHARING_RATIO_DECOMPOSITION.inputs(inputs()));
	}
}
