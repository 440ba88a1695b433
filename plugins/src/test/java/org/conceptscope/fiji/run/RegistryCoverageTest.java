package org.conceptscope.fiji.run;

import org.conceptscope.fiji.command.AttributionCommand;
import org.conceptscope.fiji.command.ConceptImportanceCommand;
import org.conceptscope.fiji.command.EvaluateExplanationCommand;
import org.conceptscope.fiji.command.TrainHeadCommand;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.util.List;

import org.conceptscope.registry.Family;
import org.conceptscope.registry.Parameter;
import org.conceptscope.registry.Registry;
import org.junit.jupiter.api.Test;

/** Every method a command accepts (menu choices, settings lists) is a registry entry of the right family, with the registry's defaults. */
class RegistryCoverageTest {

	private static List<String> choices(Class<?> command, String field) throws Exception {
		Field f = org.conceptscope.fiji.param.CommandFields.field(command, field);
		return List.of(f.getAnnotation(org.scijava.plugin.Parameter.class).choices());
	}

	private static void registered(Family family, List<String> keys) {
		assertTrue(!keys.isEmpty());
		for (String k : keys) assertTrue(Registry.has(family, k), family.label() + " '" + k + "' is not in the registry");
	}

	@Test
	void theCommandsOfferOnlyRegisteredMethods() throws Exception {
		registered(Family.ATTRIBUTION, AttributionMethods.NAMES);
		registered(Family.ATTRIBUTION, choices(AttributionCommand.class, "method"));
		registered(Family.ATTRIBUTION, choices(EvaluateExplanationCommand.class, "method"));
		registered(Family.METRIC, EvaluationSettings.METRICS);
		registered(Family.METRIC, choices(EvaluateExplanationCommand.class, "metric"));
		registered(Family.CONCEPT_ESTIMATOR, ConceptImportanceSettings.ESTIMATORS);
		registered(Family.CONCEPT_ESTIMATOR, choices(ConceptImportanceCommand.class, "estimator"));
		registered(Family.HEAD, HeadTrainingSettings.HEADS);
		registered(Family.HEAD, choices(TrainHeadCommand.class, "head"));
		// mege_reco's method list accepts every attribution method of the menu
		EvaluationSettings s = new EvaluationSettings();
		s.methods = String.join(",", AttributionMethods.NAMES);
		assertEquals(AttributionMethods.NAMES, s.methodList());
	}

	@Test
	void theSettingsDefaultsAreTheRegistrys() {
		var p = Registry.ATTRIBUTION_PARAMETERS;
		assertEquals(AttributionSettings.DEFAULT_STEPS, p.get(AttributionSettings.STEPS).defaultValue());
		assertEquals(AttributionSettings.DEFAULT_BASELINE, p.get(AttributionSettings.BASELINE).defaultValue());
		assertEquals(AttributionSettings.DEFAULT_SAMPLES, p.get(AttributionSettings.SAMPLES).defaultValue());
		assertEquals(AttributionSettings.DEFAULT_NOISE, p.get(AttributionSettings.NOISE).defaultValue());
		assertEquals(AttributionSettings.DEFAULT_SEED, p.get(AttributionSettings.SEED).defaultValue());
		assertEquals(AttributionSettings.DEFAULT_LAYER, p.get(AttributionSettings.LAYER).defaultValue());
		assertEquals(AttributionSettings.DEFAULT_PATCH, p.get(AttributionSettings.PATCH).defaultValue());
		assertEquals(AttributionSettings.DEFAULT_STRIDE, p.get(AttributionSettings.STRIDE).defaultValue());
		assertEquals(AttributionSettings.DEFAULT_GRID, p.get(AttributionSettings.GRID).defaultValue());
		assertEquals(AttributionSettings.DEFAULT_DESIGNS, p.get(AttributionSettings.DESIGNS).defaultValue());
		assertEquals(AttributionSettings.DEFAULT_KEEP_PROBABILITY, p.get(AttributionSettings.KEEP_PROBABILITY).defaultValue());
		assertEquals(AttributionSettings.DEFAULT_BLUR_SIGMA, p.get(AttributionSettings.BLUR_SIGMA).defaultValue());
		assertEquals(AttributionSettings.DEFAULT_PER_CHANNEL, p.get(AttributionSettings.PER_CHANNEL).defaultValue());
		assertEquals(AttributionSettings.DEFAULT_EPSILON, p.get(AttributionSettings.EPSILON).defaultValue());
		assertEquals(AttributionSettings.DEFAULT_BOUNDS, p.get(AttributionSettings.BOUNDS).defaultValue());
		assertEquals(AttributionSettings.BOUND_CHOICES, p.get(AttributionSettings.BOUNDS).choices());
		var m = Registry.METRIC_PARAMETERS;
		assertEquals(EvaluationSettings.DEFAULT_STEPS, m.get(EvaluationSettings.STEPS).defaultValue());
		assertEquals(EvaluationSettings.DEFAULT_SAMPLES, m.get(EvaluationSettings.SAMPLES).defaultValue());
		assertEquals(EvaluationSettings.DEFAULT_GRID, m.get(EvaluationSettings.GRID).defaultValue());
		assertEquals(EvaluationSettings.DEFAULT_METHODS, m.get(EvaluationSettings.METHODS).defaultValue());
		assertEquals(EvaluationSettings.DEFAULT_FOLDS, m.get(EvaluationSettings.FOLDS).defaultValue());
		assertEquals(EvaluationSettings.DEFAULT_TRAINING_STEPS, m.get(EvaluationSettings.TRAINING_STEPS).defaultValue());
		assertEquals(ConceptImportanceSettings.DEFAULT_DESIGNS, Registry.CONCEPT_ESTIMATOR_PARAMETERS.get("designs").defaultValue());
		var h = Registry.HEAD_PARAMETERS;
		assertEquals(HeadTrainingSettings.DEFAULT_CONCEPTS, h.get(HeadTrainingSettings.CONCEPTS).defaultValue());
		assertEquals(HeadTrainingSettings.DEFAULT_DIMENSION, h.get(HeadTrainingSettings.DIMENSION).defaultValue());
		assertEquals(HeadTrainingSettings.DEFAULT_SPARSITY, h.get(HeadTrainingSettings.SPARSITY).defaultValue());
		for (int i = 0; i < AttributionMethods.NAMES.size(); i++) {
			String name = AttributionMethods.NAMES.get(i);
			assertEquals(name, AttributionMethods.create(new AttributionSettings().method(name)).name());
		}
		Parameter seed = Registry.ATTRIBUTION_PARAMETERS.get("seed");
		assertTrue(seed.usedBy("sobol"));
	}
}
