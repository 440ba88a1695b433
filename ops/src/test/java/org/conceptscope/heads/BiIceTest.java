package org.conceptscope.heads;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.train.CnnTrainer;
import org.conceptscope.train.TrainingOptions;
import org.conceptscope.util.Progress;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

class BiIceTest {

	/**
	 * Seeds 3 and 9 were starts on which earlier versions failed (a concept pointing at another class's channel, a dead
	 * concept); with the heads' separate streams for the initial weights and the batches they are other starts now.
	 */
	@ParameterizedTest
	@ValueSource(longs = { 3, 9 })
	void headMatchesTheBackboneAndItConverges(long seed, @TempDir Path tmp) throws Exception {
		try (TensorFlowClassifier backbone = KnownBackbone.build(tmp.resolve("backbone"))) {
			int[] trainY = new int[150], testY = new int[60];
			FloatTensor train = KnownBackbone.images(150, trainY, 1), test = KnownBackbone.images(60, testY, 2);
			double original = CnnTrainer.accuracy(backbone.logits(test), testY);
			BiIce head = BiIce.train(backbone, "conv1/relu", train, trainY, 3, 4, new TrainingOptions(500, 30, 0.05, seed), Progress.NONE);
			FloatTensor features = backbone.activations(test, "conv1/relu");
			double[][] logits = head.logits(features);
			double accuracy = accuracy(logits, testY);
			assertTrue(accuracy >= original - 0.05, "head accuracy " + accuracy + " vs backbone " + original + " (margin 0.05)");
			double[] change = head.convergence();
			assertTrue(change.length >= 5, "one convergence value per epoch");
			double early = (change[0] + change[1]) / 2, late = (change[change.length - 1] + change[change.length - 2]) / 2;
			assertTrue(late < early, "concepts settle: change per epoch " + early + " early, " + late + " late");
			head.save(tmp.resolve("head"), backbone.classNames(), "known backbone", Map.of("head_accuracy", accuracy));
			try (TensorFlowClassifier saved = TensorFlowClassifier.load(tmp.resolve("head"))) {
				FloatTensor fromGraph = saved.logits(features);
				for (int i = 0; i < 5; i++) for (int y = 0; y < 3; y++) assertEquals(logits[i][y], fromGraph.get(i, y), 1e-3, "saved head = Java head");
			}
			InterpretableHead loaded = InterpretableHead.load(tmp.resolve("head"));
			assertEquals("bi_ice", loaded.kind());
			assertEquals("conv1/relu", loaded.layer());
			for (int i = 0; i < 5; i++) {
				assertArrayEquals(logits[i], loaded.logits(features.slice(i))[0], 1e-9, "reloaded head = trained head");
				assertArrayEquals(head.contributions(features, i, testY[i]), loaded.contributions(features, i, testY[i]), 1e-9);
			}
			assertArrayEquals(change, ((BiIce) loaded).convergence(), 1e-12, "the convergence record travels in the metadata");
		}
	}

	/**
	 * Per class, the concept with the largest mean contribution over that class's images points at that class's feature
	 * channel (its direction's largest component is channel y), for at least 6 of the starts 1..8, and every start keeps
	 * the backbone's accuracy within 0.05. A concept can end up serving two classes from some starts (7 of 8 starts
	 * found every channel, with the earlier streams and with the present ones; 43 of 48 over seeds 1..48, 45 of 48
	 * before): the rate, not a seed picked to pass, is the property.
	 */
	@org.junit.jupiter.api.Test
	void mostStartsFindEachClasssChannel(@TempDir Path tmp) throws Exception {
		try (TensorFlowClassifier backbone = KnownBackbone.build(tmp.resolve("backbone"))) {
			int[] trainY = new int[150], testY = new int[60];
			FloatTensor train = backbone.activations(KnownBackbone.images(150, trainY, 1), "conv1/relu");
			FloatTensor test = KnownBackbone.images(60, testY, 2), features = backbone.activations(test, "conv1/relu");
			double original = CnnTrainer.accuracy(backbone.logits(test), testY);
			int found = 0;
			StringBuilder report = new StringBuilder();
			for (long seed = 1; seed <= 8; seed++) {
				BiIce head = BiIce.train(train, "conv1/relu", trainY, 3, 3, 4, BiIce.DEFAULT_SPARSITY, new TrainingOptions(500, 30, 0.05, seed),
					Progress.NONE);
				double accuracy = accuracy(head.logits(features), testY);
				assertTrue(accuracy >= original - 0.05, "seed " + seed + ": head accuracy " + accuracy + " vs backbone " + original);
				boolean all = true;
				for (int y = 0; y < 3; y++) {
					double[] mean = new double[3];
					for (int i = y; i < testY.length; i += 3) {
						double[] contrib = head.contributions(features, i, y);
						for (int m = 0; m < 3; m++) mean[m] += contrib[m];
					}
					double[] u = head.featureDirection(argmax(mean));
					all &= argmax(u) == y;
					report.append("seed ").append(seed).append(" class ").append(y).append(": ").append(Arrays.toString(u)).append('\n');
				}
				if (all) found++;
			}
			assertTrue(found >= 6, found + " of 8 starts found every class's channel:\n" + report);
		}
	}

	/** 150 images in batches of 30 make epochs of 5 steps: training that ends within an epoch records that part of one. */
	@org.junit.jupiter.api.Test
	void trainingEndingWithinAnEpochRecordsThatPartOfOne(@TempDir Path tmp) throws Exception {
		try (TensorFlowClassifier backbone = KnownBackbone.build(tmp.resolve("backbone"))) {
			int[] labels = new int[150];
			FloatTensor features = backbone.activations(KnownBackbone.images(150, labels, 1), "conv1/relu");
			BiIce whole = train(features, labels, 10), longer = train(features, labels, 12), short_ = train(features, labels, 3);
			assertArrayEquals(new double[] { 1, 2 }, whole.convergenceEpochs());
			assertArrayEquals(new double[] { 1, 2, 2.4 }, longer.convergenceEpochs(), 1e-12, "two epochs and 2 of the third's 5 steps");
			double[] a = whole.convergence(), b = longer.convergence();
			assertEquals(3, b.length);
			// the same seed takes the same first 10 steps: the whole epochs agree and the part after them moved the concepts
			assertArrayEquals(a, Arrays.copyOf(b, 2), 1e-6, "the whole epochs of both runs");
			assertTrue(b[2] > 0, "steps 11 and 12 change the concepts: " + b[2]);
			assertArrayEquals(new double[] { 0.6 }, short_.convergenceEpochs(), 1e-12, "3 steps of an epoch of 5");
			assertTrue(short_.convergence()[0] > 0, "training shorter than an epoch has its record");
			short_.save(tmp.resolve("head"), backbone.classNames(), "known backbone", Map.of());
			BiIce loaded = (BiIce) InterpretableHead.load(tmp.resolve("head"));
			assertArrayEquals(short_.convergenceEpochs(), loaded.convergenceEpochs(), 1e-12, "the epochs travel in the metadata");
			assertArrayEquals(short_.convergence(), loaded.convergence(), 1e-12);
		}
	}

	private static BiIce train(FloatTensor features, int[] labels, int steps) {
		return BiIce.train(features, "conv1/relu", labels, 3, 3, 4, BiIce.DEFAULT_SPARSITY, new TrainingOptions(steps, 30, 0.05, 3), Progress.NONE);
	}

	static double accuracy(double[][] logits, int[] labels) {
		int ok = 0;
		for (int i = 0; i < labels.length; i++) if (argmax(logits[i]) == labels[i]) ok++;
		return ok / (double) labels.length;
	}

	static int argmax(double[] v) {
		int best = 0;
		for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
		return best;
	}
}
