package org.conceptscope.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import net.imglib2.RandomAccess;
import net.imglib2.RandomAccessibleInterval;
import net.imglib2.img.Img;
import net.imglib2.type.numeric.integer.UnsignedByteType;
import net.imglib2.type.numeric.real.FloatType;
import net.imglib2.view.Views;

import org.conceptscope.concepts.ConceptBank;
import org.conceptscope.model.BundledModels;
import org.conceptscope.model.Classifier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The effective receptive field ops on the known-answer model, whose two convolutions are 3x3
 * identities with ReLU and no bias: the feature vector of either layer at cell (x, y) is the
 * rectified pixel (x, y) alone, so relevance 1 put on it goes back to that one pixel, although
 * its theoretical receptive field is 3x3 (conv1) or 5x5 (conv2). The ERF of a positive pixel's
 * cell is therefore the indicator of that pixel.
 */
class ErfOpsKnownAnswerTest {

	static Map<String, OpIndex.Op> ops;
	static Classifier model;

	@BeforeAll
	static void load() throws Exception {
		ops = OpIndex.read(ErfOpsKnownAnswerTest.class.getClassLoader().getResource(OpIndex.RESOURCE)).stream()
			.collect(Collectors.toMap(OpIndex.Op::name, Function.identity()));
		model = (Classifier) ops.get("explain.model.open").call(BundledModels.dir("known-answer").toFile());
	}

	@AfterAll
	static void close() throws Exception {
		model.close();
	}

	@SuppressWarnings("unchecked")
	static RandomAccessibleInterval<FloatType> maps(Object o) {
		return (RandomAccessibleInterval<FloatType>) o;
	}

	/** Asserts a 32 x 32 map is 1 at (px, py) and 0 elsewhere. */
	static void assertIndicator(RandomAccessibleInterval<FloatType> m, int px, int py, String what) {
		RandomAccess<FloatType> ra = m.randomAccess();
		for (int y = 0; y < 32; y++) for (int x = 0; x < 32; x++) {
			assertEquals(x == px && y == py ? 1 : 0, ra.setPositionAndGet(x, y).get(), 1e-5, what + " at " + x + "," + y);
		}
	}

	@Test
	void erfOfACellIsItsPixel() {
		Img<UnsignedByteType> image = AttributionOpsKnownAnswerTest.evidenceImage(32, 32, 1, 3);
		for (String layer : List.of("conv1/relu", "conv2/relu")) {
			RandomAccessibleInterval<FloatType> erf = maps(ops.get("explain.mechanistic.erf").call(model, image, layer, 20, 22));
			assertArrayEquals(new long[] { 32, 32 }, erf.dimensionsAsLongArray());
			assertIndicator(erf, 20, 22, layer);
		}
		// a stack: one ERF per slice (the pixel is in the bright square of every slice)
		Img<UnsignedByteType> stack = AttributionOpsKnownAnswerTest.evidenceImage(32, 32, 3, 4);
		RandomAccessibleInterval<FloatType> erfs = maps(ops.get("explain.mechanistic.erf").call(model, stack, "conv2/relu", 25, 27));
		assertArrayEquals(new long[] { 32, 32, 3 }, erfs.dimensionsAsLongArray());
		for (int z = 0; z < 3; z++) assertIndicator(Views.hyperSlice(erfs, 2, z), 25, 27, "slice " + z);
		// left out: the last spatial layer and the centre pixel, whose cell can only send relevance to itself
		RandomAccessibleInterval<FloatType> centre = maps(ops.get("explain.mechanistic.erf").call(model, image));
		RandomAccess<FloatType> ra = centre.randomAccess();
		for (int y = 0; y < 32; y++) for (int x = 0; x < 32; x++) {
			if (x != 16 || y != 16) assertEquals(0, ra.setPositionAndGet(x, y).get(), 1e-6, "centre ERF at " + x + "," + y);
		}
		IllegalArgumentException outside = assertThrows(IllegalArgumentException.class,
			() -> ops.get("explain.mechanistic.erf").call(model, image, "conv2/relu", 40, 3));
		assertTrue(outside.getMessage().contains("outside"), outside.getMessage());
		IllegalArgumentException dense = assertThrows(IllegalArgumentException.class,
			() -> ops.get("explain.mechanistic.erf").call(model, image, "nope", 3, 3));
		assertTrue(dense.getMessage().contains("conv2/relu"), "names the spatial layers: " + dense.getMessage());
	}

	/**
	 * PFV concepts of conv2 on four images: each example of each concept is a cell of one pixel (the layer has the image's
	 * size), and its ERF, on the image it comes from, is the indicator of that pixel.
	 */
	@Test
	void conceptErfsAreTheExamplesPixels() {
		Img<UnsignedByteType> stack = AttributionOpsKnownAnswerTest.evidenceImage(32, 32, 4, 9);
		ConceptBank bank = (ConceptBank) ops.get("explain.mechanistic.pfv_concepts").call(model, stack, 1, "conv2/relu", 2, 200, 1L);
		RandomAccessibleInterval<FloatType> erfs = maps(ops.get("explain.mechanistic.concept_erfs").call(model, bank, stack));
		int examples = bank.examples.stream().mapToInt(List::size).max().orElseThrow();
		assertArrayEquals(new long[] { 32, 32, examples, 2 }, erfs.dimensionsAsLongArray(), "X, Y, example, concept");
		int checked = 0;
		for (int k = 0; k < 2; k++) {
			for (int j = 0; j < examples; j++) {
				RandomAccessibleInterval<FloatType> m = Views.hyperSlice(Views.hyperSlice(erfs, 3, k), 2, j);
				if (j >= bank.examples.get(k).size()) {
					assertIndicator(m, -1, -1, "no example " + j + " of concept " + k);
					continue;
				}
				ConceptBank.Example e = bank.examples.get(k).get(j);
				assertEquals(1, e.size(), "one-pixel cells");
				assertIndicator(m, e.x(), e.y(), "concept " + k + " example " + j);
				checked++;
			}
		}
		assertTrue(checked >= 2, "examples checked: " + checked);
		boolean later = bank.examples.stream().flatMap(List::stream).anyMatch(e -> e.image() > 0);
		if (later) {
			IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class,
				() -> ops.get("explain.mechanistic.concept_erfs").call(model, bank, Views.hyperSlice(stack, 2, 0)));
			assertTrue(wrong.getMessage().contains("images the bank was fitted on"), wrong.getMessage());
		}
	}
}
