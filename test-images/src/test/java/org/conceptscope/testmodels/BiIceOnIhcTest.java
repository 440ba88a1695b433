package org.conceptscope.testmodels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

import org.conceptscope.heads.BiIce;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.train.TrainingOptions;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.Test;

/**
 * Bi-ICE with the published iterative binding, at its default number of rounds, on the real IHC
 * model (issue 19): the head keeps the backbone's accuracy on held-out patches, each image's
 * concepts change from round to round, and the maps of the concepts that carry a decision are not
 * flat: the patches that carry the concept have distinct terms and the map's mean is the activation
 * (before the layer norms, three rounds saturated the softmaxes and left exact zeros).
 */
class BiIceOnIhcTest {

	@Test
	void theDefaultRoundsKeepTheAccuracyAndGiveMapsWithARegion() throws Exception {
		Path root = Paths.get("").toAbsolutePath();
		if (!root.resolve("models").toFile().isDirectory()) root = root.resolve("test-images");
		PatchDataset data = IhcStainPatches.load(root.resolve("images/ihc.png"));
		try (TensorFlowClassifier model = TensorFlowClassifier.load(root.resolve("models").resolve(TestModels.IHC))) {
			String layer = "conv3/pool";
			int n = (int) data.testImages().dim(0), classes = model.numClasses();
			FloatTensor backboneLogits = model.logits(data.testImages());
			int agree = 0;
			for (int i = 0; i < n; i++) {
				int best = 0;
				for (int y = 1; y < classes; y++) if (backboneLogits.get(i, y) > backboneLogits.get(i, best)) best = y;
				if (best == data.testLabels()[i]) agree++;
			}
			double backbone = agree / (double) n;
			BiIce head = BiIce.train(model.activations(data.trainImages(), layer), layer, data.trainLabels(), classes, 6, 16,
				BiIce.DEFAULT_SPARSITY, BiIce.DEFAULT_ITERATIONS, new TrainingOptions(400, 32, 0.01, 42), Progress.NONE);
			assertEquals(3, head.iterations(), "the default is the published iterative binding");
			FloatTensor test = model.activations(data.testImages(), layer);
			double[][] logits = head.logits(test);
			int correct = 0;
			for (int i = 0; i < n; i++) if (argmax(logits[i]) == data.testLabels()[i]) correct++;
			double accuracy = correct / (double) n;
			assertTrue(accuracy >= backbone - 0.05, "head " + accuracy + " vs backbone " + backbone + " on " + n + " held-out patches");
			int cells = (int) (test.dim(1) * test.dim(2));
			for (int i = 0; i < n; i += n / 40) {
				double[][][] rounds = head.conceptsPerRound(test, i);
				for (int t = 1; t < rounds.length; t++) {
					double change = 0, size = 0;
					for (int m = 0; m < rounds[t].length; m++) for (int j = 0; j < rounds[t][m].length; j++) {
						change += Math.pow(rounds[t][m][j] - rounds[t - 1][m][j], 2);
						size += rounds[t - 1][m][j] * rounds[t - 1][m][j];
					}
					assertTrue(Math.sqrt(change) > 0.01 * Math.sqrt(size), "patch " + i + ": round " + t + " changes the concepts");
				}
				double[] c = head.contributions(test, i, argmax(logits[i]));
				Integer[] order = new Integer[c.length];
				for (int m = 0; m < c.length; m++) order[m] = m;
				Arrays.sort(order, (a, b) -> Double.compare(c[b], c[a]));
				for (int r = 0; r < 3; r++) {
					float[] map = head.unitMaps(test.slice(i), order[r]).data();
					// each cell is the patch's term A B ReLU(S) of the activation: 0 where the patch does not carry the concept
					// (S <= 0), and distinct where it does; saturated softmaxes made whole maps 0 or their cells equal
					Set<Float> distinct = new HashSet<>();
					int positive = 0;
					double mean = 0, var = 0;
					for (float v : map) {
						if (v > 0) {
							distinct.add(v);
							positive++;
						}
						mean += v / (double) cells;
					}
					for (float v : map) var += (v - mean) * (v - mean) / cells;
					assertTrue(positive >= 1 && distinct.size() == positive, "patch " + i + ", concept " + (order[r] + 1) + " (rank " + (r + 1)
						+ "): " + distinct.size() + " distinct values in " + positive + " cells that carry it: " + Arrays.toString(map));
					assertEquals(head.activations(test.slice(i))[0][order[r]], mean, 1e-5 * Math.max(1, mean), "the map's mean is the activation");
					assertTrue(mean > 0 && Math.sqrt(var) > 0.5 * mean, "patch " + i + ", concept " + (order[r] + 1) + " (rank " + (r + 1)
						+ "): the map has a region (spread " + Math.sqrt(var) + ", mean " + mean + ")");
				}
			}
		}
	}

	private static int argmax(double[] v) {
		int b = 0;
		for (int i = 1; i < v.length; i++) if (v[i] > v[b]) b = i;
		return b;
	}
}
