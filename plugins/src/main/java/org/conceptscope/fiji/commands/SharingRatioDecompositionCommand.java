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
 * Plugins &gt; ConceptScope &gt; Sharing Ratio Decomposition... as a SciJava command: SRD relevance
 * maps of every slice, the ERF of one pointwise feature vector, and the APOP diagnostic.
 * {@link SharingRatioRun} does the work; parameter names are the ImageJ 1.x macro keys.
 */
@Plugin(type = Command.class, menuPath = "Plugins>ConceptScope>Sharing Ratio Decomposition...", headless = true,
	description = "Sharing Ratio Decomposition: relevance maps, effective receptive fields and APOP, per slice")
public class SharingRatioDecompositionCommand extends ContextCommand {

	// Not required: without an image the command says "No image is open: ..." itself, not SciJava's generic message.
	@Parameter(label = "Image", required = false, description = "The image or stack to explain (only read).")
	private ImagePlus image;

	@Parameter(label = "Model folder", style = FileWidget.DIRECTORY_STYLE, persist = false)
	private File model;

	@Parameter(label = "Target class", persist = false, description = "predicted, a class name or a class index.")
	private String target = SharingRatioSettings.DEFAULT_TARGET;

	@Parameter(label = "ERF layer (empty: no ERF)", required = false, persist = false,
		description = "A spatial layer (Model Info lists them): the ERF of its PFV at (x, y) is computed too.")
	private String erf_layer = SharingRatioSettings.DEFAULT_ERF_LAYER;

	@Parameter(label = "x (image pixel; -1: centre)", persist = false, min = "-1")
	private int x = SharingRatioSettings.DEFAULT_X;

	@Parameter(label = "y (image pixel; -1: centre)", persist = false, min = "-1")
	private int y = SharingRatioSettings.DEFAULT_Y;

	@Parameter(label = "ERF mass (ROI)", persist = false, min = "0.001", max = "1")
	private double erf_mass = SharingRatioSettings.DEFAULT_ERF_MASS;

	@Parameter(label = "APOP blank value (normalised units)", persist = false)
	private double apop_fill = SharingRatioSettings.DEFAULT_APOP_FILL;

	@Parameter(label = "Output", persist = false, choices = { "channel", "image" })
	private String output = SharingRatioSettings.DEFAULT_OUTPUT;

	@Parameter(label = "Top fraction (ROIs)", persist = false, min = "0.001", max = "1")
	private double top_fraction = SharingRatioSettings.DEFAULT_TOP_FRACTION;

	@Parameter(style = FileWidget.DIRECTORY_STYLE, label = "Save to folder (empty: do not save)", required = false, persist = false)
	private File save_dir;

	@Parameter(label = "Decomposition", type = ItemIO.OUTPUT)
	private ImagePlus decomposition;

	@Parameter
	private LogService log;

	@Parameter(required = false)
	private UIService ui;

	@Override
	public void run() {
		CommandTasks.run("Sharing Ratio Decomposition", log, ui, this::cancel, progress -> {
			SharingRatioRun.Result r = SharingRatioRun.run(image, settings(), progress);
			decomposition = r.image();
			ConceptDisplay.showTableAndRois(r.table(), r.image().getTitle() + "-results", r.rois(), r.image());
			progress.finished(r.analysis().slices().size() + " slice(s) decomposed.");
		});
	}

	SharingRatioSettings settings() {
		SharingRatioSettings s = new SharingRatioSettings();
		s.model = ConceptDiscoveryCommand.path(model);
		s.target = target;
		s.erfLayer = erf_layer == null ? "" : erf_layer.trim();
		s.x = x;
		s.y = y;
		s.erfMass = erf_mass;
		s.apopFill = apop_fill;
		s.output = output;
		s.topFraction = top_fraction;
		s.saveDir = ConceptDiscoveryCommand.path(save_dir);
		return s;
	}
}
