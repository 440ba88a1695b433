package org.conceptscope.fiji.commands;

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
 * Plugins &gt; ConceptScope &gt; Model Info... as a SciJava command: the model's signature,
 * normalisation, classes and layers as text (the output), the layers as a table when there is a
 * display, and both as files with {@code save_dir}. Same keys as the ImageJ 1.x plugin.
 */
@Plugin(type = Command.class, menuPath = "Plugins>ConceptScope>Model Info...", headless = true,
	description = "Signature, normalisation, classes and layers of a TensorFlow classifier")
public class ModelInfoCommand extends ContextCommand {

	/** The macro keys (and parameter names). */
	public static final java.util.List<String> KEYS = java.util.List.of(AttributionSettings.MODEL, AttributionSettings.SAVE_DIR);

	@Parameter(label = "Model folder", style = FileWidget.DIRECTORY_STYLE, persist = false)
	private File model;

	@Parameter(style = FileWidget.DIRECTORY_STYLE, label = "Save to folder (empty: do not save)", required = false, persist = false)
	private File save_dir;

	@Parameter(label = "Model info", type = ItemIO.OUTPUT)
	private String info;

	@Parameter
	private LogService log;

	@Parameter(required = false)
	private UIService ui;

	@Override
	public void run() {
		CommandTasks.run("Model Info", log, ui, this::cancel, progress -> {
			ModelReport report = ModelReport.run(ConceptDiscoveryCommand.path(model),
				ConceptDiscoveryCommand.path(save_dir));
			info = report.text();
			if (ResultsDisplay.interactive()) report.layersTable().show(report.name() + " layers");
			progress.finished("model " + report.name() + " described.");
		});
	}
}
