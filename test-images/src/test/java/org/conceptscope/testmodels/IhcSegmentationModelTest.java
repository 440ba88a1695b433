package org.conceptscope.testmodels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.nio.file.Paths;

import org.conceptscope.model.ModelConfig;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.train.FcnTrainer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The committed segmentation model is what the committed code produces: retraining with the
 * recorded seed reaches the held-out pixel accuracy on its card, and the committed SavedModel
 * loads as a dense model and scores what its card says.
 */
class IhcSegmentationModelTest {

	static Path root, png;
	static IhcSegmentationModel.Data data;

	@BeforeAll
	static void data() throws Exception {
		root = Paths.get("").toAbsolutePath();
		if (!root.resolve("models").toFile().isDirectory()) root = root.resolve("test-images");
		png = root.resolve("images/ihc.png");
		data = IhcSegmentationModel.load(png);
	}

	static double recorded() {
		Object acc = ModelConfig.read(root.resolve("models").resolve(IhcSegmentationModel.NAME)).metadata.get("heldout_pixel_accuracy");
		return ((Number) acc).doubleValue();
	}

	@Test
	void everyClassIsInBothHalves() {
		for (int[] labels : new int[][] { data.trainLabels(), data.testLabels() }) {
			int[] counts = new int[3];
			for (int l : labels) counts[l]++;
			for (int k = 0; k < 3; k++) assertTrue(counts[k] > labels.length / 50, "class " + k + ": " + java.util.Arrays.toString(counts));
		}
	}

	@Test
	void committedModelIsDenseAndScoresWhatItsCardSays() {
		try (TensorFlowClassifier m = TensorFlowClassifier.load(root.resolve("models").resolve(IhcSegmentationModel.NAME))) {
			assertTrue(m.isDense());
			assertTrue(m.mapHoldsProbabilities(), "the softmax output is the explained one");
			assertEquals(IhcSegmentationModel.CLASSES, m.channelNames());
			assertEquals(recorded(), FcnTrainer.pixelAccuracy(m.outputs(data.testImages()), data.testLabels()), 1e-3);
		}
	}

	@Test
	void retrainingReproducesIt(@TempDir Path tmp) throws Exception {
		double acc = IhcSegmentationModel.trainAndExport(png, tmp.resolve(IhcSegmentationModel.NAME));
		assertEquals(recorded(), acc, TestModelsTest.RETRAIN_TOLERANCE);
		int[] counts = new int[3];
		for (int l : data.testLabels()) counts[l]++;
		double majority = java.util.Arrays.stream(counts).max().getAsInt() / (double) data.testLabels().length;
		assertTrue(acc > majority + 0.1, "accuracy " + acc + " far above the majority class's share " + majority);
	}

	/** Writes the committed model: run with -Dconceptscope.regenerate.segmentation=true. */
	@Test
	void regenerate() throws Exception {
		if (!Boolean.getBoolean("conceptscope.regenerate.segmentation")) return;
		System.out.println("held-out pixel accuracy " + IhcSegmentationModel.trainAndExport(png, root.resolve("models").resolve(IhcSegmentationModel.NAME)));
	}
}
