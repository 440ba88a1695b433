package org.conceptscope.fiji.run;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.conceptscope.attribution.AttributionMethod;
import org.conceptscope.registry.Family;
import org.conceptscope.registry.Registry;

/**
 * The attribution methods the Attribution command offers (a part of the registry's, in menu
 * order), built from the command's settings through {@link Registry}.
 */
public final class AttributionMethods {

	/** The {@code method} choices, in menu order; each is a registry key and the method's own {@code name()}. */
	public static final List<String> NAMES = org.conceptscope.fiji.param.CommandSpecs.ATTRIBUTION_METHODS;

	/** The methods whose maps {@code forgrad} can filter: those computed from gradients. */
	public static final List<String> FORGRAD_METHODS = Registry.GRADIENT_METHODS;

	private AttributionMethods() {}

	/** Fails with the list of choices when the name is not one of {@link #NAMES}. */
	public static void check(String name) {
		SettingsChecks.oneOf(AttributionSettings.METHOD, name, NAMES);
	}

	/**
	 * What {@code samples=0} means per method: noisy copies for SmoothGrad and its variants
	 * (50, as in the SmoothGrad paper), random masks for RISE and designs for HSIC (1000: the
	 * maps of small patches stop changing well before that). 0 for methods without samples.
	 */
	public static int defaultSamples(String name) {
		Object d = Registry.get(Family.ATTRIBUTION, name).defaults().get("samples");
		return d == null ? 0 : ((Number) d).intValue();
	}

	/** The method named in the settings, with the settings' parameters. */
	public static AttributionMethod create(AttributionSettings s) {
		check(s.method());
		Map<String, Object> v = new HashMap<>();
		v.put(AttributionSettings.STEPS, s.steps());
		v.put(AttributionSettings.BASELINE, s.baseline());
		v.put(AttributionSettings.SAMPLES, s.samples());
		v.put(AttributionSettings.NOISE, s.noise());
		v.put(AttributionSettings.SEED, s.seed());
		v.put(AttributionSettings.LAYER, s.layer());
		v.put(AttributionSettings.START_LAYER, s.startLayer());
		v.put(AttributionSettings.PATCH, s.patch());
		v.put(AttributionSettings.STRIDE, s.stride());
		v.put(AttributionSettings.GRID, s.grid());
		v.put(AttributionSettings.DESIGNS, s.designs());
		v.put(AttributionSettings.KEEP_PROBABILITY, s.keepProbability());
		v.put(AttributionSettings.BLUR_SIGMA, s.blurSigma());
		v.put(AttributionSettings.PER_CHANNEL, s.perChannel());
		v.put(AttributionSettings.UPSAMPLING, s.upsampling());
		v.put(AttributionSettings.SEGMENTS, s.segments());
		v.put(AttributionSettings.SUPERPIXELS, s.superpixels());
		v.put(AttributionSettings.EFFICIENCY, s.efficiency());
		v.put(AttributionSettings.FORGRAD, s.forgrad());
		v.put(AttributionSettings.FORGRAD_BANDWIDTH, s.forgradBandwidth());
		v.put(AttributionSettings.EPSILON, s.epsilon());
		v.put(AttributionSettings.BOUNDS, s.bounds());
		return Registry.attribution(s.method(), v);
	}
}
