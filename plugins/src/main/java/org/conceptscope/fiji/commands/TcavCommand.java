package org.conceptscope.fiji.commands;

import ij.ImagePlus;

import java.io.File;

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

	@Parameter(label = "Model folder", style = FileWidget.DIRECTORY_STYLE, persist = false)
	private File model;

	@Parameter(style = FileWidget.DIRECTORY_STYLE, label = "Class images folder (empty: the image)", required = false, persist = false)
	private File folder;

	@Parameter(style = FileWidget.DIRECTORY_STYLE, label = "Concept folder (empty: named ROIs)", required = false, persist = false)
	private File concepts;

	@Parameter(style = FileWidget.DIRECTORY_STYLE, label = "Random counterexamples folder", required = false, persist = false)
	private File random;

	@Parameter(label = "Target class", persist = false)
	private String target = AttributionSettings.PREDICTED;

	@Parameter(label = "Layers (empty: the last spatial layer)", required = false, persist = false)
	private String layers = "";

	@Parameter(label = "Runs (random sets)", persist = false, min = "2")
	private int runs = TcavSettings.DEFAULT_RUNS;

	@Parameter(label = "Significance level", persist = false)
	private double alpha = TcavSettings.DEFAULT_ALPHA;

	@Parameter(label = "Random seed", persist = false)
	private long seed = TcavSettings.DEFAULT_SEED;

	@Parameter(style = FileWidget.OPEN_STYLE, label = "CAV bank to score (empty: test concepts)", required = false, persist = false)
	private File cavs;

	@Parameter(style = FileWidget.DIRECTORY_STYLE, label = "Save to folder (required headless)", required = false, persist = false)
	private File save_dir;

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
		TcavSettings s = new TcavSettings();
		s.model = ConceptDiscoveryCommand.path(model);
		s.folder = ConceptDiscoveryCommand.path(folder);
		s.concepts = ConceptDiscoveryCommand.path(concepts);
		s.random = ConceptDiscoveryCommand.path(random);
		s.target = target;
		s.layers = layers == null ? "" : layers;
		s.runs = runs;
		s.alpha = alpha;
		s.seed = seed;
		s.cavs = ConceptDiscoveryCommand.path(cavs);
		s.saveDir = ConceptDiscoveryCommand.path(save_dir);
		return s;
	}
}
