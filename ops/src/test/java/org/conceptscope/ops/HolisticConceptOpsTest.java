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

import org.conceptscope.concepts.ConceptBank;
import org.conceptscope.concepts.CraftPerClass;
import org.conceptscope.concepts.HolisticConcepts;
import org.conceptscope.model.BundledModels;
import org.conceptscope.model.Classifier;
import org.conceptscope.tensor.FloatTensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The holistic concept ops through the op index, on the known-answer model: its conv2/relu layer is
 * the image rectified (one channel, 32 x 32) and logit 1 sums R_1 without bias. With the one concept
 * w = [1] a position's coefficient is its activation, so the concept score is the mean rectified
 * pixel: its gradient x input map is x / 1024 where x > 0, and its per-position importance is x on R_1.
 */
class HolisticConceptOpsTest {

	static Map<String, OpIndex.Op> ops;
	static Classifier model;

	@BeforeAll
	static void load() throws Exception {
		ops = OpIndex.read(HolisticConceptOpsTest.class.getClassLoader().getResource(OpIndex.RESOURCE)).stream()
			.collect(Collectors.toMap(OpIndex.Op::name, Function.identity()));
		model = (Classifier) ops.get("explain.model.open").call(BundledModels.dir("known-answer").toFile());
	}

	@AfterAll
	static void close() {
		model.close();
	}

	static ConceptBank identityBank() {
		ConceptBank bank = new ConceptBank();
		bank.layer = "conv2/relu";
		bank.concepts = new double[][] { { 1 } };
		bank.rank = 1;
		bank.classIndex = 1;
		return bank;
	}

	@Test
	void attributionMapsHaveTheKnownAnswer() throws Exception {
		Img<UnsignedByteType> image = AttributionOpsKnownAnswerTest.evidenceImage(32, 32, 1, 3);
		FloatTensor x = OpImages.read(model, image).tensor();
		@SuppressWarnings("unchecked")
		RandomAccessibleInterval<FloatType> maps = (RandomAccessibleInterval<FloatType>) ops.get("explain.concepts.attribution_maps")
			.call(model, identityBank(), image);
		assertArrayEquals(new long[] { 32, 32, 1 }, maps.dimensionsAsLongArray(), "X, Y, concept");
		RandomAccess<FloatType> ra = maps.randomAccess();
		for (int y = 0; y < 32; y++) for (int xx = 0; xx < 32; xx++) {
			float v = x.get(0, y, xx, 0);
			assertEquals(v > 0 ? v / 1024 : 0, ra.setPositionAndGet(xx, y, 0).get(), 1e-7, "pixel " + xx + "," + y);
		}
		assertThrows(IllegalArgumentException.class, () -> ops.get("explain.concepts.attribution_maps").call(model, identityBank(), image, "lrp"));
	}

	@Test
	void holisticAndPerClassOpsRun() throws Exception {
		Img<UnsignedByteType> stack = AttributionOpsKnownAnswerTest.evidenceImage(32, 32, 4, 9);
		HolisticConcepts.Summary s = (HolisticConcepts.Summary) ops.get("explain.concepts.holistic").call(model, identityBank(), stack);
		assertArrayEquals(new double[] { 1 }, s.prevalence(), 1e-12, "one concept dominates every image");
		assertArrayEquals(new double[] { 1 }, s.reliability(), 1e-12, "every image with R_1 bright is predicted as class 1");
		FloatTensor x = OpImages.read(model, stack).tensor();
		for (int i = 0; i < 4; i++) assertEquals(x.get(i, 21, 19, 0), s.maps().get(i, 21, 19, 0), 1e-5, "importance is x on R_1");

		@SuppressWarnings("unchecked")
		List<CraftPerClass.ClassConcepts> perClass = (List<CraftPerClass.ClassConcepts>) ops.get("explain.concepts.craft_per_class")
			.call(model, stack, List.of(1, 1, 1, 0), null, null, "conv2/relu", 16, 8, 1, 8, 3L);
		assertEquals(List.of(0, 1), perClass.stream().map(CraftPerClass.ClassConcepts::classIndex).toList(), "the classes among the labels");
		assertTrue(!perClass.get(0).found(), "no image is predicted as class 0");
		assertArrayEquals(new int[] { 0, 1, 2, 3 }, perClass.get(1).images());
		assertArrayEquals(new double[] { 0.75 }, perClass.get(1).bank() == null ? null : perClass.get(1).holistic().reliability(), 1e-12,
			"3 of the 4 images predicted as class 1 are labelled 1");
	}
}
