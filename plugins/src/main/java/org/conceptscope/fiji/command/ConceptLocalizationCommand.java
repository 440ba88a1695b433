package org.conceptscope.fiji.command;

import org.conceptscope.fiji.display.ConceptDisplay;
import org.conceptscope.fiji.run.ConceptLocalizationRun;
import org.conceptscope.fiji.run.ConceptLocalizationSettings;
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
 * Plugins &gt; ConceptScope &gt; Concept Localization... as a SciJava command: per-slice maps and
 * ROIs of the concepts of a saved bank. {@link ConceptLocalizationRun} does the work.
 */
@Plugin(type = Command.class, menuPath = "Plugins>ConceptScope>Concept Localization...", headless = true,
	description = "Where each concept of a saved concept bank sits, on every slice of an image")
public class ConceptLocalizationCommand extends CommandInputs.ConceptLocalization {

	// Fiji shows outputs in the order declared, and the last one shown becomes the current image: the maps, as in ImageJ 1.x.
	@Parameter(label = "Dominant concept", type = ItemIO.OUTPUT)
	private ImagePlus labels;

	@Parameter(label = "Concept maps", type = ItemIO.OUTPUT)
	private ImagePlus localization;

	@Parameter
	private LogService log;

	@Parameter(required = false)
	private UIService ui;

	@Override
	public void run() {
		CommandTasks.run("Concept Localization", log, ui, this::cancel, progress -> {
			ConceptLocalizationRun.Result r = ConceptLocalizationRun.run(image, settings(), progress);
			localization = r.image();
			labels = r.labels();
			ConceptDisplay.showTableAndRois(r.table(), r.image().getTitle() + "-results", r.rois(), r.image());
			progress.finished(r.rois().size() + " concept ROI(s).");
		});
	}

	ConceptLocalizationSettings settings() {
		return ConceptLocalizationSettings.of(CommandSpecs.CONCEPT_LOCALIZATION.inputs(inputs()));
	}
}
