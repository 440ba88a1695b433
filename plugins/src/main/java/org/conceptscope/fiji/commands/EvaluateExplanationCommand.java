package org.conceptscope.fiji.commands;

import ij.ImagePlus;

import java.io.File;
import java.nio.file.Path;

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

	@Parameter(label = "Model folder", style = FileWidget.DIRECTORY_STYLE, persist = false)
	private File model;

	@Parameter(label = "Method", persist = false, choices = { "saliency", "gradient_x_input", "integrated_gradients",
		"smoothgrad", "vargrad", "squaregrad", "gradcam", "gradcam_plus_plus", "guided_backprop", "deconvnet", "occlusion", "rise", "sobol",
		"hsic", "lime", "kernel_shap", "eva", "srd" })
	private String method = EvaluationSettings.DEFAULT_METHOD;

	@Parameter(label = "Metric", persist = false, choices = { "deletion", "insertion", "mufidelity", "sanity", "mege_reco" })
	private String metric = EvaluationSettings.DEFAULT_METRIC;

	@Parameter(label = "Target class", persist = false)
	private String target = EvaluationSettings.DEFAULT_TARGET;

	@Parameter(label = "Steps (deletion, insertion)", persist = false, min = "1")
	private int steps = EvaluationSettings.DEFAULT_STEPS;

	@Parameter(label = "Samples (mufidelity)", persist = false, min = "2")
	private int samples = EvaluationSettings.DEFAULT_SAMPLES;

	@Parameter(label = "Seed", persist = false)
	private long seed = EvaluationSettings.DEFAULT_SEED;

	@Parameter(style = FileWidget.DIRECTORY_STYLE, label = "Folder of class subfolders (mege_reco)", required = false, persist = false,
		description = "One subfolder of images per class, named after the model's classes.")
	private File folder;

	@Parameter(label = "Methods compared (mege_reco)", persist = false, description = "Attribution methods or random, separated by commas.")
	private String methods = EvaluationSettings.DEFAULT_METHODS;

	@Parameter(label = "Folds = models trained (mege_reco)", persist = false, min = "2")
	private int folds = EvaluationSettings.DEFAULT_FOLDS;

	@Parameter(label = "Architecture (mege_reco; empty: from the model card)", required = false, persist = false,
		description = "e.g. conv 16,32,32; kernel 3; pool; global average")
	private String architecture = EvaluationSettings.DEFAULT_ARCHITECTURE;

	@Parameter(label = "Training steps per model (mege_reco)", persist = false, min = "1")
	private int training_steps = EvaluationSettings.DEFAULT_TRAINING_STEPS;

	@Parameter(style = FileWidget.DIRECTORY_STYLE, label = "Save to folder (empty: do not save)", required = false, persist = false)
	private File save_dir;

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
		EvaluationSettings s = new EvaluationSettings();
		s.model = ConceptDiscoveryCommand.path(model);
		s.method = method;
		s.metric = metric;
		s.target = target;
		s.steps = steps;
		s.samples = samples;
		s.seed = seed;
		s.folder = ConceptDiscoveryCommand.path(folder);
		s.methods = methods;
		s.folds = folds;
		s.architecture = architecture == null ? "" : architecture.trim();
		s.trainingSteps = training_steps;
		s.saveDir = ConceptDiscoveryCommand.path(save_dir);
		return s;
	}
}
