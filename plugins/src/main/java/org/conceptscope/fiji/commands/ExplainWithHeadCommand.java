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
 * Plugins &gt; ConceptScope &gt; Explain with Head... as a SciJava command: per slice, the parts or
 * concepts of a saved interpretable head with the largest contributions, their maps and ROIs.
 * Parameter names are the ImageJ 1.x plugin's macro keys; {@link HeadExplanationRun} does the work.
 */
@Plugin(type = Command.class, menuPath = "Plugins>ConceptScope>Explain with Head...", headless = true,
	description = "Top parts or concepts of a trained interpretable head per slice, as channels, ROIs and a table")
public class ExplainWithHeadCommand extends ContextCommand {

	// Not required: without an image the command says "No image is open: ..." itself, not SciJava's generic message.
	@Parameter(label = "Image", required = false, description = "The image or stack to explain (only read).")
	private ImagePlus image;

	@Parameter(label = "Model folder (the backbone)", style = FileWidget.DIRECTORY_STYLE, persist = false)
	private File model;

	@Parameter(label = "Head folder", style = FileWidget.DIRECTORY_STYLE, required = false, persist = false)
	private File head;

	@Parameter(label = "Target class", persist = false, description = "predicted (the head's prediction), a class name or index.")
	private String target = HeadExplanationSettings.DEFAULT_TARGET;

	@Parameter(label = "Top parts/concepts per slice", persist = false, min = "1")
	private int top = HeadExplanationSettings.DEFAULT_TOP;

	@Parameter(label = "Top fraction (ROI)", persist = false, min = "0.001", max = "1")
	private double top_fraction = HeadExplanationSettings.DEFAULT_TOP_FRACTION;

	@Parameter(label = "Bias row", persist = false)
	private boolean bias;

	@Parameter(style = FileWidget.DIRECTORY_STYLE, label = "Save to folder (empty: nothing saved)", required = false, persist = false)
	private File save_dir;

	@Parameter(label = "Explanation", type = ItemIO.OUTPUT)
	private ImagePlus explanation;

	@Parameter
	private LogService log;

	@Parameter(required = false)
	private UIService ui;

	@Override
	public void run() {
		CommandTasks.run("Explain with Head", log, ui, this::cancel, progress -> {
			HeadExplanationRun.Result r = HeadExplanationRun.run(image, settings(), progress);
			explanation = r.image();
			HeadExplanationRun.show(r);
			progress.finished(r.rois().size() + " ROI(s) of " + r.head().kind() + " " + r.head().unitName() + "s.");
		});
	}

	HeadExplanationSettings settings() {
		HeadExplanationSettings s = new HeadExplanationSettings();
		s.model = ConceptDiscoveryCommand.path(model);
		s.head = ConceptDiscoveryCommand.path(head);
		s.target = target;
		s.top = top;
		s.topFraction = top_fraction;
		s.bias = bias;
		s.saveDir = ConceptDiscoveryCommand.path(save_dir);
		return s;
	}
}
