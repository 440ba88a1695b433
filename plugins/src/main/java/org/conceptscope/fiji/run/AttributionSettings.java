package org.conceptscope.fiji.run;

import org.conceptscope.fiji.param.OptionText;
import org.conceptscope.fiji.param.CommandSpecs;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The parameters of the Attribution command, shared by the SciJava command and the ImageJ 1.x
 * plugin. The key constants are the macro keys and the SciJava parameter names (snake_case,
 * because Fiji records a SciJava input under its lowercased field name). Defaults live here
 * only; a test checks that the SciJava command declares the same names and defaults.
 */
public final class AttributionSettings {

	public static final String MODEL = "model", METHOD = "method", TARGET = "target", STEPS = "steps",
		BASELINE = "baseline", SAMPLES = "samples", NOISE = "noise", SEED = "seed", LAYER = "layer",
		START_LAYER = org.conceptscope.mechanistic.SrdAttribution.START_LAYER, PATCH = "patch",
		STRIDE = "stride", GRID = "grid", DESIGNS = "designs", KEEP_PROBABILITY = "keep_probability",
		BLUR_SIGMA = "blur_sigma", PER_CHANNEL = "per_channel", UPSAMPLING = "upsampling", SEGMENTS = "segments", SUPERPIXELS = "superpixels",
		EFFICIENCY = org.conceptscope.attribution.KernelShap.EFFICIENCY,
		FORGRAD = "forgrad", FORGRAD_BANDWIDTH = "forgrad_bandwidth", EPSILON = "epsilon", BOUNDS = "bounds", OUTPUT = "output",
		TOP_FRACTION = CommandSpecs.TOP_FRACTION.key(), OVERLAP = "overlap", OPACITY = "opacity", CALIBRATION_BAR = "calibration_bar", SAVE_DIR = CommandSpecs.SAVE_DIR.key(), OVERWRITE = CommandSpecs.OVERWRITE.key(), OPERATOR = "operator", ROIS = "rois",
		REGION = "region";

	/** Every macro key, in dialog order. */
	public static final List<String> KEYS = List.of(MODEL, METHOD, TARGET, STEPS, BASELINE, SAMPLES, NOISE, SEED, LAYER, START_LAYER,
		PATCH, STRIDE, GRID, DESIGNS, KEEP_PROBABILITY, BLUR_SIGMA, PER_CHANNEL, UPSAMPLING, SEGMENTS, SUPERPIXELS, EFFICIENCY, FORGRAD, FORGRAD_BANDWIDTH, EPSILON,
		BOUNDS, OPERATOR, ROIS, REGION, OUTPUT, TOP_FRACTION, OVERLAP, OPACITY, CALIBRATION_BAR, SAVE_DIR, OVERWRITE);

	/** {@code operator}: the model's own kind (class logits, or a segmentation over the image or ROI), or one of TargetOperator.KEYS. */
	public static final String DEFAULT_OPERATOR = "auto";
	/** {@code rois}: the whole image ({@link org.conceptscope.fiji.image.RegionTargets}). */
	public static final String DEFAULT_ROIS = "none";
	/** {@code region}: a ROI is explained with the tiles that hold it, or one window centred on it. */
	public static final String DEFAULT_REGION = "tiles";

	/** {@code target} value meaning "each slice's predicted class". */
	public static final String PREDICTED = "predicted";
	/** {@code output} values: the map as an extra channel of a new composite, or a separate map image. */
	public static final String OUTPUT_CHANNEL = "channel", OUTPUT_IMAGE = "image";
	public static final List<String> OUTPUTS = List.of(OUTPUT_CHANNEL, OUTPUT_IMAGE);

	public static final String DEFAULT_METHOD = "saliency";
	public static final int DEFAULT_STEPS = 32;
	public static final double DEFAULT_BASELINE = 0;
	/** 0: the method's own default (see {@link AttributionMethods#defaultSamples}). */
	public static final int DEFAULT_SAMPLES = 0;
	public static final double DEFAULT_NOISE = 0.15;
	public static final long DEFAULT_SEED = 42;
	/** Empty: Grad-CAM uses the last spatial layer. */
	public static final String DEFAULT_LAYER = "";
	public static final int DEFAULT_PATCH = 8, DEFAULT_STRIDE = 4, DEFAULT_GRID = 8, DEFAULT_DESIGNS = 32;
	public static final double DEFAULT_KEEP_PROBABILITY = 0.5, DEFAULT_BLUR_SIGMA = 0;
	public static final boolean DEFAULT_PER_CHANNEL = false;
	/** Sobol and HSIC: how the per-cell indices become a map; bicubic as Xplique (GridUpsampling says why). */
	public static final String DEFAULT_UPSAMPLING = org.conceptscope.tensor.GridUpsampling.SENSITIVITY_DEFAULT.key();
	/** LIME and Kernel SHAP: the segments are {@code grid} x {@code grid} cells, or about {@code superpixels} SLIC superpixels. */
	public static final String DEFAULT_SEGMENTS = "grid";
	public static final List<String> SEGMENT_CHOICES = List.of("grid", "slic");
	public static final int DEFAULT_SUPERPIXELS = 64;
	/** Kernel SHAP: the endpoint samples weighted 10^6 as Captum ({@code captum}), or held exactly ({@code exact}). */
	public static final String DEFAULT_EFFICIENCY = org.conceptscope.attribution.KernelShap.EFFICIENCY_CAPTUM;
	public static final List<String> EFFICIENCY_CHOICES = org.conceptscope.attribution.KernelShap.EFFICIENCY_CHOICES;
	/** FORGrad low-pass filtering of a gradient method's map; bandwidth 0: Xplique's 15 at 224 pixels, scaled to the image. */
	public static final boolean DEFAULT_FORGRAD = false;
	public static final int DEFAULT_FORGRAD_BANDWIDTH = 0;
	/** EVA: radius of the L-infinity ball, in the model's normalised input units (0.01 = 2.55 grey levels of 8-bit unit_range). */
	public static final double DEFAULT_EPSILON = 0.01;
	/** EVA: {@code interval} (fast) or {@code crown} (tighter linear bounds, slower). */
	public static final String DEFAULT_BOUNDS = "interval";
	public static final List<String> BOUND_CHOICES = List.of("interval", "crown");
	public static final String DEFAULT_OUTPUT = OUTPUT_CHANNEL;
	public static final double DEFAULT_TOP_FRACTION = 0.1;
	/** Images of another size than the model's input: fraction of a tile shared with its neighbours (docs/whole-images.md). */
	public static final double DEFAULT_OVERLAP = org.conceptscope.tensor.TileGrid.DEFAULT_OVERLAP;
	/**
	 * output=channel: opacity of the heat map drawn over the image as a translucent overlay (e.g. 0.5);
	 * 0 (default): no overlay, the map channel is shown in the composite as before.
	 */
	public static final double DEFAULT_OPACITY = 0;
	/** With the heat-map overlay: a calibration bar (the LUT with its range's numbers) drawn over the image too; off by default. */
	public static final boolean DEFAULT_CALIBRATION_BAR = false;

	private Path model;
	private String method = DEFAULT_METHOD;
	private String target = PREDICTED;
	private int steps = DEFAULT_STEPS;
	private double baseline = DEFAULT_BASELINE;
	private int samples = DEFAULT_SAMPLES;
	private double noise = DEFAULT_NOISE;
	private long seed = DEFAULT_SEED;
	private String layer = DEFAULT_LAYER;
	/** Empty: SRD decomposes down to the input pixels. */
	private String startLayer = "";
	private int patch = DEFAULT_PATCH, stride = DEFAULT_STRIDE, grid = DEFAULT_GRID, designs = DEFAULT_DESIGNS;
	private double keepProbability = DEFAULT_KEEP_PROBABILITY, blurSigma = DEFAULT_BLUR_SIGMA;
	private boolean perChannel = DEFAULT_PER_CHANNEL;
	private String upsampling = DEFAULT_UPSAMPLING;
	private String segments = DEFAULT_SEGMENTS;
	private int superpixels = DEFAULT_SUPERPIXELS;
	private String efficiency = DEFAULT_EFFICIENCY;
	private boolean forgrad = DEFAULT_FORGRAD;
	private int forgradBandwidth = DEFAULT_FORGRAD_BANDWIDTH;
	private double epsilon = DEFAULT_EPSILON;
	private String bounds = DEFAULT_BOUNDS;
	private String output = DEFAULT_OUTPUT;
	private double topFraction = DEFAULT_TOP_FRACTION;
	private double overlap = DEFAULT_OVERLAP, opacity = DEFAULT_OPACITY;
	private boolean calibrationBar = DEFAULT_CALIBRATION_BAR;
	private String operator = DEFAULT_OPERATOR, rois = DEFAULT_ROIS, region = DEFAULT_REGION;
	private Path saveDir;
	/** Replace the files of an earlier run in save_dir; off: such a run is refused before any work (not the batch runner's: it resumes). */
	private boolean overwrite;

	/**
	 * Checks everything that can be checked without the model or the image; the message names
	 * the macro key and what to give instead.
	 */
	public AttributionSettings validate() {
		SettingsChecks.model(model);
		AttributionMethods.check(method);
		if (target == null || target.isBlank()) {
			throw new IllegalArgumentException("No target given: use " + TARGET + "=" + PREDICTED + ", a class name or a class index.");
		}
		SettingsChecks.oneOf(OUTPUT, output, OUTPUTS, OUTPUT + "=" + OUTPUT_CHANNEL + " (heat map as an extra channel of a new image) or "
			+ OUTPUT + "=" + OUTPUT_IMAGE + " (a separate map image)");
		if (!(topFraction > 0 && topFraction <= 1)) {
			throw new IllegalArgumentException(TOP_FRACTION + " must be in (0, 1] (0.1 outlines the top 10 % of each map), got "
				+ topFraction + ".");
		}
		if (!(overlap >= 0 && overlap < 1)) {
			throw new IllegalArgumentException(OVERLAP + " must be at least 0 and below 1 (a fraction of the tile; 0.5 = half a tile), got "
				+ overlap + ".");
		}
		if (!operator.equals(DEFAULT_OPERATOR)) org.conceptscope.model.TargetOperator.parse(operator);
		org.conceptscope.attribution.RegionExplainer.Mode.parse(region);
		if (rois == null || rois.isBlank()) throw new IllegalArgumentException("No " + ROIS + " given: use " + ROIS + "=none (the whole image),"
			+ " selection, manager or the path of a RoiSet.zip.");
		if (!(opacity >= 0 && opacity <= 1)) {
			throw new IllegalArgumentException(OPACITY + " must be in [0, 1] (0.5: the heat map half transparent over the image; 0: no"
				+ " overlay), got " + opacity + ".");
		}
		atLeast(STEPS, steps, 1);
		atLeast(SAMPLES, samples, 0);
		atLeast(PATCH, patch, 1);
		atLeast(STRIDE, stride, 1);
		atLeast(GRID, grid, 1);
		atLeast(DESIGNS, designs, 2);
		finite(BASELINE, baseline);
		if (!(noise >= 0) || !Double.isFinite(noise)) {
			throw new IllegalArgumentException(NOISE + " must be a fraction >= 0 of the value range (e.g. 0.15), got " + noise + ".");
		}
		if (!(keepProbability > 0 && keepProbability <= 1)) {
			throw new IllegalArgumentException(KEEP_PROBABILITY + " must be in (0, 1], got " + keepProbability + ".");
		}
		if (!(blurSigma >= 0) || !Double.isFinite(blurSigma)) {
			throw new IllegalArgumentException(BLUR_SIGMA + " must be >= 0 (0 replaces masked pixels by 0), got " + blurSigma + ".");
		}
		org.conceptscope.tensor.GridUpsampling.parse(upsampling);
		SettingsChecks.oneOf(SEGMENTS, segments, SEGMENT_CHOICES, SEGMENTS + "=grid (" + GRID + " x " + GRID + " cells) or " + SEGMENTS
			+ "=slic (about " + SUPERPIXELS + " SLIC superpixels)");
		atLeast(SUPERPIXELS, superpixels, 1);
		SettingsChecks.oneOf(EFFICIENCY, efficiency, EFFICIENCY_CHOICES, EFFICIENCY + "=captum (Kernel SHAP's endpoint samples weighted 10^6, as"
			+ " Captum) or " + EFFICIENCY + "=exact (the values add up to the score change exactly)");
		if (!DEFAULT_EFFICIENCY.equals(efficiency) && !org.conceptscope.registry.Registry.ATTRIBUTION_PARAMETERS.get(EFFICIENCY).usedBy(method)) {
			// the default stays accepted for every method: recorded lines carry efficiency=captum whatever the method
			throw new IllegalArgumentException(EFFICIENCY + "=" + efficiency + " is a Kernel SHAP setting; " + method + " does not use it:"
				+ " drop " + EFFICIENCY + " or use method=kernel_shap.");
		}
		atLeast(FORGRAD_BANDWIDTH, forgradBandwidth, 0);
		if (forgrad && !AttributionMethods.FORGRAD_METHODS.contains(method)) {
			throw new IllegalArgumentException(FORGRAD + " filters the maps of gradient methods (" + String.join(", ", AttributionMethods.FORGRAD_METHODS)
				+ "); " + method + " is not one: drop " + FORGRAD + " or pick one of those.");
		}
		if (!(epsilon > 0) || !Double.isFinite(epsilon)) {
			throw new IllegalArgumentException(EPSILON + " must be a positive radius in the model's normalised input units (eva;"
				+ " e.g. 0.01), got " + epsilon + ".");
		}
		SettingsChecks.oneOf(BOUNDS, bounds, BOUND_CHOICES, BOUNDS + "=interval (fast) or " + BOUNDS + "=crown (tighter, slower)");
		SettingsChecks.saveDir(saveDir);
		return this;
	}

	private static void atLeast(String key, long value, long min) {
		if (value < min) throw new IllegalArgumentException(key + " must be at least " + min + ", got " + value + ".");
	}

	private static void finite(String key, double value) {
		if (!Double.isFinite(value)) throw new IllegalArgumentException(key + " must be a finite number, got " + value + ".");
	}

	/**
	 * Every key with its value as text, in key order (an unset model or save_dir empty,
	 * per_channel true or false): what a run records and compares, without a detour through a
	 * macro string (whose brackets a path holding ']' would break). Not {@code overwrite}: it says what a run may
	 * replace, not what it computes (the batch runner compares these with its manifest).
	 */
	public java.util.Map<String, String> options() {
		java.util.Map<String, String> o = new java.util.LinkedHashMap<>();
		o.put(MODEL, model == null ? "" : model.toString());
		o.put(METHOD, method);
		o.put(TARGET, target);
		o.put(STEPS, Integer.toString(steps));
		o.put(BASELINE, OptionText.number(baseline));
		o.put(SAMPLES, Integer.toString(samples));
		o.put(NOISE, OptionText.number(noise));
		o.put(SEED, Long.toString(seed));
		o.put(LAYER, layer);
		o.put(START_LAYER, startLayer);
		o.put(PATCH, Integer.toString(patch));
		o.put(STRIDE, Integer.toString(stride));
		o.put(GRID, Integer.toString(grid));
		o.put(DESIGNS, Integer.toString(designs));
		o.put(KEEP_PROBABILITY, OptionText.number(keepProbability));
		o.put(BLUR_SIGMA, OptionText.number(blurSigma));
		o.put(PER_CHANNEL, Boolean.toString(perChannel));
		o.put(UPSAMPLING, upsampling);
		o.put(SEGMENTS, segments);
		o.put(SUPERPIXELS, Integer.toString(superpixels));
		o.put(EFFICIENCY, efficiency);
		o.put(FORGRAD, Boolean.toString(forgrad));
		o.put(FORGRAD_BANDWIDTH, Integer.toString(forgradBandwidth));
		o.put(EPSILON, OptionText.number(epsilon));
		o.put(BOUNDS, bounds);
		o.put(OPERATOR, operator);
		o.put(ROIS, rois);
		o.put(REGION, region);
		o.put(OUTPUT, output);
		o.put(TOP_FRACTION, OptionText.number(topFraction));
		o.put(OVERLAP, OptionText.number(overlap));
		o.put(OPACITY, OptionText.number(opacity));
		o.put(CALIBRATION_BAR, Boolean.toString(calibrationBar));
		o.put(SAVE_DIR, saveDir == null ? "" : saveDir.toString());
		return o;
	}

	/**
	 * The settings as the macro line's options ({@code model=[...] method=... ...}), every key
	 * stated (folders always in brackets, per_channel only when on, save_dir only when set): what
	 * the recorder would write, and what replays this run exactly.
	 */
	public String toMacroOptions() {
		StringBuilder o = new StringBuilder();
		for (java.util.Map.Entry<String, String> e : options().entrySet()) {
			String k = e.getKey(), v = e.getValue();
			if (k.equals(MODEL)) o.append(k).append("=[").append(v).append("] ");
			else if (k.equals(PER_CHANNEL) || k.equals(FORGRAD) || k.equals(CALIBRATION_BAR)) {
				if (Boolean.parseBoolean(v)) o.append(k).append("=true "); // key=true: Fiji's legacy layer reads only key=value
			} else if (k.equals(SAVE_DIR)) {
				if (saveDir != null) o.append(k).append("=[").append(v).append("] ");
			} else option(o, k, v);
		}
		if (overwrite) o.append(OVERWRITE).append("=true ");
		return o.toString().trim();
	}

	/** key=value, bracketed when the value is empty or holds spaces (ImageJ's recorder does the same). */
	private static void option(StringBuilder o, String key, String value) {
		String v = value == null ? "" : value;
		boolean bracket = v.isEmpty() || v.chars().anyMatch(Character::isWhitespace);
		o.append(key).append('=').append(bracket ? "[" + v + "]" : v).append(' ');
	}

	/** Whether the heat map goes into an extra channel (true) or a separate image. */
	public boolean mapAsChannel() {
		return OUTPUT_CHANNEL.equals(output);
	}

	public Path model() { return model; }
	public String method() { return method; }
	public String target() { return target; }
	public int steps() { return steps; }
	public double baseline() { return baseline; }
	public int samples() { return samples; }
	public double noise() { return noise; }
	public long seed() { return seed; }
	public String layer() { return layer; }
	public String startLayer() { return startLayer; }
	public int patch() { return patch; }
	public int stride() { return stride; }
	public int grid() { return grid; }
	public int designs() { return designs; }
	public double keepProbability() { return keepProbability; }
	public double blurSigma() { return blurSigma; }
	public boolean perChannel() { return perChannel; }
	public String upsampling() { return upsampling; }
	public String segments() { return segments; }
	public int superpixels() { return superpixels; }
	public String efficiency() { return efficiency; }
	public boolean forgrad() { return forgrad; }
	public int forgradBandwidth() { return forgradBandwidth; }
	public double epsilon() { return epsilon; }
	public String bounds() { return bounds; }
	public String output() { return output; }
	public double topFraction() { return topFraction; }
	public double overlap() { return overlap; }
	public double opacity() { return opacity; }
	public boolean calibrationBar() { return calibrationBar; }
	public String operator() { return operator; }
	public String rois() { return rois; }
	public String region() { return region; }
	/** Where files go; null: nothing is written. */
	public Path saveDir() { return saveDir; }
	/** Whether a run may replace the files of an earlier run in {@link #saveDir()}. */
	public boolean overwrite() { return overwrite; }

	public AttributionSettings model(Path v) { model = v; return this; }
	public AttributionSettings method(String v) { method = v == null ? null : v.trim().toLowerCase(Locale.ROOT); return this; }
	public AttributionSettings target(String v) { target = v == null ? null : v.trim(); return this; }
	public AttributionSettings steps(int v) { steps = v; return this; }
	public AttributionSettings baseline(double v) { baseline = v; return this; }
	public AttributionSettings samples(int v) { samples = v; return this; }
	public AttributionSettings noise(double v) { noise = v; return this; }
	public AttributionSettings seed(long v) { seed = v; return this; }
	public AttributionSettings layer(String v) { layer = v == null ? "" : v.trim(); return this; }
	public AttributionSettings startLayer(String v) { startLayer = v == null ? "" : v.trim(); return this; }
	public AttributionSettings patch(int v) { patch = v; return this; }
	public AttributionSettings stride(int v) { stride = v; return this; }
	public AttributionSettings grid(int v) { grid = v; return this; }
	public AttributionSettings designs(int v) { designs = v; return this; }
	public AttributionSettings keepProbability(double v) { keepProbability = v; return this; }
	public AttributionSettings blurSigma(double v) { blurSigma = v; return this; }
	public AttributionSettings perChannel(boolean v) { perChannel = v; return this; }
	public AttributionSettings upsampling(String v) { upsampling = v == null || v.isBlank() ? DEFAULT_UPSAMPLING : v.trim().toLowerCase(Locale.ROOT); return this; }
	public AttributionSettings segments(String v) { segments = v == null ? null : v.trim().toLowerCase(Locale.ROOT); return this; }
	public AttributionSettings superpixels(int v) { superpixels = v; return this; }
	public AttributionSettings efficiency(String v) { efficiency = v == null ? null : v.trim().toLowerCase(Locale.ROOT); return this; }
	public AttributionSettings forgrad(boolean v) { forgrad = v; return this; }
	public AttributionSettings forgradBandwidth(int v) { forgradBandwidth = v; return this; }
	public AttributionSettings epsilon(double v) { epsilon = v; return this; }
	public AttributionSettings bounds(String v) { bounds = v == null ? null : v.trim().toLowerCase(Locale.ROOT); return this; }
	public AttributionSettings output(String v) { output = v == null ? null : v.trim().toLowerCase(Locale.ROOT); return this; }
	public AttributionSettings topFraction(double v) { topFraction = v; return this; }
	public AttributionSettings overlap(double v) { overlap = v; return this; }
	public AttributionSettings opacity(double v) { opacity = v; return this; }
	public AttributionSettings calibrationBar(boolean v) { calibrationBar = v; return this; }
	public AttributionSettings operator(String v) { operator = v == null || v.isBlank() ? DEFAULT_OPERATOR : v.trim().toLowerCase(Locale.ROOT); return this; }
	public AttributionSettings rois(String v) { rois = v == null || v.isBlank() ? DEFAULT_ROIS : v.trim(); return this; }
	public AttributionSettings region(String v) { region = v == null || v.isBlank() ? DEFAULT_REGION : v.trim().toLowerCase(Locale.ROOT); return this; }
	/** Null or blank: write nothing. */
	public AttributionSettings saveDir(Path v) { saveDir = v == null || v.toString().isBlank() ? null : v; return this; }
	public AttributionSettings overwrite(boolean v) { overwrite = v; return this; }

	/** The settings of these values (keys as declared in {@link org.conceptscope.fiji.param.CommandSpecs#ATTRIBUTION}). */
	public static AttributionSettings of(org.conceptscope.registry.Values v) {
		return new AttributionSettings()
			.model(v.path(MODEL))
			.method(v.text(METHOD))
			.target(v.text(TARGET))
			.steps(v.integer(STEPS))
			.baseline(v.number(BASELINE))
			.samples(v.integer(SAMPLES))
			.noise(v.number(NOISE))
			.seed(v.longValue(SEED))
			.layer(v.text(LAYER))
			.startLayer(v.text(START_LAYER))
			.patch(v.integer(PATCH))
			.stride(v.integer(STRIDE))
			.grid(v.integer(GRID))
			.designs(v.integer(DESIGNS))
			.keepProbability(v.number(KEEP_PROBABILITY))
			.blurSigma(v.number(BLUR_SIGMA))
			.perChannel(v.flag(PER_CHANNEL))
			.upsampling(v.text(UPSAMPLING))
			.segments(v.text(SEGMENTS))
			.superpixels(v.integer(SUPERPIXELS))
			.efficiency(v.text(EFFICIENCY))
			.forgrad(v.flag(FORGRAD))
			.forgradBandwidth(v.integer(FORGRAD_BANDWIDTH))
			.epsilon(v.number(EPSILON))
			.bounds(v.text(BOUNDS))
			.output(v.text(OUTPUT))
			.topFraction(v.number(TOP_FRACTION))
			.overlap(v.number(OVERLAP))
			.opacity(v.number(OPACITY))
			.calibrationBar(v.flag(CALIBRATION_BAR))
			.operator(v.text(OPERATOR))
			.rois(v.text(ROIS))
			.region(v.text(REGION))
			.saveDir(v.path(SAVE_DIR))
			.overwrite(v.asMap().containsKey(OVERWRITE) && v.flag(OVERWRITE)); // the batch runner's keys have none
	}

	/** The settings of a macro line's options (every problem of the line in one message). */
	public static AttributionSettings parse(String options) {
		return of(org.conceptscope.fiji.param.CommandSpecs.ATTRIBUTION.parse(options));
	}
}
