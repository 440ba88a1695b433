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
 * Plugins &gt; ConceptScope &gt; Concept Discovery... as a SciJava command: CRAFT concepts of one
 * class, their importance and an atlas, from a stack or a folder of images. Parameter names are
 * the ImageJ 1.x plugin's macro keys; {@link ConceptDiscoveryRun} does the work.
 */
@Plugin(type = Command.class, menuPath = "Plugins>ConceptScope>Concept Discovery...", headless = true,
	description = "CRAFT concepts of one class, their importance and an atlas of examples")
public class ConceptDiscoveryCommand extends ContextCommand {

	@Parameter(label = "Image (unused when a folder is set)", required = false,
		description = "A stack of images of one class (only read).")
	private ImagePlus image;

	@Parameter(label = "Model folder", style = FileWidget.DIRECTORY_STYLE, persist = false)
	private File model;

	@Parameter(style = FileWidget.DIRECTORY_STYLE, label = "Folder of images (empty: the image)", required = false, persist = false)
	private File folder;

	@Parameter(label = "Layer (empty: last spatial layer)", required = false, persist = false)
	private String layer = ConceptDiscoverySettings.DEFAULT_LAYER;

	@Parameter(label = "Target class", persist = false, description = "predicted (the majority prediction), a class name or index.")
	private String target = ConceptDiscoverySettings.DEFAULT_TARGET;

	@Parameter(label = "Patch (pixels)", persist = false, min = "2")
	private int patch = ConceptDiscoverySettings.DEFAULT_PATCH;

	@Parameter(label = "Stride (pixels)", persist = false, min = "1")
	private int stride = ConceptDiscoverySettings.DEFAULT_STRIDE;

	@Parameter(label = "Concepts", persist = false, min = "1")
	private int concepts = ConceptDiscoverySettings.DEFAULT_CONCEPTS;

	@Parameter(label = "Seed", persist = false)
	private long seed = ConceptDiscoverySettings.DEFAULT_SEED;

	@Parameter(label = "Designs (Sobol importance)", persist = false, min = "2")
	private int designs = ConceptDiscoverySettings.DEFAULT_DESIGNS;

	@Parameter(label = "Examples per concept (atlas)", persist = false, min = "1")
	private int examples = ConceptDiscoverySettings.DEFAULT_EXAMPLES;

	@Parameter(label = "Holistic outputs", persist = false)
	private boolean holistic;

	@Parameter(label = "One CRAFT per class (data set)", persist = false)
	private boolean per_class;

	@Parameter(style = FileWidget.DIRECTORY_STYLE, label = "Save to folder (required headless)", required = false, persist = false)
	private File save_dir;

	@Parameter(label = "Atlas", type = ItemIO.OUTPUT)
	private ImagePlus atlas;

	@Parameter
	private LogService log;

	@Parameter(required = false)
	private UIService ui;

	@Override
	public void run() {
		CommandTasks.run("Concept Discovery", log, ui, this::cancel, progress -> {
			ConceptDiscoverySettings s = settings();
			if (s.perClass) {
				ConceptDiscoveryRun.PerClass r = ConceptDiscoveryRun.perClass(s, progress);
				progress.finished(ConceptDiscoveryRun.summary(r) + " Results in " + s.saveDir + ".");
				return;
			}
			ConceptDiscoveryRun.Result r = ConceptDiscoveryRun.run(image, s, progress);
			atlas = r.atlas();
			if (ResultsDisplay.interactive()) {
				r.plot().show();
				r.table().show("Concept importance");
				if (r.holistic() != null) {
					if (r.holistic().maps() != null) r.holistic().maps().show();
					r.holistic().importanceMaps().show();
					r.holisticTable().show("Holistic concepts");
				}
			}
			progress.finished(r.bank().size() + " concept(s) of " + r.bank().className + ".");
		});
	}

	ConceptDiscoverySettings settings() {
		ConceptDiscoverySettings s = new ConceptDiscoverySettings();
		s.model = ConceptDiscoveryCommand.path(model);
		s.folder = path(folder);
		s.layer = layer == null ? "" : layer;
		s.target = target;
		s.patch = patch;
		s.stride = stride;
		s.concepts = concepts;
		s.seed = seed;
		s.designs = designs;
		s.examples = examples;
		s.holistic = holistic;
		s.perClass = per_class;
		s.saveDir = path(save_dir);
		return s;
	}

	/**
	 * A path input: null (left out) or an empty path (an empty field, or key=[] in a macro) is
	 * "not set", as for the ImageJ 1.x plugins.
	 */
	static Path path(java.io.File f) {
		return f == null || f.getPath().isBlank() ? null : Path.of(f.getPath().trim());
	}
}
