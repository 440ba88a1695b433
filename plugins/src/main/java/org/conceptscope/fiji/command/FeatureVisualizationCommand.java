package org.conceptscope.fiji.command;

import org.conceptscope.fiji.run.FeatureVisualizationRun;
import org.conceptscope.fiji.run.FeatureVisualizationSettings;
import org.conceptscope.fiji.display.ResultsDisplay;
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
 * Plugins &gt; ConceptScope &gt; Feature Visualization... as a SciJava command: MACO, an image that
 * raises one class's logit under the magnitude spectrum of your images, and its transparency map.
 * Parameter names are the ImageJ 1.x plugin's macro keys; {@link FeatureVisualizationRun} does the work.
 */
@Plugin(type = Command.class, menuPath = "Plugins>ConceptScope>Feature Visualization...", headless = true,
	description = "MACO feature visualization of a class under the magnitude spectrum of your images")
public class FeatureVisualizationCommand extends ContextCommand {

	@Parameter(label = "Image (spectrum; unused when a folder is set)", required = false,
		description = "Images whose magnitude spectrum the visualization keeps (only read).")
	private ImagePlus image;

	// <inputs: generated from org.conceptscope.fiji.param.CommandSpecs; edit the declarations, not these fields (CommandSourcesTest rewrites them with CONCEPTSCOPE_WRITE_DOCS=1)>
	@Parameter(label = "Model folder", persist = false, style = FileWidget.DIRECTORY_STYLE,
		description = "folder holding `saved_model.pb`")
	private java.io.File model;

	@Parameter(label = "Head folder (optional)", persist = false, required = false, style = FileWidget.DIRECTORY_STYLE,
		description = "optional: a head saved by Train Interpretable Head (`<save_dir>/head`) for the same model; then `target` may be one of its parts or concepts, and a class means the head's logit, both computed through the model and the head")
	private java.io.File head;

	@Parameter(label = "Target class", persist = false, required = false,
		description = "the class to visualise: a name or an index; with a `head` also `part k` (InfoDisent: that part's evidence) or `concept k` (Bi-ICE: that concept's activation)")
	private String target = "";

	@Parameter(label = "Image folder (empty: the current image)", persist = false, required = false, style = FileWidget.DIRECTORY_STYLE,
		description = "images whose mean magnitude spectrum (per channel, after the model's normalisation; the spectrum is kept exactly, conjugate frequencies tied so the image is real, and the mean keeps its sign) the visualisation keeps; empty = the current image or stack. For grayscale or microscopy models this keeps the texture and contrast of your own images. Images must have the model's input size")
	private java.io.File folder;

	@Parameter(label = "Recipe", persist = false, choices = { "reference", "simple" },
		description = "`reference`: [MACO](../methods/maco.md) as its paper and Xplique run it (a canvas of the input side \u00d7 512/224, `crops` random crops per step with box sizes falling from 0.5 to 0.05, noise, values through a sigmoid into the images' range, Nadam); `simple`: ConceptScope's first variant (an input-sized image, one crop per step of side in [`crop`, 1], Adam, the magnitude kept exactly)")
	private String recipe = "reference";

	@Parameter(label = "Steps", persist = false, min = "1",
		description = "optimisation steps on the Fourier phase")
	private int steps = 200;

	@Parameter(label = "Learning rate (simple)", persist = false, min = "0.000001",
		description = "`simple`: Adam step size (radians); `reference` uses Xplique's Nadam at 1.0 on the standardised phase")
	private double learning_rate = 0.05;

	@Parameter(label = "Crop (smallest side, simple)", persist = false, min = "0.001", max = "1",
		description = "`simple`: each step scores a random crop whose side is between `crop` and 1 of the image, resized back")
	private double crop = 0.8;

	@Parameter(label = "Crops per step (reference)", persist = false, min = "1",
		description = "`reference`: random crops scored per step (the objective is their mean)")
	private int crops = 32;

	@Parameter(label = "Noise (reference)", persist = false, min = "0",
		description = "`reference`: noise added to every crop value: Gaussian of this standard deviation plus uniform in \u00b1noise/2")
	private double noise = 0.08;

	@Parameter(label = "Canvas side (0: automatic)", persist = false, min = "0",
		description = "`reference`: side of the optimised canvas in pixels (at least the model input); 0 = the input side \u00d7 512/224, Xplique's canvas for 224-pixel models")
	private int canvas = 0;

	@Parameter(label = "Random seed", persist = false,
		description = "start phase and crops: the same seed gives the same image")
	private long seed = 42L;

	@Parameter(label = "Save to folder (empty: do not save)", persist = false, required = false, style = FileWidget.DIRECTORY_STYLE,
		description = "folder for `<model>-<class>-maco.tif` (with a head `<model>-<head>-part-k-maco.tif`), `-maco-scores.csv` (`step, score`: the target score of each step's crop, the mean over its crops for `reference`) and `-maco-scores.png`")
	private java.io.File save_dir;

	/** The inputs by key, for {@link org.conceptscope.fiji.param.CommandSpec#inputs}. */
	private java.util.Map<String, Object> inputs() {
		java.util.Map<String, Object> in = new java.util.LinkedHashMap<>();
		in.put("model", model);
		in.put("head", head);
		in.put("target", target);
		in.put("folder", folder);
		in.put("recipe", recipe);
		in.put("steps", steps);
		in.put("learning_rate", learning_rate);
		in.put("crop", crop);
		in.put("crops", crops);
		in.put("noise", noise);
		in.put("canvas", canvas);
		in.put("seed", seed);
		in.put("save_dir", save_dir);
		return in;
	}
	// </inputs>

	@Parameter(label = "Visualization", type = ItemIO.OUTPUT)
	private ImagePlus visualization;

	@Parameter
	private LogService log;

	@Parameter(required = false)
	private UIService ui;

	@Override
	public void run() {
		CommandTasks.run("Feature Visualization", log, ui, this::cancel, progress -> {
			FeatureVisualizationRun.Result r = FeatureVisualizationRun.run(image, settings(), progress);
			visualization = r.image();
			if (ResultsDisplay.interactive()) r.plot().show();
			progress.finished(FeatureVisualizationRun.summary(r));
		});
	}

	FeatureVisualizationSettings settings() {
		return FeatureVisualizationSettings.of(CommandSpecs.FEATURE_VISUALIZATION.inputs(inputs()));
	}
}
