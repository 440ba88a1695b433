package org.conceptscope.attribution;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.conceptscope.attribution.RegionExplainer.Mode;
import org.conceptscope.attribution.RegionExplainer.Region;
import org.conceptscope.model.BundledModels;
import org.conceptscope.model.Classifier;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.ops.OpImages;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.tensor.TileSource;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Every way in to an attribution (a method on a batch, the tiled and the region explainers, the ops'
 * targets) refuses a class the model does not have with the same one sentence, before any work.
 */
class TargetRefusalTest {

	static final String NO_CLASS_2 = "Target class 2 does not exist; the model has classes 0..1 [region A, region B].";
	static Classifier model;

	@BeforeAll
	static void load() {
		model = TensorFlowClassifier.load(BundledModels.dir("known-answer"));
	}

	@AfterAll
	static void close() {
		model.close();
	}

	static void refused(String sentence, Executable call) {
		assertEquals(sentence, assertThrows(IllegalArgumentException.class, call).getMessage());
	}

	@Test
	void aClassTheModelLacksGetsTheSameSentenceEverywhere() {
		FloatTensor images = FloatTensor.zeros(1, 32, 32, 1);
		TileSource source = TileSource.of(FloatTensor.zeros(1, 32, 32, 1), 255);
		refused(NO_CLASS_2, () -> AttributionMethod.checkTarget(model, 2));
		refused(NO_CLASS_2, () -> new Saliency().explain(model, images, new int[] { 2 }, Progress.NONE));
		refused(NO_CLASS_2, () -> TiledExplainer.explain(model, source, new Saliency(), 2, 0.5, Progress.NONE));
		refused(NO_CLASS_2, () -> RegionExplainer.explain(model, source, new Region("r", 0, 4, 4, 8, 8, null), Mode.TILES, new Saliency(), 2,
			0.5, Progress.NONE));
		refused(NO_CLASS_2, () -> OpImages.targets(model, new OpImages.Batch(images, false), 2));
		refused("Target class -3 does not exist; the model has classes 0..1 [region A, region B].",
			() -> TiledExplainer.explain(model, source, new Saliency(), -3, 0.5, Progress.NONE));
	}

	@Test
	void predictedAndRealClassesPassAndMissingPartsAreNamed() {
		AttributionMethod.checkTarget(model, AttributionMethod.PREDICTED);
		AttributionMethod.checkTarget(model, 1);
		assertArrayEquals(new int[] { 1 }, OpImages.targets(model, new OpImages.Batch(FloatTensor.zeros(1, 32, 32, 1), false), 1));
		refused("No model given: load a classifier first.", () -> AttributionMethod.checkRequest(null, new Saliency(), 0));
		refused("No attribution method given.", () -> AttributionMethod.checkRequest(model, null, 0));
	}
}
