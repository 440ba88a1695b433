package org.conceptscope.heads;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.train.CnnTrainer;
import org.conceptscope.train.TrainingOptions;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BiIceTest {

	@Test
	void headMatchesTheBackboneLocatesTheEvidenceAndConverges(@TempDir Path tmp) throws Exception {
		try (TensorFlowClassifier backbone = KnownBackbone.build(tmp.resolve("backbone"))) {
			int[] trainY = new int[150], testY = new int[60];
			FloatTensor train = KnownBackbone.images(150, trainY, 1), test = KnownBackbone.images(60, testY, 2);
			double original = CnnTrainer.accuracy(backbone.logits(test), testY);
			BiIce head = BiIce.train(backbone, "conv1/relu", train, trainY, 3, 4, new TrainingOptions(500, 30, 0.05, 3), Progress.NONE);
			FloatTensor features = backbone.activations(test, "conv1/relu");
			double[][] logits = head.logits(features);
			int ok = 0;
			for (int i = 0; i < testY.length; i++) {
				int best = 0;
				for (int y = 1; y < 3; y++) if (logits[i][y] > logits[i][best]) best = y;
				if (best == testY[i]) ok++;
			}
			double accuracy = ok / (double) testY.length;
			assertTrue(accuracy >= original - 0.05, "head accuracy " + accuracy + " vs backbone " + original + " (margin 0.05)");
			// per class, the concept with the largest mean contribution responds positively to that class's feature channel.
			// (Bi-ICE does not make it the concept's strongest channel on this backbone: concepts may mix two class
			// channels and the classifier separates them; InfoDisent's orthogonal parts do identify the channel.)
			for (int y = 0; y < 3; y++) {
				double[] mean = new double[3];
				for (int i = y; i < testY.length; i += 3) {
					double[] contrib = head.contributions(features, i, y);
					for (int m = 0; m < 3; m++) mean[m] += contrib[m];
				}
				int top = 0;
				for (int m = 1; m < 3; m++) if (mean[m] > mean[top]) top = m;
				double[] u = head.featureDirection(top);
				assertTrue(u[y] > 0, "class " + y + ": top concept " + top + " direction " + java.util.Arrays.toString(u));
			}
			double[] change = head.convergence();
			assertTrue(change.length >= 5, "one convergence value per epoch");
			double early = (change[0] + change[1]) / 2, late = (change[change.length - 1] + change[change.length - 2]) / 2;
			assertTrue(late < early, "concepts settle: change per epoch " + early + " early, " + late + " late");
			head.save(tmp.resolve("head"), backbone.classNames(), "known backbone", accuracy, original);
			try (TensorFlowClassifier saved = TensorFlowClassifier.load(tmp.resolve("head"))) {
				FloatTensor fromGraph = saved.logits(features);
				for (int i = 0; i < 5; i++) for (int y = 0; y < 3; y++) assertEquals(logits[i][y], fromGraph.get(i, y), 1e-3, "saved head = Java head");
			}
		}
	}

	static int argmax(float[] v) {
		int best = 0;
		for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
		return best;
	}
}
