package org.conceptscope.metrics;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.stream.Stream;

import org.conceptscope.attribution.Attribution;
import org.conceptscope.attribution.AttributionMethod;
import org.conceptscope.model.Classifier;
import org.conceptscope.model.ModelConfig;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.train.CnnArchitecture;
import org.conceptscope.train.CnnTrainer;
import org.conceptscope.train.SavedModelExport;
import org.conceptscope.train.TrainingOptions;
import org.conceptscope.util.Limits;
import org.conceptscope.util.Progress;

/**
 * MeGe and ReCo (Fel, Vigouroux, Cadene, Serre, WACV 2022, "How good is your explanation?
 * Algorithmic stability measures to assess the quality of explanations for deep neural
 * networks"): how stable explanations are across models trained on overlapping data. The data
 * is split into k folds (seeded); model f is trained with the project's Java trainer on every
 * fold but f. Each image of fold f is explained by model f (which never saw it) and by every
 * other model (which did): each such pair of maps has the Spearman distance
 * d = sqrt(1 - |rho|) in [0, 1], rho the rank correlation of the two maps. The pairs fall in two
 * sets: S= where both models predict the true class, S!= where exactly one does; pairs where
 * both are wrong are in neither (agreeing or not).
 * <ul>
 * <li>MeGe = 1 / (1 + mean d over S=): 1 when an explanation does not depend on whether the
 * image was in training; 0.5 at worst.</li>
 * <li>ReCo = max over thresholds g of (TPR + TNR - 1), positives being S!= pairs with d >= g and
 * negatives S= pairs with d < g: how well explanation distance tells a right model from a wrong
 * one, in [0, 1] (0 when either set is empty).</li>
 * </ul>
 * The sets, the distance and the exclusion of undefined pairs follow Xplique's MeGe
 * (deel-ai/xplique, metrics/representativity.py, by the paper's first author): the paper's S!=
 * is "one model right, the other wrong", and its distance takes |rho| (a map and its negation
 * count as the same explanation) under a square root. A constant map has no ranks, so its rank
 * correlation is undefined: such pairs are left out of both sets and counted
 * ({@link Result#undefinedPairs}), as Xplique drops their NaN distances, instead of turning MeGe
 * into NaN or biasing ReCo's rates. Each explanation targets the image's true label, as in the
 * paper and in Xplique (a model that is wrong is still asked why it should say the label).
 */
public final class MegeReco {

	/**
	 * Both measures with the pair counts behind them: S= and S!= pairs, and pairs that would have
	 * been in one of them but have no distance because a map is constant. MeGe is NaN when S= is
	 * empty.
	 */
	public record Result(String method, double mege, double reco, int samePairs, int differentPairs, int undefinedPairs,
		double[] foldAccuracy) {}

	/** Distances of the S= and S!= pairs and the number of pairs left out for a constant map. */
	record Pairs(List<Double> same, List<Double> different, int undefined) {

		double mege() {
			return 1 / (1 + same.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN));
		}

		double reco() {
			return MegeReco.reco(same, different);
		}
	}

	private final CnnArchitecture architecture;
	private final TrainingOptions training;
	private final int folds;

	/**
	 * The architecture the k models are trained with, for a model to evaluate explanations of:
	 * {@code explicit} when given (the short form of {@link CnnArchitecture#parse}), else the
	 * {@code metadata.architecture} line a ConceptScope-trained model carries in its
	 * conceptscope.json, checked against the model's own weights. Input size and classes are the
	 * model's.
	 *
	 * @throws IllegalArgumentException when neither is there, or they do not fit the model
	 */
	public static CnnArchitecture architectureFor(TensorFlowClassifier model, String explicit) {
		long[] in = model.signature().input().shape();
		if (in.length != 4 || in[1] < 1 || in[2] < 1 || in[3] < 1) {
			throw new IllegalArgumentException("MeGe/ReCo train models of a fixed input size, but this model's input is "
				+ java.util.Arrays.toString(in) + ".");
		}
		int h = (int) in[1], w = (int) in[2], c = (int) in[3], k = model.numClasses();
		if (explicit != null && !explicit.isBlank()) return CnnArchitecture.parse(explicit, h, w, c, k);
		Object line = model.config().metadata.get("architecture");
		if (!(line instanceof String text) || text.isBlank()) {
			throw new IllegalArgumentException("MeGe/ReCo retrain the model's architecture on folds of your images, but this model's "
				+ ModelConfig.FILE_NAME + " does not record one (metadata.architecture, written for models ConceptScope trains): give it,"
				+ " e.g. architecture=[" + CnnArchitecture.EXAMPLE + "].");
		}
		CnnArchitecture a;
		try {
			a = CnnArchitecture.parse(text, h, w, c, k);
		} catch (IllegalArgumentException e) {
			throw new IllegalArgumentException("The model's " + ModelConfig.FILE_NAME + " records an architecture MeGe/ReCo cannot use: "
				+ e.getMessage() + " Give architecture=[...] instead.", e);
		}
		List<String> vars = model.variables();
		for (CnnArchitecture.Parameter p : a.parameters()) {
			if (!vars.contains(p.name())) continue;
			long[] actual = model.variable(p.name()).shape();
			if (!java.util.Arrays.equals(actual, p.shape())) {
				throw new IllegalArgumentException("The model's " + ModelConfig.FILE_NAME + " records '" + text + "', but its weight "
					+ p.name() + " is " + java.util.Arrays.toString(actual) + ", not " + java.util.Arrays.toString(p.shape())
					+ ": give architecture=[...] for the models MeGe/ReCo should train.");
			}
		}
		return a;
	}

	public MegeReco(CnnArchitecture architecture, TrainingOptions training, int folds) {
		if (folds < 2) throw new IllegalArgumentException("MeGe/ReCo need at least 2 folds (default 4).");
		this.architecture = architecture;
		this.training = training;
		this.folds = folds;
	}

	/**
	 * Trains the k models once and evaluates every method on them: {@link #folds}, {@link #trainFold}
	 * for each fold, then {@link #part} over all images. A cluster runs the same three steps, the
	 * folds and the parts of the images as parallel tasks, and merges the parts.
	 */
	public List<Result> evaluate(FloatTensor images, int[] labels, List<AttributionMethod> methods, Progress progress) {
		return evaluate(images, labels, eachOwn((int) images.dim(0)), methods, progress);
	}

	/**
	 * {@link #evaluate(FloatTensor, int[], List, Progress)} where several images may come from one
	 * source (the tiles of one slice): a source's images share a fold ({@link #folds(int[])}).
	 */
	public List<Result> evaluate(FloatTensor images, int[] labels, int[] sources, List<AttributionMethod> methods, Progress progress) {
		int n = (int) images.dim(0);
		checkLabels(labels, n);
		if (sources.length != n) throw new IllegalArgumentException(sources.length + " sources for " + n + " images.");
		int[] fold = folds(sources);
		checkHeap(images, java.util.Arrays.stream(sources).max().orElse(-1) + 1);
		Path dir;
		try {
			dir = Files.createTempDirectory("conceptscope-mege");
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
		List<TensorFlowClassifier> models = new ArrayList<>();
		long total = (long) folds * training.steps() + (long) methods.size() * folds;
		try {
			for (int f = 0; f < folds; f++) {
				long base = (long) f * training.steps();
				Path modelDir = dir.resolve("fold-" + f);
				trainFold(images, labels, fold, f, modelDir, (d, t, what) -> progress.report(base + d, total, what));
				models.add(TensorFlowClassifier.load(modelDir));
			}
			long base = (long) folds * training.steps();
			return part(models, images, labels, fold, methods, (d, t, what) -> progress.report(base + d, total, what)).results();
		} finally {
			models.forEach(TensorFlowClassifier::close);
			deleteQuietly(dir);
		}
	}

	/**
	 * Heap bytes an image adds at the peak of {@link #part}, while a method explains all images with the last of the
	 * {@code models} fold models: every model's map of it (one float a pixel), and the method's own work on it, counted as
	 * a gradient methods make (the input gradient and its absolute or accumulated copy, one float a value each, and the
	 * map it returns); 256 bytes for its predictions, pair distances and metadata. The images themselves are already
	 * held, and training needs less (a copy of some of them).
	 */
	public static long bytesPerImage(long pixels, long values, int models) {
		return 4 * ((models + 1) * pixels + 2 * values) + 256;
	}

	/**
	 * Refuses, before any model is trained, images whose explanations the heap cannot hold at {@link #part}'s peak
	 * ({@link #bytesPerImage}), in {@link Limits#checkImagesHeap}'s sentence: a run that does not fit would otherwise
	 * train every fold model and then run out of memory at the first explanation.
	 *
	 * @param sources how many images the tiles came from
	 */
	void checkHeap(FloatTensor images, int sources) {
		long n = images.dim(0), pixels = images.dim(1) * images.dim(2);
		String what = "The " + n + (sources < n ? " tiles (of " + sources + " image(s))" : " images");
		Limits.checkImagesHeap(what, n, 0, bytesPerImage(pixels, images.stride0(), folds), "MeGe/ReCo's explanations (each image's map by"
			+ " each of the " + folds + " fold models, and a method's work on every image at once)", (sources < n ? "tiles" : "images")
			+ " (a folder of fewer or smaller images; fewer folds also need less)");
	}

	/**
	 * The fold of each of {@code n} images, seeded by the training seed: fold f's model never sees
	 * its images. The same for every caller, so tasks that each see some images agree on it.
	 */
	public int[] folds(int n) {
		return folds(eachOwn(n));
	}

	/**
	 * The fold of each image when images share sources (numbered 0, 1, ...; e.g. the tiles of one
	 * slice): the sources are dealt into folds as {@link #folds(int)} deals images, and an image
	 * takes its source's fold, so no model sees a part of an image it is asked to explain unseen.
	 * Where every image is its own source, the folds are {@link #folds(int)}'s.
	 */
	public int[] folds(int[] sources) {
		int n = 0;
		for (int src : sources) {
			if (src < 0) throw new IllegalArgumentException("Source " + src + " is not a source index.");
			n = Math.max(n, src + 1);
		}
		if (n < 2 * folds) {
			throw new IllegalArgumentException("MeGe/ReCo need at least " + 2 * folds + " images for " + folds + " folds" + (n < sources.length
				? " (the tiles of one image count once, since they share a fold), and the folder holds " + n : "") + ".");
		}
		Integer[] order = new Integer[n];
		for (int i = 0; i < n; i++) order[i] = i;
		java.util.Collections.shuffle(java.util.Arrays.asList(order), new Random(training.seed()));
		int[] foldOfSource = new int[n];
		for (int r = 0; r < n; r++) foldOfSource[order[r]] = r % folds;
		int[] fold = new int[sources.length];
		for (int i = 0; i < sources.length; i++) fold[i] = foldOfSource[sources[i]];
		return fold;
	}

	/** 0, 1, ..., n - 1: every image its own source. */
	private static int[] eachOwn(int n) {
		return java.util.stream.IntStream.range(0, n).toArray();
	}

	/**
	 * Trains model f on the images of every other fold (seed: the training seed + f) and writes it
	 * to {@code modelDir} as a SavedModel. Progress counts the training steps.
	 */
	public void trainFold(FloatTensor images, int[] labels, int[] fold, int f, Path modelDir, Progress progress) {
		checkLabels(labels, (int) images.dim(0));
		if (fold.length != labels.length || f < 0 || f >= folds) throw new IllegalArgumentException("Fold " + f + " of " + folds + ".");
		TrainingOptions opt = new TrainingOptions(training.steps(), training.batchSize(), training.learningRate(), training.seed() + f);
		String what = "training model " + (f + 1) + " of " + folds;
		Map<String, FloatTensor> w = CnnTrainer.train(architecture, select(images, fold, f, false), selectLabels(labels, fold, f, false), opt,
			(d, t, msg) -> progress.report(d, training.steps(), what));
		ModelConfig config = new ModelConfig();
		config.name = "fold-" + f;
		try {
			SavedModelExport.export(architecture, w, config, modelDir);
		} catch (IOException e) {
			throw new UncheckedIOException("Could not write fold model " + f + " to " + modelDir + ": " + e.getMessage(), e);
		}
	}

	/**
	 * What some images contribute: each image is explained (for its true label) by every fold
	 * model, and its held-out model's map is paired with each other model's. Parts of one data set,
	 * computed anywhere, {@link Part#merge merge} into the whole's.
	 *
	 * @param models the fold models, model f trained without fold f
	 * @param fold the fold of each of these images
	 */
	public static Part part(List<? extends Classifier> models, FloatTensor images, int[] labels, int[] fold, List<AttributionMethod> methods,
		Progress progress) {
		int n = (int) images.dim(0), k = models.size();
		checkLabels(labels, n);
		if (fold.length != n) throw new IllegalArgumentException(fold.length + " folds for " + n + " images.");
		int[][] predictions = new int[k][];
		for (int j = 0; j < k; j++) predictions[j] = models.get(j).logits(images).argmaxRows();
		int[] correct = new int[k], heldOut = new int[k];
		for (int i = 0; i < n; i++) {
			heldOut[fold[i]]++;
			if (predictions[fold[i]][i] == labels[i]) correct[fold[i]]++;
		}
		List<String> names = new ArrayList<>();
		double[][] same = new double[methods.size()][], different = new double[methods.size()][];
		int[] undefined = new int[methods.size()];
		long total = (long) methods.size() * k;
		for (int mi = 0; mi < methods.size(); mi++) {
			AttributionMethod method = methods.get(mi);
			float[][][] maps = new float[k][][];
			for (int j = 0; j < k; j++) {
				long done = (long) mi * k + j;
				String what = "explaining with " + method.name() + ", model " + (j + 1) + " of " + k;
				if (!progress.report(done, total, what)) throw new CancellationException("MeGe/ReCo cancelled.");
				// the paper (and Xplique) explain the true label, whatever the model predicts
				Attribution a = method.explain(models.get(j), images, labels, (d, t, msg) -> progress.report(done, total, what));
				int per = a.maps().stride0();
				maps[j] = new float[n][];
				for (int i = 0; i < n; i++) maps[j][i] = java.util.Arrays.copyOfRange(a.maps().data(), i * per, (i + 1) * per);
			}
			Pairs p = pairs(maps, predictions, labels, fold);
			names.add(method.name());
			same[mi] = p.same().stream().mapToDouble(Double::doubleValue).toArray();
			different[mi] = p.different().stream().mapToDouble(Double::doubleValue).toArray();
			undefined[mi] = p.undefined();
		}
		return new Part(names, same, different, undefined, correct, heldOut);
	}

	/**
	 * Some images' share of the evaluation, per method: the distances of their S= and S!= pairs,
	 * their pairs without a distance; per fold model: how many of their held-out images it
	 * classifies right, of how many.
	 */
	public record Part(List<String> methods, double[][] same, double[][] different, int[] undefined, int[] correct, int[] heldOut)
		implements java.io.Serializable {

		/** The pairs of both parts' images (disjoint parts of one data set, same methods and models). */
		public Part merge(Part other) {
			if (!methods.equals(other.methods) || correct.length != other.correct.length) {
				throw new IllegalArgumentException("Parts of different evaluations: " + methods + " vs " + other.methods + ".");
			}
			double[][] s = new double[same.length][], d = new double[same.length][];
			int[] u = new int[same.length];
			for (int m = 0; m < same.length; m++) {
				s[m] = concat(same[m], other.same[m]);
				d[m] = concat(different[m], other.different[m]);
				u[m] = undefined[m] + other.undefined[m];
			}
			int[] c = correct.clone(), h = heldOut.clone();
			for (int f = 0; f < c.length; f++) {
				c[f] += other.correct[f];
				h[f] += other.heldOut[f];
			}
			return new Part(methods, s, d, u, c, h);
		}

		/** MeGe and ReCo of each method over the part's pairs, with each fold model's held-out accuracy. */
		public List<Result> results() {
			double[] accuracy = new double[correct.length];
			for (int f = 0; f < accuracy.length; f++) accuracy[f] = heldOut[f] == 0 ? Double.NaN : correct[f] / (double) heldOut[f];
			List<Result> out = new ArrayList<>();
			for (int m = 0; m < methods.size(); m++) {
				Pairs p = new Pairs(boxed(same[m]), boxed(different[m]), undefined[m]);
				out.add(new Result(methods.get(m), p.mege(), p.reco(), p.same().size(), p.different().size(), p.undefined(), accuracy.clone()));
			}
			return out;
		}

		private static double[] concat(double[] a, double[] b) {
			double[] c = java.util.Arrays.copyOf(a, a.length + b.length);
			System.arraycopy(b, 0, c, a.length, b.length);
			return c;
		}

		private static List<Double> boxed(double[] v) {
			return java.util.Arrays.stream(v).boxed().toList();
		}
	}

	private static void checkLabels(int[] labels, int n) {
		if (labels.length != n) throw new IllegalArgumentException(labels.length + " labels for " + n + " images.");
	}

	/**
	 * The pairs of one method's maps: maps[model][image] (flattened), predictions[model][image],
	 * image i held out by model fold[i]. Each image pairs its held-out model with every other.
	 */
	static Pairs pairs(float[][][] maps, int[][] predictions, int[] labels, int[] fold) {
		List<Double> same = new ArrayList<>(), different = new ArrayList<>();
		int undefined = 0;
		for (int i = 0; i < labels.length; i++) {
			int f = fold[i];
			for (int j = 0; j < maps.length; j++) {
				if (j == f) continue;
				boolean fCorrect = predictions[f][i] == labels[i], jCorrect = predictions[j][i] == labels[i];
				if (!fCorrect && !jCorrect) continue; // neither set: no right answer to be consistent about
				double d = distance(maps[f][i], maps[j][i]);
				if (Double.isNaN(d)) undefined++;
				else if (fCorrect && jCorrect) same.add(d);
				else different.add(d);
			}
		}
		return new Pairs(same, different, undefined);
	}

	/** sqrt(1 - |Spearman rho|) of two maps; NaN when either is constant (no ranks to correlate). */
	static double distance(float[] a, float[] b) {
		double rho = Spearman.correlation(toDouble(a), toDouble(b));
		// rounding can put |rho| a hair above 1
		return Double.isNaN(rho) ? Double.NaN : Math.sqrt(Math.max(0, 1 - Math.abs(rho)));
	}

	/** max over thresholds of TPR + TNR - 1; 0 when one of the groups is empty. */
	static double reco(List<Double> same, List<Double> different) {
		if (same.isEmpty() || different.isEmpty()) return 0;
		List<Double> thresholds = new ArrayList<>(same);
		thresholds.addAll(different);
		thresholds.add(Double.POSITIVE_INFINITY);
		double best = 0;
		for (double g : thresholds) {
			double tpr = different.stream().filter(d -> d >= g).count() / (double) different.size();
			double tnr = same.stream().filter(d -> d < g).count() / (double) same.size();
			best = Math.max(best, tpr + tnr - 1);
		}
		return best;
	}

	private static FloatTensor select(FloatTensor images, int[] fold, int f, boolean in) {
		return images.rows(java.util.stream.IntStream.range(0, fold.length).filter(i -> (fold[i] == f) == in).toArray());
	}

	private static int[] selectLabels(int[] labels, int[] fold, int f, boolean in) {
		return java.util.stream.IntStream.range(0, labels.length).filter(i -> (fold[i] == f) == in).map(i -> labels[i]).toArray();
	}

	private static double[] toDouble(float[] v) {
		double[] d = new double[v.length];
		for (int i = 0; i < v.length; i++) d[i] = v[i];
		return d;
	}

	private static void deleteQuietly(Path dir) {
		try (Stream<Path> s = Files.walk(dir)) {
			s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
		} catch (IOException e) {
			// a leftover temporary folder is harmless
		}
	}
}
