package org.conceptscope.fiji.command;

import org.conceptscope.fiji.display.ResultsDisplay;
import org.conceptscope.fiji.run.TcavRun;
import org.conceptscope.fiji.run.TcavSettings;
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
 * Plugins &gt; ConceptScope &gt; TCAV... as a SciJava command: concepts (folders of examples or
 * named ROIs) tested against random counterexamples with concept activation vectors, or a saved
 * CAV bank scored on new images. Parameter names are the ImageJ 1.x plugin's macro keys;
 * {@link TcavRun} does the work.
 */
@Plugin(type = Command.class, menuPath = "Plugins>ConceptScope>TCAV...", headless = true,
	description = "Testing with Concept Activation Vectors: how much a class responds to concepts given by examples")
public class TcavCommand extends ContextCommand {

	@Parameter(label = "Image (class images and ROIs; unused when folders are set)", required = false,
		description = "A stack of images of the class tested, or with ROIs named after concepts (only read).")
	private ImagePlus image;

	// <inputs: generated from org.conceptscope.fiji.param.CommandSpecs; edit the declarations, not these fields (CommandSourcesTest rewrites them with CONCEPTSCOPE_WRITE_DOCS=1)>
	@Parameter(label = "Model folder", persist = false, style = FileWidget.DIRECTORY_STYLE,
		description = "folder holding `saved_model.pb`")
	private java.io.File model;

	@Parameter(label = "Image folder (empty: the current image)", persist = false, required = false, style = FileWidget.DIRECTORY_STYLE,
		description = "images of the class tested (as for Concept Discovery: name order, other files skipped, all of one size); empty = the current image or stack")
	private java.io.File folder;

	@Parameter(label = "Concept folder (empty: named ROIs)", persist = false, required = false, style = FileWidget.DIRECTORY_STYLE,
		description = "a folder with one subfolder of example images per concept, the subfolder's name the concept's (at least 2 images each); empty = the ROIs of the current image (its overlay, else the ROI Manager), each named after its concept: the bounding box of each ROI on its slice, resized to the model's input, is one example")
	private java.io.File concepts;

	@Parameter(label = "Random counterexamples folder", persist = false, required = false, style = FileWidget.DIRECTORY_STYLE,
		description = "images without the concepts; each run draws two disjoint random sets from them, as large as a concept's examples (at most half of them): give at least 4, better twice as many as the examples of a concept. Not needed with `cavs`")
	private java.io.File random;

	@Parameter(label = "Target class", persist = false, required = false,
		description = "the class tested: `predicted` (the class most images are predicted as), a class name or index")
	private String target = "predicted";

	@Parameter(label = "Layers (empty: the last spatial layer)", persist = false, required = false,
		description = "layers to find CAVs in, comma-separated (`layers=[conv1/relu,conv2/relu]`; Model Info lists them); empty = the last spatial layer")
	private String layers = "";

	@Parameter(label = "Runs (random sets)", persist = false, min = "2",
		description = "random counterexample sets, so CAVs per concept and layer; the t-test compares the concept's scores over the runs with random-against-random CAVs' scores")
	private int runs = 20;

	@Parameter(label = "Significance level", persist = false, min = "0.001", max = "0.999",
		description = "a concept is significant when the t-test's p < `alpha` / (concepts x layers) (Bonferroni)")
	private double alpha = 0.05;

	@Parameter(label = "Random seed", persist = false,
		description = "random sets, training splits and SVM training: the same seed gives the same table")
	private long seed = 42L;

	@Parameter(label = "CAV bank to score (empty: test concepts)", persist = false, required = false, style = FileWidget.OPEN_STYLE,
		description = "a `cavs.json` written by TCAV: score its CAVs on the images instead of testing concepts (`concepts`, `random`, `layers`, `runs`, `alpha` are then not used)")
	private java.io.File cavs;

	@Parameter(label = "Save to folder (empty: do not save)", persist = false, required = false, style = FileWidget.DIRECTORY_STYLE,
		description = "folder for `tcav.csv` (one row per concept and layer), `tcav.png` (scores against random CAVs) and `cavs.json` (the CAVs); scoring a bank: `tcav-scores.csv` and `tcav-scores.png`; **required headless**")
	private java.io.File save_dir;

	/** The inputs by key, for {@link org.conceptscope.fiji.param.CommandSpec#inputs}. */
	private java.util.Map<String, Object> inputs() {
		java.util.Map<String, Object> in = new java.util.LinkedHashMap<>();
		in.put("model", model);
		in.put("folder", folder);
		in.put("concepts", concepts);
		in.put("random", random);
		in.put("target", target);
		in.put("layers", layers);
		in.put("runs", runs);
		in.put("alpha", alpha);
		in.put("seed", seed);
		in.put("cavs", cavs);
		in.put("save_dir", save_dir);
		return in;
	}
	// </inputs>

	@Parameter(label = "TCAV plot", type = ItemIO.OUTPUT)
	private ImagePlus plot;

	@Parameter
	private LogService log;

	@Parameter(required = false)
	private UIService ui;

	@Override
	public void run() {
		CommandTasks.run("TCAV", log, ui, this::cancel, progress -> {
			TcavRun.Result r = TcavRun.run(image, settings(), progress);
			plot = r.plot();
			if (ResultsDisplay.interactive()) {
				r.plot().show();
				r.table().show("TCAV");
			}
			progress.finished(r.summary() + ".");
		});
	}

	TcavSettings settings() {
		return TcavSettings.of(CommandSpecs.TCAV.inputs(inputs()));
	}
}
