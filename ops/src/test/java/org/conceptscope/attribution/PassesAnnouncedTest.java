package org.conceptscope.attribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

import org.conceptscope.model.BundledModels;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Passes;
import org.conceptscope.util.Progress;
import org.conceptscope.verify.Eva;
import org.junit.jupiter.api.Test;

/**
 * The model passes a perturbation method announces before it runs ({@link AttributionMethod#passes})
 * are the passes it makes: every image the model scores is counted (StreamedScoresTest's linear
 * model), over two 16 x 16 x 3 images; each count is also the method's documented formula, computed
 * here. EVA's bound computations are counted by its progress (one unit each).
 */
class PassesAnnouncedTest {

	static final int H = 16, W = 16, C = 3;

	private static long scored(AttributionMethod method) {
		StreamedScoresTest.LinearModel model = new StreamedScoresTest.LinearModel(H * W * C, 3, 16, 5);
		FloatTensor images = FloatTensor.zeros(2, H, W, C);
		Random r = new Random(2);
		for (int i = 0; i < images.size(); i++) images.data()[i] = r.nextFloat();
		method.explain(model, images, new int[] { 0, 2 }, Progress.NONE);
		return model.calls.stream().mapToLong(Integer::longValue).sum();
	}

	private static void announcedIsMade(AttributionMethod method, long formula) {
		Passes p = method.passes(H, W, C);
		assertEquals(formula, p.perImage(), method.name() + ": the documented formula");
		assertEquals(2 * p.perImage(), scored(method), method.name() + ": images the model scored for 2 images");
	}

	@Test
	void sobolMakesDesignsTimesCellsPlusTwoPasses() {
		announcedIsMade(new SobolAttribution(4, 8, MaskedImage.constant(0), false, 1), 8 * (4 * 4 + 2));
		announcedIsMade(new SobolAttribution(3, 4, MaskedImage.constant(0), true, 1), 4 * (3 * 3 * C + 2)); // a mask per channel
		assertEquals("ConceptScope Attribution: 2 images, 144 model passes each (Sobol: 8 designs x (16 cells + 2)): 288 model passes.",
			new SobolAttribution(4, 8, MaskedImage.constant(0), false, 1).passes(H, W, C).line("Attribution", 2));
	}

	/** More cells than the Sobol sequence supports (16 x 16 per channel of 3: 768 > 500) are refused before passes are announced. */
	@Test
	void sobolRefusesTooManyCellsBeforeAnnouncingPasses() {
		SobolAttribution sobol = new SobolAttribution(16, 8, MaskedImage.constant(0), true, 1);
		assertEquals("Sobol attribution with 768 cells is more than the 500 the Sobol sequence supports. Use a smaller grid or turn off"
			+ " per-channel masks.", org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
				() -> sobol.passes(64, 64, 3)).getMessage());
		assertEquals(8 * (16 * 16 + 2), new SobolAttribution(16, 8, MaskedImage.constant(0), false, 1).passes(64, 64, 3).perImage());
	}

	@Test
	void riseAndHsicMakeOnePassPerMask() {
		announcedIsMade(new Rise(50, 4, 0.5, 1), 50);
		announcedIsMade(new HsicAttribution(4, 40, MaskedImage.constant(0), 1), 40);
	}

	@Test
	void limeAndKernelShapMakeOnePassPerSampleOrPerCoalition() {
		announcedIsMade(new Lime(60, Segmentation.grid(4), MaskedImage.constant(0), 1), 60);
		announcedIsMade(new KernelShap(60, Segmentation.grid(4), MaskedImage.constant(0), 1), 60);
		announcedIsMade(new KernelShap(60, Segmentation.grid(2), MaskedImage.constant(0), 1), 1 << 4); // every coalition of 4 cells
	}

	/** Two images whose SLIC superpixels differ in number: one of few (every coalition fits in the samples), one of more. */
	private static FloatTensor twoSegmentations() {
		FloatTensor images = FloatTensor.zeros(2, H, W, C);
		float[] d = images.data();
		Random r = new Random(5);
		for (int y = 0; y < H; y++) {
			for (int x = 0; x < W; x++) {
				for (int c = 0; c < C; c++) {
					d[(y * W + x) * C + c] = x < W / 2 ? 0.1f : 0.9f; // two flat halves
					d[H * W * C + (y * W + x) * C + c] = r.nextFloat(); // noise
				}
			}
		}
		return images;
	}

	private static long scored(AttributionMethod method, FloatTensor images) {
		StreamedScoresTest.LinearModel model = new StreamedScoresTest.LinearModel(H * W * C, 3, 16, 5);
		method.explain(model, images, new int[] { 0, 2 }, Progress.NONE);
		return model.calls.stream().mapToLong(Integer::longValue).sum();
	}

	/**
	 * Kernel SHAP on superpixels makes 2^m passes for an image of m superpixels when they all fit in the samples, so its passes
	 * follow each image's own count, which SLIC decides from the pixels: from the sizes alone it gives the samples as a bound
	 * ("at most"); from the images it counts them exactly. LIME scores every sample whatever the count.
	 */
	@Test
	void kernelShapOnSuperpixelsCountsEachImagesOwnSegmentsAndLimeDoesNotDependOnThem() {
		FloatTensor images = twoSegmentations();
		Segmentation slic = Segmentation.slic(16, 0); // colour alone: the flat halves give 4 superpixels, the noise 16
		int[] counts = { slic.of(images.slice(0).data(), H, W, C).count(), slic.of(images.slice(1).data(), H, W, C).count() };
		assertTrue(counts[0] <= 6 && counts[1] > 6, java.util.Arrays.toString(counts) + " superpixels: one image enumerated, one sampled");
		KernelShap shap = new KernelShap(64, slic, MaskedImage.constant(0), 1);
		assertEquals((1L << counts[0]) + 64, shap.passes(images));
		assertEquals(shap.passes(images), scored(shap, images), "the images Kernel SHAP scored");
		Passes bound = shap.passes(H, W, C);
		assertTrue(bound.atMost());
		assertEquals(64, bound.perImage());
		assertEquals("ConceptScope Attribution: 2 images, at most 64 model passes each (kernel_shap: one per sample, or 2^m for an image of m"
			+ " superpixels when every coalition fits in them): at most 128 model passes.", bound.line("Attribution", 2));

		Lime lime = new Lime(40, slic, MaskedImage.constant(0), 1);
		assertEquals(2 * 40, lime.passes(images));
		assertEquals(2 * 40, scored(lime, images), "LIME scores every sample whatever the superpixels");
		assertFalse(lime.passes(H, W, C).atMost());
	}

	/**
	 * Counting Kernel SHAP's passes segments every image: an image of more superpixels than its samples can fit is refused
	 * there (before the run scores any image), its progress is told, and a stop is obeyed.
	 */
	@Test
	void kernelShapsCountRefusesTooManySuperpixelsAndReportsAndStops() {
		FloatTensor images = twoSegmentations();
		Segmentation slic = Segmentation.slic(16, 0);
		int noisy = slic.of(images.slice(1).data(), H, W, C).count();
		KernelShap few = new KernelShap(noisy + 1, slic, MaskedImage.constant(0), 1);
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> few.passes(images, Progress.NONE));
		assertTrue(e.getMessage().startsWith("Kernel SHAP has " + (noisy + 1) + " samples for an image of " + noisy + " segments"), e.getMessage());

		KernelShap shap = new KernelShap(64, slic, MaskedImage.constant(0), 1);
		java.util.List<String> reports = new java.util.ArrayList<>();
		shap.passes(images, (done, total, message) -> reports.add(done + "/" + total));
		assertEquals("2/2", reports.get(reports.size() - 1), reports.toString());
		assertThrows(java.util.concurrent.CancellationException.class, () -> shap.passes(images, (done, total, message) -> false));
	}

	@Test
	void occlusionMakesOnePassPerPatchPositionAndOneOfTheImage() {
		int positions = (H - 4) / 2 + 1; // patch 4 every 2 pixels: 7 per side
		announcedIsMade(new Occlusion(4, 2, 0f), (long) positions * positions + 1);
		announcedIsMade(new Occlusion(5, 4, 0f), 4 * 4 + 1); // 0, 4, 8 and the last flush with the border (11)
	}

	@Test
	void gradientMethodsAnnounceNothing() {
		assertNull(new Saliency().passes(H, W, C));
	}

	@Test
	void evaMakesOneBoundComputationForTheBallAndOnePerCell() {
		try (TensorFlowClassifier model = TensorFlowClassifier.load(BundledModels.dir("ihc-stain"))) {
			FloatTensor x = FloatTensor.zeros(1, 32, 32, 3);
			Random r = new Random(3);
			for (int i = 0; i < x.size(); i++) x.data()[i] = r.nextFloat();
			Eva eva = new Eva(1e-3, 4);
			AtomicLong total = new AtomicLong(), cells = new AtomicLong();
			eva.explain(model, x, new int[] { 1 }, (done, t, message) -> {
				total.set(t);
				if (message.equals(eva.name())) cells.incrementAndGet();
				return true;
			});
			assertEquals(4 * 4 + 1, eva.passes(32, 32, 3).perImage());
			assertEquals(eva.passes(32, 32, 3).perImage(), total.get(), "the units EVA reports");
			assertEquals(4 * 4, cells.get(), "one report per reduced ball, after the whole ball's");
		}
	}

}
