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

	@Parameter(label = "Model folder", style = FileWidget.DIRECTORY_STYLE, persist = false)
	private File model;

	@Parameter(style = FileWidget.DIRECTORY_STYLE, label = "Folder of images (empty: the image)", required = false, persist = false)
	private File folder;

	@Parameter(label = "Layers (comma-separated; empty: last two blocks)", required = false, persist = false)
	private String layers = ConceptGraphSettings.DEFAULT_LAYERS;

	@Parameter(label = "Target class", persist = false, description = "predicted (the majority prediction), a class name or index.")
	private String target = ConceptGraphSettings.DEFAULT_TARGET;

	@Parameter(label = "Concepts per layer", persist = false, min = "1")
	private int concepts = ConceptGraphSettings.DEFAULT_CONCEPTS;

	@Parameter(label = "PFV samples per layer", persist = false, min = "1")
	private int samples = ConceptGraphSettings.DEFAULT_SAMPLES;

	@Parameter(label = "Seed", persist = false)
	private long seed = ConceptGraphSettings.DEFAULT_SEED;

	@Parameter(label = "GIG steps", persist = false, min = "1")
	private int steps = ConceptGraphSettings.DEFAULT_STEPS;

	@Parameter(label = "ERF examples per concept", persist = false, min = "1")
	private int examples = ConceptGraphSettings.DEFAULT_EXAMPLES;

	@Parameter(label = "ERF mass (outline)", persist = false, min = "0.001", max = "1")
	private double erf_mass = ConceptGraphSettings.DEFAULT_ERF_MASS;

	@Parameter(label = "Top fraction (concept ROIs)", persist = false, min = "0.001", max = "1")
	private double top_fraction = ConceptGraphSettings.DEFAULT_TOP_FRACTION;

	@Parameter(label = "Output (concept maps)", persist = false, choices = { "channel", "image" })
	private String output = ConceptGraphSettings.DEFAULT_OUTPUT;

	@Parameter(style = FileWidget.DIRECTORY_STYLE, label = "Save to folder (required headless)", required = false, persist = false)
	private File save_dir;

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
		ConceptGraphSettings s = new ConceptGraphSettings();
		s.model = ConceptDiscoveryCommand.path(model);
		s.folder = ConceptDiscoveryCommand.path(folder);
		s.layers = layers == null ? "" : layers.trim();
		s.target = target;
		s.concepts = concepts;
		s.samples = samples;
		s.seed = seed;
		s.steps = steps;
		s.examples = examples;
		s.erfMass = erf_mass;
		s.topFraction = top_fraction;
		s.output = output;
		s.saveDir = ConceptDiscoveryCommand.path(save_dir);
		return s;
	}
}
