package org.conceptscope.fiji.command;

import org.conceptscope.fiji.run.ConceptDiscoveryRun;
import org.conceptscope.fiji.run.ConceptDiscoverySettings;
import org.conceptscope.fiji.display.ResultsDisplay;
import ij.ImagePlus;


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

	// <inputs: generated from org.conceptscope.fiji.param.CommandSpecs; edit the declarations, not these fields (CommandSourcesTest rewrites them with CONCEPTSCOPE_WRITE_DOCS=1)>
	@Parameter(label = "Model folder", persist = false, style = FileWidget.DIRECTORY_STYLE,
		description = "folder holding `saved_model.pb`")
	private java.io.File model;

	@Parameter(label = "Image folder (empty: the current image)", persist = false, required = false, style = FileWidget.DIRECTORY_STYLE,
		description = "a folder of images of one class (`.tif`, `.tiff`, `.png`, `.jpg`, `.jpeg`, `.dcm`, name order, other files skipped; all of one size); empty = the current image or stack")
	private java.io.File folder;

	@Parameter(label = "Layer (empty: the last spatial layer)", persist = false, required = false,
		description = "the layer that splits the model (Model Info lists them); empty = the last spatial layer")
	private String layer = "";

	@Parameter(label = "Target class", persist = false, required = false,
		description = "the class whose concepts are sought: `predicted` (the class most slices are predicted as), a class name or index")
	private String target = "predicted";

	@Parameter(label = "Crop size (pixels)", persist = false, min = "2",
		description = "square crops of `patch` pixels every `stride` pixels, each resized to the model input")
	private int patch = 16;

	@Parameter(label = "Crop stride (pixels)", persist = false, min = "1",
		description = "the step between crops, in pixels")
	private int stride = 8;

	@Parameter(label = "Concepts", persist = false, min = "1",
		description = "number of concepts (NMF rank)")
	private int concepts = 6;

	@Parameter(label = "Random seed", persist = false,
		description = "NMF start and Sobol designs")
	private long seed = 42L;

	@Parameter(label = "Sobol designs", persist = false, min = "2",
		description = "Sobol designs for the concepts' importance")
	private int designs = 32;

	@Parameter(label = "Examples per concept", persist = false, min = "1",
		description = "example crops per concept kept in the bank and shown in the atlas")
	private int examples = 6;

	@Parameter(label = "Holistic outputs", persist = false,
		description = "also the [holistic view](../methods/craft.md) (Fel et al. 2023): concept attribution maps (where each concept lies: the gradient of each concept's score, by implicit differentiation through the NMF, times the input; TensorFlow models, others get none with a Log line), per-position concept importance maps, and each concept's prevalence and reliability (files below)")
	private boolean holistic = false;

	@Parameter(label = "One CRAFT per class (data set)", persist = false,
		description = "CRAFT per class over a data set, as Xplique's CraftManager: `folder` holds one subfolder of images per class (named after the model's classes: true labels, so reliability) or the images themselves; the images predicted as each class (every class, or only `target` when it names one) give that class's concepts and holistic outputs in `save_dir/<class>/`, with `classes.csv`; needs `folder` and `save_dir`")
	private boolean per_class = false;

	@Parameter(label = "Save to folder (empty: do not save)", persist = false, required = false, style = FileWidget.DIRECTORY_STYLE,
		description = "folder for the files below; **required headless** (a run that can neither show nor save is refused)")
	private java.io.File save_dir;

	/** The inputs by key, for {@link org.conceptscope.fiji.param.CommandSpec#inputs}. */
	private java.util.Map<String, Object> inputs() {
		java.util.Map<String, Object> in = new java.util.LinkedHashMap<>();
		in.put("model", model);
		in.put("folder", folder);
		in.put("layer", layer);
		in.put("target", target);
		in.put("patch", patch);
		in.put("stride", stride);
		in.put("concepts", concepts);
		in.put("seed", seed);
		in.put("designs", designs);
		in.put("examples", examples);
		in.put("holistic", holistic);
		in.put("per_class", per_class);
		in.put("save_dir", save_dir);
		return in;
	}
	// </inputs>

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
		return ConceptDiscoverySettings.of(CommandSpecs.CONCEPT_DISCOVERY.inputs(inputs()));
	}
}
