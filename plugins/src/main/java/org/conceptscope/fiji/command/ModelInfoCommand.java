package org.conceptscope.fiji.command;

import org.conceptscope.fiji.run.ModelReport;
import org.conceptscope.fiji.display.ResultsDisplay;
import java.nio.file.Path;

import org.conceptscope.registry.Values;
import org.conceptscope.fiji.param.CommandSpecs;
import org.scijava.ItemIO;
import org.scijava.command.Command;
import org.scijava.log.LogService;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;
import org.scijava.ui.UIService;

/**
 * Plugins &gt; ConceptScope &gt; Model Info... as a SciJava command: the model's signature,
 * normalisation, classes and layers as text (the output), the layers as a table when there is a
 * display, and both as files with the save folder ({@link org.conceptscope.fiji.param.CommandSpecs#SAVE_DIR}). Same keys as the ImageJ 1.x plugin.
 */
@Plugin(type = Command.class, menuPath = "Plugins>ConceptScope>Model Info...", headless = true,
	description = "Signature, normalisation, classes and layers of a TensorFlow classifier")
public class ModelInfoCommand extends CommandInputs.ModelInfo {

	/** The macro keys (and parameter names). */
	public static final java.util.List<String> KEYS = CommandSpecs.MODEL_INFO.keys();

	@Parameter(label = "Model info", type = ItemIO.OUTPUT)
	private String info;

	@Parameter
	private LogService log;

	@Parameter(required = false)
	private UIService ui;

	@Override
	public void run() {
		CommandTasks.run("Model Info", log, ui, this::cancel, progress -> {
			Values v = CommandSpecs.MODEL_INFO.inputs(inputs());
			ModelReport report = ModelReport.run(v.path(CommandSpecs.MODEL.key()), v.path(CommandSpecs.SAVE_DIR.key()),
			v.flag(CommandSpecs.OVERWRITE.key()));
			info = report.text();
			ResultsDisplay.showTable(report.layersTable(), report.name() + " layers", true);
			progress.statusOnly("model " + report.name() + " described."); // the run wrote its result to the Log
		});
	}
}
