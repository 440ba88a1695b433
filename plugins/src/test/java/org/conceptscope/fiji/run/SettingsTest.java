package org.conceptscope.fiji.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.conceptscope.attribution.AttributionMethod;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Target names and settings checks, with the messages a user sees (no model needed). */
class SettingsTest {

	private static final List<String> CT = List.of("air", "soft tissue", "bone");

	@TempDir
	Path dir;

	@Test
	void targetsArePredictedNamesOrIndices() {
		assertEquals(AttributionMethod.PREDICTED, TargetClass.parse("Predicted", CT));
		assertEquals(1, TargetClass.parse("soft tissue", CT));
		assertEquals(2, TargetClass.parse(" BONE ", CT), "case-insensitive when unambiguous");
		assertEquals(0, TargetClass.parse("0", CT));
		assertEquals(0, TargetClass.parse("1", List.of("1", "2")), "a class named '1' wins over index 1");
		assertEquals("Target 'fat' is not a class of this model: use target=predicted, a class name ('air', 'soft tissue',"
			+ " 'bone') or an index 0..2.", assertThrows(IllegalArgumentException.class, () -> TargetClass.parse("fat", CT)).getMessage());
		assertThrows(IllegalArgumentException.class, () -> TargetClass.parse("3", CT));
		assertThrows(IllegalArgumentException.class, () -> TargetClass.parse("aa", List.of("Aa", "aA")),
			"ambiguous case-insensitive names are not guessed");
	}

	/** Commands without a prediction to use (Feature Visualization) take names and indices only, and say so. */
	@Test
	void classTargetsAreNamesOrIndicesOnly() {
		assertEquals(1, TargetClass.parseClass("soft tissue", CT, ""));
		assertEquals(2, TargetClass.parseClass("2", CT, ""));
		assertEquals(1, TargetClass.parseClass("predicted", List.of("other", "predicted"), ""), "a class named 'predicted' is a class");
		assertEquals("Target 'predicted' is not a class of this model: use target=[a class name ('air', 'soft tissue', 'bone')] or an index"
			+ " 0..2, or part k with k in 1..5.", assertThrows(IllegalArgumentException.class,
				() -> TargetClass.parseClass("predicted", CT, "part k with k in 1..5")).getMessage());
	}

	@Test
	void eachBadValueIsNamedByItsMacroKey() throws Exception {
		assertTrue(message(new AttributionSettings()).startsWith("No model given: set model= to the path of a TensorFlow SavedModel folder"));
		assertEquals("Unknown method 'gradcam++': use one of saliency, gradient_x_input, integrated_gradients, smoothgrad,"
			+ " vargrad, squaregrad, gradcam, gradcam_plus_plus, guided_backprop, deconvnet, occlusion, rise, sobol, hsic, lime, kernel_shap, eva, srd.", message(valid().method("gradcam++")));
		assertEquals("Unknown output 'overlay': use output=channel (heat map as an extra channel of a new image) or"
			+ " output=image (a separate map image).", message(valid().output("overlay")));
		assertEquals("top_fraction must be in (0, 1] (0.1 outlines the top 10 % of each map), got 0.0.",
			message(valid().topFraction(0)));
		assertEquals("steps must be at least 1, got 0.", message(valid().steps(0)));
		assertEquals("designs must be at least 2, got 1.", message(valid().designs(1)));
		assertEquals("keep_probability must be in (0, 1], got 1.5.", message(valid().keepProbability(1.5)));
		assertEquals("blur_sigma must be >= 0 (0 replaces masked pixels by 0), got -1.0.", message(valid().blurSigma(-1)));
		Path file = Files.writeString(dir.resolve("results"), "x");
		assertEquals("save_dir " + file + " is a file; give a folder (it is created if missing).", message(valid().saveDir(file)));
		valid().saveDir(dir.resolve("not yet")).validate();
	}

	@Test
	void samplesZeroMeansTheMethodsOwnDefault() {
		assertEquals(50, AttributionMethods.defaultSamples("smoothgrad"));
		assertEquals(1000, AttributionMethods.defaultSamples("rise"));
		assertEquals(0, AttributionMethods.defaultSamples("saliency"));
	}

	private AttributionSettings valid() {
		return new AttributionSettings().model(dir);
	}

	private static String message(AttributionSettings s) {
		return assertThrows(IllegalArgumentException.class, s::validate).getMessage();
	}
}
