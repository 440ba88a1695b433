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

class InfoDisentTest {

	@Test
	void headMatchesTheBackboneAndItsTopPartIsTheTrueChannel(@TempDir Path tmp) throws Exception {
		try (TensorFlowClassifier backbone = KnownBackbone.build(tmp.resolve("backbone"))) {
			int[] trainY = new int[150], testY = new int[60];
			FloatTensor train = KnownBackbone.images(150, trainY, 1), test = KnownBackbone.images(60, testY, 2);
			double original = CnnTrainer.accuracy(backbone.logits(test), testY);
			InfoDisent head = InfoDisent.train(backbone, "conv1/relu", train, trainY, new TrainingOptions(400, 32, 0.05, 3), Progress.NONE);
			assertTrue(head.orthogonalityError() < 1e-4, "orthogonality error " + head.orthogonalityError());
			FloatTensor features = backbone.activations(test, "conv1/relu");
			double[][] logits = head.logits(features);
			double accuracy = correct(logits, testY) / (double) testY.length;
			assertTrue(accuracy >= original - 0.05, "head accuracy " + accuracy + " vs backbone " + original + " (margin 0.05)");
			double[][] q = head.projection();
			for (int k = 0; k < 3; k++) {
				// the part that contributes most to class k must point mostly along feature channel k: that channel is its
				// largest component, with |cos| >= 0.7 (a 45-degree mix of two channels would be 0.71)
				int top = head.parts(features, k, k).get(0).channel(); // image k is of class k
				int strongest = 0;
				for (int r = 1; r < 3; r++) if (Math.abs(q[r][top]) > Math.abs(q[strongest][top])) strongest = r;
				assertEquals(k, strongest, "class " + k + ": top part " + top + " is mostly feature channel " + strongest);
				assertTrue(Math.abs(q[k][top]) >= 0.7, "class " + k + ": top part " + top + " has |cos| " + Math.abs(q[k][top]));
			}
			head.save(tmp.resolve("head"), backbone.classNames(), "known backbone", accuracy, original);
			try (TensorFlowClassifier saved = TensorFlowClassifier.load(tmp.resolve("head"))) {
				FloatTensor fromGraph = saved.logits(features);
				for (int i = 0; i < 5; i++) for (int k = 0; k < 3; k++) assertEquals(logits[i][k], fromGraph.get(i, k), 1e-3, "saved head = Java head");
				assertEquals(accuracy, ((Number) saved.config().metadata.get("head_accuracy")).doubleValue(), 1e-9);
			}
			InterpretableHead loaded = InterpretableHead.load(tmp.resolve("head"));
			assertEquals("infodisent", loaded.kind());
			assertEquals("conv1/relu", loaded.layer());
			for (int i = 0; i < 5; i++) {
				org.junit.jupiter.api.Assertions.assertArrayEquals(logits[i], loaded.logits(features.slice(i))[0], 1e-9, "reloaded = trained");
				org.junit.jupiter.api.Assertions.assertArrayEquals(head.contributions(features, i, testY[i]),
					loaded.contributions(features, i, testY[i]), 1e-9);
			}
			// the prototypes of the part that carries class k are images of class k
			for (int k = 0; k < 3; k++) {
				int top = head.parts(features, k, k).get(0).channel();
				for (HeadPrototypes.Prototype p : HeadPrototypes.top(head, features, top, 5)) {
					assertEquals(k, testY[p.image()], "class " + k + " part " + top + " prototype " + p);
				}
			}
		}
	}

	/** Feature maps [n, 4, 4, 3]: class 0 has a strong negative peak in channel 0, classes 1 and 2 a positive one in their channel. */
	static FloatTensor signedFeatures(int n, int[] labels, long seed) {
		java.util.Random r = new java.util.Random(seed);
		FloatTensor f = FloatTensor.zeros(n, 4, 4, 3);
		for (int i = 0; i < n; i++) {
			int k = i % 3;
			labels[i] = k;
			for (int j = 0; j < 16 * 3; j++) f.data()[i * 48 + j] = (float) (0.05 * r.nextGaussian());
			f.set(k == 0 ? -1f : 1f, i, r.nextInt(4), r.nextInt(4), k);
		}
		return f;
	}

	/** How many rows of logits have their largest entry at the label. */
	static int correct(double[][] logits, int[] labels) {
		int ok = 0;
		for (int i = 0; i < labels.length; i++) {
			int best = 0;
			for (int k = 1; k < logits[i].length; k++) if (logits[i][k] > logits[i][best]) best = k;
			if (best == labels[i]) ok++;
		}
		return ok;
	}

	static double det3(double[][] q) {
		return q[0][0] * (q[1][1] * q[2][2] - q[1][2] * q[2][1]) - q[0][1] * (q[1][0] * q[2][2] - q[1][2] * q[2][0])
			+ q[0][2] * (q[1][0] * q[2][1] - q[1][1] * q[2][0]);
	}

	/**
	 * Q is a product of an even number of reflections, so det Q = +1, and a target whose natural
	 * parts are (-e0, e1, e2) (det -1: one channel's sign flipped) is not reachable as Q. It need not
	 * be: evidence is odd in p, and under the softmax a non-negative weight vector on -e_j equals
	 * (max weight - weights) on +e_j, so the head learns such a task with det Q = +1 as well.
	 */
	@Test
	void aSingleFlippedChannelIsLearnedWithoutAReflection() {
		int[] trainY = new int[150], testY = new int[60];
		FloatTensor train = signedFeatures(150, trainY, 1), test = signedFeatures(60, testY, 2);
		InfoDisent head = InfoDisent.train(train, "features", trainY, 3, new TrainingOptions(300, 32, 0.05, 3), Progress.NONE);
		double[][] q = head.projection();
		assertEquals(1, det3(q), 1e-4, "det Q");
		int ok = correct(head.logits(test), testY);
		assertTrue(ok >= 57, "held-out accuracy " + ok + " / 60");
		// how: the part along channel 0 keeps its sign and speaks against classes 1 and 2 instead of for class 0
		int part0 = 0;
		for (int j = 1; j < 3; j++) if (Math.abs(q[0][j]) > Math.abs(q[0][part0])) part0 = j;
		assertTrue(q[0][part0] > 0.9, "part " + part0 + " is channel 0 with its sign: " + q[0][part0]);
		double[] w = head.classWeights()[part0];
		assertTrue(w[0] < 0.1 * Math.min(w[1], w[2]), "weights of part " + part0 + " for classes 0, 1, 2: " + java.util.Arrays.toString(w));
	}
}
