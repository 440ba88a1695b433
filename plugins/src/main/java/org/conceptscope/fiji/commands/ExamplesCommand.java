package org.conceptscope.fiji.commands;

import ij.ImagePlus;

import java.io.File;

import org.scijava.ItemIO;
import org.scijava.command.Command;
import org.scijava.command.ContextCommand;
import org.scijava.log.LogService;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;
import org.scijava.ui.UIService;
import org.scijava.widget.FileWidget;

/**
 * Plugins &gt; ConceptScope &gt; Nearest Examples... as a SciJava command: the training examples
 * nearest to each slice in a layer of the model, and prototypes of the examples. Parameter names
 * are the ImageJ 1.x plugin's macro keys; {@link ExamplesRun} does the work.
 */
@Plugin(type = Command.class, menuPath = "Plugins>ConceptScope>Nearest Examples...", headless = true,
	description = "Nearest training examples in a layer of the model, with distances, and class prototypes")
public class ExamplesCommand extends ContextCommand {

	@Parameter(label = "Image (the cases)", required = false, description = "The slices whose nearest examples are shown (only read).")
	private ImagePlus image;

	@Parameter(label = "Model folder", style = FileWidget.DIRECTORY_STYLE, persist = false)
	private File model;

	@Parameter(style = FileWidget.DIRECTORY_STYLE, label = "Training examples folder", required = false, persist = false)
	private File folder;

	@Parameter(label = "Layer (empty: the last spatial layer)", required = false, persist = false)
	private String layer = "";

	@Parameter(label = "Nearest examples per slice", persist = false, min = "0")
	private int neighbours = ExamplesSettings.DEFAULT_NEIGHBOURS;

	@Parameter(label = "Prototypes (per class)", persist = false, min = "0")
	private int prototypes = ExamplesSettings.DEFAULT_PROTOTYPES;

	@Parameter(style = FileWidget.DIRECTORY_STYLE, label = "Save to folder (required headless)", required = false, persist = false)
	private File save_dir;

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
			nearest = r.nearest() != null ? r.nearest() : r.prototypes();
			if (ResultsDisplay.interactive()) {
				if (r.nearest() != null) {
					r.nearest().show();
					r.nearestTable().show("Nearest examples");
				}
				if (r.prototypes() != null) {
					r.prototypes().show();
					r.prototypeTable().show("Prototypes");
				}
			}
			progress.finished(r.summary() + ".");
		});
	}

	ExamplesSettings settings() {
		ExamplesSettings s = new ExamplesSettings();
		s.model = ConceptDiscoveryCommand.path(model);
		s.folder = ConceptDiscoveryCommand.path(folder);
		s.layer = layer == null ? "" : layer;
		s.neighbours = neighbours;
		s.prototypes = prototypes;
		s.saveDir = ConceptDiscoveryCommand.path(save_dir);
		return s;
	}
}
