package org.conceptscope.heads;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import java.util.Random;

import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.train.TrainingOptions;
import org.conceptscope.util.Progress;
import org.conceptscope.visualization.Maco;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HeadObjectiveTest {

	/** A part's evidence through backbone and saved head: its gradient matches finite differences, and MACO raises it. */
	@Test
	void partEvidenceGradientIsExactAndMacoRaisesIt(@TempDir Path tmp) throws Exception {
		try (TensorFlowClassifier backbone = KnownBackbone.build(tmp.resolve("backbone"))) {
			int[] trainY = new int[150];
			FloatTensor train = KnownBackbone.images(150, trainY, 1);
			InfoDisent head = InfoDisent.train(backbone, "conv1/relu", train, trainY, new TrainingOptions(300, 32, 0.05, 3), Progress.NONE);
			head.save(tmp.resolve("head"), backbone.classNames(), "known backbone", Map.of());
			FloatTensor features = backbone.activations(train, "conv1/relu");
			int part = head.parts(features, 0, 0).get(0).channel(); // image 0 is of class 0
			try (TensorFlowClassifier saved = TensorFlowClassifier.load(tmp.resolve("head"))) {
				HeadObjective objective = HeadObjective.unit(backbone, saved, head, part);
				FloatTensor x = train.slice(0);
				assertEquals(head.evidence(backbone.activations(x, "conv1/relu"))[0][part], objective.score(x), 1e-4,
					"the score is the part's evidence");
				FloatTensor g = objective.gradient(x);
				Random r = new Random(4);
				double eps = 1e-3;
				for (int trial = 0; trial < 12; trial++) {
					int i = r.nextInt(x.size());
					FloatTensor up = x.copy(), down = x.copy();
					up.data()[i] += eps;
					down.data()[i] -= eps;
					double fd = (objective.score(up) - objective.score(down)) / (2 * eps);
					assertEquals(fd, g.data()[i], 2e-3 + 0.01 * Math.abs(fd), "pixel " + i);
				}
				double[][] magnitude = Maco.magnitude(train.range(0, 30));
				Maco.Result m = new Maco(40, 0.1, 0.8, 7).visualize(objective, magnitude, Progress.NONE);
				assertTrue(m.finalScore() > m.startScore(), "part " + part + ": " + m.startScore() + " -> " + m.finalScore());
				assertEquals(head.evidence(backbone.activations(m.image(), "conv1/relu"))[0][part], m.finalScore(), 1e-4);
			}
		}
	}
}
