package org.conceptscope.heads;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;

import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.train.CnnTrainer;
import org.conceptscope.train.TrainingOptions;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bi-ICE's iterative bidirectional binding (issue 19): over three rounds an image's concepts take
 * in the patches they attend to and change, the head stays within the backbone's accuracy, and
 * the saved graph computes the same rounds as the Java head.
 */
class BiIceBindingTest {

	@Test
	void conceptsChangeOverTheRoundsAndTheHeadKeepsTheBackbonesAccuracy(@TempDir Path tmp) throws Exception {
		try (TensorFlowClassifier backbone = KnownBackbone.build(tmp.resolve("backbone"))) {
			int[] trainY = new int[150], testY = new int[60];
			FloatTensor train = KnownBackbone.images(150, trainY, 1), test = KnownBackbone.images(60, testY, 2);
			double original = CnnTrainer.accuracy(backbone.logits(test), testY);
			FloatTensor f = backbone.activations(train, "conv1/relu");
			BiIce head = BiIce.train(f, "conv1/relu", trainY, 3, 3, 4, BiIce.DEFAULT_SPARSITY, 3, new TrainingOptions(500, 30, 0.05, 3),
				Progress.NONE);
			assertEquals(3, head.iterations());
			FloatTensor features = backbone.activations(test, "conv1/relu");
			double accuracy = BiIceTest.accuracy(head.logits(features), testY);
			assertTrue(accuracy >= original - 0.05, "head accuracy " + accuracy + " vs backbone " + original + " (margin 0.05)");
			double[][][] rounds = head.conceptsPerRound(features, 0);
			assertEquals(3, rounds.length);
			for (int t = 1; t < 3; t++) {
				double change = 0, size = 0;
				for (int m = 0; m < 3; m++) for (int j = 0; j < 4; j++) {
					change += Math.pow(rounds[t][m][j] - rounds[t - 1][m][j], 2);
					size += rounds[t - 1][m][j] * rounds[t - 1][m][j];
				}
				assertTrue(Math.sqrt(change) > 1e-4 * Math.sqrt(size), "round " + t + " changes the concepts: " + Math.sqrt(change) + " of "
					+ Math.sqrt(size));
			}
			// concepts differ between images after binding: they adapted to each image's patches
			double[][][] other = head.conceptsPerRound(features, 1);
			double diff = 0;
			for (int m = 0; m < 3; m++) for (int j = 0; j < 4; j++) diff += Math.abs(other[2][m][j] - rounds[2][m][j]);
			assertTrue(diff > 1e-6, "bound concepts depend on the image");
			head.save(tmp.resolve("head"), backbone.classNames(), "known backbone", Map.of("head_accuracy", accuracy));
			try (TensorFlowClassifier saved = TensorFlowClassifier.load(tmp.resolve("head"))) {
				double[][] logits = head.logits(features);
				FloatTensor fromGraph = saved.logits(features);
				for (int i = 0; i < 5; i++) for (int y = 0; y < 3; y++) assertEquals(logits[i][y], fromGraph.get(i, y), 1e-3, "saved head = Java head");
			}
			BiIce loaded = (BiIce) InterpretableHead.load(tmp.resolve("head"));
			assertEquals(3, loaded.iterations(), "the rounds travel in the metadata");
		}
	}
}
