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

	@Parameter(label = "Model folder", style = FileWidget.DIRECTORY_STYLE, persist = false)
	private File model;

	@Parameter(required = false, style = FileWidget.OPEN_STYLE, label = "Concept bank (concepts.json)", persist = false)
	private File concepts;

	@Parameter(style = FileWidget.DIRECTORY_STYLE, label = "Folder of images (empty: the image)", required = false, persist = false)
	private File folder;

	@Parameter(label = "Estimator", persist = false, choices = { "sobol", "gradient", "deletion" })
	private String estimator = ConceptImportanceSettings.DEFAULT_ESTIMATOR;

	@Parameter(label = "Designs (sobol)", persist = false, min = "2")
	private int designs = ConceptImportanceSettings.DEFAULT_DESIGNS;

	@Parameter(label = "Seed (sobol)", persist = false)
	private long seed = ConceptImportanceSettings.DEFAULT_SEED;

	@Parameter(label = "Save the bank with these importances (into save_dir)", persist = false)
	private boolean update_bank = ConceptImportanceSettings.DEFAULT_UPDATE_BANK;

	@Parameter(style = FileWidget.DIRECTORY_STYLE, label = "Save to folder (required headless)", required = false, persist = false)
	private File save_dir;

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
		ConceptImportanceSettings s = new ConceptImportanceSettings();
		s.model = ConceptDiscoveryCommand.path(model);
		s.concepts = ConceptDiscoveryCommand.path(concepts);
		s.folder = ConceptDiscoveryCommand.path(folder);
		s.estimator = estimator;
		s.designs = designs;
		s.seed = seed;
		s.updateBank = update_bank;
		s.saveDir = ConceptDiscoveryCommand.path(save_dir);
		return s;
	}
}
