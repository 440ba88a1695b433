package org.conceptscope.fiji.command;

import org.conceptscope.fiji.display.ConceptGraphDisplay;
import org.conceptscope.fiji.run.ConceptGraphRun;
import org.conceptscope.fiji.run.ConceptGraphSettings;
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
 * Plugins &gt; ConceptScope &gt; Concept Graph... as a SciJava command: PFV concepts of one class at
 * several layers, the GIG concept graph to the class, ERF montages and per-image concept maps,
 * from a stack or a folder of images. {@link ConceptGraphRun} does the work; parameter names are
 * the ImageJ 1.x macro keys.
 */
@Plugin(type = Command.class, menuPath = "Plugins>ConceptScope>Concept Graph...", headless = true,
	description = "PFV concept vectors at several layers, their GIG concept graph to the class, ERF montages and concept maps")
public class ConceptGraphCommand extends ContextCommand {

	@Parameter(label = "Image (unused when a folder is set)", required = false, description = "A stack of images (only read).")
	private ImagePlus image;

	// <inputs: generated from org.conceptscope.fiji.param.CommandSpecs; edit the declarations, not these fields (CommandSourcesTest rewrites them with CONCEPTSCOPE_WRITE_DOCS=1)>
	@Parameter(label = "Model folder", persist = false, style = FileWidget.DIRECTORY_STYLE,
		description = "folder holding `saved_model.pb`")
	private java.io.File model;

	@Parameter(label = "Image folder (empty: the current image)", persist = false, required = false, style = FileWidget.DIRECTORY_STYLE,
		description = "a folder of images (as for Concept Discovery: name order, other files skipped, all of one size); empty = the current image or stack")
	private java.io.File folder;

	@Parameter(label = "Layers (empty: the last two)", persist = false, required = false,
		description = "spatial layers, comma-separated (`layers=[conv2/relu,conv3/relu]`), any order (sorted from input to output); empty = the last two spatial layers computed by a `Relu` (the outputs of the last two convolution blocks; a pooling or bias layer next to them would give a near-copy), or the last two spatial layers when there are fewer")
	private String layers = "";

	@Parameter(label = "Target class", persist = false, required = false,
		description = "the class: `predicted` (the class most images are predicted as), a class name or index")
	private String target = "predicted";

	@Parameter(label = "Concepts per layer", persist = false, min = "1",
		description = "concept vectors per layer (k-means k)")
	private int concepts = 4;

	@Parameter(label = "PFV samples per layer", persist = false, min = "1",
		description = "PFVs sampled per layer for k-means")
	private int samples = 1000;

	@Parameter(label = "Random seed", persist = false,
		description = "sampling and k-means")
	private long seed = 42L;

	@Parameter(label = "GIG steps", persist = false, min = "1",
		description = "GIG midpoint steps along the path")
	private int steps = 32;

	@Parameter(label = "ERFs per concept", persist = false, min = "1",
		description = "strongest PFVs (largest coefficient) per concept shown by their ERFs")
	private int examples = 6;

	@Parameter(label = "ERF mass", persist = false, min = "0.001", max = "1",
		description = "each ERF's outline holds this fraction of its absolute relevance")
	private double erf_mass = 0.9;

	@Parameter(label = "Top fraction outlined as ROI", persist = false, min = "0.001", max = "1",
		description = "the top fraction of each concept map outlined as that slice's ROI")
	private double top_fraction = 0.1;

	@Parameter(label = "Output", persist = false, choices = { "channel", "image" },
		description = "concept maps: `channel` (image channels + one channel per concept of every layer) or `image` (the maps alone)")
	private String output = "channel";

	@Parameter(label = "Save to folder (empty: do not save)", persist = false, required = false, style = FileWidget.DIRECTORY_STYLE,
		description = "folder for the files below; **required headless**")
	private java.io.File save_dir;

	/** The inputs by key, for {@link org.conceptscope.fiji.param.CommandSpec#inputs}. */
	private java.util.Map<String, Object> inputs() {
		java.util.Map<String, Object> in = new java.util.LinkedHashMap<>();
		in.put("model", model);
		in.put("folder", folder);
		in.put("layers", layers);
		in.put("target", target);
		in.put("concepts", concepts);
		in.put("samples", samples);
		in.put("seed", seed);
		in.put("steps", steps);
		in.put("examples", examples);
		in.put("erf_mass", erf_mass);
		in.put("top_fraction", top_fraction);
		in.put("output", output);
		in.put("save_dir", save_dir);
		return in;
	}
	// </inputs>

	@Parameter(label = "Concept graph", type = ItemIO.OUTPUT)
	private ImagePlus graph;

	@Parameter
	private LogService log;

	@Parameter(required = false)
	private UIService ui;

	@Override
	public void run() {
		CommandTasks.run("Concept Graph", log, ui, this::cancel, progress -> {
			ConceptGraphRun.Result r = ConceptGraphRun.run(image, settings(), progress);
			graph = r.picture();
			ConceptGraphDisplay.show(r);
			progress.finished(r.graph().edges().size() + " edge(s) between " + r.graph().banks().size() + " layer(s) and the class.");
		});
	}

	ConceptGraphSettings settings() {
		return ConceptGraphSettings.of(CommandSpecs.CONCEPT_GRAPH.inputs(inputs()));
	}
}
