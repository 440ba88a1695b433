package org.conceptscope.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/**
 * An epoch of the heads' training is one pass over the training images: each image once, in a
 * seeded shuffled order, in batches of nearly equal sizes. Batches drawn with replacement left
 * about 37 % of the images out of an "epoch" of n / batch steps and showed others twice.
 */
class EpochsTest {

	@Test
	void eachEpochShowsEveryImageExactlyOnce() {
		int n = 72, batch = 32;
		assertEquals(3, SupervisedTrainer.Epochs.steps(n, batch), "at most 32 an epoch: 3 batches");
		SupervisedTrainer.Epochs epochs = new SupervisedTrainer.Epochs(n, batch, new SplittableRandom(4));
		List<int[]> orders = new ArrayList<>();
		for (int e = 0; e < 5; e++) {
			int[] seen = new int[n], order = new int[n];
			int at = 0;
			for (int step = 0; step < 3; step++) {
				int[] b = epochs.get();
				assertEquals(24, b.length, "epoch " + e + " batch " + step + ": 72 in 3 equal batches");
				for (int i : b) {
					seen[i]++;
					order[at++] = i;
				}
			}
			for (int i = 0; i < n; i++) assertEquals(1, seen[i], "epoch " + e + ": image " + i);
			orders.add(order);
		}
		for (int e = 1; e < 5; e++) assertFalse(Arrays.equals(orders.get(0), orders.get(e)), "epoch " + e + " is shuffled anew");
		int[] identity = new int[n];
		for (int i = 0; i < n; i++) identity[i] = i;
		assertFalse(Arrays.equals(identity, orders.get(0)), "shuffled");
		// seeded: the same stream, the same batches
		SupervisedTrainer.Epochs again = new SupervisedTrainer.Epochs(n, batch, new SplittableRandom(4));
		for (int e = 0; e < 5; e++) {
			int[] order = new int[n];
			int at = 0;
			for (int step = 0; step < 3; step++) for (int i : again.get()) order[at++] = i;
			assertArrayEquals(orders.get(e), order, "epoch " + e + " again");
		}
	}

	/** 70 images in batches of at most 32: 3 batches of 24, 23 and 23 (not 32, 32 and 6), every epoch. */
	@Test
	void batchSizesDifferByAtMostOne() {
		SupervisedTrainer.Epochs epochs = new SupervisedTrainer.Epochs(70, 32, new SplittableRandom(2));
		for (int e = 0; e < 3; e++) {
			boolean[] seen = new boolean[70];
			for (int size : new int[] { 24, 23, 23 }) {
				int[] b = epochs.get();
				assertEquals(size, b.length, "epoch " + e);
				for (int i : b) {
					assertFalse(seen[i], "epoch " + e + ": image " + i + " twice");
					seen[i] = true;
				}
			}
		}
		SupervisedTrainer.Epochs exact = new SupervisedTrainer.Epochs(150, 30, new SplittableRandom(2));
		for (int s = 0; s < 10; s++) assertEquals(30, exact.get().length, "150 in batches of 30: 5 of 30");
	}

	@Test
	void aBatchLargerThanTheImagesIsOneStepOfAllOfThem() {
		SupervisedTrainer.Epochs epochs = new SupervisedTrainer.Epochs(5, 32, new SplittableRandom(1));
		assertEquals(1, SupervisedTrainer.Epochs.steps(5, 32));
		for (int e = 0; e < 3; e++) {
			int[] b = epochs.get().clone();
			Arrays.sort(b);
			assertArrayEquals(new int[] { 0, 1, 2, 3, 4 }, b);
		}
	}
}
