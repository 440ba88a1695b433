package org.conceptscope.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import org.conceptscope.attribution.Attribution;
import org.conceptscope.attribution.AttributionMethod;
import org.conceptscope.attribution.GradientTimesInput;
import org.conceptscope.attribution.RandomBaseline;
import org.conceptscope.attribution.Saliency;
import org.conceptscope.model.BundledModels;
import org.conceptscope.model.Classifier;
import org.conceptscope.model.ModelConfig;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.train.CnnArchitecture;
import org.conceptscope.train.TrainingOptions;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * MeGe/ReCo on four models trained by the Java trainer on folds of a spot-detection task:
 * faithful gradient maps agree across models more than independent random maps do.
 */
class MegeRecoTest {

	static final CnnArchitecture ARCH = new CnnArchitecture(8, 8, 1, new int[] { 4 }, 3, false, CnnArchitecture.Head.GLOBAL_AVERAGE, 2);

	/** Half the images hold a bright 3x3 spot (class 1); label noise on 10 % gives some disagreeing pairs. */
	static int[] labels = new int[160];
	static FloatTensor images = spots(160, 1);

	static FloatTensor spots(int n, long seed) {
		Random r = new Random(seed);
		FloatTensor t = FloatTensor.zeros(n, 8, 8, 1);
		for (int i = 0; i < n; i++) {
			boolean spot = i % 2 == 1;
			for (int p = 0; p < 64; p++) t.data()[i * 64 + p] = 0.3f * r.nextFloat();
			if (spot) {
				int y0 = r.nextInt(6), x0 = r.nextInt(6);
				for (int y = y0; y < y0 + 3; y++) for (int x = x0; x < x0 + 3; x++) t.set(0.6f + 0.4f * r.nextFloat(), i, y, x, 0);
			}
			labels[i] = r.nextDouble() < 0.1 ? (spot ? 0 : 1) : (spot ? 1 : 0);
		}
		return t;
	}

	static List<MegeReco.Result> run(long seed) {
		return new MegeReco(ARCH, new TrainingOptions(150, 32, 0.02, seed), 4)
			.evaluate(images, labels, List.of(new Saliency(), new GradientTimesInput(), new RandomBaseline(3)), Progress.NONE);
	}

	@Test
	void faithfulMapsAreMoreStableThanRandomOnesAndResultsAreSeeded() {
		List<MegeReco.Result> r = run(11);
		for (MegeReco.Result x : r) {
			assertTrue(x.mege() >= 0.5 && x.mege() <= 1, x.toString()); // d = sqrt(1 - |rho|) is in [0, 1]
			assertTrue(x.reco() >= 0 && x.reco() <= 1, x.toString());
			assertTrue(x.samePairs() > 0, "some pairs agree and are correct");
		}
		MegeReco.Result saliency = r.get(0), gxi = r.get(1), random = r.get(2);
		assertTrue(saliency.mege() > random.mege(), "MeGe saliency " + saliency.mege() + " vs random " + random.mege());
		assertTrue(gxi.mege() > random.mege(), "MeGe gradient x input " + gxi.mege() + " vs random " + random.mege());
		for (double acc : saliency.foldAccuracy()) assertTrue(acc > 0.7, "each fold model learned the task: " + acc);
		List<MegeReco.Result> again = run(11);
		for (int i = 0; i < r.size(); i++) {
			assertEquals(r.get(i).mege(), again.get(i).mege(), 0, "same seeds, same MeGe");
			assertEquals(r.get(i).reco(), again.get(i).reco(), 0, "same seeds, same ReCo");
			assertArrayEquals(r.get(i).foldAccuracy(), again.get(i).foldAccuracy(), "same seeds, same models");
		}
	}

	/** The architecture comes from the model card line a ConceptScope model records, checked against its weights, or is given. */
	@Test
	void architectureIsDerivedFromTheModelOrGivenExplicitly(@TempDir Path tmp) throws Exception {
		try (TensorFlowClassifier ihc = TensorFlowClassifier.load(BundledModels.dir("ihc-stain"))) {
			CnnArchitecture a = MegeReco.architectureFor(ihc, "");
			assertArrayEquals(new int[] { 16, 32, 32 }, a.filters());
			assertEquals(3, a.kernel());
			assertTrue(a.pool());
			assertEquals(CnnArchitecture.Head.GLOBAL_AVERAGE, a.head());
			assertEquals(ihc.config().metadata.get("architecture"), a.describe(), "describe() and parse() round-trip the card's line");
			CnnArchitecture small = MegeReco.architectureFor(ihc, "conv 8,8; kernel 5; flatten");
			assertArrayEquals(new int[] { 8, 8 }, small.filters());
			assertEquals(5, small.kernel());
			assertFalse(small.pool());
			assertEquals(CnnArchitecture.Head.FLATTEN, small.head());
			assertEquals(3, small.numClasses(), "classes and input come from the model");
			assertEquals("The architecture 'dense only' names no convolution filters: write it like 'conv 16,32,32; kernel 3; pool;"
				+ " global average' (or copy the architecture line of a ConceptScope model card).",
				assertThrows(IllegalArgumentException.class, () -> MegeReco.architectureFor(ihc, "dense only")).getMessage());
			assertTrue(assertThrows(IllegalArgumentException.class, () -> MegeReco.architectureFor(ihc, "input 16x16x1; conv 8; global average"))
				.getMessage().contains("is for 16x16x1 inputs, not 32x32x3"));
		}
		// A card that does not match the weights, and a model without a card line.
		Path copy = tmp.resolve("ihc-copy");
		BundledModels.copyTree(BundledModels.dir("ihc-stain"), copy);
		ModelConfig c = ModelConfig.read(copy);
		c.metadata.put("architecture", "input 32x32x3; 3 conv block(s) [8, 32, 32] (kernel 3, ReLU, 2x2 average pool); global average pooling");
		c.write(copy);
		c.metadata.remove("architecture");
		try (TensorFlowClassifier m = TensorFlowClassifier.load(copy)) {
			String msg = assertThrows(IllegalArgumentException.class, () -> MegeReco.architectureFor(m, null)).getMessage();
			assertTrue(msg.contains("but its weight conv1/kernel is [3, 3, 3, 16], not [3, 3, 3, 8]"), msg);
		}
		c.write(copy);
		try (TensorFlowClassifier m = TensorFlowClassifier.load(copy)) {
			String msg = assertThrows(IllegalArgumentException.class, () -> MegeReco.architectureFor(m, " ")).getMessage();
			assertTrue(msg.contains("does not record one (metadata.architecture") && msg.contains("architecture=[conv 16,32,32;"), msg);
		}
	}

	/**
	 * A map that does not depend on the model: the image itself, except every third image, whose
	 * map is constant (as Grad-CAM after its ReLU or an EVA cell without effect often are).
	 */
	static final class ImageAsMap implements AttributionMethod {
		@Override
		public String name() {
			return "image";
		}

		@Override
		public Attribution explain(Classifier classifier, FloatTensor images, int[] targets, Progress progress) {
			int n = (int) images.dim(0), hw = (int) (images.dim(1) * images.dim(2));
			float[] maps = new float[n * hw];
			for (int i = 0; i < n; i++) for (int p = 0; p < hw; p++) maps[i * hw + p] = i % 3 == 0 ? 0.5f : images.data()[i * hw + p];
			int[] t = AttributionMethod.resolveTargets(classifier, images, targets);
			return new Attribution(new FloatTensor(new long[] { n, images.dim(1), images.dim(2) }, maps), t,
				AttributionMethod.metadata(classifier, name(), t));
		}
	}

	/**
	 * Known answer through the whole pipeline: maps identical for every model give MeGe = 1 (every
	 * distance 0) and ReCo = 0 (distance cannot tell pairs apart); the constant maps of every third
	 * image have no rank correlation, so their pairs are left out and counted, not turned into NaN.
	 */
	@Test
	void identicalMapsGiveMegeOneAndConstantMapsAreCountedNotNaN() {
		// few steps: models that still disagree on some images, so both sets have pairs
		MegeReco.Result r = new MegeReco(ARCH, new TrainingOptions(25, 32, 0.02, 5), 4)
			.evaluate(images, labels, List.of(new ImageAsMap()), Progress.NONE).get(0);
		assertEquals(1.0, r.mege(), 0, r.toString());
		assertEquals(0.0, r.reco(), 0, r.toString());
		assertTrue(r.samePairs() > 0 && r.differentPairs() > 0, r.toString());
		// 160 images, 3 pairs each; those of images 0, 3, 6, ... that would have been in S= or S!= are undefined
		assertTrue(r.undefinedPairs() > 0 && r.undefinedPairs() <= 3 * 54, r.toString());
		assertTrue(r.samePairs() + r.differentPairs() + r.undefinedPairs() <= 3 * 160, r.toString());
	}

	static final float[] A = { 1, 2, 3, 4 }, REVERSED = { 4, 3, 2, 1 }, C = { 1, 2, 4, 3 }, D = { 2, 1, 4, 3 }, CONSTANT = { 5, 5, 5, 5 };

	/**
	 * Hand-computed: 3 models, 3 images (image f in fold f), 3 classes. Spearman with A: C 0.8, D 0.6,
	 * the reversed A -1 (|rho| = 1: distance 0), a constant map undefined. Distance sqrt(1 - |rho|).
	 * Image 0 (label 0; predictions 0, 0, 1): (m0, m1) both right -> S= {sqrt 0.2}; (m0, m2) one right -> S!= {sqrt 0.4}.
	 * Image 1 (label 1; predictions 0, 1, 0): (m1, m0) one right -> S!= {0}; (m1, m2) one right but a constant map -> undefined.
	 * Image 2 (label 0; predictions 1, 2, 1): both models wrong in both pairs -> in neither set (also where they disagree).
	 * MeGe = 1 / (1 + sqrt 0.2); ReCo = 0.5 (threshold sqrt 0.4 keeps S= below and half of S!= at or above).
	 */
	@Test
	void handComputedPairsGiveTheKnownMegeAndReco() {
		float[][][] maps = {
			{ A, REVERSED, A }, // model 0 on images 0, 1, 2
			{ C, A, D }, // model 1
			{ D, CONSTANT, A } }; // model 2
		int[][] predictions = { { 0, 0, 1 }, { 0, 1, 2 }, { 1, 0, 1 } };
		int[] labels = { 0, 1, 0 }, fold = { 0, 1, 2 };
		MegeReco.Pairs p = MegeReco.pairs(maps, predictions, labels, fold);
		assertEquals(1, p.same().size());
		assertEquals(Math.sqrt(0.2), p.same().get(0), 1e-12);
		assertEquals(2, p.different().size());
		assertEquals(Math.sqrt(0.4), p.different().get(0), 1e-12);
		assertEquals(0, p.different().get(1), 1e-12);
		assertEquals(1, p.undefined());
		assertEquals(1 / (1 + Math.sqrt(0.2)), p.mege(), 1e-12);
		assertEquals(0.5, p.reco(), 1e-12);
		assertEquals(0, MegeReco.distance(A, REVERSED), 1e-12, "anti-correlated maps count as the same explanation, as in Xplique");
		assertTrue(Double.isNaN(MegeReco.distance(A, CONSTANT)));
		assertTrue(Double.isNaN(MegeReco.distance(CONSTANT, CONSTANT)), "two constant maps have no ranks to compare either");
	}

	@Test
	void recoIsTheBestBalancedSeparation() {
		assertEquals(1.0, MegeReco.reco(List.of(0.1, 0.2), List.of(0.5, 0.6)), 1e-12);
		assertEquals(0.0, MegeReco.reco(List.of(0.5, 0.6), List.of(0.1, 0.2)), 1e-12);
		assertEquals(0.5, MegeReco.reco(List.of(0.1, 0.6), List.of(0.5, 0.7)), 1e-12);
		assertEquals(0.0, MegeReco.reco(List.of(), List.of(0.5)), 0);
	}

	/**
	 * Images that share a source (the tiles of one slice) share a fold: the sources are dealt as
	 * images would be, so with every image its own source the folds are the folds of images; the
	 * refusal counts sources.
	 */
	@Test
	void tilesOfOneImageShareAFold() {
		MegeReco mege = new MegeReco(ARCH, new TrainingOptions(60, 32, 0.02, 9), 3);
		int[] sources = new int[36];
		for (int i = 0; i < sources.length; i++) sources[i] = i / 4; // 9 images of 4 tiles
		int[] fold = mege.folds(sources);
		int[] ofImage = mege.folds(9);
		for (int i = 0; i < sources.length; i++) assertEquals(ofImage[sources[i]], fold[i], "tile " + i + " takes its image's fold");
		// with every image its own source, the folds as they were dealt before sources: the images shuffled with the training seed, dealt in turn
		java.util.List<Integer> order = new java.util.ArrayList<>(java.util.stream.IntStream.range(0, 36).boxed().toList());
		java.util.Collections.shuffle(order, new java.util.Random(9));
		int[] before = new int[36];
		for (int r = 0; r < 36; r++) before[order.get(r)] = r % 3;
		assertArrayEquals(before, mege.folds(java.util.stream.IntStream.range(0, 36).toArray()), "each image its own source");
		int[] five = new int[20];
		for (int i = 0; i < five.length; i++) five[i] = i / 4;
		IllegalArgumentException few = assertThrows(IllegalArgumentException.class, () -> mege.folds(five));
		assertEquals("MeGe/ReCo need at least 6 images for 3 folds (the tiles of one image count once, since they share a fold), and the"
			+ " folder holds 5.", few.getMessage());
	}

	/**
	 * The evaluation split the way a cluster splits it: the fold models trained one by one, the
	 * images in three uneven parts explained separately, the parts merged. Same pairs, same
	 * accuracies, same MeGe and ReCo as the evaluation in one piece.
	 */
	@Test
	void partsOfTheImagesMergeIntoTheWholeEvaluation(@TempDir Path tmp) {
		MegeReco mege = new MegeReco(ARCH, new TrainingOptions(60, 32, 0.02, 9), 3);
		List<AttributionMethod> methods = List.of(new Saliency(), new GradientTimesInput());
		List<MegeReco.Result> whole = mege.evaluate(images, labels, methods, Progress.NONE);
		int[] fold = mege.folds(160);
		assertArrayEquals(fold, mege.folds(160), "the folds depend only on the seed and the number of images");
		List<TensorFlowClassifier> models = new java.util.ArrayList<>();
		try {
			for (int f = 0; f < 3; f++) {
				mege.trainFold(images, labels, fold, f, tmp.resolve("fold-" + f), Progress.NONE);
				models.add(TensorFlowClassifier.load(tmp.resolve("fold-" + f)));
			}
			int[][] ranges = { { 0, 7 }, { 7, 100 }, { 100, 160 } };
			MegeReco.Part merged = null;
			for (int[] r : ranges) {
				int[] rows = java.util.stream.IntStream.range(r[0], r[1]).toArray();
				MegeReco.Part p = MegeReco.part(models, images.rows(rows), java.util.Arrays.copyOfRange(labels, r[0], r[1]),
					java.util.Arrays.copyOfRange(fold, r[0], r[1]), methods, Progress.NONE);
				merged = merged == null ? p : merged.merge(p);
			}
			List<MegeReco.Result> split = merged.results();
			for (int m = 0; m < whole.size(); m++) {
				MegeReco.Result w = whole.get(m), s = split.get(m);
				assertEquals(w.method(), s.method());
				assertEquals(w.samePairs(), s.samePairs(), w + " vs " + s);
				assertEquals(w.differentPairs(), s.differentPairs(), w + " vs " + s);
				assertEquals(w.undefinedPairs(), s.undefinedPairs(), w + " vs " + s);
				assertArrayEquals(w.foldAccuracy(), s.foldAccuracy(), 1e-12);
				assertEquals(w.mege(), s.mege(), 1e-6, w + " vs " + s);
				assertEquals(w.reco(), s.reco(), 1e-6, w + " vs " + s);
				assertTrue(w.samePairs() + w.differentPairs() > 0, w.toString());
			}
		} finally {
			models.forEach(TensorFlowClassifier::close);
		}
	}
}
