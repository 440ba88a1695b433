package org.conceptscope.fiji.command;

import org.conceptscope.fiji.run.ExamplesRun;
import org.conceptscope.fiji.run.ExamplesSettings;
import org.conceptscope.fiji.display.ResultsDisplay;
import ij.ImagePlus;


import org.conceptscope.fiji.param.CommandSpecs;
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

	// <inputs: generated from org.conceptscope.fiji.param.CommandSpecs; edit the declarations, not these fields (CommandSourcesTest rewrites them with CONCEPTSCOPE_WRITE_DOCS=1)>
	@Parameter(label = "Model folder", persist = false, style = FileWidget.DIRECTORY_STYLE,
		description = "folder holding `saved_model.pb`")
	private java.io.File model;

	@Parameter(label = "Training examples folder", persist = false, required = false, style = FileWidget.DIRECTORY_STYLE,
		description = "the training examples: images (name order, other files skipped, all of the model's input size), or one subfolder of images per class, named after the model's classes (then prototypes are per class)")
	private java.io.File folder;

	@Parameter(label = "Layer (empty: the last spatial layer)", persist = false, required = false,
		description = "the layer whose activations are compared (Model Info lists them); empty = the last spatial layer")
	private String layer = "";

	@Parameter(label = "Nearest examples per slice", persist = false, min = "0",
		description = "for each slice of the current image, its training examples nearest by Euclidean distance between activations, nearest first; 0 = none (no image needed)")
	private int neighbours = 5;

	@Parameter(label = "Prototypes (per class)", persist = false, min = "0",
		description = "MMD-critic prototypes of the examples (per class with class subfolders; RBF kernel, gamma 1 / the median squared distance); 0 = none")
	private int prototypes = 3;

	@Parameter(label = "Save to folder (empty: do not save)", persist = false, required = false, style = FileWidget.DIRECTORY_STYLE,
		description = "folder for `<title>-nearest.tif` (montage: each slice, then its nearest examples; distances in the row label and as each panel's `distance` property), `<title>-nearest.csv` (`slice, rank, example, distance`), `prototypes.tif` and `prototypes.csv` (`class, rank, example, objective`); **required headless**")
	private java.io.File save_dir;

	/** The inputs by key, for {@link org.conceptscope.fiji.param.CommandSpec#inputs}. */
	private java.util.Map<String, Object> inputs() {
		java.util.Map<String, Object> in = new java.util.LinkedHashMap<>();
		in.put("model", model);
		in.put("folder", folder);
		in.put("layer", layer);
		in.put("neighbours", neighbours);
		in.put("prototypes", prototypes);
		in.put("save_dir", save_dir);
		return in;
	}
	// </inputs>

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
		return ExamplesSettings.of(CommandSpecs.NEAREST_EXAMPLES.inputs(inputs()));
	}
}
