package org.conceptscope.mechanistic;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

import org.conceptscope.concepts.ConceptBank;
import org.conceptscope.concepts.Nnls;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;

/**
 * Generalized Integrated Gradients (GIG; Kim, Han, Han, Kwak 2024, "Decompose the model:
 * mechanistic interpretability in image models with Generalized Integrated Gradients"): how much
 * each concept of a layer drives a target further up. Integrated gradients run on the model's own
 * activations A of the layer, along the straight path alpha * A from 0 (midpoint rule), in the
 * coordinates of the layer's concept decomposition: every PFV a_p (negative values clipped for
 * NNLS) is u_p1 w_1 + ... + u_pk w_k + e_p, with non-negative NNLS coefficients u_pq and e_p what the
 * concepts do not rebuild (the clipped negative parts included). Along the path the coefficients
 * scale with alpha (NNLS is positively homogeneous), so integrated gradients in these coordinates
 * give concept q the credit sum_p u_pq &lt;g_p, w_q&gt; and the rest the residual sum_p &lt;g_p, e_p&gt;,
 * g_p the gradient of the target at a_p averaged along the path. A concept the target does not read
 * (gradient orthogonal to it) gets 0; one that lowers the target gets a negative credit (the dummy
 * and sensitivity axioms of integrated gradients, in concept coordinates). Concepts and residual
 * sum to sum_p &lt;g_p, a_p&gt; = T(A) - T(0) on the real model (completeness, up to the midpoint
 * rule). Targets: the class logit, or a concept of a later layer, measured by its projection
 * coefficient mean_p &lt;a_p, w_j&gt; / |w_j|^2 (linear in that layer's activations; with correlated
 * upper concepts it also grows with concept j's neighbours, unlike concept j's NNLS share).
 * {@link #graph} links two concept banks and the class into a table of edges, residuals included.
 */
public final class GeneralizedIntegratedGradients {

	/**
	 * One edge of the concept graph. An edge into a class has toConcept -1 and toLayer
	 * {@link #CLASS} + the class name. A residual edge has fromConcept {@link #RESIDUAL}: the part of
	 * the target's change that the lower layer's concepts do not carry.
	 */
	public record Edge(String fromLayer, int fromConcept, String toLayer, int toConcept, double relevance) {

		/** The prefix of an edge's toLayer when it leads into a class. */
		public static final String CLASS = "class:";
		/** The fromConcept of a residual edge. */
		public static final int RESIDUAL = -1;

		/** An edge from concept {@code concept} of {@code layer} into the class named {@code className}. */
		public static Edge toClass(String layer, int concept, String className, double relevance) {
			return new Edge(layer, concept, CLASS + className, -1, relevance);
		}

		/** The class this edge leads into; null for an edge into a concept. */
		public String className() {
			return toConcept < 0 && toLayer.startsWith(CLASS) ? toLayer.substring(CLASS.length()) : null;
		}

		/** Whether this edge is a residual (what the concepts of fromLayer do not carry), not a concept's. */
		public boolean isResidual() {
			return fromConcept == RESIDUAL;
		}
	}

	/**
	 * GIG of one target over a bank's concepts: each concept's credit and the residual (what the
	 * concepts do not rebuild, clipped negative parts included). Their sum is T(A) - T(0).
	 */
	public record Credit(double[] concepts, double residual) {

		/** Concepts plus residual: the target's change from zero activations of the layer to the real ones. */
		public double total() {
			double s = residual;
			for (double v : concepts) s += v;
			return s;
		}
	}

	/**
	 * A bank's decomposition of a batch's activations at its layer: the activations and every PFV's
	 * NNLS coefficients, computed once and shared by every target GIG leads the bank's concepts into.
	 */
	public static final class Decomposition {
		final ConceptBank bank;
		final FloatTensor activations;
		/** [image][position][concept] */
		final double[][][] coefficients;

		private Decomposition(ConceptBank bank, FloatTensor activations, double[][][] coefficients) {
			this.bank = bank;
			this.activations = activations;
			this.coefficients = coefficients;
		}

		public ConceptBank bank() {
			return bank;
		}

		/** The number of images. */
		public int images() {
			return coefficients.length;
		}
	}

	/**
	 * Path values (points x activations of one image) given to the model in one batch at most (64 MB of floats): a long
	 * path or a large layer is integrated in batches of whole points, summed in the path's order, so the result does not
	 * depend on it (steps x activations in one array overflowed an int, or the memory, on large layers).
	 */
	static final long PATH_VALUES = 1L << 24;

	private final TensorFlowClassifier classifier;
	private final int steps;
	private final java.util.function.BooleanSupplier goOn;
	private final long pathValues;

	public GeneralizedIntegratedGradients(TensorFlowClassifier classifier, int steps) {
		this(classifier, steps, () -> true);
	}

	/** @param goOn asked before each image's decomposition and path integral; false cancels ({@link java.util.concurrent.CancellationException}) */
	public GeneralizedIntegratedGradients(TensorFlowClassifier classifier, int steps, java.util.function.BooleanSupplier goOn) {
		this(classifier, steps, goOn, PATH_VALUES);
	}

	/** @param pathValues path values given to the model in one batch at most (at least one point a batch) */
	GeneralizedIntegratedGradients(TensorFlowClassifier classifier, int steps, java.util.function.BooleanSupplier goOn, long pathValues) {
		if (steps < 1) throw new IllegalArgumentException("GIG needs at least 1 step.");
		org.conceptscope.util.Limits.passes("GIG", "steps", steps);
		this.classifier = classifier;
		this.steps = steps;
		this.goOn = goOn;
		this.pathValues = pathValues;
	}

	/**
	 * Refuses, before any gradient, a bank this model cannot decompose: its layer is not one of the
	 * model's, or its concepts have another channel count than that layer (a bank of another model).
	 */
	public void checkBank(ConceptBank bank) {
		long[] shape = classifier.layers().stream().filter(l -> l.name().equals(bank.layer)).findFirst()
			.orElseThrow(() -> new IllegalArgumentException("The concept bank of layer '" + bank.layer + "' names a layer this model does not"
				+ " have; use the model the concepts were found with.")).shape();
		long c = shape[shape.length - 1];
		if (c != bank.channels()) {
			throw new IllegalArgumentException("The concept bank of layer '" + bank.layer + "' has " + bank.channels() + " channels per concept"
				+ " but that layer of this model has " + c + "; use the model the concepts were found with.");
		}
	}

	/**
	 * The concept graph: edges from every concept of {@code lower} to every concept of {@code upper}
	 * and a residual edge into each, then from every concept of {@code upper} to the class of the
	 * upper bank and a residual edge into it.
	 */
	public List<Edge> graph(ConceptBank lower, ConceptBank upper, FloatTensor images) {
		checkBank(lower);
		checkBank(upper);
		if (upper.classIndex < 0 || upper.classIndex >= classifier.numClasses()) {
			throw new IllegalArgumentException("The concept bank of layer '" + upper.layer + "' belongs to no class of this model (class index "
				+ upper.classIndex + (upper.classIndex < 0 ? ": found over the whole data set" : "") + "), so GIG has no class to lead its"
				+ " concepts into; use a bank found for one class (scope=class), or the Concept Graph with scope=dataset, which leads them"
				+ " into each image's predicted class.");
		}
		List<Edge> edges = new ArrayList<>();
		Decomposition d = decompose(lower, images);
		for (int j = 0; j < upper.size(); j++) edges.addAll(edges(toConcept(d, upper, j), lower.layer, upper.layer, j));
		int[] all = IntStream.range(0, (int) images.dim(0)).toArray();
		Credit top = toClass(decompose(upper, images), all, upper.classIndex);
		edges.addAll(edges(top, upper.layer, Edge.CLASS + upper.className, -1));
		return edges;
	}

	/** One edge per concept of {@code fromLayer}, then the residual edge, into the same target. */
	public static List<Edge> edges(Credit credit, String fromLayer, String toLayer, int toConcept) {
		List<Edge> out = new ArrayList<>();
		for (int q = 0; q < credit.concepts().length; q++) out.add(new Edge(fromLayer, q, toLayer, toConcept, credit.concepts()[q]));
		out.add(new Edge(fromLayer, Edge.RESIDUAL, toLayer, toConcept, credit.residual()));
		return out;
	}

	/** Coefficients U [P, k] of one image's activations at the bank's layer (negative values clipped to 0). */
	static double[][] coefficients(ConceptBank bank, FloatTensor acts, int image) {
		return coefficients(new Nnls(bank.concepts), bank.channels(), acts, image);
	}

	private static double[][] coefficients(Nnls nnls, int c, FloatTensor acts, int image) {
		int per = acts.stride0(), pos = per / c;
		float[] d = PfvConcepts.nonNegative(Arrays.copyOfRange(acts.data(), image * per, (image + 1) * per));
		double[][] u = new double[pos][];
		for (int p = 0; p < pos; p++) u[p] = nnls.solve(d, p * c);
		return u;
	}

	/** The images' activations at the bank's layer and their concept coefficients, once for every target. */
	public Decomposition decompose(ConceptBank bank, FloatTensor images) {
		checkBank(bank);
		FloatTensor acts = classifier.activations(images, bank.layer);
		int n = (int) images.dim(0);
		Nnls nnls = new Nnls(bank.concepts);
		double[][][] u = new double[n][][];
		for (int i = 0; i < n; i++) {
			if (!goOn.getAsBoolean()) throw new java.util.concurrent.CancellationException("GIG cancelled.");
			u[i] = coefficients(nnls, bank.channels(), acts, i);
		}
		return new Decomposition(bank, acts, u);
	}

	/** GIG of each concept of {@code bank} for the class logit, averaged over the images. */
	public Credit toClass(ConceptBank bank, FloatTensor images, int classIndex) {
		int[] t = new int[(int) images.dim(0)];
		Arrays.fill(t, classIndex);
		return toClasses(bank, images, t);
	}

	/** GIG of each concept for each image's own class {@code targets[i]}, averaged over the images. */
	public Credit toClasses(ConceptBank bank, FloatTensor images, int[] targets) {
		if (targets.length != images.dim(0)) throw new IllegalArgumentException(targets.length + " targets for " + images.dim(0) + " images.");
		return toClasses(decompose(bank, images), targets);
	}

	/** As {@link #toClasses(ConceptBank, FloatTensor, int[])} on a decomposition already computed. */
	public Credit toClasses(Decomposition d, int[] targets) {
		if (targets.length != d.images()) throw new IllegalArgumentException(targets.length + " targets for " + d.images() + " images.");
		return integrate(d, IntStream.range(0, d.images()).toArray(), (a, n, image) -> classGradient(d.bank.layer, a, n, targets[image]));
	}

	/** GIG for class {@code classIndex} over the images {@code rows} of a decomposition, averaged over them. */
	public Credit toClass(Decomposition d, int[] rows, int classIndex) {
		return integrate(d, rows, (a, n, image) -> classGradient(d.bank.layer, a, n, classIndex));
	}

	private FloatTensor classGradient(String layer, FloatTensor a, int n, int classIndex) {
		int[] t = new int[n];
		Arrays.fill(t, classIndex);
		return classifier.gradientFromLayer(layer, a, FloatTensor.oneHot(t, classifier.numClasses()));
	}

	/** The target of {@link #toConcept}: concept j's projection coefficient at the upper layer, per image. */
	public static double[] projection(ConceptBank upper, int j, FloatTensor upperActivations) {
		int c = upper.channels(), per = upperActivations.stride0(), pos = per / c;
		double n2 = 0;
		for (double v : upper.concepts[j]) n2 += v * v;
		double[] out = new double[(int) upperActivations.dim(0)];
		for (int i = 0; i < out.length; i++) {
			double s = 0;
			for (int p = 0; p < pos; p++) for (int ch = 0; ch < c; ch++) s += upperActivations.data()[i * per + p * c + ch] * upper.concepts[j][ch];
			out[i] = s / (pos * n2);
		}
		return out;
	}

	/** GIG of each concept of {@code lower} for concept {@code j} of {@code upper} (a later layer). */
	public Credit toConcept(ConceptBank lower, ConceptBank upper, int j, FloatTensor images) {
		return toConcept(decompose(lower, images), upper, j);
	}

	/** As {@link #toConcept(ConceptBank, ConceptBank, int, FloatTensor)} on the lower bank's decomposition, shared by every upper concept. */
	public Credit toConcept(Decomposition lower, ConceptBank upper, int j) {
		long[] us = classifier.layers().stream().filter(l -> l.name().equals(upper.layer)).findFirst()
			.orElseThrow(() -> new IllegalArgumentException("Unknown layer '" + upper.layer + "'.")).shape();
		int c = upper.channels(), pos = (int) (FloatTensor.sizeOf(Arrays.copyOfRange(us, 1, us.length)) / c);
		double norm = 0;
		for (double v : upper.concepts[j]) norm += v * v;
		final double n2 = norm;
		return integrate(lower, IntStream.range(0, lower.images()).toArray(), (a, n, image) -> {
			long[] s = us.clone();
			s[0] = n;
			FloatTensor w = FloatTensor.zeros(s);
			for (int i = 0; i < n * pos; i++) for (int ch = 0; ch < c; ch++) w.data()[i * c + ch] = (float) (upper.concepts[j][ch] / (pos * n2));
			return classifier.layerToLayerGradient(lower.bank.layer, a, upper.layer, w);
		});
	}

	@FunctionalInterface
	interface Gradient {
		FloatTensor at(FloatTensor activations, int n, int image);
	}

	/**
	 * Per image: the gradient g_p averaged over the midpoint path, then concept q's credit
	 * sum_p u_pq &lt;g_p, w_q&gt; and the residual sum_p (&lt;g_p, a_p&gt; - sum_q u_pq &lt;g_p, w_q&gt;) =
	 * sum_p &lt;g_p, a_p - a^_p&gt;; means over the images.
	 */
	private Credit integrate(Decomposition d, int[] rows, Gradient gradient) {
		ConceptBank bank = d.bank;
		FloatTensor acts = d.activations;
		int n = rows.length, k = bank.size(), c = bank.channels(), per = acts.stride0(), pos = per / c;
		double[] credit = new double[k];
		double residual = 0;
		long[] shape = acts.shape();
		int perBatch = (int) Math.max(1, Math.min(steps, pathValues / per));
		double[] g = new double[c];
		for (int i : rows) {
			if (!goOn.getAsBoolean()) throw new java.util.concurrent.CancellationException("GIG cancelled.");
			float[] a = Arrays.copyOfRange(acts.data(), i * per, (i + 1) * per);
			double[][] u = d.coefficients[i];
			// the gradient summed over the path's points, in their order, a batch of at most pathValues values at a time
			double[] sum = new double[per];
			for (int first = 0; first < steps; first += perBatch) {
				int count = Math.min(perBatch, steps - first);
				float[] path = new float[count * per];
				for (int s = 0; s < count; s++) {
					double alpha = (first + s + 0.5) / steps;
					for (int j = 0; j < per; j++) path[s * per + j] = (float) (alpha * a[j]);
				}
				shape[0] = count;
				float[] grad = gradient.at(new FloatTensor(shape.clone(), path), count, i).data();
				for (int s = 0; s < count; s++) for (int j = 0; j < per; j++) sum[j] += grad[s * per + j];
			}
			for (int p = 0; p < pos; p++) {
				double whole = 0;
				for (int ch = 0; ch < c; ch++) {
					g[ch] = sum[p * c + ch] / steps;
					whole += g[ch] * a[p * c + ch];
				}
				double concepts = 0;
				for (int q = 0; q < k; q++) {
					if (u[p][q] == 0) continue;
					double dot = 0;
					for (int ch = 0; ch < c; ch++) dot += g[ch] * bank.concepts[q][ch];
					double r = u[p][q] * dot;
					credit[q] += r / n;
					concepts += r;
				}
				residual += (whole - concepts) / n;
			}
		}
		return new Credit(credit, residual);
	}
}
