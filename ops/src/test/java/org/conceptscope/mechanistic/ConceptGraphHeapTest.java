package org.conceptscope.mechanistic;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.conceptscope.model.BundledModels;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.testsupport.ChildJvm;
import org.junit.jupiter.api.Test;

/**
 * Concept Graph's heap check, measured on a real run: the bundled model's graph over 400 images in a child JVM is refused
 * before any bank at -Xmx64m and fits and completes at -Xmx104m, so {@link ConceptGraph#heapBytes} (about 74 MB for it, beside
 * about 16 MB of JVM, model and images) can be neither far below what the run holds (it would run out of memory at 64 MB)
 * nor far above (it would be refused at 104 MB). Also the sentence a run too large for the heap gets, with the image count
 * that would fit.
 */
class ConceptGraphHeapTest {

	static final ConceptGraph.Options OPTIONS = new ConceptGraph.Options(List.of(), 4, 1000, 1, 32, 6, 0.9);

	/** The measured run: the bundled model's first two blocks (conv1/relu, 32 x 32 x 16 values per image, holds the most). */
	static final ConceptGraph.Options MEASURED = new ConceptGraph.Options(List.of("conv1/relu", "conv2/relu"), 2, 100, 1, 1, 1, 0.9);

	static final int IMAGES = 400;

	/** Runs {@link #MEASURED} on {@link #IMAGES} seeded images; prints DONE, REFUSED (with the progress reports before) or OUT OF MEMORY. */
	public static final class Child {
		public static void main(String[] args) {
			try (TensorFlowClassifier model = TensorFlowClassifier.load(BundledModels.dir("ihc-stain"))) {
				FloatTensor images = SharingRatioDecompositionTest.random(5, IMAGES, 32, 32, 3);
				long[] reports = { 0 };
				try {
					ConceptGraph.Result r = ConceptGraph.build(model, images, 1, MEASURED, (done, total, m) -> ++reports[0] > 0);
					System.out.println("DONE " + r.banks().size() + " banks");
				} catch (IllegalArgumentException e) {
					System.out.println("REFUSED after " + reports[0] + " progress reports: " + e.getMessage());
				} catch (OutOfMemoryError e) {
					System.out.println("OUT OF MEMORY after " + reports[0] + " progress reports");
				}
			}
			System.out.flush();
			System.exit(0); // TensorFlow's native threads must not keep this JVM alive
		}
	}

	private static String child(String heap) throws Exception {
		return ChildJvm.output(new ProcessBuilder(ChildJvm.command(List.of(heap, "-Djava.awt.headless=true"), Child.class, List.of())), 3);
	}

	@Test
	void theSameRunIsRefusedBeforeAnyBankInASmallHeapAndCompletesInOneALittleLarger() throws Exception {
		long need = ConceptGraph.heapBytes(List.of(new long[] { 32, 32, 16 }, new long[] { 16, 16, 32 }), IMAGES, MEASURED);
		String small = child("-Xmx64m"), large = child("-Xmx104m");
		System.out.println("ConceptGraphHeapTest: estimate " + need + " bytes; -Xmx64m: " + small.trim() + "; -Xmx104m: " + large.trim());
		assertTrue(small.contains("REFUSED after 0 progress reports: The graph over 400 images at layers [conv1/relu, conv2/relu]"), small);
		assertTrue(large.contains("DONE 2 banks"), large);
	}

	@Test
	void tooLittleHeapIsRefusedNamingTheKeysTheImagesThatFitAndTheXmx() {
		List<long[]> shapes = List.of(new long[] { 56, 56, 256 }, new long[] { 28, 28, 512 });
		List<String> layers = List.of("block3/relu", "block4/relu");
		long left = 300_000_000L;
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
			() -> ConceptGraph.checkHeap(layers, shapes, 100, OPTIONS, left));
		String m = e.getMessage();
		long most = 0;
		while (ConceptGraph.heapBytes(shapes, most + 1, OPTIONS) <= left) most++;
		long fit = most;
		assertTrue(fit > 0 && fit < 100, "fit " + fit);
		long need = ConceptGraph.heapBytes(shapes, 100, OPTIONS);
		assertTrue(need > 0.5e9 && need < 0.9995e9, "under 1 GB, far above the 300 MB free: whole MB: " + need);
		assertTrue(m.startsWith("The graph over 100 images at layers [block3/relu, block4/relu] (layer 'block3/relu' gives 56 x 56 x 256"
			+ " values per image) needs about " + String.format(java.util.Locale.ROOT, "%.0f MB", need / 1e6) + " of Java's heap for their"
			+ " activations and concept coefficients, more than the 300 MB it has free"), m);
		assertTrue(m.contains("give fewer images (at most " + fit + " fit; a smaller folder= or stack), other layers (layers=,"), m);
		assertTrue(m.contains("give Java more memory (-Xmx") && m.endsWith("Edit > Options > Memory & Threads...)."), m);
		assertDoesNotThrow(() -> ConceptGraph.checkHeap(layers, shapes, fit, OPTIONS, left));
	}

	@Test
	void activationsBeyondOneArrayAreRefusedWithTheImagesThatFit() {
		List<long[]> shapes = List.<long[]> of(new long[] { 56, 56, 256 });
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
			() -> ConceptGraph.checkHeap(List.of("block3/relu"), shapes, 3000, OPTIONS, Long.MAX_VALUE));
		assertTrue(e.getMessage().contains("more activation values than one Java array (2^31): give at most "
			+ (Integer.MAX_VALUE - 8) / (56 * 56 * 256) + " images"), e.getMessage());
	}

	@Test
	void theBundledModelsGraphFitsAndIsNotRefused() {
		try (TensorFlowClassifier model = TensorFlowClassifier.load(BundledModels.dir("ihc-stain"))) {
			FloatTensor images = FloatTensor.zeros(4, 32, 32, 3);
			assertDoesNotThrow(() -> ConceptGraph.checkHeap(model,
				images, new ConceptGraph.Options(List.of("conv1/relu", "conv2/relu"), 3, 200, 1, 8, 2, 0.9)));
		}
	}
}
