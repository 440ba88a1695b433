package org.conceptscope.fiji.command;

import org.conceptscope.fiji.run.ModelReport;
import org.conceptscope.fiji.display.ResultsDisplay;
import java.nio.file.Path;

import org.conceptscope.registry.Values;
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
 * Plugins &gt; ConceptScope &gt; Model Info... as a SciJava command: the model's signature,
 * normalisation, classes and layers as text (the output), the layers as a table when there is a
 * display, and both as files with {@code save_dir}. Same keys as the ImageJ 1.x plugin.
 */
@Plugin(type = Command.class, menuPath = "Plugins>ConceptScope>Model Info...", headless = true,
	description = "Signature, normalisation, classes and layers of a TensorFlow classifier")
public class ModelInfoCommand extends ContextCommand {

	/** The macro keys (and parameter names). */
	public static final java.util.List<String> KEYS = CommandSpecs.MODEL_INFO.keys();

	// <inputs: generated from org.conceptscope.fiji.param.CommandSpecs; edit the declarations, not these fields (CommandSourcesTest rewrites them with CONCEPTSCOPE_WRITE_DOCS=1)>
	@Parameter(label = "Model folder", persist = false, style = FileWidget.DIRECTORY_STYLE,
		description = "folder holding `saved_model.pb`")
	private java.io.File model;

	@Parameter(label = "Save to folder (empty: do not save)", persist = false, required = false, style = FileWidget.DIRECTORY_STYLE,
		description = "writes `<model>-info.txt` and `<model>-layers.csv` there")
	private java.io.File save_dir;

	/** The inputs by key, for {@link org.conceptscope.fiji.param.CommandSpec#inputs}. */
	private java.util.Map<String, Object> inputs() {
		java.util.Map<String, Object> in = new java.util.LinkedHashMap<>();
		in.put("model", model);
		in.put("save_dir", save_dir);
		return in;
	}
	// </inputs>

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
			ModelReport report = ModelReport.run(v.path(CommandSpecs.MODEL.key()), v.path(CommandSpecs.SAVE_DIR.key()));
			info = report.text();
			if (ResultsDisplay.interactive()) report.layersTable().show(report.name() + " layers");
			progress.finished("model " + report.name() + " described.");
		});
	}
}
