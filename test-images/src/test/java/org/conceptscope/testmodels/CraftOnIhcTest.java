package org.conceptscope.testmodels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

import org.conceptscope.concepts.ConceptBank;
import org.conceptscope.concepts.ConceptImportance;
import org.conceptscope.concepts.Craft;
import org.conceptscope.concepts.CraftOptions;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.Test;

/**
 * CRAFT on the real IHC model: concepts of the DAB-positive class extracted from training
 * patches must matter on held-out patches, the most important by Sobol more than the others.
 */
class CraftOnIhcTest {

	static final int DAB = 2;

	static FloatTensor ofClass(FloatTensor images, int[] labels, int k, int max) {
		List<FloatTensor> parts = new ArrayList<>();
		for (int i = 0; i < labels.length && parts.size() < max; i++) if (labels[i] == k) parts.add(images.slice(i));
		return FloatTensor.concat(parts);
	}

	@Test
	void deletingTheTopConceptLowersTheClassScoreMoreThanTheOthers() throws Exception {
		Path root = Paths.get("").toAbsolutePath();
		if (!root.resolve("models").toFile().isDirectory()) root = root.resolve("test-images");
		PatchDataset data = IhcStainPatches.load(root.resolve("images/ihc.png"));
		try (TensorFlowClassifier model = TensorFlowClassifier.load(root.resolve("models").resolve(TestModels.IHC))) {
			FloatTensor train = ofClass(data.trainImages(), data.trainLabels(), DAB, 60);
			FloatTensor test = ofClass(data.testImages(), data.testLabels(), DAB, 40);
			ConceptBank bank = Craft.fit(model, train, DAB, new CraftOptions("conv2/relu", 16, 8, 5, 1, 1e-4, 500, 6), Progress.NONE);
			assertEquals("DAB-positive", bank.className);
			assertTrue(bank.reconstructionError < 0.5, "NMF explains most of the activations: error " + bank.reconstructionError);
			double[] importance = ConceptImportance.sobol(model, bank, test, 32, 1, Progress.NONE);
			double[] drop = ConceptImportance.deletion(model, bank, test);
			int top = 0;
			for (int k = 1; k < importance.length; k++) if (importance[k] > importance[top]) top = k;
			double others = 0;
			for (int k = 0; k < drop.length; k++) if (k != top) others += drop[k] / (drop.length - 1);
			assertTrue(drop[top] > others, "top concept drop " + drop[top] + " vs mean of the others " + others
				+ " (importance " + java.util.Arrays.toString(importance) + ", drops " + java.util.Arrays.toString(drop) + ")");
		}
	}
}
