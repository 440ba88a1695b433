package org.conceptscope.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
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
import org.conceptscope.mechanistic.ConceptGraph;
import org.conceptscope.metrics.MetricResult;
import org.conceptscope.model.BundledModels;
import org.conceptscope.model.Classifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;
import org.conceptscope.verify.MarginBounds;
import org.conceptscope.visualization.Maco;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The ops of the other families (concepts, metrics, SRD, PFV concepts, GIG, concept graph, MACO,
 * verified bounds), each found in the index and called through the method it names, on the
 * known-answer model (logit k = sum of the pixels in square R_k; two one-channel 3x3 identity
 * convolutions with ReLU) and an 8-bit image whose R_1 is bright.
 */
class FamilyOpsKnownAnswerTest {

	static Map<String, OpIndex.Op> ops;
	static Classifier model;
	static Img<UnsignedByteType> image;

	@BeforeAll
	static void load() throws Exception {
		ops = OpIndex.read(FamilyOpsKnownAnswerTest.class.getClassLoader().getResource(OpIndex.RESOURCE)).stream()
			.collect(Collectors.toMap(OpIndex.Op::name, Function.identity()));
		model = (Classifier) op("explain.model.open").call(BundledModels.dir("known-answer").toFile());
		image = AttributionOpsKnownAnswerTest.evidenceImage(32, 32, 1, 3);
	}

	@AfterAll
	static void close() throws Exception {
		model.close();
	}

	static OpIndex.Op op(String name) {
		OpIndex.Op op = ops.get(name);
		assertTrue(op != null, name + " is in the index: " + ops.keySet());
		return op;
	}

	@SuppressWarnings("unchecked")
	static RandomAccessibleInterval<FloatType> map(Object o) {
		return (RandomAccessibleInterval<FloatType>) o;
	}

	/** Mean of a 2D map inside R_1 minus its mean elsewhere. */
	static double excessOnR1(RandomAccessibleInterval<FloatType> m) {
		RandomAccess<FloatType> ra = m.randomAccess();
		double in = 0, out = 0;
		for (int y = 0; y < 32; y++) for (int x = 0; x < 32; x++) {
			double v = ra.setPositionAndGet(x, y).get();
			if (x >= 18 && x < 26 && y >= 20 && y < 28) in += v;
			else out += v;
		}
		return in / 64 - out / (1024 - 64);
	}

	/**
	 * Deletion of the Saliency map removes R_1 first, so the class probability falls at once;
	 * deletion in the opposite order keeps it up until the end. Insertion is the mirror image.
	 * MuFidelity: the score drop of a subset is the sum of its R_1 pixels, nearly proportional to
	 * the saliency mass of the subset (the indicator of R_1), so the correlation is close to 1.
	 */
	@Test
	void metricsRankTheTrueMapAboveItsReverse() {
		RandomAccessibleInterval<FloatType> saliency = map(op("explain.attribution.saliency").call(model, image, 1));
		Img<FloatType> reverse = net.imglib2.img.array.ArrayImgs.floats(32, 32);
		RandomAccess<FloatType> s = saliency.randomAccess();
		for (net.imglib2.Cursor<FloatType> c = reverse.localizingCursor(); c.hasNext();) {
			c.fwd();
			c.get().set(1 - s.setPositionAndGet(c.getIntPosition(0), c.getIntPosition(1)).get());
		}
		MetricResult del = (MetricResult) op("explain.metrics.deletion").call(model, image, saliency, 1);
		MetricResult delReverse = (MetricResult) op("explain.metrics.deletion").call(model, image, reverse, 1);
		assertTrue(del.mean() < delReverse.mean() - 0.2, "deletion " + del.mean() + " vs reversed " + delReverse.mean());
		MetricResult ins = (MetricResult) op("explain.metrics.insertion").call(model, image, saliency, 1);
		MetricResult insReverse = (MetricResult) op("explain.metrics.insertion").call(model, image, reverse, 1);
		assertTrue(ins.mean() > insReverse.mean() + 0.2, "insertion " + ins.mean() + " vs reversed " + insReverse.mean());
		MetricResult mu = (MetricResult) op("explain.metrics.mufidelity").call(model, image, saliency, 1, 64, 5L);
		assertTrue(mu.mean() > 0.9, "MuFidelity of the exact map " + mu.mean());
		assertEquals("9", mu.metadata().get("grid_size"), "the registry's grid when none is given");
		// the op's grid is the command's key, bounded by the model's input as the command bounds it
		MetricResult coarse = (MetricResult) op("explain.metrics.mufidelity").call(model, image, saliency, 1, 64, 5L, 4);
		assertEquals("4", coarse.metadata().get("grid_size"));
		assertNotEquals(mu.values()[0], coarse.values()[0], "another grid draws other subsets");
		IllegalArgumentException tooFine = assertThrows(IllegalArgumentException.class,
			() -> op("explain.metrics.mufidelity").call(model, image, saliency, 1, 64, 5L, 33));
		assertTrue(tooFine.getMessage().endsWith("give grid=32 or less."), tooFine.getMessage());
		assertEquals(10 + 1, del.curves()[0].length, "10 steps by default, Xplique's");
	}

	/**
	 * SRD on this model (no biases, ReLU passing every positive pixel) gives logit 1 to the pixels
	 * of R_1 in proportion to their values: the relevance is conserved and sits on R_1.
	 */
	@Test
	void srdConservesTheLogitOnTheEvidence() {
		RandomAccessibleInterval<FloatType> relevance = map(op("explain.mechanistic.srd").call(model, image, 1));
		assertArrayEquals(new long[] { 32, 32 }, relevance.dimensionsAsLongArray());
		double sum = 0, onR1 = 0;
		RandomAccess<FloatType> ra = relevance.randomAccess();
		for (int y = 0; y < 32; y++) for (int x = 0; x < 32; x++) {
			double v = ra.setPositionAndGet(x, y).get();
			sum += v;
			if (x >= 18 && x < 26 && y >= 20 && y < 28) onR1 += v;
		}
		double logit = model.logits(OpImages.read(model, image).tensor()).get(0, 1);
		assertEquals(logit, sum, 1e-3 * Math.abs(logit), "relevance conserved");
		assertEquals(sum, onR1, 1e-3 * Math.abs(sum), "all of it on R_1");
	}

	/**
	 * CRAFT on one-channel layers: every crop activation is a multiple of the one concept, so the
	 * concept map is the layer activation (the image, rectified) and is brightest on R_1. The
	 * importance of the only concept is its whole effect.
	 */
	@Test
	void craftLocalizesTheConceptOnTheEvidence() {
		Img<UnsignedByteType> stack = AttributionOpsKnownAnswerTest.evidenceImage(32, 32, 4, 9);
		ConceptBank bank = (ConceptBank) op("explain.concepts.craft").call(model, stack, 1, "conv2/relu", 16, 8, 1, 8, 3L);
		assertEquals(1, bank.size());
		assertEquals(1, bank.importance.length);
		double[] importance = (double[]) op("explain.concepts.importance").call(model, bank, stack, "gradient");
		assertEquals(1, importance.length);
		assertTrue(importance[0] > 0, "the concept raises class 1: " + importance[0]);
		RandomAccessibleInterval<FloatType> maps = map(op("explain.concepts.localize").call(model, bank, image));
		assertArrayEquals(new long[] { 32, 32, 1 }, maps.dimensionsAsLongArray(), "X, Y, concept");
		assertTrue(excessOnR1(net.imglib2.view.Views.hyperSlice(maps, 2, 0)) > 0, "concept map brightest on R_1");
	}

	/** PFV concepts at both layers, GIG between them and the concept graph: shapes and completeness-sized edges. */
	@Test
	void mechanisticConceptOpsRun() {
		Img<UnsignedByteType> stack = AttributionOpsKnownAnswerTest.evidenceImage(32, 32, 3, 4);
		ConceptBank lower = (ConceptBank) op("explain.mechanistic.pfv_concepts").call(model, stack, 1, "conv1/relu", 2, 200, 1L);
		ConceptBank upper = (ConceptBank) op("explain.mechanistic.pfv_concepts").call(model, stack, 1, "conv2/relu", 2, 200, 1L);
		assertEquals(2, lower.size());
		assertEquals("conv2/relu", upper.layer);
		@SuppressWarnings("unchecked")
		List<Object> edges = (List<Object>) op("explain.mechanistic.gig").call(model, lower, upper, stack, 8);
		assertFalse(edges.isEmpty());
		ConceptGraph.Result g = (ConceptGraph.Result) op("explain.mechanistic.concept_graph").call(model, stack, 1, "conv1/relu,conv2/relu", 2,
			200, 8, 1L);
		assertEquals(2, g.banks().size());
		assertFalse(g.edges().isEmpty());
	}

	/**
	 * The data-set concept graph op is ConceptGraph.buildDataset with the op's defaults: the same banks and edges, banks of
	 * all classes, and per predicted class the edges sum to that class's mean logit change over its images.
	 */
	@Test
	void datasetConceptGraphOpIsTheDatasetGraph() {
		Img<UnsignedByteType> stack = AttributionOpsKnownAnswerTest.evidenceImage(32, 32, 3, 4);
		ConceptGraph.Result g = (ConceptGraph.Result) op("explain.mechanistic.concept_graph_dataset").call(model, stack, "conv1/relu,conv2/relu",
			2, 200, 8, 1L);
		org.conceptscope.model.TensorFlowClassifier tf = (org.conceptscope.model.TensorFlowClassifier) model;
		FloatTensor x = OpImages.read(model, stack).tensor();
		ConceptGraph.Result want = ConceptGraph.buildDataset(tf, x, new ConceptGraph.Options(List.of("conv1/relu", "conv2/relu"), 2, 200, 1L, 8,
			MechanisticOps.EXAMPLES, MechanisticOps.ERF_MASS), Progress.NONE);
		assertEquals(want.edges(), g.edges());
		for (ConceptBank b : g.banks()) assertEquals(org.conceptscope.mechanistic.PfvConcepts.ALL_CLASSES, b.className);
		assertTrue(g.edges().stream().anyMatch(e -> e.toLayer().startsWith("class:")), "edges into the classes");
	}

	/**
	 * MACO's reference op is MacoReference with the Feature Visualization command's defaults: the canvas of the input side
	 * times 512/224 (73 for the 32-pixel model), 32 crops, noise 0.08, Nadam at 1.0.
	 */
	@Test
	void macoReferenceOpIsTheReferenceRecipe() {
		VisualizationOps.MacoCanvas result = (VisualizationOps.MacoCanvas) op("explain.visualization.maco_reference").call(model, image, 1, 3, null,
			null, null, 9L);
		RandomAccessibleInterval<FloatType> vis = result.canvas();
		assertArrayEquals(new long[] { 73, 73, 1 }, vis.dimensionsAsLongArray(), "X, Y, channel of the canvas");
		FloatTensor x = OpImages.read(model, image).tensor();
		// a SavedModel declares no input range: the images' percentile, said in the result
		assertArrayEquals(org.conceptscope.visualization.MacoReference.valuesRange(x), new double[] { result.lo(), result.hi() });
		assertEquals("the images' 0.1st to 99.9th percentile", result.rangeSource());
		float[] expected = new org.conceptscope.visualization.MacoReference(3, 1.0, 32, 0.08, 9)
			.visualize(Maco.Objective.classLogit(model, 1), org.conceptscope.visualization.MacoReference.reference(x, 73, 73), Progress.NONE)
			.image().data();
		RandomAccess<FloatType> ra = vis.randomAccess();
		for (int y = 0; y < 73; y++) for (int xx = 0; xx < 73; xx++) {
			assertEquals(expected[y * 73 + xx], ra.setPositionAndGet(xx, y, 0).get(), 0f, "pixel " + xx + "," + y);
		}
	}

	/** Verified bounds enclose the true margin; a wider ball gives bounds at least as wide. */
	@Test
	void marginBoundsEncloseTheMargin() {
		FloatTensor logits = model.logits(OpImages.read(model, image).tensor());
		double margin = logits.get(0, 1) - logits.get(0, 0);
		MarginBounds.Bounds small = (MarginBounds.Bounds) op("explain.verify.margin_bounds").call(model, image, 1, 0.01);
		MarginBounds.Bounds large = (MarginBounds.Bounds) op("explain.verify.margin_bounds").call(model, image, 1, 0.05, "crown");
		String text = small.toString();
		assertTrue(text.length() > 0);
		double[] s = bounds(small), l = bounds(large);
		assertTrue(s[0] <= margin + 1e-4 && margin <= s[1] + 1e-4, "margin " + margin + " in " + text);
		assertTrue(l[0] <= s[0] + 1e-4 && s[1] <= l[1] + 1e-4, "wider ball, wider bounds: " + large + " vs " + text);
	}

	/**
	 * The first variant keeps the spectrum at the model's input size: references of another size are
	 * refused in one sentence before they are read (they were transformed first, then refused as "The
	 * magnitude spectrum must be 1 x 1024"); the reference recipe's op takes them.
	 */
	@Test
	void macoRefusesReferencesOfAnotherSizeFirst() {
		Img<UnsignedByteType> small = AttributionOpsKnownAnswerTest.evidenceImage(24, 16, 1, 3);
		IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
			() -> op("explain.visualization.maco").call(model, small, 1, 5, null, null, 9L));
		assertEquals("explain.visualization.maco keeps the references' spectrum at the model's input size, 32 x 32, but they are 24 x 16:"
			+ " resize or crop them to 32 x 32, or use explain.visualization.maco_reference, which takes references of any size.", e.getMessage());
		assertArrayEquals(new long[] { 73, 73, 1 },
			((VisualizationOps.MacoCanvas) op("explain.visualization.maco_reference").call(model, small, 1, 1, 2, null, null, 9L)).canvas()
				.dimensionsAsLongArray());
	}

	/** MACO through the op is the MACO class with the command's learning rate and crop. */
	@Test
	void macoIsTheMethodWithTheCommandDefaults() {
		RandomAccessibleInterval<FloatType> vis = map(op("explain.visualization.maco").call(model, image, 1, 5, null, null, 9L));
		assertArrayEquals(new long[] { 32, 32, 1 }, vis.dimensionsAsLongArray(), "X, Y, channel");
		FloatTensor x = OpImages.read(model, image).tensor();
		float[] expected = new Maco(5, 0.05, 0.8, 9).visualize(model, Maco.magnitude(x), 1, Progress.NONE).image().data();
		RandomAccess<FloatType> ra = vis.randomAccess();
		List<Float> got = new ArrayList<>();
		for (int y = 0; y < 32; y++) for (int xx = 0; xx < 32; xx++) got.add(ra.setPositionAndGet(xx, y, 0).get());
		for (int i = 0; i < expected.length; i++) assertEquals(expected[i], got.get(i), 0f, "pixel " + i);
	}

	/**
	 * An InfoDisent head on the one-channel conv2 layer, trained on images whose bright square
	 * gives the label: its part map for the one part is the rectified layer (a 1 x 1 rotation is 1),
	 * brightest on the bright square R_1, and the part's contribution to class 1 is its evidence (the
	 * layer's maximum: nothing negative after the ReLU) times its class weight.
	 */
	@Test
	void headOpsTrainAndExplain() {
		Img<UnsignedByteType> stack = net.imglib2.img.array.ArrayImgs.unsignedBytes(32, 32, 8);
		java.util.Random r = new java.util.Random(2);
		List<Integer> labels = new ArrayList<>();
		for (int z = 0; z < 8; z++) {
			int label = z % 2;
			labels.add(label);
			for (int y = 0; y < 32; y++) for (int x = 0; x < 32; x++) {
				boolean bright = label == 1 ? x >= 18 && x < 26 && y >= 20 && y < 28 : x >= 4 && x < 12 && y >= 4 && y < 12;
				stack.getAt(x, y, z).set(r.nextInt(13) + (bright ? 230 : 0));
			}
		}
		Object head = op("explain.heads.infodisent").call(model, stack, labels, "conv2/relu", 20, 1L);
		double[][] contributions = (double[][]) op("explain.heads.contributions").call(head, model, image, 1);
		assertEquals(1, contributions.length, "one image");
		assertEquals(((org.conceptscope.heads.InterpretableHead) head).units(), contributions[0].length);
		RandomAccessibleInterval<FloatType> unit = map(op("explain.heads.unit_maps").call(head, model, image, 0));
		assertArrayEquals(new long[] { 32, 32 }, unit.dimensionsAsLongArray());
		FloatTensor layer = model.activations(OpImages.read(model, image).tensor(), "conv2/relu");
		assertArrayEquals(new long[] { 1, 32, 32, 1 }, layer.shape());
		RandomAccess<FloatType> ra = unit.randomAccess();
		double max = Double.NEGATIVE_INFINITY, layerMax = 0;
		int bestX = -1, bestY = -1;
		for (int y = 0; y < 32; y++) for (int x = 0; x < 32; x++) {
			double v = ra.setPositionAndGet(x, y).get();
			assertEquals(layer.get(0, y, x, 0), v, 1e-4 * Math.max(1, Math.abs(v)), "the part map is the layer at (" + x + ", " + y + ")");
			layerMax = Math.max(layerMax, layer.get(0, y, x, 0));
			if (v > max) {
				max = v;
				bestX = x;
				bestY = y;
			}
		}
		assertTrue(bestX >= 18 && bestX < 26 && bestY >= 20 && bestY < 28, "brightest at (" + bestX + ", " + bestY + "), inside R_1");
		assertTrue(excessOnR1(unit) > 0.5 * max, "R_1 stands out: " + excessOnR1(unit) + " above the rest, maximum " + max);
		double weight = ((org.conceptscope.heads.InterpretableHead) head).classWeights()[0][1];
		assertEquals(layerMax * weight, contributions[0][0], 1e-4 * Math.max(1, Math.abs(contributions[0][0])), "evidence times weight");
	}

	private static double[] bounds(MarginBounds.Bounds b) {
		return new double[] { b.lower(), b.upper() };
	}
}
