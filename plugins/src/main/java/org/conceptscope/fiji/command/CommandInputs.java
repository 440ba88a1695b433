package org.conceptscope.fiji.command;

import org.scijava.command.ContextCommand;
import org.scijava.plugin.Parameter;
import org.scijava.widget.FileWidget;

/**
 * Every command's SciJava inputs (Fiji menus, {@code --run}, recording), generated from
 * {@link org.conceptscope.fiji.param.CommandSpecs} by {@link org.conceptscope.fiji.param.SciJavaInputs}: one field per key,
 * named by the key (Fiji records an input under its field name). Do not edit: CommandSourcesTest
 * fails when this file is stale and rewrites it with CONCEPTSCOPE_WRITE_DOCS=1.
 */
final class CommandInputs {

	private CommandInputs() {}

	/** The inputs of {@code Attribution}. */
	abstract static class Attribution extends ContextCommand {

		// <inputs: generated from org.conceptscope.fiji.param.CommandSpecs; edit the declarations, not these fields (CommandSourcesTest rewrites them with CONCEPTSCOPE_WRITE_DOCS=1)>
		@Parameter(label = "Image", required = false, visibility = org.scijava.ItemVisibility.INVISIBLE, description = "The image or stack to explain (only read).")
		ij.ImagePlus image;

		@Parameter(label = "Model folder", persist = false, style = FileWidget.DIRECTORY_STYLE,
			description = "a TensorFlow SavedModel folder (holding `saved_model.pb`), a bioimage.io package (its folder, `rdf.yaml` or `.zip`), or a TorchScript (`.pt`, with `conceptscope.json` beside it) or ONNX (`.onnx`) file or the folder holding it ([engines](../models/engines.md))")
		private java.io.File model;

		@Parameter(label = "Method", persist = false, choices = { "saliency", "gradient_x_input", "integrated_gradients", "smoothgrad", "vargrad", "squaregrad", "gradcam", "gradcam_plus_plus", "guided_backprop", "deconvnet", "occlusion", "rise", "sobol", "hsic", "lime", "kernel_shap", "eva", "srd" },
			description = "`saliency`, `gradient_x_input`, `integrated_gradients`, `smoothgrad`, `vargrad`, `squaregrad`, `gradcam`, `gradcam_plus_plus`, `guided_backprop`, `deconvnet`, `occlusion`, `rise`, `sobol`, `hsic`, `lime`, `kernel_shap`, `eva`, `srd` ([LIME](../methods/lime.md) and Kernel SHAP: any model; Guided Backpropagation, DeconvNet, [EVA](../methods/eva.md) and [SRD](../methods/srd.md): TensorFlow models; the other gradient methods: TensorFlow or TorchScript models)")
		private String method = "saliency";

		@Parameter(label = "Target class", persist = false, required = false,
			description = "`predicted` (each slice's own predicted class), a class name (`target=[soft tissue]`, case-insensitive when unambiguous) or a class index")
		private String target = "predicted";

		@Parameter(label = "Steps (Integrated Gradients) (integrated_gradients)", persist = false, min = "1",
			description = "steps along the path from the baseline to the image (midpoint rule); raise it when the results' relative_gap is not small")
		private int steps = 32;

		@Parameter(label = "Baseline value (integrated_gradients, occlusion)", persist = false,
			description = "the baseline (integrated_gradients) and the occluding patch value (occlusion), in the model's normalised input units")
		private double baseline = 0.0;

		@Parameter(label = "Samples (0 = method default) (smoothgrad, vargrad, squaregrad, rise, hsic, lime, kernel_shap)", persist = false, min = "0",
			description = "0 = the method's default: noisy copies for smoothgrad, vargrad, squaregrad (50); masks for rise (1000); designs for hsic (1000); perturbed samples for lime (150) and kernel_shap (800)")
		private int samples = 0;

		@Parameter(label = "Noise (fraction of range) (smoothgrad, vargrad, squaregrad)", persist = false, min = "0",
			description = "noise sigma as a fraction of the value range")
		private double noise = 0.15;

		@Parameter(label = "Random seed (smoothgrad, vargrad, squaregrad, rise, sobol, hsic, lime, kernel_shap)", persist = false,
			description = "every random choice: same seed, same map")
		private long seed = 42L;

		@Parameter(label = "Layer (empty = last spatial) (gradcam, gradcam_plus_plus)", persist = false, required = false,
			description = "a spatial layer listed by Model Info; empty = the last spatial layer")
		private String layer = "";

		@Parameter(label = "SRD start layer (empty = input pixels) (srd)", persist = false, required = false,
			description = "the spatial layer whose PFVs the decomposition of the logit stops at (each PFV's share, upsampled bilinearly to the image: a coarser map); empty = the input pixels, as the paper's maps")
		private String start_layer = "";

		@Parameter(label = "Patch size (pixels) (occlusion)", persist = false, min = "1",
			description = "size of the occluding square patch, in pixels")
		private int patch = 8;

		@Parameter(label = "Stride (pixels) (occlusion)", persist = false, min = "1",
			description = "step between occluding patches, in pixels")
		private int stride = 4;

		@Parameter(label = "Grid (cells per side) (rise, sobol, hsic, eva, lime, kernel_shap)", persist = false, min = "1",
			description = "cells per side (of the masks; of the verified regions for eva; of the segments for lime and kernel_shap)")
		private int grid = 8;

		@Parameter(label = "Sobol designs (sobol)", persist = false, min = "2",
			description = "quasi-Monte Carlo designs (the model runs designs \u00d7 (grid\u00b2 + 2) times per slice)")
		private int designs = 32;

		@Parameter(label = "Keep probability (rise, lime)", persist = false, min = "0.001", max = "1",
			description = "probability that a mask cell (rise) or a segment (lime, strictly below 1) is kept")
		private double keep_probability = 0.5;

		@Parameter(label = "Blur sigma (0 = zeros) (sobol, hsic, lime, kernel_shap)", persist = false, min = "0",
			description = "0 replaces masked cells by 0, > 0 by the image blurred with this sigma (pixels)")
		private double blur_sigma = 0.0;

		@Parameter(label = "Per channel (sobol)", persist = false,
			description = "one mask per channel (`per_channel=true`, as recorded; a bare word turns it on too)")
		private boolean per_channel = false;

		@Parameter(label = "Upsampling (sobol, hsic)", persist = false, choices = { "bilinear", "bicubic", "nearest" },
			description = "how the per-cell indices become a map of the image's size: `bicubic` (Xplique's choice; may dip slightly below 0 next to a large cell), `bilinear` (never outside the cells' range, so non-negative indices give a non-negative map) or `nearest` (one constant block per cell: the estimates as computed)")
		private String upsampling = "bicubic";

		@Parameter(label = "Segments (lime, kernel_shap)", persist = false, choices = { "grid", "slic" },
			description = "`grid` (`grid` \u00d7 `grid` cells) or `slic` (SLIC superpixels that follow the image's edges, compactness 0.1 on the [0, 1]-scaled image)")
		private String segments = "grid";

		@Parameter(label = "Superpixels (lime, kernel_shap)", persist = false, min = "1",
			description = "with `segments=slic`: about this many superpixels")
		private int superpixels = 64;

		@Parameter(label = "Efficiency (kernel_shap)", persist = false, choices = { "captum", "exact" },
			description = "how Kernel SHAP holds its two endpoint samples (every segment kept, every segment replaced): `captum` (weight 10\u2076, as Captum does it: the values add up to f(image) \u2212 f(replaced) up to a gap of about 10\u207b\u2075 of it) or `exact` (the paper's infinite weight, solved as the shap library does: they add up to it to rounding; see [Kernel SHAP](../methods/kernel_shap.md))")
		private String efficiency = "captum";

		@Parameter(label = "FORGrad filter (gradient methods)", persist = false,
			description = "FORGrad (Muzellec et al. 2023): low-pass filter the map in Fourier space (`forgrad=true`)")
		private boolean forgrad = false;

		@Parameter(label = "FORGrad bandwidth (0 = scaled) (gradient methods)", persist = false, min = "0",
			description = "with `forgrad`: frequencies kept within this radius; 0 = Xplique's 15 at 224 pixels, scaled to the image (2 at 32)")
		private int forgrad_bandwidth = 0;

		@Parameter(label = "Epsilon (normalised units) (eva)", persist = false, min = "0.000001",
			description = "radius of the L-infinity ball around each slice, in the model's normalised input units (0.01 = 2.55 grey levels of an 8-bit image under `unit_range`; 10 HU for the CT model)")
		private double epsilon = 0.01;

		@Parameter(label = "Bounds (eva)", persist = false, choices = { "interval", "crown" },
			description = "`interval` (interval bound propagation: fast, loose) or `crown` (CROWN linear bounds: 3.5\u201313\u00d7 tighter margin bounds on the bundled CNNs, about 1.2 s more per 32\u00d732\u00d73 slice at grid 8; see [Verified bounds and EVA](../methods/eva.md))")
		private String bounds = "interval";

		@Parameter(label = "Explained output", persist = false, choices = { "auto", "class", "segmentation", "regression" },
			description = "what a model's output is explained for ([operators](../whole-images.md#models-with-dense-outputs-segmentation-regression)): `class` (a classifier's logit), `segmentation` (each output channel of a map [N, H, W, C] averaged over the image, or over each ROI of `rois`), `regression` (one output value); `auto`: `class` for classifiers, `segmentation` for map outputs")
		private String operator = "auto";

		@Parameter(label = "ROIs (none, selection, manager or a RoiSet.zip)", persist = false, required = false,
			description = "`none`: the whole image; `selection` (the image's area selection), `manager` (every ROI of the ROI Manager but the outlines ConceptScope put there), the path of a RoiSet.zip, or a folder of ROI files named after the images (`<name>.zip` for `<name>.tif`; the batch runner's way to give each image its ROIs): each ROI explained alone (`region`), one table row per ROI, the maps in `<title>-<method>-regions`")
		private String rois = "none";

		@Parameter(label = "Explain each ROI with", persist = false, choices = { "tiles", "window" },
			description = "`tiles`: only the model-size tiles of the whole-image grid that hold a pixel of the ROI (the whole-image map there); `window`: one model-size window centred on the ROI")
		private String region = "tiles";

		@Parameter(label = "Output", persist = false, choices = { "channel", "image" },
			description = "`channel`: a new composite image = the image's channels (32-bit, calibrated values, R/G/B for RGB, in the image's display range, 0-255 for RGB) + the map as last channel, black at 0 as composite channels add up (Fire from 0 for unsigned maps; for signed maps, Integrated Gradients and Gradient\u00d7Input or any map whose negative part exceeds 5% of its positive range, blue-black-red over a symmetric range; as a translucent overlay, `opacity` > 0, blue-white-red, white at 0); `image`: the maps alone as a separate 32-bit image (signed: blue-white-red, white at 0)")
		private String output = "channel";

		@Parameter(label = "Top fraction outlined as ROI", persist = false, min = "0.001", max = "1",
			description = "the top fraction of each map outlined as that slice's ROI")
		private double top_fraction = 0.1;

		@Parameter(label = "Overlap of tiles", persist = false, min = "0", max = "0.999",
			description = "an image of another size than the model's input is explained [tile by tile](../whole-images.md): the fraction of a tile shared with its neighbours, in [0, 1)")
		private double overlap = 0.5;

		@Parameter(label = "Heat map opacity (0: none)", persist = false, min = "0", max = "1",
			description = "`output=channel`: above 0 (e.g. 0.5), the heat map is drawn over the image as a translucent overlay with this opacity, and the map channel, kept in the image for measurement, is hidden in the composite; 0: no overlay, the map channel shown in the composite")
		private double opacity = 0.0;

		@Parameter(label = "Calibration bar on the overlay", persist = false,
			description = "a calibration bar in the top left corner of the result image (over the heat-map overlay with `opacity`): the map's LUT from the lowest value of its display range (bottom) to the highest (top), with both numbers, and 0 in the middle for signed maps; part of the overlay (Image > Overlay > Hide Overlay hides it), never of the pixels")
		private boolean calibration_bar = false;

		@Parameter(label = "Save to folder (empty: do not save)", persist = false, required = false, style = FileWidget.DIRECTORY_STYLE,
			description = "folder for the files below (created if missing); empty = write nothing")
		private java.io.File save_dir;

		@Parameter(label = "Overwrite files in save_dir", persist = false,
			description = "replace the files of an earlier run in `save_dir`; off (default): a run whose output file (named above) already exists there is refused before any work, naming the file, and nothing is changed")
		private boolean overwrite = false;

		/** The inputs by key, for {@link org.conceptscope.fiji.param.CommandSpec#inputs}. */
		final java.util.Map<String, Object> inputs() {
			java.util.Map<String, Object> in = new java.util.LinkedHashMap<>();
			in.put("model", model);
			in.put("method", method);
			in.put("target", target);
			in.put("steps", steps);
			in.put("baseline", baseline);
			in.put("samples", samples);
			in.put("noise", noise);
			in.put("seed", seed);
			in.put("layer", layer);
			in.put("start_layer", start_layer);
			in.put("patch", patch);
			in.put("stride", stride);
			in.put("grid", grid);
			in.put("designs", designs);
			in.put("keep_probability", keep_probability);
			in.put("blur_sigma", blur_sigma);
			in.put("per_channel", per_channel);
			in.put("upsampling", upsampling);
			in.put("segments", segments);
			in.put("superpixels", superpixels);
			in.put("efficiency", efficiency);
			in.put("forgrad", forgrad);
			in.put("forgrad_bandwidth", forgrad_bandwidth);
			in.put("epsilon", epsilon);
			in.put("bounds", bounds);
			in.put("operator", operator);
			in.put("rois", rois);
			in.put("region", region);
			in.put("output", output);
			in.put("top_fraction", top_fraction);
			in.put("overlap", overlap);
			in.put("opacity", opacity);
			in.put("calibration_bar", calibration_bar);
			in.put("save_dir", save_dir);
			in.put("overwrite", overwrite);
			return in;
		}
		// </inputs>
	}

	/** The inputs of {@code Model Info}. */
	abstract static class ModelInfo extends ContextCommand {

		// <inputs: generated from org.conceptscope.fiji.param.CommandSpecs; edit the declarations, not these fields (CommandSourcesTest rewrites them with CONCEPTSCOPE_WRITE_DOCS=1)>
		@Parameter(label = "Model folder", persist = false, style = FileWidget.DIRECTORY_STYLE,
			description = "a TensorFlow SavedModel folder (holding `saved_model.pb`), a bioimage.io package (its folder, `rdf.yaml` or `.zip`), or a TorchScript (`.pt`, with `conceptscope.json` beside it) or ONNX (`.onnx`) file or the folder holding it ([engines](../models/engines.md))")
		private java.io.File model;

		@Parameter(label = "Save to folder (empty: do not save)", persist = false, required = false, style = FileWidget.DIRECTORY_STYLE,
			description = "writes `<model>-info.txt` and `<model>-layers.csv` there")
		private java.io.File save_dir;

		@Parameter(label = "Overwrite files in save_dir", persist = false,
			description = "replace the files of an earlier run in `save_dir`; off (default): a run whose output file (named above) already exists there is refused before any work, naming the file, and nothing is changed")
		private boolean overwrite = false;

		/** The inputs by key, for {@link org.conceptscope.fiji.param.CommandSpec#inputs}. */
		final java.util.Map<String, Object> inputs() {
			java.util.Map<String, Object> in = new java.util.LinkedHashMap<>();
			in.put("model", model);
			in.put("save_dir", save_dir);
			in.put("overwrite", overwrite);
			return in;
		}
		// </inputs>
	}

	/** The inputs of {@code Concept Discovery}. */
	abstract static class ConceptDiscovery extends ContextCommand {

		// <inputs: generated from org.conceptscope.fiji.param.CommandSpecs; edit the declarations, not these fields (CommandSourcesTest rewrites them with CONCEPTSCOPE_WRITE_DOCS=1)>
		@Parameter(label = "Image (unused when a folder is set)", required = false, visibility = org.scijava.ItemVisibility.INVISIBLE, description = "A stack of images of one class (only read).")
		ij.ImagePlus image;

		@Parameter(label = "Model folder", persist = false, style = FileWidget.DIRECTORY_STYLE,
			description = "a TensorFlow SavedModel folder (holding `saved_model.pb`), a bioimage.io package (its folder, `rdf.yaml` or `.zip`), or a TorchScript (`.pt`, with `conceptscope.json` beside it) or ONNX (`.onnx`) file or the folder holding it ([engines](../models/engines.md))")
		private java.io.File model;

		@Parameter(label = "Image folder (empty: the current image)", persist = false, required = false, style = FileWidget.DIRECTORY_STYLE,
			description = "a folder of images of one class (`.tif`, `.tiff`, `.png`, `.jpg`, `.jpeg`, `.dcm`, name order, other files skipped; an image larger than the model's input gives its tiles of the input's size, each one image; a model that takes any size needs images of one size); empty = the current image or stack (its tiles likewise)")
		private java.io.File folder;

		@Parameter(label = "Layer (empty: the last spatial layer)", persist = false, required = false,
			description = "the layer that splits the model (Model Info lists them); empty = the last spatial layer with more than one position (global pooling kept 4-D is passed over)")
		private String layer = "";

		@Parameter(label = "Target class", persist = false, required = false,
			description = "the class whose concepts are sought: `predicted` (the class most slices are predicted as), a class name or index")
		private String target = "predicted";

		@Parameter(label = "Crop size (pixels)", persist = false, min = "2",
			description = "square crops of `patch` pixels every `stride` pixels (and one flush with the far border), each resized to the model input: one model pass per crop (the Log gives the count; more than 100000 per image is refused)")
		private int patch = 16;

		@Parameter(label = "Crop stride (pixels)", persist = false, min = "1",
			description = "the step between crops, in pixels")
		private int stride = 8;

		@Parameter(label = "Concepts", persist = false, min = "1",
			description = "number of concepts (NMF rank): at most the layer's channels, the crops of the images and 500 (Sobol importance), checked before any crop goes through the model")
		private int concepts = 6;

		@Parameter(label = "Random seed", persist = false,
			description = "NMF start and Sobol designs")
		private long seed = 42L;

		@Parameter(label = "Sobol designs", persist = false, min = "2",
			description = "Sobol designs for the concepts' importance: designs \u00d7 (concepts + 2) passes from the layer to the logits per image; at most 100000")
		private int designs = 32;

		@Parameter(label = "Examples per concept", persist = false, min = "1",
			description = "example crops per concept kept in the bank and shown in the atlas")
		private int examples = 6;

		@Parameter(label = "Holistic outputs", persist = false,
			description = "also the [holistic view](../methods/craft.md) (Fel et al. 2023): concept attribution maps (where each concept lies: the gradient of each concept's score, by implicit differentiation through the NMF, times the input; TensorFlow models, others get none with a Log line), per-position concept importance maps, and each concept's prevalence and reliability (files below); needs a model with gradients (TensorFlow or TorchScript: an ONNX model is refused before any work)")
		private boolean holistic = false;

		@Parameter(label = "One CRAFT per class (data set)", persist = false,
			description = "CRAFT per class over a data set, as Xplique's CraftManager: `folder` holds one subfolder of images per class (named after the model's classes: true labels, so reliability) or the images themselves; the images predicted as each class (every class, or only `target` when it names one) give that class's concepts and holistic outputs in `save_dir/<class>/`, with `classes.csv`; a class whose images give fewer crops than `concepts` is skipped (its `classes.csv` row and the Log say why) and the others go on; a model without gradients (ONNX) gets each class's concepts and importance without the holistic outputs (Log line); needs `folder` and `save_dir`")
		private boolean per_class = false;

		@Parameter(label = "Save to folder (empty: do not save)", persist = false, required = false, style = FileWidget.DIRECTORY_STYLE,
			description = "folder for the files below; **required headless** (a run that can neither show nor save is refused)")
		private java.io.File save_dir;

		@Parameter(label = "Overwrite files in save_dir", persist = false,
			description = "replace the files of an earlier run in `save_dir`; off (default): a run whose output file (named above) already exists there is refused before any work, naming the file, and nothing is changed")
		private boolean overwrite = false;

		/** The inputs by key, for {@link org.conceptscope.fiji.param.CommandSpec#inputs}. */
		final java.util.Map<String, Object> inputs() {
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
			in.put("overwrite", overwrite);
			return in;
		}
		// </inputs>
	}

	/** The inputs of {@code Concept Localization}. */
	abstract static class ConceptLocalization extends ContextCommand {

		// <inputs: generated from org.conceptscope.fiji.param.CommandSpecs; edit the declarations, not these fields (CommandSourcesTest rewrites them with CONCEPTSCOPE_WRITE_DOCS=1)>
		@Parameter(label = "Image", required = false, visibility = org.scijava.ItemVisibility.INVISIBLE, description = "The image or stack (only read).")
		ij.ImagePlus image;

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
			description = "folder for `<title>-concepts.tif` (or `-concepts-map.tif`, with the ROIs as overlay), `<title>-concept-labels.tif`, `<title>-concepts-RoiSet.zip` (or `-concepts-map-RoiSet.zip`), `<title>-concepts-results.csv`")
		private java.io.File save_dir;

		@Parameter(label = "Overwrite files in save_dir", persist = false,
			description = "replace the files of an earlier run in `save_dir`; off (default): a run whose output file (named above) already exists there is refused before any work, naming the file, and nothing is changed")
		private boolean overwrite = false;

		/** The inputs by key, for {@link org.conceptscope.fiji.param.CommandSpec#inputs}. */
		final java.util.Map<String, Object> inputs() {
			java.util.Map<String, Object> in = new java.util.LinkedHashMap<>();
			in.put("model", model);
			in.put("concepts", concepts);
			in.put("top_fraction", top_fraction);
			in.put("output", output);
			in.put("overlap", overlap);
			in.put("label_threshold", label_threshold);
			in.put("concept_maps", concept_maps);
			in.put("save_dir", save_dir);
			in.put("overwrite", overwrite);
			return in;
		}
		// </inputs>
	}

	/** The inputs of {@code Evaluate Explanation}. */
	abstract static class EvaluateExplanation extends ContextCommand {

		// <inputs: generated from org.conceptscope.fiji.param.CommandSpecs; edit the declarations, not these fields (CommandSourcesTest rewrites them with CONCEPTSCOPE_WRITE_DOCS=1)>
		@Parameter(label = "Image (unused by mege_reco)", required = false, visibility = org.scijava.ItemVisibility.INVISIBLE, description = "The image or stack (only read).")
		ij.ImagePlus image;

		@Parameter(label = "Model folder", persist = false, style = FileWidget.DIRECTORY_STYLE,
			description = "a TensorFlow SavedModel folder (holding `saved_model.pb`), a bioimage.io package (its folder, `rdf.yaml` or `.zip`), or a TorchScript (`.pt`, with `conceptscope.json` beside it) or ONNX (`.onnx`) file or the folder holding it ([engines](../models/engines.md))")
		private java.io.File model;

		@Parameter(label = "Method", persist = false, choices = { "saliency", "gradient_x_input", "integrated_gradients", "smoothgrad", "vargrad", "squaregrad", "gradcam", "gradcam_plus_plus", "guided_backprop", "deconvnet", "occlusion", "rise", "sobol", "hsic", "lime", "kernel_shap", "eva", "srd" },
			description = "any Attribution method (with its defaults and this `seed`)")
		private String method = "saliency";

		@Parameter(label = "Metric", persist = false, choices = { "deletion", "insertion", "mufidelity", "average_drop", "increase_in_confidence", "complexity", "sparseness", "stability", "random_logit", "sanity", "mege_reco" },
			description = "`deletion`, `insertion` (AUC of the target probability as pixels are removed / inserted by decreasing attribution, baseline 0; lower / higher is better), `mufidelity` (correlation of map sums with logit drops over random 20 % subsets of the cells of a `grid` \u00d7 `grid` grid; higher is better), `average_drop` (mean relative drop of the target probability when the image is multiplied by its map scaled to [0, 1]; lower is better; [page](../metrics/average_drop.md)), `increase_in_confidence` (fraction of slices whose target probability rises on that masked image; higher is better), `complexity` (entropy of the normalised absolute map; lower = more concentrated; [page](../metrics/complexity.md)), `sparseness` (Gini index of the absolute map; higher = more concentrated; [page](../metrics/sparseness.md)), `stability` (average stability: mean distance between each slice's map and the maps of `neighbours` copies with uniform noise in [0, `radius`); lower is better; [page](../metrics/average_stability.md)), `random_logit` (SSIM between the map of the target and the map of a random other class, drawn from `seed`; lower is better: a map that does not change with the class explains no class; [page](../metrics/random_logit.md)), `sanity` (Spearman correlation of the absolute maps with the maps of a copy whose weights are all randomised, or with `cascade` one layer more at a time, or with `independent` one layer at a time; low is good; [page](../methods/metrics.md)), `mege_reco` (stability of explanations across retrained models, below; uses `folder` and `methods`, not the image or `method`)")
		private String metric = "deletion";

		@Parameter(label = "Target class", persist = false, required = false,
			description = "as for Attribution")
		private String target = "predicted";

		@Parameter(label = "Steps", persist = false, min = "1",
			description = "deletion, insertion: steps of the curve")
		private int steps = 10;

		@Parameter(label = "Samples", persist = false, min = "2",
			description = "mufidelity: random subsets")
		private int samples = 200;

		@Parameter(label = "Grid (cells per side)", persist = false, min = "2",
			description = "mufidelity: cells per side of the grid whose cells are removed (Xplique's `grid_size`)")
		private int grid = 9;

		@Parameter(label = "Noise radius", persist = false, min = "0.000001",
			description = "stability: the noise is uniform in [0, radius), in the model's normalised input units")
		private double radius = 0.1;

		@Parameter(label = "Neighbours", persist = false, min = "1",
			description = "stability: noisy copies of each slice, each explained by the method")
		private int neighbours = 20;

		@Parameter(label = "Distance", persist = false, choices = { "l2", "l1" },
			description = "stability: `l2` or `l1` distance between two maps")
		private String distance = "l2";

		@Parameter(label = "Random seed", persist = false,
			description = "the method's and the metric's random choices; for mege_reco also the folds, each model's initial weights and batches (model f uses seed + f)")
		private long seed = 42L;

		@Parameter(label = "Cascading randomisation", persist = false,
			description = "sanity: randomise the layers one more at a time, the layer nearest the logits first (Adebayo et al.'s cascading randomisation); the table then has one row per step (`step, layer, variables, method, spearman_abs, spearman, ssim, hog`: means over the slices of the Spearman correlation of the absolute and of the signed maps, of the SSIM of the absolute maps scaled to [0, 1] and of the Pearson correlation of their HOGs (scikit-image's defaults; slices of at least 24 \u00d7 24 pixels)) and a plot of them against the step; the last step randomises every layer, as without `cascade`")
		private boolean cascade = false;

		@Parameter(label = "Independent randomisation", persist = false,
			description = "sanity: randomise one layer at a time, the others keeping their trained weights, the layer nearest the logits first (Adebayo et al.'s independent randomisation); the same table (`variables`: those of that layer alone) and plot as `cascade`, which it cannot be combined with; the value (the Log's mean) is still the copy with every layer randomised, one explanation more")
		private boolean independent = false;

		@Parameter(label = "Labelled images", persist = false, required = false, style = FileWidget.DIRECTORY_STYLE,
			description = "mege_reco: a folder with one subfolder of images per class, each named after a class of the model (exactly, or ignoring case with `_` for a space when unambiguous); images or stacks (`.tif`, `.tiff`, `.png`, `.jpg`, `.jpeg`, `.dcm`), every slice one sample, an image larger than the model's input its tiles of the input's size (an image's tiles share a fold); other files are skipped, an image outside the subfolders is an error; at least 2 classes and 2 \u00d7 `folds` images (an image's tiles count once)")
		private java.io.File folder;

		@Parameter(label = "Methods compared", persist = false, required = false,
			description = "mege_reco: the methods compared, separated by commas: any Attribution method (with its defaults and this `seed`) or `random` (uniform random maps, the baseline a faithful method should beat)")
		private String methods = "saliency,integrated_gradients,random";

		@Parameter(label = "Folds", persist = false, min = "2",
			description = "mege_reco: number of folds = models trained, each on all folds but one")
		private int folds = 4;

		@Parameter(label = "Architecture (empty = recorded)", persist = false, required = false,
			description = "mege_reco: the CNN the models are trained as; empty = the `metadata.architecture` line of the model's `conceptscope.json` (models trained by ConceptScope have it; it is checked against the model's weights), else e.g. `architecture=[conv 16,32,32; kernel 3; pool; global average]` (filters per 3\u00d73 conv + ReLU block, `kernel k`, `pool` for 2\u00d72 average pooling after each block, head `global average` or `flatten`); input size and classes are always the model's")
		private String architecture = "";

		@Parameter(label = "Training steps", persist = false, min = "1",
			description = "mege_reco: Adam steps per model (batch 32, learning rate 0.003, as the bundled models)")
		private int training_steps = 300;

		@Parameter(label = "Save to folder (empty: do not save)", persist = false, required = false, style = FileWidget.DIRECTORY_STYLE,
			description = "folder for `<title>-<method>-<metric>.csv` (`slice, frame, label, target, method, metric, value`, one row per slice, or per tile of a slice larger than the model's input (`slice` counts the tiles over all slices and frames, `frame` is then 1, `label` names the tile: `<title> [slice z] [frame t] x=.. y=..`), then a row `mean`) and, for deletion and insertion, `<title>-<method>-<metric>-curve.png` (mean curve); for sanity with `cascade` or `independent`, the step table and `-curve.png` (similarities per step); for mege_reco `<folder name>-mege_reco.csv`")
		private java.io.File save_dir;

		@Parameter(label = "Overwrite files in save_dir", persist = false,
			description = "replace the files of an earlier run in `save_dir`; off (default): a run whose output file (named above) already exists there is refused before any work, naming the file, and nothing is changed")
		private boolean overwrite = false;

		/** The inputs by key, for {@link org.conceptscope.fiji.param.CommandSpec#inputs}. */
		final java.util.Map<String, Object> inputs() {
			java.util.Map<String, Object> in = new java.util.LinkedHashMap<>();
			in.put("model", model);
			in.put("method", method);
			in.put("metric", metric);
			in.put("target", target);
			in.put("steps", steps);
			in.put("samples", samples);
			in.put("grid", grid);
			in.put("radius", radius);
			in.put("neighbours", neighbours);
			in.put("distance", distance);
			in.put("seed", seed);
			in.put("cascade", cascade);
			in.put("independent", independent);
			in.put("folder", folder);
			in.put("methods", methods);
			in.put("folds", folds);
			in.put("architecture", architecture);
			in.put("training_steps", training_steps);
			in.put("save_dir", save_dir);
			in.put("overwrite", overwrite);
			return in;
		}
		// </inputs>
	}

	/** The inputs of {@code Sharing Ratio Decomposition}. */
	abstract static class SharingRatioDecomposition extends ContextCommand {

		// <inputs: generated from org.conceptscope.fiji.param.CommandSpecs; edit the declarations, not these fields (CommandSourcesTest rewrites them with CONCEPTSCOPE_WRITE_DOCS=1)>
		@Parameter(label = "Image", required = false, visibility = org.scijava.ItemVisibility.INVISIBLE, description = "The image or stack to explain (only read).")
		ij.ImagePlus image;

		@Parameter(label = "Model folder", persist = false, style = FileWidget.DIRECTORY_STYLE,
			description = "a TensorFlow SavedModel folder (holding `saved_model.pb`): this command reads the model's graph, so other models are refused")
		private java.io.File model;

		@Parameter(label = "Target class", persist = false, required = false,
			description = "`predicted` (each slice's own predicted class), a class name or index")
		private String target = "predicted";

		@Parameter(label = "SRD start layer (empty = input pixels)", persist = false, required = false,
			description = "a spatial layer (Model Info lists them): the decomposition of the logit starts at its PFVs instead of the pixels; each PFV's relevance is spread evenly over its cell of the image (the sum kept), and `bias_relevance` is the relevance no PFV above the layer carried (normally 0); empty = the input pixels, as the paper's maps")
		private String start_layer = "";

		@Parameter(label = "ERF layer (empty: no ERF)", persist = false, required = false,
			description = "a spatial layer (Model Info lists them): also compute the effective receptive field (ERF) of one of its PFVs on every slice; empty = no ERF")
		private String erf_layer = "";

		@Parameter(label = "x (pixel of the PFV; -1: centre)", persist = false, min = "-1",
			description = "the PFV, chosen by an **image pixel**: the layer cell holding pixel (x, y): cells are one layer stride wide, centred on each PFV's theoretical receptive field (so also right for VALID and strided layers; near the border of a VALID layer, the nearest cell); -1 = the image's centre column / row. Only with `erf_layer`")
		private int x = -1;

		@Parameter(label = "y (pixel of the PFV; -1: centre)", persist = false, min = "-1",
			description = "as `x`, for the row")
		private int y = -1;

		@Parameter(label = "ERF mass", persist = false, min = "0.001", max = "1",
			description = "the ERF's ROI holds the pixels that carry this fraction of its absolute relevance (the smallest such set; pixels without relevance never)")
		private double erf_mass = 0.9;

		@Parameter(label = "APOP fill value", persist = false,
			description = "APOP: the value of every pixel of the blank image, in the model's normalised input units (1 = white for `unit_range` models)")
		private double apop_fill = 1.0;

		@Parameter(label = "Output", persist = false, choices = { "channel", "image" },
			description = "`channel`: a new composite = the image's channels (32-bit) + the relevance map + the ERF (Fire); `image`: the maps alone")
		private String output = "channel";

		@Parameter(label = "Top fraction outlined as ROI", persist = false, min = "0.001", max = "1",
			description = "the top fraction of each relevance map outlined as that slice's ROI")
		private double top_fraction = 0.1;

		@Parameter(label = "Save to folder (empty: do not save)", persist = false, required = false, style = FileWidget.DIRECTORY_STYLE,
			description = "folder for `<title>-srd.tif` (or `-srd-map.tif`, with the ROIs as overlay), `<title>-srd-RoiSet.zip` (or `-srd-map-RoiSet.zip`), `<title>-srd-results.csv`")
		private java.io.File save_dir;

		@Parameter(label = "Overwrite files in save_dir", persist = false,
			description = "replace the files of an earlier run in `save_dir`; off (default): a run whose output file (named above) already exists there is refused before any work, naming the file, and nothing is changed")
		private boolean overwrite = false;

		/** The inputs by key, for {@link org.conceptscope.fiji.param.CommandSpec#inputs}. */
		final java.util.Map<String, Object> inputs() {
			java.util.Map<String, Object> in = new java.util.LinkedHashMap<>();
			in.put("model", model);
			in.put("target", target);
			in.put("start_layer", start_layer);
			in.put("erf_layer", erf_layer);
			in.put("x", x);
			in.put("y", y);
			in.put("erf_mass", erf_mass);
			in.put("apop_fill", apop_fill);
			in.put("output", output);
			in.put("top_fraction", top_fraction);
			in.put("save_dir", save_dir);
			in.put("overwrite", overwrite);
			return in;
		}
		// </inputs>
	}

	/** The inputs of {@code Concept Graph}. */
	abstract static class ConceptGraph extends ContextCommand {

		// <inputs: generated from org.conceptscope.fiji.param.CommandSpecs; edit the declarations, not these fields (CommandSourcesTest rewrites them with CONCEPTSCOPE_WRITE_DOCS=1)>
		@Parameter(label = "Image (unused when a folder is set)", required = false, visibility = org.scijava.ItemVisibility.INVISIBLE, description = "A stack of images (only read).")
		ij.ImagePlus image;

		@Parameter(label = "Model folder", persist = false, style = FileWidget.DIRECTORY_STYLE,
			description = "a TensorFlow SavedModel folder (holding `saved_model.pb`): this command reads the model's graph, so other models are refused")
		private java.io.File model;

		@Parameter(label = "Image folder (empty: the current image)", persist = false, required = false, style = FileWidget.DIRECTORY_STYLE,
			description = "a folder of images (as for Concept Discovery: name order, other files skipped, an image larger than the model's input gives its tiles of the input's size, each one image); empty = the current image or stack")
		private java.io.File folder;

		@Parameter(label = "Layers (empty: the last two)", persist = false, required = false,
			description = "spatial layers, comma-separated (`layers=[conv2/relu,conv3/relu]`), any order (sorted from input to output); empty = the last two spatial layers computed by a `Relu` (the outputs of the last two convolution blocks; a pooling or bias layer next to them would give a near-copy), or the last two spatial layers when there are fewer")
		private String layers = "";

		@Parameter(label = "Graph over", persist = false, choices = { "dataset", "class" },
			description = "`dataset`: the graph of the whole data set, as the GIG paper builds it (one bank of concepts per layer from every image, each pixel feature vector sampled by its contribution to its own image's predicted class; edges to every predicted class, each over the images predicted as it); `class`: the graph of one class, `target` (concepts from that class's contributions: what drives this class)")
		private String scope = "dataset";

		@Parameter(label = "Target class", persist = false, required = false,
			description = "with `scope=class`: the class, `predicted` (the class most images are predicted as), a class name or index; `scope=dataset` takes no other value")
		private String target = "predicted";

		@Parameter(label = "Concepts per layer", persist = false, min = "1",
			description = "concept vectors per layer (k-means k)")
		private int concepts = 4;

		@Parameter(label = "PFV samples per layer", persist = false, min = "1",
			description = "PFVs sampled per layer for k-means")
		private int samples = 1000;

		@Parameter(label = "Random seed", persist = false,
			description = "sampling and k-means")
		private long seed = 42L;

		@Parameter(label = "GIG steps", persist = false, min = "1",
			description = "GIG midpoint steps along the path")
		private int steps = 32;

		@Parameter(label = "ERFs per concept", persist = false, min = "1",
			description = "strongest PFVs (largest coefficient) per concept shown by their ERFs")
		private int examples = 6;

		@Parameter(label = "ERF mass", persist = false, min = "0.001", max = "1",
			description = "each ERF's outline holds this fraction of its absolute relevance")
		private double erf_mass = 0.9;

		@Parameter(label = "Top fraction outlined as ROI", persist = false, min = "0.001", max = "1",
			description = "the top fraction of each concept map outlined as that slice's ROI")
		private double top_fraction = 0.1;

		@Parameter(label = "Output", persist = false, choices = { "channel", "image" },
			description = "concept maps: `channel` (image channels + one channel per concept of every layer) or `image` (the maps alone)")
		private String output = "channel";

		@Parameter(label = "Save to folder (empty: do not save)", persist = false, required = false, style = FileWidget.DIRECTORY_STYLE,
			description = "folder for the files below; **required headless**")
		private java.io.File save_dir;

		@Parameter(label = "Overwrite files in save_dir", persist = false,
			description = "replace the files of an earlier run in `save_dir`; off (default): a run whose output file (named above) already exists there is refused before any work, naming the file, and nothing is changed")
		private boolean overwrite = false;

		/** The inputs by key, for {@link org.conceptscope.fiji.param.CommandSpec#inputs}. */
		final java.util.Map<String, Object> inputs() {
			java.util.Map<String, Object> in = new java.util.LinkedHashMap<>();
			in.put("model", model);
			in.put("folder", folder);
			in.put("layers", layers);
			in.put("scope", scope);
			in.put("target", target);
			in.put("concepts", concepts);
			in.put("samples", samples);
			in.put("seed", seed);
			in.put("steps", steps);
			in.put("examples", examples);
			in.put("erf_mass", erf_mass);
			in.put("top_fraction", top_fraction);
			in.put("output", output);
			in.put("save_dir", save_dir);
			in.put("overwrite", overwrite);
			return in;
		}
		// </inputs>
	}

	/** The inputs of {@code Train Interpretable Head}. */
	abstract static class TrainHead extends ContextCommand {

		// <inputs: generated from org.conceptscope.fiji.param.CommandSpecs; edit the declarations, not these fields (CommandSourcesTest rewrites them with CONCEPTSCOPE_WRITE_DOCS=1)>
		@Parameter(label = "Model folder", persist = false, style = FileWidget.DIRECTORY_STYLE,
			description = "the backbone: folder holding `saved_model.pb`; it stays frozen")
		private java.io.File model;

		@Parameter(label = "Image folder (empty: the current image)", persist = false, required = false, style = FileWidget.DIRECTORY_STYLE,
			description = "one subfolder of images per class (above)")
		private java.io.File folder;

		@Parameter(label = "Head", persist = false, choices = { "infodisent", "bi_ice" },
			description = "`infodisent`: one prototypical part per channel of the layer (an orthogonal rotation of the channels, max positive minus max negative evidence, non-negative classifier); `bi_ice`: `concepts` concept embeddings interacting with the patch embeddings both ways")
		private String head = "infodisent";

		@Parameter(label = "Layer (empty: the last spatial layer)", persist = false, required = false,
			description = "the spatial layer the head reads (Model Info lists them); empty = the last spatial layer with more than one position (global pooling kept 4-D is passed over)")
		private String layer = "";

		@Parameter(label = "Concepts", persist = false, min = "2",
			description = "bi_ice: number of concepts (at least 2)")
		private int concepts = 6;

		@Parameter(label = "Concept dimension", persist = false, min = "3",
			description = "bi_ice: dimension of the concept and patch embeddings (at least 3: the layer norms take each embedding's mean and scale)")
		private int dimension = 16;

		@Parameter(label = "Sparsity", persist = false, min = "0",
			description = "bi_ice: weight of the L1 penalty on each concept's direction in the layer's channels (mean absolute entry)")
		private double sparsity = 0.01;

		@Parameter(label = "Binding iterations", persist = false, min = "1",
			description = "bi_ice: rounds of bidirectional binding (concepts compete for the patches and take in those they win, patches receive the concepts they choose); the published model iterates; 1 = one static round")
		private int iterations = 3;

		@Parameter(label = "Training steps", persist = false, min = "1",
			description = "Adam steps on cross-entropy")
		private int steps = 400;

		@Parameter(label = "Batch size", persist = false, min = "1",
			description = "at most this many images per Adam step; an epoch is one pass over the training images in a seeded shuffled order, cut into batches of nearly equal sizes (72 images: 3 of 24)")
		private int batch_size = 32;

		@Parameter(label = "Learning rate", persist = false, min = "0.000001",
			description = "Adam step size")
		private double learning_rate = 0.01;

		@Parameter(label = "Random seed", persist = false,
			description = "initial weights, batch order and the held-out split, each from a random stream of its own")
		private long seed = 42L;

		@Parameter(label = "Held-out share", persist = false, min = "0.001", max = "0.999",
			description = "share of each class's images held out (seeded; at least one per class with two images or more; an image's tiles together) for the accuracy table; the head trains on the rest")
		private double held_out = 0.2;

		@Parameter(label = "Prototypes per unit", persist = false, min = "1",
			description = "top-activating training patches per part/concept in the montage")
		private int prototypes = 6;

		@Parameter(label = "Save to folder (empty: do not save)", persist = false, required = false, style = FileWidget.DIRECTORY_STYLE,
			description = "folder for the files below")
		private java.io.File save_dir;

		@Parameter(label = "Overwrite files in save_dir", persist = false,
			description = "replace the files of an earlier run in `save_dir`; off (default): a run whose output file (named above) already exists there is refused before any work, naming the file, and nothing is changed")
		private boolean overwrite = false;

		/** The inputs by key, for {@link org.conceptscope.fiji.param.CommandSpec#inputs}. */
		final java.util.Map<String, Object> inputs() {
			java.util.Map<String, Object> in = new java.util.LinkedHashMap<>();
			in.put("model", model);
			in.put("folder", folder);
			in.put("head", head);
			in.put("layer", layer);
			in.put("concepts", concepts);
			in.put("dimension", dimension);
			in.put("sparsity", sparsity);
			in.put("iterations", iterations);
			in.put("steps", steps);
			in.put("batch_size", batch_size);
			in.put("learning_rate", learning_rate);
			in.put("seed", seed);
			in.put("held_out", held_out);
			in.put("prototypes", prototypes);
			in.put("save_dir", save_dir);
			in.put("overwrite", overwrite);
			return in;
		}
		// </inputs>
	}

	/** The inputs of {@code Explain with Head}. */
	abstract static class ExplainWithHead extends ContextCommand {

		// <inputs: generated from org.conceptscope.fiji.param.CommandSpecs; edit the declarations, not these fields (CommandSourcesTest rewrites them with CONCEPTSCOPE_WRITE_DOCS=1)>
		@Parameter(label = "Image", required = false, visibility = org.scijava.ItemVisibility.INVISIBLE, description = "The image or stack to explain (only read).")
		ij.ImagePlus image;

		@Parameter(label = "Model folder", persist = false, style = FileWidget.DIRECTORY_STYLE,
			description = "the backbone the head was trained on (its layer and shape are checked)")
		private java.io.File model;

		@Parameter(label = "Head folder", persist = false, required = false, style = FileWidget.DIRECTORY_STYLE,
			description = "the head folder (`<save_dir>/head`; the `save_dir` of the training run works too)")
		private java.io.File head;

		@Parameter(label = "Target class", persist = false, required = false,
			description = "`predicted` (the head's own prediction per slice), a class name or index")
		private String target = "predicted";

		@Parameter(label = "Parts per slice", persist = false, min = "1",
			description = "parts/concepts per slice: those with the largest positive contributions to the target logit (with `against`, the largest contributions by size, for or against it)")
		private int top = 3;

		@Parameter(label = "Parts against the target", persist = false,
			description = "also rank the parts that speak against the target: the `top` parts by the size of their contribution, positive or negative (InfoDisent's negative evidence), each negative one's ROI outlining where its map is most negative; with `top` at least the number of parts, the rows and the bias row add up to the target logit. Bi-ICE's concepts only add: nothing changes for them")
		private boolean against = false;

		@Parameter(label = "Top fraction outlined as ROI", persist = false, min = "0.001", max = "1",
			description = "the top fraction of each part's map outlined as its ROI")
		private double top_fraction = 0.1;

		@Parameter(label = "Bias row", persist = false,
			description = "one more row per slice (rank and unit `bias`, no ROI) for the class bias: the part of the target logit no part or concept explains (InfoDisent: its class bias b_k; Bi-ICE: the logit minus the contributions), so every contribution plus the bias is the target logit, as the InfoDisent paper reads a decision; `bias=false` leaves it out (only the parts or concepts, e.g. for a table of evidence alone)")
		private boolean bias = true;

		@Parameter(label = "Save to folder (empty: do not save)", persist = false, required = false, style = FileWidget.DIRECTORY_STYLE,
			description = "folder for `<title>-<head>.tif`, `<title>-<head>-RoiSet.zip`, `<title>-<head>-results.csv`")
		private java.io.File save_dir;

		@Parameter(label = "Overwrite files in save_dir", persist = false,
			description = "replace the files of an earlier run in `save_dir`; off (default): a run whose output file (named above) already exists there is refused before any work, naming the file, and nothing is changed")
		private boolean overwrite = false;

		/** The inputs by key, for {@link org.conceptscope.fiji.param.CommandSpec#inputs}. */
		final java.util.Map<String, Object> inputs() {
			java.util.Map<String, Object> in = new java.util.LinkedHashMap<>();
			in.put("model", model);
			in.put("head", head);
			in.put("target", target);
			in.put("top", top);
			in.put("against", against);
			in.put("top_fraction", top_fraction);
			in.put("bias", bias);
			in.put("save_dir", save_dir);
			in.put("overwrite", overwrite);
			return in;
		}
		// </inputs>
	}

	/** The inputs of {@code Feature Visualization}. */
	abstract static class FeatureVisualization extends ContextCommand {

		// <inputs: generated from org.conceptscope.fiji.param.CommandSpecs; edit the declarations, not these fields (CommandSourcesTest rewrites them with CONCEPTSCOPE_WRITE_DOCS=1)>
		@Parameter(label = "Image (spectrum; unused when a folder is set)", required = false, visibility = org.scijava.ItemVisibility.INVISIBLE, description = "Images whose magnitude spectrum the visualization keeps (only read).")
		ij.ImagePlus image;

		@Parameter(label = "Model folder", persist = false, style = FileWidget.DIRECTORY_STYLE,
			description = "a TensorFlow SavedModel folder (holding `saved_model.pb`): this command reads the model's graph, so other models are refused")
		private java.io.File model;

		@Parameter(label = "Head folder (optional)", persist = false, required = false, style = FileWidget.DIRECTORY_STYLE,
			description = "optional: a head saved by Train Interpretable Head (`<save_dir>/head`) for the same model; then `target` may be one of its parts or concepts, and a class means the head's logit, both computed through the model and the head")
		private java.io.File head;

		@Parameter(label = "Target class", persist = false, required = false,
			description = "the class to visualise: a name or an index; with a `head` also `part k` (InfoDisent: that part's evidence) or `concept k` (Bi-ICE: that concept's activation)")
		private String target = "";

		@Parameter(label = "Image folder (empty: the current image)", persist = false, required = false, style = FileWidget.DIRECTORY_STYLE,
			description = "images whose mean magnitude spectrum (per channel, after the model's normalisation) the visualisation keeps; empty = the current image or stack. `reference`: the spectrum's shape at the images' cycles per pixel (resized to the canvas), the values through a sigmoid into `values_range` or the images' robust range (their mean is not kept); `simple`: the spectrum kept exactly (conjugate frequencies tied so the image is real) and the images' mean with its sign. For grayscale or microscopy models this keeps the texture of your own images. An image larger than the model's input gives its tiles of the input's size, each one image")
		private java.io.File folder;

		@Parameter(label = "Recipe", persist = false, choices = { "reference", "simple" },
			description = "`reference`: [MACO](../methods/maco.md) as its paper and Xplique run it (a canvas of the input side \u00d7 512/224, `crops` random crops per step with box sizes falling from 0.5 to 0.05, noise, values through a sigmoid into `values_range` or the images' robust range, Nadam); `simple`: ConceptScope's first variant (an input-sized image, one crop per step of side in [`crop`, 1], Adam, the magnitude kept exactly)")
		private String recipe = "reference";

		@Parameter(label = "Steps", persist = false, min = "1",
			description = "optimisation steps on the Fourier phase")
		private int steps = 200;

		@Parameter(label = "Learning rate (simple)", persist = false, min = "0.000001",
			description = "`simple`: Adam step size (radians); `reference` uses Xplique's Nadam at 1.0 on the standardised phase")
		private double learning_rate = 0.05;

		@Parameter(label = "Crop (smallest side, simple)", persist = false, min = "0.001", max = "1",
			description = "`simple`: each step scores a random crop whose side is between `crop` and 1 of the image, resized back")
		private double crop = 0.8;

		@Parameter(label = "Crops per step (reference)", persist = false, min = "1",
			description = "`reference`: random crops scored per step (the objective is their mean)")
		private int crops = 32;

		@Parameter(label = "Noise (reference)", persist = false, min = "0",
			description = "`reference`: noise added to every crop value: Gaussian of this standard deviation plus uniform in \u00b1noise/2")
		private double noise = 0.08;

		@Parameter(label = "Canvas side (0: automatic)", persist = false, min = "0",
			description = "`reference`: side of the optimised canvas in pixels (at least the model input, at most 2048); 0 = the input side \u00d7 512/224, Xplique's canvas for 224-pixel models")
		private int canvas = 0;

		@Parameter(label = "Value range lo,hi (reference; empty: the model's or the images')", persist = false, required = false,
			description = "`reference`: the values the model takes, `lo,hi` in its input units after its normalisation (`values_range=0,1`, `values_range=-1,1`: Xplique's `values_range`), into which the canvas is put through a sigmoid, or one `lo,hi` pair per input channel separated by `;` (`values_range=0,255;0,255;0,127`, the form `values_range_used` takes for ranges per channel: each channel is put in its own; a count of pairs other than the model's input channels is refused in one sentence before any image is read); empty = the range a bioimage.io package declares for its input where it has a fixed place in those units (see [MACO](../methods/maco.md)), else the images' 0.1st to 99.9th percentile (all channels together), so a hot pixel or stray value does not stretch the range and wash the visualisation out")
		private String values_range = "";

		@Parameter(label = "Random seed", persist = false,
			description = "start phase and crops: the same seed gives the same image")
		private long seed = 42L;

		@Parameter(label = "Save to folder (empty: do not save)", persist = false, required = false, style = FileWidget.DIRECTORY_STYLE,
			description = "folder for `<model>-<class>-maco.tif` (with a head `<model>-<head>-part-k-maco.tif`), `-maco-scores.csv` (`step, score`: the target score of each step's crop, the mean over its crops for `reference`) and `-maco-scores.png`")
		private java.io.File save_dir;

		@Parameter(label = "Overwrite files in save_dir", persist = false,
			description = "replace the files of an earlier run in `save_dir`; off (default): a run whose output file (named above) already exists there is refused before any work, naming the file, and nothing is changed")
		private boolean overwrite = false;

		/** The inputs by key, for {@link org.conceptscope.fiji.param.CommandSpec#inputs}. */
		final java.util.Map<String, Object> inputs() {
			java.util.Map<String, Object> in = new java.util.LinkedHashMap<>();
			in.put("model", model);
			in.put("head", head);
			in.put("target", target);
			in.put("folder", folder);
			in.put("recipe", recipe);
			in.put("steps", steps);
			in.put("learning_rate", learning_rate);
			in.put("crop", crop);
			in.put("crops", crops);
			in.put("noise", noise);
			in.put("canvas", canvas);
			in.put("values_range", values_range);
			in.put("seed", seed);
			in.put("save_dir", save_dir);
			in.put("overwrite", overwrite);
			return in;
		}
		// </inputs>
	}

	/** The inputs of {@code Concept Importance}. */
	abstract static class ConceptImportance extends ContextCommand {

		// <inputs: generated from org.conceptscope.fiji.param.CommandSpecs; edit the declarations, not these fields (CommandSourcesTest rewrites them with CONCEPTSCOPE_WRITE_DOCS=1)>
		@Parameter(label = "Image (unused when a folder is set)", required = false, visibility = org.scijava.ItemVisibility.INVISIBLE, description = "A stack of images of the bank's class (only read).")
		ij.ImagePlus image;

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
			description = "also write the bank with these importances (and `importanceEstimator`) into `save_dir` under its own file name; `save_dir` = the bank's folder updates it in place (atomically; not an earlier output, so no `overwrite` is needed)")
		private boolean update_bank = false;

		@Parameter(label = "Save to folder (empty: do not save)", persist = false, required = false, style = FileWidget.DIRECTORY_STYLE,
			description = "folder for `<bank>-importance-<estimator>.csv` (`concept, estimator, importance, rank, bank_importance`: rank 1 = most important; `bank_importance` = what the bank held, NaN if nothing) and `<bank>-importance-<estimator>.png` (bar plot); **required headless**")
		private java.io.File save_dir;

		@Parameter(label = "Overwrite files in save_dir", persist = false,
			description = "replace the files of an earlier run in `save_dir`; off (default): a run whose output file (named above) already exists there is refused before any work, naming the file, and nothing is changed")
		private boolean overwrite = false;

		/** The inputs by key, for {@link org.conceptscope.fiji.param.CommandSpec#inputs}. */
		final java.util.Map<String, Object> inputs() {
			java.util.Map<String, Object> in = new java.util.LinkedHashMap<>();
			in.put("model", model);
			in.put("concepts", concepts);
			in.put("folder", folder);
			in.put("estimator", estimator);
			in.put("designs", designs);
			in.put("seed", seed);
			in.put("update_bank", update_bank);
			in.put("save_dir", save_dir);
			in.put("overwrite", overwrite);
			return in;
		}
		// </inputs>
	}

	/** The inputs of {@code TCAV}. */
	abstract static class Tcav extends ContextCommand {

		// <inputs: generated from org.conceptscope.fiji.param.CommandSpecs; edit the declarations, not these fields (CommandSourcesTest rewrites them with CONCEPTSCOPE_WRITE_DOCS=1)>
		@Parameter(label = "Image (class images and ROIs; unused when folders are set)", required = false, visibility = org.scijava.ItemVisibility.INVISIBLE, description = "A stack of images of the class tested, or with ROIs named after concepts (only read).")
		ij.ImagePlus image;

		@Parameter(label = "Model folder", persist = false, style = FileWidget.DIRECTORY_STYLE,
			description = "a TensorFlow SavedModel folder (holding `saved_model.pb`), a bioimage.io package (its folder, `rdf.yaml` or `.zip`), or a TorchScript (`.pt`, with `conceptscope.json` beside it) or ONNX (`.onnx`) file or the folder holding it ([engines](../models/engines.md))")
		private java.io.File model;

		@Parameter(label = "Image folder (empty: the current image)", persist = false, required = false, style = FileWidget.DIRECTORY_STYLE,
			description = "images of the class tested (as for Concept Discovery: name order, other files skipped, an image larger than the model's input gives its tiles of the input's size, each one image); empty = the current image or stack")
		private java.io.File folder;

		@Parameter(label = "Concept folder (empty: named ROIs)", persist = false, required = false, style = FileWidget.DIRECTORY_STYLE,
			description = "a folder with one subfolder of example images per concept, the subfolder's name the concept's (at least 2 images each; an image larger than the model's input gives its tiles, each one example); empty = the ROIs of the current image (its overlay, else the ROI Manager), each named after its concept: the bounding box of each ROI on its slice, resized to the model's input, is one example")
		private java.io.File concepts;

		@Parameter(label = "Random counterexamples folder", persist = false, required = false, style = FileWidget.DIRECTORY_STYLE,
			description = "images without the concepts (a larger image gives its tiles, each one image); each run draws two disjoint random sets from them, as large as a concept's examples (at most half of them): give at least 4, better twice as many as the examples of a concept. Not needed with `cavs`")
		private java.io.File random;

		@Parameter(label = "Target class", persist = false, required = false,
			description = "the class tested: `predicted` (the class most images are predicted as), a class name or index")
		private String target = "predicted";

		@Parameter(label = "Layers (empty: the last spatial layer)", persist = false, required = false,
			description = "layers to find CAVs in, comma-separated (`layers=[conv1/relu,conv2/relu]`; Model Info lists them); empty = the last spatial layer with more than one position (global pooling kept 4-D is passed over)")
		private String layers = "";

		@Parameter(label = "Runs (random sets)", persist = false, min = "2",
			description = "random counterexample sets, so CAVs per concept and layer; the t-test compares the concept's scores over the runs with random-against-random CAVs' scores")
		private int runs = 20;

		@Parameter(label = "Significance level", persist = false, min = "0.001", max = "0.999",
			description = "a concept is significant when the t-test's p < `alpha` / (concepts x layers) (Bonferroni)")
		private double alpha = 0.05;

		@Parameter(label = "Random seed", persist = false,
			description = "random sets, training splits and SVM training: the same seed gives the same table")
		private long seed = 42L;

		@Parameter(label = "CAV bank to score (empty: test concepts)", persist = false, required = false, style = FileWidget.OPEN_STYLE,
			description = "a `cavs.json` written by TCAV: score its CAVs on the images instead of testing concepts (`concepts`, `random`, `layers`, `runs`, `alpha` are then not used)")
		private java.io.File cavs;

		@Parameter(label = "Save to folder (empty: do not save)", persist = false, required = false, style = FileWidget.DIRECTORY_STYLE,
			description = "folder for `tcav.csv` (one row per concept and layer), `tcav.png` (scores against random CAVs) and `cavs.json` (the CAVs); scoring a bank: `tcav-scores.csv` and `tcav-scores.png`; **required headless**")
		private java.io.File save_dir;

		@Parameter(label = "Overwrite files in save_dir", persist = false,
			description = "replace the files of an earlier run in `save_dir`; off (default): a run whose output file (named above) already exists there is refused before any work, naming the file, and nothing is changed")
		private boolean overwrite = false;

		/** The inputs by key, for {@link org.conceptscope.fiji.param.CommandSpec#inputs}. */
		final java.util.Map<String, Object> inputs() {
			java.util.Map<String, Object> in = new java.util.LinkedHashMap<>();
			in.put("model", model);
			in.put("folder", folder);
			in.put("concepts", concepts);
			in.put("random", random);
			in.put("target", target);
			in.put("layers", layers);
			in.put("runs", runs);
			in.put("alpha", alpha);
			in.put("seed", seed);
			in.put("cavs", cavs);
			in.put("save_dir", save_dir);
			in.put("overwrite", overwrite);
			return in;
		}
		// </inputs>
	}

	/** The inputs of {@code Nearest Examples}. */
	abstract static class Examples extends ContextCommand {

		// <inputs: generated from org.conceptscope.fiji.param.CommandSpecs; edit the declarations, not these fields (CommandSourcesTest rewrites them with CONCEPTSCOPE_WRITE_DOCS=1)>
		@Parameter(label = "Image (the cases)", required = false, visibility = org.scijava.ItemVisibility.INVISIBLE, description = "The slices whose nearest examples are shown (only read).")
		ij.ImagePlus image;

		@Parameter(label = "Model folder", persist = false, style = FileWidget.DIRECTORY_STYLE,
			description = "a TensorFlow SavedModel folder (holding `saved_model.pb`), a bioimage.io package (its folder, `rdf.yaml` or `.zip`), or a TorchScript (`.pt`, with `conceptscope.json` beside it) or ONNX (`.onnx`) file or the folder holding it ([engines](../models/engines.md))")
		private java.io.File model;

		@Parameter(label = "Training examples folder", persist = false, required = false, style = FileWidget.DIRECTORY_STYLE,
			description = "the training examples: images (name order, other files skipped; an image larger than the model's input gives its tiles of the input's size, each one image), or one subfolder of images per class, named after the model's classes (then prototypes are per class, and each tile takes its image's class)")
		private java.io.File folder;

		@Parameter(label = "Layer (empty: the last spatial layer)", persist = false, required = false,
			description = "the layer whose activations are compared (Model Info lists them); empty = the last spatial layer with more than one position (global pooling kept 4-D is passed over)")
		private String layer = "";

		@Parameter(label = "Nearest examples per slice", persist = false, min = "0",
			description = "for each slice of the current image (each tile of a slice larger than the model's input), its training examples nearest by Euclidean distance between activations, nearest first; 0 = none (no image needed)")
		private int neighbours = 5;

		@Parameter(label = "Prototypes (per class)", persist = false, min = "0",
			description = "MMD-critic prototypes of the examples (per class with class subfolders; RBF kernel, gamma 1 / the median squared distance); 0 = none")
		private int prototypes = 3;

		@Parameter(label = "Save to folder (empty: do not save)", persist = false, required = false, style = FileWidget.DIRECTORY_STYLE,
			description = "folder for `<title>-nearest.tif` (montage: each case, then its nearest examples; distances in the row label and as each panel's `distance` property), `<title>-nearest.csv` (`case, rank, example, distance`; a case is the image's whole title and slice, `ihc-heldout-patches.tif slice 1`, or a tile, `... x=.. y=..`), `<title>` being the title without its extension; `prototypes.tif` and `prototypes.csv` (`class, rank, example, objective`); **required headless**")
		private java.io.File save_dir;

		@Parameter(label = "Overwrite files in save_dir", persist = false,
			description = "replace the files of an earlier run in `save_dir`; off (default): a run whose output file (named above) already exists there is refused before any work, naming the file, and nothing is changed")
		private boolean overwrite = false;

		/** The inputs by key, for {@link org.conceptscope.fiji.param.CommandSpec#inputs}. */
		final java.util.Map<String, Object> inputs() {
			java.util.Map<String, Object> in = new java.util.LinkedHashMap<>();
			in.put("model", model);
			in.put("folder", folder);
			in.put("layer", layer);
			in.put("neighbours", neighbours);
			in.put("prototypes", prototypes);
			in.put("save_dir", save_dir);
			in.put("overwrite", overwrite);
			return in;
		}
		// </inputs>
	}
}
