package org.conceptscope.fiji.commands;

import ij.ImagePlus;

import java.io.File;
import java.nio.file.Path;

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

	@Parameter(label = "Model folder", style = FileWidget.DIRECTORY_STYLE, persist = false)
	private File model;

	@Parameter(label = "Folder (one subfolder per class)", style = FileWidget.DIRECTORY_STYLE, required = false, persist = false)
	private File folder;

	@Parameter(label = "Head", choices = { HeadTrainingSettings.INFODISENT, HeadTrainingSettings.BI_ICE }, persist = false)
	private String head = HeadTrainingSettings.DEFAULT_HEAD;

	@Parameter(label = "Layer (empty: last spatial layer)", required = false, persist = false)
	private String layer = HeadTrainingSettings.DEFAULT_LAYER;

	@Parameter(label = "Concepts (bi_ice)", persist = false, min = "2")
	private int concepts = HeadTrainingSettings.DEFAULT_CONCEPTS;

	@Parameter(label = "Concept dimension (bi_ice)", persist = false, min = "1")
	private int dimension = HeadTrainingSettings.DEFAULT_DIMENSION;

	@Parameter(label = "Sparsity (bi_ice)", persist = false, min = "0")
	private double sparsity = HeadTrainingSettings.DEFAULT_SPARSITY;

	@Parameter(label = "Binding iterations (bi_ice)", persist = false, min = "1")
	private int iterations = HeadTrainingSettings.DEFAULT_ITERATIONS;

	@Parameter(label = "Training steps", persist = false, min = "1")
	private int steps = HeadTrainingSettings.DEFAULT_STEPS;

	@Parameter(label = "Batch size", persist = false, min = "1")
	private int batch_size = HeadTrainingSettings.DEFAULT_BATCH_SIZE;

	@Parameter(label = "Learning rate", persist = false, min = "0.000001", max = "1")
	private double learning_rate = HeadTrainingSettings.DEFAULT_LEARNING_RATE;

	@Parameter(label = "Seed", persist = false)
	private long seed = HeadTrainingSettings.DEFAULT_SEED;

	@Parameter(label = "Held-out fraction", persist = false, min = "0.01", max = "0.99")
	private double held_out = HeadTrainingSettings.DEFAULT_HELD_OUT;

	@Parameter(label = "Prototypes per unit (montage)", persist = false, min = "1")
	private int prototypes = HeadTrainingSettings.DEFAULT_PROTOTYPES;

	@Parameter(required = false, label = "Save to folder", style = FileWidget.DIRECTORY_STYLE, persist = false)
	private File save_dir;

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
		HeadTrainingSettings s = new HeadTrainingSettings();
		s.model = ConceptDiscoveryCommand.path(model);
		s.folder = ConceptDiscoveryCommand.path(folder);
		s.head = head;
		s.layer = layer == null ? "" : layer;
		s.concepts = concepts;
		s.dimension = dimension;
		s.sparsity = sparsity;
		s.iterations = iterations;
		s.steps = steps;
		s.batchSize = batch_size;
		s.learningRate = learning_rate;
		s.seed = seed;
		s.heldOut = held_out;
		s.prototypes = prototypes;
		s.saveDir = ConceptDiscoveryCommand.path(save_dir);
		return s;
	}
}
