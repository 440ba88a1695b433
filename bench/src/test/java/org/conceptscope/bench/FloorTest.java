package org.conceptscope.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.conceptscope.attribution.GradCam;
import org.conceptscope.attribution.IntegratedGradients;
import org.conceptscope.attribution.Occlusion;
import org.conceptscope.model.CountingClassifier;
import org.conceptscope.model.CountingClassifier.Call;
import org.conceptscope.model.CountingClassifier.Kind;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.Test;

/** The counting wrapper records what a method asks of the model; the floor replays exactly that. */
class FloorTest {

	@Test
	void floorReplaysExactlyTheRecordedCalls() {
		try (TensorFlowClassifier model = TensorFlowClassifier.load(BenchSmokeTest.models().resolve("ihc-stain"))) {
			model.setMaxBatch(5);
			FloatTensor images = Bench.randomImages(3, 32, 32, 3, 1);
			for (var method : List.of(new Occlusion(8, 8, 0f), new IntegratedGradients(6, 0f), new GradCam(null, true))) {
				CountingClassifier counting = new CountingClassifier(model);
				method.explain(counting, images, new int[] { -1, 0, 2 }, Progress.NONE);
				List<Call> calls = counting.calls();
				assertTrue(!calls.isEmpty());
				CountingClassifier replay = new CountingClassifier(model);
				Floor floor = new Floor(replay, calls, images);
				replay.reset();
				assertTrue(floor.run() > 0);
				assertEquals(calls, replay.calls(), method.name() + ": same kinds, sizes, layers, order");
			}
		}
	}

	@Test
	void countsForwardAndGradientPassesByImage() {
		try (TensorFlowClassifier model = TensorFlowClassifier.load(BenchSmokeTest.models().resolve("ihc-stain"))) {
			CountingClassifier counting = new CountingClassifier(model);
			FloatTensor images = Bench.randomImages(4, 32, 32, 3, 2);
			new IntegratedGradients(5, 0f).explain(counting, images, new int[] { 0, 1, 2, 0 }, Progress.NONE);
			// explicit targets: no forward pass to find the prediction; the completeness check's scores f(x) - f(x0) are
			// the only forward passes: the 4 images and the one baseline they share
			assertEquals(5, counting.forwardPasses(), "the completeness check: 4 images and 1 baseline");
			assertEquals(20, counting.gradientPasses(), "5 path points for each of 4 images");
			assertEquals(20, counting.calls().stream().filter(c -> c.kind() == Kind.INPUT_GRADIENT).mapToLong(Call::size).sum());
			counting.reset();
			assertEquals(List.of(), counting.calls());
		}
	}

	/**
	 * The method's own work is timed on a replay: the same calls answered from the recorded run's
	 * outputs. The replay gives the method exactly what the model gave (same maps), makes the same
	 * calls, and refuses a call the recorded run did not make.
	 */
	@Test
	void replayAnswersTheRecordedCallsWithTheModelsOutputs() {
		try (TensorFlowClassifier model = TensorFlowClassifier.load(BenchSmokeTest.models().resolve("ihc-stain"))) {
			model.setMaxBatch(5);
			FloatTensor images = Bench.randomImages(3, 32, 32, 3, 3);
			int[] targets = { -1, 0, 2 };
			for (var method : List.of(new Occlusion(8, 8, 0f), new IntegratedGradients(6, 0f), new GradCam(null, true))) {
				ReplayingClassifier counting = new ReplayingClassifier(model);
				float[][] maps = new float[1][];
				counting.recordOutputs(() -> maps[0] = method.explain(counting, images, targets, Progress.NONE).maps().data());
				List<Call> calls = counting.calls();
				counting.reset();
				counting.replaying(true);
				float[] replayed = method.explain(counting, images, targets, Progress.NONE).maps().data();
				assertArrayEquals(maps[0], replayed, method.name() + ": the replay answers as the model did");
				assertEquals(calls, counting.calls(), method.name());
				counting.reset();
				IllegalStateException e = assertThrows(IllegalStateException.class, () -> counting.logits(Bench.randomImages(7, 32, 32, 3, 4)));
				assertTrue(e.getMessage().contains("differs from the recorded run's"), e.getMessage());
				counting.replaying(false);
			}
		}
	}
}
