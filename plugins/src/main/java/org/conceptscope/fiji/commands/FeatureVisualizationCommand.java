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

	@Parameter(label = "Model folder", style = FileWidget.DIRECTORY_STYLE, persist = false)
	private File model;

	@Parameter(style = FileWidget.DIRECTORY_STYLE, label = "Head folder (optional)", required = false, persist = false,
		description = "A head saved by Train Interpretable Head: visualise one of its parts/concepts or classes.")
	private File head;

	@Parameter(label = "Target", persist = false, description = "A class name or index; with a head also part k or concept k.")
	private String target = "";

	@Parameter(style = FileWidget.DIRECTORY_STYLE, label = "Folder of spectrum images (empty: the image)", required = false, persist = false)
	private File folder;

	@Parameter(label = "Recipe", persist = false, choices = { "reference", "simple" })
	private String recipe = FeatureVisualizationSettings.DEFAULT_RECIPE;

	@Parameter(label = "Steps", persist = false, min = "1")
	private int steps = FeatureVisualizationSettings.DEFAULT_STEPS;

	@Parameter(label = "Learning rate (radians per step, simple)", persist = false, min = "0.000001", max = "10")
	private double learning_rate = FeatureVisualizationSettings.DEFAULT_LEARNING_RATE;

	@Parameter(label = "Smallest crop (fraction of the side, simple)", persist = false, min = "0.01", max = "1")
	private double crop = FeatureVisualizationSettings.DEFAULT_CROP;

	@Parameter(label = "Crops per step (reference)", persist = false, min = "1")
	private int crops = FeatureVisualizationSettings.DEFAULT_CROPS;

	@Parameter(label = "Noise (reference)", persist = false, min = "0")
	private double noise = FeatureVisualizationSettings.DEFAULT_NOISE;

	@Parameter(label = "Canvas side (0: automatic, reference)", persist = false, min = "0")
	private int canvas = FeatureVisualizationSettings.DEFAULT_CANVAS;

	@Parameter(label = "Seed", persist = false)
	private long seed = FeatureVisualizationSettings.DEFAULT_SEED;

	@Parameter(style = FileWidget.DIRECTORY_STYLE, label = "Save to folder (empty: nothing saved)", required = false, persist = false)
	private File save_dir;

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
		FeatureVisualizationSettings s = new FeatureVisualizationSettings();
		s.model = ConceptDiscoveryCommand.path(model);
		s.head = ConceptDiscoveryCommand.path(head);
		s.target = target;
		s.folder = ConceptDiscoveryCommand.path(folder);
		s.recipe = recipe;
		s.steps = steps;
		s.learningRate = learning_rate;
		s.crop = crop;
		s.crops = crops;
		s.noise = noise;
		s.canvas = canvas;
		s.seed = seed;
		s.saveDir = ConceptDiscoveryCommand.path(save_dir);
		return s;
	}
}
