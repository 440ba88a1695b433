package org.conceptscope.fiji.command;

import org.conceptscope.fiji.run.AttributionResult;
import org.conceptscope.fiji.run.AttributionRun;
import org.conceptscope.fiji.run.AttributionSettings;
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
 * Plugins &gt; ConceptScope &gt; Attribution... as a SciJava command: where the model looks, for
 * every slice and frame of an image. Thin by design: the parameters become
 * {@link AttributionSettings}, {@link AttributionRun} does the work, the new image is the output.
 * <p>
 * Its inputs are generated from {@link org.conceptscope.fiji.param.CommandSpecs#ATTRIBUTION}
 * ({@link org.conceptscope.fiji.param.SciJavaInputs}): named by the macro keys, because Fiji records
 * a SciJava input under its field name, and not persisted ({@code persist = false}): a headless
 * run or a macro must not depend on what a dialog was last set to. In Fiji this command takes over the menu item that plugins.config
 * gives the ImageJ 1.x plugin (same path and label), so the menu shows it once.
 */
@Plugin(type = Command.class, menuPath = "Plugins>ConceptScope>Attribution...", headless = true,
	description = "Attribution maps for every slice of an image, with a TensorFlow classifier")
public class AttributionCommand extends ContextCommand {

	// Not required: without an image the command says "No image is open: ..." itself, not SciJava's generic message.
	@Parameter(label = "Image", required = false, description = "The image or stack to explain (only read).")
	private ImagePlus image;

	// <inputs: generated from org.conceptscope.fiji.param.CommandSpecs; edit the declarations, not these fields (CommandSourcesTest rewrites them with CONCEPTSCOPE_WRITE_DOCS=1)>
	@Parameter(label = "Model folder", persist = false, style = FileWidget.DIRECTORY_STYLE,
		description = "folder holding `saved_model.pb` (and `conceptscope.json`)")
	private java.io.File model;

	@Parameter(label = "Method", persist = false, choices = { "saliency", "gradient_x_input", "integrated_gradients", "smoothgrad", "vargrad", "squaregrad", "gradcam", "gradcam_plus_plus", "guided_backprop", "deconvnet", "occlusion", "rise", "sobol", "hsic", "lime", "kernel_shap", "eva", "srd" },
		description = "`saliency`, `gradient_x_input`, `integrated_gradients`, `smoothgrad`, `vargrad`, `squaregrad`, `gradcam`, `gradcam_plus_plus`, `guided_backprop`, `deconvnet`, `occlusion`, `rise`, `sobol`, `hsic`, `lime`, `kernel_shap`, `eva`, `srd` ([LIME](../methods/lime.md), Kernel SHAP, Guided Backpropagation, DeconvNet and [SRD](../methods/srd.md): TensorFlow models)")
	private String method = "saliency";

	@Parameter(label = "Target class", persist = false, required = false,
		description = "`predicted` (each slice's own predicted class), a class name (`target=[soft tissue]`, case-insensitive when unambiguous) or a class index")
	private String target = "predicted";

	@Parameter(label = "Steps (Integrated Gradients) (integrated_gradients)", persist = false, min = "1",
		description = "steps along the path from the baseline to the image (midpoint rule)")
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
		description = "srd: the spatial layer whose PFVs the decomposition of the logit stops at (each PFV's share, upsampled bilinearly to the image: a coarser map); empty = the input pixels, as the paper's maps")
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

	@Parameter(label = "Segments (lime, kernel_shap)", persist = false, choices = { "grid", "slic" },
		description = "`grid` (`grid` \u00d7 `grid` cells) or `slic` (SLIC superpixels that follow the image's edges, compactness 0.1 on the [0, 1]-scaled image)")
	private String segments = "grid";

	@Parameter(label = "Superpixels (lime, kernel_shap)", persist = false, min = "1",
		description = "with `segments=slic`: about this many superpixels")
	private int superpixels = 64;

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
		description = "`none`: the whole image; `selection` (the image's area selection), `manager` (every ROI of the ROI Manager), the path of a RoiSet.zip, or a folder of ROI files named after the images (`<name>.zip` for `<name>.tif`; the batch runner's way to give each image its ROIs): each ROI explained alone (`region`), one table row per ROI, the maps in `<title>-<method>-regions`")
	private String rois = "none";

	@Parameter(label = "Explain each ROI with", persist = false, choices = { "tiles", "window" },
		description = "`tiles`: only the model-size tiles of the whole-image grid that hold a pixel of the ROI (the whole-image map there); `window`: one model-size window centred on the ROI")
	private String region = "tiles";

	@Parameter(label = "Output", persist = false, choices = { "channel", "image" },
		description = "`channel`: a new composite image = the image's channels (32-bit, calibrated values, R/G/B for RGB) + the map as last channel (Fire from 0 for unsigned maps; for signed maps, Integrated Gradients and Gradient\u00d7Input or any map with negative values, a diverging blue-white-red LUT, white at 0, over a symmetric range); `image`: the maps alone as a separate 32-bit image")
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

	/** The inputs by key, for {@link org.conceptscope.fiji.param.CommandSpec#inputs}. */
	private java.util.Map<String, Object> inputs() {
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
		in.put("segments", segments);
		in.put("superpixels", superpixels);
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
		return in;
	}
	// </inputs>

	@Parameter(label = "Explanation", type = ItemIO.OUTPUT)
	private ImagePlus explanation;

	@Parameter
	private LogService log;

	@Parameter(required = false)
	private UIService ui;

	@Override
	public void run() {
		CommandTasks.run("Attribution", log, ui, this::cancel, progress -> {
			AttributionResult result = AttributionRun.run(image, settings(), progress);
			explanation = result.image();
			if (result.classMap() != null) ResultsDisplay.showResult(result.classMap());
			ResultsDisplay.showTableAndRois(result);
			progress.finished(result.summary() + ".");
		});
	}

	AttributionSettings settings() {
		return AttributionSettings.of(CommandSpecs.ATTRIBUTION.inputs(inputs()));
	}
}
