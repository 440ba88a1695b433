package org.conceptscope.tcav;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.stream.IntStream;

import org.conceptscope.attribution.GradCam;
import org.conceptscope.metrics.IhcPatches;
import org.conceptscope.model.BundledModels;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FeatureColumns;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Stage;
import org.junit.jupiter.api.Test;

/**
 * The SVM fits in kernel form (LinearSvm on the rows' dot products, Gram shared by a layer's fits)
 * against the same SGD in the primal form ({@link PrimalSgd}, scikit-learn's loop written out: one
 * weight per feature): the same weights and intercept to ~1e-9 relative and the same held-out
 * accuracies, on random data (separable and not, few and many features) and on a bundled model's
 * real activations, and through Tcav's stratified split of pool and concept rows, with the
 * directional derivatives read from the gradients' products with the rows.
 */
class KernelSvmTest {

	static final double TOL = 1e-9;

	/**
	 * One row x = 1 of label +1, scikit-learn's steps by hand: the first step (margin 0) shrinks w = 0 and
	 * adds eta_1, so w = b = eta_1 = sqrt(10); from then on the margin 2 sqrt(10) > 1 only shrinks w by
	 * 1 - alpha eta_t; the loss stops improving after epoch 2, so the fit ends after 7 epochs (steps).
	 * Shrinking after the step instead gives w = eta_1 (1 - alpha eta_1) ... , 3 % less.
	 */
	@Test
	void stepsInScikitLearnsOrderShrinkThenAdd() {
		LinearSvm.Model m = LinearSvm.fit(new double[] { 1 }, new int[] { 1 }, 5);
		double alpha = LinearSvm.ALPHA, t0 = 1 / (Math.sqrt(1 / Math.sqrt(alpha)) * alpha), eta1 = 1 / (alpha * t0);
		double w = eta1;
		for (int t = 2; t <= 7; t++) w *= 1 - alpha / (alpha * (t0 + t - 1));
		assertEquals(Math.sqrt(10), eta1, 1e-12);
		assertEquals(eta1, m.intercept(), 1e-12);
		assertEquals(w, m.coefficients()[0], 1e-12);
	}

	/** [n, d] rows: class +1 around +shift, class -1 around -shift in the first feature, Gaussian noise elsewhere. */
	static float[] blobs(int n, int d, double shift, int[] labels, long seed) {
		Random r = new Random(seed);
		float[] x = new float[n * d];
		for (int i = 0; i < n; i++) {
			labels[i] = i % 2 == 0 ? 1 : -1;
			for (int j = 0; j < d; j++) x[i * d + j] = (float) (r.nextGaussian() + (j == 0 ? labels[i] * shift : 0));
		}
		return x;
	}

	/** The kernel fit of rows {@code rows} of x: w = sum c_i x_i, intercept, and decisions of every row of x. */
	static double[][] kernelFit(float[] x, int d, int[] rows, int[] labels, long seed) {
		int total = x.length / d, n = rows.length;
		// the training rows first, then every row of x (for decisions)
		int[] order = IntStream.concat(Arrays.stream(rows), IntStream.range(0, total)).toArray();
		double[] k = new double[order.length * n]; // row i's products with the training rows at k[i * n ..]
		for (int i = 0; i < order.length; i++) for (int q = 0; q < n; q++) k[i * n + q] = dot(x, order[i], order[q], d);
		LinearSvm.Model m = LinearSvm.fit(k, labels, seed);
		double[] w = new double[d];
		for (int q = 0; q < n; q++) for (int j = 0; j < d; j++) w[j] += m.coefficients()[q] * x[rows[q] * d + j];
		double[] decisions = new double[total];
		for (int i = 0; i < total; i++) decisions[i] = m.decision(k, (n + i) * n);
		return new double[][] { w, { m.intercept() }, decisions };
	}

	static double dot(float[] x, int a, int b, int d) {
		double s = 0;
		for (int j = 0; j < d; j++) s += (double) x[a * d + j] * x[b * d + j];
		return s;
	}

	static void assertSameFit(float[] x, int d, int[] rows, int[] labels, long seed, String what) {
		PrimalSgd.Model primal = PrimalSgd.fit(x, d, rows, labels, seed);
		double[][] kernel = kernelFit(x, d, rows, labels, seed);
		double[] w = primal.weights();
		double norm = Arrays.stream(w).map(Math::abs).max().orElse(0);
		assertTrue(norm > 0, what + ": the primal fit has zero weights");
		for (int j = 0; j < d; j++) assertEquals(w[j], kernel[0][j], TOL * norm, what + ": weight " + j);
		assertEquals(primal.intercept(), kernel[1][0], TOL * Math.max(1, Math.abs(primal.intercept())), what + ": intercept");
		for (int i = 0; i < x.length / d; i++) {
			double p = primal.decision(x, i * d);
			assertEquals(p, kernel[2][i], TOL * (norm * 100 + Math.abs(p)), what + ": decision of row " + i);
			assertEquals(p > 0, kernel[2][i] > 0, what + ": side of row " + i);
		}
	}

	@Test
	void kernelFitIsThePrimalFitOnRandomData() {
		int[][] sizes = { { 40, 5 }, { 40, 300 }, { 24, 2048 }, { 60, 3 } };
		for (int[] nd : sizes) {
			int n = nd[0], d = nd[1];
			for (double shift : new double[] { 3, 0.2, 0 }) { // well apart, overlapping, the same distribution
				int[] labels = new int[n];
				float[] x = blobs(n, d, shift, labels, 11 + n + d);
				int[] rows = IntStream.range(0, n).filter(i -> i % 5 != 0).toArray(); // every fifth row held out
				int[] trainLabels = Arrays.stream(rows).map(i -> labels[i]).toArray();
				for (long seed : new long[] { 1, 2, 3 }) assertSameFit(x, d, rows, trainLabels, seed, "n " + n + " d " + d + " shift " + shift);
			}
		}
	}

	/** Three features and 60 rows with random labels cannot be separated: the hinge keeps updating until the loss stops improving. */
	@Test
	void kernelFitIsThePrimalFitWhenNothingSeparates() {
		int n = 60, d = 3;
		int[] labels = new int[n];
		float[] x = blobs(n, d, 0, labels, 5);
		int[] shuffled = labels.clone();
		SplittableRandom r = new SplittableRandom(9);
		for (int i = n - 1; i > 0; i--) {
			int k = r.nextInt(i + 1), t = shuffled[i];
			shuffled[i] = shuffled[k];
			shuffled[k] = t;
		}
		int[] rows = IntStream.range(0, n).toArray();
		assertSameFit(x, d, rows, shuffled, 4, "random labels");
		PrimalSgd.Model m = PrimalSgd.fit(x, d, rows, shuffled, 4);
		long wrong = IntStream.range(0, n).filter(i -> (m.decision(x, i * d) > 0) != (shuffled[i] > 0)).count();
		assertTrue(wrong > 5, "the random labels were separated after all (" + wrong + " wrong)");
	}

	/** Real activations: ihc.png patches in the ihc-stain model's last spatial layer, a pool and a concept as TCAV fits them. */
	@Test
	void tcavsFitsAreThePrimalFitsOnRealActivations() {
		try (TensorFlowClassifier model = TensorFlowClassifier.load(BundledModels.dir("ihc-stain"))) {
			String layer = GradCam.lastSpatialLayer(model);
			float[] acts = model.activations(IhcPatches.load(48), layer).data();
			int p = 32, m = 16, d = acts.length / 48;
			float[] poolActs = Arrays.copyOf(acts, p * d), conceptActs = Arrays.copyOfRange(acts, p * d, acts.length);
			Gram pool = Gram.pool(poolActs, p, d);
			pool.layOut();
			for (int g = 0; g < FeatureColumns.groups(p); g++) pool.poolGroup(g);
			Gram view = pool.withConcept(conceptActs, m);
			view.layOut();
			for (int g = 0; g < FeatureColumns.groups(m); g++) view.conceptGroup(g);
			// every product the fits read is the plain sum over the features, pool and concept rows alike
			for (int i = 0; i < p + m; i++) for (int k = 0; k < p + m; k++) assertEquals(dot(acts, i, k, d), view.products()[i][k], 0, i + ", " + k);
			int[] concept = IntStream.range(p, p + m).toArray();
			// the layer gradient of class 2 (DAB-positive) for 12 other patches
			FloatTensor inputs = IhcPatches.load(60).range(48, 60);
			int[] cls = new int[12];
			Arrays.fill(cls, 2);
			float[] grads = model.layerGradient(inputs, layer, FloatTensor.oneHot(cls, model.numClasses())).data();
			Gram.InputDots poolDots = pool.inputDots(grads, 12, null), conceptDots = view.inputDots(grads, 12, poolDots);
			for (int g = 0; g < FeatureColumns.groups(12); g++) {
				poolDots.group(g);
				conceptDots.group(g);
			}
			SplittableRandom rnd = new SplittableRandom(7);
			for (int run = 0; run < 6; run++) {
				int[] perm = IntStream.range(0, p).toArray();
				for (int i = p - 1; i > 0; i--) {
					int k = rnd.nextInt(i + 1), t = perm[i];
					perm[i] = perm[k];
					perm[k] = t;
				}
				int[] neg = Arrays.copyOfRange(perm, 0, 16), nullPos = Arrays.copyOfRange(perm, 16, 32);
				long seed = 100 + run;
				assertSameTrained(primalTrain(poolActs, nullPos, poolActs, neg, d, seed), Tcav.train(pool, nullPos, neg, seed), pool, grads, poolDots,
					"null run " + run);
				assertSameTrained(primalTrain(conceptActs, IntStream.range(0, m).toArray(), poolActs, neg, d, seed), Tcav.train(view, concept, neg, seed),
					view, grads, conceptDots, "concept run " + run);
			}
		}
	}

	/** The primal fit's weights, intercept and accuracy. */
	record Primal(double[] weights, double intercept, double accuracy) {}

	/**
	 * The same weights, intercept, |w| and accuracy; and the directional derivatives read from the
	 * inputs' products with the rows equal the gradients dotted with the primal weights.
	 */
	static void assertSameTrained(Primal primal, Tcav.Trained kernel, Gram view, float[] grads, Gram.InputDots inputDots, String what) {
		double[] w = primal.weights(), kw = kernel.weights(view);
		double norm = Arrays.stream(w).map(Math::abs).max().orElse(0);
		assertTrue(norm > 0, what);
		for (int j = 0; j < w.length; j++) assertEquals(w[j], kw[j], TOL * norm, what + ": weight " + j);
		assertEquals(primal.intercept(), kernel.intercept(), TOL * Math.max(1, Math.abs(primal.intercept())), what + ": intercept");
		assertEquals(primal.accuracy(), kernel.accuracy(), 0, what + ": held-out accuracy");
		double l2 = Math.sqrt(Arrays.stream(w).map(v -> v * v).sum());
		assertEquals(l2, kernel.norm(), TOL * l2, what + ": |w|");
		double[] s = Tcav.sensitivities(kernel, inputDots);
		int d = w.length;
		for (int i = 0; i < s.length; i++) {
			double direct = 0, scale = 0;
			for (int j = 0; j < d; j++) {
				direct += grads[i * d + j] * w[j];
				scale += Math.abs(grads[i * d + j] * w[j]);
			}
			assertEquals(direct, s[i], TOL * scale, what + ": directional derivative of input " + i);
		}
	}

	/**
	 * Tcav's fit as it was written before the kernel form: positives then negatives in one matrix,
	 * a stratified split from the seed (scikit-learn's counts), the primal SGD, accuracy on the held-out third.
	 */
	static Primal primalTrain(float[] posActs, int[] pos, float[] negActs, int[] neg, int d, long seed) {
		float[] x = new float[(pos.length + neg.length) * d];
		for (int i = 0; i < pos.length; i++) System.arraycopy(posActs, pos[i] * d, x, i * d, d);
		for (int i = 0; i < neg.length; i++) System.arraycopy(negActs, neg[i] * d, x, (pos.length + i) * d, d);
		SplittableRandom rnd = new SplittableRandom(seed);
		int[] posRows = shuffle(IntStream.range(0, pos.length).toArray(), rnd);
		int[] negRows = shuffle(IntStream.range(pos.length, pos.length + neg.length).toArray(), rnd);
		int[] held = Tcav.heldOut(pos.length, neg.length, rnd); // the split's counts (TcavTest checks them against scikit-learn's)
		int posTest = held[0], negTest = held[1];
		int[] train = IntStream.concat(Arrays.stream(posRows, posTest, posRows.length), Arrays.stream(negRows, negTest, negRows.length)).toArray();
		int[] labels = Arrays.stream(train).map(r -> r < pos.length ? 1 : -1).toArray();
		PrimalSgd.Model m = PrimalSgd.fit(x, d, train, labels, rnd.nextLong());
		int correct = 0;
		int[] test = IntStream.concat(Arrays.stream(posRows, 0, posTest), Arrays.stream(negRows, 0, negTest)).toArray();
		for (int r : test) if ((m.decision(x, r * d) > 0) == (r < pos.length)) correct++;
		return new Primal(m.weights(), m.intercept(), correct / (double) test.length);
	}

	static int[] shuffle(int[] a, SplittableRandom rnd) {
		for (int i = a.length - 1; i > 0; i--) {
			int k = rnd.nextInt(i + 1), t = a[i];
			a[i] = a[k];
			a[k] = t;
		}
		return a;
	}

	/** Gram's products, made by feature for groups of rows, are the plain sums in order, for any count of rows and features, and the inputs' too. */
	@Test
	void gramDotsArePlainSums() {
		for (int[] pmd : new int[][] { { 4, 1, 1 }, { 7, 2, 13 }, { 9, 5, 64 }, { 13, 3, 1000 } }) {
			int p = pmd[0], m = pmd[1], d = pmd[2];
			float[] all = blobs(p + m, d, 1, new int[p + m], p * 31L + d);
			Gram pool = Gram.pool(Arrays.copyOf(all, p * d), p, d);
			pool.layOut();
			for (int g = FeatureColumns.groups(p) - 1; g >= 0; g--) pool.poolGroup(g);
			Gram view = pool.withConcept(Arrays.copyOfRange(all, p * d, all.length), m);
			view.layOut();
			for (int g = FeatureColumns.groups(m) - 1; g >= 0; g--) view.conceptGroup(g);
			for (int i = 0; i < p + m; i++) for (int k = 0; k < p + m; k++) assertEquals(dot(all, i, k, d), view.products()[i][k], 0, pmd[0] + " " + i + "," + k);
			assertEquals(p, pool.products().length, "the pool's view holds the pool's rows only");
			for (int i = 0; i < p; i++) for (int k = 0; k < p; k++) assertEquals(dot(all, i, k, d), pool.products()[i][k], 0, pmd[0] + " pool " + i + "," + k);
			// inputs of any count, against the pool and the concept, each product the plain sum
			int n = p + 2;
			float[] inputs = blobs(n, d, 1, new int[n], p * 17L + d);
			Gram.InputDots poolInputs = pool.inputDots(inputs, n, null), conceptInputs = view.inputDots(inputs, n, poolInputs);
			for (int g = 0; g < FeatureColumns.groups(n); g++) {
				poolInputs.group(g);
				conceptInputs.group(g);
			}
			for (int i = 0; i < n; i++) {
				for (int k = 0; k < p + m; k++) {
					double want = 0;
					for (int j = 0; j < d; j++) want += (double) inputs[i * d + j] * all[k * d + j];
					assertEquals(want, conceptInputs.products()[i][k], 0, pmd[0] + " input " + i + "," + k);
					if (k < p) assertEquals(want, poolInputs.products()[i][k], 0, pmd[0] + " input " + i + " with the pool's " + k);
				}
			}
		}
	}

	/** Background stages: every item once, after the stages they need; the first failure comes back as it was thrown. */
	@Test
	void stagesDoEachItemOnceAfterWhatTheyNeed() {
		AtomicIntegerArray first = new AtomicIntegerArray(50), second = new AtomicIntegerArray(50);
		boolean[] firstDoneBefore = new boolean[50];
		Stage a = Stage.start(50, first::incrementAndGet);
		Stage b = Stage.start(50, i -> {
			boolean all = true;
			for (int k = 0; k < 50; k++) all &= first.get(k) == 1;
			firstDoneBefore[i] = all;
			second.incrementAndGet(i);
		}, a);
		b.join();
		for (int i = 0; i < 50; i++) {
			assertEquals(1, first.get(i));
			assertEquals(1, second.get(i));
			assertTrue(firstDoneBefore[i], "item " + i + " ran before the stage it needs was done");
		}
		IllegalStateException boom = new IllegalStateException("boom");
		Stage failing = Stage.start(20, i -> {
			if (i == 3) throw boom;
		});
		Stage after = Stage.start(5, i -> {}, failing);
		assertSame(boom, assertThrows(IllegalStateException.class, after::join));
		assertSame(boom, assertThrows(IllegalStateException.class, failing::join));
	}
}
