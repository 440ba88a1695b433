package org.conceptscope.fiji.command;

import org.conceptscope.fiji.display.ConceptDisplay;
import org.conceptscope.fiji.run.ConceptLocalizationRun;
import org.conceptscope.fiji.run.ConceptLocalizationSettings;
import ij.ImagePlus;

import java.nio.file.Path;

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
 * Plugins &gt; ConceptScope &gt; Concept Localization... as a SciJava command: per-slice maps and
 * ROIs of the concepts of a saved bank. {@link ConceptLocalizationRun} does the work.
 */
@Plugin(type = Command.class, menuPath = "Plugins>ConceptScope>Concept Localization...", headless = true,
	description = "Where each concept of a saved concept bank sits, on every slice of an image")
public class ConceptLocalizationCommand extends ContextCommand {

	// Not required: without an image the command says "No image is open: ..." itself, not SciJava's generic message.
	@Parameter(label = "Image", required = false, description = "The image or stack (only read).")
	private ImagePlus image;

	// <inputs: generated from org.conceptscope.fiji.param.CommandSpecs; edit the declarations, not these fields (CommandSourcesTest rewrites them with CONCEPTSCOPE_WRITE_DOCS=1)>
	@Parameter(label = "Model folder", persist = false, style = FileWidget.DIRECTORY_STYLE,
		description = "the model the concepts were discovered with (its layer must exist)")
	private java.io.File model;

	@Parameter(label = "Concepts file (concepts.json)", persist = false, required = false, style = FileWidget.OPEN_STYLE,
		description = "a `concepts.json` written by Concept Discovery")
	private java.io.File concepts;

	@Parameter(label = "Top fraction outlined as ROI", persist = false, min = "0.001", max = "1",
		description = "the top fraction of each concept map outlined as that slice's ROI for that concept")
	private double top_fraction = 0.1;

	@Parameter(label = "Output", persist = false, choices = { "channel", "image" },
		description = "`channel`: a new composite = the image's channels (32-bit) + one channel per concept (Fire); `image`: the concept maps alone")
	private String output = "channel";

	@Parameter(label = "Save to folder (empty: do not save)", persist = false, required = false, style = FileWidget.DIRECTORY_STYLE,
		description = "folder for `<title>-concepts.tif` (or `-concepts-map.tif`, with the ROIs as overlay), `<title>-concepts-RoiSet.zip`, `<title>-concepts-results.csv`")
	private java.io.File save_dir;

	/** The inputs by key, for {@link org.conceptscope.fiji.param.CommandSpec#inputs}. */
	private java.util.Map<String, Object> inputs() {
		java.util.Map<String, Object> in = new java.util.LinkedHashMap<>();
		in.put("model", model);
		in.put("concepts", concepts);
		in.put("top_fraction", top_fraction);
		in.put("output", output);
		in.put("save_dir", save_dir);
		return in;
	}
	// </inputs>

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
		return ConceptLocalizationSettings.of(CommandSpecs.CONCEPT_LOCALIZATION.inputs(inputs()));
	}
}
