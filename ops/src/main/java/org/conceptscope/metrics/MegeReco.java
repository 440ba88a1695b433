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
import org.conceptscope.model.ModelConfig;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.train.CnnArchitecture;
import org.conceptscope.train.CnnTrainer;
import org.conceptscope.train.SavedModelExport;
import org.conceptscope.train.TrainingOptions;
import org.conceptscope.util.Progress;

/**
 * MeGe and ReCo (Fel, Vigouroux et al. 2022): how stable explanations are across models trained
 * on overlapping data. The data is split into k folds (seeded); model f is trained with the
 * project's Java trainer on every fold but f. Each image of fold f is explained by model f (which
 * never saw it) and by every other model (which did); each such pair gives a distance
 * d = (1 - Spearman(map_f, map_j)) / 2 in [0, 1].
 * <ul>
 * <li>MeGe = 1 / (1 + mean d over pairs where both models predict the true class): 1 when an
 * explanation does not depend on whether the image was in training.</li>
 * <li>ReCo = max over thresholds g of (TPR + TNR - 1), positives being pairs with different
 * predictions (d >= g) and negatives pairs with the same correct prediction (d < g): how well
 * explanation distance tells agreeing models from disagreeing ones, in [0, 1].</li>
 * </ul>
 * Each explanation targets the class the explaining model predicts.
 */
public final class MegeReco {

	/** Both measures with the pair counts behind them. */
	public record Result(String method, double mege, double reco, int samePairs, int differentPairs, double[] foldAccuracy) {}

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

	/** Trains the k models once and evaluates every method on them. */
	public List<Result> evaluate(FloatTensor images, int[] labels, List<AttributionMethod> methods, Progress progress) {
		int n = (int) images.dim(0);
		if (labels.length != n) throw new IllegalArgumentException(labels.length + " labels for " + n + " images.");
		if (n < 2 * folds) throw new IllegalArgumentException("MeGe/ReCo need at least " + 2 * folds + " images for " + folds + " folds.");
		int[] fold = assignFolds(n);
		Path dir;
		try {
			dir = Files.createTempDirectory("conceptscope-mege");
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
		List<TensorFlowClassifier> models = new ArrayList<>();
		long total = (long) folds * training.steps() + (long) methods.size() * folds;
		try {
			double[] accuracy = new double[folds];
			for (int f = 0; f < folds; f++) {
				FloatTensor train = select(images, fold, f, false);
				int[] trainLabels = selectLabels(labels, fold, f, false);
				TrainingOptions opt = new TrainingOptions(training.steps(), training.batchSize(), training.learningRate(), training.seed() + f);
				long base = (long) f * training.steps();
				String what = "training model " + (f + 1) + " of " + folds;
				Map<String, FloatTensor> w = CnnTrainer.train(architecture, train, trainLabels, opt,
					(d, t, msg) -> progress.report(base + d, total, what));
				ModelConfig config = new ModelConfig();
				config.name = "fold-" + f;
				Path modelDir = dir.resolve("fold-" + f);
				try {
					SavedModelExport.export(architecture, w, config, modelDir);
				} catch (IOException e) {
					throw new UncheckedIOException("Could not write fold model " + f + " to " + modelDir + ": " + e.getMessage(), e);
				}
				TensorFlowClassifier m = TensorFlowClassifier.load(modelDir);
				models.add(m);
				accuracy[f] = CnnTrainer.accuracy(m.logits(select(images, fold, f, true)), selectLabels(labels, fold, f, true));
			}
			int[][] predictions = new int[folds][];
			for (int j = 0; j < folds; j++) predictions[j] = models.get(j).logits(images).argmaxRows();
			List<Result> results = new ArrayList<>();
			for (int mi = 0; mi < methods.size(); mi++) {
				long base = (long) folds * training.steps() + (long) mi * folds;
				results.add(evaluate(methods.get(mi), images, labels, fold, models, predictions, accuracy, base, total, progress));
			}
			return results;
		} finally {
			models.forEach(TensorFlowClassifier::close);
			deleteQuietly(dir);
		}
	}

	private Result evaluate(AttributionMethod method, FloatTensor images, int[] labels, int[] fold, List<TensorFlowClassifier> models,
		int[][] predictions, double[] accuracy, long base, long total, Progress progress) {
		float[][][] maps = new float[folds][][];
		for (int j = 0; j < folds; j++) {
			long done = base + j;
			String what = "explaining with " + method.name() + ", model " + (j + 1) + " of " + folds;
			if (!progress.report(done, total, what)) throw new CancellationException("MeGe/ReCo cancelled.");
			Attribution a = method.explain(models.get(j), images, predictions[j], (d, t, msg) -> progress.report(done, total, what));
			int per = a.maps().stride0();
			maps[j] = new float[labels.length][];
			for (int i = 0; i < labels.length; i++) maps[j][i] = java.util.Arrays.copyOfRange(a.maps().data(), i * per, (i + 1) * per);
		}
		List<Double> same = new ArrayList<>(), different = new ArrayList<>();
		for (int i = 0; i < labels.length; i++) {
			int f = fold[i];
			for (int j = 0; j < folds; j++) {
				if (j == f) continue;
				double d = (1 - Spearman.correlation(toDouble(maps[f][i]), toDouble(maps[j][i]))) / 2;
				boolean fCorrect = predictions[f][i] == labels[i], jCorrect = predictions[j][i] == labels[i];
				if (fCorrect && jCorrect) same.add(d);
				else if (predictions[f][i] != predictions[j][i]) different.add(d);
			}
		}
		double mean = same.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
		return new Result(method.name(), 1 / (1 + mean), reco(same, different), same.size(), different.size(), accuracy.clone());
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

	private int[] assignFolds(int n) {
		Integer[] order = new Integer[n];
		for (int i = 0; i < n; i++) order[i] = i;
		java.util.Collections.shuffle(java.util.Arrays.asList(order), new Random(training.seed()));
		int[] fold = new int[n];
		for (int r = 0; r < n; r++) fold[order[r]] = r % folds;
		return fold;
	}

	private static FloatTensor select(FloatTensor images, int[] fold, int f, boolean in) {
		List<FloatTensor> parts = new ArrayList<>();
		for (int i = 0; i < fold.length; i++) if ((fold[i] == f) == in) parts.add(images.slice(i));
		return FloatTensor.concat(parts);
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
