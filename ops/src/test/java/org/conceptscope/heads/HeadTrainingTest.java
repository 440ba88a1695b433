package org.conceptscope.heads;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.IntStream;

import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.registry.Registry;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.train.TrainingOptions;
import org.conceptscope.util.Progress;
import org.conceptscope.util.Seeds;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Train Interpretable Head's computation: the held-out split, the head trained on the rest, and the accuracies it reports. */
class HeadTrainingTest {

	@Test
	void theSplitHoldsOutARoundedShareOfEachClassSeeded() {
		int[] labels = { 0, 1, 0, 0, 1, 0, 2, 0, 1, 1, 1 }; // class 0: 5 images, class 1: 5, class 2: 1
		int[][] s = HeadTraining.split(labels, 0.5, 7);
		int[] held = s[1];
		// round(0.5 * 5) = 3 of classes 0 and 1 (never all of them), none of the single image of class 2
		assertEquals(3, IntStream.of(held).filter(i -> labels[i] == 0).count());
		assertEquals(3, IntStream.of(held).filter(i -> labels[i] == 1).count());
		assertEquals(0, IntStream.of(held).filter(i -> labels[i] == 2).count());
		int[] all = IntStream.concat(IntStream.of(s[0]), IntStream.of(held)).sorted().toArray();
		assertArrayEquals(IntStream.range(0, labels.length).toArray(), all, "train and held out: every image once");
		assertTrue(Arrays.equals(s[0], IntStream.of(s[0]).sorted().toArray()) && Arrays.equals(held, IntStream.of(held).sorted().toArray()));
		assertArrayEquals(held, HeadTraining.split(labels, 0.5, 7)[1], "the same seed, the same split");
		// a small share still holds one image out of a class of two or more, and at most n - 1
		assertEquals(2, HeadTraining.split(labels, 0.01, 7)[1].length);
		assertEquals(8, HeadTraining.split(labels, 0.99, 7)[1].length);
		IllegalArgumentException none = assertThrows(IllegalArgumentException.class, () -> HeadTraining.split(new int[] { 0, 1, 2 }, 0.5, 1));
		assertEquals("No image could be held out for the accuracy table: give at least two images per class.", none.getMessage());
	}

	/**
	 * Tiles of one image (one source) are held out together: a class's sources are shuffled as its
	 * images would be and the rounded share of them held out whole; with every image its own source
	 * the split is the split of images.
	 */
	@Test
	void tilesOfOneImageAreHeldOutTogether() {
		// class 0: sources 0, 1, 2, 3 of 4 tiles each; class 1: sources 4, 5, 6 of 2 tiles each; class 2: source 7 of 3 tiles
		int[] sources = { 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 7 };
		int[] labels = new int[sources.length];
		for (int i = 0; i < sources.length; i++) labels[i] = sources[i] < 4 ? 0 : sources[i] < 7 ? 1 : 2;
		for (long seed = 0; seed < 20; seed++) {
			int[][] s = HeadTraining.split(labels, sources, 0.5, seed);
			java.util.Set<Integer> heldSources = new java.util.TreeSet<>(), trainSources = new java.util.TreeSet<>();
			IntStream.of(s[1]).forEach(i -> heldSources.add(sources[i]));
			IntStream.of(s[0]).forEach(i -> trainSources.add(sources[i]));
			assertTrue(java.util.Collections.disjoint(heldSources, trainSources), "seed " + seed + ": no source on both sides");
			// round(0.5 * 4) = 2 of class 0's sources, round(0.5 * 3) = 2 of class 1's, none of class 2's single source
			assertEquals(2, heldSources.stream().filter(x -> x < 4).count(), "seed " + seed);
			assertEquals(2, heldSources.stream().filter(x -> x >= 4 && x < 7).count(), "seed " + seed);
			assertFalse(heldSources.contains(7));
			assertEquals(sources.length, s[0].length + s[1].length);
		}
		// with every image its own source, the split of images: the seed's split stream, each class's indices shuffled in turn
		// (Fisher-Yates from the last), the first round(share * n) held out (at least 1, at most n - 1)
		java.util.SplittableRandom r = Seeds.stream(5, HeadTraining.SPLIT_STREAM);
		java.util.List<Integer> before = new java.util.ArrayList<>();
		for (int k = 0; k < 3; k++) {
			java.util.List<Integer> idx = new java.util.ArrayList<>();
			for (int i = 0; i < labels.length; i++) if (labels[i] == k) idx.add(i);
			for (int i = idx.size() - 1; i > 0; i--) {
				int j = r.nextInt(i + 1);
				Integer t = idx.get(i);
				idx.set(i, idx.get(j));
				idx.set(j, t);
			}
			int n = idx.size(), h = n < 2 ? 0 : Math.max(1, Math.min(n - 1, (int) Math.round(0.3 * n)));
			before.addAll(idx.subList(0, h));
		}
		int[] own = IntStream.range(0, labels.length).toArray();
		assertArrayEquals(before.stream().mapToInt(Integer::intValue).sorted().toArray(), HeadTraining.split(labels, own, 0.3, 5)[1],
			"each image its own source");
		IllegalArgumentException mixed = assertThrows(IllegalArgumentException.class,
			() -> HeadTraining.split(new int[] { 0, 1, 0, 1 }, new int[] { 0, 0, 1, 1 }, 0.5, 1));
		assertEquals("The images of source 0 have different labels.", mixed.getMessage());
	}

	@Test
	void theReportedAccuraciesAreThoseOfTheHeldOutPredictions(@TempDir Path tmp) throws Exception {
		try (TensorFlowClassifier backbone = KnownBackbone.build(tmp.resolve("backbone"))) {
			int[] labels = new int[60];
			FloatTensor images = KnownBackbone.images(60, labels, 5);
			HeadTrainer trainer = Registry.head("infodisent", Map.of());
			String layer = HeadTraining.layer(backbone, "", "layer");
			assertEquals("conv1/relu", layer, "empty: the last spatial layer");
			HeadTraining.Outcome o = HeadTraining.train(backbone, images, labels, IntStream.range(0, 60).toArray(), layer, trainer,
				new TrainingOptions(400, 32, 0.05, 3),
				0.25, 11, 4, Progress.NONE);
			assertArrayEquals(HeadTraining.split(labels, 0.25, 11)[1], o.held(), "held out as split() says");
			assertEquals(15, o.held().length, "a quarter of each class of 20");
			// recomputed here, independently: the backbone's own predictions and the head's on the held-out images
			int[] backbonePred = backbone.logits(images.rows(o.held())).argmaxRows();
			double[][] logits = o.head().logits(backbone.activations(images, layer).rows(o.held()));
			int headRight = 0, backboneRight = 0, agree = 0;
			for (int i = 0; i < o.held().length; i++) {
				int truth = labels[o.held()[i]], head = HeadTraining.argmax(logits[i]);
				assertEquals(truth, o.heldLabels()[i]);
				assertEquals(head, o.headPredicted()[i]);
				assertArrayEquals(logits[i], o.headLogits()[i], 1e-9);
				if (head == truth) headRight++;
				if (backbonePred[i] == truth) backboneRight++;
				if (head == backbonePred[i]) agree++;
			}
			assertEquals(headRight / 15.0, o.headAccuracy(), 1e-12);
			assertEquals(backboneRight / 15.0, o.backboneAccuracy(), 1e-12);
			assertEquals(agree / 15.0, o.agreement(), 1e-12);
			assertEquals(1.0, o.backboneAccuracy(), "the known backbone reads the blob's channel: always right");
			assertTrue(o.headAccuracy() >= 0.8, "the head learns the same channels: " + o.headAccuracy());
			assertEquals(KnownBackbone.SIZE, o.featureHeight());
			assertEquals(o.head().units(), o.prototypes().size());
			for (var units : o.prototypes()) {
				assertEquals(4, units.size());
				for (HeadPrototypes.Prototype p : units) assertTrue(p.image() >= 0 && p.image() < o.train().length, "a training image: " + p);
			}
		}
	}

	/**
	 * The prototype search after training reports its progress and stops on cancel (it ran for hours on wide layers, deaf to
	 * Esc): InfoDisent's searches every part in one pass over the training images, reported per image.
	 */
	@Test
	void theSearchForPrototypesReportsEachUnitAndStopsOnCancel(@TempDir Path tmp) throws Exception {
		try (TensorFlowClassifier backbone = KnownBackbone.build(tmp.resolve("backbone"))) {
			int[] labels = new int[30];
			FloatTensor images = KnownBackbone.images(30, labels, 5);
			java.util.List<String> seen = new java.util.ArrayList<>();
			Progress stopAtSecondUnit = (done, total, message) -> {
				if (message.startsWith("prototypes")) seen.add(done + "/" + total);
				return !message.startsWith("prototypes") || done < 1;
			};
			assertThrows(java.util.concurrent.CancellationException.class, () -> HeadTraining.train(backbone, images, labels,
				IntStream.range(0, 30).toArray(), "conv1/relu", Registry.head("infodisent", Map.of()), new TrainingOptions(20, 16, 0.05, 3),
				0.25, 11, 4, stopAtSecondUnit));
			int train = HeadTraining.split(labels, IntStream.range(0, 30).toArray(), 0.25, 11)[0].length;
			assertEquals(java.util.List.of("0/" + train, "1/" + train), seen,
				"an InfoDisent head's search (all parts in one pass over the images) reports each training image and stops before the second");
		}
	}

	/**
	 * One seed drives the held-out split, the initial weights and the batch order through streams of their own: they
	 * differ (java.util.Random(seed) in all three gave the split's shuffle, the first weights and the first batch the
	 * same draws), and a head trained twice with one seed is the same head, with another seed another.
	 */
	@Test
	void theSeedsStreamsDifferAndTrainingStaysSeeded() {
		for (long seed : new long[] { 0, 42, -7 }) {
			long split = Seeds.stream(seed, HeadTraining.SPLIT_STREAM).nextLong(), weights = Seeds.stream(seed, HeadTraining.WEIGHTS_STREAM).nextLong(),
				batches = Seeds.stream(seed, HeadTraining.BATCH_STREAM).nextLong();
			assertTrue(split != weights && weights != batches && split != batches, "seed " + seed);
		}
		// the first epoch's order is not the permutation the split stream would draw
		int[] first = new org.conceptscope.train.SupervisedTrainer.Epochs(30, 30, Seeds.stream(3, HeadTraining.BATCH_STREAM)).get();
		int[] fromSplit = new org.conceptscope.train.SupervisedTrainer.Epochs(30, 30, Seeds.stream(3, HeadTraining.SPLIT_STREAM)).get();
		assertFalse(Arrays.equals(first, fromSplit));
		int[] labels = new int[45];
		FloatTensor f = InfoDisentTest.signedFeatures(45, labels, 4);
		TrainingOptions a = new TrainingOptions(12, 8, 0.05, 3), b = new TrainingOptions(12, 8, 0.05, 4);
		BiIce one = BiIce.train(f, "features", labels, 3, 3, 4, BiIce.DEFAULT_SPARSITY, 2, a, Progress.NONE);
		BiIce two = BiIce.train(f, "features", labels, 3, 3, 4, BiIce.DEFAULT_SPARSITY, 2, a, Progress.NONE);
		BiIce other = BiIce.train(f, "features", labels, 3, 3, 4, BiIce.DEFAULT_SPARSITY, 2, b, Progress.NONE);
		double[][] l1 = one.logits(f), l2 = two.logits(f), l3 = other.logits(f);
		double diff = 0;
		for (int i = 0; i < 45; i++) {
			assertArrayEquals(l1[i], l2[i], 0, "the same seed, the same head");
			for (int k = 0; k < 3; k++) diff = Math.max(diff, Math.abs(l1[i][k] - l3[i][k]));
		}
		assertTrue(diff > 1e-4, "another seed, another head: " + diff);
		InfoDisent p1 = InfoDisent.train(f, "features", labels, 3, a, Progress.NONE), p2 = InfoDisent.train(f, "features", labels, 3, a, Progress.NONE);
		for (int i = 0; i < 45; i++) assertArrayEquals(p1.logits(f.slice(i))[0], p2.logits(f.slice(i))[0], 0, "InfoDisent: the same seed, the same head");
	}

	/** The feature maps of every image are refused before the backbone runs when the heap cannot hold them twice. */
	@Test
	void featureMapsTheHeapCannotHoldAreRefusedBeforeTheBackboneRuns() {
		HeadTraining.checkFeatureMemory("conv3", 10, 1000, 8000, 8000); // exactly fits
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HeadTraining.checkFeatureMemory("conv3", 10, 1000, 8000, 7999));
		// 8000 bytes against 7999: kB, to the byte (before, "0.0 GB" against "0.0 GB")
		assertEquals("The feature maps of 10 images at layer 'conv3' (1000 values) need about 8.000 kB of Java's heap, more than the 7.999 kB it has"
			+ " free: train on fewer images, choose an earlier or narrower layer, or give Java more memory (Edit > Options > Memory & Threads...,"
			+ " or -Xmx).", e.getMessage());
		// from the layer's shape: 100000 channels of 7 x 7 for 100000 images, twice, is 3.9 TB (the stub backbone fails the test if it runs)
		IllegalArgumentException big = assertThrows(IllegalArgumentException.class, () -> HeadTraining.checkFeatureMemory(
			new InfoDisentRotationTest.WideBackbone(), "wide", 100_000));
		assertTrue(big.getMessage().startsWith("The feature maps of 100000 images at layer 'wide' (490000000000 values) need about 3920.0 GB"),
			big.getMessage());
	}

	@Test
	void theTopChannelIsTheLargestWeightBySizeSignedWhereTheDirectionPointsAgainstIt() {
		assertEquals(2, HeadTraining.topChannel(new double[] { 0.1, 0.9, -0.3 }));
		assertEquals(-1, HeadTraining.topChannel(new double[] { -0.95, 0.2, 0.1 }), "a flipped part: -e1 leans on channel 1, against it");
		assertEquals(3, HeadTraining.topChannel(new double[] { -0.2, 0.1, 0.5 }));
	}

	@Test
	void aLayerThatIsMissingOrNotAFeatureMapIsOneSentence(@TempDir Path tmp) throws Exception {
		try (TensorFlowClassifier backbone = KnownBackbone.build(tmp.resolve("backbone"))) {
			IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> HeadTraining.layer(backbone, "conv9", "layer"));
			assertEquals("The model has no layer 'conv9': set layer= one of the spatial layers Model Info lists, or leave it empty for the last one.",
				missing.getMessage());
			String flat = backbone.layers().stream().filter(l -> !l.isSpatial()).findFirst().orElseThrow().name();
			IllegalArgumentException notSpatial = assertThrows(IllegalArgumentException.class, () -> HeadTraining.layer(backbone, flat, "layer"));
			assertTrue(notSpatial.getMessage().startsWith("Layer '" + flat + "' is not a spatial [N, h, w, c] layer"), notSpatial.getMessage());
		}
	}
}
