package org.conceptscope.attribution;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.conceptscope.model.BundledModels;
import org.conceptscope.model.Classifier;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Methods generate their inputs a batch at a time, into reused buffers and on several threads;
 * the maps must not depend on the batch size (uneven last batches included) nor on the run.
 */
class BatchIndependenceTest {

	static TensorFlowClassifier ihc;

	@BeforeAll
	static void load() {
		ihc = TensorFlowClassifier.load(BundledModels.dir("ihc-stain"));
	}

	@AfterAll
	static void close() {
		ihc.close();
	}

	@Test
	void mapsDoNotDependOnTheBatchSize() {
		Random r = new Random(3);
		FloatTensor x = FloatTensor.zeros(2, 32, 32, 3);
		for (int i = 0; i < x.size(); i++) x.data()[i] = r.nextFloat();
		int[] targets = { 0, 2 };
		List<AttributionMethod> methods = List.of(new IntegratedGradients(11, 0f),
			new NoisyGradients(NoisyGradients.Statistic.VAR_GRAD, 11, 0.1, 5), new Occlusion(8, 4, 0f), new Rise(45, 4, 0.5, 2),
			new SobolAttribution(3, 4, MaskedImage.blur(1), true, 4), new HsicAttribution(4, 30, MaskedImage.constant(0), 6));
		for (AttributionMethod m : methods) {
			ihc.setMaxBatch(256);
			Attribution big = m.explain(ihc, x, targets, Progress.NONE);
			ihc.setMaxBatch(7);
			Attribution small = m.explain(ihc, x, targets, Progress.NONE);
			ihc.setMaxBatch(1);
			Attribution one = m.explain(ihc, x, targets, Progress.NONE);
			ihc.setMemoryBudget(TensorFlowClassifier.DEFAULT_MEMORY_BUDGET);
			assertClose(big.maps(), small.maps(), m.name() + " with batches of 7");
			assertClose(big.maps(), one.maps(), m.name() + " with batches of 1");
			if (big.channelMaps() != null) assertClose(big.channelMaps(), small.channelMaps(), m.name() + " channel maps");
		}
	}

	/**
	 * Integrated Gradients and SmoothGrad fill each model call with path points or noisy copies of
	 * several images (up to the model's batch size): the maps equal those of each image explained
	 * alone, and three images of 11 points each take one call instead of three.
	 */
	@Test
	void pathPointsAndNoisyCopiesAreBatchedAcrossImages() {
		Random r = new Random(8);
		FloatTensor x = FloatTensor.zeros(3, 32, 32, 3);
		for (int i = 0; i < x.size(); i++) x.data()[i] = r.nextFloat();
		int[] targets = { 2, 0, 1 };
		for (AttributionMethod m : List.of(new IntegratedGradients(11, 0.2f), new NoisyGradients(NoisyGradients.Statistic.SMOOTH_GRAD, 11, 0.1, 5))) {
			List<Integer> sizes = new ArrayList<>();
			Classifier counting = (Classifier) Proxy.newProxyInstance(Classifier.class.getClassLoader(), new Class<?>[] { Classifier.class },
				(proxy, method, args) -> {
					if (method.getName().equals("inputGradient")) sizes.add((int) ((FloatTensor) args[0]).dim(0));
					try {
						return method.invoke(ihc, args);
					} catch (InvocationTargetException e) {
						throw e.getCause();
					}
				});
			Attribution together = m.explain(counting, x, targets, Progress.NONE);
			assertEquals(List.of(33), sizes, m.name() + ": the 33 points of three images in one call");
			for (int i = 0; i < 3; i++) {
				Attribution alone = m.numberingImagesFrom(i).explain(ihc, x.range(i, i + 1), new int[] { targets[i] }, Progress.NONE);
				assertClose(alone.maps(), together.maps().range(i, i + 1), m.name() + ", image " + i + " alone");
			}
		}
	}

	@Test
	void aBatchExplainedInPartsGetsTheMapsOfTheWholeBatch() {
		Random r = new Random(5);
		FloatTensor x = FloatTensor.zeros(4, 32, 32, 3);
		for (int i = 0; i < x.size(); i++) x.data()[i] = r.nextFloat();
		int[] targets = { 0, 1, 2, 1 };
		NoisyGradients smooth = new NoisyGradients(NoisyGradients.Statistic.SMOOTH_GRAD, 6, 0.2, 9);
		Attribution whole = smooth.explain(ihc, x, targets, Progress.NONE);
		Attribution tail = smooth.numberingImagesFrom(2).explain(ihc, x.range(2, 4), new int[] { 2, 1 }, Progress.NONE);
		assertClose(whole.maps().range(2, 4), tail.maps(), "images 2 and 3 explained on their own, numbered from 2");
		Attribution unnumbered = smooth.explain(ihc, x.range(2, 4), new int[] { 2, 1 }, Progress.NONE);
		float diff = 0;
		for (int i = 0; i < tail.maps().size(); i++) diff = Math.max(diff, Math.abs(tail.maps().data()[i] - unnumbered.maps().data()[i]));
		assertTrue(diff > 0, "numbered from 0, the same images draw other noise");
		AttributionMethod saliency = new Saliency();
		assertSame(saliency, saliency.numberingImagesFrom(7), "a method without random draws is the same method");
	}

	/**
	 * Perturbation methods stream the copies of several images through the model (image i + 1's
	 * first batch is generated while image i's last one is scored): each image's map equals the map
	 * of that image explained alone, with batches that hold whole images, part of one, or one copy.
	 */
	@Test
	void perturbedCopiesStreamedAcrossImagesGiveEachImagesOwnMap() {
		Random r = new Random(12);
		FloatTensor x = FloatTensor.zeros(3, 32, 32, 3);
		for (int i = 0; i < x.size(); i++) x.data()[i] = r.nextFloat();
		int[] targets = { 2, 0, 1 };
		List<AttributionMethod> methods = List.of(new Occlusion(8, 4, 0f), new Rise(45, 4, 0.5, 2),
			new SobolAttribution(3, 4, MaskedImage.blur(1), true, 4), new HsicAttribution(4, 30, MaskedImage.constant(0), 6),
			new Lime(40, Segmentation.grid(4), MaskedImage.constant(0), 3), new KernelShap(40, Segmentation.grid(4), MaskedImage.constant(0), 3));
		try {
			for (int batch : new int[] { 256, 13, 1 }) {
				ihc.setMaxBatch(batch);
				for (AttributionMethod m : methods) {
					Attribution together = m.explain(ihc, x, targets, Progress.NONE);
					for (int i = 0; i < 3; i++) {
						Attribution alone = m.explain(ihc, x.range(i, i + 1), new int[] { targets[i] }, Progress.NONE);
						assertClose(alone.maps(), together.maps().range(i, i + 1), m.name() + ", image " + i + " alone, batches of " + batch);
					}
				}
			}
		} finally {
			ihc.setMemoryBudget(TensorFlowClassifier.DEFAULT_MEMORY_BUDGET);
		}
	}

	@Test
	void riseGivesTheSameMapsWithoutTheMaskCache() {
		Random r = new Random(4);
		FloatTensor x = FloatTensor.zeros(2, 32, 32, 3);
		for (int i = 0; i < x.size(); i++) x.data()[i] = r.nextFloat();
		Rise rise = new Rise(45, 4, 0.5, 2);
		Attribution cached = rise.explain(ihc, x, new int[] { 1, 2 }, Progress.NONE);
		long before = Rise.maskCacheBytes;
		Rise.maskCacheBytes = 0; // every mask generated per image, per batch, double-buffered
		try {
			ihc.setMaxBatch(7);
			assertClose(cached.maps(), rise.explain(ihc, x, new int[] { 1, 2 }, Progress.NONE).maps(), "rise, masks per batch of 7");
			ihc.setMaxBatch(30);
			assertClose(cached.maps(), rise.explain(ihc, x, new int[] { 1, 2 }, Progress.NONE).maps(), "rise, masks per batch of 30");
			// one batch per image: image 2's masks go to the other half while image 1's batch is scored
			ihc.setMaxBatch(64);
			assertClose(cached.maps(), rise.explain(ihc, x, new int[] { 1, 2 }, Progress.NONE).maps(), "rise, all masks in one batch per image");
		} finally {
			Rise.maskCacheBytes = before;
			ihc.setMemoryBudget(TensorFlowClassifier.DEFAULT_MEMORY_BUDGET);
		}
	}

	private static void assertClose(FloatTensor want, FloatTensor got, String what) {
		assertArrayEquals(want.shape(), got.shape(), what);
		float scale = 0;
		for (float v : want.data()) scale = Math.max(scale, Math.abs(v));
		for (int i = 0; i < want.size(); i++) assertEquals(want.data()[i], got.data()[i], 1e-4 * Math.max(scale, 1e-6), what + " at " + i);
	}
}
