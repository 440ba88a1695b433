package org.conceptscope.heads;

import static org.conceptscope.util.Limits.readableSize;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

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
 * InfoDisent (Struski et al. 2024): an interpretable head trained on a frozen backbone's last
 * feature map. Every feature vector is rotated by an orthogonal Q (disentangling the channels
 * into prototypical parts without losing information), each channel's evidence is its strongest
 * positive response minus its strongest negative one, and a non-negative linear layer turns
 * evidence into logits, so each class decision is a sum of per-part contributions plus the
 * class bias that can be shown, ranked and localised. Negative evidence is kept: a part's map
 * ({@link #unitMaps}) is signed, and a part with negative evidence has a negative contribution.
 */
public final class InfoDisent implements InterpretableHead {

	static final String NAME = "infodisent";

	/** A part (a column of Q) and its contribution to a decision. */
	public record Part(int channel, double contribution) {}

	private final Map<String, FloatTensor> weights;
	private final String layer;
	private final int h, w, c, classes;
	private final double[][] q;
	/** See {@link #conversion()}. */
	private final String converted;

	private InfoDisent(Map<String, FloatTensor> weights, String layer, int h, int w, int c, int classes, Progress progress) {
		this(weights, layer, h, w, c, classes, null, progress);
	}

	private InfoDisent(Map<String, FloatTensor> weights, String layer, int h, int w, int c, int classes, String converted) {
		this(weights, layer, h, w, c, classes, converted, Progress.NONE);
	}

	private InfoDisent(Map<String, FloatTensor> weights, String layer, int h, int w, int c, int classes, String converted,
		Progress progress) {
		this.converted = converted;
		this.weights = weights;
		this.layer = layer;
		this.h = h;
		this.w = w;
		this.c = c;
		this.classes = classes;
		this.q = rotation(weights, c, progress);
	}

	/** Trains the head on the backbone's spatial layer for labelled, normalised images. */
	public static InfoDisent train(Classifier backbone, String layer, FloatTensor images, int[] labels, TrainingOptions opt,
		Progress progress) {
		checkMemory(backbone, layer, opt.batchSize()); // before the images go through the backbone
		return train(BiIce.spatialActivations(backbone, layer, images, "InfoDisent"), layer, labels, backbone.numClasses(), opt,
			progress);
	}

	/**
	 * Trains the head on feature maps [N, h, w, c] of layer {@code layer}, labels in 0..classes-1. The
	 * seed's streams: {@link HeadTraining#WEIGHTS_STREAM} for the initial weights,
	 * {@link HeadTraining#BATCH_STREAM} for the order of the images in each epoch.
	 */
	public static InfoDisent train(FloatTensor f, String layer, int[] labels, int classes, TrainingOptions opt, Progress progress) {
		int h = (int) f.dim(1), w = (int) f.dim(2), c = (int) f.dim(3), k = classes;
		checkMemory(layer, h, w, c, opt.batchSize(), availableNativeMemory(), null);
		checkHeap(layer, c, Limits.heapLeft(heapBytes(c)), null); // the feature maps are on the heap now: what is left counts them
		Map<String, FloatTensor> init = InfoDisentGraph.initialWeights(c, k, Seeds.stream(opt.seed(), HeadTraining.WEIGHTS_STREAM));
		Map<String, FloatTensor> trained = SupervisedTrainer.trainInEpochs(g -> new InfoDisentGraph(g, h, w, c, k, init), f, labels, k, opt,
			progress, null, 0, Seeds.stream(opt.seed(), HeadTraining.BATCH_STREAM)).weights();
		return new InfoDisent(trained, layer, h, w, c, k, progress); // Q again in Java (double), 5 + s + 2 products of c x c matrices (s <= 14): with progress; its heap was checked above
	}

	/**
	 * Native (TensorFlow) bytes training needs, about: the rotation's {@value InfoDisentGraph#Q_MATRICES} c x c
	 * matrices and a batch's feature maps (input, projection and its rectified halves), each with its gradient.
	 */
	public static long nativeBytes(int h, int w, int c, int batch) {
		double q = (double) InfoDisentGraph.Q_MATRICES * c * c, features = 6.0 * batch * Math.max(1, h) * Math.max(1, w) * c;
		return (long) Math.min(Long.MAX_VALUE / 2, 2 * 4 * (q + features));
	}

	/**
	 * Memory TensorFlow can take: the machine's physical memory (a container's limit) less Java's
	 * largest heap; Long.MAX_VALUE where the platform does not say.
	 */
	public static long availableNativeMemory() {
		java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
		if (!(os instanceof com.sun.management.OperatingSystemMXBean bean)) return Long.MAX_VALUE;
		long total = bean.getTotalMemorySize();
		return total <= 0 ? Long.MAX_VALUE : Math.max(0, total - Runtime.getRuntime().maxMemory());
	}

	/**
	 * Java heap bytes InfoDisent needs at c channels beside the feature maps: the initial and the
	 * trained skew part (c x c floats each, both held when training ends) and the Java step that
	 * computes Q from the trained one ({@link InfoDisentGraph#javaBytes}: 4 c x c doubles, 134 MB at c = 2048).
	 */
	public static long heapBytes(int c) {
		return 2 * 4L * c * c + InfoDisentGraph.javaBytes(c);
	}

	/**
	 * Refuses, before any image is read or passed, a layer too wide for InfoDisent's c x c rotation
	 * on this machine: TensorFlow's training ({@link #nativeBytes} above {@link #availableNativeMemory})
	 * or the Java step after it ({@link #heapBytes} above what Java's heap has free), naming the
	 * deepest spatial layer of the backbone that fits both.
	 */
	public static void checkMemory(Classifier backbone, String layer, int batch) {
		long available = availableNativeMemory();
		LayerInfo info = backbone.layers().stream().filter(l -> l.name().equals(layer)).findFirst().orElse(null);
		if (info == null || !info.isSpatial()) return; // the layer's own checks say what is wrong with it
		long[] s = info.shape();
		long heapLeft = Limits.heapLeft(heapBytes((int) s[3]));
		String narrower = null;
		for (LayerInfo l : backbone.layers()) {
			long[] t = l.shape();
			if (l.isSpatial() && t[3] > 0 && t[3] < s[3] && nativeBytes((int) t[1], (int) t[2], (int) t[3], batch) <= available
				&& heapBytes((int) t[3]) <= heapLeft) {
				narrower = "layer=[" + l.name() + "] (" + t[3] + " channels)";
			}
		}
		checkMemory(layer, (int) s[1], (int) s[2], (int) s[3], batch, available, narrower);
		checkHeap(layer, (int) s[3], heapLeft, narrower);
	}

	/**
	 * Refuses a layer of c channels whose Java step after training ({@link #heapBytes}) would not fit
	 * in the {@code left} bytes Java's heap has free, in one sentence with the -Xmx to give and
	 * {@code narrower} ("layer=[name] (c channels)") when given: the step runs once TensorFlow has
	 * trained, so an OutOfMemoryError there lost the whole training.
	 */
	static void checkHeap(String layer, int c, long left, String narrower) {
		long need = heapBytes(c);
		if (need <= left) return;
		throw new IllegalArgumentException("InfoDisent on layer '" + layer + "' (" + c + " channels) computes its " + c + " x " + c
			+ " rotation in Java once training ends, which needs about " + readableSize(need, left) + " of Java's heap, more than the "
			+ readableSize(left, need) + " it has free of the " + readableSize(Runtime.getRuntime().maxMemory()) + " Java may use: give Java more memory (-Xmx"
			+ Math.max(1, Limits.heapToGive(need, left)) + "g or more; in Fiji, Edit > Options > Memory & Threads...), or "
			+ (narrower == null ? "choose a layer with fewer channels" : "choose a layer with fewer channels, such as " + narrower) + ".");
	}

	/**
	 * Refuses a layer of c channels whose training would need more than {@code available} bytes of
	 * native memory, in one sentence naming {@code narrower} ("layer=[name] (c channels)") when given.
	 */
	static void checkMemory(String layer, int h, int w, int c, int batch, long available, String narrower) {
		long need = nativeBytes(h, w, c, batch);
		if (need <= available) return;
		throw new IllegalArgumentException("InfoDisent on layer '" + layer + "' (" + c + " channels) needs about " + readableSize(need, available)
			+ " of native memory for its " + c + " x " + c + " rotation and its gradients, more than " + machineMemory(available, need) + ": " + (narrower == null ? "choose a narrower layer (fewer channels)"
				: "choose a narrower layer, such as " + narrower) + ", or train a Bi-ICE head (head=bi_ice), whose size does not"
			+ " grow with the square of the channels.");
	}

	/**
	 * What a native-memory refusal compares with ({@link #availableNativeMemory}), shared by the heads' sentences: the
	 * machine's memory beside Java's heap, which is TensorFlow's on the CPU (a GPU's own memory is not checked).
	 */
	static String machineMemory(long available, long need) {
		return "the " + readableSize(available, need) + " of the machine's memory beside Java's heap (what TensorFlow has on the CPU)";
	}

	/**
	 * Q of these weights: the trained skew part's exponential ({@link InfoDisentGraph#projection}) rounded
	 * to float, as the saved head holds it (so a reloaded head is the trained one), or the saved
	 * {@code rotation} itself. Computing the exponential reports per block of rows of its matrix
	 * products to {@code progress}, and a cancel throws {@link java.util.concurrent.CancellationException}.
	 */
	static double[][] rotation(Map<String, FloatTensor> weights, int c, Progress progress) {
		FloatTensor saved = weights.get("rotation");
		double[][] q = saved == null ? InfoDisentGraph.projection(weights, c, progress) : new double[c][c];
		for (int i = 0; i < c; i++) for (int j = 0; j < c; j++) q[i][j] = saved == null ? (float) q[i][j] : saved.data()[i * c + j];
		return q;
	}

	/** Metadata value of the rotation as the exponential of a skew-symmetric matrix (heads saved before it are converted on loading). */
	static final String ROTATION = "skew-exponential";

	/** Metadata key of a head whose rotation was converted from an older head's Householder reflections. */
	static final String CONVERTED = "rotation_converted_from";

	/** The head saved in a SavedModel, from its variables; a head saved with Householder reflections is converted. */
	static InfoDisent fromSaved(TensorFlowClassifier saved, String layer, int h, int w, int c) {
		Object rotation = saved.config().metadata.get("rotation");
		Map<String, FloatTensor> weights = new LinkedHashMap<>();
		String converted = null;
		if (ROTATION.equals(rotation)) {
			weights.put("rotation", saved.variable("infodisent/rotation"));
			Object earlier = saved.config().metadata.get(CONVERTED); // a converted head saved again stays marked
			converted = earlier == null ? null : String.valueOf(earlier);
		} else {
			int m = householderReflections(c);
			List<String> vars = saved.variables();
			if (rotation != null || !IntStream.range(0, m).allMatch(i -> vars.contains("infodisent/householder_" + i))) {
				throw new IllegalArgumentException("The InfoDisent head in " + saved.directory() + " has a rotation (metadata 'rotation' = "
					+ rotation + " in its " + ModelConfig.FILE_NAME + ") that is neither '" + ROTATION + "' nor " + m
					+ " Householder reflections 'infodisent/householder_0.." + (m - 1) + "' of an older ConceptScope: train it again"
					+ " with Train Interpretable Head.");
			}
			FloatTensor[] v = new FloatTensor[m];
			for (int i = 0; i < m; i++) {
				v[i] = saved.variable("infodisent/householder_" + i);
				if (v[i].size() != c) {
					throw new IllegalArgumentException("The InfoDisent head in " + saved.directory() + " is damaged: its Householder vector"
						+ " 'infodisent/householder_" + i + "' has " + v[i].size() + " values for its " + c + " channels; train it again"
						+ " with Train Interpretable Head.");
				}
			}
			weights.put("rotation", householderProduct(v, c));
			converted = HOUSEHOLDER + " (" + m + " reflections, multiplied out on loading)";
		}
		weights.put("classifier", saved.variable("infodisent/classifier"));
		weights.put("bias", saved.variable("infodisent/bias"));
		return new InfoDisent(weights, layer, h, w, c, (int) weights.get("classifier").dim(1), converted);
	}

	/** The older rotation's name in {@link #CONVERTED}. */
	static final String HOUSEHOLDER = "householder";

	/** Number of Householder reflections of a head saved before the skew-symmetric rotation: c rounded up to even. */
	static int householderReflections(int c) {
		return c % 2 == 0 ? c : c + 1;
	}

	/**
	 * Q = H_0 H_1 ... H_{m-1}, H_i = I - 2 v_i v_i^T / (v_i^T v_i), as the older graph computed it
	 * (Q <- Q - (2 (Q v_i) v_i^T) / (v_i^T v_i) from Q = I, in float, sums in index order): the
	 * rotation of a head saved with Householder reflections [c, 1], as a c x c tensor.
	 */
	static FloatTensor householderProduct(FloatTensor[] reflections, int c) {
		float[] q = new float[c * c];
		for (int i = 0; i < c; i++) q[i * c + i] = 1;
		float[] qv = new float[c];
		for (FloatTensor t : reflections) {
			float[] v = t.data();
			if (v.length != c) {
				throw new IllegalArgumentException("A Householder vector of this InfoDisent head has " + v.length + " values for its " + c
					+ " channels: the head is damaged; train it again with Train Interpretable Head.");
			}
			float vtv = 0;
			for (float x : v) vtv += x * x;
			for (int r = 0; r < c; r++) {
				float s = 0;
				for (int k = 0; k < c; k++) s += q[r * c + k] * v[k];
				qv[r] = s;
			}
			for (int r = 0; r < c; r++) for (int k = 0; k < c; k++) q[r * c + k] = q[r * c + k] - (2f * (qv[r] * v[k])) / vtv;
		}
		return new FloatTensor(new long[] { c, c }, q);
	}

	/**
	 * How the rotation was converted when this head (or the one it was saved from) was saved by an
	 * older ConceptScope with Householder reflections; null for a head trained with the
	 * skew-symmetric rotation. Contributions, maps and logits do not change: only Q's
	 * parametrisation did, and Q is what explanations read.
	 */
	public String conversion() {
		return converted;
	}

	@Override
	public String kind() {
		return NAME;
	}

	@Override
	public String unitName() {
		return "part";
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
		return c;
	}

	/**
	 * One image's evaluation ({@link #parts}): the copy of its feature map (h w c floats), the evidence's four rows of c
	 * doubles, and the c parts, boxed and sorted (about 64 bytes each); the default's channels x classes count left out the
	 * copy, which is most of it.
	 */
	@Override
	public long imageWorkBytes() {
		return 4L * h * w * c + 8L * 4 * c + 64L * c;
	}

	@Override
	public String unitLayer() {
		return "infodisent/evidence";
	}

	@Override
	public int numClasses() {
		return classes;
	}

	@Override
	public double[] contributions(FloatTensor features, int image, int target) {
		double[] out = new double[c];
		for (Part p : parts(features, image, target)) out[p.channel()] = p.contribution();
		return out;
	}

	@Override
	public FloatTensor unitMaps(FloatTensor features, int unit) {
		checkFeatures(features);
		int n = (int) features.dim(0);
		// only column `unit` of Q: projecting on every part per unit made the prototype search cubic in c
		float[] m = new float[n * h * w];
		for (int i = 0; i < n * h * w; i++) m[i] = (float) projection(features.data(), i, unit);
		return new FloatTensor(new long[] { n, h, w }, m);
	}

	/**
	 * The listed parts' maps of image {@code image} ({@link InterpretableHead#imageMaps}): each
	 * position's features projected on the listed columns of Q, the same sum as {@link #unitMaps}
	 * (a few parts: c multiply-adds per part and position, as part by part, without the per-part
	 * copies of the image).
	 */
	@Override
	public void imageMaps(FloatTensor features, int image, int[] units, float[] maps) {
		checkFeatures(features);
		float[] x = features.data();
		int positions = h * w;
		for (int s = 0; s < positions; s++) {
			for (int u = 0; u < units.length; u++) maps[s * units.length + u] = (float) projection(x, image * positions + s, units[u]);
		}
	}

	/**
	 * Every part's map of image {@code image} at once: {@code maps[s * c + j]} is
	 * {@code unitMaps(features, j)} at the image's position s, the same float (each sum over the
	 * channels runs in the same increasing order). Each position is projected once through Q, not
	 * once per part along a column, and each row of Q is read once for all the image's positions,
	 * a block of parts at a time ({@link #IMAGE_MAPS_BLOCK}; the blocks in parallel, each summing
	 * its own parts, so the values do not depend on the threads).
	 * What the prototype search ({@link HeadPrototypes#all}) reads; {@code p} is scratch of h w c doubles.
	 */
	void imageMaps(FloatTensor features, int image, double[] p, float[] maps) {
		float[] x = features.data();
		int positions = h * w, at = image * positions * c;
		Arrays.fill(p, 0, positions * c, 0);
		int blocks = (c + IMAGE_MAPS_BLOCK - 1) / IMAGE_MAPS_BLOCK;
		IntStream each = IntStream.range(0, blocks);
		(blocks > 1 ? each.parallel() : each).forEach(b -> { // a block of parts at a time: their sums stay in cache; blocks write apart
			int j0 = b * IMAGE_MAPS_BLOCK, j1 = Math.min(c, j0 + IMAGE_MAPS_BLOCK);
			for (int r = 0; r < c; r++) { // p_sj = sum_r x_sr Q_rj, r in increasing order for every s and j, as projection(..) sums
				double[] qr = q[r];
				for (int s = 0; s < positions; s++) {
					double v = x[at + s * c + r];
					int ps = s * c;
					for (int j = j0; j < j1; j++) p[ps + j] += v * qr[j];
				}
			}
		});
		for (int i = 0; i < positions * c; i++) maps[i] = (float) p[i];
	}

	/**
	 * Parts per block of {@link #imageMaps}: an image's sums for 256 parts (49 positions: 100 kB)
	 * stay in cache while Q's rows pass. At 2048 channels and 7 x 7 positions this ran some 2x faster
	 * than one position at a time, which read all of Q (32 MB) from memory once per position.
	 */
	static final int IMAGE_MAPS_BLOCK = 256;

	/** The class bias b_k: the part of every logit of class k that no part explains. */
	public double bias(int k) {
		return weights.get("bias").data()[k];
	}

	@Override
	public double bias(FloatTensor features, int image, int target) {
		return bias(target);
	}

	@Override
	public double[][] classWeights() {
		float[] wr = weights.get("classifier").data();
		double[][] out = new double[c][classes];
		for (int j = 0; j < c; j++) for (int k = 0; k < classes; k++) out[j][k] = wr[j * classes + k] * (double) wr[j * classes + k];
		return out;
	}

	/** Part j's direction in the backbone's channel space: column j of Q. */
	@Override
	public double[] featureDirection(int unit) {
		double[] u = new double[c];
		for (int r = 0; r < c; r++) u[r] = q[r][unit];
		return u;
	}

	/** The orthogonal projection (columns: part directions in the backbone's channel space). */
	public double[][] projection() {
		return Arrays.stream(q).map(double[]::clone).toArray(double[][]::new);
	}

	/** Largest |Q^T Q - I| entry: orthogonality as trained. */
	public double orthogonalityError() {
		double e = 0;
		for (int i = 0; i < c; i++) for (int j = 0; j < c; j++) {
			double s = 0;
			for (int r = 0; r < c; r++) s += q[r][i] * q[r][j];
			e = Math.max(e, Math.abs(s - (i == j ? 1 : 0)));
		}
		return e;
	}

	/** The feature vector at position i of features [.., c] projected on part j: its product with column j of Q. */
	private double projection(float[] features, int i, int j) {
		double s = 0;
		for (int r = 0; r < c; r++) s += features[i * c + r] * q[r][j];
		return s;
	}

	/**
	 * Evidence per part [N][c]: max ReLU(p) - max ReLU(-p) over positions. Computed position by
	 * position with one projected vector (c doubles) at a time, so memory beyond the result does not
	 * grow with the images or the map (the whole projected map [N, h*w, c] in double, which this once
	 * allocated, was twice the feature maps' size: more than Train Interpretable Head's memory check
	 * allowed for its held-out logits). Sums run over the channels in the same order as before, so
	 * the values are the same to the last bit.
	 */
	public double[][] evidence(FloatTensor features) {
		checkFeatures(features);
		int n = (int) features.dim(0), positions = h * w;
		float[] x = features.data();
		double[][] e = new double[n][c];
		double[] p = new double[c], pos = new double[c], neg = new double[c];
		for (int i = 0; i < n; i++) {
			Arrays.fill(pos, 0);
			Arrays.fill(neg, 0);
			for (int s = 0; s < positions; s++) {
				int at = (i * positions + s) * c;
				Arrays.fill(p, 0);
				for (int r = 0; r < c; r++) { // p_j = sum_r x_r Q_rj, r in increasing order for every j
					double v = x[at + r];
					double[] qr = q[r];
					for (int j = 0; j < c; j++) p[j] += v * qr[j];
				}
				for (int j = 0; j < c; j++) {
					pos[j] = Math.max(pos[j], p[j]);
					neg[j] = Math.max(neg[j], -p[j]);
				}
			}
			for (int j = 0; j < c; j++) e[i][j] = pos[j] - neg[j];
		}
		return e;
	}

	/** Logits [N, K] computed from the head's parts (same formula as the graph). */
	@Override
	public double[][] logits(FloatTensor features) {
		double[][] e = evidence(features);
		float[] wr = weights.get("classifier").data(), b = weights.get("bias").data();
		double[][] out = new double[e.length][classes];
		for (int i = 0; i < e.length; i++) for (int k = 0; k < classes; k++) {
			double s = b[k];
			for (int j = 0; j < c; j++) s += e[i][j] * wr[j * classes + k] * wr[j * classes + k];
			out[i][k] = s;
		}
		return out;
	}

	/**
	 * The parts of image i's decision for class k, largest contribution first. Contributions are
	 * signed: a part whose evidence is negative (its strongest negative response beats its strongest
	 * positive one) speaks against the class; with {@link #bias(int)} they sum to the logit.
	 */
	public List<Part> parts(FloatTensor features, int i, int k) {
		double[] e = evidence(features.slice(i))[0];
		float[] wr = weights.get("classifier").data();
		return IntStream.range(0, c).mapToObj(j -> new Part(j, e[j] * wr[j * classes + k] * wr[j * classes + k]))
			.sorted(Comparator.comparingDouble(p -> -p.contribution())).toList();
	}

	/**
	 * Where part j responds in each image: the projected channel with its sign (positive evidence
	 * above 0, negative evidence below), upsampled to height x width. Its maximum minus the
	 * maximum of its negative is the part's evidence.
	 */
	public FloatTensor partMap(FloatTensor features, int part, int height, int width) {
		return Resampling.bilinear(unitMaps(features, part), height, width);
	}

	/**
	 * Indices of the training images where part j responds most (its prototypes), as Train
	 * Interpretable Head picks them ({@link HeadPrototypes#top}): by the part's strongest positive
	 * response, as the paper's prototypes are the patches of highest activation; an image without a
	 * positive response is none. (Ranking by the evidence, max minus max of the negative, put an image
	 * with a weaker response first when the stronger one also had a negative peak.)
	 */
	public int[] prototypes(FloatTensor features, int part, int count) {
		return HeadPrototypes.top(this, features, part, count).stream().mapToInt(HeadPrototypes.Prototype::image).toArray();
	}

	/** Saves the head as a SavedModel (input: the backbone's feature map) with its accuracies. */
	public void save(Path dir, List<String> classNames, String backbone, double headAccuracy, double backboneAccuracy) throws IOException {
		save(dir, classNames, backbone, Map.of("head_accuracy", headAccuracy, "backbone_accuracy", backboneAccuracy));
	}

	@Override
	public void save(Path dir, List<String> classNames, String backbone, Map<String, Object> metadata) throws IOException {
		ModelConfig config = new ModelConfig();
		config.name = "InfoDisent head on " + backbone;
		config.description = "Interpretable head: orthogonal projection (exponential of a skew-symmetric matrix), max positive minus max"
			+ " negative evidence per part,"
			+ " non-negative linear classifier. Input: the feature map of layer '" + layer + "' of " + backbone + ".";
		config.classes = new java.util.ArrayList<>(classNames);
		config.metadata.put(InterpretableHead.KIND, NAME);
		config.metadata.put("backbone", backbone);
		config.metadata.put("backbone_layer", layer);
		config.metadata.put("parts", c);
		config.metadata.put("rotation", ROTATION);
		if (converted != null) {
			config.metadata.put(CONVERTED, converted);
			config.description += " Rotation converted from an older head's " + converted + ".";
		}
		config.metadata.putAll(metadata);
		SavedModelExport.export(g -> new InfoDisentGraph(g, h, w, c, classes, weights, q), config, dir); // Q itself, not its skew part
	}
}
