package org.conceptscope.fiji.command;

import org.conceptscope.fiji.run.ConceptImportanceRun;
import org.conceptscope.fiji.run.ConceptImportanceSettings;
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
 * Plugins &gt; ConceptScope &gt; Concept Importance... as a SciJava command: the importance of each
 * concept of a saved bank on a stack or a folder of images, by Sobol indices, gradient x
 * coefficient or deletion. Parameter names are the ImageJ 1.x plugin's macro keys;
 * {@link ConceptImportanceRun} does the work.
 */
@Plugin(type = Command.class, menuPath = "Plugins>ConceptScope>Concept Importance...", headless = true,
	description = "How much each concept of a saved concept bank drives its class, by Sobol, gradient or deletion")
public class ConceptImportanceCommand extends ContextCommand {

	@Parameter(label = "Image (unused when a folder is set)", required = false,
		description = "A stack of images of the bank's class (only read).")
	private ImagePlus image;

	// <inputs: generated from org.conceptscope.fiji.param.CommandSpecs; edit the declarations, not these fields (CommandSourcesTest rewrites them with CONCEPTSCOPE_WRITE_DOCS=1)>
	@Parameter(label = "Model folder", persist = false, style = FileWidget.DIRECTORY_STYLE,
		description = "the model the concepts were discovered with (its layer and the bank's class must exist)")
	private java.io.File model;

	@Parameter(label = "Concepts file (concepts.json)", persist = false, required = false, style = FileWidget.OPEN_STYLE,
		description = "a `concepts.json` written by Concept Discovery")
	private java.io.File concepts;

	@Parameter(label = "Image folder (empty: the current image)", persist = false, required = false, style = FileWidget.DIRECTORY_STYLE,
		description = "a folder of images of the bank's class (as for Concept Discovery); empty = the current image or stack")
	private java.io.File folder;

	@Parameter(label = "Estimator", persist = false, choices = { "sobol", "gradient", "deletion" },
		description = "`sobol` (total-order Sobol indices of concept masks through h, CRAFT's estimator: what Concept Discovery stores), `gradient` (gradient \u00d7 coefficient: the first-order change of the class logit when a concept is removed, one pass), `deletion` (the mean drop of the class logit when a concept is removed from the rebuilt activations)")
	private String estimator = "sobol";

	@Parameter(label = "Sobol designs (sobol)", persist = false, min = "2",
		description = "sobol: quasi-Monte Carlo designs (h runs designs \u00d7 (concepts + 2) times per image)")
	private int designs = 32;

	@Parameter(label = "Random seed (sobol)", persist = false,
		description = "sobol: the designs' random shift; with Concept Discovery's images, designs and seed the importances are Discovery's own")
	private long seed = 42L;

	@Parameter(label = "Update the bank", persist = false,
		description = "also write the bank with these importances (and `importanceEstimator`) into `save_dir` under its own file name; `save_dir` = the bank's folder replaces it (atomically)")
	private boolean update_bank = false;

	@Parameter(label = "Save to folder (empty: do not save)", persist = false, required = false, style = FileWidget.DIRECTORY_STYLE,
		description = "folder for `<bank>-importance-<estimator>.csv` (`concept, estimator, importance, rank, bank_importance`: rank 1 = most important; `bank_importance` = what the bank held, NaN if nothing) and `<bank>-importance-<estimator>.png` (bar plot); **required headless**")
	private java.io.File save_dir;

	/** The inputs by key, for {@link org.conceptscope.fiji.param.CommandSpec#inputs}. */
	private java.util.Map<String, Object> inputs() {
		java.util.Map<String, Object> in = new java.util.LinkedHashMap<>();
		in.put("model", model);
		in.put("concepts", concepts);
		in.put("folder", folder);
		in.put("estimator", estimator);
		in.put("designs", designs);
		in.put("seed", seed);
		in.put("update_bank", update_bank);
		in.put("save_dir", save_dir);
		return in;
	}
	// </inputs>

	@Parameter(label = "Importance plot", type = ItemIO.OUTPUT)
	private ImagePlus importance;

	@Parameter
	private LogService log;

	@Parameter(required = false)
	private UIService ui;

	@Override
	public void run() {
		CommandTasks.run("Concept Importance", log, ui, this::cancel, progress -> {
			ConceptImportanceRun.Result r = ConceptImportanceRun.run(image, settings(), progress);
			importance = r.plot();
			if (ResultsDisplay.interactive()) {
				r.plot().show();
				r.table().show("Concept importance (" + estimator + ")");
			}
			progress.finished(r.importance().length + " concept(s) of " + r.bank().className + " by " + estimator + ".");
		});
	}

	ConceptImportanceSettings settings() {
		return ConceptImportanceSettings.of(CommandSpecs.CONCEPT_IMPORTANCE.inputs(inputs()));
	}
}
