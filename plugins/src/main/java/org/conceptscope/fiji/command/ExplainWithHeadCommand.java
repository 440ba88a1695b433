package org.conceptscope.fiji.command;

import org.conceptscope.fiji.display.ResultsDisplay;
import org.conceptscope.fiji.run.HeadExplanationRun;
import org.conceptscope.fiji.run.HeadExplanationSettings;
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
 * Plugins &gt; ConceptScope &gt; Explain with Head... as a SciJava command: per slice, the parts or
 * concepts of a saved interpretable head with the largest contributions, their maps and ROIs.
 * Parameter names are the ImageJ 1.x plugin's macro keys; {@link HeadExplanationRun} does the work.
 */
@Plugin(type = Command.class, menuPath = "Plugins>ConceptScope>Explain with Head...", headless = true,
	description = "Top parts or concepts of a trained interpretable head per slice, as channels, ROIs and a table")
public class ExplainWithHeadCommand extends ContextCommand {

	// Not required: without an image the command says "No image is open: ..." itself, not SciJava's generic message.
	@Parameter(label = "Image", required = false, description = "The image or stack to explain (only read).")
	private ImagePlus image;

	// <inputs: generated from org.conceptscope.fiji.param.CommandSpecs; edit the declarations, not these fields (CommandSourcesTest rewrites them with CONCEPTSCOPE_WRITE_DOCS=1)>
	@Parameter(label = "Model folder", persist = false, style = FileWidget.DIRECTORY_STYLE,
		description = "the backbone the head was trained on (its layer and shape are checked)")
	private java.io.File model;

	@Parameter(label = "Head folder", persist = false, required = false, style = FileWidget.DIRECTORY_STYLE,
		description = "the head folder (`<save_dir>/head`; the `save_dir` of the training run works too)")
	private java.io.File head;

	@Parameter(label = "Target class", persist = false, required = false,
		description = "`predicted` (the head's own prediction per slice), a class name or index")
	private String target = "predicted";

	@Parameter(label = "Parts per slice", persist = false, min = "1",
		description = "parts/concepts per slice: those with the largest positive contributions to the target logit")
	private int top = 3;

	@Parameter(label = "Top fraction outlined as ROI", persist = false, min = "0.001", max = "1",
		description = "the top fraction of each part's map outlined as its ROI")
	private double top_fraction = 0.1;

	@Parameter(label = "Bias row", persist = false,
		description = "one more row per slice (rank and unit `bias`, no ROI) for the class bias: the part of the target logit no part or concept explains (InfoDisent: its class bias b_k; Bi-ICE: the logit minus the contributions), so every contribution plus the bias is the target logit, as the InfoDisent paper reads a decision; `bias=false` leaves it out (only the parts or concepts, e.g. for a table of evidence alone)")
	private boolean bias = true;

	@Parameter(label = "Save to folder (empty: do not save)", persist = false, required = false, style = FileWidget.DIRECTORY_STYLE,
		description = "folder for `<title>-<head>.tif`, `<title>-<head>-RoiSet.zip`, `<title>-<head>-results.csv`")
	private java.io.File save_dir;

	/** The inputs by key, for {@link org.conceptscope.fiji.param.CommandSpec#inputs}. */
	private java.util.Map<String, Object> inputs() {
		java.util.Map<String, Object> in = new java.util.LinkedHashMap<>();
		in.put("model", model);
		in.put("head", head);
		in.put("target", target);
		in.put("top", top);
		in.put("top_fraction", top_fraction);
		in.put("bias", bias);
		in.put("save_dir", save_dir);
		return in;
	}
	// </inputs>

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
