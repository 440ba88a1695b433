package org.conceptscope.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import net.imglib2.RandomAccessibleInterval;
import net.imglib2.img.Img;
import net.imglib2.type.numeric.integer.UnsignedByteType;
import net.imglib2.type.numeric.real.FloatType;

import org.conceptscope.model.BundledModels;
import org.conceptscope.model.Classifier;
import org.conceptscope.registry.Registry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A size-like value that cannot fit the image each map is made on (the model's input of 32 x 32
 * pixels here) is refused before any work, in the same sentence as the commands give: Occlusion's
 * patch (a patch of the whole input occluded all of it at every position: a constant map, made
 * without a word; its stride has no bound, the last patch being flush with the border), the grids of RISE, HSIC, EVA, LIME and Kernel SHAP (Sobol's is bounded lower, by its sequence), and SLIC's
 * superpixels. The largest value allowed still runs.
 */
class InputBoundsOpsTest {

	static Map<String, OpIndex.Op> ops;
	static Classifier model;
	static Img<UnsignedByteType> image;

	@BeforeAll
	static void load() throws Exception {
		URL yaml = InputBoundsOpsTest.class.getClassLoader().getResource(OpIndex.RESOURCE);
		ops = OpIndex.read(yaml).stream().collect(Collectors.toMap(OpIndex.Op::name, Function.identity()));
		model = (Classifier) ops.get("explain.model.open").call(BundledModels.dir("known-answer").toFile());
		image = AttributionOpsKnownAnswerTest.evidenceImage(32, 32, 1, 3);
	}

	@AfterAll
	static void close() {
		model.close();
	}

	private static void refused(String message, String op, Object... args) {
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ops.get(op).call(args), op);
		assertEquals(message, e.getMessage(), op);
	}

	static String sentence(String method, String key, int value, String why, long max) {
		return method + "'s " + key + "=" + value + " does not fit the model's input of 32 x 32 pixels, the image each map is made on (" + why
			+ "): give " + key + "=" + max + " or less.";
	}

	static final String PATCH = "a patch that large occludes the whole input at once, so every pixel would get the same value",
		GRID = "a finer grid leaves cells that hold no pixel", SEGMENTS = "there cannot be more segments than pixels";

	@Test
	void theOpsRefuseSizesLargerThanTheModelInput() {
		refused(sentence("Occlusion", "patch", 600, PATCH, 31), "explain.attribution.occlusion", model, image, 1, 600, 4, 0.0, null);
		refused(sentence("Occlusion", "patch", 32, PATCH, 31), "explain.attribution.occlusion", model, image, 1, 32, 4, 0.0, null);
		refused(sentence("RISE", "grid", 33, GRID, 32), "explain.attribution.rise", model, image, 1, 10, 33, 0.5, 1L, null);
		refused(sentence("HSIC attribution", "grid", 33, GRID, 32), "explain.attribution.hsic", model, image, 1, 10, 33, 0.0, 1L, null);
		refused(sentence("LIME", "grid", 33, GRID, 32), "explain.attribution.lime", model, image, 1, 10, 33, 1L, null);
		refused(sentence("Kernel SHAP", "superpixels", 2000, SEGMENTS, 1024), "explain.attribution.kernel_shap", model, image, 1, 10, null, 1L,
			"segments=slic superpixels=2000");
	}

	@Test
	void theLargestAllowedValuesRun() {
		@SuppressWarnings("unchecked")
		RandomAccessibleInterval<FloatType> map = (RandomAccessibleInterval<FloatType>) ops.get("explain.attribution.occlusion")
			.call(model, image, 1, 31, 31, 0.0, null);
		assertEquals(32, map.dimension(0));
		Registry.attribution("rise", Map.of("grid", 32, "samples", 4)).checkRuns(model);
		Registry.attribution("lime", Map.of("segments", "slic", "superpixels", 1024)).checkRuns(model);
	}

	/** The commands' and the batch runner's check (AttributionMethod.checkRuns, once the model is open) gives the same sentence. */
	@Test
	void theCheckOnceTheModelIsOpenGivesTheSameSentence() {
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
			() -> Registry.attribution("eva", Map.of("grid", 40)).checkRuns(model));
		assertEquals(sentence("EVA (verified perturbation analysis)", "grid", 40, GRID, 32), e.getMessage());
	}

	static final String STEPS = "each step removes or inserts at least one pixel, so more steps only repeat points of the curve at the cost of"
		+ " model calls";

	/**
	 * Deletion's and insertion's steps are bounded by the pixels of the model's input (1024 here): at more steps some steps change
	 * no pixel and only repeat points of the curve, each a model call. Refused in the same sentence, before the model is called
	 * (through the ops and the registry's metric, the Evaluate Explanation command's); steps=1024 (one pixel a step) runs.
	 */
	@Test
	void deletionAndInsertionStepsAreBoundedByThePixels() {
		@SuppressWarnings("unchecked")
		RandomAccessibleInterval<FloatType> map = (RandomAccessibleInterval<FloatType>) ops.get("explain.attribution.occlusion")
			.call(model, image, 1, 8, 8, 0.0, null);
		refused(sentence("Deletion", "steps", 1025, STEPS, 1024), "explain.metrics.deletion", model, image, map, 1, 1025, 1L);
		refused(sentence("Insertion", "steps", 5000, STEPS, 1024), "explain.metrics.insertion", model, image, map, 1, 5000, 1L);
		org.conceptscope.tensor.FloatTensor images = org.conceptscope.tensor.FloatTensor.zeros(2, 32, 32, 1);
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
			() -> Registry.metric("deletion", Map.of("steps", 2048)).check(model, images));
		assertEquals(sentence("Deletion", "steps", 2048, STEPS, 1024), e.getMessage());
		org.conceptscope.metrics.MetricResult all = (org.conceptscope.metrics.MetricResult) ops.get("explain.metrics.deletion")
			.call(model, image, map, 1, 1024, 1L);
		assertEquals(1025, all.curves()[0].length, "one point per pixel deleted, and the intact image");
	}

	/**
	 * Occlusion's stride is not bounded: the last patch is always flush with the border, so
	 * patch=16 stride=32 on the 32 x 32 input occludes the four quadrants, one value per quadrant.
	 */
	@Test
	void occlusionStridesLongerThanTheInputRunAsQuadrants() {
		Registry.attribution("occlusion", Map.of("patch", 16, "stride", 32)).checkRuns(model);
		@SuppressWarnings("unchecked")
		RandomAccessibleInterval<FloatType> map = (RandomAccessibleInterval<FloatType>) ops.get("explain.attribution.occlusion")
			.call(model, image, 1, 16, 32, 0.0, null);
		assertEquals(32, map.dimension(0));
		assertEquals(32, map.dimension(1));
		java.util.Set<Float> values = new java.util.HashSet<>();
		net.imglib2.RandomAccess<FloatType> a = map.randomAccess();
		for (int y = 0; y < 32; y++) {
			for (int x = 0; x < 32; x++) {
				float v = a.setPositionAndGet(x, y).get();
				a.setPositionAndGet((x / 16) * 16, (y / 16) * 16);
				assertEquals(a.get().get(), v, 0f, "constant over quadrant of (" + x + ", " + y + ")");
				values.add(v);
			}
		}
		assertTrue(values.size() > 1, "the quadrants differ: " + values);
		// class 1's evidence (x 18..25, y 20..27) lies in the bottom-right quadrant: occluding it drops the score most
		float evidence = a.setPositionAndGet(16, 16).get();
		for (int[] q : new int[][] { { 0, 0 }, { 16, 0 }, { 0, 16 } }) {
			assertTrue(evidence > a.setPositionAndGet(q[0], q[1]).get(), "bottom-right above (" + q[0] + ", " + q[1] + ")");
		}
	}
}
