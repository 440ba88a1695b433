package org.conceptscope.mechanistic;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.conceptscope.concepts.ConceptBank;
import org.conceptscope.concepts.Nnls;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;

/**
 * Generalized Integrated Gradients (GIG; Kim, Han, Han, Kwak 2024, "Decompose the model:
 * mechanistic interpretability in image models with Generalized Integrated Gradients"): how much
 * each concept of a layer drives a target further up. Integrated gradients run on the model's own
 * activations A of the layer, along the straight path alpha * A from 0 (midpoint rule), so every
 * PFV p gets r_p = integral of &lt;dT/da_p, a_p&gt;, and the r_p sum to T(A) - T(0) on the real
 * model. Each PFV's r_p is shared among the concepts by the sharing ratios of its concept
 * decomposition: with NNLS coefficients u_pq and rebuilt PFV a^_p = sum_q u_pq w_q, concept q takes
 * u_pq &lt;w_q, a^_p&gt; / |a^_p|^2 (ratios that sum to 1); a PFV the concepts do not rebuild at
 * all goes to its most similar concept (cosine). Targets: the class logit, or a concept of a later
 * layer, measured by its projection coefficient mean_p &lt;a_p, w_j&gt; / |w_j|^2 (linear in that
 * layer's activations). Completeness: the relevances sum to T(A) - T(0).
 * {@link #graph} links two concept banks and the class into a table of edges.
 */
public final class GeneralizedIntegratedGradients {

	/**
	 * One edge of the concept graph. An edge into a class has toConcept -1 and toLayer
	 * {@link #CLASS} + the class name.
	 */
	public record Edge(String fromLayer, int fromConcept, String toLayer, int toConcept, double relevance) {

		/** The prefix of an edge's toLayer when it leads into a class. */
		public static final String CLASS = "class:";

		/** An edge from concept {@code concept} of {@code layer} into the class named {@code className}. */
		public static Edge toClass(String layer, int concept, String className, double relevance) {
			return new Edge(layer, concept, CLASS + className, -1, relevance);
		}

		/** The class this edge leads into; null for an edge into a concept. */
		public String className() {
			return toConcept < 0 && toLayer.startsWith(CLASS) ? toLayer.substring(CLASS.length()) : null;
		}
	}

	private final TensorFlowClassifier classifier;
	private final int steps;
	private final java.util.function.BooleanSupplier goOn;

	public GeneralizedIntegratedGradients(TensorFlowClassifier classifier, int steps) {
		this(classifier, steps, () -> true);
	}

	/** @param goOn asked before each image's path integral; false cancels ({@link java.util.concurrent.CancellationException}) */
	public GeneralizedIntegratedGradients(TensorFlowClassifier classifier, int steps, java.util.function.BooleanSupplier goOn) {
		if (steps < 1) throw new IllegalArgumentException("GIG needs at least 1 step.");
		this.classifier = classifier;
		this.steps = steps;
		this.goOn = goOn;
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
	 * The concept graph: edges from every concept of {@code lower} to every concept of {@code upper},
	 * and from every concept of {@code upper} to the class of the upper bank.
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
		for (int j = 0; j < upper.size(); j++) {
			double[] r = toConcept(lower, upper, j, images);
			for (int i = 0; i < r.length; i++) edges.add(new Edge(lower.layer, i, upper.layer, j, r[i]));
		}
		double[] top = toClass(upper, images, upper.classIndex);
		for (int j = 0; j < top.length; j++) edges.add(Edge.toClass(upper.layer, j, upper.className, top[j]));
		return edges;
	}

	/** Coefficients U [P, k] of one image's activations at the bank's layer. */
	static double[][] coefficients(ConceptBank bank, FloatTensor acts, int image) {
		int c = bank.channels(), per = acts.stride0(), pos = per / c;
		float[] d = PfvConcepts.nonNegative(Arrays.copyOfRange(acts.data(), image * per, (image + 1) * per));
		Nnls nnls = new Nnls(bank.concepts);
		double[][] u = new double[pos][];
		for (int p = 0; p < pos; p++) u[p] = nnls.solve(d, p * c);
		return u;
	}

	/**
	 * Per position, the share of each concept in the PFV: u_pq &lt;w_q, a^_p&gt; / |a^_p|^2 with
	 * a^_p = sum_q u_pq w_q (the sharing ratio of the PFV's concept decomposition, summing to 1);
	 * where the concepts rebuild nothing, 1 for the concept most similar (cosine) to the PFV.
	 */
	static double[][] shares(ConceptBank bank, FloatTensor acts, int image) {
		int c = bank.channels(), k = bank.size(), per = acts.stride0(), pos = per / c;
		double[][] u = coefficients(bank, acts, image);
		double[][] share = new double[pos][k];
		for (int p = 0; p < pos; p++) {
			double[] rebuilt = new double[c];
			for (int q = 0; q < k; q++) for (int ch = 0; ch < c; ch++) rebuilt[ch] += u[p][q] * bank.concepts[q][ch];
			double n2 = 0;
			for (double v : rebuilt) n2 += v * v;
			if (n2 > 0) {
				for (int q = 0; q < k; q++) {
					double dot = 0;
					for (int ch = 0; ch < c; ch++) dot += bank.concepts[q][ch] * rebuilt[ch];
					share[p][q] = u[p][q] * dot / n2;
				}
			} else {
				share[p][PfvConcepts.mostSimilar(bank.concepts, acts.data(), image * per + p * c)] = 1;
			}
		}
		return share;
	}

	/** Relevance of each concept of {@code bank} for the class logit, per image averaged. */
	public double[] toClass(ConceptBank bank, FloatTensor images, int classIndex) {
		int[] t = new int[(int) images.dim(0)];
		Arrays.fill(t, classIndex);
		return toClasses(bank, images, t);
	}

	/** Relevance of each concept for each image's own class {@code targets[i]}, averaged over the images. */
	public double[] toClasses(ConceptBank bank, FloatTensor images, int[] targets) {
		if (targets.length != images.dim(0)) throw new IllegalArgumentException(targets.length + " targets for " + images.dim(0) + " images.");
		return integrate(bank, images, (a, n, image) -> {
			int[] t = new int[n];
			Arrays.fill(t, targets[image]);
			return classifier.gradientFromLayer(bank.layer, a, FloatTensor.oneHot(t, classifier.numClasses()));
		});
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

	/** Relevance of each concept of {@code lower} for concept {@code j} of {@code upper} (a later layer). */
	public double[] toConcept(ConceptBank lower, ConceptBank upper, int j, FloatTensor images) {
		long[] us = classifier.layers().stream().filter(l -> l.name().equals(upper.layer)).findFirst()
			.orElseThrow(() -> new IllegalArgumentException("Unknown layer '" + upper.layer + "'.")).shape();
		int c = upper.channels(), pos = (int) (FloatTensor.sizeOf(Arrays.copyOfRange(us, 1, us.length)) / c);
		double norm = 0;
		for (double v : upper.concepts[j]) norm += v * v;
		final double n2 = norm;
		return integrate(lower, images, (a, n, image) -> {
			long[] s = us.clone();
			s[0] = n;
			FloatTensor w = FloatTensor.zeros(s);
			for (int i = 0; i < n * pos; i++) for (int ch = 0; ch < c; ch++) w.data()[i * c + ch] = (float) (upper.concepts[j][ch] / (pos * n2));
			return classifier.layerToLayerGradient(lower.layer, a, upper.layer, w);
		});
	}

	@FunctionalInterface
	interface Gradient {
		FloatTensor at(FloatTensor activations, int n, int image);
	}

	private double[] integrate(ConceptBank bank, FloatTensor images, Gradient gradient) {
		FloatTensor acts = classifier.activations(images, bank.layer);
		int n = (int) images.dim(0), k = bank.size(), c = bank.channels(), per = acts.stride0(), pos = per / c;
		double[] relevance = new double[k];
		long[] shape = acts.shape();
		shape[0] = steps;
		for (int i = 0; i < n; i++) {
			if (!goOn.getAsBoolean()) throw new java.util.concurrent.CancellationException("GIG cancelled.");
			float[] a = Arrays.copyOfRange(acts.data(), i * per, (i + 1) * per);
			double[][] share = shares(bank, acts, i);
			float[] path = new float[steps * per];
			for (int s = 0; s < steps; s++) {
				double alpha = (s + 0.5) / steps;
				for (int j = 0; j < per; j++) path[s * per + j] = (float) (alpha * a[j]);
			}
			float[] g = gradient.at(new FloatTensor(shape, path), steps, i).data();
			for (int p = 0; p < pos; p++) {
				double r = 0;
				for (int s = 0; s < steps; s++) for (int ch = 0; ch < c; ch++) r += g[s * per + p * c + ch] * (double) a[p * c + ch];
				r /= steps;
				for (int q = 0; q < k; q++) relevance[q] += share[p][q] * r / n;
			}
		}
		return relevance;
	}
}
