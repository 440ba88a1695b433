package org.conceptscope.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.conceptscope.model.Classifier;
import org.conceptscope.model.LayerInfo;
import org.conceptscope.model.ModelSignature;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.tensor.Normalization;
import org.junit.jupiter.api.Test;

/**
 * The rule a row is timed by: rounds until there have been the least number and each of method
 * and floor has run long enough at its best time, the same count of each, the side going first
 * rotating, the best of each reported; and, on a fake model whose cost is known, the measured
 * ratio is the known one.
 */
class TimingTest {

	/** A fake side whose runs take the given milliseconds in turn (the last repeated), noting its name in a shared log. */
	private static Timing.Timed side(String name, List<String> log, double... ms) {
		int[] i = { 0 };
		return () -> {
			log.add(name);
			return ms[Math.min(i[0]++, ms.length - 1)];
		};
	}

	@Test
	void shortSidesRunUntilEachHasTheLeastTime() {
		List<String> log = new ArrayList<>();
		Timing.Result r = Timing.run(new Timing.Rule(7, 500, 2000, 60_000), side("m", log, 2), side("f", log, 1), side("o", log, 0.01));
		// the floor (1 ms a run) reaches 500 ms after 500 runs; the method (2 ms) had reached it at 250 but keeps pace
		assertEquals(500, r.rounds());
		assertEquals(500, r.floor().length);
		assertEquals(500, r.own().length);
		assertEquals(500 * 3, log.size());
		assertEquals(2.0, r.methodMs());
		assertEquals(1.0, r.floorMs());
	}

	/** Load that lengthens every other run does not shorten the count: it follows the best time, not the sum. */
	@Test
	void disturbedRunsDoNotCutTheCountShort() {
		List<String> log = new ArrayList<>();
		double[] noisy = new double[600];
		for (int i = 0; i < noisy.length; i++) noisy[i] = i % 2 == 0 ? 9 : 1;
		Timing.Result r = Timing.run(new Timing.Rule(7, 500, 2000, 60_000), side("m", log, 2), side("f", log, noisy), null);
		assertEquals(500, r.rounds(), "the sum of these floor runs reaches 500 ms after 100 runs");
		assertEquals(1.0, r.floorMs());
		// the best time so far decides: runs of 5 ms would ask for 100 rounds, but a 2 ms run shows up in the third
		assertEquals(250, Timing.run(new Timing.Rule(7, 500, 2000, 60_000), side("m", log, 5, 5, 2), side("f", log, 10), null).rounds());
	}

	@Test
	void longSidesRunTheLeastNumberOfRoundsAndShortOnesStopAtTheCap() {
		List<String> log = new ArrayList<>();
		assertEquals(7, Timing.run(new Timing.Rule(7, 500, 2000, 60_000), side("m", log, 120), side("f", log, 100), null).rounds());
		assertEquals(20, Timing.run(new Timing.Rule(7, 500, 20, 60_000), side("m", log, 0.1), side("f", log, 0.1), null).rounds());
		assertEquals(3, Timing.run(new Timing.Rule(3, 0, 10, 0), side("m", log, 0.1), side("f", log, 0.1), null).rounds());
		// the wall-clock cap (real time, here 20 ms of rounds) stops short sides only after the least number of rounds
		Timing.Timed slow = () -> {
			long end = System.nanoTime() + 3_000_000;
			while (System.nanoTime() < end) Thread.onSpinWait();
			return 0.01;
		};
		int rounds = Timing.run(new Timing.Rule(7, 500, 2000, 500), slow, slow, null).rounds();
		assertTrue(rounds >= 7 && rounds < 2000, "rounds " + rounds);
		assertThrows(IllegalArgumentException.class, () -> new Timing.Rule(7, 500, 6, 1000));
		assertThrows(IllegalArgumentException.class, () -> new Timing.Rule(0, 500, 6, 1000));
		assertThrows(IllegalArgumentException.class, () -> new Timing.Rule(7, 500, 60, 100));
	}

	@Test
	void eachSideGoesFirstInTurnAndTheBestRunIsReported() {
		List<String> log = new ArrayList<>();
		// delays hit the floor in rounds 0-3 and the method in round 5: the best of each is the undisturbed time
		Timing.Result r = Timing.run(new Timing.Rule(9, 0, 100, 0), side("m", log, 3, 3, 3, 3, 3, 9, 3, 3, 3), side("f", log, 8, 7, 6, 5, 2, 2),
			side("o", log, 1));
		assertEquals(9, r.rounds());
		assertEquals(3.0, r.methodMs());
		assertEquals(2.0, r.floorMs());
		assertEquals(1.0, r.ownMs());
		int[] first = new int[3];
		for (int round = 0; round < 9; round++) {
			List<String> order = log.subList(3 * round, 3 * round + 3);
			assertEquals(3, order.stream().distinct().count(), "one run of each side per round: " + order);
			first["mfo".indexOf(order.get(0))]++;
		}
		assertEquals("[3, 3, 3]", Arrays.toString(first), "method, floor and own work each go first in a third of the rounds");
		assertTrue(Double.isNaN(Timing.run(new Timing.Rule(2, 0, 2, 0), side("m", log, 1), side("f", log, 1), null).ownMs()));
	}

	/** Cost of the fake model's one call and of the fake method's own work: the same arithmetic. */
	static volatile double sink;

	static void spin(float[] data) {
		double s = 0;
		for (int rep = 0; rep < 40; rep++) {
			for (int i = 0; i < data.length; i++) s += data[i] * (rep + 1) - s * 1e-9;
		}
		sink = s;
	}

	/**
	 * A fake "method" that makes one model call and then does as much arithmetic again as the model
	 * did: its wall time is twice its floor's and its own work equals the floor, so the bench must
	 * find a ratio of about 2 and a ratio to floor + own work of about 1, whatever the machine's speed.
	 * Each side is about half a millisecond, like the rows whose floors are a few ms.
	 */
	@Test
	void aMethodWithAKnownCostRatioIsMeasuredAtThatRatio() {
		float[] work = new float[4096];
		for (int i = 0; i < work.length; i++) work[i] = (i % 97) / 97f;
		FloatTensor images = Bench.randomImages(2, 4, 4, 1, 1);
		try (Classifier model = new SpinningModel(work)) {
			Bench.Row r = Bench.measure("fake", model, "fake", 2, images, c -> {
				c.logits(images);
				spin(work);
			}, new Timing.Rule(7, 100, 2000, 10_000), 300);
			assertTrue(r.rounds() >= 7, "rounds " + r.rounds());
			assertEquals(1, r.calls());
			assertEquals(2.0, r.ratio(), 0.3, "method / floor: " + r.wallMs() + " / " + r.floorMs() + " ms over " + r.rounds() + " rounds");
			assertEquals(1.0, r.ownRatio(), 0.2, "method / (floor + own work): " + r.wallMs() + " / (" + r.floorMs() + " + " + r.ownMs() + ") ms");
		}
	}

	/** One logits call costs one {@link #spin}. */
	private record SpinningModel(float[] work) implements Classifier {
		@Override
		public ModelSignature signature() {
			return null;
		}

		@Override
		public List<String> classNames() {
			return List.of("a", "b");
		}

		@Override
		public Normalization normalization() {
			return null;
		}

		@Override
		public List<LayerInfo> layers() {
			return List.of();
		}

		@Override
		public FloatTensor logits(FloatTensor images) {
			spin(work);
			return FloatTensor.zeros(images.dim(0), 2);
		}

		@Override
		public FloatTensor probabilities(FloatTensor images) {
			return logits(images);
		}

		@Override
		public FloatTensor inputGradient(FloatTensor images, FloatTensor classWeights) {
			throw new UnsupportedOperationException();
		}

		@Override
		public FloatTensor activations(FloatTensor images, String layer) {
			throw new UnsupportedOperationException();
		}

		@Override
		public FloatTensor layerGradient(FloatTensor images, String layer, FloatTensor classWeights) {
			throw new UnsupportedOperationException();
		}

		@Override
		public FloatTensor logitsFromLayer(String layer, FloatTensor activations) {
			throw new UnsupportedOperationException();
		}

		@Override
		public FloatTensor gradientFromLayer(String layer, FloatTensor activations, FloatTensor classWeights) {
			throw new UnsupportedOperationException();
		}

		@Override
		public void close() {}
	}
}
