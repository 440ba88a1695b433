package org.conceptscope.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Collectors;

import net.imglib2.Cursor;
import net.imglib2.RandomAccessibleInterval;
import net.imglib2.img.Img;
import net.imglib2.img.array.ArrayImgs;
import net.imglib2.type.numeric.integer.UnsignedByteType;

import org.conceptscope.examples.NearestExamples;
import org.conceptscope.examples.Prototypes;
import org.conceptscope.model.BundledModels;
import org.conceptscope.model.Classifier;
import org.conceptscope.tcav.CavBank;
import org.conceptscope.tcav.Tcav;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The TCAV and example ops, found in the index and called through the method it names, on the
 * known-answer model (logit 1 = sum of square R_1; layer conv2/relu is the image itself) with 8-bit
 * stacks, the way a script passes them.
 */
class TcavExampleOpsTest {

	static Map<String, OpIndex.Op> ops;
	static Classifier model;
	@TempDir
	static Path tmp;

	@BeforeAll
	static void load() throws Exception {
		ops = OpIndex.read(TcavExampleOpsTest.class.getClassLoader().getResource(OpIndex.RESOURCE)).stream()
			.collect(Collectors.toMap(OpIndex.Op::name, Function.identity()));
		model = (Classifier) ops.get("explain.model.open").call(BundledModels.dir("known-answer").toFile());
	}

	@AfterAll
	static void close() {
		model.close();
	}

	static boolean inR1(int x, int y) {
		return x >= 18 && x < 26 && y >= 20 && y < 28;
	}

	/** n 8-bit slices of noise in [0, noise), plus {@code square} inside R_1. */
	static Img<UnsignedByteType> stack(int n, int noise, int square, long seed) {
		Img<UnsignedByteType> img = ArrayImgs.unsignedBytes(32, 32, n);
		Random r = new Random(seed);
		for (Cursor<UnsignedByteType> c = img.localizingCursor(); c.hasNext();) {
			c.fwd();
			c.get().set(r.nextInt(noise) + (inR1(c.getIntPosition(0), c.getIntPosition(1)) ? square : 0));
		}
		return img;
	}

	/** The planted concept (bright R_1) is significant with score 1, noise is not; the bank scores a new stack the same way. */
	@Test
	void tcavFindsThePlantedConceptThroughTheOps() {
		Map<String, RandomAccessibleInterval<UnsignedByteType>> concepts = new LinkedHashMap<>();
		concepts.put("bright R_1", stack(20, 70, 180, 1));
		concepts.put("noise", stack(20, 256, 0, 2));
		Tcav.Result r = (Tcav.Result) ops.get("explain.tcav.test").call(model, stack(16, 128, 120, 5), concepts, stack(60, 256, 0, 4), 1,
			"conv1/relu, conv2/relu", 10, 0.05, 3L);
		assertEquals(4, r.rows().size());
		assertEquals(10, r.runs());
		for (Tcav.Row row : r.rows()) {
			if (row.concept().equals("bright R_1")) {
				assertEquals(1.0, row.meanScore(), 0, row.layer());
				assertTrue(row.significant(), row.layer() + " p " + row.pValue());
			} else {
				assertFalse(row.significant(), row.layer() + " noise p " + row.pValue());
			}
		}
		CavBank bank = r.bank(model.name());
		@SuppressWarnings("unchecked")
		List<Tcav.Scores> scores = (List<Tcav.Scores>) ops.get("explain.tcav.score").call(model, bank, stack(8, 128, 120, 9), 1);
		assertEquals(4, scores.size());
		for (Tcav.Scores s : scores) if (s.cav().concept().equals("bright R_1")) assertEquals(1.0, s.score(), 0);
		// defaults: the last spatial layer, 20 runs
		Tcav.Result d = (Tcav.Result) ops.get("explain.tcav.test").call(model, stack(6, 128, 120, 5), Map.of("bright", stack(8, 70, 180, 1)),
			stack(20, 256, 0, 4), 1);
		assertEquals(20, d.runs());
		assertEquals(List.of("conv2/relu"), d.rows().stream().map(Tcav.Row::layer).toList());
	}

	/** At conv2/relu (the image itself) the nearest training slice of a copy is its source, at distance 0. */
	@Test
	void nearestExamplesAndPrototypesThroughTheOps() {
		Img<UnsignedByteType> training = stack(12, 256, 0, 11);
		Img<UnsignedByteType> cases = ArrayImgs.unsignedBytes(32, 32, 2);
		int[] sources = { 4, 9 };
		for (int s = 0; s < 2; s++) {
			Cursor<UnsignedByteType> c = cases.localizingCursor();
			var ra = training.randomAccess();
			while (c.hasNext()) {
				c.fwd();
				if (c.getIntPosition(2) != s) continue;
				c.get().set(ra.setPositionAndGet(c.getIntPosition(0), c.getIntPosition(1), sources[s]));
			}
		}
		@SuppressWarnings("unchecked")
		List<NearestExamples.Neighbours> found = (List<NearestExamples.Neighbours>) ops.get("explain.examples.nearest").call(model, cases,
			training, "conv2/relu", 3);
		for (int s = 0; s < 2; s++) {
			assertEquals(sources[s], found.get(s).indices()[0]);
			assertEquals(0, found.get(s).distances()[0], 1e-6);
			assertEquals(3, found.get(s).indices().length);
		}
		// two classes of slices: per class, prototypes come from their own class
		List<Integer> labels = new ArrayList<>();
		for (int i = 0; i < 12; i++) labels.add(i % 2);
		@SuppressWarnings("unchecked")
		List<Prototypes.Selection> perClass = (List<Prototypes.Selection>) ops.get("explain.examples.prototypes").call(model, training, labels,
			"conv2/relu", 2);
		assertEquals(2, perClass.size());
		for (int c = 0; c < 2; c++) for (int i : perClass.get(c).indices()) assertEquals(c, i % 2);
		@SuppressWarnings("unchecked")
		List<Prototypes.Selection> all = (List<Prototypes.Selection>) ops.get("explain.examples.prototypes").call(model, training);
		assertEquals(1, all.size());
		assertEquals(ExampleOps.DEFAULT_PROTOTYPES, all.get(0).indices().length, "3 prototypes by default");
		// a label per slice, or one sentence before the model runs
		IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
			() -> ops.get("explain.examples.prototypes").call(model, training, labels.subList(0, 10), "conv2/relu", 2));
		assertEquals("10 labels for 12 slices: give one label per slice.", e.getMessage());
	}
}
