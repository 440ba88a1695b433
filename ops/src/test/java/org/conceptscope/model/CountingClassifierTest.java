package org.conceptscope.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

import org.conceptscope.attribution.AttributionMethod;
import org.conceptscope.attribution.GuidedGradient;
import org.conceptscope.metrics.IhcPatches;
import org.conceptscope.model.CountingClassifier.Call;
import org.conceptscope.model.CountingClassifier.Kind;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.Test;

/**
 * The counting wrapper (the plugins' tests count passes with it, the benchmark times methods through it) must be the
 * model it wraps in every answer but the count: a method the wrapper does not pass on answers the interface's default
 * instead (no ReLU rules, any input size, no channel names), and a run through it is not the run a user gets.
 */
class CountingClassifierTest {

	/** Defaults derived from other methods, which call back through the wrapper so that a probe pass is counted. */
	private static final Set<String> DERIVED = Set.of("numClasses", "requireGradients", "activationValues");

	@Test
	void everyMethodOfAClassifierIsPassedOn() throws NoSuchMethodException {
		List<String> missing = new ArrayList<>();
		for (Method m : Classifier.class.getMethods()) {
			if (Modifier.isStatic(m.getModifiers()) || DERIVED.contains(m.getName())) continue;
			Method declared = ForwardingClassifier.class.getMethod(m.getName(), m.getParameterTypes());
			if (declared.getDeclaringClass() != ForwardingClassifier.class) missing.add(m.getName() + Arrays.toString(m.getParameterTypes()));
		}
		assertEquals(List.of(), missing, "Classifier methods ForwardingClassifier leaves to the interface's defaults");
	}

	/**
	 * Guided Backpropagation through the wrapper on the bundled ihc-stain SavedModel: the model's own maps, and the
	 * calls it made counted (the forward pass that finds the predicted classes, then the one guided gradient).
	 */
	@Test
	void aMethodThroughTheWrapperGetsTheModelsAnswersAndItsCallsAreCounted() {
		try (TensorFlowClassifier ihc = TensorFlowClassifier.load(BundledModels.dir("ihc-stain"))) {
			FloatTensor patches = IhcPatches.load(3);
			int[] targets = { AttributionMethod.PREDICTED, 0, AttributionMethod.PREDICTED };
			float[] direct = GuidedGradient.guidedBackprop().explain(ihc, patches, targets, Progress.NONE).maps().data();
			CountingClassifier counting = new CountingClassifier(ihc);
			assertTrue(counting.supportsReluBackward(), "the SavedModel's ReLU rules pass through");
			float[] counted = GuidedGradient.guidedBackprop().explain(counting, patches, targets, Progress.NONE).maps().data();
			assertArrayEquals(direct, counted, "the same maps through the wrapper");
			List<Call> calls = counting.calls();
			assertEquals(Kind.RELU_RULE_GRADIENT, calls.get(calls.size() - 1).kind(), calls.toString());
			assertEquals("GUIDED", calls.get(calls.size() - 1).layer());
			assertEquals(3, counting.gradientPasses(), calls.toString());
			assertEquals(counting.forwardPasses(), counting.images(Kind.LOGITS) + counting.images(Kind.PROBABILITIES), calls.toString());
			assertTrue(counting.forwardPasses() >= 2, "the predicted classes of two images: " + calls);
			counting.reset();
			assertEquals(List.of(), counting.calls());
		}
	}
}
