package org.conceptscope.heads;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.conceptscope.model.Classifier;
import org.conceptscope.model.LayerInfo;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.train.SupervisedTrainer;
import org.conceptscope.train.TrainingOptions;
import org.conceptscope.util.Progress;
import org.conceptscope.util.Seeds;
import org.junit.jupiter.api.Test;

/**
 * Bi-ICE's memory check (the native step and the Java part, from the settings and the layer's shape) and the
 * convergence record kept as the snapshots come (one at a time) instead of all of them.
 */
class BiIceMemoryTest {

	@Test
	void aStepTooLargeForTheMachineNamesTheLargestBatchThatFits() {
		// a 7 x 7 layer of 2048 channels (ResNet-50's last), the largest concepts and dimension: 26 GB a product tensor at batch 32
		long at32 = BiIce.nativeBytes(7, 7, 2048, 1024, 4096, 32), at5 = BiIce.nativeBytes(7, 7, 2048, 1024, 4096, 5),
			at6 = BiIce.nativeBytes(7, 7, 2048, 1024, 4096, 6);
		assertTrue(at32 > 6 * 4L * 32 * 49 * 1024 * 4096, "six of the [batch, h w, K, d] products at least: " + at32);
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BiIce.checkMemory("pool", 7, 7, 2048, 1024, 4096,
			3, 32, "batch_size", at5 + (at6 - at5) / 2, Long.MAX_VALUE));
		assertEquals("Bi-ICE on layer 'pool' (7 x 7 positions, 2048 channels) with concepts=1024, dimension=4096 and batch_size=32 needs"
			+ " about " + String.format(java.util.Locale.ROOT, "%.1f", at32 / 1e9) + " GB of native memory for each training step (its binding"
			+ " multiplies every position with every concept in every dimension), more than the "
			+ String.format(java.util.Locale.ROOT, "%.1f", (at5 + (at6 - at5) / 2) / 1e9) + " GB of the machine's memory beside Java's heap"
			+ " (what TensorFlow has on the CPU): give"
			+ " batch_size=5 or less, or choose a layer with fewer positions.", e.getMessage());
		// not even one image fits: fewer concepts or dimensions, whose product fits about proportionally
		String one = assertThrows(IllegalArgumentException.class, () -> BiIce.checkMemory("pool", 7, 7, 2048, 1024, 4096, 3, 32, "batch_size",
			BiIce.nativeBytes(7, 7, 2048, 1024, 4096, 1) / 4, Long.MAX_VALUE)).getMessage();
		assertTrue(one.contains(": give fewer concepts= or a smaller dimension= (concepts x dimension at most about 10"), one);
		assertTrue(one.endsWith(" at batch_size=1), or choose a layer with fewer positions."), one);
		// what fits passes
		BiIce.checkMemory("pool", 7, 7, 2048, 1024, 4096, 3, 5, "batch_size", at5, BiIce.heapBytes(7, 7, 2048, 1024, 4096, 3, 5));
	}

	@Test
	void aHeapTooSmallNamesTheXmx() {
		long need = BiIce.heapBytes(7, 7, 2048, 1024, 4096, 3, 32);
		assertTrue(need > 8L * 5 * 1024 * 4096, "the evaluation's five K x d doubles at least: " + need);
		String m = assertThrows(IllegalArgumentException.class, () -> BiIce.checkMemory("pool", 7, 7, 2048, 1024, 4096, 3, 32, "batch_size",
			Long.MAX_VALUE, need - 1)).getMessage();
		// about 0.4 GB, one byte more than is free: written in MB to the byte, so that the need and the free differ
		assertTrue(need > 0.3e9 && need < 0.5e9, "about 0.4 GB: " + need);
		assertTrue(m.startsWith("Bi-ICE on layer 'pool' (7 x 7 positions, 2048 channels) with concepts=1024, dimension=4096 and batch_size=32"
			+ " needs about " + String.format(java.util.Locale.ROOT, "%.6f MB", need / 1e6) + " of Java's heap beside the feature maps, more"
			+ " than the " + String.format(java.util.Locale.ROOT, "%.6f MB", (need - 1) / 1e6) + " it has free of the "), m);
		assertTrue(m.contains(" Java may use: give Java more memory (-Xmx") && m.endsWith("g or more; in Fiji, Edit > Options > Memory &"
			+ " Threads...), or give fewer concepts= or a smaller dimension=."), m);
	}

	/**
	 * Before the backbone runs, the check counts the feature maps it will make (4 h w c bytes an image): where the training
	 * itself fits, the sentence says how many images do; where it does not, fewer concepts or a smaller dimension.
	 */
	@Test
	void theCheckBeforeTheBackboneCountsTheFeatureMaps() {
		long training = BiIce.heapBytes(4, 4, 2048, 6, 16, 3, 32), map = 4L * 4 * 4 * 2048, left = training + 100 * map + map / 2;
		String m = assertThrows(IllegalArgumentException.class, () -> BiIce.checkMemory("pool", 4, 4, 2048, 6, 16, 3, 32, 32, "batch_size",
			2000, map, Long.MAX_VALUE, left)).getMessage();
		// the heap for 2000 maps (262 MB of them) against the room for 100.5: far apart, so whole MB tell them apart
		assertTrue(training + 2000 * map < 0.9995e9, "under 1 GB: " + (training + 2000 * map));
		assertTrue(m.startsWith("Bi-ICE on layer 'pool' (4 x 4 positions, 2048 channels) with concepts=6, dimension=16 and batch_size=32 needs"
			+ " about " + String.format(java.util.Locale.ROOT, "%.0f MB", (training + 2000 * map) / 1e6) + " of Java's heap with the feature"
			+ " maps of 2000 images (262 MB), more than the " + String.format(java.util.Locale.ROOT, "%.0f MB", left / 1e6) + " it has free"), m);
		assertTrue(m.endsWith("g or more; in Fiji, Edit > Options > Memory & Threads...), or give fewer images (at most about 100)."), m);
		// the 100 images named fit
		BiIce.checkMemory("pool", 4, 4, 2048, 6, 16, 3, 32, 32, "batch_size", 100, map, Long.MAX_VALUE, left);
		String k = assertThrows(IllegalArgumentException.class, () -> BiIce.checkMemory("pool", 4, 4, 2048, 6, 16, 3, 32, 32, "batch_size",
			2000, map, Long.MAX_VALUE, training - 1)).getMessage();
		assertTrue(k.endsWith(", or give fewer concepts= or a smaller dimension=."), k);
	}

	/**
	 * The op explain.heads.bi_ice given more images than the heap can hold the feature maps of (256 x 256 floats each, twice
	 * what this JVM may use) refuses them before the images go through the backbone; before, its check left the maps out
	 * and the backbone ran (here: the backbone's AssertionError).
	 */
	@Test
	void theOpRefusesMoreImagesThanTheHeapHoldsTheMapsOfBeforeTheBackboneRuns() {
		int n = (int) Math.min(Integer.MAX_VALUE / 64, 2 * Runtime.getRuntime().maxMemory() / (4L * 256 * 256) + 1);
		List<Integer> labels = new ArrayList<>();
		for (int i = 0; i < n; i++) labels.add(i % 2);
		String m = assertThrows(IllegalArgumentException.class, () -> org.conceptscope.ops.HeadOps.biIce(new BigLayerBackbone(),
			net.imglib2.img.array.ArrayImgs.floats(8, 8, n), labels, "big", 2, 1, 1L, null, 3, null)).getMessage();
		assertTrue(m.startsWith("Bi-ICE on layer 'big' (256 x 256 positions, 1 channels) with concepts=2, dimension=3 and a batch of "), m);
		assertTrue(m.contains(" of Java's heap with the feature maps of " + n + " images ("), m);
		java.util.regex.Matcher fewer = java.util.regex.Pattern.compile(", or give fewer images \\(at most about (\\d+)\\)\\.$").matcher(m);
		assertTrue(fewer.find(), m);
		int fits = Integer.parseInt(fewer.group(1));
		assertTrue(fits > 0 && fits < n / 2 + 1, m);
	}

	/**
	 * Training refuses before its loop a step too large for this machine, at the batch it would run (an epoch's largest
	 * step: 3 of 3 images, not the 32 asked for).
	 */
	@Test
	void trainingRefusesAStepTooLargeBeforeItsLoop() {
		int h = 256, w = 256; // 3 x 65536 x 1024 x 4096 floats: terabytes a product
		FloatTensor f = FloatTensor.zeros(3, h, w, 1);
		boolean[] progressed = { false };
		String m = assertThrows(IllegalArgumentException.class, () -> BiIce.train(f, "big", new int[] { 0, 1, 0 }, 2, 1024, 4096, 0.01, 1,
			new TrainingOptions(1, 32, 0.01, 1), (done, total, message) -> progressed[0] = true)).getMessage();
		assertTrue(m.startsWith("Bi-ICE on layer 'big' (256 x 256 positions, 1 channels) with concepts=1024, dimension=4096 and a batch of 3"
			+ " needs about "), m);
		assertTrue(!progressed[0], "no training step");
	}

	/**
	 * On a backbone, the check before the images go through it sizes the step an epoch takes (3 images at a batch size of 32
	 * are one step of 3), not the batch size asked for, which over-estimated the need 10x here and refused runs that fit.
	 */
	@Test
	void theCheckOnABackboneSizesTheLargestStepNotTheBatchSize() {
		Classifier big = new BigLayerBackbone();
		String gb3 = String.format(java.util.Locale.ROOT, "%.1f GB", BiIce.nativeBytes(256, 256, 1, 1024, 4096, 3) / 1e9);
		String m = assertThrows(IllegalArgumentException.class, () -> BiIce.train(big, "big", FloatTensor.zeros(3, 8, 8, 1),
			new int[] { 0, 1, 0 }, 1024, 4096, new TrainingOptions(1, 32, 0.01, 1), Progress.NONE)).getMessage();
		assertTrue(m.startsWith("Bi-ICE on layer 'big' (256 x 256 positions, 1 channels) with concepts=1024, dimension=4096 and a batch of 3"
			+ " needs about " + gb3 + " of native memory"), m);
		String run = assertThrows(IllegalArgumentException.class, () -> BiIce.checkMemory(big, "big", 1024, 4096, 3, 32, "batch_size"))
			.getMessage();
		assertTrue(run.startsWith("Bi-ICE on layer 'big' (256 x 256 positions, 1 channels) with concepts=1024, dimension=4096 and batch_size=32"
			+ " (steps of 3 images) needs about " + gb3 + " of native memory"), run);
		assertEquals(3, SupervisedTrainer.Epochs.largestStep(3, 32));
		assertEquals(24, SupervisedTrainer.Epochs.largestStep(72, 32), "3 steps of 24, not 32, 32 and 8");
		assertEquals(25, SupervisedTrainer.Epochs.largestStep(73, 32));
	}

	/**
	 * The op explain.heads.bi_ice refuses a head too large for the machine before the images go through the backbone, as
	 * Train Interpretable Head does; before, only the training's own check refused it, once the backbone had computed every
	 * image's features (here: the backbone's AssertionError).
	 */
	@Test
	void theOpRefusesAHeadTooLargeBeforeTheBackboneRuns() {
		String m = assertThrows(IllegalArgumentException.class, () -> org.conceptscope.ops.HeadOps.biIce(new BigLayerBackbone(),
			net.imglib2.img.array.ArrayImgs.floats(8, 8, 3), List.of(0, 1, 0), "big", 1024, 1, 1L, null, 4096, null)).getMessage();
		assertTrue(m.startsWith("Bi-ICE on layer 'big' (256 x 256 positions, 1 channels) with concepts=1024, dimension=4096 and a batch of 3"
			+ " needs about "), m);
		assertTrue(m.contains(" of native memory for each training step"), m);
	}

	/**
	 * The ops explain.heads.contributions and explain.heads.unit_maps refuse images whose feature maps at the head's layer
	 * the heap cannot hold before the backbone computes any (20000 images of 256 x 256 floats there: 5 GB); before, the
	 * backbone ran (here: its AssertionError).
	 */
	@Test
	void theExplainingOpsRefuseFeatureMapsTooLargeBeforeTheBackboneRuns() {
		BiIce head = BiIce.train(FloatTensor.zeros(2, 256, 256, 1), "big", new int[] { 0, 1 }, 2, 2, 3, 0.01, 1,
			new TrainingOptions(1, 2, 0.01, 1), Progress.NONE);
		net.imglib2.img.Img<net.imglib2.type.numeric.real.FloatType> images = net.imglib2.img.array.ArrayImgs.floats(8, 8, 20000);
		List<String> said = List.of(
			assertThrows(IllegalArgumentException.class, () -> org.conceptscope.ops.HeadOps.contributions(head, new BigLayerBackbone(), images,
				null)).getMessage(),
			assertThrows(IllegalArgumentException.class, () -> org.conceptscope.ops.HeadOps.unitMaps(head, new BigLayerBackbone(), images, 0))
				.getMessage());
		for (String m : said) {
			assertTrue(m.startsWith("The 20000 image(s) need about "), m);
			assertTrue(m.contains(" of Java's heap for their feature maps at layer 'big' (256 x 256 x 1 each: the head reads all of them),"
				+ " more than the "), m);
			assertTrue(m.contains(" Java may use: explain at most "), m);
		}
	}

	/**
	 * Reads 8 x 8 one-channel images; one 256 x 256 x 1 layer (terabytes a Bi-ICE step at the largest sizes, whatever the
	 * machine); any pass fails the test.
	 */
	static final class BigLayerBackbone implements Classifier {

		@Override
		public org.conceptscope.model.ModelSignature signature() {
			return new org.conceptscope.model.ModelSignature("serving_default", new org.conceptscope.model.TensorSpec("input", "input:0",
				new long[] { -1, 8, 8, 1 }, "float32"), new org.conceptscope.model.TensorSpec("logits", "logits:0", new long[] { -1, 2 }, "float32"),
				null, List.of());
		}

		@Override
		public List<String> classNames() {
			return List.of("a", "b");
		}

		@Override
		public org.conceptscope.tensor.Normalization normalization() {
			return new org.conceptscope.tensor.Normalization.UnitRange();
		}

		@Override
		public List<LayerInfo> layers() {
			return List.of(new LayerInfo("big", "Relu", new long[] { -1, 256, 256, 1 }));
		}

		@Override
		public FloatTensor logits(FloatTensor images) {
			throw new AssertionError("no pass expected");
		}

		@Override
		public FloatTensor probabilities(FloatTensor images) {
			throw new AssertionError("no pass expected");
		}

		@Override
		public FloatTensor inputGradient(FloatTensor images, FloatTensor classWeights) {
			throw new AssertionError("no pass expected");
		}

		@Override
		public FloatTensor activations(FloatTensor images, String layer) {
			throw new AssertionError("no pass expected: the step must be refused before the images go through the backbone");
		}

		@Override
		public FloatTensor layerGradient(FloatTensor images, String layer, FloatTensor classWeights) {
			throw new AssertionError("no pass expected");
		}

		@Override
		public FloatTensor logitsFromLayer(String layer, FloatTensor activations) {
			throw new AssertionError("no pass expected");
		}

		@Override
		public FloatTensor gradientFromLayer(String layer, FloatTensor activations, FloatTensor classWeights) {
			throw new AssertionError("no pass expected");
		}

		@Override
		public void close() {}
	}

	/** The convergence record from the snapshots as they come equals the one from all snapshots kept (the earlier way), to the bit. */
	@Test
	void theConvergenceFromOneSnapshotAtATimeEqualsTheOneFromAll() {
		int n = 10, h = 3, w = 3, c = 5, d = 6, k = 4, classes = 2;
		SplittableRandom r = new SplittableRandom(7);
		FloatTensor f = FloatTensor.zeros(n, h, w, c);
		for (int i = 0; i < f.size(); i++) f.data()[i] = (float) r.nextGaussian();
		int[] labels = new int[n];
		for (int i = 0; i < n; i++) labels[i] = i % classes;
		TrainingOptions opt = new TrainingOptions(13, 4, 0.05, 5); // 3 steps an epoch: 4 whole epochs and a third
		BiIce head = BiIce.train(f, "x", labels, classes, k, d, 0.01, 2, opt, Progress.NONE);

		Map<String, FloatTensor> init = BiIceGraph.initialWeights(c, d, k, classes, Seeds.stream(opt.seed(), HeadTraining.WEIGHTS_STREAM));
		int epoch = SupervisedTrainer.Epochs.steps(n, opt.batchSize());
		List<FloatTensor> all = SupervisedTrainer.trainInEpochs(g -> new BiIceGraph(g, h, w, c, d, k, classes, 0.01, 2, init), f, labels,
			classes, opt, Progress.NONE, "concepts", epoch, Seeds.stream(opt.seed(), HeadTraining.BATCH_STREAM)).snapshots();
		List<Double> expected = new ArrayList<>();
		for (int i = 1; i < all.size(); i++) {
			double[] a = BiIce.centred(all.get(i).data(), k, d), b = BiIce.centred(all.get(i - 1).data(), k, d);
			double s = 0;
			for (int j = 0; j < a.length; j++) s += (a[j] - b[j]) * (a[j] - b[j]);
			expected.add(Math.sqrt(s));
		}
		assertEquals(6, all.size(), "the start, 4 epochs and the third of one");
		assertArrayEquals(expected.stream().mapToDouble(Double::doubleValue).toArray(), head.convergence(), 0);
		assertArrayEquals(new double[] { 1, 2, 3, 4, 13 / 3.0 }, head.convergenceEpochs(), 1e-12);
	}
}
