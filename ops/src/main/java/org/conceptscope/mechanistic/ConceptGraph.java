package org.conceptscope.mechanistic;

import static org.conceptscope.util.Limits.readableSize;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;

import org.conceptscope.concepts.ConceptBank;
import org.conceptscope.concepts.ConceptLocalization;
import org.conceptscope.model.Classifier;
import org.conceptscope.model.LayerInfo;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Limits;
import org.conceptscope.util.Progress;

/**
 * The mechanistic concept graph of one class over a set of images: PFV concept vectors at each
 * chosen layer ({@link PfvConcepts}), GIG relevance from every concept of a layer to every
 * concept of the next chosen layer and from the last layer's concepts to the class, with a
 * residual edge into each target for what the concepts do not carry
 * ({@link GeneralizedIntegratedGradients}), each concept's GIG relevance for the class (kept as
 * the bank's importance), and the effective receptive fields of each concept's strongest PFVs
 * ({@link SharingRatioDecomposition}): what a user looks at to see what a concept responds to.
 * Relevances are means over the images.
 */
public final class ConceptGraph {

	/**
	 * @param layers spatial layers, any order (sorted from input to output); empty: {@link #defaultLayers}
	 * @param concepts concept vectors per layer (k-means k)
	 * @param samples PFVs sampled per layer for k-means
	 * @param steps GIG midpoint steps
	 * @param examples strongest PFVs per concept whose ERFs are computed
	 * @param erfMass fraction of each ERF's absolute relevance its support holds
	 */
	public record Options(List<String> layers, int concepts, int samples, long seed, int steps, int examples, double erfMass) {

		public Options {
			layers = List.copyOf(layers);
			if (concepts < 1) throw new IllegalArgumentException("concepts must be at least 1, got " + concepts + ".");
			if (samples < 1) throw new IllegalArgumentException("samples must be at least 1, got " + samples + ".");
			if (steps < 1) throw new IllegalArgumentException("steps must be at least 1 (GIG), got " + steps + ".");
			if (examples < 1) throw new IllegalArgumentException("examples must be at least 1, got " + examples + ".");
			if (!(erfMass > 0 && erfMass <= 1)) throw new IllegalArgumentException("The ERF mass must be in (0, 1], got " + erfMass + ".");
		}
	}

	/**
	 * The ERF of one of a concept's strongest PFVs: the PFV (bank example, image index into the
	 * batch) and its layer cell, the relevance map [H * W] (relevance 1 at the PFV), the PFV's
	 * theoretical receptive field (unclipped: crops keep one size) and the ERF's support.
	 */
	public record ExampleErf(ConceptBank.Example example, int gridX, int gridY, float[] erf, ReceptiveField.Rect field,
		boolean[] support) {}

	/**
	 * Banks from input to output (importance = GIG relevance of each concept for the class), the
	 * graph's edges (each target's concept edges followed by its residual edge, fromConcept
	 * {@link GeneralizedIntegratedGradients.Edge#RESIDUAL}), ERFs per bank, concept and example, and
	 * the class logit of the real model (mean over images) and on zero activations of the last
	 * layer, and per bank the residual of its relevance for the class (what its concepts do not
	 * carry): the last bank's importances plus its residual sum to classScore - zeroScore (GIG
	 * completeness on the model's own activations, up to the midpoint rule). Over the data set also,
	 * per predicted class (by name, in class order), {its mean logit over the images predicted as it,
	 * the same on zero activations of the last layer}: the edges into that class sum to their
	 * difference up to the midpoint rule, whose error no edge absorbs (the residual is what the
	 * concepts do not rebuild, not the rest of the change); empty for one class's graph. Per bank
	 * above the first, per concept j, {its projection target mean over the images of
	 * mean_p &lt;a_p, w_j&gt; / |w_j|^2 on the layer's real activations, the same on the activations the
	 * model gives that layer from zero activations of the layer below}: the two ends of the GIG path
	 * (alpha * A of the lower layer, alpha from 0 to 1), so the edges into concept j, residual
	 * included, sum to their difference up to the midpoint rule; null for the first bank, which
	 * no edge leads into.
	 */
	public record Result(List<ConceptBank> banks, List<GeneralizedIntegratedGradients.Edge> edges, List<List<List<ExampleErf>>> erfs,
		double classScore, double zeroScore, double[] residuals, Map<String, double[]> scoresByClass, double[][][] conceptScores) {}

	private ConceptGraph() {}

	/**
	 * The outputs of the last two convolution blocks: the last two spatial layers whose operation
	 * is Relu; without two of them, the last two spatial layers (one when there is only one).
	 */
	public static List<String> defaultLayers(Classifier classifier) {
		// layers inside a residual or dense block cannot be fed (the skip connection reaches around them)
		List<LayerInfo> spatial = classifier.layers().stream().filter(LayerInfo::isSpatial)
			.filter(l -> !(classifier instanceof org.conceptscope.model.TensorFlowClassifier tf) || tf.splits(l.name(), null)).toList();
		if (spatial.isEmpty()) throw new IllegalArgumentException("The model has no spatial [N, h, w, c] layer for PFV concepts.");
		List<LayerInfo> relu = spatial.stream().filter(l -> l.opType().equals("Relu")).toList();
		List<LayerInfo> pick = relu.size() >= 2 ? relu : spatial;
		return pick.subList(Math.max(0, pick.size() - 2), pick.size()).stream().map(LayerInfo::name).toList();
	}

	/**
	 * The layers checked (known, spatial, distinct, and each one and each lower/upper pair splitting
	 * the model: not inside a residual or dense block) and sorted from input to output; empty gives
	 * the default. Called before any work, so a layer GIG cannot feed is refused before a bank is fitted.
	 */
	public static List<String> resolveLayers(Classifier classifier, List<String> layers) {
		List<String> sorted = layers.isEmpty() ? defaultLayers(classifier) : checkedLayers(classifier, layers);
		if (classifier instanceof TensorFlowClassifier tf) {
			for (int i = 0; i < sorted.size(); i++) {
				tf.checkSplits(sorted.get(i), null);
				if (i + 1 < sorted.size()) tf.checkSplits(sorted.get(i), sorted.get(i + 1));
			}
		}
		return sorted;
	}

	private static List<String> checkedLayers(Classifier classifier, List<String> layers) {
		List<LayerInfo> all = classifier.layers();
		List<String> spatial = all.stream().filter(LayerInfo::isSpatial).map(LayerInfo::name).toList();
		Set<String> seen = new HashSet<>();
		for (String l : layers) {
			if (!seen.add(l)) throw new IllegalArgumentException("Layer '" + l + "' is given twice; give each layer once.");
			LayerInfo info = all.stream().filter(x -> x.name().equals(l)).findFirst().orElse(null);
			if (info == null || !info.isSpatial()) {
				throw new IllegalArgumentException((info == null ? "Unknown layer '" + l + "'" : "Layer '" + l + "' is "
					+ Arrays.toString(info.shape()) + ", not spatial") + ": PFV concepts need spatial layers, e.g. " + spatial + ".");
			}
		}
		return spatial.stream().filter(seen::contains).toList();
	}

	/**
	 * @param images a normalised batch [N, H, W, C] of images of the class (or any images: relevance is for the class)
	 * @throws CancellationException when progress asks to stop
	 */
	public static Result build(TensorFlowClassifier classifier, FloatTensor images, int classIndex, Options o, Progress progress) {
		if (classIndex < 0 || classIndex >= classifier.numClasses()) {
			throw new IllegalArgumentException("Class " + classIndex + " does not exist; the model has classes 0.." + (classifier.numClasses() - 1) + ".");
		}
		checkHeap(classifier, images, o); // before any bank is fitted
		int[] targets = new int[(int) images.dim(0)];
		Arrays.fill(targets, classIndex);
		return build(classifier, images, targets, classIndex, o, progress);
	}

	/**
	 * The graph of a whole data set, as the GIG paper builds it: one bank of concepts per layer,
	 * fitted over all the images (each PFV sampled by its contribution to its own image's predicted
	 * class), edges from layer to layer over all the images, and edges from the last layer's
	 * concepts to every class that some image is predicted as (GIG over those images). A bank's
	 * importance is each concept's relevance for each image's predicted class, averaged; banks are
	 * named {@link PfvConcepts#ALL_CLASSES} with class index -1. {@code classScore} and
	 * {@code zeroScore} are the means over the images of their predicted class's logit on the real
	 * model and on zero activations of the last layer.
	 *
	 * @throws CancellationException when progress asks to stop
	 */
	public static Result buildDataset(TensorFlowClassifier classifier, FloatTensor images, Options o, Progress progress) {
		checkHeap(classifier, images, o); // before the images' predictions and any bank
		return build(classifier, images, classifier.logits(images).argmaxRows(), -1, o, progress);
	}

	/** Values one Java array holds at most: each layer's activations over all the images are one array. */
	static final long MAX_ARRAY = Integer.MAX_VALUE - 8;

	/**
	 * Java heap bytes {@link #build} needs, about, beside the images' batch, for {@code n} images
	 * through layers of these shapes ({h, w, c} per layer, from input to output): the most of each
	 * layer's fit and each step of GIG, which follow one another. A layer's fit holds its activations
	 * twice (as read and clipped at 0: 8 bytes a value), each position's contribution and cumulative
	 * weight (16 bytes), every position's concept coefficients ({@link #coefficientBytes}) and the
	 * sampled PFVs twice (as read and of unit length: 16 bytes a value). A step of GIG holds the
	 * activations (4 bytes a value) and coefficients of two neighbouring layers, and one image's path:
	 * its activations and gradient sum (12 bytes a value) and a batch of path points, their gradients
	 * and the model's copy of them (12 bytes a value, at most {@link GeneralizedIntegratedGradients#PATH_VALUES}).
	 * All but the path grow with n: a layer of 56 x 56 x 256 holds 0.64 GB in its fit's two copies of the activations alone at 100 images.
	 */
	public static long heapBytes(List<long[]> shapes, long n, Options o) {
		long most = 0, lowerHeld = 0, lowerValues = 0;
		for (long[] s : shapes) {
			long positions = s[0] * s[1], values = positions * s[2], samples = Math.min(o.samples(), n * positions);
			long fit = n * values * 8 + n * positions * 16 + coefficientBytes(n, positions, o.concepts()) + samples * (16 + 8 * s[2]) * 2;
			long held = n * values * 4 + coefficientBytes(n, positions, o.concepts());
			long path = 12 * Math.max(values, lowerValues) + 12 * Math.max(Math.max(values, lowerValues),
				Math.min(o.steps() * Math.max(values, lowerValues), GeneralizedIntegratedGradients.PATH_VALUES));
			most = Math.max(most, Math.max(fit, lowerHeld + held + path));
			lowerHeld = held;
			lowerValues = values;
		}
		return most;
	}

	/** Bytes of the concept coefficients of n images of {@code positions} PFVs: a double[k] per PFV (16-byte header) and its reference. */
	static long coefficientBytes(long n, long positions, int k) {
		return n * positions * (4 + ((16 + 8L * k + 7) / 8) * 8) + n * 16;
	}

	/**
	 * Refuses, before any bank is fitted, images whose activations at the layers of {@code o} would
	 * not fit in Java's heap ({@link #heapBytes} above what is free), or not in one Java array, in
	 * one sentence with what to give: fewer images, other layers, or the -Xmx. An OutOfMemoryError
	 * part-way would lose the run.
	 */
	public static void checkHeap(TensorFlowClassifier classifier, FloatTensor images, Options o) {
		List<String> layers = resolveLayers(classifier, o.layers());
		List<long[]> shapes = new ArrayList<>();
		for (String layer : layers) { // one image's activations give the layer's shape, also for a model of any input size
			long[] s = classifier.activations(images.range(0, 1), layer).shape();
			shapes.add(new long[] { s[1], s[2], s[3] });
		}
		long n = images.dim(0);
		checkHeap(layers, shapes, n, o, Limits.heapLeft(heapBytes(shapes, n, o)));
	}

	/** As {@link #checkHeap(TensorFlowClassifier, FloatTensor, Options)} with {@code left} bytes of heap free. */
	static void checkHeap(List<String> layers, List<long[]> shapes, long n, Options o, long left) {
		int widest = 0;
		for (int i = 1; i < shapes.size(); i++) if (size(shapes.get(i)) > size(shapes.get(widest))) widest = i;
		long[] w = shapes.get(widest);
		String what = "The graph over " + n + " image" + (n == 1 ? "" : "s") + " at layers " + layers + " (layer '" + layers.get(widest)
			+ "' gives " + w[0] + " x " + w[1] + " x " + w[2] + " values per image)";
		if (n * size(w) > MAX_ARRAY) {
			throw new IllegalArgumentException(what + " holds more activation values than one Java array (2^31): give at most "
				+ MAX_ARRAY / size(w) + " images (fewer in the folder or stack), or other layers (layers=) with fewer values per image.");
		}
		long need = heapBytes(shapes, n, o);
		if (need <= left) return;
		long fit = 0; // the most images that would fit: the need grows with the count
		for (long lo = 1, hi = n - 1; lo <= hi;) {
			long mid = (lo + hi) >>> 1;
			if (heapBytes(shapes, mid, o) <= left) {
				fit = mid;
				lo = mid + 1;
			} else hi = mid - 1;
		}
		throw new IllegalArgumentException(what + " needs about " + readableSize(need, left) + " of Java's heap for their activations and concept"
			+ " coefficients, more than the " + readableSize(left, need) + " it has free of the " + readableSize(Runtime.getRuntime().maxMemory())
			+ " Java may use: give fewer images (" + (fit > 0 ? "at most " + fit + " fit" : "not even one fits") + "; a smaller folder= or"
			+ " stack), other layers (layers=, deeper ones hold fewer values per image), or give Java more memory (-Xmx"
			+ Math.max(1, Limits.heapToGive(need, left)) + "g or more; in Fiji, Edit > Options > Memory & Threads...).");
	}

	private static long size(long[] shape) {
		return shape[0] * shape[1] * shape[2];
	}

	private static Result build(TensorFlowClassifier classifier, FloatTensor images, int[] targets, int classIndex, Options o, Progress progress) {
		List<String> layers = resolveLayers(classifier, o.layers());
		int n = (int) images.dim(0), height = (int) images.dim(1), width = (int) images.dim(2), l = layers.size();
		long total = 2L * l + (long) (l - 1) * o.concepts() + (long) l * o.concepts() * Math.min(o.examples(), (long) n * height * width)
			+ (classIndex < 0 ? classifier.numClasses() : 0);
		long[] done = { 0 };
		Runnable step = () -> {
			if (!progress.report(++done[0], total, "concept graph")) throw new CancellationException("Concept graph cancelled.");
		};
		List<ConceptBank> banks = new ArrayList<>();
		List<List<int[]>> examplePfvs = new ArrayList<>();
		for (String layer : layers) {
			// the fit's own steps (k-means, coefficients) report inside this step, and stop it on cancel
			Progress inner = (d, t, m) -> progress.report(done[0], total, "concept graph: " + layer + ", " + m + " " + d + "/" + t);
			PfvConcepts.Fit fit = PfvConcepts.fitWithPfvs(classifier, images, targets, classIndex, layer, o.concepts(), o.samples(), o.seed(),
				o.examples(), inner);
			banks.add(fit.bank());
			examplePfvs.add(fit.examplePfvs());
			step.run();
		}
		// asked per image inside each decomposition and path integral, so Esc does not wait for a pass over the whole data set
		GeneralizedIntegratedGradients gig = new GeneralizedIntegratedGradients(classifier, o.steps(),
			() -> progress.report(done[0], total, "concept graph"));
		List<GeneralizedIntegratedGradients.Edge> edges = new ArrayList<>();
		double[] residuals = new double[l];
		double[][][] conceptScores = new double[l][][];
		// each layer's activations and coefficients once, shared by its class relevance and the edges into every upper concept
		GeneralizedIntegratedGradients.Decomposition below = null;
		for (int i = 0; i < l; i++) {
			ConceptBank b = banks.get(i);
			GeneralizedIntegratedGradients.Decomposition d = gig.decompose(b, images);
			GeneralizedIntegratedGradients.Credit c = gig.toClasses(d, targets);
			b.importance = c.concepts();
			residuals[i] = c.residual();
			step.run();
			if (below != null) {
				conceptScores[i] = projectionEnds(classifier, below, d);
				for (int j = 0; j < b.size(); j++) {
					edges.addAll(GeneralizedIntegratedGradients.edges(gig.toConcept(below, b, j), below.bank().layer, b.layer, j));
					step.run();
				}
			}
			below = d;
		}
		ConceptBank last = banks.get(l - 1);
		if (classIndex >= 0) {
			edges.addAll(GeneralizedIntegratedGradients.edges(new GeneralizedIntegratedGradients.Credit(last.importance, residuals[l - 1]),
				last.layer, GeneralizedIntegratedGradients.Edge.CLASS + last.className, -1));
		} else {
			for (int c = 0; c < classifier.numClasses(); c++) {
				final int cc = c;
				int[] rows = java.util.stream.IntStream.range(0, n).filter(i -> targets[i] == cc).toArray();
				if (rows.length > 0) {
					edges.addAll(GeneralizedIntegratedGradients.edges(gig.toClass(below, rows, c), last.layer,
						GeneralizedIntegratedGradients.Edge.CLASS + classifier.classNames().get(c), -1));
				}
				step.run();
			}
		}
		below = null;
		SharingRatioDecomposition srd = new SharingRatioDecomposition(classifier);
		List<List<List<ExampleErf>>> erfs = new ArrayList<>();
		for (int bi = 0; bi < banks.size(); bi++) {
			ConceptBank b = banks.get(bi);
			long[] shape = classifier.layers().stream().filter(x -> x.name().equals(b.layer)).findFirst().orElseThrow().shape();
			int gh = (int) shape[1], gw = (int) shape[2];
			List<List<ExampleErf>> perConcept = new ArrayList<>();
			for (int k = 0; k < b.examples.size(); k++) {
				List<ExampleErf> out = new ArrayList<>();
				for (int j = 0; j < b.examples.get(k).size(); j++) {
					ConceptBank.Example e = b.examples.get(k).get(j);
					int position = examplePfvs.get(bi).get(k)[j] % (gh * gw), gx = position % gw, gy = position / gw;
					FloatTensor x = images.slice(e.image());
					float[] map = srd.effectiveReceptiveField(x, b.layer, position).map().data();
					out.add(new ExampleErf(e, gx, gy, map, srd.receptiveField(x, b.layer, position),
						ReceptiveField.effectiveSupport(map, o.erfMass())));
					step.run();
				}
				perConcept.add(out);
			}
			erfs.add(perConcept);
		}
		TargetLogits at = TargetLogits.of(classifier, last, images);
		double[] scores = at.classScores(targets);
		Map<String, double[]> byClass = classIndex < 0 ? at.scoresByClass(classifier.classNames(), targets) : Map.of();
		progress.report(total, total, "concept graph");
		return new Result(banks, edges, erfs, scores[0], scores[1], residuals, byClass, conceptScores);
	}

	/**
	 * Per concept j of the upper decomposition's bank, the ends of the GIG path into it: {mean over
	 * the images of its projection on the real activations, its projection on the activations the
	 * model gives the upper layer from zero activations of the lower one (the path's start, the same
	 * for every image)}.
	 */
	static double[][] projectionEnds(TensorFlowClassifier classifier, GeneralizedIntegratedGradients.Decomposition lower,
		GeneralizedIntegratedGradients.Decomposition upper) {
		long[] one = lower.activations.shape();
		one[0] = 1;
		FloatTensor start = classifier.layerFromLayer(lower.bank().layer, FloatTensor.zeros(one), upper.bank().layer);
		ConceptBank b = upper.bank();
		double[][] out = new double[b.size()][];
		for (int j = 0; j < b.size(); j++) {
			double mean = 0;
			for (double v : GeneralizedIntegratedGradients.projection(b, j, upper.activations)) mean += v / upper.images();
			out[j] = new double[] { mean, GeneralizedIntegratedGradients.projection(b, j, start)[0] };
		}
		return out;
	}

	/**
	 * The model's logits on the images and on zero activations of the bank's layer, computed once for
	 * both sums below (each is a full pass over the images). GIG runs on the real activations, so the
	 * relevances for the targets sum to the difference of these means.
	 */
	record TargetLogits(FloatTensor logits, FloatTensor zero) {

		static TargetLogits of(TensorFlowClassifier classifier, ConceptBank bank, FloatTensor images) {
			long[] one = classifier.activations(images.range(0, 1), bank.layer).shape(); // one image gives the layer's shape
			one[0] = 1;
			return new TargetLogits(classifier.logits(images), classifier.logitsFromLayer(bank.layer, FloatTensor.zeros(one)));
		}

		/** {mean over images of the logit of each image's target class, the same mean on zero activations}. */
		double[] classScores(int[] targets) {
			int n = targets.length;
			double mean = 0, atZero = 0;
			for (int i = 0; i < n; i++) {
				mean += logits.get(i, targets[i]) / n;
				atZero += zero.get(0, targets[i]) / n;
			}
			return new double[] { mean, atZero };
		}

		/**
		 * Per class some image targets (by name, in class order): {mean over those images of the logit of
		 * that class, the same mean on zero activations}.
		 */
		Map<String, double[]> scoresByClass(List<String> classNames, int[] targets) {
			Map<String, double[]> out = new java.util.LinkedHashMap<>();
			for (int c = 0; c < classNames.size(); c++) {
				double mean = 0, atZero = 0;
				int count = 0;
				for (int i = 0; i < targets.length; i++) {
					if (targets[i] != c) continue;
					mean += logits.get(i, c);
					atZero += zero.get(0, c);
					count++;
				}
				if (count > 0) out.put(classNames.get(c), new double[] { mean / count, atZero / count });
			}
			return java.util.Collections.unmodifiableMap(out);
		}
	}

	/**
	 * Per image, the non-negative coefficients of every bank's concepts (NNLS of each PFV over the
	 * concept vectors, upsampled to the image), side by side: [N, H, W, sum of the banks' sizes],
	 * channels in bank order, then concept order.
	 */
	public static FloatTensor conceptMaps(Classifier classifier, List<ConceptBank> banks, FloatTensor images) {
		int n = (int) images.dim(0), h = (int) images.dim(1), w = (int) images.dim(2), k = 0;
		for (ConceptBank b : banks) k += b.size();
		float[] out = new float[n * h * w * k];
		int offset = 0;
		for (ConceptBank b : banks) {
			float[] m = ConceptLocalization.localize(classifier, b, images).maps().data();
			int kb = b.size();
			for (int p = 0; p < n * h * w; p++) System.arraycopy(m, p * kb, out, p * k + offset, kb);
			offset += kb;
		}
		return new FloatTensor(new long[] { n, h, w, k }, out);
	}
}
