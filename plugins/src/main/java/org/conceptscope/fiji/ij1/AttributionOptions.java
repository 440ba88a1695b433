package org.conceptscope.fiji.ij1;

import static org.conceptscope.fiji.commands.AttributionSettings.*;

import org.conceptscope.fiji.commands.AttributionSettings;

/** Attribution settings from ImageJ 1.x macro options; absent keys keep their defaults. */
public final class AttributionOptions {

	private AttributionOptions() {}

	public static AttributionSettings parse(String options) {
		return parse(MacroOptions.parse(options, Attribution_.COMMAND, KEYS));
	}

	/** The Attribution keys of options that may hold other keys too (the batch runner's). */
	public static AttributionSettings parse(MacroOptions o) {
		return new AttributionSettings()
			.model(o.path(MODEL))
			.method(o.text(METHOD, DEFAULT_METHOD))
			.target(o.text(TARGET, PREDICTED))
			.steps(o.integer(STEPS, DEFAULT_STEPS))
			.baseline(o.decimal(BASELINE, DEFAULT_BASELINE))
			.samples(o.integer(SAMPLES, DEFAULT_SAMPLES))
			.noise(o.decimal(NOISE, DEFAULT_NOISE))
			.seed(o.whole(SEED, DEFAULT_SEED))
			.layer(o.text(LAYER, DEFAULT_LAYER))
			.patch(o.integer(PATCH, DEFAULT_PATCH))
			.stride(o.integer(STRIDE, DEFAULT_STRIDE))
			.grid(o.integer(GRID, DEFAULT_GRID))
			.designs(o.integer(DESIGNS, DEFAULT_DESIGNS))
			.keepProbability(o.decimal(KEEP_PROBABILITY, DEFAULT_KEEP_PROBABILITY))
			.blurSigma(o.decimal(BLUR_SIGMA, DEFAULT_BLUR_SIGMA))
			.perChannel(o.flag(PER_CHANNEL, DEFAULT_PER_CHANNEL))
			.segments(o.text(SEGMENTS, DEFAULT_SEGMENTS))
			.superpixels(o.integer(SUPERPIXELS, DEFAULT_SUPERPIXELS))
			.forgrad(o.flag(FORGRAD, DEFAULT_FORGRAD))
			.forgradBandwidth(o.integer(FORGRAD_BANDWIDTH, DEFAULT_FORGRAD_BANDWIDTH))
			.epsilon(o.decimal(EPSILON, DEFAULT_EPSILON))
			.bounds(o.text(BOUNDS, DEFAULT_BOUNDS))
			.output(o.text(OUTPUT, DEFAULT_OUTPUT))
			.topFraction(o.decimal(TOP_FRACTION, DEFAULT_TOP_FRACTION))
			.overlap(o.decimal(OVERLAP, DEFAULT_OVERLAP))
			.opacity(o.decimal(OPACITY, DEFAULT_OPACITY))
			.saveDir(o.path(SAVE_DIR));
	}
}
