package org.conceptscope.fiji.command;

import org.conceptscope.fiji.run.EvaluationRun;
import org.conceptscope.fiji.run.EvaluationSettings;
import org.conceptscope.fiji.display.ResultsDisplay;
import ij.ImagePlus;

import java.nio.file.Path;

import org.conceptscope.fiji.param.CommandSpecs;
import org.scijava.command.Command;
import org.scijava.command.ContextCommand;
import org.scijava.log.LogService;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;
import org.scijava.ui.UIService;
import org.scijava.widget.FileWidget;

/**
 * Plugins &gt; ConceptScope &gt; Evaluate Explanation... as a SciJava command: how faithful one
 * attribution method's maps are, per slice, by one metric. {@link EvaluationRun} does the work.
 */
@Plugin(type = Command.class, menuPath = "Plugins>ConceptScope>Evaluate Explanation...", headless = true,
	description = "Deletion, insertion, MuFidelity or a sanity check of an attribution method per slice, or MeGe/ReCo of methods on a labelled folder")
public class EvaluateExplanationCommand extends ContextCommand {

	@Parameter(label = "Image (unused by mege_reco)", required = false, description = "The image or stack (only read).")
	private ImagePlus image;

	// <inputs: generated from org.conceptscope.fiji.param.CommandSpecs; edit the declarations, not these fields (CommandSourcesTest rewrites them with CONCEPTSCOPE_WRITE_DOCS=1)>
	@Parameter(label = "Model folder", persist = false, style = FileWidget.DIRECTORY_STYLE,
		description = "folder holding `saved_model.pb`")
	private java.io.File model;

	@Parameter(label = "Method", persist = false, choices = { "saliency", "gradient_x_input", "integrated_gradients", "smoothgrad", "vargrad", "squaregrad", "gradcam", "gradcam_plus_plus", "guided_backprop", "deconvnet", "occlusion", "rise", "sobol", "hsic", "lime", "kernel_shap", "eva", "srd" },
		description = "any Attribution method (with its defaults and this `seed`)")
	private String method = "saliency";

	@Parameter(label = "Metric", persist = false, choices = { "deletion", "insertion", "mufidelity", "average_drop", "increase_in_confidence", "complexity", "sparseness", "random_logit", "sanity", "mege_reco" },
		description = "`deletion`, `insertion` (AUC of the target probability as pixels are removed / inserted by decreasing attribution, baseline 0; lower / higher is better), `mufidelity` (correlation of map sums with logit drops over random 20 % subsets of an 8 \u00d7 8 grid; higher is better), `average_drop` (mean relative drop of the target probability when the image is multiplied by its map scaled to [0, 1]; lower is better; [page](../metrics/average_drop.md)), `increase_in_confidence` (fraction of slices whose target probability rises on that masked image; higher is better), `complexity` (entropy of the normalised absolute map; lower = more concentrated; [page](../metrics/complexity.md)), `sparseness` (Gini index of the absolute map; higher = more concentrated; [page](../metrics/sparseness.md)), `random_logit` (SSIM between the map of the target and the map of a random other class, drawn from `seed`; lower is better: a map that does not change with the class explains no class; [page](../metrics/random_logit.md)), `sanity` (Spearman correlation with the maps of a copy whose weights are all randomised; low is good), `mege_reco` (stability of explanations across retrained models, below; uses `folder` and `methods`, not the image or `method`)")
	private String metric = "deletion";

	@Parameter(label = "Target class", persist = false, required = false,
		description = "as for Attribution")
	private String target = "predicted";

	@Parameter(label = "Steps", persist = false, min = "1",
		description = "deletion, insertion: steps of the curve")
	private int steps = 16;

	@Parameter(label = "Samples", persist = false, min = "2",
		description = "mufidelity: random subsets")
	private int samples = 128;

	@Parameter(label = "Random seed", persist = false,
		description = "the method's and the metric's random choices; for mege_reco also the folds, each model's initial weights and batches (model f uses seed + f)")
	private long seed = 42L;

	@Parameter(label = "Labelled images", persist = false, required = false, style = FileWidget.DIRECTORY_STYLE,
		description = "mege_reco: a folder with one subfolder of images per class, each named after a class of the model (exactly, or ignoring case with `_` for a space when unambiguous); images or stacks (`.tif`, `.tiff`, `.png`, `.jpg`, `.jpeg`, `.dcm`), every slice one sample, all of the model's input size; other files are skipped, an image outside the subfolders is an error; at least 2 classes and 2 \u00d7 `folds` images")
	private java.io.File folder;

	@Parameter(label = "Methods compared", persist = false, required = false,
		description = "mege_reco: the methods compared, separated by commas: any Attribution method (with its defaults and this `seed`) or `random` (uniform random maps, the baseline a faithful method should beat)")
	private String methods = "saliency,integrated_gradients,random";

	@Parameter(label = "Folds", persist = false, min = "2",
		description = "mege_reco: number of folds = models trained, each on all folds but one")
	private int folds = 4;

	@Parameter(label = "Architecture (empty = recorded)", persist = false, required = false,
		description = "mege_reco: the CNN the models are trained as; empty = the `metadata.architecture` line of the model's `conceptscope.json` (models trained by ConceptScope have it; it is checked against the model's weights), else e.g. `architecture=[conv 16,32,32; kernel 3; pool; global average]` (filters per 3\u00d73 conv + ReLU block, `kernel k`, `pool` for 2\u00d72 average pooling after each block, head `global average` or `flatten`); input size and classes are always the model's")
	private String architecture = "";

	@Parameter(label = "Training steps", persist = false, min = "1",
		description = "mege_reco: Adam steps per model (batch 32, learning rate 0.003, as the bundled models)")
	private int training_steps = 300;

	@Parameter(label = "Save to folder (empty: do not save)", persist = false, required = false, style = FileWidget.DIRECTORY_STYLE,
		description = "folder for `<title>-<method>-<metric>.csv` (`slice, frame, label, target, method, metric, value`, one row per slice, then a row `mean`) and, for deletion and insertion, `<title>-<method>-<metric>-curve.png` (mean curve); for mege_reco `<folder name>-mege_reco.csv`")
	private java.io.File save_dir;

	/** The inputs by key, for {@link org.conceptscope.fiji.param.CommandSpec#inputs}. */
	private java.util.Map<String, Object> inputs() {
		java.util.Map<String, Object> in = new java.util.LinkedHashMap<>();
		in.put("model", model);
		in.put("method", method);
		in.put("metric", metric);
		in.put("target", target);
		in.put("steps", steps);
		in.put("samples", samples);
		in.put("seed", seed);
		in.put("folder", folder);
		in.put("methods", methods);
		in.put("folds", folds);
		in.put("architecture", architecture);
		in.put("training_steps", training_steps);
		in.put("save_dir", save_dir);
		return in;
	}
	// </inputs>

	@Parameter
	private LogService log;

	@Parameter(required = false)
	private UIService ui;

	@Override
	public void run() {
		CommandTasks.run("Evaluate Explanation", log, ui, this::cancel, progress -> {
			EvaluationRun.Result r = EvaluationRun.run(image, settings(), progress);
			if (ResultsDisplay.interactive()) {
				r.table().show(r.metric() == null ? metric : method + " " + metric);
				if (r.plot() != null) r.plot().show();
			}
			progress.finished(r.summary() + ".");
		});
	}

	EvaluationSettings settings() {
		return EvaluationSettings.of(CommandSpecs.EVALUATE_EXPLANATION.inputs(inputs()));
	}
}
