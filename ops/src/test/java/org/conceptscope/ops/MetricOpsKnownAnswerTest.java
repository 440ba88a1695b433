package org.conceptscope.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Collectors;

import net.imglib2.Cursor;
import net.imglib2.img.Img;
import net.imglib2.img.array.ArrayImgs;
import net.imglib2.type.numeric.integer.UnsignedByteType;
import net.imglib2.type.numeric.real.FloatType;

import org.conceptscope.attribution.Saliency;
import org.conceptscope.metrics.MegeReco;
import org.conceptscope.metrics.MetricResult;
import org.conceptscope.metrics.RandomizedWeights;
import org.conceptscope.model.BundledModels;
import org.conceptscope.model.Classifier;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The metric ops, each found in the index and called through the method it names, on the
 * known-answer model (logit k = sum of the normalised pixels in square R_k, through two identity
 * convolutions with ReLU; no biases). Expected values are computed here from the metrics'
 * definitions and the model's construction, not read from the implementation: the logits of any
 * masked image are sums of pixels, so Average Drop and Increase in Confidence have closed forms;
 * Complexity and Sparseness are the entropy and the Gini index (mean absolute difference) of the
 * map; the gradient of class k is the indicator of R_k wherever the pixel is positive, which fixes
 * Saliency and Gradient x Input under noise (stability) and for the other class (random logit).
 */
class MetricOpsKnownAnswerTest {

	static final int SIZE = 32;
	static Map<String, OpIndex.Op> ops;
	static Classifier model;
	/**
	 * R_1 at 16..28, R_0 at 8..20, background 1..13: every pixel positive, so every ReLU passes, and the logits (about 5.5 and
	 * 3.5) far enough from saturating the class probabilities in float for a change to show.
	 */
	static Img<UnsignedByteType> image;

	@BeforeAll
	static void load() throws Exception {
		ops = OpIndex.read(MetricOpsKnownAnswerTest.class.getClassLoader().getResource(OpIndex.RESOURCE)).stream()
			.collect(Collectors.toMap(OpIndex.Op::name, Function.identity()));
		model = (Classifier) op("explain.model.open").call(BundledModels.dir("known-answer").toFile());
		image = twoSquares(1, 5);
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

	static boolean inR0(int x, int y) {
		return x >= 4 && x < 12 && y >= 4 && y < 12;
	}

	static boolean inR1(int x, int y) {
		return x >= 18 && x < 26 && y >= 20 && y < 28;
	}

	static Img<UnsignedByteType> twoSquares(int slices, long seed) {
		Img<UnsignedByteType> img = slices == 1 ? ArrayImgs.unsignedBytes(SIZE, SIZE) : ArrayImgs.unsignedBytes(SIZE, SIZE, slices);
		Random r = new Random(seed);
		for (Cursor<UnsignedByteType> c = img.localizingCursor(); c.hasNext();) {
			c.fwd();
			int x = c.getIntPosition(0), y = c.getIntPosition(1);
			c.get().set(1 + r.nextInt(13) + (inR1(x, y) ? 15 : inR0(x, y) ? 7 : 0));
		}
		return img;
	}

	/** Pixel (x, y) of the 2D test image in the model's units (unit_range: 8-bit / 255). */
	static double pixel(int x, int y) {
		return image.randomAccess().setPositionAndGet(x, y).get() / 255.0;
	}

	/** A 2D map from a function of the position. */
	static Img<FloatType> map(java.util.function.BiFunction<Integer, Integer, Double> f) {
		Img<FloatType> m = ArrayImgs.floats(SIZE, SIZE);
		for (Cursor<FloatType> c = m.localizingCursor(); c.hasNext();) {
			c.fwd();
			c.get().setReal(f.apply(c.getIntPosition(0), c.getIntPosition(1)));
		}
		return m;
	}

	/** {logit_0, logit_1} of the test image with each pixel multiplied by mask(x, y), from the model's construction. */
	static double[] logits(java.util.function.BiFunction<Integer, Integer, Double> mask) {
		double l0 = 0, l1 = 0;
		for (int y = 0; y < SIZE; y++) for (int x = 0; x < SIZE; x++) {
			double v = pixel(x, y) * mask.apply(x, y);
			if (inR0(x, y)) l0 += v;
			if (inR1(x, y)) l1 += v;
		}
		return new double[] { l0, l1 };
	}

	static double probability1(double[] l) {
		return 1 / (1 + Math.exp(l[0] - l[1]));
	}

	/** The construction this test relies on: the model's logits are the sums of the squares' pixels. */
	@Test
	void theModelSumsTheSquares() {
		FloatTensor l = model.logits(OpImages.read(model, image).tensor());
		double[] expected = logits((x, y) -> 1.0);
		assertEquals(expected[0], l.get(0, 0), 1e-3);
		assertEquals(expected[1], l.get(0, 1), 1e-3);
	}

	/**
	 * The mask is |map| scaled to [0, 1]. A map on R_1 keeps R_1 and blanks R_0, so the probability of class 1 rises: drop 0,
	 * increase 1. A map on R_0 blanks R_1: the drop is (Y - O) / Y of the closed-form probabilities. A signed, graded map
	 * (-2 on R_1, 1 on R_0, 0.5 elsewhere) gives the mask 1 on R_1, 1/3 on R_0 and 0 elsewhere.
	 */
	@Test
	void averageDropAndIncreaseInConfidenceHaveClosedForms() {
		double y = probability1(logits((x, yy) -> 1.0));
		// map on R_1
		Img<FloatType> onR1 = map((x, yy) -> inR1(x, yy) ? 1.0 : 0.0);
		double o1 = probability1(logits((x, yy) -> inR1(x, yy) ? 1.0 : 0.0));
		assertTrue(o1 > y, "blanking R_0 raises class 1");
		assertEquals(0, value("explain.metrics.average_drop", onR1), 1e-6);
		assertEquals(1, value("explain.metrics.increase_in_confidence", onR1), 0);
		// map on R_0
		Img<FloatType> onR0 = map((x, yy) -> inR0(x, yy) ? 1.0 : 0.0);
		double o0 = probability1(logits((x, yy) -> inR0(x, yy) ? 1.0 : 0.0));
		assertEquals((y - o0) / y, value("explain.metrics.average_drop", onR0), 1e-4);
		assertEquals(0, value("explain.metrics.increase_in_confidence", onR0), 0);
		// signed and graded
		Img<FloatType> graded = map((x, yy) -> inR1(x, yy) ? -2.0 : inR0(x, yy) ? 1.0 : 0.5);
		double og = probability1(logits((x, yy) -> inR1(x, yy) ? 1.0 : inR0(x, yy) ? 1 / 3.0 : 0.0));
		assertEquals(Math.max(0, y - og) / y, value("explain.metrics.average_drop", graded), 1e-4);
		assertEquals(og > y ? 1 : 0, value("explain.metrics.increase_in_confidence", graded), 0);
	}

	/**
	 * Complexity is the entropy of |map| / sum |map|; Sparseness the Gini index of |map|, computed here as the mean absolute
	 * difference over all pairs of pixels divided by twice the mean. An indicator of 64 of 1024 pixels: ln 64 and 15/16.
	 */
	@Test
	void complexityAndSparsenessAreEntropyAndGini() {
		Img<FloatType> square = map((x, y) -> inR1(x, y) ? 1.0 : 0.0);
		assertEquals(Math.log(64), value("explain.metrics.complexity", square), 1e-9);
		assertEquals(15 / 16.0, value("explain.metrics.sparseness", square), 1e-9);
		Img<FloatType> graded = map((x, y) -> inR1(x, y) ? 1.0 : inR0(x, y) ? -3.0 : (x + y) % 7 == 0 ? 0.25 : 0.0);
		double[] a = new double[SIZE * SIZE];
		for (int y = 0; y < SIZE; y++) for (int x = 0; x < SIZE; x++) a[y * SIZE + x] = inR1(x, y) ? 1 : inR0(x, y) ? 3 : (x + y) % 7 == 0 ? 0.25 : 0;
		double sum = Arrays.stream(a).sum(), entropy = 0, pairs = 0;
		for (double v : a) if (v > 0) entropy -= v / sum * Math.log(v / sum);
		for (double u : a) for (double v : a) pairs += Math.abs(u - v);
		double gini = pairs / (a.length * (double) a.length) / (2 * sum / a.length);
		assertEquals(entropy, value("explain.metrics.complexity", graded), 1e-9);
		assertEquals(gini, value("explain.metrics.sparseness", graded), 1e-9);
	}

	/** Map metrics score each slice of a stack: one value per image, and their mean. */
	@Test
	void mapMetricsScoreEachSlice() {
		Img<UnsignedByteType> stack = twoSquares(2, 8);
		Img<FloatType> maps = ArrayImgs.floats(SIZE, SIZE, 2);
		for (Cursor<FloatType> c = maps.localizingCursor(); c.hasNext();) {
			c.fwd();
			int x = c.getIntPosition(0), y = c.getIntPosition(1);
			// slice 0: R_1 only; slice 1: R_1 and R_0
			c.get().set(inR1(x, y) || (c.getIntPosition(2) == 1 && inR0(x, y)) ? 1 : 0);
		}
		MetricResult r = (MetricResult) op("explain.metrics.complexity").call(model, stack, maps, 1);
		assertArrayEquals(new double[] { Math.log(64), Math.log(128) }, r.values(), 1e-9);
		assertEquals((Math.log(64) + Math.log(128)) / 2, r.mean(), 1e-9);
	}

	static double value(String op, Img<FloatType> map) {
		MetricResult r = (MetricResult) op(op).call(model, image, map, 1);
		assertEquals(1, r.values().length, op);
		return r.values()[0];
	}

	/**
	 * Saliency under noise in [0, radius): every pixel stays positive, the gradient stays the indicator of R_1, so the stability
	 * is exactly 0. Gradient x Input is the pixel on R_1, so a neighbour's map differs by the noise on R_1: the mean L1 distance
	 * is 64 * radius / 2 and the mean L2 distance about sqrt(64 * radius^2 / 3) (40 neighbours: within 6 % and 5 %, four
	 * standard errors).
	 */
	@Test
	void stabilityOfGradientMapsUnderUniformNoise() {
		MetricResult saliency = (MetricResult) op("explain.metrics.stability").call(model, image, "saliency", 1);
		assertEquals(0, saliency.values()[0], 1e-6, "saliency does not move");
		double radius = 0.2;
		MetricResult l1 = (MetricResult) op("explain.metrics.stability").call(model, image, "gradient_x_input", 1, radius, 40, "l1", 3L);
		assertEquals(64 * radius / 2, l1.values()[0], 0.06 * 64 * radius / 2, "mean L1 distance");
		MetricResult l2 = (MetricResult) op("explain.metrics.stability").call(model, image, "gradient_x_input", 1, radius, 40, null, 3L);
		double expected = Math.sqrt(64 * radius * radius / 3);
		assertEquals(expected, l2.values()[0], 0.05 * expected, "mean L2 distance (the default)");
		IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
			() -> op("explain.metrics.stability").call(model, image, "saliency", 1, null, 0));
		assertTrue(bad.getMessage().contains("neighbours"), bad.getMessage());
		IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
			() -> op("explain.metrics.stability").call(model, image, "salience", 1));
		assertTrue(unknown.getMessage().contains("salience") && unknown.getMessage().contains("saliency"), unknown.getMessage());
	}

	/**
	 * With two classes the other class is class 0, whose Saliency map is the indicator of R_0 (every pixel positive): the value
	 * is the SSIM of the indicators of R_1 and R_0, computed here with separable Gaussian filtering (11 taps, sigma 1.5, valid
	 * positions, K1 0.01, K2 0.03, the dynamic range that of both maps, 1).
	 */
	@Test
	void randomLogitIsTheSsimOfTheTwoClassMaps() {
		MetricResult r = (MetricResult) op("explain.metrics.random_logit").call(model, image, "saliency", 1);
		double[] a = new double[SIZE * SIZE], b = new double[SIZE * SIZE];
		for (int y = 0; y < SIZE; y++) for (int x = 0; x < SIZE; x++) {
			a[y * SIZE + x] = inR1(x, y) ? 1 : 0;
			b[y * SIZE + x] = inR0(x, y) ? 1 : 0;
		}
		assertEquals(ssim(a, b, SIZE, SIZE, 1), r.values()[0], 1e-5);
		assertTrue(r.values()[0] < 0.9, "the two class maps differ");
	}

	/** SSIM by filtering whole images: means, variances and covariance as Gaussian-filtered images, then the SSIM map's mean. */
	static double ssim(double[] a, double[] b, int h, int w, double range) {
		double[] g = new double[11];
		double total = 0;
		for (int i = 0; i < 11; i++) total += g[i] = Math.exp(-(i - 5) * (i - 5) / (2 * 1.5 * 1.5));
		for (int i = 0; i < 11; i++) g[i] /= total;
		double[] ab = new double[a.length], aa = new double[a.length], bb = new double[a.length];
		for (int i = 0; i < a.length; i++) {
			ab[i] = a[i] * b[i];
			aa[i] = a[i] * a[i];
			bb[i] = b[i] * b[i];
		}
		double[] ma = filter(a, g, h, w), mb = filter(b, g, h, w), saa = filter(aa, g, h, w), sbb = filter(bb, g, h, w), sab = filter(ab, g, h, w);
		double c1 = Math.pow(0.01 * range, 2), c2 = Math.pow(0.03 * range, 2), sum = 0;
		for (int i = 0; i < ma.length; i++) {
			double va = saa[i] - ma[i] * ma[i], vb = sbb[i] - mb[i] * mb[i], cov = sab[i] - ma[i] * mb[i];
			sum += (2 * ma[i] * mb[i] + c1) * (2 * cov + c2) / ((ma[i] * ma[i] + mb[i] * mb[i] + c1) * (va + vb + c2));
		}
		return sum / ma.length;
	}

	/** Valid separable filtering: rows then columns, (h - 10) x (w - 10) outputs. */
	static double[] filter(double[] v, double[] g, int h, int w) {
		int k = g.length, ow = w - k + 1, oh = h - k + 1;
		double[] rows = new double[h * ow], out = new double[oh * ow];
		for (int y = 0; y < h; y++) for (int x = 0; x < ow; x++) for (int i = 0; i < k; i++) rows[y * ow + x] += g[i] * v[y * w + x + i];
		for (int y = 0; y < oh; y++) for (int x = 0; x < ow; x++) for (int i = 0; i < k; i++) out[y * ow + x] += g[i] * rows[(y + i) * ow + x];
		return out;
	}

	/**
	 * The sanity check is the Spearman correlation (average ranks for ties) of the absolute Saliency maps of the model and of its
	 * copy with weights drawn from the seed (the registry default 42 when left out), both for class 1; computed here from the two
	 * maps with ranks of its own.
	 */
	@Test
	void sanityCheckIsTheRankCorrelationWithTheRandomisedModel() {
		MetricResult r = (MetricResult) op("explain.metrics.sanity").call(model, image, "saliency", 1);
		TensorFlowClassifier tf = (TensorFlowClassifier) model;
		FloatTensor x = OpImages.read(model, image).tensor();
		float[] original = new Saliency().explain(model, x, new int[] { 1 }, Progress.NONE).maps().data();
		float[] randomised;
		try (TensorFlowClassifier random = RandomizedWeights.copy(tf, tf.variables(), 42)) {
			randomised = new Saliency().explain(random, x, new int[] { 1 }, Progress.NONE).maps().data();
		}
		assertEquals(spearman(original, randomised), r.values()[0], 1e-9);
		assertTrue(Math.abs(r.values()[0]) < 0.5, "random weights change the map: " + r.values()[0]);
	}

	/**
	 * The op takes the command's choices: with {@code independent} (one layer at a time) or {@code cascade} (one more layer at a
	 * time) the value is still the full randomisation's, and the metadata lists the layers and each step's mean Spearman, here
	 * recomputed for step 1 (dense alone, the same copy in both) and the independent step 2 (conv2 alone) from the maps of the
	 * copies with ranks of its own; both at once are refused.
	 */
	@Test
	void sanityOpRandomisesLayerByLayer() {
		TensorFlowClassifier tf = (TensorFlowClassifier) model;
		FloatTensor x = OpImages.read(model, image).tensor();
		MetricResult full = (MetricResult) op("explain.metrics.sanity").call(model, image, "saliency", 1);
		MetricResult independent = (MetricResult) op("explain.metrics.sanity").call(model, image, "saliency", 1, null, null, true);
		MetricResult cascade = (MetricResult) op("explain.metrics.sanity").call(model, image, "saliency", 1, null, true, null);
		assertEquals(full.values()[0], independent.values()[0], 1e-12, "the value is the full randomisation's");
		assertEquals(full.values()[0], cascade.values()[0], 1e-12);
		assertEquals("independent", independent.metadata().get("randomization"));
		assertEquals("cascade", cascade.metadata().get("randomization"));
		List<String> layers = List.of(independent.metadata().get("steps").split(","));
		assertEquals(List.of("dense", "conv2", "conv1"), layers.stream().map(l -> l.substring(l.lastIndexOf('/') + 1)).toList(),
			"the layers, nearest the logits first: " + layers);
		float[] original = new Saliency().explain(model, x, new int[] { 1 }, Progress.NONE).maps().data();
		double[] expected = new double[2];
		for (int k = 0; k < 2; k++) {
			String layer = layers.get(k);
			List<String> vars = tf.variables().stream().filter(v -> v.substring(0, v.lastIndexOf('/')).equals(layer)).toList();
			try (TensorFlowClassifier random = RandomizedWeights.copy(tf, vars, 42)) {
				expected[k] = spearman(original, new Saliency().explain(random, x, new int[] { 1 }, Progress.NONE).maps().data());
			}
		}
		String[] steps = independent.metadata().get("step_spearman_abs").split(",");
		assertEquals(3, steps.length);
		assertEquals(3, independent.metadata().get("step_hog").split(",").length, "a HOG correlation per step (32 x 32 maps hold 2 x 2 blocks)");
		assertTrue(Double.isFinite(Double.parseDouble(independent.metadata().get("mean_hog"))), independent.metadata().get("mean_hog"));
		assertEquals(expected[0], Double.parseDouble(steps[0]), 1e-9, "dense alone");
		assertEquals(expected[1], Double.parseDouble(steps[1]), 1e-9, "conv2 alone");
		assertEquals(expected[0], Double.parseDouble(cascade.metadata().get("step_spearman_abs").split(",")[0]), 1e-9);
		String[] cascadeSteps = cascade.metadata().get("step_spearman_abs").split(",");
		assertEquals(full.values()[0], Double.parseDouble(cascadeSteps[2]), 1e-12, "the cascade's last step randomises every layer");
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
			() -> op("explain.metrics.sanity").call(model, image, "saliency", 1, null, true, true));
		assertTrue(e.getMessage().contains("set only one of them"), e.getMessage());
	}

	static double spearman(float[] a, float[] b) {
		double[] ra = ranks(a), rb = ranks(b);
		double ma = Arrays.stream(ra).average().orElseThrow(), mb = Arrays.stream(rb).average().orElseThrow(), ab = 0, aa = 0, bb = 0;
		for (int i = 0; i < ra.length; i++) {
			ab += (ra[i] - ma) * (rb[i] - mb);
			aa += (ra[i] - ma) * (ra[i] - ma);
			bb += (rb[i] - mb) * (rb[i] - mb);
		}
		return ab / Math.sqrt(aa * bb);
	}

	/** Rank of each |value|: 1 + the number of smaller values + half the number of other equal ones. */
	static double[] ranks(float[] v) {
		double[] r = new double[v.length];
		for (int i = 0; i < v.length; i++) {
			int less = 0, equal = 0;
			for (int j = 0; j < v.length; j++) {
				float a = Math.abs(v[j]), b = Math.abs(v[i]);
				if (a < b) less++;
				else if (a == b && j != i) equal++;
			}
			r[i] = 1 + less + equal / 2.0;
		}
		return r;
	}

	/**
	 * MeGe/ReCo on 16 labelled images (the bright square gives the label), two folds, through the op with the defaults of the
	 * registry for the rest. Random maps of two models are independent, so |rho| is about |N(0, 1/1023)| (mean 0.025), the
	 * distance sqrt(1 - |rho|) about 0.9875 and MeGe 1 / (1 + d) about 0.503. The pairs behind the two methods are the same
	 * (they depend on the models only), and ReCo is 0 when no pair has one model right and the other wrong.
	 */
	@Test
	void megeRecoOfRandomMapsIsOneHalf() {
		int n = 16;
		Img<UnsignedByteType> stack = ArrayImgs.unsignedBytes(SIZE, SIZE, n);
		List<Integer> labels = new ArrayList<>();
		Random r = new Random(4);
		for (int z = 0; z < n; z++) labels.add(z % 2);
		for (Cursor<UnsignedByteType> c = stack.localizingCursor(); c.hasNext();) {
			c.fwd();
			int x = c.getIntPosition(0), y = c.getIntPosition(1), label = labels.get(c.getIntPosition(2));
			c.get().set(r.nextInt(26) + ((label == 1 ? inR1(x, y) : inR0(x, y)) ? 200 : 0));
		}
		@SuppressWarnings("unchecked")
		List<MegeReco.Result> results = (List<MegeReco.Result>) op("explain.metrics.mege_reco").call(model, stack, labels, "saliency,random", 2);
		assertEquals(List.of("saliency", "random"), results.stream().map(MegeReco.Result::method).toList());
		MegeReco.Result saliency = results.get(0), random = results.get(1);
		assertEquals(2, random.foldAccuracy().length);
		assertTrue(random.samePairs() > 0, "some images both models get right: accuracies " + Arrays.toString(random.foldAccuracy()));
		assertEquals(0, random.undefinedPairs(), "random maps are never constant");
		assertTrue(random.mege() > 0.5 && random.mege() < 0.507, "MeGe of random maps " + random.mege());
		assertEquals(saliency.samePairs() + saliency.differentPairs() + saliency.undefinedPairs(),
			random.samePairs() + random.differentPairs() + random.undefinedPairs(), "the pairs depend on the models only");
		assertTrue(random.samePairs() + random.differentPairs() <= n, "one pair per image with two folds");
		if (random.differentPairs() == 0) assertEquals(0, random.reco(), 0);
		assertTrue(random.reco() >= 0 && random.reco() <= 1);
		IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
			() -> op("explain.metrics.mege_reco").call(model, stack, labels.subList(0, 3), "saliency"));
		assertTrue(bad.getMessage().contains("one label per image"), bad.getMessage());
	}
}
