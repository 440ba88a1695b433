package org.conceptscope.fiji.commands;

import ij.ImagePlus;

import java.io.File;
import java.nio.file.Path;

import org.scijava.ItemIO;
import org.scijava.command.Command;
import org.scijava.command.ContextCommand;
import org.scijava.log.LogService;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;
import org.scijava.ui.UIService;
import org.scijava.widget.FileWidget;

/**
 * Plugins &gt; ConceptScope &gt; Concept Localization... as a SciJava command: per-slice maps and
 * ROIs of the concepts of a saved bank. {@link ConceptLocalizationRun} does the work.
 */
@Plugin(type = Command.class, menuPath = "Plugins>ConceptScope>Concept Localization...", headless = true,
	description = "Where each concept of a saved concept bank sits, on every slice of an image")
public class ConceptLocalizationCommand extends ContextCommand {

	// Not required: without an image the command says "No image is open: ..." itself, not SciJava's generic message.
	@Parameter(label = "Image", required = false, description = "The image or stack (only read).")
	private ImagePlus image;

	@Parameter(label = "Model folder", style = FileWidget.DIRECTORY_STYLE, persist = false)
	private File model;

	@Parameter(required = false, style = FileWidget.OPEN_STYLE, label = "Concept bank (concepts.json)", persist = false)
	private File concepts;

	@Parameter(label = "Top fraction (ROIs)", persist = false, min = "0.001", max = "1")
	private double top_fraction = ConceptLocalizationSettings.DEFAULT_TOP_FRACTION;

	@Parameter(label = "Output", persist = false, choices = { "channel", "image" })
	private String output = ConceptLocalizationSettings.DEFAULT_OUTPUT;

	@Parameter(style = FileWidget.DIRECTORY_STYLE, label = "Save to folder (empty: do not save)", required = false, persist = false)
	private File save_dir;

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
			ConceptDisplay.showTableAndRois(r.table(), r.image().getTitle() + "-results", r.rois(), r.image());
			progress.finished(r.rois().size() + " concept ROI(s).");
		});
	}

	ConceptLocalizationSettings settings() {
		ConceptLocalizationSettings s = new ConceptLocalizationSettings();
		s.model = ConceptDiscoveryCommand.path(model);
		s.concepts = ConceptDiscoveryCommand.path(concepts);
		s.topFraction = top_fraction;
		s.output = output;
		s.saveDir = ConceptDiscoveryCommand.path(save_dir);
		return s;
	}
}
