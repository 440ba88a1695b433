package org.conceptscope.tcav;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.commons.math3.stat.inference.TTest;
import org.conceptscope.model.Classifier;
import org.conceptscope.model.LayerInfo;
import org.conceptscope.tensor.FeatureColumns;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Limits;
import org.conceptscope.util.Progress;
import org.conceptscope.util.Stage;

/**
 * Testing with Concept Activation Vectors (Kim et al. 2018, "Interpretability Beyond Feature
 * Attribution: Quantitative Testing with Concept Activation Vectors").
 * <p>
 * For a layer l, a concept C (example images) and a random set N of counterexamples, a linear
 * SVM separates their activations ({@link LinearSvm}, trained on two thirds, accuracy on the rest,
 * stratified, as the TCAV code splits: {@link #heldOut}); its unit normal towards C is the CAV v. The conceptual
 * sensitivity of an input x for class k is S(x) = grad h_k(f_l(x)) . v, and the TCAV score is the
 * fraction of the inputs with S > 0 (Captum's magnitude score sum max(S,0) / sum |S| is given
 * too). Significance: the test is repeated with {@code runs} random sets N_i drawn from a pool of
 * counterexamples; the null distribution is the score of CAVs that separate a fresh random set P_i
 * from N_i, one per run (the TCAV code instead trains each random set against every other one, R(R-1)
 * fits: measured no better at keeping noise concepts out, docs/methods/tcav.md); a two-sided Student
 * t-test (equal variances, scipy's ttest_ind) compares the concept's scores with the null scores
 * (optimistic: the runs share the concept's images, so a noise concept passed in about a third of the measured draws),
 * and the concept is significant when p < alpha / m, Bonferroni-corrected for the m concept-layer
 * pairs tested together (the paper corrects for its m hypotheses). Random sets are as large as the
 * concept's example set, or half the pool when the pool is smaller than twice that, and are drawn
 * for that size alone, with a null distribution of their size: a concept's result does not depend on
 * the other concepts tested with it. N_i and P_i do not overlap. Everything random comes from the
 * seed; the runs are trained on all cores.
 */
public final class Tcav {

	/** A concept: its name and example images [n, H, W, C] (normalised like the model's input). */
	public record Concept(String name, FloatTensor examples) {

		public Concept {
			if (name == null || name.isBlank()) throw new IllegalArgumentException("A concept needs a name.");
			if (examples == null || examples.rank() != 4 || examples.dim(0) < 2) {
				throw new IllegalArgumentException("The concept '" + name + "' needs at least 2 example images.");
			}
		}
	}

	/**
	 * One concept at one layer. {@code nearChance}: significant, but the CAVs' mean held-out accuracy is within
	 * {@link #ABOVE_CHANCE} of chance ({@link #chanceAccuracy}), where the measured noise concepts were: the layer hardly
	 * tells the concept from random images, so the significance is likely the optimistic t-test's.
	 */
	public record Row(String concept, String layer, double[] scores, double[] magnitudes, double[] nullScores, double[] accuracies,
		double meanScore, double stdScore, double meanNull, double stdNull, double meanMagnitude, double meanAccuracy, double pValue,
		boolean significant, ConceptActivationVector cav, int randomSetSize, boolean nearChance) {}

	/**
	 * How far above chance a significant concept's mean CAV accuracy must be not to be flagged near chance: noise concepts
	 * had 0.35-0.62 (chance 0.5) in every setup measured, the planted concept 1.0 (docs/methods/tcav.md).
	 */
	public static final double ABOVE_CHANCE = 0.2;

	/** A CAV fit's chance accuracy: the larger set's share of the (stratified) held-out rows; 0.5 for sets of one size. */
	public static double chanceAccuracy(int examples, int randomSetSize) {
		return Math.max(examples, randomSetSize) / (double) (examples + randomSetSize);
	}

	/** Everything one test gives: rows per concept and layer, and what they were tested with. */
	public record Result(int target, String targetName, int inputs, int runs, double alpha, int hypotheses, long seed, List<Row> rows) {

		/** The CAVs of all rows, for a {@link CavBank}. */
		public List<ConceptActivationVector> cavs() {
			return rows.stream().map(Row::cav).toList();
		}

		/** The CAVs of all rows as a bank of the named model, to save and score new stacks with. */
		public CavBank bank(String model) {
			return new CavBank(model, cavs());
		}
	}

	/** Scores of one saved CAV on new inputs. */
	public record Scores(ConceptActivationVector cav, double[] sensitivities, double score, double magnitude) {}

	public static final int DEFAULT_RUNS = 20;
	public static final double DEFAULT_ALPHA = 0.05;
	/** Held-out share of each CAV's training set (the TCAV code's). */
	static final double TEST_FRACTION = 0.33;
	/** Images per model call: a large pool or stack reports progress, and can be stopped, between parts. */
	static final int PART = 256;

	private final int runs;
	private final double alpha;
	private final long seed;

	public Tcav(int runs, double alpha, long seed) {
		if (runs < 2) throw new IllegalArgumentException("TCAV's t-test needs at least 2 runs with random sets, got " + runs + ".");
		Limits.passes("TCAV", "runs", runs);
		if (!(alpha > 0 && alpha < 1)) throw new IllegalArgumentException("The significance level must lie strictly between 0 and 1, got " + alpha + ".");
		this.runs = runs;
		this.alpha = alpha;
		this.seed = seed;
	}

	/**
	 * @param inputs images of the class to test, [N, H, W, C]
	 * @param randomPool counterexamples the random sets are drawn from
	 * @throws CancellationException when progress asks to stop
	 */
	public Result test(Classifier classifier, List<String> layers, List<Concept> concepts, FloatTensor randomPool, FloatTensor inputs, int target,
		Progress progress) {
		if (layers.isEmpty()) throw new IllegalArgumentException("No layer given: give at least one layer to find CAVs in.");
		if (concepts.isEmpty()) throw new IllegalArgumentException("No concept given: give at least one folder of concept examples.");
		if (target < 0 || target >= classifier.numClasses()) {
			throw new IllegalArgumentException("Class " + target + " does not exist; the model has classes 0.." + (classifier.numClasses() - 1) + ".");
		}
		if (inputs.rank() != 4 || inputs.dim(0) < 1) throw new IllegalArgumentException("No image of the class to test: give at least one.");
		checkLayers(classifier, layers);
		checkSizes(classifier, layers, concepts, randomPool, inputs);
		long need = bytesNeeded(classifier, layers, concepts, randomPool, inputs); // once: a layer of any size takes a pass of one image
		checkMemory(need, Limits.heapLeft(need), randomPool, inputs, concepts.size());
		int pool = (int) randomPool.dim(0);
		if (pool / 2 < 2) {
			throw new IllegalArgumentException("The random counterexamples hold " + pool + " images; each run draws two disjoint random sets,"
				+ " so give at least 4 (better: twice as many as the concept examples).");
		}
		int hypotheses = layers.size() * concepts.size();
		// per run and set size: N_i and P_i, disjoint, from the seed alone (the same sets whichever other sizes are drawn)
		int[] setSizes = concepts.stream().mapToInt(c -> setSize(c, pool)).distinct().sorted().toArray();
		Map<Integer, int[][]> negatives = new HashMap<>(), nullPositives = new HashMap<>();
		for (int size : setSizes) {
			int[][] neg = new int[runs][], pos = new int[runs][];
			SplittableRandom rnd = new SplittableRandom(seed);
			for (int r = 0; r < runs; r++) {
				int[] perm = permutation(pool, rnd);
				neg[r] = Arrays.copyOfRange(perm, 0, size);
				pos[r] = Arrays.copyOfRange(perm, size, 2 * size);
			}
			negatives.put(size, neg);
			nullPositives.put(size, pos);
		}
		int n = (int) inputs.dim(0);
		long examples = concepts.stream().mapToLong(c -> c.examples().dim(0)).sum();
		// one count: the images through the model (the long part) and the fits
		long total = layers.size() * (pool + examples + n + (long) runs * (concepts.size() + setSizes.length));
		AtomicLong done = new AtomicLong();
		List<Row> rows = new ArrayList<>();
		for (String layer : layers) {
			// The fits need only activations: the pool's and every concept's are asked for first, and
			// the fits (on dot products shared by all of the layer's fits) run in the background while
			// the model computes the next activations and the layer gradient.
			FloatTensor poolActivations = inParts(randomPool, x -> classifier.activations(x, layer), progress, done, total);
			long[] shape = poolActivations.shape().clone(); // the layer's shape for these images (a model of any size has no other)
			shape[0] = -1;
			float[] randomActs = poolActivations.data();
			int d = randomActs.length / pool;
			Gram poolDots = Gram.pool(randomActs, pool, d);
			List<Stage> started = new ArrayList<>();
			Map<Integer, Fits> nullFits = new HashMap<>();
			List<Fits> fits = new ArrayList<>();
			List<Gram> views = new ArrayList<>();
			List<float[]> cavs = java.util.Collections.synchronizedList(new ArrayList<>());
			List<Stage> cavStages = new ArrayList<>();
			boolean finished = false;
			try {
				Stage poolLayout = Stage.start(1, x -> poolDots.layOut());
				started.add(poolLayout);
				Stage poolRows = Stage.start(FeatureColumns.groups(pool), poolDots::poolGroup, poolLayout);
				started.add(poolRows);
				List<Stage> layouts = new ArrayList<>(List.of(poolLayout));
				for (int size : setSizes) {
					int[][] pos = nullPositives.get(size), neg = negatives.get(size);
					Fits f = new Fits(runs, (r, space) -> train(poolDots, pos[r], neg[r], seed + 7919L * r + 1, space), progress, done, total, poolRows);
					nullFits.put(size, f);
					started.add(f.stage);
				}
				views.add(poolDots);
				for (Concept c : concepts) {
					int m = (int) c.examples().dim(0);
					float[] conceptActs = inParts(c.examples(), x -> classifier.activations(x, layer), progress, done, total).data();
					checkPerImage(conceptActs.length / m, d, "The examples of the concept '" + c.name() + "'", layer);
					Gram dots = poolDots.withConcept(conceptActs, m);
					Stage conceptLayout = Stage.start(1, x -> dots.layOut());
					started.add(conceptLayout);
					layouts.add(conceptLayout);
					Stage conceptRows = Stage.start(FeatureColumns.groups(m), dots::conceptGroup, poolLayout, conceptLayout);
					started.add(conceptRows);
					int[] all = positions(pool, pool + m);
					int[][] neg = negatives.get(setSize(c, pool));
					Fits f = new Fits(runs, (r, space) -> train(dots, all, neg[r], seed + 7919L * r + 2, space), progress, done, total, poolRows, conceptRows);
					fits.add(f);
					started.add(f.stage);
					views.add(dots);
					// the CAV needs the fits only: built while the model computes the layer gradient
					int ci = cavs.size();
					cavs.add(null);
					Stage cav = Stage.start(1, x -> cavs.set(ci, cav(f.out, dots, pool + m)), f.stage);
					started.add(cav);
					cavStages.add(cav);
				}
				float[] grads = inParts(inputs, x -> classifier.layerGradient(x, layer, FloatTensor.oneHot(filled((int) x.dim(0), target),
					classifier.numClasses())), progress, done, total).data();
				checkPerImage(grads.length / n, d, "The class images", layer);
				// each input's gradient dotted with every row the fits use: a run's directional
				// derivatives g . w = sum_q c_q (g . x_q) then cost O(training rows) each
				Gram.InputDots[] inputDots = new Gram.InputDots[views.size()];
				for (int v = 0; v < views.size(); v++) inputDots[v] = views.get(v).inputDots(grads, n, v == 0 ? null : inputDots[0]);
				Stage gradientRows = Stage.start(FeatureColumns.groups(n), g -> {
					for (Gram.InputDots dots : inputDots) dots.group(g);
				}, layouts.toArray(Stage[]::new));
				started.add(gradientRows);
				gradientRows.join();
				Map<Integer, double[]> nullScores = new HashMap<>();
				for (int size : setSizes) {
					Fits f = nullFits.get(size);
					f.stage.join();
					double[] scores = new double[runs];
					for (int r = 0; r < runs; r++) scores[r] = sensitivityScore(sensitivities(f.out[r], inputDots[0]));
					nullScores.put(size, scores);
				}
				for (int ci = 0; ci < concepts.size(); ci++) {
					Concept c = concepts.get(ci);
					Fits f = fits.get(ci);
					f.stage.join();
					Trained[] trained = f.out;
					double[] scores = new double[runs], magnitudes = new double[runs], accuracies = new double[runs];
					for (int r = 0; r < runs; r++) {
						Trained t = trained[r];
						double[] s = sensitivities(t, inputDots[ci + 1]);
						scores[r] = sensitivityScore(s);
						magnitudes[r] = magnitude(s);
						accuracies[r] = t.accuracy();
					}
					cavStages.get(ci).join();
					float[] cav = cavs.get(ci);
					int size = setSize(c, pool);
					double[] nulls = nullScores.get(size);
					double p = pValue(scores, nulls);
					boolean significant = p < alpha / hypotheses;
					boolean nearChance = significant && mean(accuracies) < chanceAccuracy((int) c.examples().dim(0), size) + ABOVE_CHANCE;
					rows.add(new Row(c.name(), layer, scores, magnitudes, nulls, accuracies, mean(scores), std(scores), mean(nulls), std(nulls),
						mean(magnitudes), mean(accuracies), p, significant, new ConceptActivationVector(c.name(), layer, shape, cav, mean(accuracies)),
						size, nearChance));
				}
				finished = true;
			} finally {
				// none of the background work outlives the failure; the last stages first, so none starts on an earlier one's partial results
				if (!finished) for (int k = started.size() - 1; k >= 0; k--) started.get(k).cancel();
			}
		}
		return new Result(target, classifier.classNames().get(target), n, runs, alpha, hypotheses, seed, rows);
	}

	/**
	 * Bytes one layer's test holds at once, the largest over the layers: the activations of the pool, the
	 * concepts and the class images' gradients (floats, and by feature in doubles), the products of the
	 * pool's rows with each other and with each concept's, gathered per view, and the gradients'
	 * products with every view's rows.
	 */
	static long bytesNeeded(Classifier classifier, List<String> layers, List<Concept> concepts, FloatTensor randomPool, FloatTensor inputs) {
		long p = randomPool.dim(0), n = inputs.dim(0), examples = 0, pairs = 2 * p * p, inputPairs = 2 * n * p;
		for (Concept c : concepts) {
			long m = c.examples().dim(0);
			examples += m;
			pairs += m * (p + m) + (p + m) * (p + m);
			inputPairs += n * (p + 2 * m);
		}
		long largest = 0;
		for (String l : layers) largest = Math.max(largest, 12 * classifier.activationValues(l, inputs) * (p + examples + n));
		return largest + 8 * (pairs + inputPairs);
	}

	/** Refuses, in one sentence, a test that needs more memory than {@code available} bytes, before any image goes through the model. */
	static void checkMemory(Classifier classifier, List<String> layers, List<Concept> concepts, FloatTensor randomPool, FloatTensor inputs,
		long available) {
		checkMemory(bytesNeeded(classifier, layers, concepts, randomPool, inputs), available, randomPool, inputs, concepts.size());
	}

	/** As above, for a test that needs {@code need} bytes. */
	private static void checkMemory(long need, long available, FloatTensor randomPool, FloatTensor inputs, int concepts) {
		if (need <= available) return;
		throw new IllegalArgumentException(String.format(java.util.Locale.ROOT, "A test of %d random images, %d class images and %d concept(s)"
			+ " needs about %s and Java has %s left: give fewer random images (twice the largest concept's examples are enough;"
			+ " a large image gives many tiles), fewer class images or concepts, or give Java more memory (-Xmx).", randomPool.dim(0),
			inputs.dim(0), concepts, Limits.readableSize(need, available), Limits.readableSize(available, need)));
	}

	/** The size of a concept's random sets: as large as its examples, at most half the pool. */
	static int setSize(Concept c, int pool) {
		return (int) Math.min(c.examples().dim(0), pool / 2);
	}

	/**
	 * Refuses, before any image goes through the model, images of different sizes when a layer keeps
	 * positions (a model of any size tiles nothing to a common size): their activations, compared image
	 * by image, would not line up.
	 */
	static void checkSizes(Classifier classifier, List<String> layers, List<Concept> concepts, FloatTensor randomPool, FloatTensor inputs) {
		boolean positions = layers.stream().anyMatch(l -> layer(classifier, l).shape().length != 2);
		if (!positions) return; // one value per channel: any image size gives the same vector
		String want = size(inputs);
		List<String> other = new ArrayList<>();
		if (!size(randomPool).equals(want)) other.add("the random images " + size(randomPool));
		for (Concept c : concepts) if (!size(c.examples()).equals(want)) other.add("the examples of '" + c.name() + "' " + size(c.examples()));
		if (!other.isEmpty()) {
			throw new IllegalArgumentException("The class images are " + want + " pixels but " + String.join(", ", other) + ": a layer's"
				+ " activations are compared image by image, so give every folder images of one size (the model takes any size, so none is tiled to its"
				+ " size), or test a layer of one value per channel.");
		}
	}

	private static String size(FloatTensor images) {
		return images.dim(2) + " x " + images.dim(1);
	}

	/** Refuses activations of another length per image than the random pool's (what {@link #checkSizes} cannot see in advance). */
	private static void checkPerImage(int length, int poolLength, String what, String layer) {
		if (length != poolLength) {
			throw new IllegalArgumentException(what + " give " + length + " values per image in layer '" + layer + "', the random images "
				+ poolLength + ": give images of one size.");
		}
	}

	/**
	 * One pass of the model over images, {@value #PART} at a time, each part counted in {@code done}
	 * and a chance to stop before it.
	 */
	private static FloatTensor inParts(FloatTensor images, java.util.function.UnaryOperator<FloatTensor> pass, Progress progress, AtomicLong done,
		long total) {
		int n = (int) images.dim(0);
		List<FloatTensor> parts = new ArrayList<>();
		for (int from = 0; from < n; from += PART) {
			checkCancel(progress, done, total);
			int to = Math.min(n, from + PART);
			parts.add(from == 0 && to == n ? pass.apply(images) : pass.apply(images.range(from, to)));
			report(progress, done.addAndGet(to - from), total);
		}
		return parts.size() == 1 ? parts.get(0) : FloatTensor.concat(parts);
	}

	/**
	 * Scores saved CAVs on new images of a class: per image the directional derivative of the class
	 * logit along each CAV, and the TCAV and magnitude scores.
	 */
	public static List<Scores> score(Classifier classifier, List<ConceptActivationVector> cavs, FloatTensor inputs, int target) {
		return score(classifier, cavs, inputs, target, Progress.NONE);
	}

	/**
	 * {@link #score(Classifier, List, FloatTensor, int)}, each layer's gradients (one pass over the
	 * images) reported to {@code progress} ("TCAV scores", layers done of all), which can stop between layers.
	 *
	 * @throws CancellationException when progress asks to stop
	 */
	public static List<Scores> score(Classifier classifier, List<ConceptActivationVector> cavs, FloatTensor inputs, int target, Progress progress) {
		if (target < 0 || target >= classifier.numClasses()) {
			throw new IllegalArgumentException("Class " + target + " does not exist; the model has classes 0.." + (classifier.numClasses() - 1) + ".");
		}
		checkVectors(classifier, cavs);
		int n = (int) inputs.dim(0);
		FloatTensor weights = FloatTensor.oneHot(filled(n, target), classifier.numClasses());
		List<Scores> out = new ArrayList<>();
		Map<String, float[]> grads = new HashMap<>();
		int layers = (int) cavs.stream().map(ConceptActivationVector::layer).distinct().count();
		for (ConceptActivationVector v : cavs) {
			if (!grads.containsKey(v.layer()) && !progress.report(grads.size(), layers, "TCAV scores")) throw new CancellationException("cancelled");
			float[] g = grads.computeIfAbsent(v.layer(), l -> classifier.layerGradient(inputs, l, weights).data());
			double[] s = v.sensitivities(g, n);
			out.add(new Scores(v, s, sensitivityScore(s), magnitude(s)));
		}
		progress.report(layers, layers, "TCAV scores");
		return out;
	}

	/**
	 * One set of runs' SVM fits, in the background once the dot products they read are there (see
	 * {@link Stage}: run r's fit by whichever thread claims it, the caller too when it waits);
	 * progress counts fits and a cancel stops the fits not yet started.
	 */
	private static final class Fits {

		final Trained[] out;
		final Stage stage;

		Fits(int runs, Fit fit, Progress progress, AtomicLong done, long total, Stage... after) {
			Trained[] o = new Trained[runs];
			this.out = o;
			this.stage = Stage.start(runs, FitSpace::new, (space, r) -> {
				checkCancel(progress, done, total);
				o[r] = fit.run(r, space);
				report(progress, done.incrementAndGet(), total);
			}, after);
		}
	}

	/** Run r's fit, in the space of the thread that does it. */
	@FunctionalInterface
	private interface Fit {
		Trained run(int r, FitSpace space);
	}

	// ---- pieces ----

	/** Refuses a model without gradients or a layer it does not have, before any image is read. */
	public static void checkLayers(Classifier classifier, List<String> layers) {
		classifier.requireGradients("A concept's sensitivity (the gradient along its CAV)"); // not "TCAV": the command's reporter names it
		for (String l : layers) layer(classifier, l);
	}

	/** Refuses saved CAVs whose layers this model lacks or has in another shape, before any image is read. */
	public static void checkVectors(Classifier classifier, List<ConceptActivationVector> cavs) {
		classifier.requireGradients("A concept's sensitivity (the gradient along its CAV)"); // not "TCAV": the command's reporter names it
		for (ConceptActivationVector v : cavs) {
			long[] want = v.layerShape(), have = layer(classifier, v.layer()).shape();
			boolean same = want.length == have.length;
			for (int i = 1; same && i < want.length; i++) same = want[i] == have[i] || have[i] < 0;
			if (!same) {
				throw new IllegalArgumentException("The CAV of '" + v.concept() + "' was found in layer '" + v.layer() + "' of shape " + Arrays.toString(want)
					+ ", but this model's layer is " + Arrays.toString(have) + "; use the model the CAVs were made with.");
			}
		}
	}

	private static LayerInfo layer(Classifier classifier, String name) {
		return classifier.layers().stream().filter(l -> l.name().equals(name)).findFirst().orElseThrow(() -> new IllegalArgumentException(
			"Unknown layer '" + name + "'. Layers of this model: " + classifier.layers().stream().map(LayerInfo::name).toList() + "."));
	}

	/**
	 * A linear SVM, w = sum_q coefficients[q] x_rows[q] over its training rows (rows of the Gram
	 * view it was fitted on), its intercept, |w| and its held-out accuracy.
	 */
	record Trained(int[] rows, double[] coefficients, double intercept, double norm, double accuracy) {

		/** w itself, built from the rows (each feature summed in row order). */
		double[] weights(Gram dots) {
			double[] share = new double[dots.p + dots.m];
			for (int q = 0; q < rows.length; q++) share[rows[q]] += coefficients[q];
			return dots.combination(share);
		}
	}

	/**
	 * The SVM separating positives (label +1) from negatives (-1), rows of {@code dots}, stratified
	 * 2/3 for training, with its held-out accuracy; the SGD, the accuracy and |w| read the rows' dot
	 * products only.
	 */
	static Trained train(Gram dots, int[] pos, int[] neg, long seed) {
		return train(dots, pos, neg, seed, new FitSpace());
	}

	/** A thread's space for the products its fits gather, reused from fit to fit (then it is in the cache). */
	static final class FitSpace {

		private double[] products = new double[0];

		double[] products(int size) {
			if (products.length < size) products = new double[size];
			return products;
		}
	}

	static Trained train(Gram dots, int[] pos, int[] neg, long seed, FitSpace space) {
		int np = pos.length, nn = neg.length, n = np + nn;
		// positions 0..np-1 are the positives, np..n-1 the negatives, as in one matrix with the positives first
		SplittableRandom rnd = new SplittableRandom(seed);
		int[] posRows = shuffled(positions(0, np), rnd);
		int[] negRows = shuffled(positions(np, n), rnd);
		int[] held = heldOut(np, nn, rnd);
		int posTest = held[0], negTest = held[1];
		int nt = n - posTest - negTest;
		// the training positions (positives, then negatives), then the held-out ones
		int[] ordered = new int[n];
		System.arraycopy(posRows, posTest, ordered, 0, np - posTest);
		System.arraycopy(negRows, negTest, ordered, np - posTest, nn - negTest);
		System.arraycopy(posRows, 0, ordered, nt, posTest);
		System.arraycopy(negRows, 0, ordered, nt + posTest, negTest);
		int[] row = new int[n];
		for (int i = 0; i < n; i++) row[i] = ordered[i] < np ? pos[ordered[i]] : neg[ordered[i] - np];
		// each row's products with the training rows, at k[i * nt ..]: the training rows first, then the held-out ones
		double[] k = space.products(n * nt);
		double[][] all = dots.products();
		for (int i = 0; i < n; i++) {
			double[] products = all[row[i]];
			int o = i * nt;
			for (int q = 0; q < nt; q++) k[o + q] = products[row[q]];
		}
		int[] labels = new int[nt];
		for (int q = 0; q < nt; q++) labels[q] = ordered[q] < np ? 1 : -1;
		LinearSvm.Model m = LinearSvm.fit(k, labels, rnd.nextLong());
		int correct = 0;
		for (int i = nt; i < n; i++) if (m.decision(k, i * nt) > 0 == ordered[i] < np) correct++;
		double[] c = m.coefficients();
		double norm2 = 0; // |w|^2 = sum_q c_q (w . x_q) = sum_q c_q sum_i c_i (x_i . x_q)
		for (int q = 0; q < nt; q++) {
			double wq = 0;
			for (int i = 0; i < nt; i++) wq += c[i] * k[q * nt + i];
			norm2 += c[q] * wq;
		}
		return new Trained(Arrays.copyOf(row, nt), c, m.intercept(), Math.sqrt(Math.max(0, norm2)), correct / (double) (n - nt));
	}

	/**
	 * Held-out positives and negatives, as scikit-learn's train_test_split(test_size=0.33,
	 * stratify=labels) in the TCAV code: ceil(0.33 n) rows held out in all; the n minus that training
	 * rows are shared out by class first, then the held-out ones among the rows left ({@link #share}).
	 */
	static int[] heldOut(int np, int nn, SplittableRandom rnd) {
		int n = np + nn, test = (int) Math.ceil(TEST_FRACTION * n);
		int[] train = share(np, nn, n - test, rnd);
		return share(np - train[0], nn - train[1], test, rnd);
	}

	/**
	 * {@code draws} rows shared out between two classes of {@code a} and {@code b} rows as
	 * scikit-learn's stratified split does (its approximate mode of the hypergeometric): each class its
	 * proportional share rounded down, the rows still missing to the larger remainders, a tie to a
	 * class drawn from {@code rnd}. The shares are computed as it computes them (count / total * draws).
	 */
	static int[] share(int a, int b, int draws, SplittableRandom rnd) {
		double ca = a / (double) (a + b) * draws, cb = b / (double) (a + b) * draws;
		int[] out = { (int) Math.floor(ca), (int) Math.floor(cb) };
		double ra = ca - out[0], rb = cb - out[1];
		for (int need = draws - out[0] - out[1]; need > 0; need--) {
			int k = ra > rb ? 0 : rb > ra ? 1 : need == 2 ? 0 : rnd.nextInt(2);
			out[k]++;
			if (k == 0) ra = -1;
			else rb = -1;
		}
		return out;
	}

	/** first, first + 1, .., last - 1. */
	private static int[] positions(int first, int last) {
		int[] a = new int[last - first];
		for (int i = 0; i < a.length; i++) a[i] = first + i;
		return a;
	}

	/**
	 * The CAV: the mean of the runs' unit normals, sum_r w_r / (|w_r| runs), built from the view's
	 * rows once, as a unit vector.
	 */
	private static float[] cav(Trained[] trained, Gram view, int rows) {
		int runs = trained.length;
		double[] share = new double[rows];
		for (Trained t : trained) {
			if (t.norm() > 0) for (int q = 0; q < t.rows().length; q++) share[t.rows()[q]] += t.coefficients()[q] / t.norm() / runs;
		}
		double[] u = unit(view.combination(share));
		float[] cav = new float[view.d];
		for (int j = 0; j < cav.length; j++) cav[j] = (float) u[j];
		return cav;
	}

	/** A run's directional derivatives g_i . w = sum_q c_q (g_i . x_q), from the inputs' products with the view's rows. */
	static double[] sensitivities(Trained t, Gram.InputDots g) {
		double[] s = new double[g.n()];
		double[][] all = g.products();
		for (int i = 0; i < s.length; i++) {
			double v = 0;
			for (int q = 0; q < t.rows().length; q++) v += t.coefficients()[q] * all[i][t.rows()[q]];
			s[i] = v;
		}
		return s;
	}

	/** Fraction of inputs with a positive directional derivative (the TCAV score). */
	static double sensitivityScore(double[] s) {
		int positive = 0;
		for (double v : s) if (v > 0) positive++;
		return positive / (double) s.length;
	}

	/** Captum's magnitude score: sum of the positive derivatives over the sum of their absolute values (NaN when all are 0). */
	static double magnitude(double[] s) {
		double pos = 0, abs = 0;
		for (double v : s) {
			pos += Math.max(v, 0);
			abs += Math.abs(v);
		}
		return abs > 0 ? pos / abs : Double.NaN;
	}

	/** Two-sided Student t-test with equal variances; 1 (nothing to reject) when it is undefined (both samples constant and equal). */
	static double pValue(double[] a, double[] b) {
		double p;
		if (std(a) == 0 && std(b) == 0) p = mean(a) == mean(b) ? 1 : 0;
		else p = new TTest().homoscedasticTTest(a, b);
		return Double.isNaN(p) ? 1 : p;
	}

	static double mean(double[] v) {
		double s = 0;
		for (double x : v) s += x;
		return s / v.length;
	}

	/** Population standard deviation (numpy's default, what the TCAV code prints). */
	static double std(double[] v) {
		double m = mean(v), s = 0;
		for (double x : v) s += (x - m) * (x - m);
		return Math.sqrt(s / v.length);
	}

	private static double[] unit(double[] v) {
		double norm = 0;
		for (double x : v) norm += x * x;
		norm = Math.sqrt(norm);
		double[] u = new double[v.length];
		for (int i = 0; i < v.length; i++) u[i] = norm > 0 ? v[i] / norm : 0;
		return u;
	}

	private static int[] permutation(int n, SplittableRandom rnd) {
		return shuffled(positions(0, n), rnd);
	}

	private static int[] shuffled(int[] a, SplittableRandom rnd) {
		for (int i = a.length - 1; i > 0; i--) {
			int k = rnd.nextInt(i + 1), t = a[i];
			a[i] = a[k];
			a[k] = t;
		}
		return a;
	}

	private static int[] filled(int n, int v) {
		int[] a = new int[n];
		Arrays.fill(a, v);
		return a;
	}

	private static void checkCancel(Progress progress, AtomicLong done, long total) {
		if (!progress.report(done.get(), total, "tcav")) throw new CancellationException("TCAV cancelled.");
	}

	private static void report(Progress progress, long done, long total) {
		progress.report(done, total, "tcav");
	}
}
