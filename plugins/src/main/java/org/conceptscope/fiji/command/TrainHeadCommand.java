package org.conceptscope.fiji.command;

import org.conceptscope.fiji.run.HeadTrainingRun;
import org.conceptscope.fiji.run.HeadTrainingSettings;
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
 * Plugins &gt; ConceptScope &gt; Train Interpretable Head... as a SciJava command: an InfoDisent or
 * Bi-ICE head on a frozen model, from a folder with one subfolder per class. Parameter names are
 * the ImageJ 1.x plugin's macro keys; {@link HeadTrainingRun} does the work.
 */
@Plugin(type = Command.class, menuPath = "Plugins>ConceptScope>Train Interpretable Head...", headless = true,
	description = "Trains an InfoDisent or Bi-ICE head on a model's feature map from labelled image folders")
public class TrainHeadCommand extends ContextCommand {

	// <inputs: generated from org.conceptscope.fiji.param.CommandSpecs; edit the declarations, not these fields (CommandSourcesTest rewrites them with CONCEPTSCOPE_WRITE_DOCS=1)>
	@Parameter(label = "Model folder", persist = false, style = FileWidget.DIRECTORY_STYLE,
		description = "the backbone: folder holding `saved_model.pb`; it stays frozen")
	private java.io.File model;

	@Parameter(label = "Image folder (empty: the current image)", persist = false, required = false, style = FileWidget.DIRECTORY_STYLE,
		description = "one subfolder of images per class (above)")
	private java.io.File folder;

	@Parameter(label = "Head", persist = false, choices = { "infodisent", "bi_ice" },
		description = "`infodisent`: one prototypical part per channel of the layer (an orthogonal rotation of the channels, max positive minus max negative evidence, non-negative classifier); `bi_ice`: `concepts` concept embeddings interacting with the patch embeddings both ways")
	private String head = "infodisent";

	@Parameter(label = "Layer (empty: the last spatial layer)", persist = false, required = false,
		description = "the spatial layer the head reads (Model Info lists them); empty = the last spatial layer")
	private String layer = "";

	@Parameter(label = "Concepts", persist = false, min = "2",
		description = "bi_ice: number of concepts (at least 2)")
	private int concepts = 6;

	@Parameter(label = "Concept dimension", persist = false, min = "1",
		description = "bi_ice: dimension of the concept and patch embeddings")
	private int dimension = 16;

	@Parameter(label = "Sparsity", persist = false, min = "0",
		description = "bi_ice: weight of the L1 penalty on each concept's direction in the layer's channels (mean absolute entry)")
	private double sparsity = 0.01;

	@Parameter(label = "Binding iterations", persist = false, min = "1",
		description = "bi_ice: rounds of bidirectional binding (concepts compete for the patches and take in those they win, patches receive the concepts they choose); the published model iterates; 1 = one static round")
	private int iterations = 3;

	@Parameter(label = "Training steps", persist = false, min = "1",
		description = "Adam steps on cross-entropy")
	private int steps = 400;

	@Parameter(label = "Batch size", persist = false, min = "1",
		description = "images per Adam step (an epoch is one pass over the training images)")
	private int batch_size = 32;

	@Parameter(label = "Learning rate", persist = false, min = "0.000001",
		description = "Adam step size")
	private double learning_rate = 0.01;

	@Parameter(label = "Random seed", persist = false,
		description = "initial weights, batch order and the held-out split")
	private long seed = 42L;

	@Parameter(label = "Held-out share", persist = false, min = "0.001", max = "0.999",
		description = "share of each class's images held out (seeded; at least one per class with two images or more) for the accuracy table; the head trains on the rest")
	private double held_out = 0.2;

	@Parameter(label = "Prototypes per unit", persist = false, min = "1",
		description = "top-activating training patches per part/concept in the montage")
	private int prototypes = 6;

	@Parameter(label = "Save to folder (empty: do not save)", persist = false, required = false, style = FileWidget.DIRECTORY_STYLE,
		description = "folder for the files below")
	private java.io.File save_dir;

	/** The inputs by key, for {@link org.conceptscope.fiji.param.CommandSpec#inputs}. */
	private java.util.Map<String, Object> inputs() {
		java.util.Map<String, Object> in = new java.util.LinkedHashMap<>();
		in.put("model", model);
		in.put("folder", folder);
		in.put("head", head);
		in.put("layer", layer);
		in.put("concepts", concepts);
		in.put("dimension", dimension);
		in.put("sparsity", sparsity);
		in.put("iterations", iterations);
		in.put("steps", steps);
		in.put("batch_size", batch_size);
		in.put("learning_rate", learning_rate);
		in.put("seed", seed);
		in.put("held_out", held_out);
		in.put("prototypes", prototypes);
		in.put("save_dir", save_dir);
		return in;
	}
	// </inputs>

	@Parameter(label = "Prototypes", type = ItemIO.OUTPUT)
	private ImagePlus montage;

	@Parameter
	private LogService log;

	@Parameter(required = false)
	private UIService ui;

	@Override
	public void run() {
		CommandTasks.run("Train Interpretable Head", log, ui, this::cancel, progress -> {
			HeadTrainingRun.Result r = HeadTrainingRun.run(settings(), progress);
			montage = r.prototypes();
			if (ResultsDisplay.interactive()) {
				r.accuracy().show("Head accuracy");
				if (r.convergence() != null) r.convergence().show();
			}
			progress.finished(HeadTrainingRun.summary(r));
		});
	}

	HeadTrainingSettings settings() {
		return HeadTrainingSettings.of(CommandSpecs.TRAIN_INTERPRETABLE_HEAD.inputs(inputs()));
	}
}
