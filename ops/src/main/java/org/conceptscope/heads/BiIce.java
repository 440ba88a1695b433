package org.conceptscope.heads;

import static org.conceptscope.util.Limits.readableSize;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.conceptscope.model.Classifier;
import org.conceptscope.model.LayerInfo;
import org.conceptscope.model.ModelConfig;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.tensor.Resampling;
import org.conceptscope.train.SavedModelExport;
import org.conceptscope.train.SupervisedTrainer;
import org.conceptscope.train.TrainingOptions;
import org.conceptscope.util.Limits;
import org.conceptscope.util.Progress;
import org.conceptscope.util.Seeds;

/**
 * Bi-ICE (bidirectional interaction between concepts and input embeddings) head on a frozen
 * backbone: K learnable concepts, per-concept contributions to each decision and per-concept
 * location maps (each patch's term of the concept's activation), and the concept embeddings' change per epoch
 * during training (convergence). The computation is the one of {@link BiIceGraph}, evaluated in
 * Java for explanations.
 */
public final class BiIce implements InterpretableHead {

	static final String NAME = "bi_ice";
	/** Default weight of the L1 penalty on the concepts' channel directions (mean absolute entry). */
	public static final double DEFAULT_SPARSITY = 0.01;
	/**
	 * Rounds of bidirectional binding the registry, the op and the commands default to: 3, the iterative
	 * binding of the published model (3 is also slot attention's count, which the authors' concept binding
	 * follows). Both sides are layer-normalised before each round, so the maps stay informative
	 * (BiIceOnIhcTest); 1 is the static interaction.
	 */
	public static final int DEFAULT_ITERATIONS = 3;

	/** Metadata value of the binding with layer norms (heads saved before it are refused on loading). */
	static final String BINDING = "layer-normalised";

	/** Metadata key of the epochs the convergence values stand at (heads saved before it: 1, 2, ...). */
	static final String CONVERGENCE_EPOCHS = "convergence_epochs";

	private final Map<String, FloatTensor> weights;
	private final String layer;
	private final int h, w, c, d, k, classes, iterations;
	private final double[] convergence, convergenceEpochs;

	private BiIce(Map<String, FloatTensor> weights, String layer, int h, int w, int c, int d, int k, int classes, double[] convergence,
		double[] convergenceEpochs, int iterations) {
		this.iterations = iterations;
		this.weights = weights;
		this.layer = layer;
		this.h = h;
		this.w = w;
		this.c = c;
		this.d = d;
		this.k = k;
		this.classes = classes;
		this.convergence = convergence;
		this.convergenceEpochs = convergenceEpochs;
	}

	/** Trains K concepts of dimension d on the backbone's spatial layer; an epoch is one shuffled pass over the images. */
	public static BiIce train(Classifier backbone, String layer, FloatTensor images, int[] labels, int concepts, int dimension,
		TrainingOptions opt, Progress progress) {
		checkMemory(backbone, layer, concepts, dimension, (int) images.dim(0), opt.batchSize(), null); // before the images go through the backbone
		return train(spatialActivations(backbone, layer, images, "Bi-ICE"), layer, labels, backbone.numClasses(), concepts, dimension,
			DEFAULT_SPARSITY, opt, progress);
	}

	/** The same with {@code iterations} rounds of bidirectional binding. */
	public static BiIce train(Classifier backbone, String layer, FloatTensor images, int[] labels, int concepts, int dimension, int iterations,
		TrainingOptions opt, Progress progress) {
		checkMemory(backbone, layer, concepts, dimension, (int) images.dim(0), opt.batchSize(), null);
		return train(spatialActivations(backbone, layer, images, "Bi-ICE"), layer, labels, backbone.numClasses(), concepts, dimension,
			DEFAULT_SPARSITY, iterations, opt, progress);
	}

	/**
	 * Trains K concepts of dimension d on feature maps [N, h, w, c] of layer {@code layer}, labels in
	 * 0..classes-1, with an L1 penalty of weight {@code sparsity} on the concepts' channel directions.
	 */
	public static BiIce train(FloatTensor f, String layer, int[] labels, int classes, int concepts, int dimension, double sparsity,
		TrainingOptions opt, Progress progress) {
		return train(f, layer, labels, classes, concepts, dimension, sparsity, DEFAULT_ITERATIONS, opt, progress);
	}

	/** The same with {@code iterations} rounds of bidirectional binding (1: the static interaction). */
	public static BiIce train(FloatTensor f, String layer, int[] labels, int classes, int concepts, int dimension, double sparsity,
		int iterations, TrainingOptions opt, Progress progress) {
		checkSizes(concepts, dimension, iterations);
		if (!(sparsity >= 0)) throw new IllegalArgumentException("The sparsity weight must be 0 or more, got " + sparsity + ".");
		int h = (int) f.dim(1), w = (int) f.dim(2), c = (int) f.dim(3), n = (int) f.dim(0);
		int epoch = SupervisedTrainer.Epochs.steps(n, opt.batchSize()), batch = SupervisedTrainer.Epochs.largestStep(n, opt.batchSize());
		// before the loop: the feature maps are on the heap now, so what is left counts them
		checkMemory(layer, h, w, c, concepts, dimension, classes, batch, null, InfoDisent.availableNativeMemory(),
			Limits.heapLeft(heapBytes(h, w, c, concepts, dimension, classes, batch)));
		Map<String, FloatTensor> init = BiIceGraph.initialWeights(c, dimension, concepts, classes, Seeds.stream(opt.seed(),
			HeadTraining.WEIGHTS_STREAM));
		// the change over each epoch as the snapshots come: only the last one is kept (all of them took 16 MB each at the largest sizes)
		List<Double> changes = new ArrayList<>();
		double[][] previous = { null };
		SupervisedTrainer.Trained t = SupervisedTrainer.trainInEpochs(g -> new BiIceGraph(g, h, w, c, dimension, concepts, classes, sparsity,
			iterations, init), f, labels, classes, opt, progress, "concepts", epoch, Seeds.stream(opt.seed(), HeadTraining.BATCH_STREAM),
			snapshot -> {
				double[] a = centred(snapshot.data(), concepts, dimension), b = previous[0];
				previous[0] = a;
				if (b == null) return;
				double s = 0;
				for (int j = 0; j < a.length; j++) s += (a[j] - b[j]) * (a[j] - b[j]);
				changes.add(Math.sqrt(s));
			});
		double[] change = changes.stream().mapToDouble(Double::doubleValue).toArray(), epochs = epochEnds(change.length, opt.steps(), epoch);
		return new BiIce(t.weights(), layer, h, w, c, dimension, concepts, classes, change, epochs, iterations);
	}

	/**
	 * Peak native (TensorFlow) bytes of a training step, about: the binding's elementwise products are
	 * [batch, h w, K, d] tensors, and a step held 4.1 to 5.3 times one of them at its peak (measured on
	 * 1, 3 and 5 rounds: TensorFlow frees each round's products once they are summed), counted here as 6;
	 * plus the batch's features and embeddings, the concepts per image and the weights with Adam's two
	 * moments, each with its gradient.
	 */
	public static long nativeBytes(int h, int w, int c, int k, int d, int batch) {
		double p = Math.max(1, h) * (double) Math.max(1, w), products = 6.0 * batch * p * k * d;
		double rest = 2.0 * (batch * p * (c + 2.0 * d) + 2.0 * batch * k * d + 3.0 * ((double) c * d + (double) k * d));
		return (long) Math.min(Long.MAX_VALUE / 2, 4 * (products + rest));
	}

	/**
	 * Java heap bytes Bi-ICE needs beside the feature maps: the initial and trained weights (floats),
	 * a batch's copy of the features (and TensorFlow's input copy of it), the convergence record's last
	 * snapshot (floats) and the centred last two (doubles), and the evaluation of one image after
	 * training ({@link #rounds}: embeddings, scores, attention and assignment in doubles).
	 */
	public static long heapBytes(int h, int w, int c, int k, int d, int classes, int batch) {
		double p = Math.max(1, h) * (double) Math.max(1, w);
		double weights = 2.0 * 4 * ((double) c * d + (double) k * d + (double) k * classes + classes);
		double input = 2.0 * 4 * batch * p * c, snapshots = (4.0 + 2 * 8) * k * d;
		return (long) Math.min(Long.MAX_VALUE / 2, weights + input + snapshots + evaluationBytes(h, w, k, d));
	}

	/** Heap bytes of one image's evaluation ({@link #rounds}: embeddings, scores, attention and assignment in doubles). */
	static double evaluationBytes(int h, int w, int k, int d) {
		double p = Math.max(1, h) * (double) Math.max(1, w);
		return 8.0 * (2 * p * d + 5.0 * k * d + 3 * p * k);
	}

	/** {@link #evaluationBytes} of this head: one round's scores, attention and assignment, whatever the rounds. */
	@Override
	public long imageWorkBytes() {
		return (long) Math.min(Long.MAX_VALUE / 2, evaluationBytes(h, w, k, d));
	}

	/**
	 * Refuses, before the images go through the backbone, a Bi-ICE head whose training would not fit
	 * (the layer's shape from the model's signature): see {@link #checkMemory(String, int, int, int, int, int, int, int, String, long, long)},
	 * at the largest step an epoch over {@code images} images takes ({@link SupervisedTrainer.Epochs#largestStep}: 8 images
	 * at a batch size of 32 are steps of 8, not 32).
	 *
	 * @param images the images the head trains on
	 * @param batchSize the batch size asked for
	 * @param batchKey the key that sets the batch size, named in the sentence; null where it is fixed
	 */
	public static void checkMemory(Classifier backbone, String layer, int concepts, int dimension, int images, int batchSize, String batchKey) {
		checkMemory(backbone, layer, concepts, dimension, images, batchSize, batchKey, images, 1);
	}

	/**
	 * The same where the heap will hold {@code copies} copies of the feature maps of {@code mapImages} images
	 * (4 h w c bytes each) beside the training: the backbone computes them after this check, so what the heap has
	 * free now does not count them yet.
	 *
	 * @param mapImages the images whose feature maps the backbone computes (training and held-out ones)
	 * @param copies how many copies of the maps the heap holds (2 where the training and held-out rows are copied out)
	 */
	public static void checkMemory(Classifier backbone, String layer, int concepts, int dimension, int images, int batchSize, String batchKey,
		int mapImages, int copies) {
		LayerInfo info = backbone.layers().stream().filter(l -> l.name().equals(layer)).findFirst().orElse(null);
		if (info == null || !info.isSpatial()) return; // the layer's own checks say what is wrong with it
		long[] s = info.shape();
		int h = (int) Math.max(1, s[1]), w = (int) Math.max(1, s[2]), c = (int) Math.max(1, s[3]);
		int classes = backbone.numClasses(), batch = SupervisedTrainer.Epochs.largestStep(images, batchSize);
		long perImage = 4L * copies * h * w * c;
		checkMemory(layer, h, w, c, concepts, dimension, classes, batch, batchSize, batchKey, mapImages, perImage,
			InfoDisent.availableNativeMemory(), Limits.heapLeft(heapBytes(h, w, c, concepts, dimension, classes, batch) + perImage * mapImages));
	}

	/**
	 * Refuses, in one sentence, a training whose step needs more native memory ({@link #nativeBytes}) than
	 * {@code nativeAvailable} (the machine's memory beside Java's heap, {@link InfoDisent#availableNativeMemory}),
	 * naming the largest batch size that fits or, when not even one image does, the concepts x dimension that
	 * would; or whose Java part ({@link #heapBytes}) needs more than the {@code heapLeft} bytes Java's heap
	 * has free, with the -Xmx to give ({@link Limits#heapToGive}).
	 */
	static void checkMemory(String layer, int h, int w, int c, int concepts, int dimension, int classes, int batch, String batchKey,
		long nativeAvailable, long heapLeft) {
		checkMemory(layer, h, w, c, concepts, dimension, classes, batch, batch, batchKey, 0, 0, nativeAvailable, heapLeft);
	}

	/**
	 * The same where the batch size asked for ({@code asked}, named in the sentence) is larger than the largest step {@code batch},
	 * and the heap will also hold {@code mapBytes} bytes of feature maps for each of {@code mapImages} images (0 where they are on it already).
	 */
	static void checkMemory(String layer, int h, int w, int c, int concepts, int dimension, int classes, int batch, int asked, String batchKey,
		int mapImages, long mapBytes, long nativeAvailable, long heapLeft) {
		long need = nativeBytes(h, w, c, concepts, dimension, batch);
		String what = "Bi-ICE on layer '" + layer + "' (" + h + " x " + w + " positions, " + c + " channels) with concepts=" + concepts
			+ ", dimension=" + dimension + (batchKey == null ? " and a batch of " + batch : " and " + batchKey + "=" + asked
			+ (asked > batch ? " (steps of " + batch + " images)" : ""));
		if (need > nativeAvailable) {
			int fits = 0; // the largest batch that fits (the need grows with the batch)
			for (int lo = 1, hi = batch - 1; lo <= hi;) {
				int mid = lo + (hi - lo) / 2;
				if (nativeBytes(h, w, c, concepts, dimension, mid) <= nativeAvailable) {
					fits = mid;
					lo = mid + 1;
				} else hi = mid - 1;
			}
			String give;
			if (fits > 0 && batchKey != null) give = "give " + batchKey + "=" + fits + " or less";
			else {
				int at = batchKey == null ? batch : 1; // the need is about proportional to concepts x dimension
				long kd = (long) (concepts * (double) dimension * nativeAvailable / nativeBytes(h, w, c, concepts, dimension, at));
				give = "give fewer concepts= or a smaller dimension= (concepts x dimension at most about " + Math.max(1, kd)
					+ (batchKey == null ? "" : " at " + batchKey + "=1") + ")";
			}
			throw new IllegalArgumentException(what + " needs about " + readableSize(need, nativeAvailable) + " of native memory for each training step (its"
				+ " binding multiplies every position with every concept in every dimension), more than " + InfoDisent.machineMemory(nativeAvailable, need)
				+ ": " + give + ", or choose a layer with fewer positions.");
		}
		long training = heapBytes(h, w, c, concepts, dimension, classes, batch), maps = mapBytes * mapImages, heap = training + maps;
		if (heap > heapLeft) {
			// fewer images help where the training itself fits; the largest step stays as counted (fewer images never make it larger)
			long fewer = mapBytes > 0 && training < heapLeft ? (heapLeft - training) / mapBytes : 0;
			String less = fewer > 0 ? "give fewer images (at most about " + fewer + ")" : "give fewer concepts= or a smaller dimension=";
			throw new IllegalArgumentException(what + " needs about " + readableSize(heap, heapLeft) + " of Java's heap " + (mapImages > 0 ? "with the feature"
				+ " maps of " + mapImages + " images (" + readableSize(maps) + ")" : "beside the feature maps") + ", more than the " + readableSize(heapLeft, heap)
				+ " it has free of the " + readableSize(Runtime.getRuntime().maxMemory()) + " Java may use: give Java more memory (-Xmx"
				+ Math.max(1, Limits.heapToGive(heap, heapLeft)) + "g or more; in Fiji, Edit > Options > Memory & Threads...), or " + less + ".");
		}
	}

	/** Most concepts, embedding dimensions and rounds of binding a head may have (far beyond the published model's). */
	public static final int MAX_CONCEPTS = 1024, MAX_DIMENSION = 4096, MAX_ITERATIONS = 100;

	/**
	 * Fewest embedding dimensions: the layer norms take each patch's and each concept's mean and
	 * scale, leaving d - 2 degrees of freedom. At d = 1 every normalised embedding is 0, so every score,
	 * activation and map is 0 and the head predicts its bias alone; at d = 2 it is one of two opposite
	 * vectors, so however many concepts there are, at most two are distinct (the others copy their
	 * maps and split their contributions).
	 */
	public static final int MIN_DIMENSION = 3;

	/** Why a dimension below {@value #MIN_DIMENSION} is refused, in words (the end of the messages that refuse it). */
	public static final String MIN_DIMENSION_REASON = "the layer norms remove each embedding's mean and scale, so dimension 1 scores every"
		+ " patch 0 (a head that predicts its bias alone) and dimension 2 leaves two directions for all the concepts";

	/**
	 * Refuses counts outside [2, {@value #MAX_CONCEPTS}] concepts, [{@value #MIN_DIMENSION}, {@value #MAX_DIMENSION}] dimensions,
	 * [1, {@value #MAX_ITERATIONS}] rounds.
	 */
	public static void checkSizes(int concepts, int dimension, int iterations) {
		if (iterations < 1) throw new IllegalArgumentException("Bi-ICE needs at least 1 round of binding, got " + iterations + ".");
		if (concepts < 2) throw new IllegalArgumentException("Bi-ICE needs at least 2 concepts (patches choose among them), got " + concepts + ".");
		if (dimension < MIN_DIMENSION) {
			throw new IllegalArgumentException("Bi-ICE needs a concept dimension of at least " + MIN_DIMENSION + ", got " + dimension + ": "
				+ MIN_DIMENSION_REASON + "; use dimension=" + MIN_DIMENSION + " or more (default 16).");
		}
		Limits.atMost("Bi-ICE", "concepts", concepts, MAX_CONCEPTS);
		Limits.atMost("Bi-ICE", "dimension", dimension, MAX_DIMENSION);
		Limits.atMost("Bi-ICE", "iterations", iterations, MAX_ITERATIONS);
	}

	/** A head of these weights (patch_kernel [c, d], concepts [K, d], classifier [K, classes], bias [classes]), for known answers. */
	static BiIce of(Map<String, FloatTensor> weights, String layer, int h, int w, int iterations) {
		int c = (int) weights.get("patch_kernel").dim(0), d = (int) weights.get("patch_kernel").dim(1), k = (int) weights.get("concepts").dim(0);
		return new BiIce(weights, layer, h, w, c, d, k, (int) weights.get("classifier").dim(1), new double[0], new double[0], iterations);
	}

	/**
	 * Where each of {@code count} snapshots after the first stands, in epochs: 1, 2, ... and, when the
	 * steps end within an epoch, the fraction reached (2.5 for 5 steps of 2 an epoch).
	 */
	static double[] epochEnds(int count, int steps, int stepsPerEpoch) {
		double[] out = new double[count];
		for (int i = 0; i < count; i++) out[i] = Math.min(i + 1, steps / (double) stepsPerEpoch);
		return out;
	}

	/** The backbone's feature map at a spatial layer, or a message saying why the layer cannot carry a head. */
	public static FloatTensor spatialActivations(Classifier backbone, String layer, FloatTensor images, String head) {
		LayerInfo info = backbone.layers().stream().filter(l -> l.name().equals(layer)).findFirst()
			.orElseThrow(() -> new IllegalArgumentException("Unknown layer '" + layer + "'."));
		if (!info.isSpatial()) throw new IllegalArgumentException(head + " needs a spatial [N, h, w, c] layer; '" + layer + "' is not.");
		return backbone.activations(images, layer);
	}

	/** The head saved in a SavedModel, from its variables (the convergence record comes from the metadata). */
	static BiIce fromSaved(TensorFlowClassifier saved, String layer, int h, int w, int c) {
		if (!BINDING.equals(saved.config().metadata.get("binding"))) { // before its variables are read: an older head may lack some
			throw new IllegalArgumentException("The Bi-ICE head in " + saved.directory() + " was saved by an older ConceptScope whose"
				+ " binding had no layer norms (no 'binding' = '" + BINDING + "' in its " + org.conceptscope.model.ModelConfig.FILE_NAME
				+ "); train it again with Train Interpretable Head (its logits would differ from the saved ones).");
		}
		Map<String, FloatTensor> weights = new LinkedHashMap<>();
		for (String name : List.of("patch_kernel", "concepts", "classifier", "bias")) weights.put(name, saved.variable("biice/" + name));
		int d = (int) weights.get("patch_kernel").dim(1), k = (int) weights.get("concepts").dim(0);
		Object conv = saved.config().metadata.get("convergence");
		double[] convergence = numbers(conv), epochs = numbers(saved.config().metadata.get(CONVERGENCE_EPOCHS));
		if (epochs.length != convergence.length) epochs = epochEnds(convergence.length, Integer.MAX_VALUE, 1); // saved before the fractions: whole epochs
		Object rounds = saved.config().metadata.get("iterations");
		return new BiIce(weights, layer, h, w, c, d, k, (int) weights.get("classifier").dim(1), convergence, epochs,
			rounds instanceof Number r ? r.intValue() : 1);
	}

	private static double[] numbers(Object list) {
		return list instanceof List<?> l ? l.stream().mapToDouble(v -> ((Number) v).doubleValue()).toArray() : new double[0];
	}

	@Override
	public String kind() {
		return NAME;
	}

	@Override
	public String unitName() {
		return "concept";
	}

	@Override
	public String layer() {
		return layer;
	}

	@Override
	public int[] featureShape() {
		return new int[] { h, w, c };
	}

	@Override
	public int units() {
		return k;
	}

	@Override
	public String unitLayer() {
		return "biice/activation";
	}

	@Override
	public int numClasses() {
		return classes;
	}

	@Override
	public double[][] classWeights() {
		float[] wc = weights.get("classifier").data();
		double[][] out = new double[k][classes];
		for (int m = 0; m < k; m++) for (int y = 0; y < classes; y++) out[m][y] = wc[m * classes + y] * (double) wc[m * classes + y];
		return out;
	}

	/**
	 * Concept {@code unit}'s map: each patch's term of its activation, A B ReLU(S), times the number
	 * of patches, so the map's mean is the activation (and the contribution the class weight times
	 * the mean). A patch that does not carry the concept (S <= 0) is 0, however much attention A,
	 * a softmax over the patches, gives it: an absent concept has an empty map.
	 */
	@Override
	public FloatTensor unitMaps(FloatTensor features, int unit) {
		checkFeatures(features);
		int n = (int) features.dim(0);
		float[] map = new float[n * h * w];
		for (int i = 0; i < n; i++) {
			double[][][] sab = interaction(features, i);
			for (int q = 0; q < h * w; q++) map[i * h * w + q] = mapValue(sab, q, unit);
		}
		return new FloatTensor(new long[] { n, h, w }, map);
	}

	/**
	 * The listed concepts' maps of image {@code image} ({@link InterpretableHead#imageMaps}) from one interaction (all rounds of
	 * binding), not one per concept as {@link #unitMaps}: what Explain with Head shows and, with every concept, what the
	 * prototype search ({@link HeadPrototypes#all}) reads.
	 */
	@Override
	public void imageMaps(FloatTensor features, int image, int[] units, float[] maps) {
		checkFeatures(features);
		double[][][] sab = interaction(features, image);
		for (int q = 0; q < h * w; q++) for (int u = 0; u < units.length; u++) maps[q * units.length + u] = mapValue(sab, q, units[u]);
	}

	/** Cell q of concept m's map from the last round's S, A, B: A B ReLU(S) times the cells (the map's mean is the activation). */
	private float mapValue(double[][][] sab, int q, int m) {
		return (float) (sab[1][q][m] * sab[2][q][m] * Math.max(0, sab[0][q][m]) * h * w);
	}

	/** One map's mean: the concept's activation in the image (prototypes are the images where it is largest). */
	@Override
	public double imageResponse(float[] values, int from, int stride, int cells) {
		double sum = 0;
		for (int p = 0; p < cells; p++) sum += values[from + p * stride];
		return sum / cells;
	}

	/** Frobenius norm of the change of the concept embeddings over each training epoch (the last may be part of one). */
	public double[] convergence() {
		return convergence.clone();
	}

	/** The epoch at whose end each {@link #convergence()} value stands: 1, 2, ..., and a fraction when training ended within one. */
	public double[] convergenceEpochs() {
		return convergenceEpochs.clone();
	}

	/** Scores S [P][K], attention A (over patches) and assignment B (over concepts) for image i, after the last round. */
	private double[][][] interaction(FloatTensor features, int i) {
		return rounds(features, i, false)[iterations - 1];
	}

	/**
	 * Per round r: S, A, B (each [P][K]) and the concepts [K][d] the round scored with; with {@code all} false only
	 * the last round's (the others null), so the heap holds one round whatever the count (up to {@value #MAX_ITERATIONS}).
	 */
	private double[][][][] rounds(FloatTensor features, int i, boolean all) {
		int p = h * w;
		float[] wp = weights.get("patch_kernel").data();
		double[] cs0 = centredConcepts();
		double[][] e = new double[p][d], cs = new double[k][d];
		for (int q = 0; q < p; q++) {
			for (int j = 0; j < d; j++) {
				double v = 0;
				for (int r = 0; r < c; r++) v += features.data()[(i * p + q) * c + r] * wp[r * d + j];
				e[q][j] = v;
			}
		}
		for (int m = 0; m < k; m++) for (int j = 0; j < d; j++) cs[m][j] = cs0[m * d + j];
		double[][][][] out = new double[iterations][][][];
		for (int round = 0; round < iterations; round++) {
			double[][] pn = new double[p][], cn = new double[k][];
			for (int q = 0; q < p; q++) pn[q] = layerNorm(e[q]);
			for (int m = 0; m < k; m++) cn[m] = layerNorm(cs[m]);
			double[][] s = new double[p][k];
			for (int q = 0; q < p; q++) {
				for (int m = 0; m < k; m++) {
					double v = 0;
					for (int j = 0; j < d; j++) v += pn[q][j] * cn[m][j];
					s[q][m] = v / Math.sqrt(d);
				}
			}
			double[][] a = new double[p][k], b = new double[p][k];
			for (int m = 0; m < k; m++) {
				double max = Double.NEGATIVE_INFINITY, sum = 0;
				for (int q = 0; q < p; q++) max = Math.max(max, s[q][m]);
				for (int q = 0; q < p; q++) sum += a[q][m] = Math.exp(s[q][m] - max);
				for (int q = 0; q < p; q++) a[q][m] /= sum;
			}
			for (int q = 0; q < p; q++) {
				double max = Double.NEGATIVE_INFINITY, sum = 0;
				for (int m = 0; m < k; m++) max = Math.max(max, s[q][m]);
				for (int m = 0; m < k; m++) sum += b[q][m] = Math.exp(s[q][m] - max);
				for (int m = 0; m < k; m++) b[q][m] /= sum;
			}
			if (all || round == iterations - 1) {
				double[][] used = new double[k][];
				for (int m = 0; m < k; m++) used[m] = cs[m].clone();
				out[round] = new double[][][] { s, a, b, used };
			}
			if (round == iterations - 1) break;
			// binding: concepts compete for the patches (B over concepts) and take in the weighted mean of those they win
			double[][] next = new double[k][d];
			for (int m = 0; m < k; m++) {
				double won = BiIceGraph.EPSILON;
				for (int q = 0; q < p; q++) won += b[q][m];
				for (int j = 0; j < d; j++) {
					double v = cn[m][j];
					for (int q = 0; q < p; q++) v += b[q][m] / won * pn[q][j];
					next[m][j] = v;
				}
			}
			for (int j = 0; j < d; j++) {
				double mean = 0;
				for (int m = 0; m < k; m++) mean += next[m][j] / k;
				for (int m = 0; m < k; m++) next[m][j] -= mean;
			}
			cs = next;
			// broadcast: patches receive the normalised updated concepts they choose
			double[][] cnNext = new double[k][];
			for (int m = 0; m < k; m++) cnNext[m] = layerNorm(cs[m]);
			for (int q = 0; q < p; q++) for (int j = 0; j < d; j++) {
				double v = pn[q][j];
				for (int m = 0; m < k; m++) v += b[q][m] * cnNext[m][j];
				e[q][j] = v;
			}
		}
		return out;
	}

	/** x minus its mean, divided by its standard deviation plus epsilon under the root, as the graph's layer norm. */
	static double[] layerNorm(double[] x) {
		double mean = 0, var = 0;
		for (double v : x) mean += v / x.length;
		for (double v : x) var += (v - mean) * (v - mean) / x.length;
		double sd = Math.sqrt(var + BiIceGraph.EPSILON);
		double[] out = new double[x.length];
		for (int j = 0; j < x.length; j++) out[j] = (x[j] - mean) / sd;
		return out;
	}

	/** The rounds of binding: 1 is the static interaction. */
	public int iterations() {
		return iterations;
	}

	/** Image i's concept embeddings [K][d] at each round of binding: they change as concepts take in the patches they attend to. */
	public double[][][] conceptsPerRound(FloatTensor features, int i) {
		checkFeatures(features);
		double[][][][] r = rounds(features, i, true);
		double[][][] out = new double[iterations][][];
		for (int t = 0; t < iterations; t++) out[t] = r[t][3];
		return out;
	}

	/** Concept embeddings minus their mean [K*d], as the graph uses them. */
	private double[] centredConcepts() {
		return centred(weights.get("concepts").data(), k, d);
	}

	static double[] centred(float[] raw, int k, int d) {
		double[] out = new double[k * d];
		for (int j = 0; j < d; j++) {
			double mean = 0;
			for (int m = 0; m < k; m++) mean += raw[m * d + j] / (double) k;
			for (int m = 0; m < k; m++) out[m * d + j] = raw[m * d + j] - mean;
		}
		return out;
	}

	/** Concept activations [N][K]. */
	public double[][] activations(FloatTensor features) {
		checkFeatures(features);
		int n = (int) features.dim(0);
		double[][] out = new double[n][k];
		for (int i = 0; i < n; i++) {
			double[][][] sab = interaction(features, i);
			for (int q = 0; q < h * w; q++) for (int m = 0; m < k; m++) out[i][m] += sab[1][q][m] * sab[2][q][m] * Math.max(0, sab[0][q][m]);
		}
		return out;
	}

	/** Logits [N][classes] from the concepts. */
	@Override
	public double[][] logits(FloatTensor features) {
		double[][] act = activations(features);
		float[] wc = weights.get("classifier").data(), bc = weights.get("bias").data();
		double[][] out = new double[act.length][classes];
		for (int i = 0; i < act.length; i++) for (int y = 0; y < classes; y++) {
			double s = bc[y];
			for (int m = 0; m < k; m++) s += act[i][m] * wc[m * classes + y] * wc[m * classes + y];
			out[i][y] = s;
		}
		return out;
	}

	/** Contribution of each concept to class y for image i: activation times its (non-negative) weight. */
	@Override
	public double[] contributions(FloatTensor features, int i, int y) {
		double[] act = activations(features.slice(i))[0];
		float[] wc = weights.get("classifier").data();
		double[] out = new double[k];
		for (int m = 0; m < k; m++) out[m] = act[m] * wc[m * classes + y] * wc[m * classes + y];
		return out;
	}

	/**
	 * The backbone-channel direction concept m responds to in the first round of binding: Wp LN(C_m),
	 * from the learned (centred) concept (a patch's score is its features along it, divided by the
	 * spread of its embedding). With more than one round ({@link #iterations}) the later rounds score
	 * with the concept after it took in the patches it won in the image, so the direction of the last
	 * round, which gives the maps and activations, differs from image to image and no single
	 * direction is right for every image: this one is the learned concept's, exact for a one-round
	 * head (on the IHC model's default head its largest channel was the last round's in 69% of the
	 * concept-image pairs; see docs/methods/bi-ice.md).
	 */
	@Override
	public double[] featureDirection(int m) {
		float[] wp = weights.get("patch_kernel").data();
		double[] cs = layerNorm(Arrays.copyOfRange(centredConcepts(), m * d, (m + 1) * d));
		double[] u = new double[c];
		for (int r = 0; r < c; r++) for (int j = 0; j < d; j++) u[r] += wp[r * d + j] * cs[j];
		return u;
	}

	/** Where concept m sits: its map ({@link #unitMaps}, each patch's term of the activation), upsampled to height x width. */
	public FloatTensor locationMap(FloatTensor features, int m, int height, int width) {
		return Resampling.bilinear(unitMaps(features, m), height, width);
	}

	public void save(Path dir, List<String> classNames, String backbone, double headAccuracy, double backboneAccuracy) throws IOException {
		save(dir, classNames, backbone, Map.of("head_accuracy", headAccuracy, "backbone_accuracy", backboneAccuracy));
	}

	@Override
	public void save(Path dir, List<String> classNames, String backbone, Map<String, Object> metadata) throws IOException {
		ModelConfig config = new ModelConfig();
		config.name = "Bi-ICE head on " + backbone;
		config.description = "Interpretable head: " + k + " concepts interacting with patch embeddings both ways; input: the feature map of"
			+ " layer '" + layer + "' of " + backbone + ".";
		config.classes = new ArrayList<>(classNames);
		config.metadata.put(InterpretableHead.KIND, NAME);
		config.metadata.put("backbone", backbone);
		config.metadata.put("backbone_layer", layer);
		config.metadata.put("concepts", k);
		config.metadata.put("dimension", d);
		config.metadata.put("iterations", iterations);
		config.metadata.put("binding", BINDING);
		config.metadata.put("convergence", Arrays.stream(convergence).boxed().toList());
		config.metadata.put(CONVERGENCE_EPOCHS, Arrays.stream(convergenceEpochs).boxed().toList());
		config.metadata.putAll(metadata);
		SavedModelExport.export(g -> new BiIceGraph(g, h, w, c, d, k, classes, 0, iterations, weights), config, dir);
	}
}
