package org.conceptscope.fiji.command;

import org.conceptscope.fiji.display.ConceptDisplay;
import org.conceptscope.fiji.run.ConceptLocalizationRun;
import org.conceptscope.fiji.run.ConceptLocalizationSettings;
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
 * Plugins &gt; ConceptScope &gt; Concept Localization... as a SciJava command: per-slice maps and
 * ROIs of the concepts of a saved bank. {@link ConceptLocalizationRun} does the work.
 */
@Plugin(type = Command.class, menuPath = "Plugins>ConceptScope>Concept Localization...", headless = true,
	description = "Where each concept of a saved concept bank sits, on every slice of an image")
public class ConceptLocalizationCommand extends ContextCommand {

	// Not required: without an image the command says "No image is open: ..." itself, not SciJava's generic message.
	@Parameter(label = "Image", required = false, description = "The image or stack (only read).")
	private ImagePlus image;

	// <inputs: generated from org.conceptscope.fiji.param.CommandSpecs; edit the declarations, not these fields (CommandSourcesTest rewrites them with CONCEPTSCOPE_WRITE_DOCS=1)>
	@Parameter(label = "Model folder", persist = false, style = FileWidget.DIRECTORY_STYLE,
		description = "the model the concepts were discovered with (its layer must exist)")
	private java.io.File model;

	@Parameter(label = "Concepts file (concepts.json)", persist = false, required = false, style = FileWidget.OPEN_STYLE,
		description = "a `concepts.json` written by Concept Discovery")
	private java.io.File concepts;

	@Parameter(label = "Top fraction outlined as ROI", persist = false, min = "0.001", max = "1",
		description = "the top fraction of each concept map outlined as that slice's ROI for that concept")
	private double top_fraction = 0.1;

	@Parameter(label = "Output", persist = false, choices = { "channel", "image" },
		description = "`channel`: a new composite = the image's channels (32-bit) + one channel per concept; `image`: the concept maps alone. Each concept channel is named `concept k: <class>` and drawn in a colour of its own (black to the colour) over its own display range, 0 to its largest value on any slice")
	private String output = "channel";

	@Parameter(label = "Overlap of tiles", persist = false, min = "0", max = "0.999",
		description = "an image of another size than the model's input is localised [tile by tile](../whole-images.md#concept-maps): the fraction of a tile shared with its neighbours, in [0, 1)")
	private double overlap = 0.5;

	@Parameter(label = "Label threshold (dominant concept)", persist = false,
		description = "the label image `<title>-concept-labels` holds at every pixel the number of the concept whose map is largest there, in that concept's colour, and 0 where no concept map exceeds this value (0: where no concept is present)")
	private double label_threshold = 0.0;

	@Parameter(label = "Concept maps", persist = false, choices = { "coefficients", "gradient_x_input", "saliency" },
		description = "`coefficients`: each concept's non-negative coefficient at every position of the layer, upsampled (CRAFT); `gradient_x_input` or `saliency`: [concept attribution maps](../methods/holistic.md) (Fel et al. 2023) of this image: the gradient of each concept's score with respect to the pixels, by implicit differentiation through the NMF, times the input (signed) or its largest absolute value over channels; TensorFlow models")
	private String concept_maps = "coefficients";

	@Parameter(label = "Save to folder (empty: do not save)", persist = false, required = false, style = FileWidget.DIRECTORY_STYLE,
		description = "folder for `<title>-concepts.tif` (or `-concepts-map.tif`, with the ROIs as overlay), `<title>-concept-labels.tif`, `<title>-concepts-RoiSet.zip`, `<title>-concepts-results.csv`")
	private java.io.File save_dir;

	/** The inputs by key, for {@link org.conceptscope.fiji.param.CommandSpec#inputs}. */
	private java.util.Map<String, Object> inputs() {
		java.util.Map<String, Object> in = new java.util.LinkedHashMap<>();
		in.put("model", model);
		in.put("concepts", concepts);
		in.put("top_fraction", top_fraction);
		in.put("output", output);
		in.put("overlap", overlap);
		in.put("label_threshold", label_threshold);
		in.put("concept_maps", concept_maps);
		in.put("save_dir", save_dir);
		return in;
	}
	// </inputs>

	@Parameter(label = "Concept maps", type = ItemIO.OUTPUT)
	private ImagePlus localization;

	@Parameter(label = "Dominant concept", type = ItemIO.OUTPUT)
	private ImagePlus labels;

	@Parameter
	private LogService log;

	@Parameter(required = false)
	private UIService ui;

	@Override
	public void run() {
		CommandTasks.run("Concept Localization", log, ui, this::cancel, progress -> {
			ConceptLocalizationRun.Result r = ConceptLocalizationRun.run(image, settings(), progress);
			localization = r.image();
			labels = r.labels();
			ConceptDisplay.showTableAndRois(r.table(), r.image().getTitle() + "-results", r.rois(), r.image());
			progress.finished(r.rois().size() + " concept ROI(s).");
		});
	}

	ConceptLocalizationSettings settings() {
		return ConceptLocalizationSettings.of(CommandSpecs.CONCEPT_LOCALIZATION.inputs(inputs()));
	}
}
