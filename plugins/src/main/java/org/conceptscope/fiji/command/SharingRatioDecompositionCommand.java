package org.conceptscope.fiji.command;

import org.conceptscope.fiji.display.ConceptDisplay;
import org.conceptscope.fiji.run.SharingRatioRun;
import org.conceptscope.fiji.run.SharingRatioSettings;
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
 * Plugins &gt; ConceptScope &gt; Sharing Ratio Decomposition... as a SciJava command: SRD relevance
 * maps of every slice, the ERF of one pointwise feature vector, and the APOP diagnostic.
 * {@link SharingRatioRun} does the work; parameter names are the ImageJ 1.x macro keys.
 */
@Plugin(type = Command.class, menuPath = "Plugins>ConceptScope>Sharing Ratio Decomposition...", headless = true,
	description = "Sharing Ratio Decomposition: relevance maps, effective receptive fields and APOP, per slice")
public class SharingRatioDecompositionCommand extends ContextCommand {

	// Not required: without an image the command says "No image is open: ..." itself, not SciJava's generic message.
	@Parameter(label = "Image", required = false, description = "The image or stack to explain (only read).")
	private ImagePlus image;

	// <inputs: generated from org.conceptscope.fiji.param.CommandSpecs; edit the declarations, not these fields (CommandSourcesTest rewrites them with CONCEPTSCOPE_WRITE_DOCS=1)>
	@Parameter(label = "Model folder", persist = false, style = FileWidget.DIRECTORY_STYLE,
		description = "folder holding `saved_model.pb`")
	private java.io.File model;

	@Parameter(label = "Target class", persist = false, required = false,
		description = "`predicted` (each slice's own predicted class), a class name or index")
	private String target = "predicted";

	@Parameter(label = "SRD start layer (empty = input pixels)", persist = false, required = false,
		description = "a spatial layer (Model Info lists them): the decomposition of the logit starts at its PFVs instead of the pixels; each PFV's relevance is spread evenly over its cell of the image (the sum kept), and `bias_relevance` is what the biases above the layer keep; empty = the input pixels, as the paper's maps")
	private String start_layer = "";

	@Parameter(label = "ERF layer (empty: no ERF)", persist = false, required = false,
		description = "a spatial layer (Model Info lists them): also compute the effective receptive field (ERF) of one of its PFVs on every slice; empty = no ERF")
	private String erf_layer = "";

	@Parameter(label = "x (pixel of the PFV; -1: centre)", persist = false, min = "-1",
		description = "the PFV, chosen by an **image pixel**: the layer cell holding pixel (x, y): cells are one layer stride wide, centred on each PFV's theoretical receptive field (so also right for VALID and strided layers; near the border of a VALID layer, the nearest cell); -1 = the image's centre column / row. Only with `erf_layer`")
	private int x = -1;

	@Parameter(label = "y (pixel of the PFV; -1: centre)", persist = false, min = "-1",
		description = "as `x`, for the row")
	private int y = -1;

	@Parameter(label = "ERF mass", persist = false, min = "0.001", max = "1",
		description = "the ERF's ROI holds the pixels that carry this fraction of its absolute relevance (the smallest such set; pixels without relevance never)")
	private double erf_mass = 0.9;

	@Parameter(label = "APOP fill value", persist = false,
		description = "APOP: the value of every pixel of the blank image, in the model's normalised input units (1 = white for `unit_range` models)")
	private double apop_fill = 1.0;

	@Parameter(label = "Output", persist = false, choices = { "channel", "image" },
		description = "`channel`: a new composite = the image's channels (32-bit) + the relevance map + the ERF (Fire); `image`: the maps alone")
	private String output = "channel";

	@Parameter(label = "Top fraction outlined as ROI", persist = false, min = "0.001", max = "1",
		description = "the top fraction of each relevance map outlined as that slice's ROI")
	private double top_fraction = 0.1;

	@Parameter(label = "Save to folder (empty: do not save)", persist = false, required = false, style = FileWidget.DIRECTORY_STYLE,
		description = "folder for `<title>-srd.tif` (or `-srd-map.tif`, with the ROIs as overlay), `<title>-srd-RoiSet.zip`, `<title>-srd-results.csv`")
	private java.io.File save_dir;

	/** The inputs by key, for {@link org.conceptscope.fiji.param.CommandSpec#inputs}. */
	private java.util.Map<String, Object> inputs() {
		java.util.Map<String, Object> in = new java.util.LinkedHashMap<>();
		in.put("model", model);
		in.put("target", target);
		in.put("start_layer", start_layer);
		in.put("erf_layer", erf_layer);
		in.put("x", x);
		in.put("y", y);
		in.put("erf_mass", erf_mass);
		in.put("apop_fill", apop_fill);
		in.put("output", output);
		in.put("top_fraction", top_fraction);
		in.put("save_dir", save_dir);
		return in;
	}
	// </inputs>

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
