package org.conceptscope.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import org.conceptscope.attribution.GradCam;
import org.conceptscope.metrics.IhcPatches;
import org.conceptscope.model.BundledModels;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The search with the prototypes in the background against the same steps one after the other,
 * on real activations: 48 training and 12 case patches of ihc.png in the last spatial layer of the
 * ihc-stain model.
 */
class ExampleSearchTest {

	static TensorFlowClassifier model;
	static LatentSpace space;
	static FloatTensor training, cases;

	@BeforeAll
	static void load() {
		model = TensorFlowClassifier.load(BundledModels.dir("ihc-stain"));
		space = new LatentSpace(model, GradCam.lastSpatialLayer(model));
		FloatTensor patches = IhcPatches.load(60);
		training = patches.range(0, 48);
		cases = patches.range(48, 60);
	}

	@AfterAll
	static void close() {
		model.close();
	}

	@Test
	void sameNeighboursDistancesAndPrototypesAsOneStepAfterTheOther() {
		FloatTensor trainingLatent = space.project(training);
		List<NearestExamples.Neighbours> want = new NearestExamples(5).find(space.project(cases), trainingLatent);
		Prototypes.Selection all = new Prototypes(3, 0).select(trainingLatent);
		// two classes of examples and a third without any
		int[] labels = new int[48];
		for (int i = 0; i < 48; i++) labels[i] = (i * 7) % 5 < 2 ? 1 : 0;
		List<Prototypes.Selection> perClass = new Prototypes(4, 0).perClass(trainingLatent, labels, 3);
		assertEquals(0, perClass.get(2).indices().length);
		for (int repeat = 0; repeat < 5; repeat++) {
			ExampleSearch.Result both = new ExampleSearch(space, new NearestExamples(5), new Prototypes(3, 0)).run(training, null, 0, cases, Progress.NONE);
			assertSameNeighbours(want, both.neighbours());
			assertEquals(1, both.prototypes().size());
			assertSameSelection(all, both.prototypes().get(0));
			ExampleSearch.Result classes = new ExampleSearch(space, new NearestExamples(5), new Prototypes(4, 0)).run(training, labels, 3, cases,
				Progress.NONE);
			assertSameNeighbours(want, classes.neighbours());
			assertEquals(3, classes.prototypes().size());
			for (int c = 0; c < 3; c++) assertSameSelection(perClass.get(c), classes.prototypes().get(c));
		}
		ExampleSearch.Result nearestOnly = new ExampleSearch(space, new NearestExamples(5), null).run(training, null, 0, cases, Progress.NONE);
		assertSameNeighbours(want, nearestOnly.neighbours());
		assertTrue(nearestOnly.prototypes().isEmpty());
		ExampleSearch.Result prototypesOnly = new ExampleSearch(space, null, new Prototypes(3, 0)).run(training, null, 0, null, Progress.NONE);
		assertTrue(prototypesOnly.neighbours().isEmpty());
		assertSameSelection(all, prototypesOnly.prototypes().get(0));
	}

	/**
	 * The phases report in one count that never goes back and ends at its total: 48 training images, 12
	 * cases, the rows of distances of 3 classes, 3 selections; Esc in the distances stops the search.
	 */
	@Test
	void progressIsOneCountOverThePhasesAndStopsInTheDistances() {
		int[] labels = new int[48];
		for (int i = 0; i < 48; i++) labels[i] = i % 3;
		long total = 48 + 12 + 3L * LatentSpace.pairedRows(16) + 3;
		List<long[]> reports = new java.util.ArrayList<>();
		java.util.Set<String> messages = new java.util.LinkedHashSet<>();
		ExampleSearch search = new ExampleSearch(space, new NearestExamples(5), new Prototypes(2, 0));
		search.run(training, labels, 3, cases, (done, all, message) -> {
			reports.add(new long[] { done, all });
			messages.add(message);
			return true;
		});
		for (int r = 0; r < reports.size(); r++) {
			assertEquals(total, reports.get(r)[1], "one total for every phase");
			if (r > 0) assertTrue(reports.get(r)[0] >= reports.get(r - 1)[0], "progress never goes back: report " + r);
		}
		assertEquals(total, reports.get(reports.size() - 1)[0]);
		assertEquals(List.of("training examples", "images", "examples", ExampleSearch.DISTANCES, ExampleSearch.PROTOTYPES), List.copyOf(messages));
		assertThrows(java.util.concurrent.CancellationException.class, () -> search.run(training, labels, 3, cases,
			(done, all, message) -> !message.equals(ExampleSearch.DISTANCES)));
	}

	/** A failure in the background comes back as it was thrown, and no background work goes on after run returns. */
	@Test
	void aBackgroundFailureIsRethrownAndNothingOutlivesIt() {
		IllegalStateException boom = new IllegalStateException("boom");
		ExampleSearch search = new ExampleSearch(space, new NearestExamples(5), new Prototypes(3, 0));
		assertSame(boom, assertThrows(IllegalStateException.class, () -> search.run(training, null, 0, cases, Progress.NONE, d2 -> {
			throw boom;
		})));
		// per class: the first class's selection fails, the second's is slow
		int[] labels = new int[48];
		for (int i = 24; i < 48; i++) labels[i] = 1;
		AtomicInteger running = new AtomicInteger();
		AtomicBoolean slowStarted = new AtomicBoolean(), slowEnded = new AtomicBoolean();
		Function<double[][], Prototypes.Selection> select = d2 -> {
			running.incrementAndGet();
			try {
				if (slowStarted.compareAndSet(false, true)) {
					sleep(300);
					slowEnded.set(true);
					return new Prototypes(3, 0).select(d2);
				}
				throw boom;
			} finally {
				running.decrementAndGet();
			}
		};
		for (int repeat = 0; repeat < 3; repeat++) {
			slowStarted.set(false);
			slowEnded.set(false);
			assertSame(boom, assertThrows(IllegalStateException.class, () -> search.run(training, labels, 2, cases, Progress.NONE, select)));
			assertEquals(0, running.get(), "a selection still ran after the search failed");
			assertEquals(slowStarted.get(), slowEnded.get());
		}
	}

	/** A cancel while the cases are searched stops the prototypes' work and waits for what runs. */
	@Test
	void aCancelStopsTheBackgroundWork() {
		AtomicInteger running = new AtomicInteger(), selections = new AtomicInteger();
		Function<double[][], Prototypes.Selection> select = d2 -> {
			running.incrementAndGet();
			try {
				sleep(200);
				selections.incrementAndGet();
				return new Prototypes(3, 0).select(d2);
			} finally {
				running.decrementAndGet();
			}
		};
		Progress cancelAfterCases = (done, total, message) -> done < 1;
		ExampleSearch search = new ExampleSearch(space, new NearestExamples(5), new Prototypes(3, 0));
		assertThrows(CancellationException.class, () -> search.run(training, null, 0, cases, cancelAfterCases, select));
		assertEquals(0, running.get(), "a selection still ran after the search was cancelled");
		// cancelled before anything was started
		selections.set(0);
		assertThrows(CancellationException.class, () -> search.run(training, null, 0, cases, (done, total, message) -> false, select));
		assertEquals(0, selections.get());
		assertFalse(Thread.currentThread().isInterrupted());
	}

	@Test
	void badInputsAreOneSentence() {
		assertThrows(IllegalArgumentException.class, () -> new ExampleSearch(space, null, null));
		ExampleSearch search = new ExampleSearch(space, new NearestExamples(5), new Prototypes(3, 0));
		IllegalArgumentException noCases = assertThrows(IllegalArgumentException.class, () -> search.run(training, null, 0, null, Progress.NONE));
		assertEquals("No images to find the nearest examples of.", noCases.getMessage());
		IllegalArgumentException labels = assertThrows(IllegalArgumentException.class,
			() -> search.run(training, new int[3], 2, cases, Progress.NONE));
		assertEquals("3 labels for 48 training examples.", labels.getMessage());
	}

	static void assertSameNeighbours(List<NearestExamples.Neighbours> want, List<NearestExamples.Neighbours> got) {
		assertEquals(want.size(), got.size());
		for (int c = 0; c < want.size(); c++) {
			assertArrayEquals(want.get(c).indices(), got.get(c).indices(), "case " + c);
			assertArrayEquals(want.get(c).distances(), got.get(c).distances(), 0.0, "case " + c);
		}
	}

	static void assertSameSelection(Prototypes.Selection want, Prototypes.Selection got) {
		assertArrayEquals(want.indices(), got.indices());
		assertArrayEquals(want.objective(), got.objective(), 0.0);
		assertEquals(Double.doubleToLongBits(want.gamma()), Double.doubleToLongBits(got.gamma()));
	}

	static void sleep(long ms) {
		try {
			Thread.sleep(ms);
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
		}
	}

	/**
	 * Prototypes of more training images than their distances fit in memory are refused in one sentence
	 * before any image goes through the model (a tensor of the wrong shape would fail there: the sentence
	 * shows the check came first); split into classes, the same images need a fraction of it.
	 */
	@Test
	void prototypesBeyondMemoryAreRefusedBeforeTheModelRuns() {
		int m = (int) Math.sqrt(Runtime.getRuntime().maxMemory() / 8.0) + 1; // its distances alone exceed the heap
		FloatTensor many = new FloatTensor(new long[] { m, 1, 1, 1 }, new float[m]);
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
			() -> new ExampleSearch(space, null, new Prototypes(3, 0)).run(many, null, 0, null, Progress.NONE));
		assertTrue(e.getMessage().startsWith("Prototypes of " + m + " training images need about "), e.getMessage());
		assertTrue(e.getMessage().endsWith("choose them per class (one subfolder of images per class, which splits the distances), from fewer"
			+ " images, or give Java more memory (-Xmx); prototypes=0 finds the nearest examples only."), e.getMessage());
		// 20000 images need about 8 GB together, and 0.4 to 0.8 GB as 10 classes of 2000, by the cores choosing at once (1 GB left: refused, then accepted)
		int[] one = { 20_000 }, ten = new int[10];
		java.util.Arrays.fill(ten, 2_000);
		assertThrows(IllegalArgumentException.class, () -> Prototypes.checkMemory(one, 1_000_000_000L));
		Prototypes.checkMemory(ten, 1_000_000_000L);
		assertTrue(Prototypes.bytesNeeded(ten) * 5 < Prototypes.bytesNeeded(one), "classes split the distances"); // whatever the cores choosing at once
	}

	/**
	 * The nearest examples alone hold the training images' projection twice (floats, and laid out by feature
	 * in doubles): more images than that fits are refused before the model runs (the [m, 1, 1, 1] tensor
	 * would fail there).
	 */
	@Test
	void nearestExamplesBeyondMemoryAreRefusedBeforeTheModelRuns() {
		long d = space.valuesPerImage(training);
		assertEquals(model.activations(training.range(0, 1), space.layer()).size(), d, "the layer's values per image");
		int m = (int) (Runtime.getRuntime().maxMemory() / (16 * d)) + 1;
		FloatTensor many = new FloatTensor(new long[] { m, 1, 1, 1 }, new float[m]);
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
			() -> new ExampleSearch(space, new NearestExamples(5), null).run(many, null, 0, cases, Progress.NONE));
		assertTrue(e.getMessage().startsWith("The nearest examples among " + m + " training images of " + d + " values each"), e.getMessage());
		// what is counted: the projection (8 m d), its layout (8 m d), the cases' projection (8 c d) and distances (8 c m)
		assertEquals(16L * m * d + 8L * 12 * d + 8L * 12 * m, ExampleSearch.bytesNeeded(d, m, 12, new int[0], false));
	}
}
