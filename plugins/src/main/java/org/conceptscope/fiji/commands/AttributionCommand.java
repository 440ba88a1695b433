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
 * Plugins &gt; ConceptScope &gt; Attribution... as a SciJava command: where the model looks, for
 * every slice and frame of an image. Thin by design: the parameters become
 * {@link AttributionSettings}, {@link AttributionRun} does the work, the new image is the output.
 * <p>
 * Field names are snake_case because Fiji records a SciJava input under its lowercased field
 * name; they equal the ImageJ 1.x plugin's macro keys (a test checks names and defaults). Values
 * are not persisted ({@code persist = false}): a headless run or a macro must not depend on what
 * a dialog was last set to. In Fiji this command takes over the menu item that plugins.config
 * gives the ImageJ 1.x plugin (same path and label), so the menu shows it once.
 */
@Plugin(type = Command.class, menuPath = "Plugins>ConceptScope>Attribution...", headless = true,
	description = "Attribution maps for every slice of an image, with a TensorFlow classifier")
public class AttributionCommand extends ContextCommand {

	// Not required: without an image the command says "No image is open: ..." itself, not SciJava's generic message.
	@Parameter(label = "Image", required = false, description = "The image or stack to explain (only read).")
	private ImagePlus image;

	@Parameter(label = "Model folder", style = FileWidget.DIRECTORY_STYLE, persist = false,
		description = "Folder holding saved_model.pb (and conceptscope.json).")
	private File model;

	@Parameter(label = "Method", persist = false, choices = { "saliency", "gradient_x_input", "integrated_gradients",
		"smoothgrad", "vargrad", "squaregrad", "gradcam", "gradcam_plus_plus", "guided_backprop", "deconvnet", "occlusion", "rise", "sobol",
		"hsic", "lime", "kernel_shap", "eva", "srd" })
	private String method = AttributionSettings.DEFAULT_METHOD;

	@Parameter(label = "Target class", persist = false, description = "predicted, a class name or a class index.")
	private String target = AttributionSettings.PREDICTED;

	@Parameter(label = "Steps (integrated_gradients)", persist = false, min = "1")
	private int steps = AttributionSettings.DEFAULT_STEPS;

	@Parameter(label = "Baseline (integrated_gradients, occlusion)", persist = false,
		description = "Constant in the model's normalised input units.")
	private double baseline = AttributionSettings.DEFAULT_BASELINE;

	@Parameter(label = "Samples (0: method default)", persist = false, min = "0",
		description = "Noisy copies (smoothgrad, vargrad, squaregrad: 50), masks (rise: 1000), designs (hsic: 1000),"
			+ " perturbed copies (lime: 150, kernel_shap: 800).")
	private int samples = AttributionSettings.DEFAULT_SAMPLES;

	@Parameter(label = "Noise (smoothgrad, vargrad, squaregrad)", persist = false, min = "0",
		description = "Noise sigma as a fraction of the value range.")
	private double noise = AttributionSettings.DEFAULT_NOISE;

	@Parameter(label = "Seed (random methods)", persist = false)
	private long seed = AttributionSettings.DEFAULT_SEED;

	@Parameter(label = "Layer (gradcam; empty: last spatial layer)", required = false, persist = false)
	private String layer = AttributionSettings.DEFAULT_LAYER;

	@Parameter(label = "Patch (occlusion)", persist = false, min = "1")
	private int patch = AttributionSettings.DEFAULT_PATCH;

	@Parameter(label = "Stride (occlusion)", persist = false, min = "1")
	private int stride = AttributionSettings.DEFAULT_STRIDE;

	@Parameter(label = "Grid (rise, sobol, hsic, eva, lime, kernel_shap)", persist = false, min = "1")
	private int grid = AttributionSettings.DEFAULT_GRID;

	@Parameter(label = "Designs (sobol)", persist = false, min = "2")
	private int designs = AttributionSettings.DEFAULT_DESIGNS;

	@Parameter(label = "Keep probability (rise, lime)", persist = false, min = "0", max = "1")
	private double keep_probability = AttributionSettings.DEFAULT_KEEP_PROBABILITY;

	@Parameter(label = "Blur sigma (sobol, hsic, lime, kernel_shap; 0: masked pixels become 0)", persist = false, min = "0")
	private double blur_sigma = AttributionSettings.DEFAULT_BLUR_SIGMA;

	@Parameter(label = "Per channel (sobol)", persist = false)
	private boolean per_channel = AttributionSettings.DEFAULT_PER_CHANNEL;

	@Parameter(label = "Segments (lime, kernel_shap)", persist = false, choices = { "grid", "slic" },
		description = "grid: grid x grid cells; slic: about 'superpixels' SLIC superpixels.")
	private String segments = AttributionSettings.DEFAULT_SEGMENTS;

	@Parameter(label = "Superpixels (segments=slic)", persist = false, min = "1")
	private int superpixels = AttributionSettings.DEFAULT_SUPERPIXELS;

	@Parameter(label = "FORGrad low-pass filter (gradient methods)", persist = false)
	private boolean forgrad = AttributionSettings.DEFAULT_FORGRAD;

	@Parameter(label = "FORGrad bandwidth (0: 15 at 224 pixels, scaled)", persist = false, min = "0")
	private int forgrad_bandwidth = AttributionSettings.DEFAULT_FORGRAD_BANDWIDTH;

	@Parameter(label = "Epsilon (eva; normalised input units)", persist = false, min = "0",
		description = "Radius of the L-infinity ball EVA verifies, in the model's normalised input units.")
	private double epsilon = AttributionSettings.DEFAULT_EPSILON;

	@Parameter(label = "Bounds (eva)", persist = false, choices = { "interval", "crown" },
		description = "interval: fast; crown: tighter linear bounds, slower.")
	private String bounds = AttributionSettings.DEFAULT_BOUNDS;

	@Parameter(label = "Output", persist = false, choices = { "channel", "image" },
		description = "channel: the map as an extra channel of a new composite image; image: a separate map image.")
	private String output = AttributionSettings.DEFAULT_OUTPUT;

	@Parameter(label = "Top fraction (ROIs)", persist = false, min = "0.001", max = "1")
	private double top_fraction = AttributionSettings.DEFAULT_TOP_FRACTION;

	@Parameter(label = "Overlap (tiles, images larger than the model input)", persist = false, min = "0", max = "0.95",
		description = "Fraction of a model-size tile shared with its neighbours; the tile maps are blended with a smooth window.")
	private double overlap = AttributionSettings.DEFAULT_OVERLAP;

	@Parameter(label = "Opacity (heat map over the image)", persist = false, min = "0", max = "1",
		description = "output=channel: the heat map drawn over the image with this opacity; 0: shown as a channel instead.")
	private double opacity = AttributionSettings.DEFAULT_OPACITY;

	@Parameter(style = FileWidget.DIRECTORY_STYLE, label = "Save to folder (empty: do not save)", required = false, persist = false)
	private File save_dir;

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
			progress.finished(result.explanation().size() + " slice(s) explained.");
		});
	}

	/** The parameters as settings (package-private so tests can compare them with the macro parser's). */
	AttributionSettings settings() {
		return new AttributionSettings()
			.model(ConceptDiscoveryCommand.path(model))
			.method(method)
			.target(target)
			.steps(steps)
			.baseline(baseline)
			.samples(samples)
			.noise(noise)
			.seed(seed)
			.layer(layer)
			.patch(patch)
			.stride(stride)
			.grid(grid)
			.designs(designs)
			.keepProbability(keep_probability)
			.blurSigma(blur_sigma)
			.perChannel(per_channel)
			.segments(segments)
			.superpixels(superpixels)
			.forgrad(forgrad)
			.forgradBandwidth(forgrad_bandwidth)
			.epsilon(epsilon)
			.bounds(bounds)
			.output(output)
			.topFraction(top_fraction)
			.overlap(overlap)
			.opacity(opacity)
			.saveDir(ConceptDiscoveryCommand.path(save_dir));
	}
}
